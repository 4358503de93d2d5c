"""Figures of a fit and of a recovery study (matplotlib, Agg backend).

Each function draws into and returns a new Figure; saving is the caller's.
"""

from __future__ import annotations

import numpy as np

from gmmem import Mixture

from .tables import labelled, parameter_kind, parameter_label, reading_order


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# The dpi figures are saved at (_workflow.save_figure): figures are made at it,
# so that their layout is measured with the text sizes of the saved image.
DPI = 110


def _tight(fig) -> None:
    """Place a figure's regular grid of panels so that no tick label, axis
    label, title, suptitle or legend overlaps or is cut: one measuring pass
    (matplotlib's tight layout, 3-point pads), the suptitle and supxlabel
    moved to the figure's edges (where tight layout reserves their room) and
    the panels lifted above the figure legends (placed "lower center"), the
    gaps between rows kept. Constrained layout gives the same picture but
    measures every panel twice more when the figure is saved."""
    pad = 3 / 72  # inches, constrained layout's pad
    width, height = fig.get_size_inches()
    # Private but long-standing attributes: the Text objects of fig.suptitle/supxlabel.
    if getattr(fig, "_suptitle", None) is not None:
        fig._suptitle.set(y=1 - pad / height, va="top")
    if getattr(fig, "_supxlabel", None) is not None:
        fig._supxlabel.set(y=pad / height, va="bottom")
    _fix_titles(fig)
    fig.tight_layout(pad=3 / _plt().rcParams["font.size"])  # pads of 3 points
    renderer = fig.canvas.get_renderer()
    below = max([leg.get_window_extent(renderer).ymax / fig.bbox.height
                 for leg in fig.legends], default=0.0)
    sp = fig.subplotpars
    if below > 0:  # tight layout left the panels' decorations a pad above the bottom
        rows = fig.axes[0].get_subplotspec().get_gridspec().nrows
        axh = (sp.top - sp.bottom) / (rows + (rows - 1) * sp.hspace)
        gap = sp.hspace * axh
        bottom = sp.bottom + below
        new_axh = (sp.top - bottom - (rows - 1) * gap) / rows
        fig.subplots_adjust(bottom=bottom, hspace=gap / new_axh if rows > 1 else sp.hspace)


def _fix_titles(fig) -> None:
    """Pin each panel's title at the top of its axes, where matplotlib's
    automatic placement puts it unless a top x-axis or a y offset text
    ('1e-3', '+1000') is in the way: the automatic placement measures the
    whole y-axis again at every draw and every layout pass, the costliest step
    of saving a figure of many panels. The offset is the y formatter's for the
    ticks of the current limits."""
    for ax in fig.axes:
        title = ax.title
        if (not title.get_text() or ax.xaxis.get_ticks_position() not in ("bottom", "default")
                or ax.xaxis.get_label_position() == "top"):
            continue
        formatter = ax.yaxis.get_major_formatter()
        if hasattr(formatter, "get_offset"):
            formatter.set_locs(ax.yaxis.get_majorticklocs())
            if formatter.get_offset():
                continue
        ax.set_title(title.get_text(), y=1.0, fontsize=title.get_fontsize())


def _grid(n_panels: int, width: float = 3.6, height: float = 2.9):
    plt = _plt()
    cols = min(n_panels, 3)
    rows = int(np.ceil(n_panels / cols))
    # Laid out by _tight once drawn into, a legend below the panels.
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.5),
                             squeeze=False, dpi=DPI)
    for ax in axes.ravel()[n_panels:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n_panels]


def fit_figure(x: np.ndarray, m: Mixture, title: str = "", xlabel: str = "x"):
    """The fit of one data set: for 1-D data the histogram, each weighted
    component (coloured, filled) and the mixture density (black); for d >= 2
    a scatter of the first two columns by MAP component with 1- and 2-SD
    ellipses. (Drawn by gmm_recovery.dataset_figures, which the CLI shares.)"""
    from .dataset_figures import fit_figure as draw

    return draw(x, m, title, xlabel)


def _n_axis(ax, ns) -> None:
    """A log-n x-axis ticked at the study's own sample sizes (not 2×10⁰)."""
    ns = sorted({int(n) for n in ns})
    ax.set_xscale("log")
    ax.set_xticks(ns, [str(n) for n in ns])
    ax.xaxis.set_minor_locator(_plt().NullLocator())  # x only: a log-y axis keeps its labels
    if len(ns) == 1:  # one size: a log axis would have no span
        ax.set_xlim(ns[0] / 1.5, ns[0] * 1.5)
    else:
        ax.set_xlim(ns[0] / 1.15, ns[-1] * 1.15)


