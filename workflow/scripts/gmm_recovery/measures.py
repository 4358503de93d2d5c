"""The performance measures of a simulation study and their Monte Carlo SEs.

Measures and MCSEs follow Morris, White & Crowther (2019, Stat Med 38:2074,
Table 6), as R's rsimsum computes them; paired comparisons of methods on the
same data sets likewise.
"""

from __future__ import annotations

import numpy as np

MEASURES = ("bias", "empse", "mse", "rmse", "modse", "relerr_modse", "coverage",
            "be_coverage", "width")


# Measures of another kind of SE (e.g. the sandwich's, tag "sw"): modse_{tag}, relerr_modse_{tag}.
SE_MEASURES = ("modse", "relerr_modse")


def mcse_coverage(coverage: float, n_sim: int) -> float:
    """Monte Carlo SE of a coverage proportion: √(C(1−C)/S)."""
    return float(np.sqrt(coverage * (1.0 - coverage) / n_sim)) if n_sim > 0 else np.nan


def performance(estimates, truth, ses=None, cis=None, extra_cis=None,
                extra_ses=None, keys=None) -> "pd.DataFrame":
    """Every measure (Morris, White & Crowther 2019, Table 6) with its MCSE, as a tidy table.

    estimates: (S, P) array or DataFrame (columns name the parameters);
    truth: (P,) true values; ses: (S, P) model SEs; cis: (S, P, 2) interval
    bounds. Replicates with a missing (NaN) SE or interval are left out of
    the measures that need one; ``n_sim`` says how many replicates each
    measure used. Each measure that compares two quantities takes both over
    the same replicates: ``relerr_modse`` compares ModSE with the EmpSE of
    the replicates with an SE (the ones ModSE averages over), and
    ``be_coverage`` counts intervals covering the mean estimate θ̄ of the
    replicates with an interval; ``bias`` and ``empse`` themselves use every
    replicate with an estimate. ``width`` is the mean interval width (MCSE: SD/√S).
    extra_cis: {tag: (S, P, 2)} other interval kinds (e.g. bootstrap "pct",
    "bca", sandwich "sw"), each giving coverage_{tag} and width_{tag};
    extra_ses: {tag: (S, P)} other SEs (e.g. sandwich "sw"), each giving
    modse_{tag} and relerr_modse_{tag} (over its own replicates with an SE,
    as for the model SE). Returns columns parameter, measure, estimate,
    mcse, n_sim; with ``keys`` ({column: (P,) values}, e.g. parameter and
    component), those columns name each parameter instead.
    """
    import pandas as pd

    names = list(estimates.columns) if isinstance(estimates, pd.DataFrame) else None
    est = np.asarray(estimates, dtype=float)
    if est.ndim != 2:
        raise ValueError(f"estimates must be (S, P), got shape {est.shape}")
    S, P = est.shape
    names = names or [f"theta{j + 1}" for j in range(P)]
    if keys is not None:
        for c, v in keys.items():
            if len(v) != P:
                raise ValueError(f"keys[{c!r}] has {len(v)} values for P = {P} parameters")
        names = list(range(P))
    theta = np.asarray(truth, dtype=float).reshape(-1)
    if theta.shape != (P,):
        raise ValueError(f"truth has {theta.size} values but estimates have P = {P} columns")
    se = None if ses is None else np.asarray(ses, dtype=float)
    ci = None if cis is None else np.asarray(cis, dtype=float)
    if se is not None and se.shape != (S, P):
        raise ValueError(f"ses must have shape {(S, P)}, got {se.shape}")
    if ci is not None and ci.shape != (S, P, 2):
        raise ValueError(f"cis must have shape {(S, P, 2)}, got {ci.shape}")
    rows = []
    for j in range(P):
        rows += _measures(names[j], est[:, j], theta[j],
                          None if se is None else se[:, j], None if ci is None else ci[:, j])
        for tag, bounds in (extra_cis or {}).items():
            rows += _interval_measures(names[j], np.asarray(bounds, dtype=float)[:, j],
                                       theta[j], f"_{tag}")
        for tag, other in (extra_ses or {}).items():
            other = np.asarray(other, dtype=float)
            if other.shape != (S, P):
                raise ValueError(f"extra_ses[{tag!r}] must have shape {(S, P)}, got {other.shape}")
            rows += _se_measures(names[j], est[:, j], other[:, j], f"_{tag}")
    table = pd.DataFrame(rows, columns=["parameter", "measure", "estimate", "mcse", "n_sim"])
    if keys is None:
        return table
    at = table["parameter"].to_numpy(dtype=int)  # each row's parameter index j
    named = pd.DataFrame({c: np.asarray(v)[at] for c, v in keys.items()})
    return pd.concat([named, table.drop(columns="parameter")], axis=1)


