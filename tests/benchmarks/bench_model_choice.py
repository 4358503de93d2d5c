"""Choosing K in a study: how often BIC, AIC, ICL and the bootstrap LRT pick the
true K, and what the BLRT costs per replicate.

For each truth, S data sets (the study's seeds) go through the study's own
replicate fit (gmm_recovery.replicates.replicate_columns, 10 k-means++ restarts, the
candidates K = 1..4), once without and once with the BLRT (select_blrt = B,
sequential tests at level 0.05); prints the share of data sets each criterion
picks each K and the time ratio of the two runs, side by side in one run.

    python tests/benchmarks/bench_model_choice.py [--replicates 50] [--boot 99]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "workflow" / "scripts"))
from gmmem import Mixture  # noqa: E402
from gmm_recovery.replicates import replicate_columns  # noqa: E402
from gmm_recovery.seeds import seed_for  # noqa: E402

TRUTHS = {
    "three separated, n=300": (Mixture.univariate([0.3, 0.3, 0.4], [0, 5, 10], [1, 1, 1]), 300),
    "overlap 0.6 N(0,1) + 0.4 N(2,1), n=100": (
        Mixture.univariate([0.6, 0.4], [0, 2], [1, 1]), 100),
    "two separated, n=150": (Mixture.univariate([0.5, 0.5], [0, 4], [1, 1]), 150),
}
KS = (1, 2, 3, 4)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=50)
    ap.add_argument("--boot", type=int, default=99)
    args = ap.parse_args()
    S = args.replicates
    for name, (truth, n) in TRUTHS.items():
        K = truth.n_components
        xs = [truth.sample(n, np.random.default_rng(seed_for(7, name, "simulate", n, r)))[0]
              for r in range(S)]
        seeds = [seed_for(7, name, "fit", n, r) for r in range(S)]
        base = {"n_components": K, "n_restarts": 10, "init": "kmeans++"}  # as measured
        t0 = time.perf_counter()
        _, rows, _ = replicate_columns(xs, base, seeds, select_k=KS, traces=0)
        t1 = time.perf_counter()
        _, rows_b, _ = replicate_columns(xs, base, seeds, select_k=KS, traces=0,
                                         select_blrt=args.boot)
        t2 = time.perf_counter()
        print(f"\n{name}: true K = {K}, {S} data sets; BLRT (B = {args.boot}) costs "
              f"{(t2 - t1) / (t1 - t0):.1f}x the replicate fit without it "
              f"({(t1 - t0) / S:.2f} s vs {(t2 - t1) / S:.2f} s per replicate)")
        print(f"  {'criterion':<9}" + "".join(f"{'K=' + str(k):>8}" for k in KS))
        for crit in ("bic", "aic", "icl", "blrt"):
            src = rows_b if crit == "blrt" else rows
            picks = np.array([r[f"k_{crit}"] for r in src])
            print(f"  {crit:<9}" + "".join(f"{np.mean(picks == k):8.0%}" for k in KS))


if __name__ == "__main__":
    main()
