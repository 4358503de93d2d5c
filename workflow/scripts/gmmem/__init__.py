"""gmmem: Gaussian mixtures fitted by EM, for parameter-recovery studies.

Pure numpy functions and small frozen dataclasses; no I/O, no global state.
"""

from .em import has_converged, squarem_step
from .evaluation import align_components, mcse_coverage, performance, sort_permutation
from .fit import FitResult, RestartRecord, Selection, aic, bic, fit, responsibilities, select_k
from .gaussian import e_step, log_likelihood, m_step
from .inference import (ConfidenceIntervals, CramerRao, StandardErrors, confidence_intervals,
                        cramer_rao, fisher_information, observed_information, standard_errors)
from .mixture import Mixture

__all__ = [
    "ConfidenceIntervals", "CramerRao", "FitResult", "Mixture", "RestartRecord",
    "StandardErrors", "aic", "align_components", "bic", "confidence_intervals", "cramer_rao",
    "e_step", "fisher_information", "fit", "has_converged", "log_likelihood", "m_step",
    "Selection", "select_k", "mcse_coverage", "observed_information", "performance", "responsibilities",
    "sort_permutation", "squarem_step", "standard_errors",
]
__version__ = "0.1.0"
