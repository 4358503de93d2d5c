"""A factorial study shown as a grid: readable level labels, the grid summary
table, nested loop plots, heat maps over two factors and lolly plots.

A grid's performance table (``results/{grid}/grid/performance.csv``) holds
every condition's tidy measures (method, n, parameter, measure, estimate,
mcse) with ``level_{factor}`` (1-based) and ``value_{factor}`` (the
alternative as JSON text) per factor. Nothing here averages a measure over
the other factors: every condition is shown, as Rücker & Schwarzer (2014,
BMC Med Res Methodol 14:129) and Morris, White & Crowther (2019, Stat Med
38:2074, §5) recommend for factorial simulation studies.
"""

from __future__ import annotations

import json

import numpy as np

from .figures import DPI, _tight  # one layout pass, as the scenario figures
from .tables import labelled, parameter_label, reading_order

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SYMBOL = {"weights": "π", "means": "μ", "sds": "σ"}
# Measures drawn by default, and the failure counts of a condition's convergence.csv.
MEASURES = ("bias", "rmse", "coverage")
TABLE_MEASURES = ("bias", "empse", "rmse", "coverage")
FAILURES = (("n_nonconverged", "non-converged"), ("n_degenerate", "degenerate"),
            ("n_spurious", "spurious"), ("n_se_failed", "SE-less"))


def generating(table):
    """The rows of a performance table scored against the generating truth
    (tables of misspecified truths also hold rows against the pseudo-true one)."""
    if "target" in table.columns:
        return table[table["target"] == "generating"].reset_index(drop=True)
    return table


def _num(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _sub(i: int) -> str:
    return str(i + 1).translate(_SUB)


def _flat(v):
    """A level's value as a flat list of leaves (numbers or text)."""
    if isinstance(v, list):
        return [leaf for item in v for leaf in _flat(item)]
    return [v]


def _family_text(value) -> str:
    """'t(5) / normal' for a family list: each component's distribution."""
    def one(c):
        if isinstance(c, dict) and len(c) == 1:
            (name, args), = c.items()
            inner = ", ".join(f"{_num(v)}" for v in (args or {}).values())
            return {"t": "t", "skewnormal": "SN"}.get(name, name) + (f"({inner})" if inner else "")
        return str(c)

    return " / ".join(one(c) for c in value) if isinstance(value, list) else one(value)


def _default_labels(factor: str, values: list) -> list[str]:
    """Short labels that name what differs between a factor's levels: for
    1-D two-component means the separation (Δμ = 1), for weights π₁, else the
    differing elements (σ₂ = 2), a fit setting's differing keys, or 'factor i'."""
    n = len(values)
    if all(isinstance(v, dict) for v in values):
        keys = [k for k in dict.fromkeys(k for v in values for k in v)
                if len({json.dumps(v.get(k), sort_keys=True) for v in values}) > 1]
        if keys:
            return [", ".join(f"{k} = {_num(v.get(k, '–')) if not isinstance(v.get(k), (dict, list)) else json.dumps(v.get(k), separators=(',', ':'))}"
                              for k in keys) for v in values]
        return [f"{factor} {i + 1}" for i in range(n)]
    if factor == "family":
        return [_family_text(v) for v in values]
    if not all(isinstance(v, list) for v in values):
        return [f"{factor} = {_num(v)}" for v in values]
    flat = [_flat(v) for v in values]
    if not all(isinstance(x, (int, float, str)) for f in flat for x in f):
        return [f"{factor} {i + 1}" for i in range(n)]
    if len({len(f) for f in flat}) != 1:
        return [f"{factor} {i + 1}" for i in range(n)]
    one_d = all(not isinstance(x, list) for v in values for x in v)
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for f in flat for x in f)
    differ = [j for j in range(len(flat[0])) if len({f[j] for f in flat}) > 1]
    symbol = _SYMBOL.get(factor)
    if symbol and one_d and numeric and len(flat[0]) == 2:
        if factor == "weights":
            return [f"π₁ = {_num(float(f[0]))}" for f in flat]
        if factor == "means" and len({f[1] - f[0] for f in flat}) == n:
            return [f"Δμ = {_num(float(f[1] - f[0]))}" for f in flat]
        if factor == "sds" and len(differ) == 2 and len({f[1] / f[0] for f in flat}) == n:
            return [f"σ₂/σ₁ = {_num(float(f[1] / f[0]))}" for f in flat]
    if symbol and one_d and 0 < len(differ) <= 3:
        return [", ".join(f"{symbol}{_sub(j)} = {_num(f[j])}" for j in differ) for f in flat]
    if 0 < len(differ) <= 2 and numeric:
        return [", ".join(f"{factor}[{j}] = {_num(f[j])}" for j in differ) for f in flat]
    return [f"{factor} {i + 1}" for i in range(n)]


