"""Evaluate a study's fits: align every replicate's components with the
truth and summarise them (Morris, White & Crowther 2019), the Cramer-Rao
table, the split of the fits among the population maxima.

Pure: takes and returns DataFrames; the workflow's scripts do the I/O.
"""

from __future__ import annotations

import numpy as np

from gmmem import Mixture

from .replicates import STUDY_CRITERIA
from .tables import BOOTSTRAP_PREFIXES, SANDWICH_PREFIXES


def _param_label(column: str, component: int) -> str:
    return f"{column}[{component}]"


def align_fits(fits, truth: Mixture):
    """Relabel every replicate's components to match the truth.

    fits: the rows of :func:`fit_replicate` with ``n`` and ``replicate``
    columns, K_true rows per replicate. Returns (aligned, disagreements):
    aligned has one row per (n, replicate, true component, parameter) with
    estimate, se, lo, hi and truth; disagreements counts, per n, the
    replicates whose optimal-assignment labels differ from sorting along the
    mean coordinate that best separates the true components (-1 when none
    separates them all, so the check is not made).
    """
    import pandas as pd

    from gmmem import assignment, batch_alignment_cost
    from .tables import component_table, parameter_columns

    K, d = truth.n_components, truth.dim
    fits = fits.sort_values(["n", "replicate", "component"], kind="stable")
    sizes = fits.groupby(["n", "replicate"], sort=True).size()
    if np.any(sizes != K):
        (n, rep), k = next((key, v) for key, v in sizes.items() if v != K)
        raise ValueError(f"n = {n}, replicate {rep}: {k} components fitted but the truth has "
                         f"K = {K}; alignment needs the same K")
    R = len(sizes)
    cols = [c for c in parameter_columns(d) if c in fits.columns]
    table = lambda c: fits[c].to_numpy(dtype=float).reshape(R, K)
    mean_cols = ["mean"] if d == 1 else [f"mean_{j + 1}" for j in range(d)]
    sd_cols = ["sd"] if d == 1 else [f"sd_{j + 1}" for j in range(d)]
    means = np.stack([table(c) for c in mean_cols], axis=-1)
    log_vars = 2.0 * np.log(np.stack([table(c) for c in sd_cols], axis=-1))
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
    true_rows = component_table(truth)
    parts = []
    for c in cols:
        pick = lambda name: (np.take_along_axis(table(name), perms, axis=1)
                             if name in fits.columns else np.full((R, K), np.nan))
        parts.append(pd.DataFrame({
            "n": np.repeat(keys["n"].to_numpy(), K),
            "replicate": np.repeat(keys["replicate"].to_numpy(), K),
            "component": np.tile(np.arange(1, K + 1), R),
            "parameter": c,
            "estimate": pick(c).ravel(), "se": pick(f"se_{c}").ravel(),
            "lo": pick(f"lo_{c}").ravel(), "hi": pick(f"hi_{c}").ravel(),
            "truth": np.tile(true_rows[c].to_numpy(), R)}
            | {pre: pick(f"{pre}_{c}").ravel() for pre in BOOTSTRAP_PREFIXES + SANDWICH_PREFIXES
               if f"{pre}_{c}" in fits.columns}))
    aligned = pd.concat(parts, ignore_index=True).sort_values(
        ["n", "replicate", "component"], kind="stable", ignore_index=True)
    aligned["label"] = [_param_label(c, k) for c, k in zip(aligned["parameter"], aligned["component"])]
    return aligned, disagree


def crlb_table(truth: Mixture, sample_sizes) -> "pd.DataFrame":
    """Cramér–Rao SDs per (n, label), off-diagonal covariances (cov_i_j) included;
    empty for structures without an information."""
    import pandas as pd

    from gmmem import cramer_rao

    out = []
    for n in sample_sizes:
        try:
            cr = cramer_rao(truth, int(n))
        except ValueError:
            continue
        for k in range(truth.n_components):
            out.append((n, _param_label("weight", k + 1), cr.weights[k]))
            for j in range(truth.dim):
                sfx = "" if truth.dim == 1 else f"_{j + 1}"
                out.append((n, _param_label("mean" + sfx, k + 1), cr.means[k, j]))
                out.append((n, _param_label("sd" + sfx, k + 1), cr.sds[k, j]))
            # Off-diagonal covariances (full covariances, d >= 2): cov_i_j columns.
            for i in range(truth.dim):
                for j in range(i + 1, truth.dim):
                    if np.isfinite(cr.covariances[k, i, j]):
                        out.append((n, _param_label(f"cov_{i + 1}_{j + 1}", k + 1),
                                    cr.covariances[k, i, j]))
    return pd.DataFrame(out, columns=["n", "label", "crlb_sd"])


def evaluate_study(fits, truth: Mixture, methods: dict, select_k: tuple[int, ...] = (),
                   misspecified: bool = False, pseudo_true: Mixture | None = None) -> dict:
    """:func:`evaluate_fits` for every method of a scenario (fits has a
    ``method`` column; methods maps name -> fit settings), each table gaining a
    ``method`` column first, plus ``comparison``: every pair of methods on
    their paired replicates (:func:`gmm_recovery.measures.compare_methods`).
    Misspecified truths get no CRLB rows (the bound is the Gaussian model's);
    with ``pseudo_true`` (:mod:`gmm_recovery.pseudo_true`) their performance table
    also holds every measure against it (``target`` = "pseudo_true")."""
    import pandas as pd

    from .measures import compare_methods

    parts = {}
    for name, settings in methods.items():
        own = fits[fits["method"] == name].drop(columns="method")
        # Another method's bootstrap or sandwich columns are empty here: not this
        # method's intervals.
        boot = [c for c in own.columns if c.startswith(BOOTSTRAP_PREFIXES + SANDWICH_PREFIXES)
                or c in ("n_boot_ok", "se_sw_failed")]
        own = own.drop(columns=[c for c in boot if own[c].isna().all()])
        tables = evaluate_fits(own, truth, select_k, settings["covariance"],
                               crlb=not misspecified, pseudo_true=pseudo_true)
        for key, table in tables.items():
            parts.setdefault(key, []).append(table.assign(method=name)[
                ["method"] + list(table.columns)])
    out = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
    out["comparison"] = compare_methods(out["aligned"])
    return out


