"""The workflow run for real on tiny configs: outputs, reproducibility, re-runs."""

import copy
import re

import numpy as np
import pandas as pd
import pytest
import yaml

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
    for rule in ("simulate", "fit", "evaluate", "plot", "fit_dataset"):
        assert re.search(rf"^{rule}\s+\d+", out, re.M), out
    assert not (work / "results").exists()


def _png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_output_exists_and_is_well_formed(tiny_run):
    res = tiny_run / "results"
    for sc, K in (("uni", 2), ("bi", 2)):
        data = np.load(res / sc / "data" / "n60.npz")
        assert data["x"].shape[:2] == (6, 60) and data["labels"].shape == (6, 60)
        fits = pd.concat([pd.read_csv(f) for f in sorted((res / sc / "fits").rglob("*.fits.csv"))])
        assert len(fits) == 2 * 6 * K
        assert {"replicate", "component", "weight", "loglik", "n_iter", "converged",
                "n_best", "se_weight", "lo_weight", "hi_weight", "spurious",
                "restarts_disagree"} <= set(fits.columns)
        assert fits["spurious"].isin([True, False]).all()
        rec = pd.read_csv(res / sc / "recovery.csv")
        assert {"n", "parameter", "truth", "mean_estimate", "bias", "empse", "rmse",
                "n_nonconverged", "n_degenerate"} <= set(rec.columns)
        assert set(rec["n"]) == {60, 150}
        assert np.all(np.isfinite(rec["bias"]))
        perf = pd.read_csv(res / sc / "performance.csv")
        assert {"bias", "empse", "rmse", "modse", "relerr_modse", "coverage", "be_coverage",
                "crlb_sd"} <= set(perf["measure"])
        conv = pd.read_csv(res / sc / "convergence.csv")
        assert list(conv["n_fits"]) == [6, 6]
        assert {"n_spurious", "share_spurious", "n_restarts_disagree"} <= set(conv.columns)
        regular = pd.read_csv(res / sc / "performance_nonspurious.csv")
        assert set(regular["measure"]) == set(perf["measure"]) - {"crlb_sd"}
        kept = regular.groupby("n")["n_sim"].max()
        assert (kept + regular.groupby("n")["n_spurious"].first() == 6).all()
        for fig in ("fit_example", "rmse", "spread", "traces", "rmse_crlb", "coverage",
                    "failures"):
            assert _png(res / sc / "figures" / f"{fig}.png"), fig
    assert "n_missed_oracle" in pd.read_csv(res / "uni" / "convergence.csv")
    mc = pd.read_csv(res / "uni" / "model_choice.csv")
    assert set(mc["k"]) == {1, 2, 3} and set(mc["criterion"]) == {"bic", "aic"}
    assert np.allclose(mc.groupby(["n", "criterion"])["share"].sum(), 1.0)
    assert _png(res / "uni" / "figures" / "model_choice.png")
    for ds in ("heights", "heights_k"):
        fit = pd.read_csv(res / "datasets" / ds / "fit.csv")
        assert len(fit) == 2 and fit["converged"].all()
        asg = pd.read_csv(res / "datasets" / ds / "assignments.csv")
        assert len(asg) == 2000 and np.allclose(asg[["tau_1", "tau_2"]].sum(axis=1), 1)
        assert _png(res / "datasets" / ds / "fit.png")
    bic = pd.read_csv(res / "datasets" / "heights_k" / "bic.csv")
    assert list(bic["k"]) == [1, 2, 3] and bic.loc[bic["chosen"], "k"].item() == 2
    for log in ("uni/fit_n60_chunk0.log", "bi/evaluate.log", "uni/plot.log"):
        assert (res / "logs" / log).stat().st_size > 0
    progress = (res / "logs/uni/fit_n60_chunk0.log").read_text()
    assert re.search(r"4/4 replicates fitted, [\d.]+ s elapsed, about 0 s left", progress)


def test_results_are_byte_identical_across_core_counts(tiny_run, tmp_path):
    other = make_workdir(tmp_path / "b", TINY)
    snakemake(other, "--cores", "2")
    assert identical_results(tiny_run, other) == []


def test_a_job_rerun_alone_gives_the_same_bytes(tiny_run, tmp_path):
    work = make_workdir(tmp_path / "c", TINY)
    snakemake(work, "--cores", "2")
    target = "results/uni/fits/n150/chunk1.fits.csv"
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
    assert counts.get("simulate") == "1"
    assert counts.get("fit") == "2"  # n = 90: two chunks of 6 replicates
    assert counts.get("evaluate") == "1" and counts.get("plot") == "1"
    assert "fit_dataset" not in counts and "plot_model_choice" not in counts


def test_html_report_builds_with_figures_and_tables(tiny_run):
    snakemake(tiny_run, "--report", "results/report.html")
    html = (tiny_run / "results" / "report.html").read_text(errors="replace")
    for name in ("performance.csv", "recovery.csv", "rmse_crlb.png", "coverage.png", "fit.png",
                 "versions.txt"):
        assert name in html, name


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
    snakemake(work, "--cores", "2")
    conv = pd.read_csv(work / "results/three_2d/convergence.csv")
    assert list(conv["n_fits"]) == [6, 6]
    fits = pd.read_csv(work / "results/three_2d/fits/n10/chunk0.fits.csv")
    assert fits["se_failed"].any()
    fit = pd.read_csv(work / "results/datasets/eu/fit.csv")
    assert sorted(np.round(fit["mean"], 0)) == [0, 5]
    assert pd.read_csv(work / "results/datasets/spike/fit.csv")["spurious"].all()
    log = (work / "results/logs/datasets/spike.log").read_text()
    assert "the reported maximum is spurious: component 1 holds" in log
    assert "Try fit: {estimator: pmle}" in log
    versions = (work / "results/versions.txt").read_text()
    for name in ("numpy", "scipy", "pandas", "matplotlib", "snakemake", "gmm-recovery", "BLAS"):
        assert name in versions, name
