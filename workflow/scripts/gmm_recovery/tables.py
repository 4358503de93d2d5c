"""Mixtures as tables, and back; parameter labels and symbols.

Parameter names (the layout, :func:`parameter_columns`): ``weight``; ``mean``
and ``sd`` for d = 1, ``mean_j`` and ``sd_j`` (j = 1..d) otherwise, plus
``cov_i_j`` (i < j) for full covariances. A study's tables are long: one row
per (component, parameter), the two in columns of their own
(:func:`fit_columns`); a label such as "mean[1]" or "μ₁" is made only at the
edge, for a figure panel or the summary (:func:`parameter_label`,
:func:`parameter_symbol`, :func:`labelled`). The own-data fit table
(:func:`component_table`) is wide: one row per component, a parameter column
``c`` with ``se_c``, ``lo_c`` and ``hi_c`` beside it.
"""

from __future__ import annotations

import functools

import numpy as np

from gmmem import (ConfidenceIntervals, Mixture, StandardErrors, parameter_label,
                   parameter_names)

# parameter_label(name, component): 'mean[2]', the presentation label, made only
# where a figure panel or a summary row is named (every table keeps parameter
# and component apart); gmmem.split_label is its inverse.


def parameter_columns(d: int, covariance: str = "full") -> list[str]:
    """The per-component parameter names for dimension d
    (:func:`gmmem.parameter_names`), as a list."""
    return list(parameter_names(int(d), covariance))


# Labels, order and symbols look a name up in the layout (parameter_columns)
# of its dimension, so no name is ever taken apart; up to MAX_DIM dimensions.
MAX_DIM = 64


@functools.lru_cache(maxsize=None)
def _structure(d: int) -> dict[str, tuple[str, tuple[int, ...]]]:
    """{name: (kind, coordinates)} of the full-covariance layout of dimension d,
    in its order: gmmem.parameter_names' names beside what each is (weight;
    d means; d SDs; the covariances (i, j), i < j, row by row)."""
    iu, ju = np.triu_indices(d, 1)
    what = ([("weight", ())] + [("mean", () if d == 1 else (j + 1,)) for j in range(d)]
            + [("sd", () if d == 1 else (j + 1,)) for j in range(d)]
            + [("cov", (int(i) + 1, int(j) + 1)) for i, j in zip(iu, ju)])
    return dict(zip(parameter_names(d, "full"), what, strict=True))


def _dimension_of(names) -> int:
    """The smallest d whose layout holds every one of ``names``; ValueError
    naming a name that no layout has."""
    names = set(names)
    for d in range(1, MAX_DIM + 1):
        if names <= _structure(d).keys():
            return d
    bad = sorted(names - _structure(MAX_DIM).keys() - _structure(1).keys(), key=str)
    raise ValueError(f"parameter {(bad or sorted(names, key=str))[0]!r} is not a parameter "
                     "of a Gaussian mixture (weight, mean, sd, mean_j, sd_j, cov_i_j)")


def parameter_kind(parameter: str) -> str:
    """What a layout name is: 'weight', 'mean', 'sd' or 'cov' ('mean_2' -> 'mean')."""
    return _structure(_dimension_of([parameter]))[parameter][0]


def parameter_pairs(d: int, n_components: int, covariance: str = "full") -> list[tuple[str, int]]:
    """Every (parameter, component) of a K-component mixture in d dimensions, in
    the fits table's order: component by component, the layout within one."""
    return [(c, k) for k in range(1, n_components + 1) for c in parameter_columns(d, covariance)]


def reading_order(table) -> list[tuple[str, int]]:
    """The (parameter, component) pairs of a table (columns ``parameter`` and
    ``component``) in reading order: per component, weight, then mean(s), SD(s),
    covariances (the layout's order); for K = 2 only weight 1, since
    weight 2 = 1 − weight 1 mirrors it."""
    pairs = list(dict.fromkeys(zip(table["parameter"], (int(k) for k in table["component"]))))
    rank = {name: i for i, name in enumerate(_structure(_dimension_of(p for p, _ in pairs)))}
    pairs.sort(key=lambda pk: (pk[1], rank[pk[0]]))
    weights = [pk for pk in pairs if pk[0] == "weight"]
    if len(weights) == 2:
        pairs.remove(weights[1])
    return pairs