def _measures(name, x_all, theta, v_se, bounds):
    fin = np.isfinite(x_all)
    x = x_all[fin]
    S = x.size
    out = []

    def add(measure, value, mcse, n):
        out.append((name, measure, float(value), float(mcse), int(n)))

    if S < 2:
        for m in MEASURES:
            add(m, np.nan, np.nan, S)
        return out
    mean = x.mean()
    s = x.std(ddof=1)
    add("bias", mean - theta, s / np.sqrt(S), S)
    add("empse", s, s / np.sqrt(2 * (S - 1)), S)
    sq = (x - theta) ** 2
    mse = sq.mean()
    mse_mcse = np.sqrt(((sq - mse) ** 2).sum() / (S * (S - 1)))
    add("mse", mse, mse_mcse, S)
    rmse = np.sqrt(mse)
    add("rmse", rmse, mse_mcse / (2 * rmse) if rmse > 0 else np.nan, S)
    if v_se is not None:
        out += _se_measures(name, x_all, v_se, "", s)
    if bounds is not None:
        ok = fin & np.all(np.isfinite(bounds), axis=1)
        lo, hi = bounds[ok, 0], bounds[ok, 1]
        Sc = int(ok.sum())
        # Bias-eliminated coverage: θ̄ of the replicates whose intervals are counted.
        mean_c = mean if Sc == S else (x_all[ok].mean() if Sc else np.nan)
        for measure, target in (("coverage", theta), ("be_coverage", mean_c)):
            c = np.mean((lo <= target) & (target <= hi)) if Sc else np.nan
            add(measure, c, mcse_coverage(c, Sc) if Sc else np.nan, Sc)
        width = hi - lo
        add("width", width.mean() if Sc else np.nan,
            width.std(ddof=1) / np.sqrt(Sc) if Sc >= 2 else np.nan, Sc)
    return out


def _se_measures(name, x_all, v_se, suffix, s_all=None):
    """modse{suffix} and relerr_modse{suffix} of SEs v_se (S,) of estimates x_all (S,).

    Morris, White & Crowther (2019) Table 6: ModSE = √(mean σ̂²), MCSE
    √(Var σ̂² / (4 n_sim ModSE²)); the relative error 100 (ModSE/EmpSE − 1),
    MCSE 100 (ModSE/EmpSE) √(Var σ̂² / (4 n_sim ModSE⁴) + 1/(2(n_sim − 1))),
    with EmpSE and n_sim those of the same replicates (those with an SE).
    ``s_all``: the EmpSE of every finite estimate, if already at hand.
    """
    fin = np.isfinite(x_all)
    with_se = fin & np.isfinite(v_se)
    V = v_se[with_se] ** 2
    Sv = V.size
    if Sv < 2:
        return [(name, m + suffix, np.nan, np.nan, Sv) for m in SE_MEASURES]
    modse = np.sqrt(V.mean())
    var_v = V.var(ddof=1)
    S = int(fin.sum())
    s_v = s_all if (Sv == S and s_all is not None) else x_all[with_se].std(ddof=1)
    ratio = modse / s_v
    return [(name, "modse" + suffix, float(modse), float(np.sqrt(var_v / (4 * Sv * modse**2))), Sv),
            (name, "relerr_modse" + suffix, float(100 * (ratio - 1)),
             float(100 * ratio * np.sqrt(var_v / (4 * Sv * modse**4) + 1 / (2 * (Sv - 1)))), Sv)]


