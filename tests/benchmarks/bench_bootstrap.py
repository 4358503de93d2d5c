"""What bootstrap intervals cost: seconds per bootstrapped fit, side by side
with the same fit with Wald intervals only, measured in one run.

    python tests/benchmarks/bench_bootstrap.py [--n-boot 200] [--fits 5]

Heights truth (π = 0.25/0.75, μ = 164/176, σ = 3/5), 4 restarts, n = 100 and
1000; parametric and nonparametric bootstrap. Prints per-fit seconds and the
ratio to a Wald-only fit, which is what a study's fit CPU time multiplies by
when a method adds `intervals: [wald, bootstrap]`.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "workflow" / "scripts"))

import numpy as np  # noqa: E402

from gmmem import Mixture  # noqa: E402
from gmm_recovery.dataset_analysis import analyse  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--fits", type=int, default=5, help="data sets per cell")
    args = ap.parse_args()
    truth = Mixture.univariate([0.25, 0.75], [164, 176], [3, 5])
    analyse(truth.sample(100, np.random.default_rng(0))[0], [2], seed=0, n_restarts=4,
            intervals=("wald", "bootstrap"), n_boot=10)  # imports and warm-up
    print(f"bootstrap cost: heights truth, 4 restarts, B = {args.n_boot}, "
          f"{args.fits} data sets per cell (CPU seconds per fit)")
    print(f"{'n':>6} {'Wald only':>10} {'parametric':>11} {'ratio':>6} "
          f"{'nonparametric':>14} {'ratio':>6} {'refits used':>12}")
    for n in (100, 1000):
        xs = [truth.sample(n, np.random.default_rng(s))[0] for s in range(1, args.fits + 1)]
        cells, used = {}, []
        for label, extra in (("wald", {}),
                             ("parametric", {"intervals": ("wald", "bootstrap"),
                                             "n_boot": args.n_boot}),
                             ("nonparametric", {"intervals": ("wald", "bootstrap"),
                                                "n_boot": args.n_boot,
                                                "bootstrap": "nonparametric"})):
            t = time.process_time()
            for i, x in enumerate(xs):
                a = analyse(x, [2], seed=i, n_restarts=4, **extra)
                if a.boot is not None:
                    used.append(a.boot.n_ok / args.n_boot)
            cells[label] = (time.process_time() - t) / len(xs)
        w = cells["wald"]
        print(f"{n:>6} {w:>10.4f} {cells['parametric']:>11.3f} {cells['parametric'] / w:>6.0f} "
              f"{cells['nonparametric']:>14.3f} {cells['nonparametric'] / w:>6.0f} "
              f"{100 * np.mean(used):>11.1f}%")


if __name__ == "__main__":
    main()