def _plain_log_labels(axis) -> None:
    """Log-axis labels as plain numbers (0.2, 0.05), not 2×10⁻¹: every decade
    and, between them, the 2s and 5s."""
    from matplotlib.ticker import FuncFormatter

    def label(v, _pos, minor=False):
        if v <= 0:
            return ""
        mantissa = round(v / 10 ** np.floor(np.log10(v)), 6)
        return f"{v:.3g}" if not minor or mantissa in (2.0, 5.0) else ""

    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(FuncFormatter(lambda v, pos: label(v, pos, minor=True)))


def _legend_below(fig, axes, ncol: int | None = None) -> None:
    """One legend for the whole figure, below the panels (never on the data):
    every distinct label of the given axes, in first-seen order."""
    handles = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            if not label.startswith("_"):
                handles.setdefault(label, h)
    if handles:
        fig.legend(handles.values(), handles.keys(), loc="lower center", fontsize=7,
                   ncol=ncol or min(len(handles), 4), frameon=False)


def _share_err(est, bar):
    """(2, m) whiskers of ± bar around shares est, stopped at 0 and 1."""
    est, bar = np.asarray(est, dtype=float), np.asarray(bar, dtype=float)
    return np.clip(np.stack([np.minimum(bar, est), np.minimum(est + bar, 1.0) - est]), 0, None)


def _order(table) -> list[str]:
    """The presentation labels ('mean[1]') of a table's (parameter, component)
    pairs in reading order (:func:`gmm_recovery.tables.reading_order`)."""
    return [parameter_label(p, k) for p, k in reading_order(table)]


def _unit(table, label: str) -> str:
    """The unit of the parameter a table's rows of ``label`` are about."""
    name = table.loc[table["label"] == label, "parameter"].iloc[0]
    return "proportion" if parameter_kind(name) == "weight" else "data units"


