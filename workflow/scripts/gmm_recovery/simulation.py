"""Drawing a study's data: the Gaussian truth, or components from other
families with the same means and covariances, and optional contamination.

A component's estimands are always its weight, mean and SD (covariance) as
the config writes them, whatever its family: a ``t`` component with df > 2 is
a multivariate t scaled so that its covariance is the written one; a
``skewnormal`` component has independent standardised skew-normal
coordinates (Azzalini 1985; mean δ√(2/π), variance 1 − 2δ²/π with
δ = α/√(1+α²)) mapped by the Cholesky factor of the written covariance.
"""

from __future__ import annotations

import numpy as np

from gmmem import Mixture


def mixture_moments(truth: Mixture) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and covariance (d, d) of the whole mixture."""
    mean = truth.weights @ truth.means
    second = np.einsum("k,kij->ij", truth.weights, truth.covariances) + np.einsum(
        "k,ki,kj->ij", truth.weights, truth.means, truth.means)
    return mean, second - np.outer(mean, mean)


def skewnormal_delta(alpha: float) -> float:
    """δ = α/√(1+α²) of a skew normal with shape α (Azzalini 1985), without
    overflow: beyond |α| = 1e150 (where α² would overflow float64) δ is ±1,
    which it already is to float64 precision from |α| ≈ 1e8 on."""
    alpha = float(alpha)
    if abs(alpha) < 1e150:
        return alpha / np.sqrt(1.0 + alpha * alpha)  # the formula as before: same bytes
    return float(np.copysign(1.0, alpha))


def standard_draws(family, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """(m, d) draws with mean 0 and covariance I from one component family."""
    if family == "normal":
        return rng.standard_normal(size)
    kind, value = family
    if kind == "t":
        z = rng.standard_normal(size)
        w = rng.chisquare(value, size=(size[0], 1))
        return z * np.sqrt((value - 2.0) / w)
    delta = skewnormal_delta(value)
    u = delta * np.abs(rng.standard_normal(size)) + np.sqrt(1 - delta**2) * rng.standard_normal(size)
    return (u - delta * np.sqrt(2 / np.pi)) / np.sqrt(1 - 2 * delta**2 / np.pi)


def sample_scenario(truth: Mixture, n: int, rng: np.random.Generator, families=None,
                    contamination: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n points of the scenario's data-generating mechanism: (x, labels) with x
    (n,) for d = 1 else (n, d) and labels in 0..K-1, or K for a contaminating
    point. ``contamination`` is ``{fraction, sd_factor}`` (as
    :func:`gmm_recovery.design.parse_contamination` gives it) or None. With every
    family normal and no contamination this is exactly ``truth.sample(n, rng)``
    (same draws, same bytes)."""
    K, d = truth.n_components, truth.dim
    families = tuple(families or ("normal",) * K)
    fraction = float(contamination["fraction"]) if contamination else 0.0
    if all(f == "normal" for f in families) and fraction == 0:
        return truth.sample(n, rng)
    weights = np.append(truth.weights * (1 - fraction), fraction)
    labels = rng.choice(K + 1, size=n, p=weights / weights.sum())
    x = np.empty((n, d))
    chol = np.linalg.cholesky(truth.covariances)
    for k in range(K):
        idx = np.flatnonzero(labels == k)
        x[idx] = truth.means[k] + standard_draws(families[k], (idx.size, d), rng) @ chol[k].T
    idx = np.flatnonzero(labels == K)
    if idx.size:
        mean, cov = mixture_moments(truth)
        wide = np.linalg.cholesky(cov) * float(contamination["sd_factor"])
        x[idx] = mean + rng.standard_normal((idx.size, d)) @ wide.T
    return (x[:, 0] if d == 1 else x), labels
