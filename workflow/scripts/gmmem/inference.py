"""Standard errors, Wald intervals and the Cramér–Rao bound of a fitted mixture.

Free parameters (:func:`gmmem.parameters.free_layout`, the one definition
of their order): logit weights η_k = log(π_k/π_K) (k < K), means μ_kj,
log-variances λ_kj = log σ²_kj (d = 1 is the univariate case), and for full
covariances with d > 1 the off-diagonal covariances σ_kjl (j < l) after
them. A "tied" mixture shares one λ_j across components (tied full
covariances with d > 1 are not covered: their SEs are NaN and flagged).
Intervals are Wald intervals on these unconstrained scales, mapped back.

For univariate, diagonal and tied mixtures the observed information is
Louis's (1982, J. R. Statist. Soc. B 44:226–233) analytic formula: the
complete-data information minus the conditional variance of the
complete-data score; for full covariances it is the central-difference
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
from .mixture import Mixture, posterior
from .parameters import free_parameters, layout_of, mixture_from_free, weight_jacobian

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

    Attributes
    ----------
    weights : ndarray, shape (K,)
        SEs of the weights (delta method from the logit scale).
    means : ndarray, shape (K, d)
        SEs of the means, in the data's units.
    sds : ndarray, shape (K, d)
        SEs of the standard deviations, in the data's units.
    cov : ndarray, shape (P, P)
        Covariance of the free parameters in the order of
        :func:`gmmem.parameters.free_layout` (empty for the bootstrap's SEs).
    se_logit_weights : ndarray, shape (K,)
        SEs of logit π_k = log(π_k/(1 − π_k)).
    se_log_vars : ndarray, shape (K, d)
        SEs of the log variances log σ²_kj.
    ok : bool
        False (and every SE NaN) when the information was singular,
        ill-conditioned or not available for this covariance structure.
    reason : str
        Why not ('' when ``ok``).
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    cov: np.ndarray
    se_logit_weights: np.ndarray
    se_log_vars: np.ndarray
    ok: bool
    reason: str


def _is_full(m: Mixture) -> bool:
    """Whether ``m``'s free parameters include off-diagonal covariances (full, d > 1)."""
    return m.covariance == "full" and m.dim > 1


def n_free(m: Mixture) -> int:
    """The length P of ``m``'s free-parameter vector (:func:`gmmem.parameters.free_layout`)."""
    return layout_of(m).size


def _weight_scores(m: Mixture) -> np.ndarray:
    """∂log π_k/∂η_j = 1[k = j] − π_j (K, K − 1): the logit weights' block of
    every complete-data score."""
    K = m.n_components
    return np.eye(K)[:, :K - 1] - m.weights[:K - 1]


def _full_scores(m: Mixture, z: np.ndarray):
    """tau (n, K) and complete-data scores sc (n, K, P) for full covariances."""
    K = m.n_components
    lay = layout_of(m)
    tau = posterior(m.component_logpdf(z), pairwise=True)
    sc = np.zeros((z.shape[0], K, lay.size))
    sc[:, :, lay.logit_weights] = _weight_scores(m)[None, :, :]
    ju, lu = lay.upper
    for k in range(K):
        prec = np.linalg.inv(m.covariances[k])
        a = (z - m.means[k]) @ prec  # (n, d)
        G = 0.5 * (a[:, :, None] * a[:, None, :] - prec)  # ∂log φ/∂Σ, (n, d, d)
        sc[:, k, lay.component(k, "means")] = a
        sc[:, k, lay.component(k, "log_variances")] = (
            np.diagonal(G, axis1=1, axis2=2) * np.diag(m.covariances[k]))
        sc[:, k, lay.component(k, "covariances")] = 2.0 * G[:, ju, lu]
    return tau, sc


