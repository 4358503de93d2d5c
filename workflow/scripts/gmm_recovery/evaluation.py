"""Evaluate a study's fits: align every replicate's components with the
truth and summarise them (Morris, White & Crowther 2019), the Cramer-Rao
table, the split of the fits among the population maxima.

Pure: takes and returns DataFrames; the workflow's scripts do the I/O.
"""

from __future__ import annotations

import numpy as np

from gmmem import Mixture

from .replicates import STUDY_CRITERIA
from .tables import (EXTRA_INTERVALS, EXTRA_SES, UNCERTAINTY_COLUMNS, WALD_COLUMNS,
                     parameter_columns, parameter_kind)


def _layout(fits, truth: Mixture) -> list[str]:
    """The parameters of a fits table in the layout's order (those of the
    truth's dimension that the table has); ValueError naming one it should not."""
    layout = parameter_columns(truth.dim)
    present = set(fits["parameter"].astype(str).unique())
    stray = sorted(present - set(layout))
    if stray:
        raise ValueError(f"fits: column parameter has value {stray[0]!r}, not a parameter of a "
                         f"d = {truth.dim} mixture ({', '.join(layout)})")
    return [c for c in layout if c in present]


def align_fits(fits, truth: Mixture):
    """Relabel every replicate's components to match the truth.

    fits: the long fits rows (:func:`gmm_recovery.replicates.block_tables`:
    n, replicate, component, parameter, estimate, the SE and interval
    columns), K_true components × P parameters per replicate. Alignment
    permutes the ``component`` column only: each true component k takes
    every value of the fitted component matched to it. Returns (aligned,
    disagreements): aligned has one row per (n, replicate, true component,
    parameter) with estimate, the uncertainty columns the fits have, and the
    truth; disagreements counts, per n, the replicates whose
    optimal-assignment labels differ from sorting along the mean coordinate
    that best separates the true components (-1 when none separates them
    all, so the check is not made).
    """
    import pandas as pd

    from gmmem import assignment, batch_alignment_cost
    from .tables import component_columns

    K, d = truth.n_components, truth.dim
    names = _layout(fits, truth)
    P = len(names)
    rank = {c: i for i, c in enumerate(names)}
    order = np.lexsort((fits["parameter"].map(rank).to_numpy(), fits["component"].to_numpy(),
                        fits["replicate"].to_numpy(), fits["n"].to_numpy()))
    fits = fits.iloc[order]
    sizes = fits.groupby(["n", "replicate"], sort=True).size()
    if np.any(sizes != K * P):
        (n, rep), rows = next((key, v) for key, v in sizes.items() if v != K * P)
        comps = fits.loc[(fits["n"] == n) & (fits["replicate"] == rep), "component"].nunique()
        raise ValueError(f"n = {n}, replicate {rep}: {rows} rows ({comps} components) where the "
                         f"truth's K = {K} components × {P} parameters need {K * P}; alignment "
                         "needs the same K")
    R = len(sizes)
    table = lambda c: fits[c].to_numpy(dtype=float).reshape(R, K, P)
    est = table("estimate")
    pick = lambda kind: [rank[c] for c in names if parameter_kind(c) == kind]
    means = est[:, :, pick("mean")]
    log_vars = 2.0 * np.log(est[:, :, pick("sd")])
    cost = batch_alignment_cost(means, log_vars, truth)
    perms = np.array([assignment(c) for c in cost])  # (R, K)
    # The sensitivity check: match by rank along the mean coordinate that best
    # separates the true components (the largest smallest gap between their
    # means). Where no coordinate separates them all (two true means share every
    # coordinate's rank), the check means nothing and is not made (-1).
    keys = sizes.index.to_frame(index=False)
    gaps = [np.diff(np.sort(truth.means[:, j])).min() if K > 1 else np.inf for j in range(d)]
    j = int(np.argmax(gaps))
    if K > 1 and gaps[j] > 0:
        rank_match = np.argsort(means[:, :, j], axis=1, kind="stable")[
            :, np.argsort(np.argsort(truth.means[:, j], kind="stable"), kind="stable")]
        differs = np.any(perms != rank_match, axis=1)
        disagree = pd.Series(differs).groupby(keys["n"].to_numpy()).sum().astype(int).to_dict()
    else:
        disagree = {n: -1 for n in keys["n"].unique()}
    true_cols = component_columns(truth)
    truth_kp = np.column_stack([true_cols[c] for c in names])  # (K, P)
    relabel = lambda c: np.take_along_axis(table(c), perms[:, :, None], axis=1).ravel()
    aligned = pd.DataFrame({
        "n": np.repeat(keys["n"].to_numpy(), K * P),
        "replicate": np.repeat(keys["replicate"].to_numpy(), K * P),
        "component": np.tile(np.repeat(np.arange(1, K + 1), P), R),
        "parameter": np.tile(names, K * R),
        "estimate": relabel("estimate")}
        | {c: relabel(c) for c in WALD_COLUMNS}
        | {"truth": np.tile(truth_kp.ravel(), R)}
        | {c: relabel(c) for c in UNCERTAINTY_COLUMNS
           if c not in WALD_COLUMNS and c in fits.columns})
    return aligned, disagree


