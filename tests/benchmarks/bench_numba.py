"""Would a JIT-compiled E-step pay? numba's fused loop against gmmem's numpy E-step.

The issue that asked for the batched engine allowed a JIT compiler (numba)
only if it buys at least 2x more than numpy, and then as a required
dependency of every job. This prints, side by side in one process:
  - one E-step block of gmmem (numpy, d = 1, K = 2) against a fused numba
    loop computing the same statistics and log-likelihoods (one pass over
    the points, the exp of the largest term skipped as gmmem does), at a
    study's small-n shape (163 items x 100 points) and a large-n one
    (6 items x 2500 points);
  - the CPU seconds that importing numba adds to a job's start-up (every
    fit job would pay it; the start-up target is 0.5 s).
Needs numba (pip install numba); it is not a dependency of gmmem.

    python tests/benchmarks/bench_numba.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "workflow" / "scripts"))
from gmmem.gaussian import _e_step_block  # noqa: E402


def fused_kernel():
    import numba

    @numba.njit(cache=False)
    def e_step(z, theta):
        B, L = z.shape
        K = theta.shape[1]
        stats = np.zeros((B, K, 3))
        loglik = np.zeros(B)
        lp = np.empty(K)
        for b in range(B):
            acc = 0.0
            for i in range(L):
                x = z[b, i]
                top, arg = -np.inf, 0
                for k in range(K):
                    lp[k] = (theta[b, k, 2] * x + theta[b, k, 1]) * x + theta[b, k, 0]
                    if lp[k] > top:
                        top, arg = lp[k], k
                total = 0.0
                for k in range(K):
                    lp[k] = 1.0 if k == arg else np.exp(lp[k] - top)
                    total += lp[k]
                acc += top + np.log(total)
                for k in range(K):
                    t = lp[k] / total
                    stats[b, k, 0] += t
                    stats[b, k, 1] += t * x
                    stats[b, k, 2] += t * x * x
            loglik[b] = acc
        return stats, loglik

    return e_step


def import_cpu(code: str, repeat: int = 5) -> float:
    """Median CPU seconds of a fresh interpreter running code (one BLAS thread, as jobs run)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    times = []
    for _ in range(repeat):
        before = os.times()
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        after = os.times()
        times.append(after.children_user - before.children_user
                     + after.children_system - before.children_system)
    return float(np.median(times))


def main() -> int:
    try:
        e_step = fused_kernel()
    except ImportError:
        print("numba is not installed (pip install numba); nothing to compare")
        return 0
    rng = np.random.default_rng(0)
    for B, L in ((163, 100), (6, 2500)):
        zb = rng.normal(size=(B, 1, L))
        z = np.ascontiguousarray(zb[:, 0])
        theta = np.stack([np.array([[-1.0, 0.1, -0.5], [-1.2, -0.2, -0.4]])] * B)
        e_step(z, theta)  # compile
        ours, fused = [], []
        for _ in range(200):
            t = time.perf_counter()
            _e_step_block(zb, theta, 2, 3, 1)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            e_step(z, theta)
            fused.append(time.perf_counter() - t)
        a, b = np.median(ours), np.median(fused)
        s1, l1 = _e_step_block(zb, theta, 2, 3, 1)
        s2, l2 = e_step(z, theta)
        same = np.allclose(s1, s2, rtol=1e-12) and np.allclose(l1, l2, rtol=1e-12)
        print(f"E-step block, {B} items x {L} points: numpy {a * 1e6:.0f} us, numba {b * 1e6:.0f} us "
              f"-> numba {a / b:.1f}x faster (the bar: 2x); same statistics: {same}")
    base = import_cpu("import numpy")
    with_numba = import_cpu("import numpy, numba")
    print(f"job start-up: importing numpy {base:.2f} s CPU, numpy and numba {with_numba:.2f} s "
          f"(+{with_numba - base:.2f} s per job; the start-up target is 0.5 s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