def _full_penalty_score(m: Mixture, reg) -> np.ndarray:
    """∂ log p(θ)/∂θ (P,) of a prior or penalty in the free parameters, full covariances."""
    K, d = m.n_components, m.dim
    lay = layout_of(m)
    out = np.zeros(lay.size)
    if reg is None:
        return out
    ju, lu = lay.upper
    for k in range(K):
        cov = m.covariances[k]
        prec = np.linalg.inv(cov)
        if reg.kind == "map":
            dev = m.means[k] - reg.mean
            out[lay.component(k, "means")] = -reg.kappa * prec @ dev
            A = reg.scale + reg.kappa * np.outer(dev, dev)
            G = -0.5 * (reg.nu + d + 2) * prec + 0.5 * prec @ A @ prec
        else:
            G = reg.a * (prec @ reg.S @ prec - prec)
        out[lay.component(k, "log_variances")] = np.diag(G) * np.diag(cov)
        out[lay.component(k, "covariances")] = 2.0 * G[ju, lu]
    return out


def _negative_jacobian(m: Mixture, score) -> np.ndarray:
    """−∂score/∂θ (P, P), symmetrised, by central differences in the free
    parameters of a full-covariance mixture; ``score(mixture)`` gives (P,).
    Steps are 1e-5 of each parameter's natural scale (SDs for means, products
    of SDs for covariances)."""
    K, d = m.n_components, m.dim
    lay = layout_of(m)
    theta = free_parameters(m)
    scale = np.ones_like(theta)
    sd = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
    scale[lay.means] = sd.ravel()
    ju, lu = lay.upper
    scale[lay.covariances] = (sd[:, ju] * sd[:, lu]).ravel()
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
    K, d = m.n_components, m.dim
    lay = layout_of(m)
    n = z.shape[0]
    P = lay.size
    w = m.weights
    mu = m.means
    var = np.diagonal(m.covariances, axis1=1, axis2=2)  # (K, d)
    tau = posterior(m.component_logpdf(z), pairwise=True)
    r = z[:, None, :] - mu[None, :, :]  # (n, K, d)
    u = r * r / var[None]  # standardised squared residuals
    sc = np.zeros((n, K, P))
    eta = lay.logit_weights
    sc[:, :, eta] = _weight_scores(m)[None, :, :]
    mu_idx, lam_idx = lay.mean_index(), lay.log_variance_index()
    for k in range(K):
        sc[:, k, mu_idx[k]] = r[:, k, :] / var[k]
        sc[:, k, lam_idx[k]] = 0.5 * (u[:, k, :] - 1.0)
    # Expected complete-data information Σ_i Σ_k τ_ik (−H_c(i,k)).
    ic = np.zeros((P, P))
    Nk = tau.sum(axis=0)
    ic[eta, eta] = n * (np.diag(w[:K - 1]) - np.outer(w[:K - 1], w[:K - 1]))
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
    K, d = m.n_components, m.dim
    tied = m.covariance == "tied"
    lay = layout_of(m)
    info = np.zeros((lay.size, lay.size))
    if reg is None:
        return info
    var = np.diagonal(m.covariances, axis1=1, axis2=2)  # (K, d)
    mu_idx, lam_idx = lay.mean_index(), lay.log_variance_index()
    for j in range(d):
        if reg.kind == "pmle":
            if tied:
                b = lam_idx[0, j]
                info[b, b] += K * reg.a * reg.S[j, j] / var[0, j]
            else:
                for k in range(K):
                    b = lam_idx[k, j]
                    info[b, b] += reg.a * reg.S[j, j] / var[k, j]
            continue
        dev = m.means[:, j] - reg.mean[j]
        for k in range(K):
            a, b = mu_idx[k, j], lam_idx[k, j]
            info[a, a] += reg.kappa / var[k, j]
            info[a, b] -= reg.kappa * dev[k] / var[k, j]
            info[b, a] -= reg.kappa * dev[k] / var[k, j]
            info[b, b] += 0.5 * reg.kappa * dev[k] ** 2 / var[k, j]
            if not tied or k == 0:
                info[b, b] += 0.5 * reg.scale[j, j] / var[k, j]
    return info


