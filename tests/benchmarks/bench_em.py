"""EM speed: gmmem against the paper's loop, plain EM and scikit-learn.

Prints, for the paper's data (n = 2000, K = 2, 10 restarts) and for an
overlapping mixture (0.6·N(0,1) + 0.4·N(1,1), n = 1000): wall time to the
maximum, EM-map evaluations and the final log-likelihood of
  - gmmem (SQUAREM, default stopping rule),
  - gmmem plain EM (accel=None),
  - the paper's own loop (1000 fixed iterations from μ=170/180, σ=5/5, π=0.5),
  - scikit-learn GaussianMixture(n_init=10, tol=1e-10, max_iter=100000), when
    installed (pip install -e ".[bench]").
Then one EM iteration at n = 1e6, K = 3 as a multiple of one np.exp pass over
an (n, K) array. Targets (issue 2): ≥ 10x faster than scikit-learn at an equal
or higher log-likelihood on both problems; ≥ 20x fewer EM-map evaluations than
plain EM on the overlapping one; one iteration < 5 exp passes.

    python tests/benchmarks/bench_em.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "workflow" / "scripts"))
from gmmem import Mixture, fit  # noqa: E402
from gmmem.gaussian import Params, em_map, features  # noqa: E402


def best_of(fn, repeat=3):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def paper_loop(height, n_iterations=1000):
    """The paper's appendix code, verbatim in substance."""
    def gaussian(x, mu, sigma):
        return 1 / (np.sqrt(2 * np.pi) * sigma) * np.exp(-0.5 * (x - mu) ** 2 / sigma ** 2)

    mu1, sigma1, mu2, sigma2, pi = 170, 5, 180, 5, 0.5
    for _ in range(n_iterations):
        gamma1 = pi * gaussian(height, mu1, sigma1)
        gamma2 = (1 - pi) * gaussian(height, mu2, sigma2)
        gamma_sum = gamma1 + gamma2
        gamma1 /= gamma_sum
        gamma2 /= gamma_sum
        mu1 = np.sum(gamma1 * height) / np.sum(gamma1)
        mu2 = np.sum(gamma2 * height) / np.sum(gamma2)
        sigma1 = np.sqrt(np.sum(gamma1 * (height - mu1) ** 2) / np.sum(gamma1))
        sigma2 = np.sqrt(np.sum(gamma2 * (height - mu2) ** 2) / np.sum(gamma2))
        pi = np.mean(gamma1)
    return Mixture.univariate([pi, 1 - pi], [mu1, mu2], [sigma1, sigma2])


def row(name, seconds, maps, loglik, note=""):
    maps = f"{maps:>9,d}" if isinstance(maps, (int, np.integer)) else f"{maps:>9}"
    print(f"  {name:<34s} {seconds * 1e3:10.1f} ms {maps} maps   loglik {loglik:.8f} {note}")


def compare(title, x, restarts, sk_restarts, plain_restarts, paper=False):
    print(f"\n{title} (n = {len(x)}, K = 2, {restarts} restarts)")
    t_sq, sq = best_of(lambda: fit(x, 2, n_restarts=restarts, seed=1))
    row("gmmem SQUAREM", t_sq, sum(r.n_iter for r in sq.restarts), sq.loglik)
    t_pl, pl = best_of(lambda: fit(x, 2, n_restarts=plain_restarts, seed=1, accel=None,
                                   max_iter=1_000_000), repeat=1)
    maps_pl = sum(r.n_iter for r in pl.restarts)
    maps_sq_same = sum(r.n_iter for r in sq.restarts[:plain_restarts])
    scale = restarts / plain_restarts
    row("gmmem plain EM", t_pl * scale, int(maps_pl * scale), pl.loglik,
        f"({plain_restarts} restarts timed, x{scale:g})" if scale != 1 else "")
    print(f"  -> EM-map evaluations, plain / SQUAREM over the same starts: "
          f"{maps_pl / maps_sq_same:.1f}x")
    if paper:
        t_pp, pm = best_of(lambda: paper_loop(x))
        row("paper's loop (1000 iterations)", t_pp, 1000, pm.loglik(x), "(one start)")
    try:
        from sklearn.mixture import GaussianMixture
    except ImportError:
        print("  scikit-learn not installed: pip install -e '.[bench]'")
        return
    gm = GaussianMixture(2, n_init=sk_restarts, tol=1e-10, max_iter=100_000, random_state=1)
    t_sk, _ = best_of(lambda: gm.fit(x.reshape(-1, 1)), repeat=1 if sk_restarts < restarts else 2)
    scale = restarts / sk_restarts
    ll_sk = gm.score(x.reshape(-1, 1)) * len(x)
    row("scikit-learn GaussianMixture", t_sk * scale, f"{gm.n_iter_}/run", ll_sk,
        f"({sk_restarts} restarts timed, x{scale:g})" if scale != 1 else "")
    print(f"  -> gmmem is {t_sk * scale / t_sq:.1f}x faster than scikit-learn, "
          f"log-likelihood difference {sq.loglik - ll_sk:+.2e} (target >= 10x, >= 0)")


def iteration_cost(n=1_000_000, K=3):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(n, 1))
    T = features(z)
    p = Params(np.full(K, 1 / K), np.linspace(-1, 1, K)[:, None], np.ones((K, 1, 1)))
    a = rng.normal(size=(K, n))
    t_exp, _ = best_of(lambda: np.exp(a), repeat=5)
    t_it, _ = best_of(lambda: em_map(T, p, "full", 1e-6), repeat=5)
    print(f"\nOne EM iteration at n = {n:,}, K = {K}: {t_it * 1e3:.1f} ms; one np.exp pass over "
          f"(n, K): {t_exp * 1e3:.1f} ms; ratio {t_it / t_exp:.2f} (target < 5)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer plain-EM and sklearn restarts")
    args = ap.parse_args()
    from make_height_data_loader import height_data

    compare("Paper's data", height_data(), 10, 10, 10, paper=True)
    rng = np.random.default_rng(2023)
    y = np.concatenate([rng.normal(0, 1, 600), rng.normal(1, 1, 400)])
    compare("Overlapping 0.6·N(0,1) + 0.4·N(1,1)", y, 10, 1 if args.quick else 2,
            2 if args.quick else 3)
    iteration_cost()


if __name__ == "__main__":
    main()
