"""Every study figure renders for a 1-D, a 2-D and a grid study, from the
tables the workflow's evaluate rule makes (small studies fitted here)."""

import re

import numpy as np
import pandas as pd
import pytest

from gmm_recovery import figures as plotting
from gmm_recovery.config import check_config, study_schema
from gmm_recovery.evaluation import evaluate_study
from gmm_recovery.replicates import fit_replicates
from gmm_recovery.design import parse_scenarios
from gmm_recovery.seeds import seed_for
from gmm_recovery.summary import grid_table
from gmm_recovery.tables import by_label
from workflow_helpers import REPO

SCHEMA = study_schema(REPO / "workflow/schemas/config.schema.yaml")
CONFIG = {
    "sample_sizes": [40, 90], "replicates": 4, "fit": {"n_restarts": 2},
    "methods": {"two": {}, "three": {"n_restarts": 3}},
    "scenarios": {
        "one_d": {"weights": [0.4, 0.6], "means": [0.0, 4.0], "sds": [1.0, 1.5],
                  "select_k": [1, 2]},
        "two_d": {"weights": [0.5, 0.5], "means": [[0, 0], [4, 4]],
                  "covariances": [[[1, 0.3], [0.3, 1]], [[1, 0], [0, 2]]],
                  "methods": ["two"]},
        "three": {"weights": [0.3, 0.3, 0.4], "means": [-4.0, 0.0, 4.0], "sds": [1.0, 1.0, 1.0],
                  "methods": ["two"], "sample_sizes": [90]},
    },
}


def _study(sc):
    """The evaluate rule's tables and the first replicates' traces of one scenario."""
    parts, diagnostics, traces = [], [], []
    for n in sc.sample_sizes:
        xs = [sc.truth.sample(n, np.random.default_rng(seed_for(1, sc.name, "simulate", n, r)))[0]
              for r in range(sc.replicates)]
        for name, settings in sc.methods.items():
            seeds = [seed_for(1, f"{sc.name}/{name}", "fit", n, r) for r in range(sc.replicates)]
            rows, diag, tr = fit_replicates(xs, settings, seeds, select_k=sc.select_k, traces=2)
            parts += [r.assign(method=name, n=n, replicate=i) for i, r in enumerate(rows)]
            diagnostics += [d.assign(method=name, n=n, replicate=i) for i, d in enumerate(diag)]
            traces += [t.assign(replicate=i) for i, t in enumerate(tr) if t is not None]
    fits = pd.concat(parts, ignore_index=True)
    tables = evaluate_study(fits, pd.concat(diagnostics, ignore_index=True), sc.truth,
                            sc.methods, sc.select_k)
    return tables, pd.concat(traces, ignore_index=True)


@pytest.fixture(scope="module")
def studies():
    check_config(CONFIG, SCHEMA, "test")
    return {name: (sc, *_study(sc)) for name, sc in parse_scenarios(CONFIG).items()}


def _rendered(fig):
    """The figure drawn to pixels: something is on it, and it is closed."""
    import matplotlib.pyplot as plt

    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    plt.close(fig)
    return pixels.shape[0] > 100 and pixels.std() > 0


