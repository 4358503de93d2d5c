"""Figures of one data set's fit and model choice (the CLI and the workflow's
datasets): the data with each weighted component and the mixture, and the
criteria against K with the chosen K marked, as mclust's plot(…, what = "BIC").

Each function draws into and returns a new Figure (matplotlib, Agg backend).
"""

from __future__ import annotations

import numpy as np

from gmmem import Mixture


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _g(v) -> str:
    return f"{float(v):.4g}"


def draw_fit(ax, x: np.ndarray, m: Mixture, xlabel: str = "x") -> None:
    """1-D: histogram of x, each weighted component π_k φ_k as a coloured
    filled curve, the mixture density as a black line over them. d >= 2: the
    first two columns coloured by MAP component, with 1- and 2-SD ellipses
    and the component means."""
    x = np.asarray(x, dtype=float)
    if m.dim == 1:
        x = x.reshape(-1)
        # Freedman-Diaconis bins (numpy's 'fd'), kept between 15 and 80.
        bins = np.histogram_bin_edges(x, "fd").size - 1 if np.ptp(x) > 0 else 1
        ax.hist(x, bins=int(np.clip(bins, 15, 80)), density=True, color="0.82",
                edgecolor="0.65", linewidth=0.4, label="data (histogram)")
        pad = 0.05 * (x.max() - x.min())
        grid = np.linspace(x.min() - pad, x.max() + pad, 1000)
        weighted = np.exp(m.component_logpdf(grid))  # π_k φ_k, shape (1000, K)
        for k in range(m.n_components):
            ax.fill_between(grid, weighted[:, k], color=f"C{k}", alpha=0.35, lw=0)
            ax.plot(grid, weighted[:, k], color=f"C{k}", lw=1.4,
                    label=f"{k + 1}: π = {_g(m.weights[k])}, μ = {_g(m.means[k, 0])}, "
                          f"σ = {_g(m.sds[k])}")
        ax.plot(grid, weighted.sum(axis=1), color="black", lw=1.8, label="mixture")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("density")
        ax.set_ylim(bottom=0)
        return
    x = x.reshape(len(x), -1)
    from gmmem import responsibilities

    label = responsibilities(m, x).argmax(axis=1)
    colours = np.array([f"C{k % 10}" for k in range(m.n_components)])
    ax.scatter(x[:, 0], x[:, 1], c=colours[label], s=5, alpha=0.5, lw=0)
    t = np.linspace(0, 2 * np.pi, 200)
    circle = np.stack([np.cos(t), np.sin(t)])
    for k in range(m.n_components):
        vals, vecs = np.linalg.eigh(m.covariances[k][:2, :2])
        for r in (1, 2):
            e = m.means[k, :2, None] + r * vecs @ (np.sqrt(np.maximum(vals, 0))[:, None] * circle)
            ax.plot(e[0], e[1], color="black" if r == 1 else "0.3", lw=1.3 if r == 1 else 0.7,
                    ls="-" if r == 1 else "--")
        ax.plot(*m.means[k, :2], "k+", ms=10, mew=1.5)
    for k in range(m.n_components):
        ax.plot([], [], "o", color=f"C{k % 10}", ms=5,
                label=f"component {k + 1} (π = {_g(m.weights[k])})")
    ax.plot([], [], "k+", label="component mean")
    ax.plot([], [], "k-", lw=1.3, label="1-SD ellipse")
    ax.plot([], [], "--", color="0.3", lw=0.7, label="2-SD ellipse")
    # Equal units on both axes: an ellipse's shape is the covariance's, not the window's.
    ax.set_aspect("equal", adjustable="datalim")
    names = [s.strip() for s in xlabel.split(",")]
    ax.set_xlabel(names[0] if len(names) > 1 else f"{xlabel} 1")
    ax.set_ylabel(names[1] if len(names) > 1 else f"{xlabel} 2")


