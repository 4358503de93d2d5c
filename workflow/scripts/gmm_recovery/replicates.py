"""Fit a study's replicates as the study does: the best of the restarts,
its standard errors and intervals, the oracle start and the choice of K, as
the three tables of a fit job (:func:`block_tables`):

- fits: one row per (method, n, replicate, component, parameter) with the
  estimate and every kind of SE and interval bound as columns of that row
  (:func:`gmm_recovery.tables.fit_columns`);
- diagnostics: one row per (method, n, replicate): the fit's log-likelihood,
  EM-map evaluations, flags, starts agreeing, the oracle start's result and
  the choice of K (:data:`DIAGNOSTICS` says what each column is);
- traces: one row per (replicate, restart, iteration) of the objective.

Pure: takes and returns arrays (dicts of numpy columns; no pandas, which
costs more to import than fitting a small block); the workflow's scripts do
the I/O.
"""

from __future__ import annotations

import numpy as np

from gmmem import SAME_MAXIMUM, Mixture, confidence_intervals, standard_errors_by_methods

from .checks import ROW_KEYS
from .tables import fit_columns


def fit_replicate(x: np.ndarray, settings: dict, seed: np.random.SeedSequence, *,
                  level: float = 0.95, oracle: Mixture | None = None,
                  select_k: tuple[int, ...] = (), select_seed=None, select_blrt: int = 0):
    """Fit one data set as a study does: :func:`fit_replicates` for one data set."""
    fits, diagnostics, traces = fit_replicates(
        [x], settings, [seed], level=level, oracle=oracle, select_k=select_k,
        select_blrt=select_blrt, select_seeds=None if select_seed is None else [select_seed])
    return fits[0], diagnostics[0], traces[0]


def fit_replicates(xs, settings: dict, seeds, *, level: float = 0.95,
                   oracle: Mixture | None = None, select_k: tuple[int, ...] = (),
                   select_seeds=None, traces: str = "all", select_blrt: int = 0):
    """:func:`replicate_columns` with each table as a DataFrame: (fits,
    diagnostics, traces), one of each per data set (traces None where not kept)."""
    import pandas as pd

    fits, diagnostics, trace_cols = replicate_columns(
        xs, settings, seeds, level=level, oracle=oracle, select_k=select_k,
        select_seeds=select_seeds, traces=traces, select_blrt=select_blrt)
    return ([pd.DataFrame(f) for f in fits], [pd.DataFrame(d, index=[0]) for d in diagnostics],
            [None if t is None else pd.DataFrame(t) for t in trace_cols])


# Row keys of a fit job's tables (checks.ROW_KEYS): fits and diagnostics start
# with them, traces end with them (after restart, iteration and objective).


def block_tables(method: str, n: int, replicates, xs, settings: dict, seeds, **kwargs) -> dict:
    """A fit job's three tables for one block, as dicts of equal-length numpy
    columns: {"fits", "diagnostics", "traces"}, each keyed by method, n and
    replicate (``replicates``, one per data set of ``xs``). kwargs: those of
    :func:`replicate_columns`."""
    fits, diagnostics, traces = replicate_columns(xs, settings, seeds, **kwargs)
    keyed = lambda cols, r, m: dict(zip(ROW_KEYS, (np.full(m, method), np.full(m, int(n)),
                                                   np.full(m, int(r))))) | cols
    return {
        "fits": _stack([keyed(f, r, len(f["estimate"])) for r, f in zip(replicates, fits)]),
        "diagnostics": _stack([keyed({k: np.array([v]) for k, v in d.items()}, r, 1)
                               for r, d in zip(replicates, diagnostics)]),
        "traces": _stack([t | dict(zip(reversed(ROW_KEYS), (
            np.full(len(t["loglik"]), int(r)), np.full(len(t["loglik"]), int(n)),
            np.full(len(t["loglik"]), method))))
            for r, t in zip(replicates, traces) if t is not None])}


def _stack(tables: list[dict]) -> dict[str, np.ndarray]:
    """Tables with the same columns (dicts of arrays), one after another."""
    if not tables:
        return {}
    names = list(tables[0])
    for t in tables[1:]:
        if list(t) != names:  # every replicate of one block has the same columns
            raise ValueError(f"tables to stack have columns {list(t)} and {names}")
    return {name: np.concatenate([np.asarray(t[name]) for t in tables]) for name in names}