def crlb_table(truth: Mixture, sample_sizes) -> "pd.DataFrame":
    """Cramér–Rao SDs per (n, parameter, component), off-diagonal covariances
    (cov_i_j) included; empty for structures without an information."""
    import pandas as pd

    from gmmem import cramer_rao

    from .tables import _by_parameter

    names = parameter_columns(truth.dim, truth.covariance)
    out = []
    for n in sample_sizes:
        try:
            cr = cramer_rao(truth, int(n))
        except ValueError:
            continue
        values = _by_parameter(names, cr.weights, cr.means, cr.sds, cr.covariances)
        for k in range(truth.n_components):
            for name, v in zip(names, values[k]):
                # Off-diagonal covariances only where the bound has them.
                if parameter_kind(name) != "cov" or np.isfinite(v):
                    out.append((n, name, k + 1, v))
    return pd.DataFrame(out, columns=["n", "parameter", "component", "crlb_sd"])


def evaluate_study(fits, diagnostics, truth: Mixture, methods: dict,
                   select_k: tuple[int, ...] = (), misspecified: bool = False,
                   pseudo_true: Mixture | None = None) -> dict:
    """:func:`evaluate_fits` for every method of a scenario (fits and
    diagnostics have a ``method`` column; methods maps name -> fit settings),
    each table gaining a ``method`` column first, plus ``comparison``: every
    pair of methods on their paired replicates
    (:func:`gmm_recovery.measures.compare_methods`). Misspecified truths get
    no CRLB rows (the bound is the Gaussian model's); with ``pseudo_true``
    (:mod:`gmm_recovery.pseudo_true`) their performance table also holds
    every measure against it (``target`` = "pseudo_true")."""
    import pandas as pd

    from .measures import compare_methods
    from .tables import uncertainty_columns

    parts = {}
    for name, settings in methods.items():
        # Only this method's uncertainty columns: another method's are empty here.
        own = fits.loc[fits["method"] == name, [
            c for c in fits.columns if c != "method" and (
                c not in UNCERTAINTY_COLUMNS or c in uncertainty_columns(settings))]]
        diag = diagnostics[diagnostics["method"] == name].drop(columns="method")
        tables = evaluate_fits(own, diag, truth, select_k, settings["covariance"],
                               crlb=not misspecified, pseudo_true=pseudo_true)
        for key, table in tables.items():
            parts.setdefault(key, []).append(table.assign(method=name)[
                ["method"] + list(table.columns)])
    out = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
    out["comparison"] = compare_methods(out["aligned"])
    return out


