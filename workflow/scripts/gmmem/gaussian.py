"""Gaussian-specific pieces of EM, written as the exponential family they are.

Everything here works on standardised data z (each column centred and scaled
to unit SD, so that the variance floor and the tolerances are scale-free) and
on the internal parameter triple ``Params(w, mu, cov)``, with a leading batch
axis B for the EM engine (:mod:`gmmem.engine`), which runs many fits at once:
w (B, K), mu (B, K, d), cov (B, K, d, d). The single-fit functions
(``e_step``, ``m_step``, ``em_map``, ``pack``, ``unpack``) are the batch of one.

The log-density of component k is linear in the sufficient statistics
T(z) = [1, z, upper-triangle(z zᵀ)] (p = 1 + d + d(d+1)/2 rows), so one
E-step is p multiply-adds, a log-sum-exp over K, and a matrix product that
yields the expected sufficient statistics the M-step needs. Nothing that
mixes batch items goes through BLAS, and per item every operation has the
same shape whatever the batch holds, so an item's result does not depend on
which other items share its batch. The points are visited in blocks of
``BLOCK``, so working memory does not grow with n.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .estimators import Regulariser, log_penalty, regularised_update

_LOG_2PI = np.log(2.0 * np.pi)
_HALF_LOG_2PI = 0.5 * _LOG_2PI
_TINY_COUNT = 10 * np.finfo(float).eps
# Points per E-step block: (K + p) x BLOCK doubles per item stay in cache-friendly
# sizes, and a fit's working memory is bounded whatever n is.
BLOCK = 1 << 14
CACHE_WORDS = 1 << 15


class Params(NamedTuple):
    """Mixture parameters on the standardised scale: w (K,), mu (K, d), cov (K, d, d),
    with a leading batch axis in the engine."""

    w: np.ndarray
    mu: np.ndarray
    cov: np.ndarray


# ndarray.sum without its Python-level wrapper (the same reduction, so the same
# values): the engine's tail runs many E-steps of a few items, where a call's
# overhead costs more than its arithmetic.
_add = np.add.reduce


@lru_cache(maxsize=None)
def dim_of(P: int) -> int:
    """d from the number of sufficient statistics p = 1 + d + d(d+1)/2."""
    return int(round((np.sqrt(8 * P + 1) - 3) / 2))


@lru_cache(maxsize=None)
def triu(d: int) -> tuple[np.ndarray, np.ndarray]:
    """np.triu_indices(d), computed once per d (it costs more than a small E-step)."""
    return np.triu_indices(d)


def stack(params: list[Params]) -> Params:
    """A batch from single-fit parameters."""
    return Params(*(np.stack(a) for a in zip(*params)))


def take(p: Params, idx) -> Params:
    """Items idx of a batch."""
    return Params(p.w[idx], p.mu[idx], p.cov[idx])


def put(p: Params, idx, q: Params) -> None:
    """Write q into items idx of batch p, in place."""
    p.w[idx], p.mu[idx], p.cov[idx] = q.w, q.mu, q.cov


def features(z: np.ndarray) -> np.ndarray:
    """Sufficient statistics T(z) as a (p, n) array: rows 1, z_j, z_i z_j (i <= j)."""
    n, d = z.shape
    iu, ju = triu(d)
    T = np.empty((1 + d + iu.size, n))
    T[0] = 1.0
    T[1:1 + d] = z.T
    T[1 + d:] = z.T[iu] * z.T[ju]
    return T


def natural_parameters_batch(p: Params) -> np.ndarray:
    """Coefficients θ (B, K, p) with log(w_k N(z; mu_k, cov_k)) = θ_k · T(z)."""
    B, K, d = p.mu.shape
    if d == 1:
        var = p.cov[..., 0, 0]
        mu = p.mu[..., 0]
        theta = np.empty((B, K, 3))
        t0, t1, t2 = theta[..., 0], theta[..., 1], theta[..., 2]
        np.divide(-0.5, var, out=t2)
        np.divide(mu, var, out=t1)
        # log(w / sqrt(var)) - log(2π)/2 + θ2·mu², written in place.
        np.sqrt(var, out=t0)
        np.divide(p.w, t0, out=t0)
        np.log(t0, out=t0)
        t0 -= _HALF_LOG_2PI
        quad = t2 * mu
        quad *= mu
        t0 += quad
        return theta
    chol = np.linalg.cholesky(p.cov)
    inv_chol = np.linalg.inv(chol)
    prec = np.swapaxes(inv_chol, -1, -2) @ inv_chol
    logdet = 2.0 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(axis=-1)
    lin = np.einsum("bkij,bkj->bki", prec, p.mu)
    const = (np.log(p.w) - 0.5 * (d * _LOG_2PI + logdet)
             - 0.5 * np.einsum("bki,bki->bk", lin, p.mu))
    iu, ju = triu(d)
    # z_i z_j appears twice in zᵀΛz off the diagonal, once on it.
    quad = -0.5 * prec[..., iu, ju] * np.where(iu == ju, 1.0, 2.0)
    return np.concatenate([const[..., None], lin, quad], axis=-1)


def natural_parameters(p: Params) -> np.ndarray:
    """θ (K, p) of one fit (see :func:`natural_parameters_batch`)."""
    return natural_parameters_batch(Params(p.w[None], p.mu[None], p.cov[None]))[0]


def _sum_log_rows(v: np.ndarray, K: int) -> np.ndarray:
    """Σ_i log v_bi per row of v (B, L) with v in [1, K], one log per block of products.

    The block length depends only on K (K^block < 1e300), so a row's result is
    the same whatever other rows hold; each block's product carries a relative
    error of about block·eps, ~1e-13 in the sum, and costs a fraction of a log pass.
    """
    if K == 1:
        return np.zeros(v.shape[0])  # v = 1 exactly
    starts = _block_starts(v.shape[1], K)
    if starts.size == 1:  # one block: its product, in the same order as reduceat's
        return np.log(np.multiply.reduce(v, axis=1))
    return _add(np.log(np.multiply.reduceat(v, starts, axis=1)), axis=1)


@lru_cache(maxsize=256)
def _block_starts(L: int, K: int) -> np.ndarray:
    """Where :func:`_sum_log_rows`'s blocks of products start (cached: an E-step of
    a few items costs little more than making this array)."""
    return np.arange(0, L, int(min(512, 690.0 / np.log(K))))


def feature_rows(z: np.ndarray) -> np.ndarray:
    """The rows of T(z) after the row of ones, (S, p - 1, n): z_j, then z_i z_j
    (i <= j), from data sets z (S, d, n). The E-step takes these in place of
    z, so a batch of small data sets forms its products once per fit, not
    once per EM map (the same products, so the same values)."""
    S, d, n = z.shape
    out = np.empty((S, d + d * (d + 1) // 2, n))
    out[:, :d] = z
    _products(z, out[:, d:])
    return out


def _products(z: np.ndarray, out: np.ndarray) -> None:
    """z_i z_j (i <= j) of z (B, d, L) into out (B, d(d+1)/2, L)."""
    d = z.shape[1]
    if d == 1:
        np.multiply(z, z, out=out)
    else:
        iu, ju = triu(d)
        np.multiply(z[:, iu], z[:, ju], out=out)


def e_step_batch(z: np.ndarray, theta: np.ndarray,
                 data_of: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Expected sufficient statistics (B, K, p) = Σ_i τ_ik T(z_i) and log-likelihoods (B,).

    z (S, d, n) holds S standardised data sets, points along the last axis
    (so every pass runs over contiguous rows), or their :func:`feature_rows`
    (S, p - 1, n); item b fits data set ``data_of[b]`` (default: item b fits
    data set b); θ (B, K, p). Log-likelihoods are those of the parameters
    the responsibilities were computed from, accumulated in log space, so
    they stay finite for far points.
    """
    if data_of is None:
        data_of = np.arange(z.shape[0])
    B = data_of.size
    n = z.shape[2]
    K, P = theta.shape[1:]
    d = dim_of(P)
    L = min(n, BLOCK)
    # Items per pass: the (items, K, L) work arrays stay within CACHE_WORDS
    # doubles, where the E-step runs at cache speed rather than memory speed.
    rows = max(1, CACHE_WORDS // (K * L))
    if B <= rows and n <= BLOCK:  # one pass: the tail of a batch, or small data
        return _e_step_block(z[data_of], theta, K, P, d)
    stats = np.empty((B, K, P))
    loglik = np.empty(B)
    for b0 in range(0, B, rows):
        items = slice(b0, b0 + rows)
        for a in range(0, n, BLOCK):
            s_part, l_part = _e_step_block(z[data_of[items], :, a:a + BLOCK], theta[items], K, P, d)
            # The first block is assigned, not added to zeros: an item's sums are
            # then the same bytes whether it ran in one pass or in several.
            if a == 0:
                stats[items], loglik[items] = s_part, l_part
            else:
                stats[items] += s_part
                loglik[items] += l_part
    return stats, loglik


def _e_step_block(zb: np.ndarray, theta: np.ndarray, K: int, P: int, d: int):
    """Statistics (B, K, p) and log-likelihoods (B,) of one block of points zb
    (B, d, L), or of its feature rows (B, p - 1, L)."""
    B, r, L = zb.shape
    if r == P - 1:
        # Row-major points: the dot products below then run over contiguous rows,
        # the same summation for an item whatever array it was gathered from.
        T = np.ascontiguousarray(zb)
    else:
        T = np.empty((B, P - 1, L))
        T[:, :d] = zb
        _products(T[:, :d], T[:, d:])
    if d == 1:
        z = T[:, None, 0]  # (B, 1, L)
        # log(w_k φ_k) = (θ2·z + θ1)·z + θ0: Horner, two multiply-adds per point.
        logp = theta[..., 2, None] * z
        logp += theta[..., 1, None]
        logp *= z
        logp += theta[..., 0, None]
    else:
        # θ·T as p elementwise multiply-adds: no BLAS, so no batch-dependent blocking.
        logp = theta[..., 1, None] * T[:, None, 0]
        logp += theta[..., 0, None]
        for j in range(2, P):
            logp += theta[..., j, None] * T[:, None, j - 1]
    if K == 2:
        # exp(top - top) = 1 exactly, so only the smaller term needs an exp: half
        # the exps (the E-step's dominant cost), the same values as the general
        # path. With low in [0, 1], max(low, 1) = 1 and max(low, 0) = low pick
        # each component's term, and a NaN stays NaN in both.
        l0, l1 = logp[:, 0], logp[:, 1]
        top = np.maximum(l0, l1)
        low = np.minimum(l0, l1)
        low -= top
        np.exp(low, out=low)
        first = l0 >= l1
        np.maximum(low, first, out=l0)
        np.maximum(low, ~first, out=l1)
        total = l0 + l1
    else:
        # Max and sum over K as K - 1 binary operations (in k order, as a
        # reduction would add): cheaper than a reduction over the middle axis.
        top = logp[:, 0].copy()
        for k in range(1, K):
            np.maximum(top, logp[:, k], out=top)
        logp -= top[:, None, :]
        np.exp(logp, out=logp)
        total = logp[:, 0].copy()
        for k in range(1, K):
            total += logp[:, k]
    loglik = _add(top, axis=1) + _sum_log_rows(total, K)
    logp /= total[:, None, :]  # responsibilities τ_ik
    # Σ_i τ_ik T_j(z_i) as one dot product per (item, k, j) along the points
    # (np.vecdot is 2-3x faster than a batched matmul of these thin matrices),
    # every row of T in one call.
    stats = np.empty((B, K, P))
    _add(logp, axis=-1, out=stats[..., 0])
    np.vecdot(logp[:, :, None, :], T[:, None], out=stats[..., 1:])
    return stats, loglik


def e_step(T: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, float]:
    """Expected sufficient statistics and log-likelihood of one fit.

    The batch of one of :func:`e_step_batch`.

    Parameters
    ----------
    T : ndarray, shape (p, n)
        Features T(z) of standardised data (:func:`features`), p = 1 + d + d(d+1)/2.
    theta : ndarray, shape (K, p)
        Natural parameters (:func:`natural_parameters`).

    Returns
    -------
    stats : ndarray, shape (K, p)
        Σ_i τ_ik T(z_i).
    loglik : float
        The log-likelihood of the parameters the responsibilities came from.
    """
    stats, loglik = e_step_batch(T[None, 1:], theta[None])
    return stats[0], float(loglik[0])


def log_likelihood(T: np.ndarray, theta: np.ndarray) -> float:
    """The log-likelihood Σ_i log Σ_k exp(θ_k · T(z_i)).

    Parameters
    ----------
    T : ndarray, shape (p, n)
        Features of standardised data (:func:`features`).
    theta : ndarray, shape (K, p)
        Natural parameters (:func:`natural_parameters`).

    Returns
    -------
    float
    """
    return e_step(T, theta)[1]


def floor_covariances(cov: np.ndarray, floor: float) -> np.ndarray:
    """Raise every eigenvalue of each (d, d) matrix to at least ``floor``.

    This is the exact constrained maximiser of the Gaussian M-step objective
    under that eigenvalue bound, so EM stays monotone with the floor in place.
    Only matrices below the floor are rebuilt, so a matrix's result never
    depends on the others in its batch.
    """
    d = cov.shape[-1]
    if d == 1:
        return np.maximum(cov, floor)
    vals, vecs = np.linalg.eigh(cov)
    low = vals[..., 0] < floor
    if not low.any():
        return cov
    vals = np.maximum(vals[low], floor)
    out = (vecs[low] * vals[..., None, :]) @ np.swapaxes(vecs[low], -1, -2)
    cov = cov.copy()
    cov[low] = 0.5 * (out + np.swapaxes(out, -1, -2))
    return cov


def m_step_batch(stats: np.ndarray, n: int, covariance: str, floor: float,
                 reg: Regulariser | None = None) -> Params:
    """Weights, means and covariances (batched) that maximise the expected
    complete-data log-likelihood (plus log p(θ) of a prior or penalty ``reg``,
    see :mod:`gmmem.estimators`) from statistics (B, K, p).

    A component whose expected count underflows keeps finite parameters (its
    count is raised to a tiny positive number); variances are floored, which
    is the exact constrained maximiser for the MLE and both regularisers (their
    objective in Σ_k is −c/2·log|Σ_k| − ½tr(AΣ_k⁻¹), maximised at A/c).
    """
    B, K, P = stats.shape
    d = dim_of(P)
    counts = np.maximum(stats[..., 0], _TINY_COUNT)
    w = counts / _add(counts, axis=-1, keepdims=True)
    mu = stats[..., 1:1 + d] / counts[..., None]
    if d == 1 and reg is None and covariance != "tied":
        # The general path's arithmetic without its (d, d) scaffolding (same values).
        var = stats[..., 2] / counts
        var -= mu[..., 0] * mu[..., 0]
        return Params(w, mu, np.maximum(var, floor)[..., None, None])
    iu, ju = triu(d)
    second = np.empty((B, K, d, d))
    second[..., iu, ju] = stats[..., 1 + d:] / counts[..., None]
    second[..., ju, iu] = second[..., iu, ju]
    outer = mu[..., :, None] * mu[..., None, :]
    if reg is not None:
        scatter = (second - outer) * counts[..., None, None]
        mu, cov = regularised_update(counts, mu, scatter, reg, covariance, n)
        return Params(w, mu, floor_covariances(cov, floor))
    if covariance == "tied":
        shared = ((second - outer) * w[..., None, None]).sum(axis=1)
        cov = np.broadcast_to(shared[:, None], (B, K, d, d)).copy()
    else:
        cov = second - outer
        if covariance == "diag":
            cov = cov * np.eye(d)
    return Params(w, mu, floor_covariances(cov, floor))


def m_step(stats: np.ndarray, n: int, covariance: str, floor: float,
           reg: Regulariser | None = None) -> Params:
    """The M-step of one fit (the batch of one of :func:`m_step_batch`).

    Parameters
    ----------
    stats : ndarray, shape (K, p)
        Expected sufficient statistics (:func:`e_step`).
    n : int
        Observations (the regularisers' updates need it).
    covariance : {"full", "diag", "tied"}
        Covariance structure.
    floor : float
        Smallest variance (eigenvalue), on the standardised scale.
    reg : Regulariser, optional
        A prior or penalty (:func:`gmmem.estimators.regulariser`); None for the MLE.

    Returns
    -------
    Params
        Weights (K,), means (K, d) and covariances (K, d, d) maximising the
        expected complete-data log-likelihood (plus log p(θ) with ``reg``).
    """
    p = m_step_batch(stats[None], n, covariance, floor, reg)
    return Params(p.w[0], p.mu[0], p.cov[0])


def em_map_batch(z: np.ndarray, p: Params, covariance: str, floor: float,
                 reg: Regulariser | None = None,
                 data_of: np.ndarray | None = None) -> tuple[Params, np.ndarray]:
    """One EM step per item: updated parameters, and the objective (B,) of the input
    ones (log-likelihood, plus log p(θ) with a prior or penalty ``reg``).
    z (S, d, n), or its :func:`feature_rows`; item b fits data set ``data_of[b]``."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        stats, objective = e_step_batch(z, natural_parameters_batch(p), data_of)
    return _finish_map(stats, objective, p, n=z.shape[2], covariance=covariance, floor=floor,
                       reg=reg)


def em_map_raw(z, p, covariance, floor, reg=None, data_of=None):
    """:func:`em_map_batch` for a caller that already ignores floating-point
    warnings (the engine runs its whole loop in one such context rather than
    entering one per EM map)."""
    stats, objective = e_step_batch(z, natural_parameters_batch(p), data_of)
    return _finish_map(stats, objective, p, z.shape[2], covariance, floor, reg)


def _finish_map(stats, objective, p, n, covariance, floor, reg):
    if reg is not None:
        objective = objective + log_penalty(p.mu, p.cov, reg, covariance)
    return m_step_batch(stats, n, covariance, floor, reg), objective


def em_map(T: np.ndarray, p: Params, covariance: str, floor: float,
           reg: Regulariser | None = None) -> tuple[Params, float]:
    """One EM step of one fit from its features T (p, n) (the batch of one)."""
    q, objective = em_map_batch(T[None, 1:], Params(p.w[None], p.mu[None], p.cov[None]),
                                covariance, floor, reg)
    return Params(q.w[0], q.mu[0], q.cov[0]), float(objective[0])


# --- an unconstrained coordinate system for extrapolation (SQUAREM) ----------

def pack_batch(p: Params, covariance: str) -> np.ndarray:
    """Parameters (batched) as unconstrained vectors (B, q): log w, mu, log-Cholesky of cov."""
    B, K, d = p.mu.shape
    if d == 1:  # the general path's values, written in place (it runs every SQUAREM cycle)
        kc = 1 if covariance == "tied" else K
        v = np.empty((B, 2 * K + kc))
        np.log(p.w, out=v[:, :K])
        v[:, K:2 * K] = p.mu[..., 0]
        np.log(p.cov[:, :kc, 0, 0], out=v[:, 2 * K:])
        return v
    if covariance == "diag":
        cov_part = np.log(np.diagonal(p.cov, axis1=-2, axis2=-1))
        if covariance == "tied":
            cov_part = cov_part[:, :1]
    else:
        chol = np.linalg.cholesky(p.cov[:, :1] if covariance == "tied" else p.cov)
        il, jl = np.tril_indices(d)
        vals = chol[..., il, jl]
        vals[..., il == jl] = np.log(vals[..., il == jl])
        cov_part = vals
    return np.concatenate([np.log(p.w), p.mu.reshape(B, -1), cov_part.reshape(B, -1)], axis=1)


def unpack_batch(v: np.ndarray, K: int, d: int, covariance: str, floor: float) -> Params:
    """Inverse of :func:`pack_batch` (weights renormalised, covariances floored)."""
    B = v.shape[0]
    logw = v[:, :K]
    w = np.exp(logw - logw.max(axis=1, keepdims=True))
    w /= _add(w, axis=1, keepdims=True)
    # A weight that extrapolated to exactly zero would make log w = -inf.
    np.maximum(w, 1e-300, out=w)
    mu = v[:, K:K + K * d].reshape(B, K, d)
    rest = v[:, K + K * d:]
    if d == 1:  # the general path's values without its (d, d) scaffolding
        var = np.exp(np.minimum(np.maximum(rest, -700), 700))
        cov = var.reshape(B, -1, 1, 1)
        if cov.shape[1] != K:
            cov = np.broadcast_to(cov, (B, K, 1, 1)).copy()
        return Params(w, mu, np.maximum(cov, floor))
    if covariance == "diag":
        var = np.exp(np.clip(rest, -700, 700)).reshape(B, -1, d)
        cov = var[..., :, None] * np.eye(d)
    else:
        il, jl = np.tril_indices(d)
        vals = rest.reshape(B, -1, il.size).copy()
        vals[..., il == jl] = np.exp(np.clip(vals[..., il == jl], -350, 350))
        chol = np.zeros((B, vals.shape[1], d, d))
        chol[..., il, jl] = vals
        cov = chol @ np.swapaxes(chol, -1, -2)
    if cov.shape[1] != K:
        cov = np.broadcast_to(cov, (B, K, d, d)).copy()
    return Params(w, mu, floor_covariances(cov, floor))


def pack(p: Params, covariance: str) -> np.ndarray:
    """One fit's parameters as an unconstrained vector (see :func:`pack_batch`)."""
    return pack_batch(Params(p.w[None], p.mu[None], p.cov[None]), covariance)[0]


def unpack(v: np.ndarray, K: int, d: int, covariance: str, floor: float) -> Params:
    """Inverse of :func:`pack` for one fit."""
    p = unpack_batch(v[None], K, d, covariance, floor)
    return Params(p.w[0], p.mu[0], p.cov[0])
