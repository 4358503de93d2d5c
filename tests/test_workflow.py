"""The workflow run for real on tiny configs: outputs, reproducibility, re-runs."""

import copy
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import browser
from config_helpers import config_refusal
from workflow_helpers import REPO, TINY, identical_results, make_workdir, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    work = make_workdir(tmp_path_factory.mktemp("tiny_a"), TINY)
    snakemake(work, "--cores", "1")
    return work


def test_default_config_dry_run(tmp_path):
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    work = make_workdir(tmp_path, cfg)
    out = snakemake(work, "-n", "--quiet", "rules").stdout
    for rule in ("fit", "evaluate", "plot", "fit_dataset"):
        assert re.search(rf"^{rule}\s+\d+", out, re.M), out
    # The fit jobs draw their data: no simulate jobs unless write_data asks for the files.
    assert not re.search(r"^simulate\s+\d+", out, re.M), out
    assert not (work / "results").exists()


def _png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_output_exists_and_is_well_formed(tiny_run):
    res = tiny_run / "results"
    for sc, K, P, methods in (("uni", 2, 3, ["fast", "plain"]), ("bi", 2, 5, ["fast"])):
        # One data file per replicate block, shared by every method.
        blocks = [np.load(res / sc / "data" / "n60" / f"chunk{c}.npz") for c in (0, 1)]
        assert [b["x"].shape[:2] for b in blocks] == [(4, 60), (2, 60)]
        assert list(blocks[1]["replicates"]) == [4, 5]
        assert sorted(p.name for p in (res / sc / "fits").iterdir()) == sorted(methods)
        fits = pd.concat([pd.read_csv(f, dtype={"method": str})
                          for f in sorted((res / sc / "fits").rglob("*.fits.csv"))])
        assert len(fits) == len(methods) * 2 * 6 * K * P
        assert {"method", "n", "replicate", "component", "parameter", "estimate", "se", "lo",
                "hi"} <= set(fits.columns)
        diagnostics = pd.concat([pd.read_csv(f, dtype={"method": str}) for f in
                                 sorted((res / sc / "fits").rglob("*.diagnostics.csv"))])
        assert len(diagnostics) == len(methods) * 2 * 6
        assert {"method", "n", "replicate", "loglik", "n_iter", "converged", "n_best",
                "spurious", "restarts_disagree"} <= set(diagnostics.columns)
        assert diagnostics["spurious"].isin([True, False]).all()
        rec = pd.read_csv(res / sc / "recovery.csv")
        assert {"method", "n", "parameter", "truth", "mean_estimate", "bias", "empse", "rmse",
                "n_nonconverged", "n_degenerate"} <= set(rec.columns)
        assert set(rec["n"]) == {60, 150} and list(dict.fromkeys(rec["method"])) == methods
        assert np.all(np.isfinite(rec["bias"]))
        perf = pd.read_csv(res / sc / "performance.csv")
        assert {"bias", "empse", "rmse", "modse", "relerr_modse", "coverage", "be_coverage",
                "crlb_sd"} <= set(perf["measure"])
        conv = pd.read_csv(res / sc / "convergence.csv")
        assert list(conv["n_fits"]) == [6, 6] * len(methods)
        assert {"n_spurious", "share_spurious", "n_restarts_disagree"} <= set(conv.columns)
        regular = pd.read_csv(res / sc / "performance_nonspurious.csv")
        assert set(regular["measure"]) == set(perf["measure"]) - {"crlb_sd"}
        kept = regular.groupby(["method", "n"])["n_sim"].max()
        assert (kept + regular.groupby(["method", "n"])["n_spurious"].first() == 6).all()
        for fig in ("fit_example", "bias", "rmse", "spread", "traces", "rmse_crlb", "coverage",
                    "zip", "failures"):
            assert _png(res / sc / "figures" / f"{fig}.png"), fig
        md = (res / sc / "summary.md").read_text()
        assert md.startswith(f"## {sc}: ") and "π = 0." in md and "bias ± MCSE" in md
        assert "coverage % ± MCSE" in (res / sc / "summary.html").read_text()
        assert "\\toprule" in (res / sc / "summary.tex").read_text()
        assert (res / sc / "summary.csv").read_text().startswith("parameter,truth,n,bias ± MCSE")
        comparison = pd.read_csv(res / sc / "comparison.csv")
        assert len(comparison) == (2 * 6 if len(methods) == 2 else 0)
    assert _png(res / "uni" / "figures" / "comparison.png")
    # Bootstrap intervals where a method asks for them, coverage and width per kind.
    perf = pd.read_csv(res / "uni" / "performance.csv")
    kinds = {"coverage_pct", "width_pct", "coverage_bca", "width_bca", "width", "coverage"}
    assert kinds <= set(perf.loc[perf["method"] == "plain", "measure"])
    assert not {"coverage_pct", "coverage_bca"} & set(perf.loc[perf["method"] == "fast",
                                                              "measure"])
    fits = pd.read_csv(res / "uni/fits/plain/n60/chunk0.fits.csv")
    diagnostics = pd.read_csv(res / "uni/fits/plain/n60/chunk0.diagnostics.csv")
    assert (diagnostics["n_boot_ok"] <= 20).all()
    assert fits.loc[fits["parameter"] == "mean", "lo_bca"].notna().any()
    # Each fit job times its own start-up (process CPU outside fitting).
    timing = pd.read_csv(res / "timing/uni/plain_n60_chunk0.csv")
    assert 0 < timing["startup_cpu_seconds"].item() < 30 and timing["cpu_seconds"].item() > 0
    assert not (res / "bi" / "figures" / "comparison.png").exists()
    # The misspecified scenario runs like any other, without CRLB rows.
    heavy = pd.read_csv(res / "heavy" / "performance.csv")
    assert "crlb_sd" not in set(heavy["measure"]) and "coverage" in set(heavy["measure"])
    labels = np.concatenate([np.load(res / "heavy/data/n60" / f"chunk{c}.npz")["labels"].ravel()
                             for c in (0, 1)])
    assert set(np.unique(labels)) <= {0, 1, 2}
    assert "n_missed_oracle" in pd.read_csv(res / "uni" / "convergence.csv")
    mc = pd.read_csv(res / "uni" / "model_choice.csv")
    assert set(mc["k"]) == {1, 2, 3} and set(mc["criterion"]) == {"bic", "aic", "icl"}
    assert np.allclose(mc.groupby(["method", "n", "criterion"])["share"].sum(), 1.0)
    assert _png(res / "uni" / "figures" / "model_choice.png")
    for ds in ("heights", "heights_k"):
        fit = pd.read_csv(res / "datasets" / ds / "fit.csv")
        assert len(fit) == 2 and fit["converged"].all()
        asg = pd.read_csv(res / "datasets" / ds / "assignments.csv")
        assert len(asg) == 2000 and np.allclose(asg[["tau_1", "tau_2"]].sum(axis=1), 1)
        assert _png(res / "datasets" / ds / "fit.png")
    bic = pd.read_csv(res / "datasets" / "heights_k" / "bic.csv")
    assert list(bic["k"]) == [1, 2, 3] and bic.loc[bic["chosen"], "k"].item() == 2
    for log in ("uni/fit_plain_n60_chunk0.log", "bi/evaluate.log", "uni/plot.log"):
        assert (res / "logs" / log).stat().st_size > 0
    progress = (res / "logs/uni/fit_plain_n60_chunk0.log").read_text()
    assert re.search(r"method plain: 4/4 replicates fitted, [\d.]+ s elapsed", progress)


