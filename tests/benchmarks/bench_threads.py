"""One BLAS thread inside the engine, side by side in one run.

Prints, for one EM fit at n = 1e6, K = 3 (d = 1) with a fixed number of
EM-map evaluations, the time per iteration with the engine's limit (one
BLAS thread, what gmmem.fit does now) and without it (OpenBLAS's default
threads: the undecorated fit_many), alternating the two in every repeat so
that both see the same machine load; then, at n = 100, the cost of the
limit per fit against the fit's own time; and the limit's own cost per call
against threadpoolctl.threadpool_limits'.

    python tests/benchmarks/bench_threads.py [--repeats R] [--n N]
"""

from __future__ import annotations

import argparse
import importlib
import time

import numpy as np

from gmmem import Mixture
from gmmem._threads import _blas_libraries, one_blas_thread


def per_iteration(fit_many, x, iters: int) -> float:
    """Seconds per EM-map evaluation of one start run for exactly ``iters`` maps."""
    start = Mixture.univariate([0.3, 0.3, 0.4], [-2.0, 0.5, 3.0], [1.0, 1.0, 1.0])
    t = time.perf_counter()
    res = fit_many([x], 3, start=start, max_iter=iters, tol=1e-300, accel=None)[0]
    return (time.perf_counter() - t) / max(res.n_iter, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    truth = Mixture.univariate([0.3, 0.3, 0.4], [-3.0, 0.0, 3.0], [1.0, 0.7, 1.2])
    x, _ = truth.sample(args.n, np.random.default_rng(0))
    fit_module = importlib.import_module("gmmem.fit")  # the module (gmmem.fit is the function)
    limited = fit_module.fit_many  # the public entry point, decorated
    unlimited = fit_module.fit_many.__wrapped__  # the same code without the limit
    threads = [(lib.internal_api, lib.get_num_threads()) for lib in _blas_libraries()]
    print(f"BLAS libraries and their default threads: {threads}")
    per_iteration(limited, x, 2)  # warm-up
    one, default = [], []
    for _ in range(args.repeats):
        one.append(per_iteration(limited, x, args.iters))
        default.append(per_iteration(unlimited, x, args.iters))
    one, default = 1e3 * np.array(one), 1e3 * np.array(default)
    print(f"n = {args.n:,}, K = 3, {args.iters} EM maps per run, {args.repeats} runs each, "
          "alternating:")
    print(f"  ms per iteration, one BLAS thread:   median {np.median(one):8.1f}  "
          f"range {one.min():.1f}-{one.max():.1f}")
    print(f"  ms per iteration, default threads:   median {np.median(default):8.1f}  "
          f"range {default.min():.1f}-{default.max():.1f}")
    print(f"  ratio default / one (medians): {np.median(default) / np.median(one):.2f}")

    # The limit's cost at n = 100: per fit (10 restarts) against the fit's own time.
    small, _ = truth.sample(100, np.random.default_rng(1))
    reps = 200
    for name, fm in (("with the limit", limited), ("without", unlimited)):
        fm([small], 3, seeds=[0])
    times = {"with the limit": [], "without": []}
    for r in range(reps):
        for name, fm in (("with the limit", limited), ("without", unlimited)):
            t = time.perf_counter()
            fm([small], 3, seeds=[r])
            times[name].append(time.perf_counter() - t)
    a, b = (1e3 * np.median(times[k]) for k in ("with the limit", "without"))
    print(f"n = 100, K = 3, 10 restarts, {reps} fits each: median {a:.3f} ms with the limit, "
          f"{b:.3f} ms without (ratio {a / b:.3f})")

    nothing = one_blas_thread(lambda: None)
    nothing()
    calls = 20_000
    t = time.perf_counter()
    for _ in range(calls):
        nothing()
    ours = (time.perf_counter() - t) / calls
    from threadpoolctl import threadpool_limits

    calls_tp = 200
    t = time.perf_counter()
    for _ in range(calls_tp):
        with threadpool_limits(1, "blas"):
            pass
    theirs = (time.perf_counter() - t) / calls_tp
    print(f"cost of entering and leaving the limit: {1e6 * ours:.1f} µs per call "
          f"(threadpoolctl.threadpool_limits: {1e6 * theirs:.1f} µs)")


if __name__ == "__main__":
    main()
