"""Standard errors, Wald intervals and the Cramér–Rao bound of a fitted mixture.

Free parameters (STUDY.md): logit weights η_k = log(π_k/π_K) (k < K), means
μ_kj, log-variances λ_kj = log σ²_kj (d = 1 is the univariate case), and for
full covariances with d > 1 the off-diagonal covariances σ_kjl (j < l) after
them. A "tied" mixture shares one λ_j across components (tied full
covariances with d > 1 are not covered: their SEs are NaN and flagged).

For univariate, diagonal and tied mixtures the observed information is
Louis's analytic formula; for full covariances it is the central-difference
Jacobian of the analytic total score (the same matrix, to ~1e-8). The
sandwich (Huber–White) covariance A⁻¹BA⁻¹ (White 1982) uses it as A.
Scores are made in row blocks (memory O(block·K·P + P²)), and whether an
information is invertible is judged on its equilibrated, unit-free form, so
SEs and the Cramér–Rao bound scale exactly with the data's units.
"""

from __future__ import annotations

from dataclasses import dataclass

from statistics import NormalDist

import numpy as np

from ._threads import one_blas_thread
from ._validate import as_data, check_choice
from .estimators import ESTIMATORS, regulariser
from .mixture import Mixture

# How the information is estimated (observed_information) ...
INFORMATION_METHODS = ("louis", "opg")
# ... and how SEs are (standard_errors): one of those, inverted, or the sandwich.
SE_METHODS = ("louis", "opg", "sandwich")
# Information matrices whose condition number, on the equilibrated (unit-free)
# scale, exceeds this are treated as singular; likewise covariances on the
# correlation scale.
_MAX_CONDITION = 1e12