def replicate_columns(xs, settings: dict, seeds, *, level: float = 0.95,
                      oracle: Mixture | None = None, select_k: tuple[int, ...] = (),
                      select_seeds=None, traces: str = "all", progress=None,
                      select_blrt: int = 0):
    """Fit data sets as a study does, all in the batched engine, returning
    (fits, diagnostics, traces), one of each per data set, each a dict of
    numpy columns (no pandas: a study's fit jobs write them without importing
    it, which costs more than fitting a small block).

    fits: :func:`gmm_recovery.tables.fit_columns`: one row per (component, in
    canonical order, parameter) with the estimate, Wald SE and bounds, and the
    sandwich's and bootstrap's when ``settings["intervals"]`` asks for them.
    diagnostics: one value per column (:data:`DIAGNOSTICS`): log-likelihood,
    EM-map evaluations, convergence, degeneracy and spurious flags, starts
    reaching the best maximum, SE failure flag (se_sw_failed, n_boot_ok with
    those intervals); with ``oracle``, the log-likelihood from the true start
    and whether the random starts missed it; with ``select_k``, the K each
    criterion chooses (:func:`model_choice_columns`).
    traces: one row per (restart, iteration) of the objective, for every data
    set (``traces="all"``), the first only (``"first"``) or the first
    ``traces`` (an int); None for the others. Each data set's result is the
    same as fitting it alone. ``progress``, if given, is called as
    progress(stage, done, total): "fitted" (data sets whose starts have all
    converged, every few seconds) and "bootstrapped" (after each data set's
    bootstrap)."""
    from gmmem import as_seed_sequence, child_seed, fit_many
    from gmmem.settings import fit_kwargs

    K = settings["n_components"]
    kwargs = fit_kwargs(settings)
    results = fit_many(xs, K, seeds=seeds, **kwargs, progress=None if progress is None else (
        lambda done, total: progress("fitted", done, total)))
    oracles = None
    if oracle is not None:
        # Only their log-likelihood is read: the spurious rule is enough, and its
        # bootstrap calibration would draw from fresh entropy (no seeds here).
        kw = {k: v for k, v in kwargs.items() if k not in ("n_restarts", "init", "spurious_test")}
        oracles = fit_many(xs, K, start=oracle, spurious_test="rule", **kw)
    others = {}
    if select_k:
        roots = [as_seed_sequence(s) for s in (select_seeds if select_seeds is not None else seeds)]
        for k in sorted(set(select_k) - {K}):
            # Model choice scores regular maxima (select_k's rule).
            others[k] = fit_many(xs, k, seeds=[child_seed(r, k) for r in roots],
                                 **(kwargs | {"prefer": "regular"}))
    all_fits, all_diagnostics, all_traces = [], [], []
    for i, (x, res) in enumerate(zip(xs, results)):
        sandwich = "sandwich" in settings.get("intervals", ())
        se, *sw = standard_errors_by_methods(res.mixture, x, ("louis", "sandwich")[:1 + sandwich],
                                             res.estimator)
        ci = confidence_intervals(res.mixture, se, level)
        diag = {"loglik": res.loglik, "n_iter": res.n_iter, "converged": res.converged,
                "degenerate": res.degenerate, "n_best": res.n_best, "se_failed": not se.ok,
                "spurious": res.spurious, "restarts_disagree": res.restarts_disagree}
        boot = None
        if sandwich:
            sw = (sw[0], confidence_intervals(res.mixture, sw[0], level))
            diag["se_sw_failed"] = not sw[0].ok
        if "bootstrap" in settings.get("intervals", ()):
            from gmmem import BOOT_KEY, bootstrap

            boot = bootstrap(x, res, settings["n_boot"], settings["bootstrap"],
                             seed=child_seed(seeds[i], BOOT_KEY), level=level, **kwargs)
            diag["n_boot_ok"] = boot.n_ok
            if progress is not None:
                progress("bootstrapped", i + 1, len(xs))
        all_fits.append(fit_columns(res.mixture, se, ci, sandwich=sw if sandwich else None,
                                    boot=boot))
        if oracles is not None:
            ores = oracles[i]
            diag["oracle_loglik"] = ores.loglik
            diag["missed_oracle"] = bool(
                res.loglik < ores.loglik - SAME_MAXIMUM * (1 + abs(ores.loglik)))
        if select_k:
            ks = sorted(set(select_k))
            fits_k = [res if k == K else others[k][i] for k in ks]
            diag |= model_choice_columns(x, ks, fits_k, kwargs, roots[i], select_blrt)
        all_diagnostics.append(diag)
        if (traces == "first" and i > 0) or (isinstance(traces, int) and i >= traces):
            all_traces.append(None)
            continue
        lengths = [len(r.trace) for r in res.restarts]
        all_traces.append({
            "restart": np.repeat(np.arange(1, len(lengths) + 1), lengths),
            "iteration": np.concatenate([np.arange(1, m + 1) for m in lengths]),
            "loglik": np.concatenate([r.trace for r in res.restarts]).astype(float)})
    return all_fits, all_diagnostics, all_traces


