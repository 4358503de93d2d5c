"""Bootstrap standard errors and intervals of a fitted mixture.

Each of B resamples — drawn from the fitted mixture (parametric) or from the
data with replacement (nonparametric) — is refitted with the original fit's
settings, from the fitted mixture and from the usual random starts (the best
maximum kept), in one batched engine call; each refit's components are
matched to the fitted mixture by the optimal assignment of
:func:`gmmem.alignment.align_components`. From the aligned refits:

- bootstrap SEs: the SD of the refits' weights, means and SDs;
- percentile intervals (Efron & Tibshirani 1993, §13.3): the α/2 and 1 − α/2
  quantiles of the refits (numpy's default, linear interpolation);
- BCa intervals (Efron 1987; Efron & Tibshirani 1993, §14.3): percentiles
  shifted by the bias correction z0 (the share of refits below the estimate)
  and the acceleration a, which is computed from each observation's
  empirical influence ∇g(θ̂)ᵀ I⁻¹ s_i — the infinitesimal jackknife, from the
  scores and observed information every fit already has, so no n
  leave-one-out refits (at n = 1000 those would cost five times the B = 200
  bootstrap). BCa is second-order accurate, respects transformations (no
  choice of scale for weights or SDs) and, unlike the studentised
  ("bootstrap-t") interval, stays inside the range of the refits: the
  bootstrap-t divides by each refit's own SE, which at small n in overlapping
  mixtures is sometimes near zero, and gave intervals tens of SDs wide for μ
  in our trials.

Refits that did not converge or are degenerate are counted and left out.
Same seed, same bytes: resample b uses the streams
``child_seed(seed, b)`` (its draws from child 0, its random starts from
child 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ._threads import one_blas_thread
from ._validate import as_data, check_choice, check_positive_int
from .inference import ConfidenceIntervals, StandardErrors, observation_scores, standard_errors
from .mixture import Mixture
from .parameters import layout_of, weight_jacobian

KINDS = ("parametric", "nonparametric")
# The child of a fit's seed whose streams its bootstrap uses: above any restart's
# (children 0..n_restarts-1, n_restarts <= 10 000) and any select_k child (K).
BOOT_KEY = 1 << 20


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """The aligned refits of a bootstrap and what they give.

    Attributes
    ----------
    kind : str
        "parametric" or "nonparametric".
    n_boot : int
        Resamples B drawn.
    level : float
        Nominal coverage of the intervals.
    weights : ndarray, shape (B_ok, K)
    means : ndarray, shape (B_ok, K, d)
    sds : ndarray, shape (B_ok, K, d)
        The usable refits, aligned to the fitted mixture's components.
    se : StandardErrors
        Their SDs (``cov`` is empty: the bootstrap gives no free-parameter
        covariance; ``ok`` is False with fewer than two usable refits).
    percentile : ConfidenceIntervals
        Percentile intervals at ``level``.
    bca : ConfidenceIntervals
        BCa intervals at ``level`` (NaN when the fit has no invertible information).
    n_ok : int
        Refits used: B minus those left out.
    n_nonconverged : int
        Refits that did not converge (left out).
    n_degenerate : int
        Converged refits that were degenerate (left out).
    """

    kind: str
    n_boot: int
    level: float
    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    se: StandardErrors
    percentile: ConfidenceIntervals
    bca: ConfidenceIntervals
    n_ok: int
    n_nonconverged: int
    n_degenerate: int

    def summary(self) -> str:
        """One line: what was done and what was left out."""
        left = []
        if self.n_nonconverged:
            left.append(f"{self.n_nonconverged} did not converge")
        if self.n_degenerate:
            left.append(f"{self.n_degenerate} degenerate")
        text = (f"{self.kind} bootstrap, B = {self.n_boot}: {self.n_ok} refits used"
                + (f" ({', '.join(left)}: left out)" if left else ""))
        return text


def _logit(w):
    w = np.clip(w, 1e-300, 1 - 1e-16)
    return np.log(w) - np.log1p(-w)


def _scales(weights, means, sds):
    """The Wald scales: logit weights, means, log variances."""
    return _logit(weights), means, 2.0 * np.log(sds)


@one_blas_thread
def bootstrap(x, result, n_boot: int = 200, kind: str = "parametric", *, seed=None,
              level: float = 0.95, **settings) -> BootstrapResult:
    """Bootstrap SEs, percentile and BCa intervals of a fit.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        The data ``result`` was fitted to.
    result : FitResult
        The fit, ``fit(x, K, ...)``.
    n_boot : int, default 200
        Resamples B (>= 2).
    kind : {"parametric", "nonparametric"}, default "parametric"
        Draws from the fitted mixture, or rows of x with replacement.
    seed : int, SeedSequence or None, default None
        Resample b uses the streams of ``child_seed(seed, b)`` (its draws child 0,
        its random starts child 1).
    level : float, default 0.95
        Nominal coverage of the intervals, in (0, 1).
    **settings
        The original fit's settings (n_restarts, init, tol, ...); the estimator
        and the covariance structure are always the result's.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    ValueError
        If ``n_boot``, ``kind`` or ``level`` is out of range, x does not have
        the result's d, or a setting is ``start``, ``seeds`` or ``n_components``.
    """
    from .alignment import assignment, batch_alignment_cost
    from .fit import as_seed_sequence, child_seed, fit_many

    z = as_data(x)
    n, d = z.shape
    n_boot = check_positive_int("n_boot", n_boot, 2)
    check_choice("kind", kind, KINDS)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    m: Mixture = result.mixture
    if m.dim != d:
        raise ValueError(f"result has d = {m.dim} but x has d = {d}")
    for name in ("start", "seeds", "n_components"):
        if name in settings:
            raise ValueError(f"{name} is not a bootstrap setting: the refits use the result's")
    K = m.n_components
    root = as_seed_sequence(seed)
    xs, seeds = [], []
    for b in range(n_boot):
        stream = child_seed(root, b)
        rng = np.random.default_rng(child_seed(stream, 0))
        if kind == "parametric":
            draw, _ = m.sample(n, rng)
        else:
            draw = z[rng.integers(0, n, size=n)]
        xs.append(draw.reshape(n, d) if d > 1 else draw.reshape(n))
        seeds.append(child_seed(stream, 1))
    settings = {k: v for k, v in settings.items()
                if k not in ("estimator", "covariance", "spurious_test")}
    # The refits keep the cheap spurious rule: its bootstrap calibration per
    # refit would be a bootstrap inside the bootstrap.
    refits = fit_many(xs, K, seeds=seeds, start=m, random_starts_too=True,
                      estimator=result.estimator, covariance=m.covariance,
                      spurious_test="rule", **settings)
    nonconv = np.array([not r.converged for r in refits])
    degen = np.array([r.degenerate for r in refits]) & ~nonconv
    ok = ~nonconv & ~degen
    used = [r for r, good in zip(refits, ok) if good]
    B = len(used)
    W = np.array([r.mixture.weights for r in used]).reshape(B, K)
    M = np.array([r.mixture.means for r in used]).reshape(B, K, d)
    S = np.sqrt(np.array([np.diagonal(r.mixture.covariances, axis1=1, axis2=2)
                          for r in used]).reshape(B, K, d))
    perms = np.array([assignment(c) for c in
                      batch_alignment_cost(M, 2 * np.log(S), m)]).reshape(B, K) if B else \
        np.zeros((0, K), dtype=int)
    W = np.take_along_axis(W, perms, axis=1)
    M = np.take_along_axis(M, perms[:, :, None], axis=1)
    S = np.take_along_axis(S, perms[:, :, None], axis=1)

    nan = lambda *shape: np.full(shape, np.nan)
    sd = (lambda a: a.std(axis=0, ddof=1)) if B >= 2 else (lambda a: nan(*a.shape[1:]))
    gW, gM, gV = _scales(W, M, S)
    se = StandardErrors(sd(W), sd(M), sd(S), np.empty((0, 0)), sd(gW), sd(gV), B >= 2,
                        "" if B >= 2 else f"only {B} usable refits")
    a = (1 - level) / 2
    q = (lambda arr: np.moveaxis(np.quantile(arr, [a, 1 - a], axis=0), 0, -1)) if B >= 2 else \
        (lambda arr: nan(*arr.shape[1:], 2))
    percentile = ConfidenceIntervals(q(W), q(M), q(S), level)

    # BCa: bias correction from the share of refits below the estimate,
    # acceleration from the empirical influence of each parameter.
    est = (m.weights, m.means, np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2)))
    accel = acceleration(m, z, result.estimator)
    if B >= 2 and accel is not None:
        bca = ConfidenceIntervals(*(_bca(draws, e, acc, level)
                                    for draws, e, acc in zip((W, M, S), est, accel)), level)
        if K == 1:
            bca = ConfidenceIntervals(np.ones((1, 2)), bca.means, bca.sds, level)
    else:
        bca = ConfidenceIntervals(nan(K, 2), nan(K, d, 2), nan(K, d, 2), level)
    return BootstrapResult(kind, n_boot, level, W, M, S, se, percentile, bca, B,
                           int(nonconv.sum()), int(degen.sum()))


def acceleration(m: Mixture, z: np.ndarray, estimator: str = "mle"):
    """BCa acceleration of each weight (K,), mean (K, d) and SD (K, d):
    a = Σ U_i³ / (6 (Σ U_i²)^{3/2}) with U_i the empirical influence of
    observation i, ∇g(θ̂)ᵀ I⁻¹ s_i (s_i its observed-data score, I⁻¹ the
    inverse observed information; Efron 1987, eq. 6.7; DiCiccio & Efron 1996,
    §3): the infinitesimal jackknife, so no leave-one-out refits. None when
    the fit has no invertible information."""
    se = standard_errors(m, z, estimator=estimator)
    if not se.ok:
        return None
    K = m.n_components
    lay = layout_of(m)
    U = observation_scores(m, z) @ se.cov  # influence of the free parameters
    u_w = U[:, lay.logit_weights] @ weight_jacobian(m.weights).T  # ∂π/∂η
    # Views of U's columns (row-major), not fancy-indexed copies (whose n axis
    # is the contiguous one): numpy sums a contiguous axis pairwise, so the sums
    # over observations below, and the published BCa bounds, would change bits.
    u_m = U[:, lay.means].reshape(-1, K, m.dim)
    lam = U[:, lay.log_variances]
    u_s = (np.repeat(lam[:, None, :], K, axis=1) if m.covariance == "tied"
           else lam.reshape(-1, K, m.dim))  # σ = exp(λ/2) moves with λ

    def a(u):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (u**3).sum(axis=0) / (6.0 * ((u**2).sum(axis=0)) ** 1.5)

    return (np.nan_to_num(a(u_w)) if K > 1 else np.zeros(1)), a(u_m), a(u_s)


def _bca(draws: np.ndarray, estimate: np.ndarray, acc: np.ndarray, level: float) -> np.ndarray:
    """BCa bounds (..., 2) of each parameter from draws (B, ...) (Efron &
    Tibshirani 1993, §14.3): the percentiles Φ(z0 + (z0 + z_α)/(1 − a(z0 + z_α)))
    with z0 = Φ⁻¹(share of draws below the estimate, ties counted half)."""
    nd = NormalDist()
    B = draws.shape[0]
    below = ((draws < estimate).sum(axis=0) + 0.5 * (draws == estimate).sum(axis=0)) / B
    below = np.clip(below, 0.5 / B, 1 - 0.5 / B)
    z0 = np.vectorize(nd.inv_cdf)(below)
    out = np.empty(estimate.shape + (2,))
    for j, tail in enumerate(((1 - level) / 2, (1 + level) / 2)):
        zq = z0 + nd.inv_cdf(tail)
        prob = np.vectorize(nd.cdf)(z0 + zq / (1 - acc * zq))
        flat_d = draws.reshape(B, -1)
        flat_p = np.nan_to_num(prob, nan=tail).reshape(-1)
        out[..., j] = np.array([np.quantile(flat_d[:, i], flat_p[i])
                                for i in range(flat_d.shape[1])]).reshape(estimate.shape)
    return out