def test_results_are_byte_identical_across_core_counts(tiny_run, tmp_path):
    other = make_workdir(tmp_path / "b", TINY)
    snakemake(other, "--cores", "2")
    assert identical_results(tiny_run, other) == []


def test_a_job_rerun_alone_gives_the_same_bytes(tiny_run, tmp_path):
    import shutil

    work = tmp_path / "c"  # a copy of the finished run, with Snakemake's records
    shutil.copytree(tiny_run, work, symlinks=True)
    target = "results/uni/fits/plain/n150/chunk1.fits.csv"
    before = (work / target).read_bytes()
    (work / target).unlink()
    snakemake(work, "--cores", "1", target)
    assert (work / target).read_bytes() == before


def test_changing_one_sample_size_reruns_only_what_depends_on_it(tiny_run):
    cfg = copy.deepcopy(TINY)
    cfg["scenarios"]["bi"]["sample_sizes"] = [60, 150, 90]
    (tiny_run / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    try:
        out = snakemake(tiny_run, "-n", "--quiet", "rules").stdout
    finally:
        (tiny_run / "config.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", out, re.M))
    assert counts.get("simulate") == "2"  # n = 90: two blocks of the 6 replicates
    assert counts.get("fit") == "2"  # ... fitted by bi's one method
    assert counts.get("evaluate") == "1" and counts.get("plot") == "1"
    assert "fit_dataset" not in counts and "plot_model_choice" not in counts