def evaluate_fits(fits, diagnostics, truth: Mixture, select_k: tuple[int, ...] = (),
                  covariance: str = "full", crlb: bool = True,
                  pseudo_true: Mixture | None = None) -> dict:
    """Every summary table of one scenario from its fits and diagnostics rows
    (one method: the long fits table, one row per (n, replicate, component,
    parameter), and one diagnostics row per (n, replicate)).

    Returns a dict of DataFrames: ``aligned`` (per replicate), ``recovery``
    (per n × parameter × component: truth, mean estimate, bias, empirical SE,
    RMSE and the failure counts), ``performance`` (tidy: every measure with
    its MCSE, and the CRLB SD), ``convergence`` (per n: fits, non-converged,
    degenerate, SE failures, label disagreements, oracle misses) and
    ``model_choice`` (per n, criterion and candidate K: share chosen, MCSE).
    The CRLB is that of the fitted ``covariance`` structure when the truth
    has it (else of the unrestricted model). ``performance`` has a ``target``
    column: "generating" rows score the fits against ``truth``; with
    ``pseudo_true`` (the maximiser of E log f for a misspecified truth) the
    same measures follow against it, the fits aligned to it as to the truth,
    as "pseudo_true" rows.
    """
    import pandas as pd

    from .measures import mcse_coverage

    aligned, disagree = align_fits(fits, truth)
    per_rep = diagnostics.sort_values(["n", "replicate"], kind="stable", ignore_index=True)
    fitted = aligned[["n", "replicate"]].drop_duplicates()
    if len(fitted) != len(per_rep) or not np.array_equal(
            fitted.to_numpy(), per_rep[["n", "replicate"]].to_numpy()):
        extra = pd.concat([fitted, per_rep[["n", "replicate"]]]).drop_duplicates(keep=False)
        n, rep = extra.iloc[0]
        raise ValueError(f"n = {n}, replicate {rep} is in only one of the fits and diagnostics "
                         "tables; each replicate needs both")
    conv = per_rep.groupby("n").agg(
        n_fits=("replicate", "size"),
        n_nonconverged=("converged", lambda s: int((~s.astype(bool)).sum())),
        n_degenerate=("degenerate", lambda s: int(s.astype(bool).sum())),
        n_se_failed=("se_failed", lambda s: int(s.astype(bool).sum())),
        n_spurious=("spurious", lambda s: int(s.astype(bool).sum())),
        n_restarts_disagree=("restarts_disagree", lambda s: int(s.astype(bool).sum())),
        mean_n_iter=("n_iter", "mean"),
        mean_n_best=("n_best", "mean")).reset_index()
    conv["share_spurious"] = conv["n_spurious"] / conv["n_fits"]
    conv["n_label_disagreements"] = conv["n"].map(disagree).fillna(0).astype(int)
    spurious = per_rep.set_index(["n", "replicate"])["spurious"].astype(bool)
    aligned["spurious"] = spurious.reindex(
        pd.MultiIndex.from_frame(aligned[["n", "replicate"]])).to_numpy()
    if "missed_oracle" in per_rep:
        conv["n_missed_oracle"] = per_rep.groupby("n")["missed_oracle"].apply(
            lambda s: int(s.astype(bool).sum())).to_numpy()
    try:
        model = Mixture(truth.weights, truth.means, truth.covariances, covariance)
    except ValueError:
        model = truth
    crlb = crlb_table(model, sorted(per_rep["n"].unique()) if crlb else [])

    order = ["n", "parameter", "component", "measure"]
    performance_t, rec_parts = _measures(aligned)
    # The sensitivity table: the same measures with spurious fits left out.
    regular, _ = _measures(aligned[~aligned["spurious"]])
    if len(crlb):
        cr = crlb.rename(columns={"crlb_sd": "estimate"})
        cr = cr.assign(measure="crlb_sd", mcse=np.nan, n_sim=np.nan)[performance_t.columns]
        performance_t = pd.concat([performance_t, cr], ignore_index=True)
    recovery = pd.concat(rec_parts, ignore_index=True).merge(
        conv[["n", "n_fits", "n_nonconverged", "n_degenerate"]], on="n")
    performance_t = performance_t.merge(conv[["n", "n_nonconverged", "n_degenerate"]], on="n")
    performance_t = performance_t.sort_values(order, kind="stable", ignore_index=True)
    performance_t.insert(0, "target", "generating")
    if pseudo_true is not None:
        against, _ = align_fits(fits, pseudo_true)
        pt_rows, _ = _measures(against)
        pt_rows = pt_rows.merge(conv[["n", "n_nonconverged", "n_degenerate"]], on="n")
        pt_rows = pt_rows.sort_values(order, kind="stable", ignore_index=True)
        pt_rows.insert(0, "target", "pseudo_true")
        performance_t = pd.concat([performance_t, pt_rows], ignore_index=True)

    choice = []
    if select_k and "k_bic" in per_rep:
        for n, cell in per_rep.groupby("n", sort=True):
            S = len(cell)
            for crit in (c for c in STUDY_CRITERIA if f"k_{c}" in cell):
                for k in select_k:
                    share = float((cell[f"k_{crit}"] == k).mean())
                    choice.append((n, crit, k, share, mcse_coverage(share, S),
                                   k == truth.n_components, S))
    model_choice = pd.DataFrame(choice, columns=["n", "criterion", "k", "share", "mcse",
                                                 "is_true_k", "n_fits"])
    regular = regular.merge(conv[["n", "n_spurious"]], on="n").sort_values(
        order, kind="stable", ignore_index=True)
    return {"aligned": aligned, "recovery": recovery, "performance": performance_t,
            "performance_nonspurious": regular, "convergence": conv,
            "model_choice": model_choice}


