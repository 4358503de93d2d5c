"""gmmem: Gaussian mixtures fitted by EM, for parameter-recovery studies.

The mathematics (mixture, gaussian, em, init, fit, inference, evaluation,
recovery, study, analysis, tables) is pure functions and small frozen
dataclasses: no I/O, no global state. The edges that touch files or screens
are apart: datasets (reading CSV/TSV), plotting (matplotlib) and cli.
"""

from .em import has_converged, squarem_step
from .evaluation import align_components, mcse_coverage, performance, sort_permutation
from .fit import (FitResult, RestartRecord, Selection, aic, bic, fit, fit_many,
                  responsibilities, select_k)
from .gaussian import e_step, log_likelihood, m_step
from .inference import (ConfidenceIntervals, CramerRao, StandardErrors, confidence_intervals,
                        cramer_rao, fisher_information, observed_information, standard_errors)
from .mixture import Mixture

__all__ = [
    "ConfidenceIntervals", "CramerRao", "FitResult", "Mixture", "RestartRecord", "Selection",
    "StandardErrors", "aic", "align_components", "bic", "confidence_intervals", "cramer_rao",
    "e_step", "fisher_information", "fit", "fit_many", "has_converged", "log_likelihood", "m_step",
    "mcse_coverage", "observed_information", "performance", "responsibilities", "select_k",
    "sort_permutation", "squarem_step", "standard_errors",
]
__version__ = "0.1.0"
