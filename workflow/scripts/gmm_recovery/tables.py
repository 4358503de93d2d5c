"""Mixtures as tidy rows (one per component), and back.

Column names: ``weight``; ``mean`` and ``sd`` for d = 1, ``mean_j`` and
``sd_j`` (j = 1..d) otherwise, plus ``cov_i_j`` (i < j) for full
covariances. A parameter column ``c`` has ``se_c``, ``lo_c`` and ``hi_c``
beside it when standard errors and intervals are given.
"""

from __future__ import annotations

import numpy as np

from gmmem import ConfidenceIntervals, Mixture, StandardErrors


def parameter_columns(d: int, covariance: str = "full") -> list[str]:
    """The per-component parameter columns for dimension d."""
    if d == 1:
        return ["weight", "mean", "sd"]
    cols = ["weight"] + [f"mean_{j + 1}" for j in range(d)] + [f"sd_{j + 1}" for j in range(d)]
    if covariance != "diag":
        cols += [f"cov_{i + 1}_{j + 1}" for i in range(d) for j in range(i + 1, d)]
    return cols


def param_key(label: str):
    """Panels in reading order: per component, weight, then mean(s), then SD(s)."""
    import re

    m = re.fullmatch(r"(\w+?)(?:_(\d+))?\[(\d+)\]", label)
    if not m:
        return (10**9, 9, 0, label)
    name, coord, k = m.groups()
    kind = {"weight": 0, "mean": 1, "sd": 2}.get(name, 3)
    return (int(k), kind, int(coord or 0), label)


def reading_order(params) -> list[str]:
    """Parameters per component (weight, mean(s), SD(s), covariances); for K = 2
    only weight[1], since weight[2] = 1 − weight[1] mirrors it."""
    params = sorted(dict.fromkeys(params), key=param_key)
    weights = [p for p in params if p.startswith("weight[")]
    if len(weights) == 2:
        params.remove(weights[1])
    return params


_SYMBOLS = {"weight": ("π", r"\pi"), "mean": ("μ", r"\mu"), "sd": ("σ", r"\sigma"),
            "cov": ("Σ", r"\Sigma")}
_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")


def parameter_symbol(label: str, style: str = "text") -> str:
    """A parameter label as its symbol: 'mean[2]' -> 'μ₂' (text) or
    '$\\mu_{2}$' (latex); 'mean_1[2]' -> μ₂,₁ (component 2, coordinate 1);
    'cov_1_2[2]' -> Σ₂,₁₂. Labels of another form are returned as they are."""
    import re

    m = re.fullmatch(r"(weight|mean|sd|cov)((?:_\d+)*)\[(\d+)\]", label)
    if not m or style not in ("text", "latex"):
        if style not in ("text", "latex"):
            raise ValueError(f"style must be 'text' or 'latex', got {style!r}")
        return label
    name, coords, k = m.groups()
    sub = k + ("," + "".join(coords.split("_")[1:]) if coords else "")
    text, tex = _SYMBOLS[name]
    return text + sub.translate(_SUB) if style == "text" else f"${tex}_{{{sub}}}$"


def component_columns(m: Mixture, se: StandardErrors | None = None,
                      ci: ConfidenceIntervals | None = None) -> dict[str, np.ndarray]:
    """The columns of :func:`component_table` as a dict of (K,) arrays (no pandas:
    building a table column by column costs more than fitting a small data set)."""
    K, d = m.n_components, m.dim
    sds = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
    cols = {"component": np.arange(1, K + 1), "weight": m.weights}
    if d == 1:
        cols |= {"mean": m.means[:, 0], "sd": sds[:, 0]}
    else:
        for j in range(d):
            cols[f"mean_{j + 1}"] = m.means[:, j]
        for j in range(d):
            cols[f"sd_{j + 1}"] = sds[:, j]
        if m.covariance != "diag":
            for i in range(d):
                for j in range(i + 1, d):
                    cols[f"cov_{i + 1}_{j + 1}"] = m.covariances[:, i, j]
    if se is not None:
        _add(cols, "se", se.weights, se.means, se.sds, d)
    if ci is not None:
        _add(cols, "lo", ci.weights[:, 0], ci.means[..., 0], ci.sds[..., 0], d)
        _add(cols, "hi", ci.weights[:, 1], ci.means[..., 1], ci.sds[..., 1], d)
    return cols


