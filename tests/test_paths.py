"""gmm_recovery.paths: every kind of file at the place the workflow has always
written it, with concrete values and with Snakemake wildcard placeholders."""

import pytest

from gmm_recovery import paths

W = ("{scenario}", "{method}", "{n}", "{chunk}")


@pytest.mark.parametrize("call, expected", [
    (lambda: paths.fit_table("results", "uni", "fast", 60, 0, "fits"),
     "results/uni/fits/fast/n60/chunk0.fits.csv"),
    (lambda: paths.fit_table("out", "bi", "plain", 150, 3, "diagnostics"),
     "out/bi/fits/plain/n150/chunk3.diagnostics.csv"),
    (lambda: paths.fit_table("results", *W, "traces"),
     "results/{scenario}/fits/{method}/n{n}/chunk{chunk}.traces.csv"),
    (lambda: paths.timing("results", "uni", "fast", 60, 1),
     "results/timing/uni/fast_n60_chunk1.csv"),
    (lambda: paths.timing("results", *W),
     "results/timing/{scenario}/{method}_n{n}_chunk{chunk}.csv"),
    (lambda: paths.data_block("results", "heavy", 60, 1), "results/heavy/data/n60/chunk1.npz"),
    (lambda: paths.scenario_table("results", "uni", "performance"),
     "results/uni/performance.csv"),
    (lambda: paths.scenario_table("results", "{scenario}", "summary", "md"),
     "results/{scenario}/summary.md"),
    (lambda: paths.scenario_figure("results", "uni", "bias"), "results/uni/figures/bias.png"),
    (lambda: paths.grid_file("results", "g", "summary.html"), "results/g/grid/summary.html"),
    (lambda: paths.grid_figure("results", "{grid}", "nlp_bias"),
     "results/{grid}/grid/figures/nlp_bias.png"),
    (lambda: paths.dataset_file("results", "heights", "fit.csv"),
     "results/datasets/heights/fit.csv"),
    (lambda: paths.run_file("results", "timing/run.html"), "results/timing/run.html"),
    (lambda: paths.fit_log("results", "uni", "plain", 60, 0),
     "results/logs/uni/fit_plain_n60_chunk0.log"),
    (lambda: paths.simulate_log("results", "{scenario}", "{n}", "{chunk}"),
     "results/logs/{scenario}/simulate_n{n}_chunk{chunk}.log"),
    (lambda: paths.simulate_benchmark("results", "uni", 60, 0),
     "results/benchmarks/uni/simulate_n60_chunk0.tsv"),
    (lambda: paths.job_log("results", "bi", "evaluate"), "results/logs/bi/evaluate.log"),
    (lambda: paths.run_log("results", "versions"), "results/logs/versions.log"),
    (lambda: paths.dataset_log("results", "heights"), "results/logs/datasets/heights.log"),
])
def test_each_kind_of_file_has_its_place(call, expected):
    assert call() == expected


def test_a_placeholder_pattern_filled_is_the_concrete_path():
    pattern = paths.fit_table("results", *W, "fits")
    filled = pattern.format(scenario="uni", method="fast", n=60, chunk=2)
    assert filled == paths.fit_table("results", "uni", "fast", 60, 2, "fits")


def test_unknown_fit_table_kind_is_refused():
    with pytest.raises(ValueError, match="kind.*'fit'"):
        paths.fit_table("results", "uni", "fast", 60, 0, "fit")