def level_labels(table, factors: list[str], given: dict | None = None) -> dict[str, dict[int, str]]:
    """{factor: {level: label}}: the user's ``grid_labels`` where given (a list,
    one label per level in the order listed), else a readable default from the
    levels' values (:func:`_default_labels`). ``table`` has ``level_{f}`` and
    ``value_{f}`` columns."""
    out = {}
    for f in factors:
        pairs = (table[[f"level_{f}", f"value_{f}"]].drop_duplicates(f"level_{f}")
                 .sort_values(f"level_{f}"))
        levels = [int(v) for v in pairs[f"level_{f}"]]
        labels = list((given or {}).get(f) or [])
        if labels:
            out[f] = {lv: str(labels[lv - 1]) if lv - 1 < len(labels) else f"{f} {lv}"
                      for lv in levels}
        else:
            values = [json.loads(v) for v in pairs[f"value_{f}"]]
            out[f] = dict(zip(levels, _default_labels(f, values)))
    return out


def loop_order(factors: list[str], order=None) -> list[str]:
    """The nesting of a grid's loops, outermost first: ``order`` (factor names
    and 'n') where given, the missing ones after it; by default the factors as
    listed, then n innermost."""
    loops = list(factors) + ["n"]
    if not order:
        return loops
    unknown = [o for o in order if o not in loops]
    if unknown:
        raise ValueError(f"grid order names {unknown[0]!r}, which is not a factor of this grid "
                         f"(factors: {', '.join(loops)})")
    return list(dict.fromkeys(list(order) + loops))


def conditions(table, loops: list[str]) -> "pd.DataFrame":
    """The grid's conditions (one row per combination of the loops' levels
    present in the table), sorted in nested order, with a 0-based ``x``."""
    cols = [("n" if f == "n" else f"level_{f}") for f in loops]
    cond = table[cols].drop_duplicates().sort_values(cols).reset_index(drop=True)
    return cond.assign(x=np.arange(len(cond)))


def _label_of(labels, factor, level) -> str:
    return f"n = {int(level)}" if factor == "n" else labels[factor][int(level)]


def _measure_rows(table, measure, parameter, method, loops, cond):
    cols = [("n" if f == "n" else f"level_{f}") for f in loops]
    d = table[(table["measure"] == measure) & (table["label"] == parameter)
              & (table["method"] == method)]
    return cond.merge(d[cols + ["estimate", "mcse"]], on=cols, how="left")


def _plt():
    from .figures import _plt as plt

    return plt()


def _reference(measure: str, level: float):
    return {"bias": 0.0, "coverage": level, "be_coverage": level,
            "relerr_modse": 0.0}.get(measure)


def _parameters(table, measure):
    """Labels, in reading order, of the parameters of a labelled table with a
    finite value of ``measure``."""
    d = table[table["measure"] == measure]
    finite = d.groupby("label")["estimate"].apply(
        lambda s: np.isfinite(s.to_numpy(dtype=float)).any())
    return [parameter_label(p, k) for p, k in reading_order(d)
            if finite.get(parameter_label(p, k), False)]


