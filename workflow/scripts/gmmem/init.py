"""Starting values for EM on standardised data."""

from __future__ import annotations

from .settings import BY_NAME as _SETTINGS

import numpy as np

from . import engine
from ._validate import ROWS, row_chunks
from .gaussian import Params, floor_covariances, m_step, m_step_batch, triu

INIT_METHODS = _SETTINGS["init"].choices

# The "emem" strategy (see :func:`emem_short_starts`): per restart asked for,
# SHORT_PER_RESTART short runs (half k-means++, half spread starts) of
# SHORT_ITER EM maps each, of which the best n_restarts are run on.
SHORT_PER_RESTART = 8
SHORT_ITER = 10
# The child of a fit's seed whose children seed the short runs: above every
# restart (children 0..n_restarts-1, n_restarts <= 10 000), select_k child (K)
# and the bootstrap's child (2^20).
EMEM_KEY = 1 << 21
# Spread starts: a component's SD is its bin's over an Exp(1) draw, held within
# these factors (mixtools draws it without bounds).
SPREAD_FACTORS = (0.01, 100.0)


def _sq_dist(z: np.ndarray, c: np.ndarray) -> np.ndarray:
    """‖z_i − c‖² (n,), over row chunks for large n (no (n, d) temporary)."""
    if z.shape[0] <= ROWS:
        return ((z - c) ** 2).sum(axis=1)
    out = np.empty(z.shape[0])
    for s in row_chunks(z.shape[0]):
        out[s] = ((z[s] - c) ** 2).sum(axis=1)
    return out


def _draw(d2: np.ndarray, u: float) -> int:
    """The index where the cumulative sum of d2 first reaches u·Σd2 (cumsum over
    row chunks for large n)."""
    n = d2.size
    if n <= ROWS:
        return min(int(np.searchsorted(np.cumsum(d2), u * d2.sum())), n - 1)
    target, acc = u * d2.sum(), 0.0
    for s in row_chunks(n):
        cs = np.cumsum(d2[s]) + acc
        pos = int(np.searchsorted(cs, target))
        if pos < cs.size:
            return s.start + pos
        acc = cs[-1]
    return n - 1