def _legend_outside(fig):
    """No legend box overlaps the data area of any axes."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_visible() and box.overlaps(ax.get_window_extent(renderer)):
                return False
    return True


def _figure_makers(studies, name):
    """The scenario's figures of one test study, each as a function drawing it
    (so that a test can draw them all at once or one at a time)."""
    sc, tables, traces = studies[name]
    perf, aligned = tables["performance"], tables["aligned"]
    truths = by_label(tables["recovery"], "truth")
    figures = {
        "bias": lambda: plotting.bias_figure(perf, name, truths),
        "rmse": lambda: plotting.rmse_figure(perf, name, truths),
        "rmse_crlb": lambda: plotting.rmse_crlb_figure(perf, name, truths),
        "coverage": lambda: plotting.coverage_figure(perf, 0.95, name, truths),
        "spread": lambda: plotting.spread_figure(aligned, name, truths),
        "zip": lambda: plotting.zip_figure(aligned, min(sc.sample_sizes), 0.95, name),
        "failures": lambda: plotting.failures_figure(tables["convergence"], name),
        "traces": lambda: plotting.traces_figure(traces, name),
    }
    if len(sc.methods) > 1:
        figures["comparison"] = lambda: plotting.comparison_figure(
            tables["comparison"], name, truths)
    if sc.select_k:
        figures["model_choice"] = lambda: plotting.model_choice_figure(
            tables["model_choice"], name)
    return figures


@pytest.mark.parametrize("name", ["one_d", "two_d", "three"])
def test_every_study_figure_renders(studies, name):
    sc = studies[name][0]
    figures = {key: make() for key, make in _figure_makers(studies, name).items()}
    for key in ("bias", "rmse", "coverage", "spread") + (("comparison",) if len(sc.methods) > 1
                                                        else ()):
        assert _legend_outside(figures[key]), key
    for key, fig in figures.items():
        assert _rendered(fig), key


def test_panels_follow_reading_order_with_one_weight_for_two_components(studies):
    _, tables, _ = studies["one_d"]
    truths = by_label(tables["recovery"], "truth")
    fig = plotting.bias_figure(tables["performance"], "one_d", truths)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["weight[1], true 0.4", "mean[1], true 0", "sd[1], true 1",
                      "mean[2], true 4", "sd[2], true 1.5"]
    fig = plotting.comparison_figure(tables["comparison"], "one_d", truths)
    assert "weight[2]" not in " ".join(ax.get_title() for ax in fig.axes)
    assert fig.axes[0].get_title() == "weight[1], true 0.4"
    _, tables3, _ = studies["three"]
    fig = plotting.bias_figure(tables3["performance"], "three")
    assert sum(ax.get_title().startswith("weight[") for ax in fig.axes) == 3


def test_log_n_axes_tick_the_study_sizes(studies):
    _, tables, _ = studies["one_d"]
    for fig in (plotting.rmse_figure(tables["performance"]),
                plotting.coverage_figure(tables["performance"]),
                plotting.rmse_crlb_figure(tables["performance"]),
                plotting.comparison_figure(tables["comparison"]),
                plotting.model_choice_figure(tables["model_choice"])):
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["40", "90"]
        assert not len(ax.xaxis.get_minorticklocs())


def test_bias_lolly_shows_every_method_and_n_with_its_mcse(studies):
    _, tables, _ = studies["one_d"]
    perf = tables["performance"]
    fig = plotting.bias_figure(perf, "one_d")
    ax = fig.axes[0]  # weight[1]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["n = 40", "n = 90"]
    # One error bar per (method, n) (a container per method), centred on the
    # bias, ± 1.96 MCSE wide.
    bars = [c for c in ax.containers]
    assert len(bars) == 2
    want = perf[(perf["measure"] == "bias") & (perf["parameter"] == "weight")
                & (perf["component"] == 1)]
    got = sorted(float(x) for b in bars for x in b.lines[0].get_xdata())
    assert got == pytest.approx(sorted(want["estimate"]))
    half = sorted(float(np.diff(seg[:, 0])[0]) / 2 for b in bars
                  for seg in b.lines[2][0].get_segments())
    assert half == pytest.approx(sorted(1.96 * want["mcse"]))


def test_zip_plot_shares_a_parameter_axis_and_marks_clipped_intervals(studies):
    _, tables, _ = studies["one_d"]
    aligned = tables["aligned"].copy()
    n = 40
    # One wild interval for the first method: the axis stays at truth ± 6 empirical SEs.
    mean_1 = (aligned["parameter"] == "mean") & (aligned["component"] == 1)
    i = aligned.index[(aligned["n"] == n) & mean_1 & (aligned["method"] == "two")][0]
    aligned.loc[i, ["lo", "hi"]] = [-300.0, 300.0]
    fig = plotting.zip_figure(aligned, n, 0.95, "one_d", clip=6.0)
    panels = {ax.get_title().split("\n")[0] + ax.get_title().split("\n")[1].split(":")[0]: ax
              for ax in fig.axes if ax.get_title()}
    a, b = panels["mean[1], true 0two"], panels["mean[1], true 0three"]
    assert a.get_xlim() == b.get_xlim()
    d = aligned[(aligned["n"] == n) & mean_1]
    empse = np.median([np.std(g["estimate"], ddof=1) for _, g in d.groupby("method")])
    assert a.get_xlim()[1] < 0 + 6.5 * empse and a.get_xlim()[0] > -6.5 * empse
    markers = [line for line in a.get_lines() if line.get_marker() in ("<", ">")]
    assert len(markers) == 2  # both ends of the one wild interval
    cut = re.search(r"(\d+) interval\(s\) cut there", fig.get_supxlabel())
    assert cut and int(cut.group(1)) >= 1


def test_grid_figures_render_for_every_measure(studies):
    from gmm_recovery import grid_views

    sc, tables, _ = studies["one_d"]
    perf2 = tables["performance"].assign(estimate=tables["performance"]["estimate"] * 0.9)
    rows = [("g", "g-means1", "means", 1, "[0,4]"), ("g", "g-means2", "means", 2, "[0,2]")]
    table = grid_views.generating(grid_table({"g-means1": tables["performance"],
                                              "g-means2": perf2}, rows))
    labels = grid_views.level_labels(table, ["means"])
    assert labels["means"] == {1: "Δμ = 4", 2: "Δμ = 2"}
    for measure in ("bias", "rmse", "coverage"):
        for fig in (grid_views.nested_loop_figure(table, measure, ["means"], labels),
                    grid_views.heatmap_figure(table, measure, ["means"], labels)):
            assert _rendered(fig)


def _perf_rows(methods, measures, ns=(100, 400), params=(("weight", 1), ("mean", 1))):
    rows = [{"method": m, "n": n, "parameter": p, "component": k, "measure": ms, "estimate": est,
             "mcse": 0.02, "n_sim": 100}
            for m in methods for n in ns for p, k in params for ms, est in measures.items()]
    return pd.DataFrame(rows)


def test_coverage_figure_draws_sandwich_coverage_and_one_y_range():
    perf = _perf_rows(["mle", "sw"], {"coverage": 0.9})
    sw = perf[perf["method"] == "sw"].assign(measure="coverage_sw", estimate=0.6)
    fig = plotting.coverage_figure(pd.concat([perf, sw], ignore_index=True), 0.95)
    labels = {t.get_text() for leg in fig.legends for t in leg.get_texts()}
    assert "sandwich coverage ± 2 MCSE (sw)" in labels
    assert "Wald coverage ± 2 MCSE (mle)" in labels
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len({ax.get_ylim() for ax in panels}) == 1
    assert panels[0].get_ylim()[0] <= 0.6 - 0.04


def test_comparison_of_methods_that_agree_has_no_noise_axis():
    # two methods with the same fits (e.g. wald vs wald + sandwich): differences of
    # ~1e-7 with MCSEs of ~1e-6 must not get an axis of ±1e-6
    rows = pd.DataFrame([{"n": n, "parameter": p, "component": 1, "method_a": "a",
                          "method_b": "b", "n_sim": 20, "relprec": 0.0, "relprec_mcse": 1e-6,
                          "rmse_a": 0.2, "rmse_b": 0.2, "rmse_diff": 1e-18,
                          "rmse_diff_mcse": 2e-18}
                         for n in (100, 400) for p in ("weight", "mean")])
    fig = plotting.comparison_figure(rows)
    lows = [ax.get_ylim()[0] for ax in fig.axes]
    assert min(abs(v) for v in lows[:2]) >= 1.0          # ±1 % precision at least
    assert min(abs(v) for v in lows[2:]) >= 0.01 * 0.2   # ±1 % of the RMSE at least


def test_model_choice_criteria_have_distinct_styles():
    rows = pd.DataFrame([{"method": "m", "n": n, "criterion": c, "k": 2, "share": 0.5,
                          "mcse": 0.05, "is_true_k": True, "n_fits": 100}
                         for n in (100, 400) for c in ("bic", "aic", "icl")])
    fig = plotting.model_choice_figure(rows)
    lines = [c.lines[0] for c in fig.axes[0].containers if c.get_label() in ("BIC", "AIC", "ICL")]
    assert len(lines) == 3
    assert len({(ln.get_marker(), ln.get_linestyle()) for ln in lines}) == 3


def test_criteria_figure_of_one_fixed_k_says_nothing_was_chosen():
    table = pd.DataFrame({"k": [2], "loglik": [-10.0], "n_params": [5], "bic": [31.5],
                          "aic": [30.0], "converged": [True], "degenerate": [False],
                          "chosen": [True]})
    fig = plotting.bic_figure(table, "d")
    assert "K = 2 was fixed" in fig.axes[0].texts[0].get_text()


def test_failures_figure_names_the_kinds_that_never_happened():
    conv = pd.DataFrame({"method": "m", "n": [100, 400], "n_fits": 100, "n_nonconverged": 0,
                         "n_degenerate": [2, 0], "n_se_failed": [2, 0], "n_spurious": [5, 1]})
    fig = plotting.failures_figure(conv, "t")
    ax = fig.axes[0]
    drawn = [ln.get_label() for ln in ax.get_lines() if len(ln.get_xdata())]
    assert drawn == ["degenerate", "SE failed", "spurious maximum"]
    assert "never: not converged" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_traces_of_many_runs_explain_the_markers_and_do_not_repeat_colours():
    rows = [{"replicate": 0, "restart": r, "iteration": i, "loglik": -100.0 - 10 / i - r / 100}
            for r in range(1, 17) for i in range(1, 6)]
    fig = plotting.traces_figure(pd.DataFrame(rows), "t")
    labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "stop at the best maximum" in labels and "16 runs, one colour each" in labels
    from matplotlib.colors import to_rgba

    colours = {to_rgba(ln.get_color()) for ln in fig.axes[0].get_lines()
               if len(ln.get_xdata()) > 1}
    assert len(colours) == 16


def test_bias_figure_marks_the_pseudo_true_offset_of_a_misspecified_truth():
    perf = _perf_rows(["m"], {"bias": 0.05}, params=(("weight", 1),))
    fig = plotting.bias_figure(perf, "t", {"weight[1]": 0.25}, pseudo={"weight[1]": 0.10})
    ax = fig.axes[0]
    dashed = [ln for ln in ax.get_lines() if ln.get_label() == "pseudo-true − generating"]
    assert len(dashed) == 1 and dashed[0].get_xdata()[0] == pytest.approx(-0.15)
    assert ax.get_xlim()[0] <= -0.15


def _laid_out(fig):
    """The figure as saved: every text and legend inside the figure, the
    suptitle, supxlabel and figure legends clear of every panel (its ticks,
    labels and title), and no two panels' decorations overlapping; closes it."""
    import matplotlib.pyplot as plt

    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    page = fig.bbox.padded(1)  # a pixel of rounding
    panels = [ax.get_tightbbox(r) for ax in fig.axes if ax.get_visible() and ax.axison]
    outer = [t.get_window_extent(r) for t in (getattr(fig, "_suptitle", None),
                                              getattr(fig, "_supxlabel", None))
             if t is not None and t.get_text()]
    outer += [leg.get_window_extent(r) for leg in fig.legends]
    problems = [f"outside the figure: {b}" for b in panels + outer
                if not (page.x0 <= b.x0 and b.x1 <= page.x1 and page.y0 <= b.y0 and b.y1 <= page.y1)]
    problems += [f"{o} overlaps a panel {p}" for o in outer for p in panels if o.overlaps(p)]
    problems += [f"panels overlap: {a} {b}" for i, a in enumerate(panels) for b in panels[i + 1:]
                 if a.overlaps(b)]
    plt.close(fig)
    return problems


