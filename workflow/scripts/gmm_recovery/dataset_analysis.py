"""Fitting one data set as an analyst does: the fit, its SEs and CIs, assignments,
and (with several candidate K) the model choice."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gmmem import (FitResult, Mixture, Selection, confidence_intervals, fit, responsibilities,
                   select_k, standard_errors)

from .tables import bootstrap_columns, component_table


@dataclass(frozen=True, eq=False)
class Analysis:
    """result: the chosen fit; estimates: one row per component with SEs and
    CI bounds and the fit's diagnostics; selection: the BIC table when several
    K were tried (else None)."""

    result: FitResult
    estimates: pd.DataFrame
    selection: Selection | None
    se_reason: str = ""
    boot: object = None  # a gmmem.bootstrap.BootstrapResult with intervals including "bootstrap"

    @property
    def criteria(self) -> pd.DataFrame:
        """One row per K tried: k, loglik, n_params, bic, aic, converged, degenerate,
        chosen (and with a selection its other columns: :class:`gmmem.Selection`)."""
        if self.selection is not None:
            return pd.DataFrame(self.selection.table)
        r = self.result
        return pd.DataFrame([(r.mixture.n_components, r.loglik, r.n_params, r.bic, r.aic,
                              r.converged, r.degenerate, True)],
                            columns=["k", "loglik", "n_params", "bic", "aic", "converged",
                                     "degenerate", "chosen"])

    def assignments(self, x, row_ids=None) -> pd.DataFrame:
        """Each row's responsibilities tau_1..tau_K and its MAP component (1-based)."""
        tau = responsibilities(self.result.mixture, x)
        out = pd.DataFrame(tau, columns=[f"tau_{k + 1}" for k in range(tau.shape[1])])
        out.insert(0, "row", np.arange(len(out)) if row_ids is None else row_ids)
        out["component"] = tau.argmax(axis=1) + 1
        return out


def analyse(x, candidates, *, start: Mixture | None = None, seed=None, level: float = 0.95,
            criterion: str = "bic", select: bool | None = None, intervals=("wald",),
            n_boot: int = 200, bootstrap: str = "parametric", **fit_kwargs) -> Analysis:
    """Fit x with K in ``candidates``; with several (or ``select=True``) the
    criterion ("bic", "aic", "icl" or "blrt": :func:`gmmem.select_k`) chooses K. With "bootstrap" in ``intervals``,
    the chosen fit also gets bootstrap SEs and percentile and BCa intervals
    (:func:`gmmem.bootstrap`, streams from ``child_seed(seed, BOOT_KEY)``)."""
    candidates = list(candidates)
    selection = None
    if select is None:
        select = len(candidates) > 1
    if not select:
        if len(candidates) != 1:
            raise ValueError(f"candidates must hold one K without selection, got {candidates}")
        res = fit(x, candidates[0], start=start, seed=seed, **fit_kwargs)
    else:
        if start is not None:
            raise ValueError("start needs a single n_components, not a list of candidates")
        selection = select_k(x, candidates, criterion, seed=seed, **fit_kwargs)
        res = selection.fits[selection.k]
    se = standard_errors(res.mixture, x, estimator=res.estimator)
    table = component_table(res.mixture, se, confidence_intervals(res.mixture, se, level))
    table["loglik"] = res.loglik
    table["n"] = res.n
    table["n_iter"] = res.n_iter
    table["converged"] = res.converged
    table["degenerate"] = res.degenerate
    table["n_best"] = res.n_best
    table["bic"] = res.bic
    table["aic"] = res.aic
    table["se_ok"] = se.ok
    table["estimator"] = res.estimator
    table["objective"] = res.objective
    table["spurious"] = res.spurious
    if "sandwich" in intervals:
        from .tables import sandwich_columns

        sw = standard_errors(res.mixture, x, method="sandwich", estimator=res.estimator)
        for name, col in sandwich_columns(sw, confidence_intervals(res.mixture, sw, level),
                                          res.mixture.dim).items():
            table[name] = col
    boot = None
    if "bootstrap" in intervals:
        from gmmem import BOOT_KEY, bootstrap as run_bootstrap, child_seed

        boot = run_bootstrap(x, res, n_boot, bootstrap, seed=child_seed(seed, BOOT_KEY),
                             level=level, **fit_kwargs)
        for name, col in bootstrap_columns(boot, res.mixture.dim).items():
            table[name] = col
    return Analysis(res, table, selection, se.reason, boot)