def fit_figure(x: np.ndarray, m: Mixture, title: str = "", xlabel: str = "x"):
    """draw_fit on one axes, the legend beside it (off the data)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8.6, 4.4))
    draw_fit(ax, x, m, xlabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.tight_layout()
    return fig


def draw_criteria(ax, table, criterion: str = "bic") -> None:
    """BIC, AIC and (where the table has it) ICL, smaller is better, against K;
    the chosen K starred on its criterion's curve (on BIC's for the bootstrap
    LRT, which has no value per K), and every K within 2 of the best criterion
    ringed (Kass & Raftery 1995: a BIC difference below 2 is barely worth a
    mention)."""
    k = table["k"].to_numpy()
    ax.plot(k, table["bic"], "o-", color="C0", label="BIC")
    ax.plot(k, table["aic"], "s--", color="C1", ms=4, label="AIC")
    if "icl" in table:
        ax.plot(k, table["icl"], "^:", color="C2", ms=5, label="ICL")
    curve = criterion if criterion in table else "bic"
    values = table[curve].to_numpy(dtype=float)
    if "chosen" in table:
        chosen = table.loc[table["chosen"].astype(bool)]
        best_k, best = int(chosen["k"].iloc[0]), float(chosen[curve].iloc[0])
    else:
        i = int(np.nanargmin(values))
        best_k, best = int(k[i]), float(values[i])
    if curve == criterion:
        close = (values - best < 2) & (k != best_k)
        if close.any():
            ax.plot(k[close], values[close], "o", ms=13, mfc="none", mec="C3", mew=1.2,
                    label=f"within 2 of the best {criterion.upper()}")
    ax.plot([best_k], [best], "*", color="C3", ms=15, label=f"chosen K = {best_k} "
                                                             f"({criterion.upper()})")
    ax.set_xticks(k)
    ax.set_xlabel("K (components)")
    ax.set_ylabel("criterion (smaller is better)")


def criteria_figure(table, criterion: str = "bic", title: str = ""):
    """draw_criteria on one axes; for a table of one K (a fixed n_components:
    nothing was chosen) a short panel that says so and gives its criteria."""
    plt = _plt()
    if len(table) == 1:
        row = table.iloc[0]
        fig, ax = plt.subplots(figsize=(6.4, 1.8))
        ax.axis("off")
        ax.text(0.5, 0.5, f"K = {int(row['k'])} was fixed, so no K was chosen: BIC "
                f"{float(row['bic']):.2f}, AIC {float(row['aic']):.2f}.\nGive a list of K "
                "(e.g. n_components: [1, 2, 3, 4], or -k 1-4) to compare them.",
                ha="center", va="center", fontsize=9)
        ax.set_title(title, fontsize=10)
        return fig
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    draw_criteria(ax, table, criterion)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def selection_figure(x, m: Mixture, table, criterion: str = "bic", title: str = "",
                     xlabel: str = "x"):
    """The criteria against K (left) beside the chosen fit (right)."""
    plt = _plt()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.6),
                                      gridspec_kw={"width_ratios": [1, 1.5]})
    draw_criteria(left, table, criterion)
    left.legend(fontsize=7.5)
    left.set_title("criteria against K", fontsize=10)
    draw_fit(right, x, m, xlabel)
    right.set_title(f"the chosen fit, K = {m.n_components}", fontsize=10)
    right.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def _ellipses(ax, m: Mixture) -> None:
    t = np.linspace(0, 2 * np.pi, 200)
    circle = np.stack([np.cos(t), np.sin(t)])
    for k in range(m.n_components):
        vals, vecs = np.linalg.eigh(m.covariances[k][:2, :2])
        e = m.means[k, :2, None] + vecs @ (np.sqrt(np.maximum(vals, 0))[:, None] * circle)
        ax.plot(e[0], e[1], color="black", lw=1.0)
        ax.plot(*m.means[k, :2], "k+", ms=9, mew=1.3)


def uncertainty_figure(x: np.ndarray, m: Mixture, title: str = "", xlabel: str = "x"):
    """Classification uncertainty 1 - max_k τ_ik of each point (d >= 2, first
    two columns), drawn as mclust's coordProj(what = "uncertainty") does:
    points up to the 75 % quantile of the uncertainty small and light grey,
    to the 95 % quantile medium grey, above it large and black; 1-SD ellipses."""
    from gmmem import responsibilities

    plt = _plt()
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    u = 1 - responsibilities(m, x).max(axis=1)
    q75, q95 = np.quantile(u, [0.75, 0.95])
    fig, ax = plt.subplots(figsize=(8.6, 4.8))
    groups = [(u <= q75, "0.75", 4, f"uncertainty ≤ {_g(q75)} (75 % quantile)"),
              ((u > q75) & (u <= q95), "0.5", 12, f"up to {_g(q95)} (95 % quantile)"),
              (u > q95, "black", 28, f"above {_g(q95)}, at most {_g(u.max())}")]
    for mask, colour, size, label in groups:
        ax.scatter(x[mask, 0], x[mask, 1], s=size, color=colour, lw=0, label=label)
    _ellipses(ax, m)
    # Equal units on both axes: an ellipse's shape is the covariance's, not the window's.
    ax.set_aspect("equal", adjustable="datalim")
    names = [s.strip() for s in xlabel.split(",")]
    ax.set_xlabel(names[0] if len(names) > 1 else f"{xlabel} 1")
    ax.set_ylabel(names[1] if len(names) > 1 else f"{xlabel} 2")
    ax.plot([], [], "k-", lw=1.0, label="1-SD ellipse, + mean")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
              title="1 − max responsibility", title_fontsize=8)
    fig.tight_layout()
    return fig
