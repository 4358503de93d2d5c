"""The summary table (Table 2) shows performance.csv's numbers, rounded by their MCSE,
as HTML, Markdown, CSV and LaTeX."""

import csv
import io
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import browser
from gmm_recovery.measures import performance
from gmm_recovery.summary import (dataset_warnings, decimals, scenario_notes, summary_table, to_csv, to_html, to_latex, to_markdown)
from gmm_recovery.tables import parameter_symbol
from gmmem import split_label


@pytest.mark.parametrize("mcse,k", [(0.0123, 3), (0.15, 2), (1.5, 1), (35.0, 0), (2e-9, 6)])
def test_decimals_follow_the_mcse(mcse, k):
    assert decimals(mcse) == k


def _tables(K=2, methods=("m",), ns=(100,), target=False):
    """performance.csv and recovery.csv of a small synthetic study: K
    components, estimates drawn around the truth, several methods and n."""
    rng = np.random.default_rng(0)
    truth = {("weight", k + 1): 1 / K for k in range(K)}
    truth |= {("mean", k + 1): 2.0 * k for k in range(K)}
    truth |= {("sd", k + 1): 1.0 + 0.1 * k for k in range(K)}
    params = list(truth)
    keys = {"parameter": [p for p, _ in params], "component": [k for _, k in params]}
    perfs, recs = [], []
    for m in methods:
        for n in ns:
            est = np.column_stack([rng.normal(t, 0.3 / np.sqrt(n / 100), 60)
                                   for t in truth.values()])
            se = np.full((60, len(params)), 0.3 / np.sqrt(n / 100))
            cis = np.stack([est - 1.96 * se, est + 1.96 * se], axis=-1)
            perf = performance(est, list(truth.values()), se, cis, keys=keys).assign(
                method=m, n=n)
            rec = pd.DataFrame({"method": m, "n": n, **keys, "truth": list(truth.values())})
            if target:
                shifted = performance(est, [t + 0.05 for t in truth.values()], se, cis,
                                      keys=keys)
                perf = pd.concat([perf.assign(target="generating"),
                                  shifted.assign(method=m, n=n, target="pseudo_true")])
                rec = pd.concat([rec.assign(target="generating"),
                                 rec.assign(truth=rec["truth"] + 0.05, target="pseudo_true")])
            perfs.append(perf)
            recs.append(rec)
    return pd.concat(perfs, ignore_index=True), pd.concat(recs, ignore_index=True)


def _number(cell: str):
    """(value, mcse or None) of a formatted cell."""
    value, _, mcse = cell.partition(" ± ")
    return float(value), (float(mcse) if mcse else None)


def test_table_cells_are_performance_numbers_rounded_by_their_mcse():
    perf, rec = _tables(methods=("a", "b"), ns=(100, 400))
    table = summary_table(perf, rec)
    measures = {"bias ± MCSE": ("bias", 1), "empirical SE": ("empse", 1), "RMSE": ("rmse", 1),
                "coverage % ± MCSE": ("coverage", 100), "CI width": ("width", 1)}
    assert list(dict.fromkeys(table.columns.get_level_values("measure"))) == list(measures)
    assert list(dict.fromkeys(table.columns.get_level_values("method"))) == ["a", "b"]
    tidy = perf.set_index(["parameter", "component", "n", "method", "measure"])
    checked = 0
    for (label, truth, n), row in table.iterrows():
        p, c = split_label(label)
        assert float(truth) == rec.set_index(["parameter", "component"])["truth"][(p, c)].iloc[0]
        for (heading, method), cell in row.items():
            measure, scale = measures[heading]
            est, se = scale * tidy.loc[(p, c, n, method, measure), ["estimate", "mcse"]]
            value, mcse = _number(cell)
            k = decimals(se)
            assert value == pytest.approx(est, abs=0.51 * 10**-k)  # rounded, not changed
            if measure in ("bias", "coverage"):
                assert mcse == pytest.approx(se, abs=0.51 * 10**-k)
            checked += 1
    assert checked == 5 * 2 * 2 * len(table) // 2