def _interval_measures(name, bounds, theta, suffix):
    """coverage{suffix} and width{suffix} of one kind of interval (S, 2)."""
    ok = np.all(np.isfinite(bounds), axis=1)
    lo, hi = bounds[ok, 0], bounds[ok, 1]
    S = int(ok.sum())
    c = float(np.mean((lo <= theta) & (theta <= hi))) if S else np.nan
    width = hi - lo
    return [(name, f"coverage{suffix}", c, mcse_coverage(c, S) if S else np.nan, S),
            (name, f"width{suffix}", float(width.mean()) if S else np.nan,
             float(width.std(ddof=1) / np.sqrt(S)) if S >= 2 else np.nan, S)]


def paired_comparison(est_a, est_b, theta: float) -> dict:
    """Method B against method A on the same S replicates of one parameter.

    est_a, est_b: (S,) paired estimates (replicates where either is NaN are
    dropped); theta: the true value. Returns the correlation of the two
    methods' estimates; the relative % increase in precision of B over A,
    100((EmpSE_A/EmpSE_B)² − 1), with Morris, White & Crowther's (2019,
    Table 6) MCSE 200(EmpSE_A/EmpSE_B)²√((1 − ρ²)/(S − 1)); the difference in
    RMSE (B − A) with its MCSE by the delta method on the paired squared
    errors; and the difference in bias (B − A) with the SE of the paired
    differences.
    """
    a, b = np.asarray(est_a, dtype=float), np.asarray(est_b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    S = a.size
    out = {"n_sim": S}
    if S < 3:
        return out | dict.fromkeys(("corr", "empse_a", "empse_b", "relprec", "relprec_mcse",
                                    "rmse_a", "rmse_b", "rmse_diff", "rmse_diff_mcse",
                                    "bias_diff", "bias_diff_mcse"), np.nan)
    sa, sb = a.std(ddof=1), b.std(ddof=1)
    rho = float(np.corrcoef(a, b)[0, 1]) if sa > 0 and sb > 0 else np.nan
    ratio2 = (sa / sb) ** 2 if sb > 0 else np.nan
    ea, eb = (a - theta) ** 2, (b - theta) ** 2
    ra, rb = np.sqrt(ea.mean()), np.sqrt(eb.mean())
    cov = np.cov(np.stack([ea, eb]), ddof=1) / S  # covariance of the two MSE estimates
    grad = np.array([-1 / (2 * ra) if ra > 0 else np.nan, 1 / (2 * rb) if rb > 0 else np.nan])
    diff = b - a
    return out | {
        "corr": rho, "empse_a": float(sa), "empse_b": float(sb),
        "relprec": float(100 * (ratio2 - 1)),
        "relprec_mcse": float(200 * ratio2 * np.sqrt(max(1 - rho**2, 0.0) / (S - 1))),
        "rmse_a": float(ra), "rmse_b": float(rb), "rmse_diff": float(rb - ra),
        "rmse_diff_mcse": float(np.sqrt(max(grad @ cov @ grad, 0.0))),
        "bias_diff": float(diff.mean()), "bias_diff_mcse": float(diff.std(ddof=1) / np.sqrt(S))}


def compare_methods(aligned) -> "pd.DataFrame":
    """Every pair of methods (A listed before B) at every n and parameter, on the
    replicates both fitted: the columns of :func:`paired_comparison`.

    aligned: rows with method, n, replicate, parameter, component, estimate
    and truth.
    """
    import itertools

    import pandas as pd

    methods = list(dict.fromkeys(aligned["method"]))
    rows = []
    for (n, name, k), cell in aligned.groupby(["n", "parameter", "component"], sort=False):
        wide = cell.pivot(index="replicate", columns="method", values="estimate")
        theta = float(cell["truth"].iloc[0])
        for ma, mb in itertools.combinations(methods, 2):
            if ma in wide and mb in wide:
                rows.append({"n": n, "parameter": name, "component": k, "method_a": ma,
                             "method_b": mb}
                            | paired_comparison(wide[ma].to_numpy(), wide[mb].to_numpy(), theta))
    columns = ["n", "parameter", "component", "method_a", "method_b", "n_sim", "corr", "empse_a",
               "empse_b",
               "relprec", "relprec_mcse", "rmse_a", "rmse_b", "rmse_diff", "rmse_diff_mcse",
               "bias_diff", "bias_diff_mcse"]
    return pd.DataFrame(rows, columns=columns)