# The diagnostics table's columns after the row keys, in the order written,
# and what each is; which are there depends on the settings (see
# gmm_recovery.checks.fit_table_columns).
DIAGNOSTICS = {
    "loglik": "the fit's log-likelihood (its objective for pmle and map)",
    "n_iter": "EM-map evaluations of the best restart",
    "converged": "the best restart met the stopping rule",
    "degenerate": "a component collapsed (weight or variance at its floor)",
    "n_best": "restarts reaching the best maximum",
    "se_failed": "the observed information was singular or ill-conditioned (SEs NaN)",
    "spurious": "the fit is a spurious maximum (gmmem.spurious)",
    "restarts_disagree": "restarts reached different maxima",
    "se_sw_failed": "the sandwich's A was singular or ill-conditioned (intervals: sandwich)",
    "n_boot_ok": "usable bootstrap refits (intervals: bootstrap)",
    "oracle_loglik": "log-likelihood of the fit from the true parameters (oracle_start)",
    "missed_oracle": "the restarts' best is below the oracle fit's maximum (oracle_start)",
    "k_bic": "K chosen by BIC (select_k)", "k_aic": "K chosen by AIC (select_k)",
    "k_icl": "K chosen by ICL (select_k)",
    "blrt_p_k{K}": "bootstrap LRT p-value of K against the next candidate (select_blrt)",
    "k_blrt": "K chosen by the sequential bootstrap LRT at level 0.05 (select_blrt)",
}


# The criteria a study's model choice reports (k_<criterion> columns), in order.
STUDY_CRITERIA = ("bic", "aic", "icl", "blrt")


def model_choice_columns(x, ks, fits_k, kwargs: dict, root, n_boot: int = 0) -> dict:
    """One replicate's model-choice columns: k_bic, k_aic, k_icl, the K each
    criterion chooses (the first smallest), scoring each candidate K by its
    best regular maximum among the restarts (the fit itself unless it is
    spurious; a K with none is left out of the choice, as
    :func:`gmmem.select_k` does). With ``n_boot`` = B > 0, also
    k_blrt, the sequential bootstrap LRT's choice at level 0.05 (B draws per
    test, streams from child (BLRT_KEY, K) of the replicate's select seed, as
    select_k's), and blrt_p_k{K} (NaN for the K not tested)."""
    from gmmem import BLRT_KEY, aic_value, bic_value, bootstrap_lrt, child_seed, icl

    cols, scores, usable = {}, {c: [] for c in ("bic", "aic", "icl")}, []
    n = len(x)
    for k, f in zip(ks, fits_k):
        m, ll = f.mixture, f.loglik
        if f.spurious and f.regular is not None:
            m = f.regular
            ll = m.loglik(x)
        usable.append(not (f.spurious and f.regular is None))
        p = m.n_params
        b, a, c = bic_value(ll, p, n), aic_value(ll, p), icl(m, x)
        for name, v in zip(("bic", "aic", "icl"), (b, a, c)):
            scores[name].append(v)
    usable = np.array(usable) if any(usable) else np.ones(len(ks), bool)
    for name, v in scores.items():
        cols[f"k_{name}"] = ks[int(np.argmin(np.where(usable, v, np.inf)))]
    if n_boot:
        order = [k for k, u in zip(ks, usable) if u]
        chosen = order[-1]
        fits = dict(zip(ks, fits_k))
        for k in ks:
            cols[f"blrt_p_k{k}"] = np.nan
        for k, nxt in zip(order, order[1:]):
            t = bootstrap_lrt(x, fits[k], fits[nxt], n_boot=n_boot,
                              seed=child_seed(child_seed(root, BLRT_KEY), k), **kwargs)
            cols[f"blrt_p_k{k}"] = t.p_value
            if t.p_value > 0.05:
                chosen = k
                break
        cols["k_blrt"] = chosen
    return cols
