"""The summary table shows performance.csv's numbers, rounded by their MCSE."""

import numpy as np
import pandas as pd
import pytest

from gmmem.evaluation import performance
from gmmem.summary import decimals, scenario_notes, summary_table, to_html, to_markdown


@pytest.mark.parametrize("mcse,k", [(0.0123, 3), (0.15, 2), (1.5, 1), (35.0, 0), (2e-9, 6)])
def test_decimals_follow_the_mcse(mcse, k):
    assert decimals(mcse) == k


def _tables():
    rng = np.random.default_rng(0)
    est = pd.DataFrame({"weight[1]": rng.normal(0.4, 0.05, 50), "mean[1]": rng.normal(0, 1, 50)})
    se = np.full((50, 2), [0.05, 0.9])
    cis = np.stack([est.to_numpy() - 1.96 * se, est.to_numpy() + 1.96 * se], axis=-1)
    perf = performance(est, [0.4, 0.0], se, cis).assign(method="m", n=100)
    rec = pd.DataFrame({"method": "m", "n": 100, "parameter": ["weight[1]", "mean[1]"],
                        "truth": [0.4, 0.0]})
    return perf, rec


def test_summary_cells_are_performance_numbers_rounded_by_their_mcse():
    perf, rec = _tables()
    table = summary_table(perf, rec)
    assert list(table["parameter"]) == ["weight[1]", "mean[1]"]  # reading order
    for _, row in table.iterrows():
        p = perf[perf["parameter"] == row["parameter"]].set_index("measure")
        value, se = p.loc["bias", ["estimate", "mcse"]]
        k = decimals(se)
        assert row["bias ± MCSE"] == f"{value:.{k}f} ± {se:.{k}f}"
        cov, cse = 100 * p.loc["coverage", ["estimate", "mcse"]]
        assert row["coverage % ± MCSE"].startswith(f"{cov:.{decimals(cse)}f}")
        assert float(row["empirical SE"]) == pytest.approx(p.loc["empse", "estimate"],
                                                           abs=10 ** -decimals(p.loc["empse", "mcse"]))
        assert float(row["CI width"]) == pytest.approx(p.loc["width", "estimate"], rel=1e-2)
    md = to_markdown(table, "title", ["a note"])
    assert md.startswith("## title") and "| weight[1] |" in md and "- a note" in md
    page = to_html(table, "title", ["a note"])
    assert "<td class=\"l\">mean[1]</td>" in page and "<li>a note</li>" in page


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
    from gmmem.plotting import zip_figure

    aligned = pd.DataFrame({"method": "m", "n": 10, "replicate": [0, 1], "label": "mean[1]",
                            "estimate": [0.1, 0.2], "se": np.nan, "lo": np.nan, "hi": np.nan,
                            "truth": 0.0})
    fig = zip_figure(aligned, 10)
    assert "No Wald intervals at n = 10" in fig.axes[0].texts[0].get_text()