def _panels(params, draw, title: str, truths=None, ylabel=None, xlabel: str = "n"):
    """One panel per parameter label of ``params`` (in reading order): draw(ax,
    p) fills it; the true value in each title (``truths``: {label: value});
    ylabel(p) labels the y-axis; a shared legend and a title that does not
    overlap the panels."""
    fig, axes = _grid(max(len(params), 1))
    for ax, p in zip(axes, params):
        draw(ax, p)
        truth = (truths or {}).get(p)
        ax.set_title(p if truth is None else f"{p}, true {truth:.4g}", fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        if ylabel is not None:
            ax.set_ylabel(ylabel(p), fontsize=8)
        ax.tick_params(which="both", labelsize=7)
    _legend_below(fig, axes)
    fig.suptitle(title, fontsize=10)
    _tight(fig)
    return fig


def _finite(table, column="estimate"):
    """Labels, in reading order, of the parameters of a labelled tidy table with
    at least one finite value (2-D covariance entries have no SE, interval or
    CRLB: their panels would be empty)."""
    finite = {p: np.isfinite(v.to_numpy(dtype=float)).any()
              for p, v in table.groupby("label", sort=False)[column]}
    return [p for p in _order(table) if finite.get(p, False)]


def _single(draw, title: str, xlabel: str, ylabel: str, legend: bool = True):
    """One axes: draw(ax) fills it; labels, legend and title."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 4.2), dpi=DPI)
    draw(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    ax.set_title(title, fontsize=10)
    _tight(fig)
    return fig


def _measure(perf, measure):
    """The rows of one measure (against the generating values), labelled."""
    if "target" in perf:  # pseudotrue: figures show the generating target only
        perf = perf[perf["target"] == "generating"]
    return labelled(perf[perf["measure"] == measure])


def _methods(table):
    """[(method, rows, colour, x-shift factor, label suffix)] for a table with
    an optional ``method`` column: methods side by side, nudged apart along a
    log-n axis so their error bars do not overlap."""
    if "method" not in table or table["method"].nunique() <= 1:
        return [(None, table, "C0", 1.0, "")]
    names = list(dict.fromkeys(table["method"]))
    M = len(names)
    return [(m, table[table["method"] == m], f"C{i % 10}", 1.0 + 0.04 * (i - (M - 1) / 2),
             f" ({m})") for i, m in enumerate(names)]


def rmse_figure(performance, title: str = "", truths=None):
    """RMSE ± 2 MCSE against n on log-log axes, one panel per parameter, with a 1/√n guide."""
    rm = _measure(performance, "rmse")

    def draw(ax, p):
        for i, (m, rows, colour, shift, suffix) in enumerate(_methods(rm)):
            d = rows[rows["label"] == p].sort_values("n")
            ax.errorbar(d["n"] * shift, d["estimate"], yerr=2 * d["mcse"], fmt="o-", capsize=2,
                        color=colour, label="RMSE ± 2 MCSE" + suffix)
            if i == 0:
                n0, r0 = d["n"].iloc[0], d["estimate"].iloc[0]
                ax.plot(d["n"], r0 * np.sqrt(n0 / d["n"]), "k:", label="∝ 1/√n")
        ax.set_yscale("log")
        _plain_log_labels(ax.yaxis)
        _n_axis(ax, rm["n"])

    return _panels(_finite(rm), draw, title, truths, lambda p: f"RMSE ({_unit(rm, p)})")


def _boxes(ax, samples, positions, width: float, colour, label=None) -> None:
    """Box plots of ``samples`` at ``positions`` as matplotlib's boxplot draws
    them (quartile box, median, whiskers to the furthest point within 1.5 IQR,
    caps half the box wide, the points beyond as small open circles), in one
    colour, but as one line collection and one marker line per call instead
    of six artists per box: the same picture, a fraction of the drawing."""
    from matplotlib.cbook import boxplot_stats
    from matplotlib.collections import LineCollection

    segments, out_x, out_y = [], [], []
    for x, values, in zip(positions, samples):
        values = np.asarray(values, dtype=float)
        if not len(values):
            continue
        st = boxplot_stats(values, whis=1.5)[0]
        lo, hi, cap = x - width / 2, x + width / 2, width / 4
        segments += [[(lo, st["q1"]), (hi, st["q1"]), (hi, st["q3"]), (lo, st["q3"]),
                      (lo, st["q1"])],
                     [(lo, st["med"]), (hi, st["med"])],
                     [(x, st["q1"]), (x, st["whislo"])], [(x, st["q3"]), (x, st["whishi"])],
                     [(x - cap, st["whislo"]), (x + cap, st["whislo"])],
                     [(x - cap, st["whishi"]), (x + cap, st["whishi"])]]
        out_x += [x] * len(st["fliers"])
        out_y += list(st["fliers"])
    ax.add_collection(LineCollection(segments, colors=colour, linewidths=1.0), autolim=True)
    if label and segments:
        # The legend's key is a box, as boxplot's: an empty rectangle on a
        # median (matplotlib leaves empty rectangles out of the data limits).
        from matplotlib.patches import Rectangle

        ax.add_patch(Rectangle(segments[1][0], 0, 0, fill=False, edgecolor=colour, lw=1.0,
                               label=label))
    if out_x:
        ax.plot(out_x, out_y, "o", ms=2, mfc="none", mec=colour, ls="none")
    ax.autoscale_view()


def spread_figure(aligned, title: str = "", truths=None):
    """Box plots of the estimates at each n, with the true value marked."""
    aligned = labelled(aligned)
    groups = _methods(aligned)
    width = 0.8 / len(groups)

    def draw(ax, p):
        d = aligned[aligned["label"] == p]
        ns = sorted(d["n"].unique())
        for i, (m, rows, colour, _, suffix) in enumerate(groups):
            r = rows[rows["label"] == p]
            pos = np.arange(len(ns)) + (i - (len(groups) - 1) / 2) * width
            _boxes(ax, [r.loc[r["n"] == n, "estimate"].to_numpy() for n in ns], pos,
                   width * 0.9, colour, suffix.strip(" ()") or None)
        ax.set_xticks(np.arange(len(ns)), [str(n) for n in ns])
        ax.axhline(d["truth"].iloc[0], color="C3", lw=1.2, ls="--", label="truth")
        ax.tick_params(axis="x", labelsize=7)

    truths = truths or aligned.groupby("label")["truth"].first().to_dict()
    return _panels(_order(aligned), draw, title, truths,
                   lambda p: f"estimate ({_unit(aligned, p)})")


def traces_figure(traces, title: str = ""):
    """The objective against iteration for every restart of a few replicates
    (one panel each), each run's stop marked; the chosen run's stop is a star."""
    plt = _plt()
    reps = list(dict.fromkeys(traces["replicate"])) if "replicate" in traces else [None]
    fig, axes = plt.subplots(1, len(reps), figsize=(4.6 * len(reps), 4.2), squeeze=False,
                             dpi=DPI)
    for ax, rep in zip(axes[0], reps):
        t = traces if rep is None else traces[traces["replicate"] == rep]
        best = t["loglik"].max()
        n_runs = t["restart"].nunique()
        for j, (r, d) in enumerate(t.groupby("restart")):
            # more than 10 runs: tab20's colours, so no two runs share one up to 20
            colour = f"C{j}" if n_runs <= 10 else plt.get_cmap("tab20")(j % 20)
            line, = ax.plot(d["iteration"], d["loglik"], lw=1, color=colour,
                            label=f"restart {r}")
            last = d.iloc[-1]
            top = np.isclose(last["loglik"], best, rtol=1e-9, atol=1e-9)
            ax.plot([last["iteration"]], [last["loglik"]], "*" if top else "o",
                    ms=9 if top else 4, color=line.get_color())
        span = best - t["loglik"].min()
        shown = min(span, max(50.0, 1e-3 * abs(best)))  # the last 50 nats or so: the endgame
        ax.set_ylim(best - shown * 1.05, best + 0.04 * max(shown, 1))
        ax.set_title("" if rep is None else f"replicate {rep}", fontsize=9)
        ax.set_xlabel("iteration (EM step or SQUAREM cycle)", fontsize=8)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.ticklabel_format(axis="y", useOffset=False)  # the objective itself, not an offset
        ax.tick_params(labelsize=7)
    axes[0, 0].set_ylabel("objective (log-likelihood)")
    # Up to 12 runs each gets a legend entry; always, what the markers mean.
    runs = t["restart"].nunique()
    if runs > 12:
        for h in axes[0, 0].get_lines():
            h.set_label("_" + h.get_label())
        axes[0, 0].plot([], [], "-", color="0.5", lw=1, label=f"{runs} runs, one colour each")
    axes[0, 0].plot([], [], "k*", label="stop at the best maximum")
    axes[0, 0].plot([], [], "ko", ms=4, label="stop elsewhere")
    _legend_below(fig, [axes[0, 0]], ncol=min(runs + 2, 7) if runs <= 12 else 3)
    fig.suptitle(title, fontsize=10)
    _tight(fig)
    return fig


def rmse_crlb_figure(performance, title: str = "", truths=None):
    """RMSE·√n against n with ±2 MCSE bars, and the Cramér–Rao SD·√n line."""
    rm = _measure(performance, "rmse")
    cr = _measure(performance, "crlb_sd")

    def draw(ax, p):
        for m, rows, colour, shift, suffix in _methods(rm):
            d = rows[rows["label"] == p].sort_values("n")
            s = np.sqrt(d["n"])
            ax.errorbar(d["n"] * shift, d["estimate"] * s, yerr=2 * d["mcse"] * s, fmt="o-",
                        capsize=2, color=colour, label="RMSE·√n ± 2 MCSE" + suffix)
        c = cr[cr["label"] == p].drop_duplicates("n").sort_values("n")
        if len(c):
            ax.plot(c["n"], c["estimate"] * np.sqrt(c["n"]), "k--", label="CRLB SD·√n")
        _n_axis(ax, rm["n"])

    return _panels(_finite(rm), draw, title, truths, lambda p: f"RMSE·√n ({_unit(rm, p)})")


# Interval kinds a performance table can hold coverage of: (measure, name,
# marker and line style). Wald's is always there; the others where a method
# computed them (intervals: sandwich, bootstrap).
_COVERAGES = (("coverage", "Wald", "o-"), ("coverage_sw", "sandwich", "s--"),
              ("coverage_pct", "percentile", "^:"), ("coverage_bca", "BCa", "D-."))


def coverage_figure(performance, level: float = 0.95, title: str = "", truths=None):
    """Interval coverage against n, with the nominal level, the band of ±2 MCSE
    around it for the number of replicates, and ±2 MCSE bars: the Wald
    intervals (solid) and, for methods that computed them, the sandwich and
    bootstrap intervals (other line styles). Every panel has one y-range, so
    parameters compare at a glance."""
    cv = _measure(performance, "coverage")
    kinds = [(ms, name, fmt, _measure(performance, ms)) for ms, name, fmt in _COVERAGES]
    kinds = [k for k in kinds if len(k[3])]
    several = len(kinds) > 1
    # a method's colour and nudge are its Wald ones in every kind
    styles = [(m, colour, shift, suffix) for m, _, colour, shift, suffix in _methods(cv)]
    lows = [float(np.nanmin(t["estimate"] - 2 * t["mcse"].fillna(0))) for *_, t in kinds]
    # whiskers are never clipped: the lowest bar of any panel sets the common floor
    bottom = max(0.0, min([level - 0.1] + [lo - 0.03 for lo in lows if np.isfinite(lo)]))

    def draw(ax, p):
        d = cv[cv["label"] == p].sort_values("n")
        first = d.drop_duplicates("n")
        band = 2 * np.sqrt(level * (1 - level) / first["n_sim"].clip(lower=1))
        ax.fill_between(first["n"], level - band, level + band, color="0.85",
                        label="nominal ± 2 MCSE")
        ax.axhline(level, color="k", lw=1)
        for _, name, fmt, table in kinds:
            rows_p = table[table["label"] == p].sort_values("n")
            for m, colour, shift, suffix in styles:
                rows = rows_p if m is None else rows_p[rows_p["method"] == m]
                if not len(rows):
                    continue
                est = rows["estimate"].to_numpy()
                ax.errorbar(rows["n"] * shift, est, yerr=_share_err(est, 2 * rows["mcse"]),
                            fmt=fmt if several else "o-", capsize=2, color=colour,
                            label=(f"{name} " if several else "") + "coverage ± 2 MCSE" + suffix)
        _n_axis(ax, cv["n"])
        ax.set_ylim(bottom, 1.01)

    return _panels(_finite(cv), draw, title, truths, lambda p: "coverage (share)")


def failures_figure(convergence, title: str = ""):
    """Share of fits that did not converge, were degenerate, spurious or had no
    SEs, against n; one panel per method."""
    kinds = [(col, label) for col, label in (
        ("n_nonconverged", "not converged"), ("n_degenerate", "degenerate"),
        ("n_se_failed", "SE failed"), ("n_spurious", "spurious maximum"),
        ("n_restarts_disagree", "restarts split spurious/regular"),
        ("n_missed_oracle", "missed oracle maximum")) if col in convergence]
    groups = _methods(convergence)
    top = 0.1
    for _, rows, *_ in groups:
        for col, _ in kinds:
            top = max(top, 1.1 * float((rows[col] / rows["n_fits"]).max()))

    # Kinds that never happened are named in the legend, not drawn: their lines
    # at 0 would hide one another.
    never = [label for col, label in kinds if float(convergence[col].sum()) == 0]
    drawn = [(i, col, label) for i, (col, label) in enumerate(kinds) if label not in never]

    def draw(ax, c):
        c = c.sort_values("n")
        for j, (i, col, label) in enumerate(drawn):
            # Markers and sizes differ so that coinciding kinds (a degenerate fit
            # has no SEs either) stay visible one inside the other.
            ax.plot(c["n"], c[col] / c["n_fits"], "-", marker="osD^vx"[i], ms=8 - 1.2 * j,
                    mfc="none" if j % 2 else None, color=f"C{i}", label=label)
        if never:
            ax.plot([], [], " ", label="never: " + ", ".join(never))
        _n_axis(ax, convergence["n"])
        ax.set_ylim(-0.02, top)
        ax.set_ylabel("share of fits")

    if all(float(rows[col].sum()) == 0 for _, rows, *_ in groups for col, _ in kinds):
        plt = _plt()
        fig, ax = plt.subplots(figsize=(6.4, 2.2))
        ax.axis("off")
        ax.text(0.5, 0.5, f"No failures: all {int(convergence['n_fits'].sum())} fits converged; "
                "none was degenerate, spurious or without SEs"
                + (", and none missed the oracle maximum" if "n_missed_oracle" in convergence
                   else ""), ha="center", va="center", fontsize=9, wrap=True)
        ax.set_title(title, fontsize=10)
        return fig
    if len(groups) == 1:
        return _single(lambda ax: draw(ax, convergence), title, "n", "share of fits")
    fig, axes = _grid(len(groups))
    for ax, (m, rows, *_rest) in zip(axes, groups):
        draw(ax, rows)
        ax.set_title(f"method {m}", fontsize=9)
        ax.set_xlabel("n")
    _legend_below(fig, axes)
    fig.suptitle(title, fontsize=10)
    _tight(fig)
    return fig


def comparison_figure(comparison, title: str = "", truths=None):
    """Paired comparisons against the first method: relative % increase in
    precision and the difference in RMSE, each ± 2 MCSE, per parameter (in
    reading order, the true value in its title), against n."""
    plt = _plt()
    first = comparison["method_a"].iloc[0]
    rows = labelled(comparison[comparison["method_a"] == first])
    params = _order(rows)
    others = list(dict.fromkeys(rows["method_b"]))
    fig, axes = plt.subplots(2, len(params), figsize=(3.0 * len(params), 6.0), squeeze=False,
                             dpi=DPI)
    for j, p in enumerate(params):
        for i, m in enumerate(others):
            d = rows[(rows["label"] == p) & (rows["method_b"] == m)].sort_values("n")
            shift = 1.0 + 0.04 * (i - (len(others) - 1) / 2)
            for ax, col in zip(axes[:, j], ("relprec", "rmse_diff")):
                ax.errorbar(d["n"] * shift, d[col], yerr=2 * d[f"{col}_mcse"], fmt="o-",
                            capsize=2, color=f"C{(i + 1) % 10}", label=f"{m} vs {first}")
        scale = float(rows.loc[rows["label"] == p, ["rmse_a", "rmse_b"]].abs().max().max()) \
            if {"rmse_a", "rmse_b"} <= set(rows) else 0.0
        for ax, col, floor in zip(axes[:, j], ("relprec", "rmse_diff"),
                                  (1.0, 0.01 * scale if np.isfinite(scale) else 0.0)):
            ax.axhline(0, color="k", lw=0.8)
            _n_axis(ax, rows["n"])
            ax.tick_params(labelsize=7)
            # Methods that agree to rounding (same fits, other intervals) would
            # otherwise get an axis of ±1e-6 noise: at least ±1 % precision and
            # ±1 % of the RMSE.
            d = rows[rows["label"] == p]
            reach = float(np.nanmax(np.abs(d[col]) + 2 * d[f"{col}_mcse"].fillna(0))) \
                if len(d) else 0.0
            if not np.isfinite(reach) or reach < floor:
                ax.set_ylim(-1.1 * floor, 1.1 * floor)
        truth = (truths or {}).get(p)
        axes[0, j].set_title(p if truth is None else f"{p}, true {truth:.4g}", fontsize=9)
        axes[1, j].set_xlabel("n")
    axes[0, 0].set_ylabel(f"% precision gain vs {first}", fontsize=8)
    axes[1, 0].set_ylabel(f"RMSE − RMSE of {first}", fontsize=8)
    _legend_below(fig, axes[0])
    fig.suptitle(title, fontsize=10)
    _tight(fig)
    return fig


def bias_figure(performance, title: str = "", truths=None, z: float = 1.96, pseudo=None):
    """Lolly plot of bias ± z·MCSE (rsimsum's ``lolly``; Morris, White &
    Crowther 2019, Fig. 5): one panel per parameter, one row per (n, method),
    a stick from 0 to the bias and a bar of ± z MCSE around it; the zero line
    marks no bias. Works for any study: every method and n in the table.
    ``pseudo`` ({label: pseudo-true value}, misspecified truths): a dashed
    line at pseudo-true − generating, the bias a consistent fit converges to."""
    b = _measure(performance, "bias")
    b = b[np.isfinite(b["estimate"].to_numpy(dtype=float))]
    groups = _methods(b)
    ns = sorted(b["n"].unique())
    M = len(groups)
    params = _order(b)
    fig, axes = _grid(max(len(params), 1), height=0.9 + 0.28 * len(ns) * M)

    for ax, p in zip(axes, params):
        d = b[b["label"] == p]
        for i, (m, rows, colour, _, suffix) in enumerate(groups):
            # One stick collection and one errorbar call per method, not one per n.
            r = rows[rows["label"] == p].drop_duplicates("n").set_index("n")
            js = [j for j, n in enumerate(ns) if n in r.index]
            if not js:
                continue
            y = np.array([j * (M + 0.8) + (M - 1 - i) for j in js], dtype=float)
            est = r.loc[[ns[j] for j in js], "estimate"].to_numpy(dtype=float)
            se = r.loc[[ns[j] for j in js], "mcse"].to_numpy(dtype=float)
            ax.hlines(y, 0, est, colors=colour, lw=1, alpha=0.6)
            ok = np.isfinite(se)
            if ok.any():
                ax.errorbar(est[ok], y[ok], xerr=z * se[ok], fmt="o", ms=4, capsize=3,
                            color=colour, lw=1.2, label=(suffix.strip(" ()") or "bias"))
            if not ok.all():
                ax.plot(est[~ok], y[~ok], "o", ms=4, color=colour, ls="none")
        ax.axvline(0, color="k", lw=0.9)
        truth = (truths or {}).get(p)
        offset = None
        if pseudo and p in pseudo and truth is not None:
            offset = float(pseudo[p]) - float(truth)
            ax.axvline(offset, color="0.35", lw=1, ls="--", label="pseudo-true − generating")
        centres = [j * (M + 0.8) + (M - 1) / 2 for j in range(len(ns))]
        ax.set_yticks(centres, [f"n = {n}" for n in ns], fontsize=7)
        ax.set_ylim(-0.8, len(ns) * (M + 0.8) - 0.2)
        ax.invert_yaxis()
        lim = float(np.nanmax(np.abs(d["estimate"]) + z * d["mcse"].fillna(0)))
        lim = max(lim, abs(offset) if offset is not None else 0.0)
        ax.set_xlim(-1.08 * lim if lim > 0 else -1, 1.08 * lim if lim > 0 else 1)
        ax.set_title(p if truth is None else f"{p}, true {truth:.4g}", fontsize=9)
        ax.set_xlabel(f"bias ({_unit(b, p)})", fontsize=8)
        ax.xaxis.set_major_locator(_plt().MaxNLocator(5))
        ax.tick_params(axis="x", labelsize=7)
    _legend_below(fig, axes)
    fig.suptitle(f"{title}: bias ± {z:g} MCSE" if title else f"bias ± {z:g} MCSE", fontsize=10)
    _tight(fig)
    return fig


# Criteria of a study's model choice: (order, marker and line style), one
# style each so that no two criteria look alike when methods share a colour.
_CRITERIA = {"bic": (0, "o-"), "aic": (1, "s--"), "icl": (2, "^:"), "blrt": (3, "D-.")}


def model_choice_figure(model_choice, title: str = ""):
    """How often each criterion (BIC, AIC, ICL, the BLRT where run) chooses the
    true K, against n, with ±2 MCSE bars: one marker and line style per
    criterion, one colour per method (or per criterion with one method)."""

    def draw(ax):
        true = model_choice[model_choice["is_true_k"]]
        for m, rows, colour, shift, suffix in _methods(true):
            for j, (crit, d) in enumerate(sorted(rows.groupby("criterion"),
                                                 key=lambda c: _CRITERIA.get(c[0], (9,))[0])):
                d = d.sort_values("n")
                fmt = _CRITERIA.get(crit, (9, "d-."))[1]
                ax.errorbar(d["n"] * shift, d["share"], yerr=_share_err(d["share"], 2 * d["mcse"]),
                            fmt=fmt, capsize=2, color=colour if suffix else f"C{j % 10}",
                            label=crit.upper() + suffix)
        _n_axis(ax, model_choice["n"])
        ax.set_ylim(-0.04, 1.04)  # markers at 0 and 1 drawn whole

    return _single(draw, title, "n", "share choosing the true K")


def bic_figure(table, title: str = ""):
    """BIC and AIC against K, the chosen K marked (the table's ``chosen`` row),
    K within 2 of its BIC ringed (gmm_recovery.dataset_figures.criteria_figure)."""
    from .dataset_figures import criteria_figure

    return criteria_figure(table, "bic", title)


def zip_figure(aligned, n: int, level: float = 0.95, title: str = "", clip: float = 6.0):
    """Zip plot (Morris, White & Crowther 2019, Fig. 4) of the Wald intervals at
    one n: every replicate's interval as a horizontal line, ranked by the
    centile of |θ̂ − θ| / SE, blue if it covers the truth and red if not; the
    truth (vertical) and the nominal level (dashed) marked. One column per
    parameter, one row per method; a column shares its x-axis, which spans
    θ ± ``clip`` × the parameter's empirical SE (the median over methods) so
    one wild interval cannot flatten the rest; an interval cut there ends in a
    triangle at the axis edge."""
    plt = _plt()
    d = labelled(aligned[(aligned["n"] == n)])
    d = d[np.isfinite(d["lo"]) & np.isfinite(d["hi"]) & (d["se"] > 0)]
    if not len(d):
        fig, ax = plt.subplots(figsize=(6.4, 2.2))
        ax.axis("off")
        ax.text(0.5, 0.5, f"No Wald intervals at n = {n}: no fit there had standard errors "
                "(see convergence.csv, n_se_failed)", ha="center", va="center", fontsize=9,
                wrap=True)
        ax.set_title(title, fontsize=10)
        return fig
    methods = list(dict.fromkeys(d["method"])) if "method" in d else [None]
    params = _order(d)
    P, M = max(len(params), 1), len(methods)
    # At most 5 parameters side by side: more wrap into further bands of M rows.
    C = min(P, 5)
    bands = int(np.ceil(P / C))
    fig, grid = plt.subplots(M * bands, C, figsize=(2.7 * C, (3.0 * M) * bands + 0.9),
                             squeeze=False, dpi=DPI)
    for ax in grid.ravel():
        ax.set_visible(False)
    # axes[i, j]: method i, parameter j; a parameter's panels share its x-limits.
    axes = np.empty((M, P), dtype=object)
    for j in range(P):
        for i in range(M):
            axes[i, j] = grid[(j // C) * M + i, j % C]
            axes[i, j].set_visible(True)
    n_clipped = 0
    for j, p in enumerate(params):
        col = d[d["label"] == p]
        theta = float(col["truth"].iloc[0])
        by = [col] if methods == [None] else [col[col["method"] == m] for m in methods]
        empse = np.nanmedian([np.std(c["estimate"], ddof=1) if len(c) > 1 else np.nan
                              for c in by])
        lo_all, hi_all = float(col["lo"].min()), float(col["hi"].max())
        if np.isfinite(empse) and empse > 0:
            left, right = max(lo_all, theta - clip * empse), min(hi_all, theta + clip * empse)
        else:
            left, right = lo_all, hi_all
        pad = 0.03 * (right - left) if right > left else 1.0
        left, right = min(left, theta) - pad, max(right, theta) + pad
        for i, m in enumerate(methods):
            ax = axes[i, j]
            c = by[i]
            if not len(c):
                ax.axis("off")
                continue
            z = np.abs(c["estimate"].to_numpy() - theta) / c["se"].to_numpy()
            centile = 100 * (np.argsort(np.argsort(z, kind="stable")) + 0.5) / len(z)
            lo, hi = c["lo"].to_numpy(), c["hi"].to_numpy()
            covers = (lo <= theta) & (theta <= hi)
            colours = np.where(covers, "C0", "C3")
            ax.hlines(centile, np.clip(lo, left, right), np.clip(hi, left, right),
                      colors=colours, lw=0.7)
            cut_lo, cut_hi = lo < left, hi > right
            n_clipped += int((cut_lo | cut_hi).sum())
            if cut_lo.any():
                ax.plot(np.full(cut_lo.sum(), left), centile[cut_lo], "<", ms=3.5,
                        color="k", clip_on=False)
            if cut_hi.any():
                ax.plot(np.full(cut_hi.sum(), right), centile[cut_hi], ">", ms=3.5,
                        color="k", clip_on=False)
            ax.set_xlim(left, right)
            ax.axvline(theta, color="k", lw=1)
            ax.axhline(100 * level, color="k", ls="--", lw=0.8)
            ax.set_ylim(0, 100)
            ax.tick_params(labelsize=7)
            head = f"{p}, true {theta:.4g}"
            who = f"{m}: " if m is not None and M > 1 else ""
            ax.set_title(f"{head}\n{who}coverage {100 * covers.mean():.1f} %", fontsize=8)
            if j == 0:
                ax.set_ylabel("centile of |z|", fontsize=8)
            if j % C:  # every panel's y-axis is the same 0-100 centile: labelled at the left
                ax.tick_params(labelleft=False)
    foot = (f"x-axes span the truth ± {clip:g} empirical SEs; "
            + (f"{n_clipped} interval(s) cut there end in ◀/▶"
               if n_clipped else "no interval reaches beyond"))
    fig.suptitle(f"{title}: Wald {100 * level:g} % intervals at n = {n} (blue cover, red miss)",
                 fontsize=10)
    fig.supxlabel(foot, fontsize=8)
    _tight(fig)
    return fig