def test_rows_are_parameters_in_reading_order_then_n_without_the_mirrored_weight():
    perf, rec = _tables(K=2, ns=(400, 100))
    table = summary_table(perf, rec)
    keys = [(p, n) for p, _, n in table.index]
    assert keys == [(p, n) for p in ["weight[1]", "mean[1]", "sd[1]", "mean[2]", "sd[2]"]
                    for n in (100, 400)]
    perf3, rec3 = _tables(K=3)
    params = list(dict.fromkeys(p for p, _, _ in summary_table(perf3, rec3).index))
    assert params[:4] == ["weight[1]", "mean[1]", "sd[1]", "weight[2]"]
    assert "weight[3]" in params


def test_pseudo_true_rows_form_a_second_block():
    perf, rec = _tables(methods=("a", "b"), target=True)
    # By default the generating values only, as without a target column.
    plain = _tables(methods=("a", "b"))
    assert summary_table(perf, rec).equals(summary_table(*plain))
    table = summary_table(perf, rec, targets=("generating", "pseudo_true"))
    assert table.index.names == ["target", "parameter", "truth", "n"]
    blocks = list(dict.fromkeys(table.index.get_level_values("target")))
    assert blocks == ["generating", "pseudo_true"]
    gen = table.xs("generating", level="target")
    pseudo = table.xs("pseudo_true", level="target")
    assert list(gen.index.get_level_values("truth")) == ["0.5", "0", "1", "2", "1.1"]
    assert list(pseudo.index.get_level_values("truth")) == ["0.55", "0.05", "1.05", "2.05",
                                                            "1.15"]
    md = to_markdown(table, "t")
    assert md.count("| parameter | n |") == 2 and "### Performance against the pseudo-true" in md
    page = to_html(table, "t")
    assert page.count("<table") == 2 and "pseudo-true" in page
    assert to_latex(table, "t").count("Performance against") == 2


def test_markdown_html_and_csv_show_the_same_cells():
    perf, rec = _tables(methods=("a", "b"))
    table = summary_table(perf, rec)
    cell = table.iloc[0][("bias ± MCSE", "b")]
    md = to_markdown(table, "title", ["a note"])
    assert md.startswith("## title") and "- a note" in md
    assert "| parameter | n | bias ± MCSE: a | bias ± MCSE: b |" in md
    assert "| **weight[1]** (π₁, true 0.5) | 100 |" in md and cell in md
    page = to_html(table, "title", ["a note"])
    # Scrolls sideways inside its box rather than being cut off at the window's edge.
    assert '<div class="scroll"><table class="t2">' in page and "overflow-x:auto" in page
    assert '<th class="m" colspan="2">coverage % ± MCSE</th>' in page
    assert "<li>a note</li>" in page
    assert f"<td class=\"s\">{cell}</td>" in page or f"<td class=\"\">{cell}</td>" in page
    rows = list(csv.reader(io.StringIO(to_csv(table))))
    assert rows[0][:4] == ["parameter", "truth", "n", "bias ± MCSE: a"]
    assert rows[1][:3] == ["weight[1]", "0.5", "100"] and rows[1][4] == cell
    assert len(rows) == 1 + len(table)
    one = summary_table(*_tables(methods=("only",)))
    assert list(csv.reader(io.StringIO(to_csv(one))))[0][3] == "bias ± MCSE"


def test_latex_table_uses_booktabs_and_math_signs():
    perf, rec = _tables(methods=("a", "b_2"))
    tex = to_latex(summary_table(perf, rec), "π = 0.5/0.5, 95 % & more",
                   ["5 % of fits—spurious"])
    for piece in ("\\toprule", "\\midrule", "\\bottomrule", "\\cmidrule(lr){2-3}",
                  "\\multicolumn{2}{c}{bias $\\pm$ MCSE}", "b\\_2", "$\\pi_{1}$ (true $0.5$)",
                  "$\\pi$ = 0.5/0.5, 95 \\% \\& more"):
        assert piece in tex, piece
    assert "±" not in tex and "π" not in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (e.g. apt-get install texlive-latex-base "
                           "texlive-latex-recommended)")