@dataclass(frozen=True, eq=False)
class StandardErrors:
    """SEs of one fit on the natural scales, and the free-parameter covariance.

    weights (K,), means (K, d), sds (K, d); ``cov`` is the covariance of
    the free parameters (η, μ, λ) in that order; ``ok`` is False (and every
    SE NaN) when the information was singular, ill-conditioned or not
    available for this covariance structure, with ``reason`` saying which.
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    cov: np.ndarray
    se_logit_weights: np.ndarray
    se_log_vars: np.ndarray
    ok: bool
    reason: str


def _structure(m: Mixture) -> tuple[int, int, bool]:
    return m.n_components, m.dim, m.covariance == "tied"


def _is_full(m: Mixture) -> bool:
    return m.covariance == "full" and m.dim > 1


def n_free(m: Mixture) -> int:
    K, d, tied = _structure(m)
    off = K * d * (d - 1) // 2 if _is_full(m) else 0
    return (K - 1) + K * d + (d if tied else K * d) + off


def _full_scores(m: Mixture, z: np.ndarray):
    """tau (n, K) and complete-data scores sc (n, K, P) for full covariances."""
    K, d = m.n_components, m.dim
    n = z.shape[0]
    P = n_free(m)
    lp = m.component_logpdf(z)
    tau = np.exp(lp - np.logaddexp.reduce(lp, axis=1, keepdims=True))
    sc = np.zeros((n, K, P))
    sc[:, :, :K - 1] = (np.eye(K)[:, :K - 1] - m.weights[:K - 1])[None, :, :]
    ju, lu = np.triu_indices(d, 1)
    base_lam = (K - 1) + K * d
    base_off = base_lam + K * d
    for k in range(K):
        prec = np.linalg.inv(m.covariances[k])
        a = (z - m.means[k]) @ prec  # (n, d)
        G = 0.5 * (a[:, :, None] * a[:, None, :] - prec)  # ∂log φ/∂Σ, (n, d, d)
        sc[:, k, (K - 1) + k * d:(K - 1) + (k + 1) * d] = a
        sc[:, k, base_lam + k * d:base_lam + (k + 1) * d] = (
            np.diagonal(G, axis1=1, axis2=2) * np.diag(m.covariances[k]))
        width = ju.size
        sc[:, k, base_off + k * width:base_off + (k + 1) * width] = 2.0 * G[:, ju, lu]
    return tau, sc


def free_parameters(m: Mixture) -> np.ndarray:
    """The free parameters (p,) of a full-covariance mixture: logit weights
    log(π_k/π_K) (K-1), means (K·d), log variances (K·d), then the covariances
    above the diagonal (K·d(d-1)/2), components in order."""
    K, d = m.n_components, m.dim
    ju, lu = np.triu_indices(d, 1)
    w = m.weights
    return np.concatenate([np.log(w[:K - 1] / w[K - 1]), m.means.ravel(),
                           np.log(np.diagonal(m.covariances, axis1=1, axis2=2)).ravel(),
                           m.covariances[:, ju, lu].ravel()])


def mixture_from_free(theta: np.ndarray, K: int, d: int) -> Mixture:
    """The mixture of free parameters ``theta`` (p,) laid out as
    :func:`free_parameters` lays them out, K components in d dimensions."""
    ju, lu = np.triu_indices(d, 1)
    eta = np.append(theta[:K - 1], 0.0)
    w = np.exp(eta - eta.max())
    mu = theta[K - 1:K - 1 + K * d].reshape(K, d)
    var = np.exp(theta[K - 1 + K * d:K - 1 + 2 * K * d].reshape(K, d))
    cov = var[:, :, None] * np.eye(d)
    off = theta[K - 1 + 2 * K * d:].reshape(K, ju.size)
    cov[:, ju, lu] = off
    cov[:, lu, ju] = off
    return Mixture(w / w.sum(), mu, cov, "full")


def _full_penalty_score(m: Mixture, reg) -> np.ndarray:
    """∂ log p(θ)/∂θ (P,) of a prior or penalty in the free parameters, full covariances."""
    K, d = m.n_components, m.dim
    P = n_free(m)
    out = np.zeros(P)
    if reg is None:
        return out
    ju, lu = np.triu_indices(d, 1)
    base_lam = (K - 1) + K * d
    base_off = base_lam + K * d
    for k in range(K):
        cov = m.covariances[k]
        prec = np.linalg.inv(cov)
        if reg.kind == "map":
            dev = m.means[k] - reg.mean
            out[(K - 1) + k * d:(K - 1) + (k + 1) * d] = -reg.kappa * prec @ dev
            A = reg.scale + reg.kappa * np.outer(dev, dev)
            G = -0.5 * (reg.nu + d + 2) * prec + 0.5 * prec @ A @ prec
        else:
            G = reg.a * (prec @ reg.S @ prec - prec)
        out[base_lam + k * d:base_lam + (k + 1) * d] = np.diag(G) * np.diag(cov)
        out[base_off + k * ju.size:base_off + (k + 1) * ju.size] = 2.0 * G[ju, lu]
    return out


def _negative_jacobian(m: Mixture, score) -> np.ndarray:
    """−∂score/∂θ (P, P), symmetrised, by central differences in the free
    parameters of a full-covariance mixture; ``score(mixture)`` gives (P,).
    Steps are 1e-5 of each parameter's natural scale (SDs for means, products
    of SDs for covariances)."""
    K, d = m.n_components, m.dim
    theta = free_parameters(m)
    scale = np.ones_like(theta)
    sd = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
    scale[K - 1:K - 1 + K * d] = sd.ravel()
    ju, lu = np.triu_indices(d, 1)
    scale[K - 1 + 2 * K * d:] = (sd[:, ju] * sd[:, lu]).ravel()
    J = np.empty((theta.size, theta.size))
    for j in range(theta.size):
        h = 1e-5 * scale[j]
        cols = []
        for sign in (1.0, -1.0):
            t = theta.copy()
            t[j] += sign * h
            cols.append(score(mixture_from_free(t, K, d)))
        J[:, j] = (cols[0] - cols[1]) / (2 * h)
    return -0.5 * (J + J.T)


def _full_observed_information(m: Mixture, z: np.ndarray, reg=None) -> np.ndarray:
    """−∂(Σ_i s_i + ∂log p)/∂θ by central differences of the analytic score."""

    def total_score(mm):
        total = 0.0
        for b in score_blocks(z.shape[0], mm.n_components, n_free(mm)):
            tau, sc = _full_scores(mm, z[b])
            total = total + np.einsum("nk,nkp->p", tau, sc)
        return total + _full_penalty_score(mm, reg)

    return _negative_jacobian(m, total_score)


def _scores(m: Mixture, z: np.ndarray):
    """Responsibilities tau (n, K); complete-data scores sc (n, K, P), the
    score of "point i came from component k"; and the expected complete-data
    information ic (P, P) = Σ_i Σ_k tau_ik (−Hessian of log π_k φ_k(z_i))."""
    K, d, tied = _structure(m)
    n = z.shape[0]
    P = n_free(m)
    w = m.weights
    mu = m.means
    var = np.diagonal(m.covariances, axis1=1, axis2=2)  # (K, d)
    lp = m.component_logpdf(z)
    tau = np.exp(lp - np.logaddexp.reduce(lp, axis=1, keepdims=True))
    r = z[:, None, :] - mu[None, :, :]  # (n, K, d)
    u = r * r / var[None]  # standardised squared residuals
    sc = np.zeros((n, K, P))
    # η block: ∂log π_k/∂η_j = 1[k=j] - π_j
    eta = np.arange(K - 1)
    sc[:, :, eta] = (np.eye(K)[:, :K - 1] - w[:K - 1])[None, :, :]
    mu_idx = (K - 1) + np.arange(K * d).reshape(K, d)
    lam_idx = ((K - 1) + K * d + (np.tile(np.arange(d), (K, 1)) if tied
               else np.arange(K * d).reshape(K, d)))
    for k in range(K):
        sc[:, k, mu_idx[k]] = r[:, k, :] / var[k]
        sc[:, k, lam_idx[k]] = 0.5 * (u[:, k, :] - 1.0)
    # Expected complete-data information Σ_i Σ_k τ_ik (−H_c(i,k)).
    ic = np.zeros((P, P))
    Nk = tau.sum(axis=0)
    ic[np.ix_(eta, eta)] = n * (np.diag(w[:K - 1]) - np.outer(w[:K - 1], w[:K - 1]))
    for k in range(K):
        tk = tau[:, k]
        for j in range(d):
            a, b = mu_idx[k, j], lam_idx[k, j]
            ic[a, a] += Nk[k] / var[k, j]
            ic[b, b] += 0.5 * (tk * u[:, k, j]).sum()
            cross = (tk * r[:, k, j]).sum() / var[k, j]
            ic[a, b] += cross
            ic[b, a] += cross
    return tau, sc, ic


# Per-observation scores are (rows, K, P): they are made in blocks of rows
# holding at most this many numbers (32 MB), and at most _BLOCK_ROWS rows
# (so every study's n, up to 65536, is one block and its SEs the same bytes
# as when the whole sample was one array).
_BLOCK_NUMBERS = 1 << 22
_BLOCK_ROWS = 1 << 16


def score_blocks(n: int, K: int, P: int) -> list[slice]:
    """Row slices covering 0..n for the (rows, K, P) score arrays: memory
    O(block·K·P) instead of O(n·K·P) (1.3 GB at n = 10⁷, K = 3, d = 1)."""
    rows = int(min(_BLOCK_ROWS, max(1024, _BLOCK_NUMBERS // (K * P))))
    return [slice(a, min(a + rows, n)) for a in range(0, n, rows)]


def observation_scores(m: Mixture, x) -> np.ndarray:
    """Per-observation scores s_i = ∂log f(x_i; θ)/∂θ (n, P) of the
    log-likelihood in the free parameters (the order of the module docstring)."""
    z = as_data(x, dim=m.dim)
    if m.covariance == "tied" and m.dim > 1:
        raise ValueError("observation_scores does not cover tied covariances with d > 1")
    out = np.empty((z.shape[0], n_free(m)))
    for b in score_blocks(z.shape[0], m.n_components, n_free(m)):
        tau, sc = _full_scores(m, z[b]) if _is_full(m) else _scores(m, z[b])[:2]
        out[b] = np.einsum("nk,nkp->np", tau, sc)
    return out


def _score_sums(m: Mixture, z: np.ndarray, louis: bool):
    """Σ_i s_i s_iᵀ (P, P) and, with ``louis`` (not for full covariances),
    Σ_i Σ_k τ_ik sc_ik sc_ikᵀ and the complete-data information, by row blocks."""
    P = n_free(m)
    opg, cond, ic = np.zeros((P, P)), np.zeros((P, P)), np.zeros((P, P))
    for b in score_blocks(z.shape[0], m.n_components, P):
        if _is_full(m):
            tau, sc = _full_scores(m, z[b])
        else:
            tau, sc, ic_b = _scores(m, z[b])
            ic += ic_b
        s = np.einsum("nk,nkp->np", tau, sc)
        opg += s.T @ s
        if louis:
            cond += np.einsum("nk,nkp,nkq->pq", tau, sc, sc)
    return opg, cond, ic


def penalty_information(m: Mixture, reg) -> np.ndarray:
    """−∂²log p(θ)/∂θ∂θᵀ (P, P) of a prior or penalty, for univariate, diagonal and
    tied mixtures (analytic; full covariances go through the score's Jacobian)."""
    K, d, tied = _structure(m)
    P = n_free(m)
    info = np.zeros((P, P))
    if reg is None:
        return info
    var = np.diagonal(m.covariances, axis1=1, axis2=2)  # (K, d)
    mu_idx = (K - 1) + np.arange(K * d).reshape(K, d)
    base = (K - 1) + K * d
    for j in range(d):
        if reg.kind == "pmle":
            if tied:
                info[base + j, base + j] += K * reg.a * reg.S[j, j] / var[0, j]
            else:
                for k in range(K):
                    b = base + k * d + j
                    info[b, b] += reg.a * reg.S[j, j] / var[k, j]
            continue
        dev = m.means[:, j] - reg.mean[j]
        for k in range(K):
            a = mu_idx[k, j]
            b = base + (j if tied else k * d + j)
            info[a, a] += reg.kappa / var[k, j]
            info[a, b] -= reg.kappa * dev[k] / var[k, j]
            info[b, a] -= reg.kappa * dev[k] / var[k, j]
            info[b, b] += 0.5 * reg.kappa * dev[k] ** 2 / var[k, j]
            if not tied or k == 0:
                info[b, b] += 0.5 * reg.scale[j, j] / var[k, j]
    return info


def observed_information(m: Mixture, x, method: str = "louis", estimator: str = "mle") -> np.ndarray:
    """Information matrix (P, P) of the free parameters for the data x.

    "louis": observed information by Louis (1982), complete-data information
    minus the conditional variance of the complete-data score;
    "opg": the outer product of the per-observation scores Σ s_i s_iᵀ.
    With ``estimator`` "map" or "pmle" it is the information of the
    penalised objective ℓ(θ) + log p(θ): −∂²log p/∂θ∂θᵀ is added.
    """
    check_choice("method", method, INFORMATION_METHODS)
    check_choice("estimator", estimator, ESTIMATORS)
    z = as_data(x, dim=m.dim)
    reg = regulariser(z, m.n_components, estimator)
    # Memory O(block·K·P + P²): the scores are made and summed in row blocks.
    if _is_full(m):
        if method == "louis":
            return _full_observed_information(m, z, reg)
        opg = _score_sums(m, z, louis=False)[0]
        pen = 0.0 if reg is None else _negative_jacobian(m, lambda mm: _full_penalty_score(mm, reg))
        return opg + pen
    opg, cond, ic = _score_sums(m, z, louis=method == "louis")
    if method == "opg":
        return opg + penalty_information(m, reg)
    cond_var = cond - opg
    return ic - cond_var + penalty_information(m, reg)


def natural_standard_errors(m: Mixture, cov: np.ndarray):
    """Delta-method SEs of π (K,), μ (K, d), σ (K, d) and of logit π, log σ²."""
    K, d, tied = _structure(m)
    w = m.weights
    # ∂π_k/∂η_j = π_k(1[k=j] − π_j), j < K
    jac = (np.diag(w) - np.outer(w, w))[:, :K - 1]
    var_w = np.einsum("kj,jl,kl->k", jac, cov[:K - 1, :K - 1], jac)
    se_w = np.sqrt(np.maximum(var_w, 0))
    diag = np.sqrt(np.maximum(np.diag(cov), 0))
    se_mu = diag[K - 1:K - 1 + K * d].reshape(K, d)
    lam = diag[K - 1 + K * d:K - 1 + K * d + (d if tied else K * d)]
    se_lam = np.tile(lam, (K, 1)) if tied else lam.reshape(K, d)
    sds = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
    se_sd = 0.5 * sds * se_lam  # σ = exp(λ/2)
    se_logit = se_w / (w * (1 - w)) if K > 1 else np.zeros(1)
    return se_w, se_mu, se_sd, se_logit, se_lam


def _invert(info: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The inverse of a symmetric information matrix, or (None, why not).

    The condition cut-off is applied to the equilibrated matrix
    D^-1/2 I D^-1/2 (D = diag I: a correlation-like matrix with unit
    diagonal), whose condition number does not change when the data's units
    (one per coordinate) do: a mean's information scales as 1/unit², a
    log-variance's not at all, so the raw matrix's condition number at data
    × 10⁶ is 10¹² times its value in ordinary units for the same fit.
    """
    if not np.all(np.isfinite(info)):
        return None, "non-finite information"
    sym = 0.5 * (info + info.T)
    diag = np.diag(sym)
    if not np.all(diag > 0):
        return None, "singular or ill-conditioned information"
    root = np.sqrt(diag)
    eq = sym / root[:, None] / root[None, :]
    vals = np.linalg.eigvalsh(eq)
    if vals.min() <= 0 or vals.max() / vals.min() > _MAX_CONDITION:
        return None, "singular or ill-conditioned information"
    # The raw matrix's LU inverse is as accurate (the scaling is diagonal) and
    # keeps every published SE byte-identical.
    return np.linalg.inv(sym), ""


def sandwich_covariance(m: Mixture, x, estimator: str = "mle") -> np.ndarray:
    """The sandwich (Huber–White) covariance (P, P) of the free parameters,
    V = A⁻¹ B A⁻¹ (White 1982, Econometrica 50:1–25, Theorem 3.2; Huber 1967).

    A is the observed information of the objective the fit maximised (Louis's
    negative Hessian of ℓ(θ), plus −∂²log p/∂θ∂θᵀ for "map" and "pmle"); B =
    Σ_i s_i s_iᵀ the outer products of the per-observation log-likelihood
    scores. V is the estimator's large-sample covariance whether or not the
    data come from a Gaussian mixture (then it estimates the spread about the
    pseudo-true parameters); when the model holds B ≈ A and V ≈ A⁻¹.
    Raises ValueError if A is singular or ill-conditioned.
    """
    check_choice("estimator", estimator, ESTIMATORS)
    z = as_data(x, dim=m.dim)
    with np.errstate(all="ignore"):
        cov, reason = _sandwich(m, z, _invert(observed_information(m, z, "louis", estimator)))
    if cov is None:
        raise ValueError(f"no sandwich covariance: {reason}")
    return cov


def _sandwich(m: Mixture, z: np.ndarray, inverted):
    """(V, '') or (None, why not) from ``inverted`` = _invert(A); see
    :func:`sandwich_covariance`."""
    inv_a, reason = inverted
    if inv_a is None:
        return None, reason
    B = _score_sums(m, z, louis=False)[0]
    if not np.all(np.isfinite(B)):
        return None, "non-finite scores"
    V = inv_a @ B @ inv_a
    return 0.5 * (V + V.T), ""


def _degenerate_reason(m: Mixture, n: int) -> str:
    """Why a fit has no information to invert ('' if none): a component with
    fewer than d + 1 observations' worth of weight, or a covariance that is
    singular to working precision."""
    K, d = m.n_components, m.dim
    size = n * m.weights
    small = np.flatnonzero(size < d + 1)
    if small.size:
        k = int(small[0])
        return (f"degenerate fit: component {k + 1} has n·π = {size[k]:.6g} < d + 1 = {d + 1} "
                "observations' worth of weight")
    # On the correlation scale, so that a coordinate's units (metres or
    # micrometres) do not make a covariance "singular".
    sd = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
    with np.errstate(all="ignore"):
        eig = np.linalg.eigvalsh(m.covariances / sd[:, :, None] / sd[:, None, :])
        cond = eig.max(axis=1) / eig.min(axis=1)
    bad = np.flatnonzero(~(cond < _MAX_CONDITION))
    if bad.size:
        k = int(bad[0])
        return (f"degenerate fit: the covariance of component {k + 1} is singular to working "
                f"precision (condition number {cond[k]:.3g})")
    return ""


@one_blas_thread
def standard_errors(m: Mixture, x, method: str = "louis", estimator: str = "mle") -> StandardErrors:
    """SEs of the weights, means and SDs of a fitted mixture from its information.

    For ``estimator`` "map" or "pmle" the information is that of the
    penalised objective the fit maximised (observed information of
    ℓ(θ) + log p(θ)), so the SEs describe the posterior mode or penalised
    estimate as the usual large-sample approximation does.

    ``method``: "louis" (the observed information inverted, the model SE),
    "opg" (the outer product of the scores inverted), or "sandwich" (the
    Huber–White covariance A⁻¹BA⁻¹ of :func:`sandwich_covariance`, robust
    to a misspecified component family; White 1982).

    Never raises for a fitted mixture: a degenerate fit (a component with
    fewer than d + 1 observations' worth of weight, or a singular
    covariance), an information matrix that is singular, ill-conditioned or
    cannot be computed, or a structure not covered gives NaN SEs and
    ``ok=False`` with the reason, so one bad replicate never stops a study.
    """
    check_choice("method", method, SE_METHODS)
    return standard_errors_by_methods(m, x, (method,), estimator)[0]


@one_blas_thread
def standard_errors_by_methods(m: Mixture, x, methods=("louis", "sandwich"),
                               estimator: str = "mle") -> list[StandardErrors]:
    """:func:`standard_errors` for several methods at once, one per method in
    order, the observed information computed once for "louis" and "sandwich"
    (for full covariances it is a finite-difference Jacobian that costs more
    than the fit)."""
    methods = tuple(methods)
    for method in methods:
        check_choice("method", method, SE_METHODS)
    check_choice("estimator", estimator, ESTIMATORS)
    z = as_data(x, dim=m.dim)
    K, d = m.n_components, m.dim
    P = n_free(m)
    reason = _degenerate_reason(m, z.shape[0])
    covs = {}
    if reason:
        pass
    elif m.covariance == "tied" and d > 1:
        reason = "SEs for tied covariances with d > 1 are not implemented"
    else:
        try:
            with np.errstate(all="ignore"):
                louis = None
                if {"louis", "sandwich"} & set(methods):
                    louis = _invert(observed_information(m, z, "louis", estimator))
                for method in methods:
                    if method == "louis":
                        covs[method] = louis
                    elif method == "opg":
                        covs[method] = _invert(observed_information(m, z, "opg", estimator))
                    else:
                        covs[method] = _sandwich(m, z, louis)
        except (ValueError, np.linalg.LinAlgError) as e:
            # The finite-difference Jacobian (full covariances) perturbs the
            # parameters; near a singular covariance that leaves the cone.
            sd = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
            corr = np.abs(m.covariances / (sd[:, :, None] * sd[:, None, :]) - np.eye(d)).max()
            reason = (f"information not computable: a component's covariance is nearly singular "
                      f"(|correlation| up to {corr:.8f}; {e})")
            covs = {}
    out = []
    for method in methods:
        cov, why = covs.get(method, (None, reason))
        if cov is None:
            nan = np.full((K, d), np.nan)
            out.append(StandardErrors(np.full(K, np.nan), nan, nan.copy(),
                                      np.full((P, P), np.nan), np.full(K, np.nan), nan.copy(),
                                      False, why))
            continue
        se_w, se_mu, se_sd, se_logit, se_lam = natural_standard_errors(m, cov)
        out.append(StandardErrors(se_w, se_mu, se_sd, cov, se_logit, se_lam, True, ""))
    return out


@dataclass(frozen=True, eq=False)
class ConfidenceIntervals:
    """Lower and upper bounds: weights (K, 2), means (K, d, 2), sds (K, d, 2)."""

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    level: float


def confidence_intervals(m: Mixture, se: StandardErrors, level: float = 0.95) -> ConfidenceIntervals:
    """Wald intervals on the logit-weight, mean and log-variance scales, mapped back."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    q = NormalDist().inv_cdf(0.5 + level / 2)
    w = m.weights
    lw = np.log(w) - np.log1p(-np.minimum(w, 1 - 1e-16))
    if m.n_components == 1:
        wci = np.column_stack([w, w])
    else:
        wci = 1.0 / (1.0 + np.exp(-np.column_stack([lw - q * se.se_logit_weights,
                                                    lw + q * se.se_logit_weights])))
    mci = np.stack([m.means - q * se.means, m.means + q * se.means], axis=-1)
    lv = np.log(np.diagonal(m.covariances, axis1=1, axis2=2))
    sci = np.stack([np.exp(0.5 * (lv - q * se.se_log_vars)),
                    np.exp(0.5 * (lv + q * se.se_log_vars))], axis=-1)
    return ConfidenceIntervals(wci, mci, sci, level)


def fisher_information(m: Mixture, n_nodes: int = 60) -> np.ndarray:
    """Expected information (P, P) of one observation, I = Σ_k π_k E_{N_k}[s sᵀ].

    Each component's expectation is a Gauss–Hermite product rule with
    ``n_nodes`` nodes per dimension on that component's own scale, so the
    integrand (a score, smooth and polynomially bounded) is resolved where
    the component puts its mass.
    """
    if m.covariance == "tied" and m.dim > 1:
        raise ValueError("fisher_information does not cover tied covariances with d > 1")
    K, d = m.n_components, m.dim
    nodes, wts = np.polynomial.hermite_e.hermegauss(n_nodes)
    wts = wts / wts.sum()
    grid = np.stack(np.meshgrid(*([nodes] * d), indexing="ij"), axis=-1).reshape(-1, d)
    gw = np.prod(np.stack(np.meshgrid(*([wts] * d), indexing="ij"), axis=-1).reshape(-1, d), axis=1)
    P = n_free(m)
    info = np.zeros((P, P))
    chol = np.linalg.cholesky(m.covariances)
    for k in range(K):
        y = m.means[k] + grid @ chol[k].T
        tau, sc = _full_scores(m, y) if _is_full(m) else _scores(m, y)[:2]
        s = np.einsum("nk,nkp->np", tau, sc)
        info += m.weights[k] * (s * gw[:, None]).T @ s
    return info


@dataclass(frozen=True, eq=False)
class CramerRao:
    """Cramér–Rao bound for n observations: SDs of the weights (K,), means
    (K, d), sds (K, d) and covariance entries ``covariances`` (K, d, d: the
    diagonal is the variances', the off-diagonal the covariances'; NaN where
    the structure fixes an entry, e.g. off-diagonals of "diag"); ``cov`` is
    the bound I⁻¹/n on the covariance (P, P) of the free parameters, in the
    order of the module docstring, off-diagonal entries included."""

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    covariances: np.ndarray
    cov: np.ndarray


@one_blas_thread
def cramer_rao(m: Mixture, n: int) -> CramerRao:
    """The Cramér–Rao lower bound SDs, from I⁻¹/n mapped by the delta method."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    cov, reason = _invert(fisher_information(m))
    if cov is None:
        raise ValueError(f"the Fisher information of this mixture is {reason}")
    cov = cov / n
    se_w, se_mu, se_sd, _, se_lam = natural_standard_errors(m, cov)
    return CramerRao(se_w, se_mu, se_sd, _covariance_ses(m, cov, se_lam), cov)


def _covariance_ses(m: Mixture, cov: np.ndarray, se_lam: np.ndarray) -> np.ndarray:
    """SDs (K, d, d) of the covariance entries: σ²_kj = exp(λ_kj) on the
    diagonal (delta method, σ² · SD(λ)); the free off-diagonal σ_kjl directly."""
    K, d = m.n_components, m.dim
    var = np.diagonal(m.covariances, axis1=1, axis2=2)
    out = np.full((K, d, d), np.nan)
    out[:, np.arange(d), np.arange(d)] = var * se_lam
    if _is_full(m):
        ju, lu = np.triu_indices(d, 1)
        base = (K - 1) + 2 * K * d
        sd_off = np.sqrt(np.maximum(np.diag(cov)[base:], 0)).reshape(K, ju.size)
        out[:, ju, lu] = sd_off
        out[:, lu, ju] = sd_off
    return out