def nested_loop_figure(table, measure: str, factors: list[str], labels: dict,
                       order=None, level: float = 0.95, title: str = ""):
    """Nested loop plot (Rücker & Schwarzer 2014; rsimsum's ``nlp``): every
    condition along the x-axis in the nested order of the loops (outermost
    first), one step line per method with its ±2 MCSE band, one panel per
    parameter, and beneath them the loops' levels as step lines."""
    table = labelled(table)  # panels are labelled 'mean[1]'...
    plt = _plt()
    loops = loop_order(factors, order)
    cond = conditions(table, loops)
    params = _parameters(table, measure)
    methods = list(dict.fromkeys(table["method"]))
    n_rows = max(len(params), 1)
    width = min(max(6.0, 0.22 * len(cond) + 2.5), 18.0)
    fig = plt.figure(figsize=(width, 1.9 * n_rows + 0.45 * len(loops) + 1.0))
    gs = fig.add_gridspec(n_rows + 1, 1, height_ratios=[1.9] * n_rows + [0.45 * len(loops)],
                          hspace=0.12)
    axes = [fig.add_subplot(gs[0])]
    axes += [fig.add_subplot(gs[i], sharex=axes[0]) for i in range(1, n_rows + 1)]
    x = cond["x"].to_numpy()
    ref = _reference(measure, level)
    for ax, p in zip(axes, params):
        for i, m in enumerate(methods):
            d = _measure_rows(table, measure, p, m, loops, cond)
            est = d["estimate"].to_numpy(dtype=float)
            band = 2 * d["mcse"].to_numpy(dtype=float)
            lo, hi = est - band, est + band
            if "coverage" in measure:  # a share: its band stays in [0, 1]
                lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
            colour = f"C{i % 10}"
            ax.step(x, est, where="mid", color=colour, lw=1.4, label=m)
            ax.fill_between(x, lo, hi, step="mid", color=colour, alpha=0.18, lw=0)
        if ref is not None:
            ax.axhline(ref, color="k", lw=0.8, ls=":")
        ax.set_ylabel(p, fontsize=8)
        ax.tick_params(labelsize=7, labelbottom=False)
        ax.grid(axis="y", lw=0.3, alpha=0.5)
    # The loops' levels beneath, outermost at the top, each scaled to its own band.
    low = axes[-1]
    for j, f in enumerate(loops):
        col = "n" if f == "n" else f"level_{f}"
        values = cond[col].to_numpy()
        uniq = sorted(set(values))
        pos = np.array([uniq.index(v) for v in values], dtype=float)
        span = max(len(uniq) - 1, 1)
        y0 = len(loops) - 1 - j
        low.step(x, y0 + 0.1 + 0.7 * pos / span, where="mid", color="0.25", lw=1)
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        # Label each run of a level where it starts, if there is room.
        if len(starts) <= 12:
            for s in starts:
                low.text(x[s] - 0.45, y0 + 0.98, _label_of(labels, f, values[s]), fontsize=6,
                         va="top", ha="left", color="0.15")
        else:  # too many runs to label each: the levels, low to high, at the right
            low.text(1.005, y0 + 0.45, " → ".join(_label_of(labels, f, v) for v in uniq),
                     transform=low.get_yaxis_transform(), fontsize=6, va="center", ha="left")
        low.text(-0.01, y0 + 0.4, "n" if f == "n" else f, transform=low.get_yaxis_transform(),
                 ha="right", va="center", fontsize=7)
    low.set_ylim(0, len(loops))
    low.set_yticks([])
    low.set_xlim(x.min() - 0.5, x.max() + 0.5)
    low.set_xticks([])
    low.set_xlabel("conditions, nested: " + " › ".join(loops), fontsize=8)
    for spine in ("top", "right", "left"):
        low.spines[spine].set_visible(False)
    if params:
        axes[0].legend(fontsize=7, loc="lower left", bbox_to_anchor=(1.0, 0.0), frameon=False)
    fig.suptitle(title or f"{measure} (±2 MCSE) per condition", fontsize=10)
    fig.subplots_adjust(left=0.1, right=0.86, top=0.94, bottom=0.06)
    return fig


def _heat_norm(values, measure: str, ref):
    """(norm, colormap) of one parameter's heat-map cells: for a measure with a
    target (bias 0, coverage the nominal level) a linear scale symmetric about
    it, so equal distances from the target get equally strong colours (a
    coverage of 0.97 is not painted as far from 0.95 as 0.10 is); else viridis
    over the values' range."""
    from matplotlib.colors import Normalize

    vals = np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    if ref is not None:
        half = max(float(np.abs(vals - ref).max()) if len(vals) else 0.0, 1e-12)
        return Normalize(ref - half, ref + half), ("RdBu_r" if measure == "bias" else "RdBu")
    lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
    return Normalize(lo, hi if hi > lo else lo + 1e-12), "viridis"