@pytest.mark.parametrize("kind", ["one method", "two methods", "pseudo-true block"])
def test_latex_table_compiles(tmp_path, kind):
    args = {"one method": {}, "two methods": {"methods": ("a", "b")},
            "pseudo-true block": {"methods": ("a", "b"), "target": True, "K": 3}}[kind]
    tex = to_latex(summary_table(*_tables(**args), targets=("generating", "pseudo_true")),
                   "heights: π = 0.25/0.75",
                   scenario_notes(pd.DataFrame({"n": [100], "n_fits": [60]}), True, 0.95))
    (tmp_path / "summary.tex").write_text(tex)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n"
        "\\usepackage{booktabs,graphicx}\n\\begin{document}\n\\input{summary.tex}\n"
        "\\end{document}\n")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_parameter_symbols():
    pairs = (("weight", 1), ("mean", 2), ("sd_2", 1), ("cov_1_2", 3))
    assert [parameter_symbol(p, k) for p, k in pairs] == ["π₁", "μ₂", "σ₁,₂", "Σ₃,₁₂"]
    assert parameter_symbol("mean_1", 2, "latex") == "$\\mu_{2,1}$"
    with pytest.raises(ValueError, match="style must be 'text' or 'latex', got 'html'"):
        parameter_symbol("mean", 1, "html")
    with pytest.raises(ValueError, match="parameter 'other' is not a parameter"):
        parameter_symbol("other", 1)


def test_dataset_warnings_collect_the_log_and_a_lone_best_start():
    log = ("2026-01-01 00:00:00,000 INFO dataset d: K = 2\n"
           "2026-01-01 00:00:00,001 WARNING dataset d: the reported maximum is spurious: x\n")
    fit = pd.DataFrame({"n_best": [1, 1], "loglik": [-10.0, -10.0]})
    got = dataset_warnings("d", log, fit, n_restarts=4)
    assert got[0] == "dataset d: the reported maximum is spurious: x"
    assert got[1].startswith("dataset d: only 1 of 4 starts reached the best maximum "
                             "(log-likelihood -10.00)")
    assert dataset_warnings("d", "", fit.assign(n_best=2), n_restarts=4) == []
    assert dataset_warnings("d", "", fit, n_restarts=1) == []  # one start: nothing to compare
    assert dataset_warnings("d", "", fit, n_restarts=4, has_start=True) == []
    assert dataset_warnings("d", "", None, n_restarts=4) == []


def test_notes_name_every_kind_of_failure_that_happened_and_only_those():
    conv = pd.DataFrame({"method": "m", "n": [100, 200], "n_fits": [50, 50],
                         "n_nonconverged": [0, 0], "n_degenerate": [2, 0], "n_se_failed": [0, 0],
                         "n_spurious": [3, 1]})
    notes = scenario_notes(conv, True, 0.9)
    assert any("2 of 100 fits were degenerate (2 at n = 100)" in n for n in notes)
    assert any("4 of 100 fits reached a spurious maximum (3 at n = 100, 1 at n = 200)" in n
               for n in notes)
    assert not any("converge" in n for n in notes)
    assert any("no Cramér–Rao bound" in n for n in notes)


def test_zip_plot_of_a_size_without_intervals_says_so():
    from gmm_recovery.figures import zip_figure

    aligned = pd.DataFrame({"method": "m", "n": 10, "replicate": [0, 1], "parameter": "mean",
                            "component": 1, "estimate": [0.1, 0.2], "se": np.nan, "lo": np.nan, "hi": np.nan,
                            "truth": 0.0})
    fig = zip_figure(aligned, 10)
    assert "No Wald intervals at n = 10" in fig.axes[0].texts[0].get_text()