def labelled(table, column: str = "label"):
    """The table with a presentation label ('mean[2]') per row from its
    ``parameter`` and ``component`` columns (for figure panels and the summary)."""
    return table.assign(**{column: [parameter_label(p, k) for p, k in
                                    zip(table["parameter"], table["component"])]})


def by_label(table, column: str) -> dict:
    """{label: value} of a table's ``column``, one per (parameter, component)
    (the first row of each): e.g. the true values that head figure panels."""
    first = table.drop_duplicates(["parameter", "component"])
    return dict(zip(labelled(first)["label"], first[column]))


_SYMBOLS = {"weight": ("π", r"\pi"), "mean": ("μ", r"\mu"), "sd": ("σ", r"\sigma"),
            "cov": ("Σ", r"\Sigma")}
_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")


def parameter_symbol(parameter: str, component: int, style: str = "text") -> str:
    """One parameter of one component as its symbol: ('mean', 2) -> 'μ₂' (text)
    or '$\\mu_{2}$' (latex); ('mean_1', 2) -> μ₂,₁ (component 2, coordinate 1);
    ('cov_1_2', 2) -> Σ₂,₁₂."""
    if style not in ("text", "latex"):
        raise ValueError(f"style must be 'text' or 'latex', got {style!r}")
    kind, coords = _structure(_dimension_of([parameter]))[parameter]
    sub = str(int(component)) + ("," + "".join(str(c) for c in coords) if coords else "")
    text, tex = _SYMBOLS[kind]
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


# The own-data fit table (wide, one row per component): bootstrap columns beside
# a parameter c: se_boot_c, lo_pct_c/hi_pct_c (percentile), lo_bca_c/hi_bca_c (BCa).
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


# The own-data fit table: sandwich (Huber–White) columns beside a parameter c:
# se_sw_c and the Wald interval lo_sw_c/hi_sw_c built on it.
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


# --- the long fits table: one row per (component, parameter) ---------------
#
# Every kind of uncertainty of one estimate is a column of its row (not a row
# of its own): a row is one estimated parameter of one replicate, its SEs and
# interval bounds are attributes of that one observation, so ``estimate`` is
# written once and the measures (bias, SE, coverage of each kind) read the
# same row. The columns are listed here, not recognised by their names:
# ``se``, ``lo``, ``hi`` (Wald, observed information; always), the sandwich's
# ``se_sw``, ``lo_sw``, ``hi_sw`` and the bootstrap's ``se_boot``,
# ``lo_pct``/``hi_pct`` (percentile) and ``lo_bca``/``hi_bca`` (BCa), when the
# method's intervals ask for them.
FIT_KEYS = ("component", "parameter")
WALD_COLUMNS = ("se", "lo", "hi")
BOOTSTRAP_COLUMNS = ("se_boot", "lo_pct", "hi_pct", "lo_bca", "hi_bca")
SANDWICH_COLUMNS = ("se_sw", "lo_sw", "hi_sw")
UNCERTAINTY_COLUMNS = WALD_COLUMNS + BOOTSTRAP_COLUMNS + SANDWICH_COLUMNS
# The other interval kinds the performance measures score (coverage_{tag},
# width_{tag}), with their bound columns, and the other SEs (modse_{tag}).
EXTRA_INTERVALS = {"pct": ("lo_pct", "hi_pct"), "bca": ("lo_bca", "hi_bca"),
                   "sw": ("lo_sw", "hi_sw")}
EXTRA_SES = {"sw": "se_sw"}