def _embedded(html: str, name: str) -> str:
    """The text of a file the report embeds (as a base64 data URI)."""
    import base64

    at = html.index(f'"{name}": {{')
    start = html.index('"data_uri": "', at) + len('"data_uri": "')
    uri = html[start:html.index('"', start)]
    return base64.b64decode(uri.split("base64,", 1)[1]).decode()


def test_html_report_builds_with_figures_tables_and_the_run(tiny_run):
    snakemake(tiny_run, "--report", "results/report.html")
    html = (tiny_run / "results" / "report.html").read_text(errors="replace")
    for name in ("performance.csv", "recovery.csv", "rmse_crlb.png", "coverage.png", "zip.png",
                 "fit.png", "versions.txt", "summary.html", "run.html"):
        assert name in html, name
    summary = _embedded(html, "results/uni/summary.html")
    assert "bias ± MCSE" in summary and ">plain</th>" in summary
    run = _embedded(html, "results/timing/run.html")
    assert "numpy" in run and "Time in fit jobs" in run and "Config as run" in run
    # Figures are listed by title, in reading order.
    assert '"figure": "02. Bias \\u00b1 MCSE (lolly plot)"' in html or \
        '"figure": "02. Bias ± MCSE (lolly plot)"' in html
    if browser.CHROMIUM:
        # The first page's text starts at the top of the window, not below a blank band.
        top = browser.layout(tiny_run / "results" / "report.html",
                             '(() => { const d = document.querySelector(".prose");'
                             ' return {top: d.getBoundingClientRect().top}; })()',
                             height=1200, delay_ms=1500)
        assert top["top"] < 80, top


RESUME = {
    "seed": 3,
    "sample_sizes": [3000],
    "replicates": 6,
    "chunk_size": 2,
    "fit": {"n_restarts": 4},
    "scenarios": {"slow": {"weights": [0.6, 0.4], "means": [0.0, 1.5], "sds": [1.0, 1.0]}},
}


def test_a_killed_run_resumes_to_the_same_bytes(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    clean = make_workdir(tmp_path / "clean", RESUME)
    snakemake(clean, "--cores", "1")
    work = make_workdir(tmp_path / "killed", RESUME)
    proc = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "1"], cwd=work,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    logs = work / "results" / "logs" / "slow"
    deadline = time.time() + 300
    # SIGKILL snakemake and its jobs once the second fit job has started: one
    # chunk done, one mid-fit, one not started.
    while time.time() < deadline and len(list(logs.glob("fit_*.log"))) < 2:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    again = snakemake(work, "--cores", "1", check=False)
    assert again.returncode != 0 and "unlock" in again.stdout + again.stderr
    snakemake(work, "--unlock")
    snakemake(work, "--rerun-incomplete", "--cores", "2")
    assert identical_results(clean, work) == []


