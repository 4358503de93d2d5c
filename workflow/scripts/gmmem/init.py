"""Starting values for EM on standardised data."""

from __future__ import annotations

import numpy as np

from .gaussian import Params, m_step, m_step_batch

INIT_METHODS = ("kmeans++", "random")


def kmeans_plusplus(z: np.ndarray, K: int, rng: np.random.Generator) -> np.ndarray:
    """Indices (K,) of k-means++ seeds: each next seed drawn with probability ∝ D²."""
    n = z.shape[0]
    idx = np.empty(K, dtype=np.int64)
    idx[0] = rng.integers(n)
    d2 = ((z - z[idx[0]]) ** 2).sum(axis=1)
    for k in range(1, K):
        total = d2.sum()
        if total <= 0:
            # Fewer distinct points than seeds: take any other point.
            idx[k] = rng.integers(n)
        else:
            idx[k] = min(np.searchsorted(np.cumsum(d2), rng.random() * total), n - 1)
        d2 = np.minimum(d2, ((z - z[idx[k]]) ** 2).sum(axis=1))
    return idx


def initial_params(z: np.ndarray, T: np.ndarray, K: int, method: str,
                   rng: np.random.Generator, covariance: str, floor: float) -> Params:
    """A start for EM: "kmeans++" seeds then the M-step of the hard partition
    around them; "random" takes K distinct data points as means with equal
    weights and the data covariance for every component."""
    return initial_params_many(z, T, K, method, [rng], covariance, floor)[0]


def initial_params_many(z: np.ndarray, T: np.ndarray, K: int, method: str, rngs,
                        covariance: str, floor: float) -> list[Params]:
    """:func:`initial_params` for several streams at once: the seeds per stream,
    then one batched M-step for every hard partition."""
    n, d = z.shape
    if method == "random":
        whole = m_step(np.full((K, n), 1.0 / K) @ T.T, n, covariance, floor)
        return [Params(np.full(K, 1.0 / K), z[rng.choice(n, size=K, replace=False)].copy(),
                       whole.cov) for rng in rngs]
    onehots = []
    for rng in rngs:
        centres = z[kmeans_plusplus(z, K, rng)]
        # ‖z - c‖² up to the per-point constant ‖z‖², without an (n, K, d) temporary.
        labels = ((centres * centres).sum(axis=1) - 2.0 * z @ centres.T).argmin(axis=1)
        onehot = np.zeros((K, n))
        onehot[labels, np.arange(n)] = 1.0
        onehots.append(onehot)
    stats = np.stack([o @ T.T for o in onehots])
    batch = m_step_batch(stats, n, covariance, floor)
    starts = []
    for r, onehot in enumerate(onehots):
        start = Params(batch.w[r], batch.mu[r], batch.cov[r])
        # A seed whose cell holds too few points for a covariance gets the pooled
        # within-cell covariance instead of a collapsed one.
        small = onehot.sum(axis=1) < d + 1
        if small.any():
            pooled = m_step(stats[r], n, "tied", floor).cov[0]
            if covariance == "diag":
                pooled = pooled * np.eye(d)
            cov = start.cov.copy()
            cov[small] = pooled
            start = Params(start.w, start.mu, cov)
        starts.append(start)
    return starts