def observed_information(m: Mixture, x, method: str = "louis", estimator: str = "mle") -> np.ndarray:
    """Information matrix of the free parameters for the data x.

    Parameters
    ----------
    m : Mixture
        The fitted mixture.
    x : array_like, shape (n,) or (n, d)
        The data it was fitted to.
    method : {"louis", "opg"}, default "louis"
        "louis": the observed information by Louis (1982), complete-data
        information minus the conditional variance of the complete-data score;
        "opg": the outer product of the per-observation scores Σ s_i s_iᵀ.
    estimator : {"mle", "map", "pmle"}, default "mle"
        With "map" or "pmle" it is the information of the penalised objective
        ℓ(θ) + log p(θ): −∂²log p/∂θ∂θᵀ is added.

    Returns
    -------
    ndarray, shape (P, P)
        In the order of :func:`gmmem.parameters.free_layout`.

    Raises
    ------
    ValueError
        If ``method`` or ``estimator`` is unknown, or x does not have m's d.
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
    """Delta-method SEs on the natural scales from a free-parameter covariance.

    Parameters
    ----------
    m : Mixture
        The fitted mixture (the point the delta method linearises at).
    cov : ndarray, shape (P, P)
        Covariance of its free parameters (:func:`gmmem.parameters.free_layout`).

    Returns
    -------
    se_weights : ndarray, shape (K,)
    se_means : ndarray, shape (K, d)
    se_sds : ndarray, shape (K, d)
        SEs of π, μ and σ = exp(λ/2).
    se_logit_weights : ndarray, shape (K,)
        SEs of logit π_k.
    se_log_vars : ndarray, shape (K, d)
        SEs of λ = log σ².
    """
    K = m.n_components
    lay = layout_of(m)
    w = m.weights
    jac = weight_jacobian(w)
    eta = lay.logit_weights
    var_w = np.einsum("kj,jl,kl->k", jac, cov[eta, eta], jac)
    se_w = np.sqrt(np.maximum(var_w, 0))
    diag = np.sqrt(np.maximum(np.diag(cov), 0))
    se_mu = diag[lay.mean_index()]
    se_lam = diag[lay.log_variance_index()]
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

    For ``estimator`` "map" or "pmle" the information is that of the penalised
    objective the fit maximised (observed information of ℓ(θ) + log p(θ)), so
    the SEs describe the posterior mode or penalised estimate as the usual
    large-sample approximation does. Never raises for a fitted mixture: a
    degenerate fit (a component with fewer than d + 1 observations' worth of
    weight, or a singular covariance), an information matrix that is singular,
    ill-conditioned or cannot be computed, or a structure not covered (tied
    with d > 1) gives NaN SEs and ``ok=False`` with the reason, so one bad
    replicate never stops a study.

    Parameters
    ----------
    m : Mixture
        The fitted mixture.
    x : array_like, shape (n,) or (n, d)
        The data it was fitted to.
    method : {"louis", "opg", "sandwich"}, default "louis"
        "louis": the observed information (Louis 1982) inverted, the model SE;
        "opg": the outer product of the scores inverted; "sandwich": the
        Huber–White covariance A⁻¹BA⁻¹ (White 1982), robust to a misspecified
        component family.
    estimator : {"mle", "map", "pmle"}, default "mle"
        The estimator the fit used.

    Returns
    -------
    StandardErrors

    Raises
    ------
    ValueError
        If ``method`` or ``estimator`` is unknown, or x is not data of m's d.
    """
    check_choice("method", method, SE_METHODS)
    return standard_errors_by_methods(m, x, (method,), estimator)[0]