def test_degenerate_2d_scenario_and_a_decimal_comma_dataset_run_to_the_end(tmp_path):
    # n = 10 just above K(d + 1) = 9: many fits are degenerate, none may stop a job.
    rng = np.random.default_rng(0)
    rows = "".join(f"{v:.3f}".replace(".", ",") + ";1\n"
                   for v in np.concatenate([rng.normal(0, 1, 60), rng.normal(5, 1, 60)]))
    cfg = {"seed": 1, "sample_sizes": [10, 30], "replicates": 6, "chunk_size": 3,
           "fit": {"n_restarts": 2},
           "scenarios": {"three_2d": {
               "weights": [0.3, 0.3, 0.4], "means": [[0, 0], [3, 0], [0, 3]],
               "covariances": [[[1, 0.3], [0.3, 1]], [[1, 0], [0, 1]], [[0.5, 0], [0, 2]]]}},
           "datasets": {"eu": {"path": "eu.csv", "columns": ["x"], "n_components": 2,
                               "decimal": ","},
                        # a start inside a spurious maximum's basin (see test_estimators)
                        "spike": {"path": "spike.csv", "columns": ["x"], "n_components": 2,
                                  "start": {"weights": [0.0187, 0.9813], "means": [-1.053, 0.4296],
                                            "sds": [0.0916, 1.119]}}}}
    g = np.random.default_rng(5)
    spike = np.concatenate([g.normal(0, 1, 600), g.normal(1, 1, 400)])
    work = make_workdir(tmp_path, cfg, {"eu.csv": "x;flag\n" + rows,
                                        "spike.csv": "x\n" + "".join(f"{float(v)!r}\n" for v in spike)})
    run = snakemake(work, "--cores", "2")
    # The own-data warnings reach the console at the end of the run, not only the log.
    console = run.stderr[run.stderr.index("datasets: "):]
    assert "dataset spike: the reported maximum is spurious" in console
    conv = pd.read_csv(work / "results/three_2d/convergence.csv")
    assert list(conv["n_fits"]) == [6, 6]
    diagnostics = pd.read_csv(work / "results/three_2d/fits/default/n10/chunk0.diagnostics.csv")
    assert diagnostics["se_failed"].any()
    fit = pd.read_csv(work / "results/datasets/eu/fit.csv")
    assert sorted(np.round(fit["mean"], 0)) == [0, 5]
    assert pd.read_csv(work / "results/datasets/spike/fit.csv")["spurious"].all()
    log = (work / "results/logs/datasets/spike.log").read_text()
    assert "the reported maximum is spurious: component 1 holds" in log
    assert "Try fit: {estimator: pmle}" in log
    versions = (work / "results/versions.txt").read_text()
    for name in ("numpy", "scipy", "pandas", "matplotlib", "snakemake", "gmm-recovery", "BLAS"):
        assert name in versions, name


GROW = {
    "seed": 2,
    "sample_sizes": [50],
    "replicates": 4,
    "chunk_size": 2,
    "fit": {"n_restarts": 1},
    "methods": {"a": {}},
    "scenarios": {"s": {"weights": [0.5, 0.5], "means": [0.0, 3.0], "sds": [1.0, 1.0]}},
}


def _job_counts(work, *args):
    out = snakemake(work, "-n", "--quiet", "rules", *args).stdout
    return {k: int(v) for k, v in re.findall(r"^(\w+)\s+(\d+)$", out, re.M)}


def test_growing_a_study_runs_only_the_new_jobs_and_keeps_the_old_bytes(tmp_path):
    work = make_workdir(tmp_path / "grow", GROW)
    snakemake(work, "--cores", "2")
    res = work / "results" / "s"
    old = {p.relative_to(res): p.read_bytes() for p in sorted(res.rglob("*"))
           if p.is_file() and p.relative_to(res).parts[0] in ("data", "fits")}
    assert len(old) == 2 * 3  # fits, diagnostics and traces of two blocks (no data: write_data off)
    grown = copy.deepcopy(GROW)
    grown["replicates"] = 6  # one more block
    grown["sample_sizes"] = [50, 80]  # one more n
    grown["methods"]["b"] = {"accel": None}  # one more method
    (work / "config.yaml").write_text(yaml.safe_dump(grown, sort_keys=False))
    counts = _job_counts(work)
    # fit: method a on block 2 of n = 50 and the 3 blocks of n = 80, method b on
    # all 6; then this scenario's summaries only, its figures in one plot job.
    assert "simulate" not in counts and counts["fit"] == 4 + 6, counts
    assert counts["evaluate"] == 1 and counts["plot_with_comparison"] == 1 and "plot" not in counts
    snakemake(work, "--cores", "2")
    assert {p: (res / p).read_bytes() for p in old} == old
    fits = pd.read_csv(res / "recovery.csv")
    assert set(fits["method"]) == {"a", "b"} and set(fits["n"]) == {50, 80}
    assert _job_counts(work) == {}  # nothing left to do


