"""gmmem: Gaussian mixtures fitted by EM, with the inference a recovery study needs.

The estimator library of gmm-recovery (numpy and scipy only; no files, no
plots). Its public API is the names below, as ``sklearn.mixture`` exports its
estimators; the study layer (``gmm_recovery``) uses nothing else.

Fitting: :func:`fit` (one data set, several restarts), :func:`fit_many` (many
data sets in one batched engine call). Choosing K (:mod:`gmmem.model_choice`):
:func:`select_k` (by BIC, AIC, ICL or the bootstrap LRT; its table is numpy
columns), :func:`bic`, :func:`aic`, :func:`icl`, :func:`bootstrap_lrt`.
Inference: :func:`standard_errors` (observed information, outer product,
sandwich), :func:`confidence_intervals`, :func:`bootstrap`,
:func:`fisher_information`, :func:`cramer_rao`. The parameter layout, defined
once (:mod:`gmmem.parameters`): :func:`parameter_names`, :func:`parameter_label`,
:func:`split_label`, :func:`free_layout`, :func:`free_parameters`,
:func:`n_parameters`. Labels: :func:`align_components`. The EM steps
(:func:`e_step`, :func:`m_step`, :func:`squarem_step`) are exported for those
who want to write their own loop. The fit settings are declared once in
:mod:`gmmem.settings`. Every public name has a numpydoc docstring.
"""

from . import settings
from ._validate import MAX_ABS, MIN_SD, scale_problem
from .alignment import align_components, alignment_cost, assignment, batch_alignment_cost, sort_permutation
from .bootstrap import BOOT_KEY, BootstrapResult, bootstrap
from .em import has_converged, squarem_step
from .fit import (SAME_MAXIMUM, FitResult, RestartRecord, as_seed_sequence, child_seed, fit,
                  fit_many, responsibilities)
from .gaussian import e_step, log_likelihood, m_step
from .inference import (ConfidenceIntervals, CramerRao, StandardErrors, confidence_intervals,
                        cramer_rao, fisher_information, natural_standard_errors, observed_information, standard_errors,
                        standard_errors_by_methods)
from .init import kmeans_plusplus
from .mixture import Mixture
from .parameters import (FreeLayout, free_layout, free_parameters, mixture_from_free, n_parameters,
                         parameter_label, parameter_names, split_label)
from .model_choice import (BLRT_KEY, CRITERIA, BootstrapLRT, Selection, aic, aic_value, bic,
                           bic_value, bootstrap_lrt, icl, select_k)
from .spurious import advice_lines

__all__ = [
    "BLRT_KEY", "BOOT_KEY", "BootstrapLRT", "BootstrapResult", "CRITERIA", "ConfidenceIntervals",
    "CramerRao", "FitResult", "FreeLayout", "MAX_ABS", "MIN_SD", "Mixture", "RestartRecord",
    "SAME_MAXIMUM", "Selection", "StandardErrors", "advice_lines", "aic", "aic_value", "align_components",
    "alignment_cost", "as_seed_sequence", "assignment", "batch_alignment_cost", "bic", "bic_value", "bootstrap",
    "bootstrap_lrt", "child_seed", "confidence_intervals", "cramer_rao", "e_step",
    "fisher_information", "fit", "fit_many", "free_layout", "free_parameters", "has_converged",
    "icl", "kmeans_plusplus", "log_likelihood", "m_step", "mixture_from_free", "n_parameters",
    "natural_standard_errors", "observed_information", "parameter_label", "parameter_names",
    "responsibilities", "scale_problem", "select_k", "settings", "sort_permutation", "split_label",
    "squarem_step", "standard_errors", "standard_errors_by_methods",
]
__version__ = "0.1.0"