@one_blas_thread
def standard_errors_by_methods(m: Mixture, x, methods=("louis", "sandwich"),
                               estimator: str = "mle") -> list[StandardErrors]:
    """:func:`standard_errors` for several methods at once.

    The observed information is computed once for "louis" and "sandwich" (for
    full covariances it is a finite-difference Jacobian that costs more than
    the fit).

    Parameters
    ----------
    m : Mixture
        The fitted mixture.
    x : array_like, shape (n,) or (n, d)
        The data it was fitted to.
    methods : sequence of {"louis", "opg", "sandwich"}, default ("louis", "sandwich")
        The methods, in the order of the results.
    estimator : {"mle", "map", "pmle"}, default "mle"
        The estimator the fit used.

    Returns
    -------
    list of StandardErrors
        One per method, in order.

    Raises
    ------
    ValueError
        If a method or the estimator is unknown, or x is not data of m's d.
    """
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
    """Lower and upper bounds of intervals on the natural scales.

    Attributes
    ----------
    weights : ndarray, shape (K, 2)
    means : ndarray, shape (K, d, 2)
    sds : ndarray, shape (K, d, 2)
        Bounds (lower, upper) of the weights, means and SDs.
    level : float
        The nominal coverage, e.g. 0.95.
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    level: float


def confidence_intervals(m: Mixture, se: StandardErrors, level: float = 0.95) -> ConfidenceIntervals:
    """Wald intervals on the logit-weight, mean and log-variance scales, mapped back.

    Parameters
    ----------
    m : Mixture
        The fitted mixture.
    se : StandardErrors
        Its SEs (:func:`standard_errors`).
    level : float, default 0.95
        Nominal coverage, in (0, 1).

    Returns
    -------
    ConfidenceIntervals
        Weights: expit(logit π̂ ± z·SE) (the weight itself for K = 1); means:
        μ̂ ± z·SE; SDs: exp((λ̂ ± z·SE)/2), with z the normal quantile.

    Raises
    ------
    ValueError
        If ``level`` is not in (0, 1).
    """
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
    """Expected information of one observation, I = Σ_k π_k E_{N_k}[s sᵀ].

    Each component's expectation is a Gauss–Hermite product rule with
    ``n_nodes`` nodes per dimension on that component's own scale, so the
    integrand (a score, smooth and polynomially bounded) is resolved where the
    component puts its mass.

    Parameters
    ----------
    m : Mixture
        The (true) mixture.
    n_nodes : int, default 60
        Quadrature nodes per dimension (n_nodes^d points per component).

    Returns
    -------
    ndarray, shape (P, P)
        In the order of :func:`gmmem.parameters.free_layout`.

    Raises
    ------
    ValueError
        If m is tied with d > 1 (not covered).
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
    """The Cramér–Rao bound for n observations.

    Attributes
    ----------
    weights : ndarray, shape (K,)
    means : ndarray, shape (K, d)
    sds : ndarray, shape (K, d)
        The bound's SDs of the weights, means and SDs.
    covariances : ndarray, shape (K, d, d)
        SDs of the covariance entries: the variances' on the diagonal, the
        covariances' off it; NaN where the structure fixes an entry (e.g. the
        off-diagonals of "diag").
    cov : ndarray, shape (P, P)
        The bound I⁻¹/n on the covariance of the free parameters
        (:func:`gmmem.parameters.free_layout`).
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    covariances: np.ndarray
    cov: np.ndarray


@one_blas_thread
def cramer_rao(m: Mixture, n: int) -> CramerRao:
    """The Cramér–Rao lower bound SDs, from I⁻¹/n mapped by the delta method.

    Parameters
    ----------
    m : Mixture
        The true mixture.
    n : int
        Observations (>= 1).

    Returns
    -------
    CramerRao

    Raises
    ------
    ValueError
        If ``n`` is not a positive integer, or the Fisher information of m is
        singular or ill-conditioned (or m is tied with d > 1).
    """
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
    lay = layout_of(m)
    if lay.has_covariances:
        ju, lu = lay.upper
        sd_off = np.sqrt(np.maximum(np.diag(cov)[lay.covariances], 0)).reshape(K, ju.size)
        out[:, ju, lu] = sd_off
        out[:, lu, ju] = sd_off
    return out