def kmeans_plusplus(z: np.ndarray, K: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of k-means++ seeds (Arthur & Vassilvitskii 2007).

    Each next seed is drawn with probability ∝ D², the squared distance to the
    nearest seed so far.

    Parameters
    ----------
    z : ndarray, shape (n, d)
        The points.
    K : int
        Seeds to draw.
    rng : numpy.random.Generator
        The stream to draw from.

    Returns
    -------
    ndarray of int64, shape (K,)
    """
    n = z.shape[0]
    idx = np.empty(K, dtype=np.int64)
    idx[0] = rng.integers(n)
    d2 = _sq_dist(z, z[idx[0]])
    for k in range(1, K):
        if d2.sum() <= 0:
            # Fewer distinct points than seeds: take any other point.
            idx[k] = rng.integers(n)
        else:
            idx[k] = _draw(d2, rng.random())
        np.minimum(d2, _sq_dist(z, z[idx[k]]), out=d2)
    return idx


def partition_stats(z: np.ndarray, labels: np.ndarray, K: int) -> np.ndarray:
    """Sufficient statistics (K, p) of a hard partition: counts, sums and
    second moments per cell, with O(n) working memory (no (K, n) indicator)."""
    n, d = z.shape
    iu, ju = triu(d)
    stats = np.zeros((K, 1 + d + iu.size))
    for s in row_chunks(n):
        lab, zs = labels[s], z[s]
        stats[:, 0] += np.bincount(lab, minlength=K)
        for j in range(d):
            stats[:, 1 + j] += np.bincount(lab, weights=zs[:, j], minlength=K)
        for m, (i, j) in enumerate(zip(iu, ju)):
            stats[:, 1 + d + m] += np.bincount(lab, weights=zs[:, i] * zs[:, j], minlength=K)
    return stats


def nearest(z: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for every point, with O(n) working memory."""
    # The smallest integer type that holds K labels: 1 byte a point, not 8.
    labels = np.zeros(z.shape[0], dtype=np.min_scalar_type(len(centres)))
    for s in row_chunks(z.shape[0]):
        best = ((z[s] - centres[0]) ** 2).sum(axis=1)
        for k in range(1, len(centres)):
            dist = ((z[s] - centres[k]) ** 2).sum(axis=1)
            labels[s][dist < best] = k
            np.minimum(best, dist, out=best)
    return labels


def _kmeans_plusplus_stats(zs: np.ndarray, K: int, rngs) -> np.ndarray:
    """Partition statistics (R, K, p) of k-means++ seeds of R streams, stream r
    seeding data set zs[r] (zs (R, n, d), a broadcast view when they share one):
    the same draws, seeds, cells and sums as :func:`kmeans_plusplus`,
    :func:`nearest` and :func:`partition_stats` per stream (every reduction runs
    along the same axis in the same order), as (R, n) arrays. For n <= ROWS."""
    R, n, d = zs.shape
    rows = np.arange(R)
    idx = np.empty((R, K), dtype=np.int64)
    idx[:, 0] = [rng.integers(n) for rng in rngs]
    dist = lambda c: ((zs - c[:, None, :]) ** 2).sum(axis=2)  # (R, n)
    d2 = dist(zs[rows, idx[:, 0]])
    for k in range(1, K):
        total = d2.sum(axis=1)
        u = np.array([rng.random() if t > 0 else np.nan for rng, t in zip(rngs, total.tolist())])
        cum = np.cumsum(d2, axis=1)
        # The first index whose cumulative sum reaches u·Σd2 (searchsorted, left).
        idx[:, k] = np.minimum((cum < (u * total)[:, None]).sum(axis=1), n - 1)
        for r in np.flatnonzero(~(total > 0)).tolist():
            # Fewer distinct points than seeds: take any other point.
            idx[r, k] = rngs[r].integers(n)
        np.minimum(d2, dist(zs[rows, idx[:, k]]), out=d2)
    centres = zs[rows[:, None], idx]  # (R, K, d)
    labels = np.zeros((R, n), dtype=np.int64)
    best = dist(centres[:, 0])
    for k in range(1, K):
        other = dist(centres[:, k])
        labels[other < best] = k
        np.minimum(best, other, out=best)
    # One bincount for every stream: cell (r, k) is bin r·K + k, and each bin
    # adds its points in the order a per-stream bincount would.
    bins = (labels + K * rows[:, None]).ravel()
    iu, ju = triu(d)
    stats = np.empty((R * K, 1 + d + iu.size))
    stats[:, 0] = np.bincount(bins, minlength=R * K)
    zr = np.ascontiguousarray(zs).reshape(R * n, d)
    for j in range(d):
        stats[:, 1 + j] = np.bincount(bins, weights=zr[:, j], minlength=R * K)
    for m, (i, j) in enumerate(zip(iu, ju)):
        stats[:, 1 + d + m] = np.bincount(bins, weights=zr[:, i] * zr[:, j], minlength=R * K)
    return stats.reshape(R, K, -1)


def kmeans_plusplus_starts(zs: list[np.ndarray], K: int, rngs: list[list], covariance: str,
                           floor: float) -> list[list[Params]]:
    """``initial_params_many(zs[s], K, "kmeans++", rngs[s], ...)`` for every data
    set s at once (all (n, d) with n <= ROWS): the same starts, with the
    per-stream work of every data set's restarts in shared array passes."""
    n, d = zs[0].shape
    owner = np.repeat(np.arange(len(zs)), [len(r) for r in rngs])
    flat = [rng for group in rngs for rng in group]
    # Streams per pass: its (streams, n) working arrays, about 10 + 4d doubles a
    # point per stream, stay within the engine's memory bound.
    size = max(1, engine.MEMORY_BOUND // (8 * n * (10 + 4 * d)))
    stats = np.concatenate([
        _kmeans_plusplus_stats(np.stack([zs[s] for s in owner[a:a + size]]), K, flat[a:a + size])
        for a in range(0, len(flat), size)]) if flat else np.empty((0, K, 1 + d + d * (d + 1) // 2))
    starts = _starts_from_cells(stats, n, d, covariance, floor)
    out, at = [], 0
    for group in rngs:
        out.append(starts[at:at + len(group)])
        at += len(group)
    return out


def _starts_from_cells(stats: np.ndarray, n: int, d: int, covariance: str,
                       floor: float) -> list[Params]:
    """One start per hard partition (R, K, p): its M-step, a cell too small for a
    covariance taking the pooled within-cell covariance instead of a collapsed one."""
    batch = m_step_batch(stats, n, covariance, floor)
    starts = []
    for r in range(stats.shape[0]):
        start = Params(batch.w[r], batch.mu[r], batch.cov[r])
        small = stats[r, :, 0] < d + 1
        if small.any():
            pooled = m_step(stats[r], n, "tied", floor).cov[0]
            if covariance == "diag":
                pooled = pooled * np.eye(d)
            cov = start.cov.copy()
            cov[small] = pooled
            start = Params(start.w, start.mu, cov)
        starts.append(start)
    return starts


def initial_params(z: np.ndarray, K: int, method: str, rng: np.random.Generator,
                   covariance: str, floor: float) -> Params:
    """A start for EM: "kmeans++" seeds then the M-step of the hard partition
    around them; "random" takes K distinct data points as means with equal
    weights and the data covariance for every component."""
    return initial_params_many(z, K, method, [rng], covariance, floor)[0]


def initial_params_many(z: np.ndarray, K: int, method: str, rngs, covariance: str,
                        floor: float) -> list[Params]:
    """:func:`initial_params` for several streams at once: the seeds per stream,
    then one batched M-step for every hard partition. Working memory is O(n)
    whatever K, so a start costs little beside the data even at n = 10^8."""
    n, d = z.shape
    if method not in ("kmeans++", "random"):
        raise ValueError(f"method must be 'kmeans++' or 'random' (one start each), got {method!r}")
    if method == "random":
        whole = partition_stats(z, np.zeros(n, dtype=np.int64), 1) / K
        cov = m_step(np.repeat(whole, K, axis=0), n, covariance, floor).cov
        return [Params(np.full(K, 1.0 / K), z[rng.choice(n, size=K, replace=False)].copy(), cov)
                for rng in rngs]
    if n <= ROWS:
        return kmeans_plusplus_starts([z], K, [list(rngs)], covariance, floor)[0]
    # One stream at a time: O(n) working memory.
    stats = np.stack([partition_stats(z, nearest(z, z[kmeans_plusplus(z, K, rng)]), K)
                      for rng in rngs])
    return _starts_from_cells(stats, n, d, covariance, floor)


def spread_starts(z: np.ndarray, K: int, rngs, covariance: str, floor: float) -> list[Params]:
    """Starts drawn as mixtools' ``normalmix.init`` draws them (Benaglia et al.
    2009, J. Stat. Softw. 32(6)), one per stream, generalised to d dimensions:
    the points sorted along a direction (the axis for d = 1, else a random unit
    vector per stream) cut into K bins of equal count, bin k's mean m_k and
    covariance C_k; then per component an SD factor s_k = 1/E_k (E_k ~ Exp(1),
    held in :data:`SPREAD_FACTORS`; one shared factor for "tied"), covariance
    s_k²·C_k, mean m_k + s_k·chol(C_k)·N(0, I), and weights ∝ 1/2 + U(0, 1)
    (mixtools: U(0, 1), redrawn until each is >= 0.05). Unlike a partition's
    M-step these starts differ in spread: a narrow component inside a wide
    one is among them. z (n, d) standardised; O(n) working memory per stream."""
    n, d = z.shape
    R = len(rngs)
    lo, hi = SPREAD_FACTORS
    # Bin of the i-th smallest point: equal counts, as mixtools' bins.
    bin_of_rank = np.minimum(np.arange(n) * K // n, K - 1)

    def cells(projection):
        labels = np.empty(n, dtype=np.int64)
        labels[np.argsort(projection, kind="stable")] = bin_of_rank
        return partition_stats(z, labels, K)

    draws = []
    for rng in rngs:
        u = rng.standard_normal(d) if d > 1 else None
        draws.append((u, rng.standard_exponential(K), rng.standard_normal((K, d)), rng.random(K)))
    if not draws:
        return []
    if d == 1:  # one sort for every stream
        one = cells(z[:, 0])
        stats = np.broadcast_to(one, (R,) + one.shape)
    else:
        stats = np.stack([cells(z @ u) for u, *_ in draws])
    base = _starts_from_cells(np.ascontiguousarray(stats), n, d, covariance, floor)
    cmu = np.stack([b.mu for b in base])  # (R, K, d)
    ccov = np.stack([b.cov for b in base])  # (R, K, d, d)
    sd = np.clip(1.0 / np.stack([e for _, e, _, _ in draws]), lo, hi)  # (R, K)
    if covariance == "tied":
        sd = np.repeat(sd[:, :1], K, axis=1)
    eps = np.stack([g for _, _, g, _ in draws])  # (R, K, d)
    lam = 0.5 + np.stack([v for *_, v in draws])
    chol = np.sqrt(ccov) if d == 1 else np.linalg.cholesky(ccov)
    mu = cmu + sd[..., None] * np.einsum("rkij,rkj->rki", chol, eps)
    cov = floor_covariances(ccov * (sd * sd)[..., None, None], floor)
    if covariance == "diag":  # (a floored matrix is rebuilt from its eigenvectors)
        cov = cov * np.eye(d)
    w = lam / lam.sum(axis=1, keepdims=True)
    return [Params(w[r], mu[r], cov[r]) for r in range(R)]


def emem_short_starts(zs: list[np.ndarray], K: int, parents: list, n_restarts: int,
                      covariance: str, floor: float) -> list[list[Params]]:
    """The short-run starts of the "emem" strategy for data sets zs[s] (each (n, d),
    one shape) with seed parents[s]: SHORT_PER_RESTART·n_restarts per data set,
    the first half k-means++ starts (streams: children of child (EMEM_KEY, 0) of
    the seed), the second half :func:`spread_starts` (children of (EMEM_KEY, 1)).
    Biernacki, Celeux & Govaert (2003, CSDA 41:561–575, "em-EM") run many
    short EM runs from random starts and continue the best; these two kinds
    differ in where the components sit (k-means++) and how wide they are (spread)."""
    from .streams import Parent, restart_streams_many

    half = SHORT_PER_RESTART * n_restarts // 2
    keyed = lambda j: [Parent(p.entropy, tuple(p.spawn_key) + (EMEM_KEY, j)) for p in parents]
    kpp_streams = restart_streams_many(keyed(0), half)
    spread_streams = restart_streams_many(keyed(1), half)
    n = zs[0].shape[0]
    if n <= ROWS:
        kpp = kmeans_plusplus_starts(zs, K, kpp_streams, covariance, floor)
    else:
        kpp = [initial_params_many(z, K, "kmeans++", r, covariance, floor)
               for z, r in zip(zs, kpp_streams)]
    return [a + spread_starts(z, K, r, covariance, floor)
            for z, a, r in zip(zs, kpp, spread_streams)]


def best_short_runs(runs, per_set: int, keep: int) -> list[int]:
    """Indices of the ``keep`` runs with the highest objective in each data set's
    consecutive block of ``per_set`` runs (non-finite ones last; ties in
    start order), data set by data set."""
    obj = np.array([r.loglik for r in runs], dtype=float).reshape(-1, per_set)
    obj[~np.isfinite(obj)] = -np.inf
    order = np.argsort(-obj, axis=1, kind="stable")[:, :keep]
    return (order + per_set * np.arange(obj.shape[0])[:, None]).ravel().tolist()
