"""Calibrate the job planner's cost estimate (gmm_recovery.plan): measured
engine CPU-seconds per replicate (replicate_columns on a block of replicates,
as a fit job runs it) against plan.series_seconds, for a spread of n, K, d
and methods. Prints one row per case and the ratio estimate / measured; the
constants EM_SECONDS and REPLICATE_OVERHEAD in plan.py come from a
least-squares fit printed at the end (--fit).

    PYTHONPATH=workflow/scripts python tests/benchmarks/bench_plan.py [--reps 12] [--fit]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from gmm_recovery import plan  # noqa: E402

from gmm_recovery.design import Scenario, fit_settings, mixture_from_spec  # noqa: E402
from gmm_recovery.replicates import replicate_columns  # noqa: E402
from gmm_recovery.seeds import seed_for  # noqa: E402
from gmm_recovery.simulation import sample_scenario  # noqa: E402

ONE = {"weights": [0.4, 0.6], "means": [0, 3], "sds": [1, 1.5]}
OVER = {"weights": [0.6, 0.4], "means": [0, 2], "sds": [1, 1]}
THREE = {"weights": [0.3, 0.3, 0.4], "means": [0, 3, 6], "sds": [1, 1, 1]}
BI = {"weights": [0.5, 0.5], "means": [[0, 0], [3, 3]],
      "covariances": [[[1, 0.3], [0.3, 1]], [[1, 0], [0, 2]]]}
TRI = {"weights": [0.5, 0.5], "means": [[0, 0, 0], [3, 3, 3]],
       "covariances": [np.eye(3).tolist(), (2 * np.eye(3)).tolist()]}
BOOT = {"intervals": ["wald", "bootstrap"], "n_boot": 20, "bootstrap": "nonparametric"}
# (label, truth, n, method settings, scenario extras)
CASES = [
    ("1-D n=50 r4", ONE, 50, {}, {}),
    ("1-D n=200 r4", ONE, 200, {}, {}),
    ("1-D n=1000 r4", ONE, 1000, {}, {}),
    ("1-D n=2000 r4", ONE, 2000, {}, {}),
    ("overlap n=200 r4", OVER, 200, {}, {}),
    ("overlap n=1000 r4", OVER, 1000, {}, {}),
    ("overlap n=200 pmle", OVER, 200, {"estimator": "pmle"}, {}),
    ("overlap n=200 map", OVER, 200, {"estimator": "map"}, {}),
    ("overlap n=200 r1", OVER, 200, {"n_restarts": 1}, {}),
    ("overlap n=200 r10", OVER, 200, {"n_restarts": 10}, {}),
    ("overlap n=200 random", OVER, 200, {"init": "random"}, {}),
    ("overlap n=200 emem", OVER, 200, {"init": "emem"}, {}),
    ("overlap n=200 spur-boot", OVER, 200, {"spurious_test": "bootstrap"}, {}),
    ("K=3 n=500 r4", THREE, 500, {}, {}),
    ("1-D n=200 select_k", ONE, 200, {}, {"select_k": (1, 2, 3)}),
    ("1-D n=200 oracle", ONE, 200, {}, {"oracle_start": True}),
    ("1-D n=200 boot20", ONE, 200, BOOT, {}),
    ("2-D n=200 r4", BI, 200, {}, {}),
    ("2-D n=1000 r4", BI, 1000, {}, {}),
    ("3-D n=500 r4", TRI, 500, {}, {}),
]
BASE = {"n_restarts": 4, "init": "kmeans++", "spurious_test": "rule"}


def measure(truth_spec, n, fit, extra, reps):
    truth = mixture_from_spec(truth_spec, "bench")
    settings = fit_settings(BASE, fit)
    settings["n_components"] = truth.n_components
    sc = Scenario("bench", truth, (n,), reps, {"m": settings}, extra.get("oracle_start", False),
                  tuple(extra.get("select_k", ())), 0, ("normal",) * truth.n_components)
    xs = [sample_scenario(truth, n, np.random.default_rng(seed_for(1, "bench", "simulate", n, r)),
                          sc.families, None)[0] for r in range(reps)]
    c0 = time.process_time()
    replicate_columns(xs, settings, [seed_for(1, "bench", "fit", n, r) for r in range(reps)],
                      oracle=truth if sc.oracle_start else None, select_k=sc.select_k,
                      select_seeds=[seed_for(1, "bench", "select", n, r) for r in range(reps)],
                      traces=0)
    measured = (time.process_time() - c0) / reps
    fits = plan.unit_fits(settings, select_k=sc.select_k, oracle_start=sc.oracle_start)
    p = 1 + truth.dim + truth.dim * (truth.dim + 1) // 2
    return measured, plan.series_seconds(sc, "m", n), fits * n * sc.largest_k * p


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=12, help="replicates per measured block")
    ap.add_argument("--fit", action="store_true", help="print least-squares constants")
    args = ap.parse_args()
    print(f"{'case':28s} {'measured s/rep':>14s} {'estimate':>10s} {'est/meas':>9s}")
    rows = []
    for label, truth, n, fit, extra in CASES:
        measured, estimate, work = measure(truth, n, fit, extra, args.reps)
        rows.append((measured, work))
        print(f"{label:28s} {measured:14.5f} {estimate:10.5f} {estimate / measured:9.2f}",
              flush=True)
    ratios = [plan.REPLICATE_OVERHEAD + plan.EM_SECONDS * w for _, w in rows]
    ratios = np.array(ratios) / np.array([m for m, _ in rows])
    print(f"estimate/measured: median {np.median(ratios):.2f}, range {ratios.min():.2f}-"
          f"{ratios.max():.2f} (EM_SECONDS = {plan.EM_SECONDS:g}, "
          f"REPLICATE_OVERHEAD = {plan.REPLICATE_OVERHEAD:g})")
    if args.fit:
        # Relative least squares (each case weighted by 1 / measured): ratios near 1.
        m = np.array([r[0] for r in rows])
        A = np.c_[np.ones(len(rows)), [r[1] for r in rows]] / m[:, None]
        (a, b), *_ = np.linalg.lstsq(A, np.ones(len(rows)), rcond=None)
        print(f"fitted: REPLICATE_OVERHEAD = {a:.3g} s, EM_SECONDS = {b:.3g} s")


if __name__ == "__main__":
    main()