@pytest.mark.parametrize("name", ["one_d", "two_d", "three"])
def test_figures_have_no_overlapping_or_cut_text(studies, name):
    from gmm_recovery import grid_views

    tables = studies[name][1]
    perf = tables["performance"]
    figures = _figure_makers(studies, name)  # drawn one at a time
    if name == "one_d":  # the grid's figures, of a two-level grid of this study
        perf2 = perf.assign(estimate=perf["estimate"] * 0.9)
        rows = [("g", "g-means1", "means", 1, "[0,4]"), ("g", "g-means2", "means", 2, "[0,2]")]
        table = grid_views.generating(grid_table({"g-means1": perf, "g-means2": perf2}, rows))
        labels = grid_views.level_labels(table, ["means"])
        for measure in ("bias", "coverage"):
            figures[f"heatmap_{measure}"] = lambda m=measure: grid_views.heatmap_figure(
                table, m, ["means"], labels, title=f"grid g: {m}")
            figures[f"lolly_{measure}"] = lambda m=measure: grid_views.lolly_figure(
                table, m, ["means"], labels, title=f"grid g: {m}")
    for key, make in figures.items():
        assert _laid_out(make()) == [], key


def test_spread_boxes_are_matplotlibs_box_plots():
    """_boxes draws, per sample, the box, median, whiskers and outliers that
    ax.boxplot draws (quartiles, whiskers to the furthest point within
    1.5 IQR, the points beyond)."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(3)
    samples = [rng.standard_t(3, size=80), rng.normal(size=25) * 4 + 1]
    fig, (a, b) = plt.subplots(1, 2)
    ref = a.boxplot(samples, positions=[0, 1], widths=0.5)
    plotting._boxes(b, samples, [0, 1], 0.5, "C0", label="m")
    segs = b.collections[0].get_segments()
    for i, x in enumerate(samples):
        box, med, w_lo, w_hi = segs[6 * i: 6 * i + 4]
        q1, q3 = np.percentile(x, [25, 75])
        assert box[:, 1].min() == pytest.approx(q1) and box[:, 1].max() == pytest.approx(q3)
        assert med[0, 1] == pytest.approx(np.median(x))
        inside = x[(x >= q1 - 1.5 * (q3 - q1)) & (x <= q3 + 1.5 * (q3 - q1))]
        assert w_lo[1, 1] == pytest.approx(inside.min())
        assert w_hi[1, 1] == pytest.approx(inside.max())
        assert np.allclose(sorted(ref["whiskers"][2 * i].get_ydata()), sorted(w_lo[:, 1]))
    fliers = np.sort(b.lines[0].get_ydata())
    want = np.sort(np.concatenate([f.get_ydata() for f in ref["fliers"]]))
    assert np.allclose(fliers, want)
    assert [h.get_label() for h in b.get_legend_handles_labels()[0]] == ["m"]
    plt.close(fig)
