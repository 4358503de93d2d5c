"""Grid views: level labels, loop order, the grid summary table and every grid figure."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from gmmem import split_label

from gmm_recovery import grid_views as gv

MEASURES = ("bias", "empse", "rmse", "coverage")


def grid_table(factors: dict, methods=("mle", "pmle"), ns=(50, 200), seed=0):
    """A synthetic grid performance table: every condition × method × n × parameter × measure."""
    rng = np.random.default_rng(seed)
    rows = []
    names = list(factors)
    for combo in itertools.product(*(range(len(v)) for v in factors.values())):
        point = "g" + "".join(f"-{f}{i + 1}" for f, i in zip(names, combo))
        levels = {f"level_{f}": i + 1 for f, i in zip(names, combo)}
        values = {f"value_{f}": json.dumps(factors[f][i], separators=(",", ":"))
                  for f, i in zip(names, combo)}
        pairs = [(p, k) for k in (1, 2) for p in ("weight", "mean", "sd")]
        for m, n, (p, k), meas in itertools.product(methods, ns, pairs, MEASURES):
            est = rng.uniform(0.5, 1) if meas == "coverage" else rng.normal(0, 0.3)
            rows.append({"scenario": point, "method": m, "n": n, "parameter": p,
                         "component": k, "measure": meas, "estimate": est, "mcse": rng.uniform(0.01, 0.05),
                         "n_sim": 40, **levels, **values})
    return pd.DataFrame(rows)


def convergence_of(table):
    pts = table[["scenario", "method", "n"]].drop_duplicates()
    return pts.assign(n_nonconverged=1, n_degenerate=2, n_spurious=3, n_se_failed=4)


TWO = {"weights": [[0.1, 0.9], [0.3, 0.7], [0.5, 0.5]], "means": [[0, 1], [0, 2], [0, 4]]}
THREE = {**TWO, "sds": [[1, 1], [1, 2]]}


def test_default_labels_name_what_differs():
    t = grid_table(THREE)
    labels = gv.level_labels(t, list(THREE))
    assert labels["weights"] == {1: "π₁ = 0.1", 2: "π₁ = 0.3", 3: "π₁ = 0.5"}
    assert labels["means"] == {1: "Δμ = 1", 2: "Δμ = 2", 3: "Δμ = 4"}
    assert labels["sds"] == {1: "σ₂ = 1", 2: "σ₂ = 2"}


@pytest.mark.parametrize("factor, values, expected", [
    ("fit", [{"n_restarts": 1}, {"n_restarts": 10}], ["n_restarts = 1", "n_restarts = 10"]),
    ("sds", [[1, 1], [2, 4]], ["σ₂/σ₁ = 1", "σ₂/σ₁ = 2"]),
    ("means", [[0, 1, 5], [0, 2, 5]], ["μ₂ = 1", "μ₂ = 2"]),
    ("means", [[[0, 0], [3, 0]], [[0, 0], [5, 0]]], ["means[2] = 3", "means[2] = 5"]),
    ("replicates", [100, 200], ["replicates = 100", "replicates = 200"]),
    ("family", [[{"t": {"df": 5}}, "normal"], ["normal", {"skewnormal": {"alpha": 3}}]],
     ["t(5) / normal", "normal / SN(3)"]),
    ("contamination", [{"fraction": 0.02}, {"fraction": 0.05}], ["fraction = 0.02", "fraction = 0.05"]),
])
def test_default_label_forms(factor, values, expected):
    assert gv._default_labels(factor, values) == expected


def test_given_labels_win():
    t = grid_table(TWO)
    labels = gv.level_labels(t, list(TWO), {"means": ["close", "apart", "far"]})
    assert labels["means"] == {1: "close", 2: "apart", 3: "far"}
    assert labels["weights"][1] == "π₁ = 0.1"


def test_loop_order():
    assert gv.loop_order(["a", "b"]) == ["a", "b", "n"]
    assert gv.loop_order(["a", "b"], ["n", "b"]) == ["n", "b", "a"]
    with pytest.raises(ValueError, match="'c', which is not a factor"):
        gv.loop_order(["a", "b"], ["c"])


def test_grid_summary_numbers_are_the_performance_tables():
    t = grid_table(TWO)
    labels = gv.level_labels(t, list(TWO))
    s = gv.grid_summary(t, convergence_of(t), list(TWO), labels)
    # one row per parameter (the mirrored weight dropped) × condition × n
    assert len(s) == 5 * 9 * 2
    assert "weight[2]" not in set(s["parameter"])
    for _, row in s.sample(15, random_state=1).iterrows():
        lv = {f: next(k for k, v in labels[f].items() if v == row[f]) for f in TWO}
        for m in ("mle", "pmle"):
            p, k = split_label(row["parameter"])  # the summary's presentation label
            sel = t[(t["method"] == m) & (t["n"] == row["n"]) & (t["parameter"] == p)
                    & (t["component"] == k) & (t["level_weights"] == lv["weights"])
                    & (t["level_means"] == lv["means"])]
            got = {meas: sel[sel["measure"] == meas].iloc[0] for meas in MEASURES}
            bias, bias_se = (float(v) for v in row[f"{m}: bias"].split(" ± "))
            assert bias == pytest.approx(got["bias"]["estimate"], abs=0.51 * 10 ** -len(
                row[f"{m}: bias"].split(" ± ")[0].split(".")[-1]))
            assert float(row[f"{m}: rmse"]) == pytest.approx(got["rmse"]["estimate"], rel=5e-3)
            cov = float(row[f"{m}: coverage %"].split(" ± ")[0])
            assert cov == pytest.approx(100 * got["coverage"]["estimate"], abs=0.51)
            assert row[f"{m}: spurious"] == 3 and row[f"{m}: SE-less"] == 4
    md, page = gv.to_markdown(s, "grid g"), gv.to_html(s, "grid g")
    assert md.count("## ") == 5 and "| π₁ = 0.1 | Δμ = 1 | 50 |" in md
    assert "overflow-x:auto" in page and page.count("<table>") == 5


@pytest.mark.parametrize("factors", [TWO, THREE], ids=["2 factors", "3 factors"])
def test_every_grid_figure_renders(tmp_path, factors):
    import matplotlib.pyplot as plt

    t = grid_table(factors)
    names = list(factors)
    labels = gv.level_labels(t, names)
    draw = {f"nlp_{m}": (lambda m=m: gv.nested_loop_figure(t, m, names, labels))
            for m in ("bias", "coverage")}
    draw["nlp_order"] = lambda: gv.nested_loop_figure(t, "rmse", names, labels, order=["n"])
    draw["heat"] = lambda: gv.heatmap_figure(t, "coverage", names, labels)
    draw["heat_xy"] = lambda: gv.heatmap_figure(t, "bias", names, labels, x_factor=names[1],
                                                y_factor=names[0])
    draw["lolly"] = lambda: gv.lolly_figure(t, "bias", names, labels)
    for name, make in draw.items():
        fig = make()
        fig.savefig(tmp_path / f"{name}.png", dpi=60)
        plt.close(fig)
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
    # a nested loop plot has one panel per shown parameter plus the levels' panel
    fig = gv.nested_loop_figure(t, "bias", names, labels)
    assert len(fig.axes) == 5 + 1
    plt.close(fig)


def test_heatmap_axes():
    import matplotlib.pyplot as plt

    # one factor: the heat map is the factor against n
    t = grid_table({"weights": TWO["weights"]})
    fig = gv.heatmap_figure(t, "bias", ["weights"], gv.level_labels(t, ["weights"]))
    assert fig.axes[0].get_yticklabels()[0].get_text() == "n = 50"
    plt.close(fig)
    with pytest.raises(ValueError, match="both 'weights'"):
        gv.heatmap_figure(t, "bias", ["weights"], gv.level_labels(t, ["weights"]),
                          y_factor="weights")
    t = grid_table(TWO)
    with pytest.raises(ValueError, match="x_factor 'sds' is not a factor"):
        gv.heatmap_figure(t, "bias", list(TWO), gv.level_labels(t, list(TWO)), x_factor="sds")


def test_heatmap_scales_are_centred_on_the_target():
    import matplotlib.pyplot as plt

    t = grid_table(TWO)
    labels = gv.level_labels(t, list(TWO))
    # coverage: one linear scale for all parameters, symmetric about the nominal level,
    # so 0.97 is as pale as 0.93 (no stretch of 0.95..1 over half the colours)
    fig = gv.heatmap_figure(t, "coverage", list(TWO), labels, level=0.95)
    images = [im for ax in fig.axes for im in ax.get_images()]
    norms = {(im.norm.vmin, im.norm.vmax) for im in images}
    assert len(norms) == 1
    (lo, hi), = norms
    assert hi - 0.95 == pytest.approx(0.95 - lo)
    assert images[0].norm(0.97) - 0.5 == pytest.approx(0.5 - images[0].norm(0.93))
    plt.close(fig)
    # bias: a scale per parameter (units differ), each symmetric about 0
    fig = gv.heatmap_figure(t, "bias", list(TWO), labels)
    by_row = {}
    for ax in fig.axes:
        for im in ax.get_images():
            by_row.setdefault(ax.get_subplotspec().rowspan.start, set()).add(
                (im.norm.vmin, im.norm.vmax))
    assert all(len(v) == 1 for v in by_row.values())
    assert len({next(iter(v)) for v in by_row.values()}) == len(by_row) > 1
    assert all(vmin == pytest.approx(-vmax) for v in by_row.values() for vmin, vmax in v)
    plt.close(fig)


def test_lolly_coverage_bars_stay_within_0_and_1():
    import matplotlib.pyplot as plt

    t = grid_table(TWO)
    t.loc[t["measure"] == "coverage", "estimate"] = 0.99
    t.loc[t["measure"] == "coverage", "mcse"] = 0.05
    fig = gv.lolly_figure(t, "coverage", list(TWO), gv.level_labels(t, list(TWO)))
    from matplotlib.collections import LineCollection

    ends = np.concatenate([np.asarray(seg)[:, 0] for ax in fig.axes for c in ax.collections
                           if isinstance(c, LineCollection) for seg in c.get_segments()])
    assert ends.max() <= 1.0 + 1e-12
    plt.close(fig)


def test_grid_summary_puts_methods_side_by_side_within_a_measure():
    t = grid_table(TWO)
    s = gv.grid_summary(t, convergence_of(t), list(TWO), gv.level_labels(t, list(TWO)))
    cols = [c for c in s.columns if ": " in c]
    assert cols[:4] == ["mle: bias", "pmle: bias", "mle: empse", "pmle: empse"]
    assert cols[-2:] == ["mle: SE-less", "pmle: SE-less"]
    import html

    assert html.escape(gv.GRID_NOTE) in gv.to_html(s, "g")
    assert gv.GRID_NOTE in gv.to_markdown(s, "g")
