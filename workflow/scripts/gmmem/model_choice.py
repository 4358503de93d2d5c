"""Criteria for the number of components beyond BIC and AIC: ICL and the
bootstrap likelihood-ratio test.

- ICL (Biernacki, Celeux & Govaert 2000, IEEE TPAMI 22:719–725): the BIC of
  the complete-data likelihood at the MAP classification,
  ICL = −2·Σ_i log(π_ẑi N(x_i; μ_ẑi, Σ_ẑi)) + p·log n
      = BIC − 2·Σ_i log τ_i,ẑi, ẑ_i = argmax_k τ_ik,
  i.e. BIC plus twice the entropy of the MAP classification. This is mclust's
  ``icl()`` (``bic + 2*sum(C * log(z))`` with mclust's bic = 2ℓ − p log n,
  larger better) with gmmem's sign: smaller is better, like :func:`gmmem.bic`.
  It penalises components that overlap, so it picks fewer K than BIC where
  clusters are not separated.
- The bootstrap LRT of K against K' > K components (McLachlan 1987, Applied
  Statistics 36:318–324; mclust's ``mclustBootstrapLRT``): LRT = 2(ℓ_K' − ℓ_K)
  from the two fits; B data sets are drawn from the K fit, each is refitted
  with K and with K' components (from the observed fits and from n_restarts
  fresh starts, in the batched engine) and p = (1 + #{LRT_b ≥ LRT}) / (B + 1).
  The statistic takes each fit's highest non-degenerate maximum, on the data
  and on every draw alike: spurious maxima inflate both the same way, which
  is what the parametric bootstrap calibrates (a spurious test per draw
  would be a bootstrap inside a bootstrap).
  Cost (tests/benchmarks/bench_model_choice.py, candidates K = 1..4, 10
  restarts): a study replicate with the sequential BLRT at B = 39 takes
  2.8x (overlap, n = 100: the first test stops), 4.3x (two separated
  components, n = 150) and 19x (three separated, n = 300: three tests) the
  replicate's fit and BIC/AIC/ICL; at B = 99, 4.9x on the overlap truth.
  How often each criterion picks the true K (10 data sets each): three
  separated components, BIC, ICL and BLRT 100 %, AIC 70 % (30 % K = 4);
  0.6·N(0,1) + 0.4·N(2,1) at n = 100, BIC 10 %, AIC 50 %, ICL 0 %, BLRT
  10 % (they choose K = 1: the components overlap); two separated, BIC and
  BLRT 100 %, AIC and ICL 90 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_data, check_positive_int

BLRT_KEY = 0xB1A7  # child key of select_k's seed for the bootstrap LRT's streams


def icl(mixture, x) -> float:
    """Integrated completed likelihood of ``mixture`` on x (n,) or (n, d), in BIC's
    units (smaller is better): BIC − 2·Σ_i log τ_i,MAP(i)."""
    z = as_data(x, dim=mixture.dim)
    lp = mixture.component_logpdf(z)  # (n, K) log π_k N(x_i; θ_k)
    top = lp.max(axis=1)
    # Σ_i log(π_ẑ N_ẑ) is the complete-data log-likelihood at the MAP labels.
    return -2.0 * float(top.sum()) + mixture.n_params * np.log(z.shape[0])


def _top(result) -> float:
    """The highest log-likelihood among a fit's non-degenerate restarts (its
    chosen fit's when every restart was degenerate)."""
    lls = [r.loglik for r in result.restarts if not r.degenerate]
    return max(lls) if lls else result.loglik


@dataclass(frozen=True, eq=False)
class BootstrapLRT:
    """The bootstrap LRT of k against k_alt components: the observed statistic,
    the B bootstrap statistics and the p-value."""

    k: int
    k_alt: int
    lrt: float
    null_lrts: np.ndarray
    p_value: float


def bootstrap_lrt(x, null, alternative, *, n_boot: int = 99, seed=None,
                  **fit_kwargs) -> BootstrapLRT:
    """The parametric-bootstrap LRT of ``null`` (a FitResult with K components)
    against ``alternative`` (a FitResult with K' > K) on data x; fit_kwargs:
    the fits' settings (n_restarts, init, tol, ...). Streams: draw b samples
    from child (b, 0) of SeedSequence(seed), its K refit from (b, 1) and its
    K' refit from (b, 2)."""
    from .fit import as_seed_sequence, child_seed, fit_many

    n_boot = check_positive_int("n_boot", n_boot, 2)
    z = as_data(x)
    n, d = z.shape
    m0, m1 = null.mixture, alternative.mixture
    if m1.n_components <= m0.n_components:
        raise ValueError(f"alternative must have more components than null, got "
                         f"K = {m1.n_components} against {m0.n_components}")
    lrt = 2.0 * (_top(alternative) - _top(null))
    root = as_seed_sequence(seed)
    xs = []
    for b in range(n_boot):
        draw, _ = m0.sample(n, np.random.default_rng(child_seed(child_seed(root, b), 0)))
        xs.append(draw)
    kw = {k: v for k, v in fit_kwargs.items() if k not in ("start", "seeds", "spurious_test",
                                                           "prefer", "covariance")}
    kw.update(prefer="loglik", spurious_test="rule", random_starts_too=True,
              covariance=m0.covariance)
    ll = []
    for m, key in ((m0, 1), (m1, 2)):
        refits = fit_many(xs, m.n_components, start=m,
                          seeds=[child_seed(child_seed(root, b), key) for b in range(n_boot)],
                          **kw)
        ll.append(np.array([_top(r) for r in refits]))
    null_lrts = 2.0 * (ll[1] - ll[0])
    p = (1 + np.sum(null_lrts >= lrt)) / (n_boot + 1)
    return BootstrapLRT(m0.n_components, m1.n_components, float(lrt), null_lrts, float(p))
