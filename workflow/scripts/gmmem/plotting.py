"""Figures of a fit and of a recovery study (matplotlib, Agg backend).

Each function draws into and returns a new Figure; saving is the caller's.
"""

from __future__ import annotations

import numpy as np

from .mixture import Mixture


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(n_panels: int, width: float = 3.6, height: float = 2.9):
    plt = _plt()
    cols = min(n_panels, 3)
    rows = int(np.ceil(n_panels / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[n_panels:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n_panels]


def fit_figure(x: np.ndarray, m: Mixture, title: str = "", xlabel: str = "x"):
    """The paper's figure for 1-D data (histogram, mixture density, each weighted
    component); for d >= 2 a scatter of the first two columns with 1- and
    2-SD ellipses of each component."""
    plt = _plt()
    x = np.asarray(x, dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    if m.dim == 1:
        x = x.reshape(-1)
        ax.hist(x, bins=50, density=True, alpha=0.45, color="0.55", label="data")
        pad = 0.05 * (x.max() - x.min())
        grid = np.linspace(x.min() - pad, x.max() + pad, 1000)
        comp = np.exp(m.component_logpdf(grid))
        for k in range(m.n_components):
            ax.plot(grid, comp[:, k], "--", lw=1.3,
                    label=f"π={m.weights[k]:.3f}, μ={m.means[k, 0]:.2f}, σ={m.sds[k]:.2f}")
        ax.plot(grid, comp.sum(axis=1), "g-", lw=2, label="mixture")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("density")
    else:
        x = x.reshape(len(x), -1)
        from .fit import responsibilities

        lab = responsibilities(m, x).argmax(axis=1)
        ax.scatter(x[:, 0], x[:, 1], c=lab, s=4, cmap="tab10", alpha=0.5, vmin=0, vmax=9)
        t = np.linspace(0, 2 * np.pi, 200)
        circle = np.stack([np.cos(t), np.sin(t)])
        for k in range(m.n_components):
            cov = m.covariances[k][:2, :2]
            vals, vecs = np.linalg.eigh(cov)
            for r in (1, 2):
                e = m.means[k, :2, None] + r * vecs @ (np.sqrt(vals)[:, None] * circle)
                ax.plot(e[0], e[1], color=f"C{k}", lw=1.5 if r == 1 else 0.8)
            ax.plot(*m.means[k, :2], "k+", ms=10)
        ax.plot([], [], "k+", label="component means; 1- and 2-SD ellipses")
        names = [s.strip() for s in xlabel.split(",")]
        ax.set_xlabel(names[0] if len(names) > 1 else f"{xlabel} 1")
        ax.set_ylabel(names[1] if len(names) > 1 else f"{xlabel} 2")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def _panels(params, draw, title: str):
    """One panel per parameter: draw(ax, p) fills it; a shared legend and title."""
    fig, axes = _grid(max(len(params), 1))
    for ax, p in zip(axes, params):
        draw(ax, p)
        ax.set_title(p, fontsize=9)
        ax.set_xlabel("n")
    if params:
        axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _single(draw, title: str, xlabel: str, ylabel: str, legend: bool = True):
    """One axes: draw(ax) fills it; labels, legend and title."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    draw(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def _measure(perf, measure):
    return perf[perf["measure"] == measure]


def rmse_figure(recovery, title: str = ""):
    """RMSE against n on log-log axes, one panel per parameter, with a 1/√n guide."""

    def draw(ax, p):
        d = recovery[recovery["parameter"] == p].sort_values("n")
        ax.loglog(d["n"], d["rmse"], "o-", label="RMSE")
        n0, r0 = d["n"].iloc[0], d["rmse"].iloc[0]
        ax.loglog(d["n"], r0 * np.sqrt(n0 / d["n"]), "k:", label="∝ 1/√n")

    return _panels(list(dict.fromkeys(recovery["parameter"])), draw, title)


def spread_figure(aligned, title: str = ""):
    """Box plots of the estimates at each n, with the true value marked."""

    def draw(ax, p):
        d = aligned[aligned["label"] == p]
        ns = sorted(d["n"].unique())
        ax.boxplot([d.loc[d["n"] == n, "estimate"].to_numpy() for n in ns],
                   tick_labels=[str(n) for n in ns], showfliers=True, flierprops={"ms": 2})
        ax.axhline(d["truth"].iloc[0], color="C3", lw=1.2, label="truth")
        ax.tick_params(axis="x", labelsize=7)

    return _panels(list(dict.fromkeys(aligned["label"])), draw, title)


def traces_figure(traces, title: str = ""):
    """Log-likelihood against iteration for every restart of one replicate."""

    def draw(ax):
        best = traces["loglik"].max()
        for r, d in traces.groupby("restart"):
            ax.plot(d["iteration"], d["loglik"], lw=1, label=f"restart {r}")
        span = best - traces["loglik"].min()
        ax.set_ylim(best - min(span, max(50.0, 1e-3 * abs(best))) * 1.05,
                    best + 0.02 * max(span, 1))

    return _single(draw, title, "iteration (EM step or SQUAREM cycle)", "log-likelihood",
                   legend=traces["restart"].nunique() <= 12)


def rmse_crlb_figure(performance, title: str = ""):
    """RMSE·√n against n with ±2 MCSE bars, and the Cramér–Rao SD·√n line."""
    rm = _measure(performance, "rmse")
    cr = _measure(performance, "crlb_sd")

    def draw(ax, p):
        d = rm[rm["parameter"] == p].sort_values("n")
        s = np.sqrt(d["n"])
        ax.errorbar(d["n"], d["estimate"] * s, yerr=2 * d["mcse"] * s, fmt="o-", capsize=2,
                    label="RMSE·√n ± 2 MCSE")
        c = cr[cr["parameter"] == p].sort_values("n")
        if len(c):
            ax.plot(c["n"], c["estimate"] * np.sqrt(c["n"]), "k--", label="CRLB SD·√n")
        ax.set_xscale("log")

    return _panels(list(dict.fromkeys(rm["parameter"])), draw, title)


def coverage_figure(performance, level: float = 0.95, title: str = ""):
    """Wald-interval coverage against n, with the nominal level, the band of
    ±2 MCSE around it for the number of replicates, and ±2 MCSE bars."""
    cv = _measure(performance, "coverage")

    def draw(ax, p):
        d = cv[cv["parameter"] == p].sort_values("n")
        band = 2 * np.sqrt(level * (1 - level) / d["n_sim"].clip(lower=1))
        ax.fill_between(d["n"], level - band, level + band, color="0.85",
                        label="nominal ± 2 MCSE")
        ax.axhline(level, color="k", lw=1)
        ax.errorbar(d["n"], d["estimate"], yerr=2 * d["mcse"], fmt="o-", capsize=2,
                    label="coverage ± 2 MCSE")
        ax.set_xscale("log")
        ax.set_ylim(max(0.0, min(0.5, d["estimate"].min() - 0.05)), 1.0)

    return _panels(list(dict.fromkeys(cv["parameter"])), draw, title)


def failures_figure(convergence, title: str = ""):
    """Share of fits that did not converge, were degenerate, or had no SEs, against n."""
    c = convergence.sort_values("n")
    kinds = [(col, label) for col, label in (
        ("n_nonconverged", "not converged"), ("n_degenerate", "degenerate"),
        ("n_se_failed", "SE failed"), ("n_spurious", "spurious maximum"),
        ("n_restarts_disagree", "restarts split spurious/regular"),
        ("n_missed_oracle", "missed oracle maximum")) if col in c]

    def draw(ax):
        top = 0.1
        for col, label in kinds:
            share = c[col] / c["n_fits"]
            ax.plot(c["n"], share, "o-", label=label)
            top = max(top, 1.1 * float(share.max()))
        ax.set_xscale("log")
        ax.set_xticks(c["n"].tolist(), [str(v) for v in c["n"]])
        ax.minorticks_off()
        ax.set_ylim(-0.02, top)

    return _single(draw, title, "n", "share of fits")


def model_choice_figure(model_choice, title: str = ""):
    """How often BIC and AIC choose the true K, against n, with ±2 MCSE bars."""

    def draw(ax):
        true = model_choice[model_choice["is_true_k"]]
        for crit, d in true.groupby("criterion"):
            d = d.sort_values("n")
            ax.errorbar(d["n"], d["share"], yerr=2 * d["mcse"], fmt="o-", capsize=2,
                        label=crit.upper())
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)

    return _single(draw, title, "n", "share choosing the true K")


def bic_figure(table, title: str = ""):
    """BIC and AIC against K, the chosen K marked."""

    def draw(ax):
        ax.plot(table["k"], table["bic"], "o-", label="BIC")
        ax.plot(table["k"], table["aic"], "s--", label="AIC")
        best = table.loc[table["bic"].idxmin()]
        ax.plot([best["k"]], [best["bic"]], "r*", ms=14, label=f"chosen K = {int(best['k'])}")
        ax.set_xticks(table["k"])

    return _single(draw, title, "K (components)", "criterion (smaller is better)")
