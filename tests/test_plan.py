"""The job planner (gmm_recovery.plan): replicates per job from a series' cost,
ranges stable under growth, refused oversized plans; and, on tiny studies,
the same bytes under any layout and growth that runs only new work."""

from __future__ import annotations

from pathlib import Path

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_recovery import plan
from gmm_recovery.design import parse_scenarios


def scenarios(**over):
    config = {"seed": 1, "sample_sizes": [50, 200, 1000], "replicates": 1000,
              "fit": {"n_restarts": 4, "init": "kmeans++", "spurious_test": "rule"},
              "methods": {"mle": {}, "boot": {"intervals": ["wald", "bootstrap"], "n_boot": 50}},
              "scenarios": {"a": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1]},
                            "b": {"weights": [0.5, 0.5], "means": [[0, 0], [3, 3]],
                                  "covariances": [[[1, 0], [0, 1]], [[1, 0], [0, 1]]],
                                  "methods": ["mle"]}}}
    config.update(over)
    return parse_scenarios(config)


@given(st.floats(1e-3, 1e12, allow_nan=False))
def test_the_ladder_is_the_largest_step_not_above_x(x):
    m = plan.ladder_floor(x)
    k = 10 ** int(math.floor(math.log10(m)))
    assert m // k in (1, 2, 5) and m % k == 0
    assert m <= max(x, 1)
    following = {1: 2, 2: 5, 5: 10}[m // k] * k
    assert following > x


def test_replicates_per_job_for_given_costs():
    # 60 s of work at 0.7 s a replicate is 85.7 replicates: 50 per job.
    assert plan.replicates_per_job(0.7, 60) == 50
    assert plan.replicates_per_job(0.01, 60) == 5000
    assert plan.replicates_per_job(100.0, 60) == 1  # a replicate dearer than a job
    assert plan.replicates_per_job(0.6, 60) == 100  # exactly on a step
    # At most MAX_JOB_VALUES data values per job, whatever the cost.
    assert plan.replicates_per_job(1e-9, 60, n=10_000, d=2) == plan.ladder_floor(
        plan.MAX_JOB_VALUES / 20_000)
    with pytest.raises(ValueError, match="job_seconds: expected a positive number, got 0"):
        plan.replicates_per_job(0.1, 0)


def test_job_counts_of_a_plan_follow_the_cost():
    sc = scenarios()
    p = plan.plan_study(sc, job_seconds=60)
    want = 0
    for (s, m, n), per in p.per_job.items():
        assert per == plan.replicates_per_job(plan.series_seconds(sc[s], m, n), 60, n,
                                              sc[s].truth.dim)
        want += math.ceil(1000 / per)
    assert p.jobs == want == len(p.job_list())
    # Bootstrap intervals cost ~76x the plain fit: fewer replicates per job.
    assert p.per_job["a", "boot", 200] < p.per_job["a", "mle", 200]
    assert p.per_job["a", "mle", 1000] <= p.per_job["a", "mle", 50]
    # More work per job: fewer jobs, never more.
    assert plan.plan_study(sc, job_seconds=600).jobs <= p.jobs
    # chunk_size: fixed blocks for every series.
    fixed = plan.plan_study(sc, job_seconds=60, chunk_size=300)
    assert set(fixed.per_job.values()) == {300} and fixed.jobs == 9 * 4  # 9 series of 4 blocks
    # Every replicate of every series is in exactly one job.
    for s, m, n in p.per_job:
        covered = [r for a, b in p.ranges(s, m, n) for r in range(a, b)]
        assert covered == list(range(1000))


def test_the_cost_counts_every_refit():
    base = {"n_restarts": 4, "init": "kmeans++", "spurious_test": "rule", "n_components": 2}
    one = plan.unit_fits(base)
    assert one == 4
    assert plan.unit_fits(base | {"init": "emem"}) == 2 * one
    assert plan.unit_fits(base | {"spurious_test": "bootstrap"}) == 3.5 * one
    assert plan.unit_fits(base | {"spurious_test": "bootstrap", "estimator": "pmle"}) == one
    assert plan.unit_fits(base, select_k=(1, 2, 3)) == 3 * one  # K = 2 is counted once
    assert plan.unit_fits(base, oracle_start=True) == one + 1
    assert plan.unit_fits(base, select_k=(1, 2), select_blrt=9) == 2 * one * 19
    boot = base | {"intervals": ["wald", "bootstrap"], "n_boot": 20}
    assert plan.unit_fits(boot) == one * 31


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 5000), st.integers(2, 5000), st.sampled_from([1, 2, 5, 10, 50, 200]))
def test_ranges_are_stable_under_growth(r1, r2, m):
    small, large = plan.ranges(min(r1, r2), m), plan.ranges(max(r1, r2), m)
    # Every full range of the smaller study is a range of the larger one; its
    # last range starts where a range of the larger one does.
    assert set(small[:-1]) <= set(large)
    assert small[-1][0] in {a for a, _ in large}


