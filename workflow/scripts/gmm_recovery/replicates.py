"""Fit a study's replicates as the study does: the best of the restarts,
its standard errors and intervals, the oracle start and the choice of K, as
tables (one dict of columns per replicate).

Pure: takes and returns arrays; the workflow's scripts do the I/O.
"""

from __future__ import annotations

import numpy as np

from gmmem import SAME_MAXIMUM, Mixture, confidence_intervals, standard_errors_by_methods

from .tables import bootstrap_columns, component_columns, sandwich_columns


def fit_replicate(x: np.ndarray, settings: dict, seed: np.random.SeedSequence, *,
                  level: float = 0.95, oracle: Mixture | None = None,
                  select_k: tuple[int, ...] = (), select_seed=None, select_blrt: int = 0):
    """Fit one data set as a study does: :func:`fit_replicates` for one data set."""
    rows, traces = fit_replicates([x], settings, [seed], level=level, oracle=oracle,
                                  select_k=select_k, select_blrt=select_blrt,
                                  select_seeds=None if select_seed is None else [select_seed])
    return rows[0], traces[0]


def fit_replicates(xs, settings: dict, seeds, *, level: float = 0.95,
                   oracle: Mixture | None = None, select_k: tuple[int, ...] = (),
                   select_seeds=None, traces: str = "all", select_blrt: int = 0):
    """Fit data sets as a study does, all in the batched engine, returning
    (rows, traces): one table and one trace table per data set.

    rows: one row per component (canonical order) with estimates, SEs and
    interval bounds, then the fit's log-likelihood, EM-map evaluations,
    convergence, degeneracy and spurious flags, starts reaching the best
    maximum, SE failure flag; with ``oracle``, the log-likelihood from the
    true start and whether the random starts missed it; with ``select_k``,
    the BIC, AIC and ICL of each candidate K and the K each criterion chooses
    (with ``select_blrt`` = B > 0 also the bootstrap LRT's, B draws per test:
    :func:`model_choice_columns`).
    traces: one row per (restart, iteration) of the objective, for every
    data set (``traces="all"``), the first only (``"first"``) or the first
    ``traces`` (an int); None for the others. Each data set's result is the
    same as fitting it alone. The DataFrames of :func:`replicate_columns`.
    """
    import pandas as pd

    rows, trace_cols = replicate_columns(xs, settings, seeds, level=level, oracle=oracle,
                                         select_k=select_k, select_seeds=select_seeds,
                                         traces=traces, select_blrt=select_blrt)
    return ([pd.DataFrame(r) for r in rows],
            [None if t is None else pd.DataFrame(t) for t in trace_cols])


def replicate_columns(xs, settings: dict, seeds, *, level: float = 0.95,
                      oracle: Mixture | None = None, select_k: tuple[int, ...] = (),
                      select_seeds=None, traces: str = "all", progress=None,
                      select_blrt: int = 0):
    """:func:`fit_replicates` with each table as a dict of columns (name -> (rows,)
    array or scalar) instead of a DataFrame: a study's fit jobs write them
    without importing pandas, which costs more than fitting a small block.
    ``progress``, if given, is called as progress(stage, done, total): "fitted"
    (data sets whose starts have all converged, every few seconds) and
    "bootstrapped" (after each data set's bootstrap)."""
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
    all_rows, all_traces = [], []
    for i, (x, res) in enumerate(zip(xs, results)):
        sandwich = "sandwich" in settings.get("intervals", ())
        se, *sw = standard_errors_by_methods(res.mixture, x, ("louis", "sandwich")[:1 + sandwich],
                                             res.estimator)
        ci = confidence_intervals(res.mixture, se, level)
        cols = component_columns(res.mixture, se, ci)
        if sandwich:
            sw = sw[0]
            cols |= sandwich_columns(sw, confidence_intervals(res.mixture, sw, level),
                                     res.mixture.dim)
        if "bootstrap" in settings.get("intervals", ()):
            from gmmem import BOOT_KEY, bootstrap

            boot = bootstrap(x, res, settings["n_boot"], settings["bootstrap"],
                             seed=child_seed(seeds[i], BOOT_KEY), level=level, **kwargs)
            cols |= bootstrap_columns(boot, res.mixture.dim)
            if progress is not None:
                progress("bootstrapped", i + 1, len(xs))
        cols |= {"loglik": res.loglik, "n_iter": res.n_iter, "converged": res.converged,
                 "degenerate": res.degenerate, "n_best": res.n_best, "se_failed": not se.ok,
                 "spurious": res.spurious, "restarts_disagree": res.restarts_disagree}
        if oracles is not None:
            ores = oracles[i]
            cols["oracle_loglik"] = ores.loglik
            cols["missed_oracle"] = bool(
                res.loglik < ores.loglik - SAME_MAXIMUM * (1 + abs(ores.loglik)))
        if select_k:
            ks = sorted(set(select_k))
            fits_k = [res if k == K else others[k][i] for k in ks]
            cols |= model_choice_columns(x, ks, fits_k, kwargs, roots[i], select_blrt)
        all_rows.append(cols)
        if (traces == "first" and i > 0) or (isinstance(traces, int) and i >= traces):
            all_traces.append(None)
            continue
        lengths = [len(r.trace) for r in res.restarts]
        all_traces.append({
            "restart": np.repeat(np.arange(1, len(lengths) + 1), lengths),
            "iteration": np.concatenate([np.arange(1, m + 1) for m in lengths]),
            "loglik": np.concatenate([r.trace for r in res.restarts]).astype(float)})
    return all_rows, all_traces


# The criteria a study's model choice reports (k_<criterion> columns), in order.
STUDY_CRITERIA = ("bic", "aic", "icl", "blrt")


def model_choice_columns(x, ks, fits_k, kwargs: dict, root, n_boot: int = 0) -> dict:
    """One replicate's model-choice columns: per candidate K its BIC, AIC and
    ICL (bic_k{K}, aic_k{K}, icl_k{K}) on its best regular maximum among the
    restarts (the fit itself unless it is spurious; a K with none is left out
    of the choice, as :func:`gmmem.select_k` does), and k_bic, k_aic, k_icl,
    the K each chooses (the first smallest). With ``n_boot`` = B > 0, also
    k_blrt, the sequential bootstrap LRT's choice at level 0.05 (B draws per
    test, streams from child (BLRT_KEY, K) of the replicate's select seed, as
    select_k's), and blrt_p_k{K} (NaN for the K not tested)."""
    from gmmem import BLRT_KEY, bootstrap_lrt, child_seed, icl

    cols, scores, usable = {}, {c: [] for c in ("bic", "aic", "icl")}, []
    n = len(x)
    for k, f in zip(ks, fits_k):
        m, ll = f.mixture, f.loglik
        if f.spurious and f.regular is not None:
            m = f.regular
            ll = m.loglik(x)
        usable.append(not (f.spurious and f.regular is None))
        p = m.n_params
        b, a, c = -2.0 * ll + p * np.log(n), -2.0 * ll + 2.0 * p, icl(m, x)
        for name, v in zip(("bic", "aic", "icl"), (b, a, c)):
            cols[f"{name}_k{k}"] = v
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
