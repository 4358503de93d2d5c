"""The job plan of a study: which replicates each fit job covers.

A study's units are (scenario, method, n, replicate); a *series* is
(scenario, method, n). A fit job covers one series and a contiguous replicate
range [j*m, min((j+1)*m, R)), where m, the replicates per job, is planned from
an estimate of one replicate's EM cost so that a job carries about
``job_seconds`` of CPU. m is rounded down to a stable ladder (1, 2, 5 x 10^k)
and depends only on the series' cost, never on R: raising ``replicates`` adds
jobs and leaves the old ones (only a series' last, partial range is re-run,
to the same bytes, since a replicate's fit does not depend on the job it runs
in). Jobs never span series, so adding sample sizes, methods or conditions
adds series and never touches an old job (in Snakemake's file model a job
with one output missing re-runs all of its outputs).

Pure: numbers from the parsed scenarios, nothing is read or expanded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# CPU-seconds of one replicate = REPLICATE_OVERHEAD + EM_SECONDS * fits * n * K * p,
# p = 1 + d + d(d+1)/2 the sufficient statistics per point, ``fits`` the EM runs
# a replicate costs (unit_fits). Calibrated once with tests/benchmarks/bench_plan.py
# (replicate_columns on blocks of 40 replicates, as a fit job runs them, one
# thread, on this project's 2-core machine, 2026-12-02): a relative
# least-squares fit over 20 cases (n 50-2000, d 1-3, K 2-3, mle/pmle/map,
# 1-10 restarts, k-means++/random/emem starts, the calibrated spurious test,
# select_k, oracle start, 20 bootstrap refits) gave 1.9e-3 s and 4.4e-7 s; the
# estimate is then 0.45-1.4x the measured engine seconds (median 0.72: an
# overlapping truth needs ~1.7x the EM steps of a separated one, which the
# estimate cannot know). Within the ladder's own rounding (up to 2.5x).
EM_SECONDS = 4.0e-7
REPLICATE_OVERHEAD = 1.8e-3
# A job's data stay below this many float64 values (32 MB) whatever its cost.
MAX_JOB_VALUES = 2**22
# The written data blocks (write_data) hold about this many values each.
DATA_BLOCK_VALUES = 2**20
LADDER = (1, 2, 5)


def ladder_floor(x: float) -> int:
    """The largest of 1, 2, 5, 10, 20, 50, ... not above x (1 if x < 1)."""
    if not x >= 1:
        return 1
    k = 10 ** int(math.floor(math.log10(x)))
    # log10 rounding: make sure k <= x < 10k.
    while k > x:
        k //= 10
    while 10 * k <= x:
        k *= 10
    return max(step * k for step in LADDER if step * k <= x)


def unit_fits(settings: dict, *, select_k=(), oracle_start: bool = False,
              select_blrt: int = 0) -> float:
    """EM runs (starts to convergence) one replicate costs under a method's
    settings: n_restarts per candidate K (the fitted K and each other of
    select_k), x 2 for emem (its k-means++ starts and the short runs), x 3.5
    for the calibrated spurious test (MLE only), one more run from the oracle
    start, then x (1 + 2 per bootstrap LRT draw: K and K + 1 refitted) and
    x (1 + 1.5 n_boot) for bootstrap intervals. The factors are measured by
    tests/benchmarks/bench_plan.py (emem 2.2x, the spurious test 3.5x on an
    overlapping truth, 20 bootstrap refits 32x)."""
    starts = float(settings["n_restarts"]) * (1 + len(set(select_k) - {settings.get(
        "n_components")}))
    starts *= 2 if settings.get("init") == "emem" else 1
    starts *= 3.5 if (settings.get("spurious_test") == "bootstrap"
                      and settings.get("estimator", "mle") == "mle") else 1
    fits = (starts + bool(oracle_start)) * (1 + 2 * int(select_blrt))
    if "bootstrap" in settings.get("intervals", ()):
        fits *= 1 + 1.5 * int(settings.get("n_boot", 0))
    return fits


def replicate_seconds(n: int, K: int, d: int, fits: float) -> float:
    """Estimated CPU-seconds of one replicate of n points in d dimensions fitted
    with K components by ``fits`` EM runs (see EM_SECONDS)."""
    p = 1 + d + d * (d + 1) // 2
    return REPLICATE_OVERHEAD + EM_SECONDS * fits * int(n) * K * p


def series_seconds(sc, method: str, n: int) -> float:
    """Estimated CPU-seconds of one replicate of series (sc, method, n); sc a
    parsed Scenario (truth, methods, select_k, oracle_start, select_blrt)."""
    fits = unit_fits(sc.methods[method], select_k=sc.select_k, oracle_start=sc.oracle_start,
                     select_blrt=sc.select_blrt)
    return replicate_seconds(n, sc.largest_k, sc.truth.dim, fits)


def replicates_per_job(seconds: float, job_seconds: float, n: int = 1, d: int = 1) -> int:
    """Replicates one job of a series carries: job_seconds over the per-replicate
    seconds, rounded down to the ladder (1, 2, 5 x 10^k), and at most
    MAX_JOB_VALUES data values of n x d per replicate. Depends on the cost
    alone, never on the number of replicates."""
    if not seconds > 0:
        raise ValueError(f"seconds: expected a positive cost per replicate, got {seconds!r}")
    if not job_seconds > 0:
        raise ValueError(f"job_seconds: expected a positive number, got {job_seconds!r}")
    return min(ladder_floor(job_seconds / seconds), ladder_floor(MAX_JOB_VALUES / (n * d)))


def ranges(replicates: int, per_job: int) -> list[tuple[int, int]]:
    """Half-open replicate ranges [j m, min((j + 1) m, R)) of m = per_job."""
    return [(a, min(a + per_job, replicates)) for a in range(0, replicates, per_job)]


def data_block_size(sc, n: int, chunk_size: int | None = None) -> int:
    """Replicates per written data block (write_data) of (sc, n): chunk_size if
    given, else about DATA_BLOCK_VALUES values per file (a ladder step)."""
    if chunk_size:
        return int(chunk_size)
    return ladder_floor(DATA_BLOCK_VALUES / (int(n) * sc.truth.dim))


def job_mem_mb(n: int, d: int, K: int, replicates: int) -> int:
    """Memory (MB) of a fit job of ``replicates`` replicates of n points in d
    dimensions fitted with up to K components: the replicates' data, labels
    and features, and the engine's (K, n) work arrays (bounded by
    gmmem.engine's MEMORY_BOUND, 256 MB, whatever the batch), with headroom."""
    n = int(n)
    p = 1 + d + d * (d + 1) // 2
    data = 8 * n * replicates * (d + p) + 2 * n * replicates
    work = 8 * n * (8 * p + 8 * K)
    return 500 + (data + work) // 2**20 + min(256, 8 * n * replicates * K * p // 2**20)