def component_table(m: Mixture, se: StandardErrors | None = None,
                    ci: ConfidenceIntervals | None = None) -> "pd.DataFrame":
    """One row per component (1-based ``component``) with estimates, SEs and bounds."""
    import pandas as pd  # imported here: pandas is slow to import for jobs that need none

    return pd.DataFrame(component_columns(m, se, ci))


# Bootstrap columns beside a parameter c: se_boot_c, lo_pct_c/hi_pct_c
# (percentile), lo_bca_c/hi_bca_c (BCa).
BOOTSTRAP_PREFIXES = ("se_boot", "lo_pct", "hi_pct", "lo_bca", "hi_bca")


def bootstrap_columns(boot, d: int) -> dict[str, np.ndarray]:
    """The bootstrap's SE and interval columns of one fit (a
    :class:`gmmem.bootstrap.BootstrapResult`), (K,) arrays, plus n_boot_ok."""
    cols: dict = {}
    _add(cols, "se_boot", boot.se.weights, boot.se.means, boot.se.sds, d)
    for tag, ci in (("pct", boot.percentile), ("bca", boot.bca)):
        _add(cols, f"lo_{tag}", ci.weights[:, 0], ci.means[..., 0], ci.sds[..., 0], d)
        _add(cols, f"hi_{tag}", ci.weights[:, 1], ci.means[..., 1], ci.sds[..., 1], d)
    cols["n_boot_ok"] = np.full(len(boot.se.weights), boot.n_ok)
    return cols


# Sandwich (Huber–White) columns beside a parameter c: se_sw_c and the Wald
# interval lo_sw_c/hi_sw_c built on it (interval tag "sw").
SANDWICH_PREFIXES = ("se_sw", "lo_sw", "hi_sw")


def sandwich_columns(se: StandardErrors, ci: ConfidenceIntervals, d: int) -> dict[str, np.ndarray]:
    """The sandwich SE and interval columns of one fit, (K,) arrays, plus
    se_sw_failed (the sandwich's A was singular or ill-conditioned)."""
    cols: dict = {}
    _add(cols, "se_sw", se.weights, se.means, se.sds, d)
    _add(cols, "lo_sw", ci.weights[:, 0], ci.means[..., 0], ci.sds[..., 0], d)
    _add(cols, "hi_sw", ci.weights[:, 1], ci.means[..., 1], ci.sds[..., 1], d)
    cols["se_sw_failed"] = np.full(len(se.weights), not se.ok)
    return cols


def _add(cols: dict, prefix: str, w, mu, sd, d: int) -> None:
    cols[f"{prefix}_weight"] = w
    if d == 1:
        cols[f"{prefix}_mean"] = mu[:, 0]
        cols[f"{prefix}_sd"] = sd[:, 0]
        return
    for j in range(d):
        cols[f"{prefix}_mean_{j + 1}"] = mu[:, j]
    for j in range(d):
        cols[f"{prefix}_sd_{j + 1}"] = sd[:, j]


def mixture_from_table(rows: "pd.DataFrame", covariance: str = "full") -> Mixture:
    """Rebuild the mixture from the rows of :func:`component_table` (in row order)."""
    if "mean" in rows.columns:
        return Mixture.univariate(rows["weight"].to_numpy(), rows["mean"].to_numpy(),
                                  rows["sd"].to_numpy(), covariance=covariance)
    d = sum(c.startswith("mean_") for c in rows.columns)
    K = len(rows)
    means = rows[[f"mean_{j + 1}" for j in range(d)]].to_numpy()
    sds = rows[[f"sd_{j + 1}" for j in range(d)]].to_numpy()
    cov = np.zeros((K, d, d))
    cov[:, np.arange(d), np.arange(d)] = sds**2
    for i in range(d):
        for j in range(i + 1, d):
            col = f"cov_{i + 1}_{j + 1}"
            if col in rows.columns:
                cov[:, i, j] = cov[:, j, i] = rows[col].to_numpy()
    w = rows["weight"].to_numpy()
    return Mixture(w / w.sum(), means, cov, covariance)