def test_the_plan_does_not_depend_on_replicates_nor_on_other_series():
    p = plan.plan_study(scenarios(), job_seconds=60)
    more = plan.plan_study(scenarios(replicates=5000), job_seconds=60)
    assert more.per_job == p.per_job
    grown = scenarios(sample_sizes=[50, 200, 1000, 2000],
                      methods={"mle": {}, "boot": {"intervals": ["wald", "bootstrap"],
                                                   "n_boot": 50}, "pmle": {"estimator": "pmle"}})
    bigger = plan.plan_study(grown, job_seconds=60)
    assert {k: bigger.per_job[k] for k in p.per_job} == p.per_job
    assert len(bigger.per_job) > len(p.per_job)


def test_an_oversized_plan_is_refused_with_its_estimate():
    p = plan.plan_study(scenarios(replicates=10**7), job_seconds=60)
    with pytest.raises(ValueError, match=rf"the study's plan has {p.jobs:,} fit jobs \(job_seconds"
                                         r" = 60; about [\d,.]+ CPU-hours estimated\), more than "
                                         r"max_jobs = 10,000"):
        plan.check_plan(p, 10_000, 10**6, "job_seconds = 60")
    small = plan.plan_study(scenarios(), job_seconds=60)
    s, m, n, r = small.peak_at
    with pytest.raises(ValueError, match=rf"scenario '{s}', method '{m}', n = {n}: a fit job of "
                                         rf"{r:,} replicates \(chunk_size = 7\) needs about "
                                         rf"{small.peak_mem_mb:,} MB, more than the 100 MB"):
        plan.check_plan(small, 10_000, 100, "chunk_size = 7")
    plan.check_plan(small, 10_000, 10**6, "job_seconds = 60")  # within both limits


def _check_all(config):
    from gmm_recovery.config import study_schema
    from gmm_recovery.design import check_all
    from workflow_helpers import REPO

    schema = study_schema(REPO / "workflow/schemas/config.schema.yaml")
    check_all(copy.deepcopy(config), schema, "config.yaml", memory_mb=4000)


def test_the_config_checks_refuse_the_plan_before_the_dag():
    config = {"sample_sizes": [50, 100], "replicates": 10**9,
              "scenarios": {"a": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1]}}}
    # The count of the plan itself, as the workflow would build it.
    expanded = copy.deepcopy(config)
    expanded["fit"] = {}
    jobs = plan.plan_study(parse_scenarios(expanded), 120).jobs
    with pytest.raises(ValueError, match=rf"^the study's plan has {jobs:,} fit jobs \(job_seconds "
                                         r"= 120; about [\d,.]+ CPU-hours estimated\), more than "
                                         r"max_jobs = 10,000"):
        _check_all(config)
    # A larger job_seconds plans fewer jobs, down to the jobs' data bound (MAX_JOB_VALUES).
    with pytest.raises(ValueError, match=r"^the study's plan has 70,000 fit jobs \(job_seconds = "
                                         r"60000;"):
        _check_all({**config, "job_seconds": 60_000})
    # The memory of the largest job, against max_job_mem_mb, named with its estimate.
    big = {**config, "sample_sizes": [50, 200_000], "replicates": 5, "chunk_size": 5}
    need = plan.job_mem_mb(200_000, 1, 2, 5)
    with pytest.raises(ValueError, match=rf"^scenario 'a', method 'default', n = 200000: a fit job "
                                         rf"of 5 replicates \(chunk_size = 5\) needs about "
                                         rf"{need:,} MB, more than the 550 MB allowed"):
        _check_all({**big, "max_job_mem_mb": 550})
    # Its advice: a smaller job where the job has replicates to spare, else not.
    with pytest.raises(ValueError, match=r"allowed \(max_job_mem_mb, default this machine's "
                                         r"memory\): lower job_seconds or chunk_size, use "
                                         r"smaller n"):
        _check_all({**big, "max_job_mem_mb": 550})
    one = {**big, "replicates": 2, "chunk_size": 1}
    with pytest.raises(ValueError, match=r"a fit job of 1 replicate \(chunk_size = 1\) needs "
                                         r"about [\d,]+ MB, more than the 100 MB allowed "
                                         r"\(max_job_mem_mb, default this machine's memory\): "
                                         r"use smaller n, or raise max_job_mem_mb"):
        _check_all({**one, "max_job_mem_mb": 100})
    _check_all({**config, "replicates": 1000})  # a plan within both limits