def test_config_lists_on_the_command_line_work_as_typed(tmp_path):
    work = make_workdir(tmp_path, GROW)
    counts = _job_counts(work, "--config", "sample_sizes=[60,200]", "replicates=4",
                         "fit={n_restarts: 2, accel: null}")
    assert "simulate" not in counts and counts["fit"] == 4, counts
    bad = config_refusal(work, "-n", "--config", "sample_sizes=[60,lots]")
    assert "sample_sizes[1]: expected an integer, got 'lots'" in bad


def test_a_study_file_runs_alone_into_its_results_folder(tmp_path):
    work = make_workdir(tmp_path, TINY)  # config.yaml: the "default" study here
    study = {"results": "mine", "datasets": {"h": {"path": "data/height_data.csv",
                                                   "columns": ["height"], "n_components": 2}}}
    (work / "my_study.yaml").write_text(yaml.safe_dump(study))
    counts = _job_counts(work, "--configfile", "my_study.yaml")
    assert counts == {"fit_dataset": 1, "versions": 1, "all": 1, "total": 3}, counts
    snakemake(work, "--cores", "1", "--configfile", "my_study.yaml")
    assert (work / "mine/datasets/h/fit.csv").exists() and (work / "mine/versions.txt").exists()
    assert not (work / "results").exists()


def test_a_grid_runs_every_point_and_summarises_by_factor(tmp_path):
    # One factor of two levels (the naming of larger grids is unit-tested).
    cfg = {"seed": 4, "sample_sizes": [50], "replicates": 4, "chunk_size": 4,
           "fit": {"n_restarts": 1},
           "scenarios": {"sep": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1],
                                 "grid": {"family": [["normal", "normal"],
                                                     [{"t": {"df": 4}}, "normal"]]},
                                 "grid_labels": {"family": ["normal", "t(4)"]}}}}
    work = make_workdir(tmp_path, cfg)
    snakemake(work, "--cores", "2")
    res = work / "results"
    points = ["sep-family1", "sep-family2"]
    for p in points:
        assert (res / p / "performance.csv").exists()
    table = pd.read_csv(res / "sep/grid/performance.csv")
    assert list(dict.fromkeys(table["scenario"])) == points
    assert set(table["level_family"]) == {1, 2}
    assert set(table["value_family"]) == {'["normal","normal"]', '[{"t":{"df":4}},"normal"]'}
    # The t point is misspecified: no CRLB rows there.
    crlb = table[table["measure"] == "crlb_sd"]
    assert set(crlb["level_family"]) == {1}
    for name in ("nlp_bias", "nlp_rmse", "nlp_coverage", "heatmap_bias", "heatmap_rmse",
                 "heatmap_coverage", "lolly_bias", "lolly_coverage"):
        assert _png(res / "sep/grid/figures" / f"{name}.png")
    # the grid table: one row per parameter × condition × n, with the given labels
    summary = pd.read_csv(res / "sep/grid/summary.csv")
    assert set(summary["family"]) == {"normal", "t(4)"}
    assert len(summary) == 5 * 2 * 1
    assert "default: spurious" in summary.columns
    assert "t(4)" in (res / "sep/grid/summary.html").read_text()
    # a grid's conditions have no figures of their own unless asked for
    assert not (res / "sep-family1" / "figures").exists()
    # nor the traces table only those figures read (rule fit_grid_point)
    assert (res / "sep-family1/fits/default/n50/chunk0.fits.csv").exists()
    assert not list(res.glob("sep-family*/fits/**/*.traces.csv"))


def test_a_run_byte_compiles_gmmem_once_for_its_jobs(tmp_path):
    # Each job imports gmmem afresh; the run compiles it first, so that jobs load
    # bytecode rather than compile it, even with PYTHONDONTWRITEBYTECODE set (as
    # snakemake() here sets it, and as many container images do).
    work = make_workdir(tmp_path, TINY)
    where = subprocess.run([sys.executable, "-c", "import gmmem; print(gmmem.__file__)"],
                           cwd=work, capture_output=True, text=True, check=True).stdout
    package = Path(where.strip()).parent
    shutil.rmtree(package / "__pycache__", ignore_errors=True)
    snakemake(work, "--cores", "1", "results/versions.txt")
    for source in package.glob("*.py"):
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.exists() and cached.stat().st_mtime >= source.stat().st_mtime, source.name