def uncertainty_columns(settings: dict) -> tuple[str, ...]:
    """The uncertainty columns a method's fits table has, from its ``intervals``."""
    intervals = settings.get("intervals", ())
    return (WALD_COLUMNS + (BOOTSTRAP_COLUMNS if "bootstrap" in intervals else ())
            + (SANDWICH_COLUMNS if "sandwich" in intervals else ()))


def _by_parameter(names, w, mu, sd, cov=None) -> np.ndarray:
    """(K, P) values of the parameters ``names`` (a layout, parameter_columns)
    from weights (K,), means (K, d), SDs (K, d) and, if given, covariances
    (K, d, d); a parameter not given (an SE of a covariance) is NaN."""
    K, d = np.shape(mu)
    cols = {"weight": w}
    if d == 1:
        cols |= {"mean": mu[:, 0], "sd": sd[:, 0]}
    else:
        cols |= {f"mean_{j + 1}": mu[:, j] for j in range(d)}
        cols |= {f"sd_{j + 1}": sd[:, j] for j in range(d)}
        if cov is not None:
            cols |= {f"cov_{i + 1}_{j + 1}": cov[:, i, j] for i in range(d)
                     for j in range(i + 1, d)}
    return np.column_stack([np.asarray(cols[c], dtype=float) if c in cols
                            else np.full(K, np.nan) for c in names])


def fit_columns(m: Mixture, se: StandardErrors, ci: ConfidenceIntervals, *,
                sandwich: tuple | None = None, boot=None) -> dict[str, np.ndarray]:
    """One fit as the long fits table's columns, (K·P,) arrays, component by
    component and within one in the layout's order (:func:`parameter_columns`
    of the fit's covariance structure): component, parameter, estimate, se,
    lo, hi; with ``sandwich`` = (StandardErrors, ConfidenceIntervals) also
    se_sw, lo_sw, hi_sw; with ``boot`` (a :class:`gmmem.bootstrap.BootstrapResult`)
    se_boot, lo_pct, hi_pct, lo_bca, hi_bca. SEs and bounds of the
    covariances (cov_i_j) are NaN: no method gives them."""
    K, d = m.n_components, m.dim
    names = parameter_columns(d, m.covariance)
    sds = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
    flat = lambda a: a.ravel()
    cols = {"component": np.repeat(np.arange(1, K + 1), len(names)),
            "parameter": np.array(names * K),
            "estimate": flat(_by_parameter(names, m.weights, m.means, sds, m.covariances))}

    def add(se_name, lo_name, hi_name, s, c):
        if s is not None:
            cols[se_name] = flat(_by_parameter(names, s.weights, s.means, s.sds))
        for name, side in ((lo_name, 0), (hi_name, 1)):
            cols[name] = flat(_by_parameter(names, c.weights[:, side], c.means[..., side],
                                            c.sds[..., side]))

    add(*WALD_COLUMNS, se, ci)
    if boot is not None:
        add("se_boot", "lo_pct", "hi_pct", boot.se, boot.percentile)
        add(None, "lo_bca", "hi_bca", None, boot.bca)
    if sandwich is not None:
        add(*SANDWICH_COLUMNS, *sandwich)
    return cols


def mixture_from_long(rows, covariance: str = "full") -> Mixture:
    """The mixture of one fit's long rows (columns component, parameter and
    estimate, or ``value``): its values pivoted by component and parameter into
    :func:`mixture_from_table`."""
    value = "estimate" if "estimate" in rows.columns else "value"
    wide = rows.pivot(index="component", columns="parameter", values=value)
    return mixture_from_table(wide.sort_index().reset_index(), covariance)


def mixture_from_table(rows: "pd.DataFrame", covariance: str = "full") -> Mixture:
    """Rebuild the mixture from the rows of :func:`component_table` (in row order)."""
    if "mean" in rows.columns:
        return Mixture.univariate(rows["weight"].to_numpy(), rows["mean"].to_numpy(),
                                  rows["sd"].to_numpy(), covariance=covariance)
    d = next(j for j in range(1, MAX_DIM + 2) if f"mean_{j}" not in rows.columns) - 1
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