def _measures(aligned):
    """Every performance measure per (n, parameter, component) of aligned rows
    (sorted by n, replicate, component, parameter, as :func:`align_fits`
    makes them), and the recovery rows (truth, mean estimate, bias,
    empirical SE, RMSE)."""
    import pandas as pd

    from .measures import performance

    perf_parts, rec_parts = [], []
    for n, cell in aligned.groupby("n", sort=True):
        R = cell["replicate"].nunique()
        Q = len(cell) // R  # (component, parameter) pairs, in the same order per replicate
        first = cell.iloc[:Q]
        keys = {"parameter": first["parameter"].to_numpy(),
                "component": first["component"].to_numpy()}
        wide = lambda col: cell[col].to_numpy(dtype=float).reshape(R, Q)
        est = wide("estimate")
        theta = first["truth"].to_numpy(dtype=float)
        cis = np.stack([wide("lo"), wide("hi")], axis=-1)
        extra = {tag: np.stack([wide(lo), wide(hi)], axis=-1)
                 for tag, (lo, hi) in EXTRA_INTERVALS.items() if lo in cell}
        extra_ses = {tag: wide(se) for tag, se in EXTRA_SES.items() if se in cell} or None
        perf = performance(est, theta, wide("se"), cis, extra, extra_ses, keys=keys)
        perf.insert(0, "n", n)
        perf_parts.append(perf)
        rec = pd.DataFrame({"n": n, **keys, "truth": theta,
                            "mean_estimate": _column_means(est)})
        by_key = perf.set_index(["parameter", "component", "measure"])["estimate"]
        for m in ("bias", "empse", "rmse"):
            rec[m] = [by_key[(p, k, m)] for p, k in zip(keys["parameter"], keys["component"])]
        rec_parts.append(rec)
    columns = ["n", "parameter", "component", "measure", "estimate", "mcse", "n_sim"]
    table = pd.concat(perf_parts, ignore_index=True) if perf_parts else pd.DataFrame(columns=columns)
    return table, rec_parts


def _column_means(values: np.ndarray) -> np.ndarray:
    """Means (Q,) of the non-NaN values of each column of (R, Q)
    values, summed down the rows in order (the published recovery.csv's
    mean_estimate, to the last bit); NaN for a column without any."""
    missing = np.isnan(values)
    count = (~missing).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(missing, 0.0, values).sum(axis=0) / count


def maxima_split(aligned, maxima: list[Mixture]) -> "pd.DataFrame":
    """How a study's fits split among the local maxima of the population
    objective E_g log f (:mod:`gmm_recovery.pseudo_true`, best first).

    aligned: the rows of :func:`align_fits` (with ``method``, or one method),
    from which each replicate's fitted weights, means and SDs are read (by
    their ``parameter`` and ``component`` values). A fit
    belongs to the maximum it is nearest to in standardised parameter
    distance: over the optimal matching of components, the alignment cost of
    :func:`gmmem.alignment.alignment_cost` (means in the maximum's
    Mahalanobis metric, squared log-variance differences) plus the squared
    log-weight differences. Returns per (method, n, maximum) the share of
    replicates nearest to it with its MCSE √(p(1 − p)/S), S and the
    maximum's objective gap below the best (nats per observation).
    """
    import itertools

    import pandas as pd

    from gmmem import batch_alignment_cost
    from .measures import mcse_coverage

    d = maxima[0].dim
    K = maxima[0].n_components
    al = aligned if "method" in aligned else aligned.assign(method="default")
    mean_cols = [c for c in parameter_columns(d) if parameter_kind(c) == "mean"]
    sd_cols = [c for c in parameter_columns(d) if parameter_kind(c) == "sd"]
    perms = np.array(list(itertools.permutations(range(K))))  # (P, K)
    rows = []
    for (method, n), cell in al.groupby(["method", "n"], sort=False):
        wide = cell.pivot_table(index="replicate", columns=["parameter", "component"],
                                values="estimate", aggfunc="first", dropna=False)
        reps = wide.index.to_numpy()
        get = lambda c: wide[c][list(range(1, K + 1))].to_numpy(dtype=float)  # (R, K)
        means = np.stack([get(c) for c in mean_cols], axis=-1)
        log_vars = 2.0 * np.log(np.stack([get(c) for c in sd_cols], axis=-1))
        log_w = np.log(get("weight"))
        dist = []
        for m in maxima:
            cost = batch_alignment_cost(means, log_vars, m)  # (R, J, K)
            cost = cost + (log_w[:, :, None] - np.log(m.weights)[None, None, :]) ** 2
            # Total cost of each matching (estimate perm[k] to maximum's k), the smallest.
            total = cost[:, perms, np.arange(K)[None, :]].sum(axis=2)  # (R, P)
            dist.append(total.min(axis=1))
        dist = np.stack(dist, axis=1)  # (R, M)
        ok = np.all(np.isfinite(dist), axis=1)
        nearest = dist[ok].argmin(axis=1)
        S = int(ok.sum())
        for i in range(len(maxima)):
            share = float(np.mean(nearest == i)) if S else np.nan
            rows.append({"method": method, "n": int(n), "maximum": i + 1, "share": share,
                         "mcse": mcse_coverage(share, S) if S else np.nan, "n_fits": S,
                         "n_replicates": len(reps)})
    return pd.DataFrame(rows, columns=["method", "n", "maximum", "share", "mcse", "n_fits",
                                       "n_replicates"])