# --- the workflow under different layouts, and growing ------------------------


import hashlib  # noqa: E402
import re  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from workflow_helpers import TINY, identical_results, make_workdir, snakemake  # noqa: E402

# 1-D with oracle starts and select_k, bootstrap intervals (method plain), 2-D,
# and a misspecified truth with contamination: TINY's scenarios, no datasets.
PANEL = {k: v for k, v in copy.deepcopy(TINY).items()
         if k not in ("datasets", "chunk_size", "write_data")}
FIT_KEYS = ["method", "n", "replicate", "component"]


def _fits(work: Path, kind: str = "fits") -> dict[str, pd.DataFrame]:
    """Each scenario's fits (or diagnostics), all jobs' tables stacked, rows
    sorted per replicate (a stable sort: a replicate's rows keep their order)."""
    out = {}
    for sc in PANEL["scenarios"]:
        files = sorted((work / "results" / sc / "fits").rglob(f"*.{kind}.csv"))
        table = pd.concat([pd.read_csv(f, dtype={"method": str}) for f in files])
        keys = [k for k in FIT_KEYS if k in table]
        out[sc] = table.sort_values(keys, kind="stable").reset_index(drop=True)
    return out


def _job_counts(work: Path) -> dict[str, int]:
    out = snakemake(work, "-n", "--quiet", "rules").stdout
    return {k: int(v) for k, v in re.findall(r"^(\w+)\s+(\d+)$", out, re.M) if k != "total"}


def _logged_digests(work: Path) -> dict[tuple[str, int, int], str]:
    """(scenario, n, first replicate) -> sha256 of the data a fit job drew, from its log."""
    out = {}
    for log in (work / "results" / "logs").rglob("fit_*.log"):
        n = int(re.search(r"_n(\d+)_chunk", log.name).group(1))
        m = re.search(r"data of replicates (\d+)\.\.\d+ drawn: sha256 (\w+)", log.read_text())
        out[log.parent.name, n, int(m.group(1))] = m.group(2)
    return out


@pytest.mark.workflow
def test_every_layout_gives_the_same_fits_and_tables(tmp_path):
    """chunk_size blocks (with the data written), one replicate per job and one
    job per series: the same fits and diagnostics (rows sorted per replicate) and byte-identical
    summary tables and figures; the data written are the data fitted."""
    layouts = {"fixed": {"chunk_size": 4, "write_data": True}, "tiny": {"job_seconds": 1e-6},
               "huge": {"job_seconds": 1e6}}
    works = {name: make_workdir(tmp_path / name, {**PANEL, **extra})
             for name, extra in layouts.items()}
    counts = {name: _job_counts(w) for name, w in works.items()}
    series = sum(len(spec.get("sample_sizes", PANEL["sample_sizes"]))
                 * len(spec.get("methods", PANEL["methods"]))
                 for spec in PANEL["scenarios"].values())
    assert counts["tiny"]["fit"] == series * PANEL["replicates"]  # one replicate per job
    assert counts["huge"]["fit"] == series  # one job per series
    assert counts["fixed"]["fit"] == series * 2  # blocks 0..3 and 4..5
    assert "simulate" not in counts["tiny"] and counts["fixed"]["simulate"] == 5 * 2  # (scenario, n) x 2
    for w in works.values():
        snakemake(w, "--cores", "2")
    for kind in ("fits", "diagnostics"):
        base = _fits(works["fixed"], kind)
        for name in ("tiny", "huge"):
            other = _fits(works[name], kind)
            for sc in base:
                pd.testing.assert_frame_equal(other[sc], base[sc], check_exact=True)
    for name in ("tiny", "huge"):
        # Everything else byte for byte: tables, figures (the example replicate is
        # drawn by the plot job, the traces are of replicates 0-2 in every layout).
        differ = [p for p in identical_results(works["fixed"], works[name])
                  if "/fits/" not in p and "/data/" not in p]
        assert differ == [], name
    # The data written (write_data) are the bytes each fit job drew for itself.
    digests = _logged_digests(works["fixed"])
    blocks = sorted((works["fixed"] / "results").glob("*/data/n*/chunk*.npz"))
    assert len(blocks) == 10
    for path in blocks:
        stored = np.load(path)
        key = (path.parents[2].name, int(path.parent.name[1:]), int(stored["replicates"][0]))
        assert hashlib.sha256(np.ascontiguousarray(stored["x"]).tobytes()).hexdigest() == \
            digests[key]