def _damaged_copy(tiny_run, where):
    """A copy of the finished tiny run, with Snakemake's records, to damage."""
    shutil.copytree(tiny_run, where, symlinks=True)
    return where


def _rerun_fails(work):
    proc = snakemake(work, "--cores", "2", "--keep-going", check=False)
    assert proc.returncode != 0, "the run with a damaged input succeeded"
    return proc.stdout + proc.stderr


def test_a_table_that_lost_rows_stops_the_stage_naming_the_file(tiny_run, tmp_path):
    work = _damaged_copy(tiny_run, tmp_path / "damaged")
    # A fits table that lost rows (head -n 3 over it): replicate 5 of block 4..5 is gone.
    lost = "results/uni/fits/fast/n150/chunk1.fits.csv"
    lines = (work / lost).read_text().splitlines(keepends=True)
    (work / lost).write_text("".join(lines[:3]))
    # A summary table without one parameter's rows: the plot stage reads it.
    perf = work / "results/heavy/performance.csv"
    table = pd.read_csv(perf)
    table[(table["parameter"] != "sd") | (table["component"] != 2)].to_csv(perf, index=False)
    out = _rerun_fails(work)
    assert (f"{lost}: has 2 rows where replicates 4..5 × K = 2 components × 3 parameters "
            "need 12: rows of replicate(s) 4, 5 are missing") in out
    assert "results/heavy/performance.csv: has no rows of parameter sd[2]" in out
    # The log holds the same one line, no traceback; nothing half-written is left.
    log = (work / "results/logs/uni/evaluate.log").read_text()
    assert f"ERROR {lost}: has 2 rows" in log and "Traceback" not in log
    assert not (work / "results/uni/recovery.csv").exists()
    # The advice works: deleted and rerun, they are made again, the same bytes.
    for path in (lost, "results/heavy/performance.csv"):
        (work / path).unlink()
    snakemake(work, "--cores", "2")
    assert identical_results(tiny_run, work) == []


def test_a_table_cut_mid_line_stops_the_stage_saying_it_is_truncated(tiny_run, tmp_path):
    work = _damaged_copy(tiny_run, tmp_path / "cut")
    cut = "results/uni/fits/plain/n60/chunk0.fits.csv"
    text = (work / cut).read_bytes()
    (work / cut).write_bytes(text[:len(text) // 2])
    traces = "results/bi/fits/fast/n150/chunk0.traces.csv"  # read by bi's plot job
    text = (work / traces).read_bytes()
    (work / traces).write_bytes(text[:len(text) - 7])
    # The pseudo-true maxima, read by the evaluate and maxima_split stages.
    maxima = "results/heavy/pseudo_true.csv"
    text = (work / maxima).read_bytes()
    (work / maxima).write_bytes(text[:len(text) // 2])
    out = _rerun_fails(work)
    for path in (cut, traces, maxima):
        assert f"{path}: is truncated: its last line has no newline (cut mid-line?)" in out
    assert "weights must sum to 1" not in out


def _planned_rules(work, cfg):
    """{rule: jobs} a dry run of the finished run ``work`` plans under config ``cfg``."""
    (work / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    try:
        out = snakemake(work, "-n", "--quiet", "rules").stdout
    finally:
        (work / "config.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    return {rule: int(k) for rule, k in re.findall(r"^(\w+)\s+(\d+)$", out, re.M)}


def test_the_truth_alone_decides_whether_simulations_rerun(tiny_run):
    # The jobs are given the parsed truth (gmm_recovery.design.Truth), recorded
    # by Snakemake's params trigger: another setting of the scenario re-runs
    # its fits but none of its simulations ...
    cfg = copy.deepcopy(TINY)
    cfg["scenarios"]["uni"].update(oracle_start=False, select_k=[1, 2])
    counts = _planned_rules(tiny_run, cfg)
    assert "simulate" not in counts and counts.get("fit", 0) > 0
    # ... while a truth changed in its last digit re-runs every one of them.
    cfg = copy.deepcopy(TINY)
    cfg["scenarios"]["uni"]["means"] = [0.0, float(np.nextafter(4.0, 5.0))]
    counts = _planned_rules(tiny_run, cfg)
    assert counts.get("simulate") == 4  # uni: two blocks at each of n = 60, 150