def test_bootstrap_coverage_columns_hold_only_the_methods_that_have_them():
    perf, rec = _tables(methods=("wald", "boot"))
    extra = perf[(perf["method"] == "boot") & (perf["measure"] == "coverage")]
    perf = pd.concat([perf, extra.assign(measure="coverage_pct"),
                      extra.assign(measure="coverage_bca")], ignore_index=True)
    table = summary_table(perf, rec)
    groups = {}
    for heading, method in table.columns:
        groups.setdefault(heading, []).append(method)
    assert groups["coverage % ± MCSE"] == ["wald", "boot"]
    assert groups["percentile cov. % ± MCSE"] == ["boot"] == groups["BCa cov. % ± MCSE"]
    assert (table[("BCa cov. % ± MCSE", "boot")] == table[("coverage % ± MCSE", "boot")]).all()
    page = to_html(table, "t")
    assert '<th class="m" colspan="1">BCa cov. % ± MCSE</th>' in page
    tex = to_latex(table, "t")
    assert "\\cmidrule(lr){10-11} \\cmidrule(lr){12-12} \\cmidrule(lr){13-13}" in tex


@pytest.mark.skipif(browser.CHROMIUM is None,
                    reason="Chromium is not installed (e.g. apt-get install chromium)")
def test_html_table_fits_or_scrolls_at_1400_px(tmp_path):
    probe = """(() => {
        const box = document.querySelector("div.scroll"), t = box.querySelector("table");
        const last = t.querySelector("thead tr:last-child th:last-child").getBoundingClientRect();
        return {boxRight: box.getBoundingClientRect().right, tableWidth: t.scrollWidth,
                boxWidth: box.clientWidth, scrollable: box.scrollWidth > box.clientWidth,
                overflow: getComputedStyle(box).overflowX, lastRight: last.right,
                windowWidth: window.innerWidth};
    })()"""
    notes = ["Intervals at the 95 % level."]
    two = tmp_path / "two.html"
    two.write_text(to_html(summary_table(*_tables(methods=("a", "b"))), "two methods", notes))
    got = browser.layout(two, probe)
    # Two methods fit: the last column ends inside the window, nothing to scroll.
    assert got["lastRight"] <= got["windowWidth"] and not got["scrollable"]
    five = tmp_path / "five.html"
    methods = ("restarts_1", "restarts_4", "restarts_10", "random_init", "another_method")
    five.write_text(to_html(summary_table(*_tables(methods=methods, ns=(100, 1000))), "five",
                            notes))
    got = browser.layout(five, probe)
    # Five methods are wider than the window: the table's box stays inside the
    # window and scrolls sideways to every column, rather than cutting them off.
    assert got["boxRight"] <= got["windowWidth"] and got["overflow"] == "auto"
    assert got["scrollable"] and got["tableWidth"] > got["boxWidth"]


def test_sandwich_coverage_is_a_column_of_the_methods_that_computed_it():
    # intervals: [wald, sandwich] writes coverage_sw; Table 2 shows it beside Wald's.
    perf, rec = _tables(methods=("wald", "sw"))
    extra = perf[(perf["method"] == "sw") & (perf["measure"] == "coverage")]
    sw = extra.assign(measure="coverage_sw", estimate=extra["estimate"] - 0.01)
    perf = pd.concat([perf, sw], ignore_index=True)
    table = summary_table(perf, rec)
    groups = {}
    for heading, method in table.columns:
        groups.setdefault(heading, []).append(method)
    assert groups["sandwich cov. % ± MCSE"] == ["sw"]
    assert (table[("sandwich cov. % ± MCSE", "sw")]
            != table[("coverage % ± MCSE", "sw")]).all()


def test_a_value_that_rounds_to_zero_has_no_minus_sign():
    from gmm_recovery.summary import _cell

    assert _cell(-0.0002, 0.02, True) == "0.000 ± 0.020"
    assert _cell(-0.02, 0.02, True) == "-0.020 ± 0.020"
    assert _cell(1.0 * 100, 0.0, True) == "100 ± 0"
