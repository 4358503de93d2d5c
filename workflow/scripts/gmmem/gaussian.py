"""Gaussian-specific pieces of EM, written as the exponential family they are.

Everything here works on standardised data z (each column centred and scaled
to unit SD, so that the variance floor and the tolerances are scale-free) and
on the internal parameter triple ``Params(w (K,), mu (K, d), cov (K, d, d))``.

The log-density of component k is linear in the sufficient statistics
T(z) = [1, z, upper-triangle(z zᵀ)] (p = 1 + d + d(d+1)/2 rows), so one
E-step is a matrix product, a log-sum-exp over K, and a second matrix product
that yields the expected sufficient statistics the M-step needs. Arrays are
laid out (K, n) so that reductions over K run along contiguous rows.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .estimators import Regulariser, log_penalty, regularised_update

_LOG_2PI = np.log(2.0 * np.pi)
_TINY_COUNT = 10 * np.finfo(float).eps


class Params(NamedTuple):
    """Mixture parameters on the standardised scale: w (K,), mu (K, d), cov (K, d, d)."""

    w: np.ndarray
    mu: np.ndarray
    cov: np.ndarray


def features(z: np.ndarray) -> np.ndarray:
    """Sufficient statistics T(z) as a (p, n) array: rows 1, z_j, z_i z_j (i <= j)."""
    n, d = z.shape
    iu, ju = np.triu_indices(d)
    T = np.empty((1 + d + iu.size, n))
    T[0] = 1.0
    T[1:1 + d] = z.T
    T[1 + d:] = z.T[iu] * z.T[ju]
    return T


def natural_parameters(p: Params) -> np.ndarray:
    """Coefficients θ (K, p) with log(w_k N(z; mu_k, cov_k)) = θ_k · T(z)."""
    K, d = p.mu.shape
    if d == 1:
        var = p.cov[:, 0, 0]
        mu = p.mu[:, 0]
        theta = np.empty((K, 3))
        theta[:, 2] = -0.5 / var
        theta[:, 1] = mu / var
        theta[:, 0] = np.log(p.w / np.sqrt(var)) - 0.5 * _LOG_2PI + theta[:, 2] * mu * mu
        return theta
    chol = np.linalg.cholesky(p.cov)
    inv_chol = np.linalg.inv(chol)
    prec = np.swapaxes(inv_chol, 1, 2) @ inv_chol
    logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    lin = np.einsum("kij,kj->ki", prec, p.mu)
    const = np.log(p.w) - 0.5 * (d * _LOG_2PI + logdet) - 0.5 * np.einsum("ki,ki->k", lin, p.mu)
    iu, ju = np.triu_indices(d)
    # z_i z_j appears twice in zᵀΛz off the diagonal, once on it.
    quad = -0.5 * prec[:, iu, ju] * np.where(iu == ju, 1.0, 2.0)
    return np.column_stack([const, lin, quad])


def e_step(T: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, float]:
    """Expected sufficient statistics S (K, p) = Σ_i τ_ik T(z_i), and log-likelihood.

    The log-likelihood is that of the parameters θ the responsibilities τ
    were computed from, accumulated in log space (log-sum-exp), so it stays
    finite for points far from every component.
    """
    logp = theta @ T
    top = logp.max(axis=0)
    logp -= top
    np.exp(logp, out=logp)
    total = logp.sum(axis=0)
    loglik = float(top.sum() + sum_log(total))
    # τ_ik = e_ik / total_i, folded into the second product instead of a K x n pass.
    stats = logp @ (T / total).T
    return stats, loglik


def sum_log(v: np.ndarray) -> float:
    """Σ log v_i for v_i in [1, K], taking one log per block of products.

    Each block's product stays below 1e300 and carries a relative error of
    about block·eps, so this equals the plain sum of logs to ~1e-13 while
    costing a small fraction of a log pass (the E-step's second most
    expensive operation after exp).
    """
    if v.size < 4096:  # below this the per-call overhead outweighs the saving
        return float(np.log(v).sum())
    vmax = float(v.max())
    block = int(min(512, 690.0 / np.log(vmax))) if vmax > 1.0 else v.size
    if block < 2:
        return float(np.log(v).sum())
    return float(np.log(np.multiply.reduceat(v, np.arange(0, v.size, block))).sum())


def log_likelihood(T: np.ndarray, theta: np.ndarray) -> float:
    """Σ_i log Σ_k exp(θ_k · T(z_i))."""
    logp = theta @ T
    top = logp.max(axis=0)
    return float(top.sum() + np.log(np.exp(logp - top).sum(axis=0)).sum())


def floor_covariances(cov: np.ndarray, floor: float) -> np.ndarray:
    """Raise every eigenvalue of each (d, d) matrix to at least ``floor``.

    This is the exact constrained maximiser of the Gaussian M-step objective
    under that eigenvalue bound, so EM stays monotone with the floor in place.
    """
    d = cov.shape[-1]
    if d == 1:
        return np.maximum(cov, floor)
    vals, vecs = np.linalg.eigh(cov)
    if vals.min() >= floor:
        return cov
    vals = np.maximum(vals, floor)
    out = (vecs * vals[..., None, :]) @ np.swapaxes(vecs, -1, -2)
    return 0.5 * (out + np.swapaxes(out, -1, -2))


def m_step(stats: np.ndarray, n: int, covariance: str, floor: float,
           reg: "Regulariser | None" = None) -> Params:
    """Weights, means and covariances that maximise the expected complete-data loglik
    (plus log p(θ) of a prior or penalty ``reg``, see :mod:`gmmem.estimators`).

    ``stats`` are the expected sufficient statistics from :func:`e_step`. A
    component whose expected count underflows keeps finite parameters (its
    count is raised to a tiny positive number); variances are floored, which
    is the exact constrained maximiser for the MLE and both regularisers (their
    objective in Σ_k is −c/2·log|Σ_k| − ½tr(AΣ_k⁻¹), maximised at A/c).
    """
    K, p = stats.shape
    d = int(round((np.sqrt(8 * p + 1) - 3) / 2))  # p = 1 + d + d(d+1)/2
    counts = np.maximum(stats[:, 0], _TINY_COUNT)
    w = counts / counts.sum()
    mu = stats[:, 1:1 + d] / counts[:, None]
    if d == 1:
        second = (stats[:, 2] / counts)[:, None, None]
    else:
        iu, ju = np.triu_indices(d)
        second = np.empty((K, d, d))
        second[:, iu, ju] = stats[:, 1 + d:] / counts[:, None]
        second[:, ju, iu] = second[:, iu, ju]
    outer = mu[:, :, None] * mu[:, None, :]
    if reg is not None:
        scatter = (second - outer) * counts[:, None, None]
        mu, cov = regularised_update(counts, mu, scatter, reg, covariance, n)
        return Params(w, mu, floor_covariances(cov, floor))
    if covariance == "tied":
        shared = ((second - outer) * w[:, None, None]).sum(axis=0)
        cov = np.broadcast_to(shared, (K, d, d)).copy()
    else:
        cov = second - outer
        if covariance == "diag":
            cov = cov * np.eye(d)
    return Params(w, mu, floor_covariances(cov, floor))


def em_map(T: np.ndarray, p: Params, covariance: str, floor: float,
           reg: "Regulariser | None" = None) -> tuple[Params, float]:
    """One EM step: the updated parameters, and the objective of the input ones
    (the log-likelihood, plus log p(θ) with a prior or penalty ``reg``)."""
    stats, loglik = e_step(T, natural_parameters(p))
    if reg is not None:
        loglik += log_penalty(p.mu, p.cov, reg, covariance)
    return m_step(stats, T.shape[1], covariance, floor, reg), loglik


# --- an unconstrained coordinate system for extrapolation (SQUAREM) ----------

def pack(p: Params, covariance: str) -> np.ndarray:
    """Map parameters to an unconstrained vector: log w, mu, and log-Cholesky of cov."""
    K, d = p.mu.shape
    if d == 1 or covariance == "diag":
        cov_part = np.log(np.diagonal(p.cov, axis1=1, axis2=2))
        if covariance == "tied":
            cov_part = cov_part[:1]
    else:
        chol = np.linalg.cholesky(p.cov[:1] if covariance == "tied" else p.cov)
        il, jl = np.tril_indices(d)
        vals = chol[:, il, jl]
        vals[:, il == jl] = np.log(vals[:, il == jl])
        cov_part = vals
    return np.concatenate([np.log(p.w), p.mu.ravel(), cov_part.ravel()])


def unpack(v: np.ndarray, K: int, d: int, covariance: str, floor: float) -> Params:
    """Inverse of :func:`pack` (weights renormalised, covariances floored)."""
    logw = v[:K]
    w = np.exp(logw - logw.max())
    w /= w.sum()
    # A weight that extrapolated to exactly zero would make log w = -inf.
    w = np.maximum(w, 1e-300)
    mu = v[K:K + K * d].reshape(K, d)
    rest = v[K + K * d:]
    if d == 1 or covariance == "diag":
        var = np.exp(np.clip(rest, -700, 700)).reshape(-1, d)
        cov = var[:, :, None] * np.eye(d)
    else:
        il, jl = np.tril_indices(d)
        vals = rest.reshape(-1, il.size).copy()
        vals[:, il == jl] = np.exp(np.clip(vals[:, il == jl], -350, 350))
        chol = np.zeros((vals.shape[0], d, d))
        chol[:, il, jl] = vals
        cov = chol @ np.swapaxes(chol, 1, 2)
    if cov.shape[0] != K:
        cov = np.broadcast_to(cov, (K, d, d)).copy()
    return Params(w, mu, floor_covariances(cov, floor))