@dataclass(frozen=True)
class Plan:
    """A study's fit jobs: per series (scenario, method, n) its replicates per
    job; ``jobs`` the fit job count, ``peak_mem_mb`` the largest job's memory
    and where it is, ``seconds`` the estimated CPU of the whole study."""

    per_job: dict
    replicates: dict
    jobs: int
    peak_mem_mb: int
    peak_at: tuple
    seconds: float

    def ranges(self, scenario: str, method: str, n: int) -> list[tuple[int, int]]:
        """The replicate ranges of one series' jobs."""
        return ranges(self.replicates[scenario], self.per_job[scenario, method, int(n)])

    def job_list(self) -> list[tuple[str, str, int, int, int, int]]:
        """Every fit job: (scenario, method, n, chunk index, start, stop)."""
        return [(s, m, n, c, a, b) for (s, m, n), per in self.per_job.items()
                for c, (a, b) in enumerate(ranges(self.replicates[s], per))]


def plan_study(scenarios: dict, job_seconds: float,
               chunk_size: int | None = None) -> Plan:
    """The plan of a study's parsed scenarios (name -> Scenario): each series'
    replicates per job from its cost (replicates_per_job), or chunk_size for
    every series when given (fixed blocks)."""
    per_job, reps = {}, {}
    jobs, seconds, peak, peak_at = 0, 0.0, 0, ()
    for name, sc in scenarios.items():
        reps[name] = sc.replicates
        d = sc.truth.dim
        for method in sc.methods:
            for n in sc.sample_sizes:
                cost = series_seconds(sc, method, n)
                m = (int(chunk_size) if chunk_size
                     else replicates_per_job(cost, job_seconds, n, d))
                per_job[name, method, int(n)] = m
                jobs += -(-sc.replicates // m)
                seconds += cost * sc.replicates
                mem = job_mem_mb(n, d, sc.largest_k, min(m, sc.replicates))
                if mem > peak:
                    peak, peak_at = mem, (name, method, int(n), min(m, sc.replicates))
    return Plan(per_job, reps, jobs, peak, peak_at, seconds)


def check_plan(plan: Plan, max_jobs: int, mem_limit_mb: int, how: str) -> None:
    """Refuse a plan of more than max_jobs fit jobs, or whose largest job needs
    more than mem_limit_mb, in one line with the estimate; ``how`` names what
    sized the jobs (job_seconds or chunk_size) for the advice."""
    if plan.jobs > max_jobs:
        raise ValueError(
            f"the study's plan has {plan.jobs:,} fit jobs ({how}; about "
            f"{plan.seconds / 3600:,.1f} CPU-hours estimated), more than max_jobs = "
            f"{max_jobs:,}: raise job_seconds (or chunk_size), study fewer replicates, sizes, "
            "methods or grid points, or raise max_jobs (Snakemake's job graph of 10,000 jobs "
            "took 40 s of CPU and 320 MB to build here)")
    if plan.peak_mem_mb > mem_limit_mb:
        s, m, n, r = plan.peak_at
        raise ValueError(
            f"scenario {s!r}, method {m!r}, n = {n}: a fit job of {r:,} "
            f"replicate{'s' if r != 1 else ''} ({how}) "
            f"needs about {plan.peak_mem_mb:,} MB, more than the {mem_limit_mb:,} MB allowed "
            "(max_job_mem_mb, default this machine's memory): "
            + ("lower job_seconds or chunk_size, " if r > 1 else "")
            + "use smaller n, or raise max_job_mem_mb for a cluster")
