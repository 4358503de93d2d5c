"""The job planner (gmm_recovery.plan): replicates per job from a series' cost,
ranges stable under growth, refused oversized plans; and, on tiny studies,
the same bytes under any layout and growth that runs only new work."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_recovery import plan
try:
    from gmm_recovery.design import parse_scenarios
except ImportError:  # TEMP before the split
    from gmmem.study import parse_scenarios


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