def heatmap_figure(table, measure: str, factors: list[str], labels: dict,
                   x_factor: str | None = None, y_factor: str | None = None,
                   level: float = 0.95, title: str = ""):
    """A measure over two factors as a heat map (cells annotated), one panel
    per parameter (rows) and per method × n × combination of the other
    factors (columns); ``n`` may be one of the two (the default second axis of
    a one-factor grid). Bias and coverage use a linear diverging scale
    symmetric about their target (0, the nominal level), others a sequential
    one; one scale and colour bar per parameter (row), but one for all rows of
    coverage (a share whatever the parameter)."""
    table = labelled(table)  # panels are labelled 'mean[1]'...
    plt = _plt()
    axes_of = list(factors) + ["n"]
    x_factor = x_factor or factors[0]
    y_factor = y_factor or (factors[1] if len(factors) > 1 else "n")
    for name, f in (("x_factor", x_factor), ("y_factor", y_factor)):
        if f not in axes_of:
            raise ValueError(f"{name} {f!r} is not a factor of this grid (factors: "
                             f"{', '.join(axes_of)})")
    if x_factor == y_factor:
        raise ValueError(f"x_factor and y_factor are both {x_factor!r}: a heat map needs two")
    ns = sorted(table["n"].unique())
    labels = {**labels, "n": {int(n): f"n = {int(n)}" for n in ns}}
    rest = [f for f in factors if f not in (x_factor, y_factor)]
    d = table[table["measure"] == measure].assign(level_n=lambda t: t["n"])
    params = _parameters(table, measure)
    facet_cols = ["method"] + ([] if "n" in (x_factor, y_factor) else ["n"])
    facet_cols += [f"level_{f}" for f in rest]
    method_rank = {m: i for i, m in enumerate(dict.fromkeys(d["method"]))}
    facets = sorted((tuple(r) for r in d[facet_cols].drop_duplicates().itertuples(index=False)),
                    key=lambda r: (method_rank[r[0]], *r[1:]))
    xl = sorted(d[f"level_{x_factor}"].unique())
    yl = sorted(d[f"level_{y_factor}"].unique())
    ref = _reference(measure, level)
    ncol, nrow = max(len(facets), 1), max(len(params), 1)
    cw = max(1.9, 0.55 * len(xl) + 0.8)
    fig = plt.figure(figsize=(cw * ncol + 1.6, (0.45 * len(yl) + 1.0) * nrow + 0.6), dpi=DPI)
    # The colour bars in a narrow last column of the panels' grid, so that one
    # tight-layout pass places them with the panels (figures._tight).
    gs = fig.add_gridspec(nrow, ncol + 1, width_ratios=[cw] * ncol + [0.16])
    axes = np.array([[fig.add_subplot(gs[r, c]) for c in range(ncol)] for r in range(nrow)])
    for r, p in enumerate(params):
        # One colour scale per parameter: a weight's bias (a proportion) and a
        # mean's (data units) are not on one scale; coverage is, and shares one.
        own = d["estimate"] if "coverage" in measure else d.loc[d["label"] == p, "estimate"]
        norm, cmap = _heat_norm(own, measure, ref)
        image = None
        for c, facet in enumerate(facets):
            ax = axes[r, c]
            sel = (d["label"] == p)
            for col, v in zip(facet_cols, facet):
                sel &= d[col] == v
            cell = d[sel].set_index([f"level_{y_factor}", f"level_{x_factor}"])["estimate"]
            z = np.array([[cell.get((a, b), np.nan) for b in xl] for a in yl], dtype=float)
            image = ax.imshow(z, cmap=cmap, norm=norm, aspect="auto", origin="lower")
            for a in range(len(yl)):
                for b in range(len(xl)):
                    if np.isfinite(z[a, b]):
                        # White on the dark ends of the scale, black elsewhere.
                        dark = abs(float(norm(z[a, b])) - 0.5) > 0.33
                        ax.text(b, a, f"{z[a, b]:.2g}", ha="center", va="center", fontsize=6,
                                color="white" if dark else "black")
            ax.set_xticks(range(len(xl)), [labels[x_factor][int(v)] for v in xl], fontsize=6,
                          rotation=30 if len(xl) > 2 else 0)
            ax.set_yticks(range(len(yl)), [labels[y_factor][int(v)] for v in yl], fontsize=6)
            if c:
                ax.tick_params(labelleft=False)
            if r < nrow - 1:
                ax.tick_params(labelbottom=False)
            else:
                ax.set_xlabel(x_factor, fontsize=7)
            if r == 0:
                head = [str(facet[0])] + [labels["n" if col == "n" else col[6:]][int(v)]
                                           for col, v in zip(facet_cols[1:], facet[1:])]
                ax.set_title("\n".join(head), fontsize=7)
            if c == 0:
                ax.set_ylabel(f"{p}\n{y_factor}", fontsize=7)
        shared = "coverage" in measure
        if image is not None and (not shared or r == nrow - 1):
            # coverage: one bar for all rows, over their middle half or so
            cax = fig.add_subplot(gs[nrow // 4:nrow - nrow // 4, -1] if shared else gs[r, -1])
            bar = fig.colorbar(image, cax=cax)
            # The ticks the layout measures are the ticks drawn (a bar's own
            # locator would pick others once the layout has resized it).
            bar.set_ticks(bar.get_ticks())
            bar.set_label(measure if shared else f"{measure}, {p}", fontsize=7)
            bar.ax.tick_params(labelsize=6)
            if ref is not None:  # the target the scale is centred on
                bar.ax.axhline(ref, color="k", lw=0.8)
            if shared:  # shares stop at 1: no colours for impossible coverage
                bar.ax.set_ylim(norm.vmin, min(norm.vmax, 1.0))
    fig.suptitle(title or f"{measure} over {x_factor} × {y_factor}", fontsize=10)
    _tight(fig)
    return fig


def lolly_figure(table, measure: str, factors: list[str], labels: dict, order=None,
                 level: float = 0.95, title: str = ""):
    """Lolly (forest) plot (rsimsum's ``lolly``): per condition a point at the
    estimate with a ±2 MCSE bar, one colour per method, one column of panels
    per parameter and one row per n; conditions down the y-axis labelled by
    their levels."""
    table = labelled(table)  # panels are labelled 'mean[1]'...
    plt = _plt()
    loops = [f for f in loop_order(factors, order) if f != "n"]
    cond = conditions(table, loops)
    params = _parameters(table, measure)
    methods = list(dict.fromkeys(table["method"]))
    ns = sorted(table["n"].unique())
    names = [", ".join(_label_of(labels, f, r[f"level_{f}"]) for f in loops)
             for _, r in cond.iterrows()]
    fig, axes = plt.subplots(len(ns), max(len(params), 1),
                             figsize=(2.3 * max(len(params), 1) + 2.2,
                                      (0.2 * len(cond) + 0.9) * len(ns)),
                             squeeze=False, sharey=True, dpi=DPI,
                             # coverage is a share whatever the parameter: one x-scale
                             sharex=True if "coverage" in measure else "col")
    ref = _reference(measure, level)
    y = cond["x"].to_numpy()
    step = 0.7 / max(len(methods), 1)
    for r, n in enumerate(ns):
        tn = table[table["n"] == n]
        for c, p in enumerate(params):
            ax = axes[r, c]
            for i, m in enumerate(methods):
                d = _measure_rows(tn, measure, p, m, loops, cond)
                est = d["estimate"].to_numpy(dtype=float)
                err = 2 * d["mcse"].to_numpy(dtype=float)
                err = np.stack([err, err])
                if "coverage" in measure:  # a share: its bar stays in [0, 1]
                    err = np.stack([np.minimum(err[0], est), np.minimum(err[1], 1 - est)])
                yy = y + (i - (len(methods) - 1) / 2) * step
                ax.errorbar(est, yy, xerr=np.clip(err, 0, None), fmt="o", ms=3, lw=1, capsize=0,
                            color=f"C{i % 10}",
                            label=m if (r, c) == (0, 0) else None)
            if ref is not None:
                ax.axvline(ref, color="k", lw=0.8, ls=":")
            ax.set_yticks(y, names, fontsize=6)
            ax.tick_params(axis="x", labelsize=6)
            ax.set_title(f"{p}, n = {int(n)}", fontsize=8)
            ax.grid(axis="x", lw=0.3, alpha=0.5)
            if r == len(ns) - 1:
                ax.set_xlabel(f"{measure} ± 2 MCSE", fontsize=7)
    axes[0, 0].invert_yaxis()  # the first condition at the top (the axes share y)
    if params and methods:  # below the panels, as in the scenario figures
        fig.legend(fontsize=7, loc="lower center", ncol=min(len(methods), 6), frameon=False)
    fig.suptitle(title or f"{measure} ± 2 MCSE per condition", fontsize=10)
    _tight(fig)
    return fig


def grid_summary(table, convergence, factors: list[str], labels: dict,
                 measures=TABLE_MEASURES, level: float = 0.95) -> "pd.DataFrame":
    """The grid in one table: one row per parameter × condition × n, the
    factors as labelled columns, per method the chosen measures (bias and
    coverage with their MCSE) and the condition's failure counts
    (non-converged, degenerate, spurious, SE-less fits); the methods side by
    side within each measure and each failure count.

    table: the grid's performance table; convergence: the conditions'
    convergence tables in one (a ``scenario`` column, method, n and the
    failure counts). Cells are text rounded to what their MCSE supports.
    """
    import pandas as pd

    from .summary import _cell

    methods = list(dict.fromkeys(table["method"]))
    keys = ["scenario"] + [f"level_{f}" for f in factors] + ["n"]
    rows = []
    perf = table.set_index(keys + ["method", "parameter", "component", "measure"])[
        ["estimate", "mcse"]]
    conv = convergence.set_index(["scenario", "method", "n"])
    points = table[keys].drop_duplicates().sort_values(keys[1:])
    for name, comp in reading_order(table):
        for _, pt in points.iterrows():
            key = tuple(pt[k] for k in keys)
            row = {"parameter": parameter_label(name, comp)}
            row |= {f: labels[f][int(pt[f"level_{f}"])] for f in factors}
            row["n"] = int(pt["n"])
            # Methods side by side within each measure (bias: mle, bias: pmle, ...),
            # then the failure counts the same way.
            for measure, m in ((ms, m) for ms in measures for m in methods):
                scale = 100.0 if measure == "coverage" else 1.0
                head = f"{m}: {measure}" + (" %" if measure == "coverage" else "")
                try:
                    est, se = perf.loc[key + (m, name, comp, measure)]
                except KeyError:
                    row[head] = "–"
                    continue
                est, se = scale * est, scale * se
                if not np.isfinite(est):
                    row[head] = "–"
                elif measure in ("bias", "coverage") and np.isfinite(se):
                    row[head] = _cell(est, se, True)  # as Table 2 writes it
                else:
                    row[head] = f"{est:.3g}"
            for (col, head), m in ((f, m) for f in FAILURES for m in methods):
                c = (pt["scenario"], m, pt["n"])
                row[f"{m}: {head}"] = (int(conv.loc[c, col]) if c in conv.index
                                       and col in conv.columns else "–")
            rows.append(row)
    return pd.DataFrame(rows)


# What a reader of the grid table must know, below it.
GRID_NOTE = ("Columns 'method: measure': bias ± Monte Carlo SE, empirical SE (empse), RMSE and "
             "Wald coverage % ± MCSE against the generating parameters, rounded to what the "
             "MCSE supports (grid/performance.csv holds them unrounded); 'method: non-converged', "
             "'degenerate', 'spurious', 'SE-less' count fits of the condition and n, all kept in "
             "the measures.")


def to_markdown(summary, title: str) -> str:
    """The grid summary as Markdown, one table per parameter, the column note below."""
    out = [f"# {title}", "", GRID_NOTE, ""]
    for p, part in summary.groupby("parameter", sort=False):
        cols = [c for c in part.columns if c != "parameter"]
        out += [f"## {p}", "", "| " + " | ".join(cols) + " |",
                "|" + "|".join("---" for _ in cols) + "|"]
        out += ["| " + " | ".join(str(v) for v in r) + " |" for r in part[cols].itertuples(False)]
        out.append("")
    return "\n".join(out)


def to_html(summary, title: str) -> str:
    """The grid summary as a self-contained HTML page, one table per
    parameter, scrolling sideways where it is wider than the window."""
    import html

    css = ("body{font-family:sans-serif;font-size:13px;margin:1em}"
           ".wrap{overflow-x:auto;max-width:100%}table{border-collapse:collapse;margin-bottom:1.5em}"
           "th,td{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}"
           "th{background:#f3f3f3;position:sticky;top:0}td.f{text-align:left}")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{css}</style></head><body><h1>{html.escape(title)}</h1>"]
    for p, part in summary.groupby("parameter", sort=False):
        cols = [c for c in part.columns if c != "parameter"]
        parts.append(f"<h2>{html.escape(p)}</h2><div class='wrap'><table><tr>"
                     + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>")
        for r in part[cols].itertuples(False):
            parts.append("<tr>" + "".join(
                f"<td{' class=f' if i < len(cols) and ':' not in cols[i] else ''}>"
                f"{html.escape(str(v))}</td>" for i, v in enumerate(r)) + "</tr>")
        parts.append("</table></div>")
    parts.append(f"<p style='max-width:75em'>{html.escape(GRID_NOTE)}</p></body></html>")
    return "\n".join(parts)