GROW = {"seed": 5, "sample_sizes": [50], "replicates": 5, "fit": {"n_restarts": 2},
        "methods": {"a": {}},
        "scenarios": {"s": {"weights": [0.4, 0.6], "means": [0.0, 3.0], "sds": [1.0, 1.0]}}}


@pytest.mark.workflow
def test_growing_a_planned_study_runs_only_the_new_work(tmp_path):
    sc = parse_scenarios(copy.deepcopy(GROW))
    # A job of about 3 replicates' work: 2 per job, so 5 replicates end in a partial job.
    cost = plan.series_seconds(sc["s"], "a", 50)
    cfg = {**GROW, "job_seconds": 3 * cost}
    old_plan = plan.plan_study(sc, cfg["job_seconds"])
    assert old_plan.ranges("s", "a", 50) == [(0, 2), (2, 4), (4, 5)]
    work = make_workdir(tmp_path / "grow", cfg)
    snakemake(work, "--cores", "2")
    res = work / "results" / "s" / "fits"
    old = {p.relative_to(res): p.read_bytes() for p in sorted(res.rglob("*.csv"))}
    old_fits = _fits_of(res)
    grown = copy.deepcopy(cfg)
    grown["replicates"] = 8  # more replicates
    grown["sample_sizes"] = [50, 80]  # a new n
    grown["methods"]["b"] = {"accel": None}  # a new method
    new_plan = plan.plan_study(parse_scenarios(copy.deepcopy(grown)), grown["job_seconds"])
    (work / "config.yaml").write_text(yaml.safe_dump(grown, sort_keys=False))
    # Only the new work: the old series' ranges that changed (the partial 4..5
    # becomes 4..6, and 6..8 is new), and every job of the three new series.
    changed = [r for r in new_plan.ranges("s", "a", 50) if r not in old_plan.ranges("s", "a", 50)]
    assert changed == [(4, 6), (6, 8)]
    new_series = [k for k in new_plan.per_job if k != ("s", "a", 50)]
    expected = len(changed) + sum(len(new_plan.ranges(*k)) for k in new_series)
    counts = _job_counts(work)
    assert counts["fit"] == expected, counts
    assert "simulate" not in counts and counts["evaluate"] == 1
    snakemake(work, "--cores", "2")
    # The old full jobs' files are untouched; the re-run partial job gives the
    # old replicate 4 the same bytes it had.
    kept = {p: b for p, b in old.items() if "chunk2" not in p.name}
    assert {p: (res / p).read_bytes() for p in kept} == kept
    again = _fits_of(res)
    again = again[(again["method"] == "a") & (again["n"] == 50) & (again["replicate"] < 5)]
    pd.testing.assert_frame_equal(again.reset_index(drop=True), old_fits, check_exact=True)
    assert _job_counts(work) == {}  # nothing left to do


def _fits_of(folder: Path) -> pd.DataFrame:
    table = pd.concat([pd.read_csv(f, dtype={"method": str})
                       for f in sorted(folder.rglob("*.fits.csv"))])
    keys = [k for k in FIT_KEYS if k in table]
    return table.sort_values(keys, kind="stable").reset_index(drop=True)
