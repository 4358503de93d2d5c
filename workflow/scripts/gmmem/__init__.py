"""gmmem: Gaussian mixtures fitted by EM, for parameter-recovery studies.

Pure numpy functions and small frozen dataclasses; no I/O, no global state.
"""

from .em import has_converged, squarem_step
from .fit import FitResult, RestartRecord, aic, bic, fit, responsibilities
from .mixture import Mixture

__all__ = [
    "FitResult", "Mixture", "RestartRecord", "aic", "bic", "fit", "has_converged",
    "responsibilities", "squarem_step",
]
__version__ = "0.1.0"