def evaluate_fits(fits, truth: Mixture, select_k: tuple[int, ...] = (),
                  covariance: str = "full", crlb: bool = True,
                  pseudo_true: Mixture | None = None) -> dict:
    """Every summary table of one scenario from its fit rows.

    Returns a dict of DataFrames: ``aligned`` (per replicate), ``recovery``
    (per n × parameter: truth, mean estimate, bias, empirical SE, RMSE and
    the failure counts), ``performance`` (tidy: every measure with its MCSE,
    and the CRLB SD), ``convergence`` (per n: fits, non-converged,
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

    from .measures import mcse_coverage, performance

    aligned, disagree = align_fits(fits, truth)
    per_rep = fits.groupby(["n", "replicate"]).first().reset_index()
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
    crlb = crlb_table(model, sorted(fits["n"].unique()) if crlb else [])

    performance_t, rec_parts = _measures(aligned)
    # The sensitivity table: the same measures with spurious fits left out.
    regular, _ = _measures(aligned[~aligned["spurious"]])
    if len(crlb):
        cr = crlb.rename(columns={"label": "parameter", "crlb_sd": "estimate"})
        cr = cr.assign(measure="crlb_sd", mcse=np.nan, n_sim=np.nan)[performance_t.columns]
        performance_t = pd.concat([performance_t, cr], ignore_index=True)
    recovery = pd.concat(rec_parts, ignore_index=True).merge(
        conv[["n", "n_fits", "n_nonconverged", "n_degenerate"]], on="n")
    performance_t = performance_t.merge(conv[["n", "n_nonconverged", "n_degenerate"]], on="n")
    performance_t = performance_t.sort_values(["n", "parameter", "measure"], kind="stable",
                                              ignore_index=True)
    performance_t.insert(0, "target", "generating")
    if pseudo_true is not None:
        against, _ = align_fits(fits, pseudo_true)
        pt_rows, _ = _measures(against)
        pt_rows = pt_rows.merge(conv[["n", "n_nonconverged", "n_degenerate"]], on="n")
        pt_rows = pt_rows.sort_values(["n", "parameter", "measure"], kind="stable",
                                      ignore_index=True)
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
        ["n", "parameter", "measure"], kind="stable", ignore_index=True)
    return {"aligned": aligned, "recovery": recovery, "performance": performance_t,
            "performance_nonspurious": regular, "convergence": conv,
            "model_choice": model_choice}


def _measures(aligned):
    """Every performance measure per (n, parameter) of aligned rows, and the
    recovery rows (truth, mean estimate, bias, empirical SE, RMSE)."""
    import pandas as pd

    from .measures import performance

    perf_parts, rec_parts = [], []
    for n, cell in aligned.groupby("n", sort=True):
        labels = list(dict.fromkeys(cell["label"]))
        wide = lambda col: cell.pivot(index="replicate", columns="label", values=col)[labels]
        est = wide("estimate")
        theta = cell.groupby("label")["truth"].first()[labels].to_numpy()
        cis = np.stack([wide("lo").to_numpy(), wide("hi").to_numpy()], axis=-1)
        extra = {tag: np.stack([wide(f"lo_{tag}").to_numpy(), wide(f"hi_{tag}").to_numpy()],
                               axis=-1)
                 for tag in ("pct", "bca", "sw") if f"lo_{tag}" in cell}
        extra_ses = {"sw": wide("se_sw").to_numpy()} if "se_sw" in cell else None
        perf = performance(est, theta, wide("se").to_numpy(), cis, extra, extra_ses)
        perf.insert(0, "n", n)
        perf_parts.append(perf)
        rec = pd.DataFrame({"n": n, "parameter": labels, "truth": theta,
                            "mean_estimate": est.mean().to_numpy()})
        for m in ("bias", "empse", "rmse"):
            rec[m] = perf.loc[perf["measure"] == m].set_index("parameter")["estimate"][labels].to_numpy()
        rec_parts.append(rec)
    columns = ["n", "parameter", "measure", "estimate", "mcse", "n_sim"]
    table = pd.concat(perf_parts, ignore_index=True) if perf_parts else pd.DataFrame(columns=columns)
    return table, rec_parts


def maxima_split(aligned, maxima: list[Mixture]) -> "pd.DataFrame":
    """How a study's fits split among the local maxima of the population
    objective E_g log f (:mod:`gmm_recovery.pseudo_true`, best first).

    aligned: the rows of :func:`align_fits` (with ``method``, or one method),
    from which each replicate's fitted weights, means and SDs are read. A fit
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
    mean_cols = ["mean"] if d == 1 else [f"mean_{j + 1}" for j in range(d)]
    sd_cols = ["sd"] if d == 1 else [f"sd_{j + 1}" for j in range(d)]
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
