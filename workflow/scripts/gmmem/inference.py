"""Standard errors, Wald intervals and the Cramér–Rao bound of a fitted mixture.

Free parameters (STUDY.md): logit weights η_k = log(π_k/π_K) (k < K), means
μ_kj, log-variances λ_kj = log σ²_kj (diagonal covariances; d = 1 is the
univariate case). A "tied" mixture shares one λ_j across components.
Full covariances with d > 1 are outside this parametrisation: their SEs are
NaN and flagged, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit
from scipy.stats import norm

from ._validate import as_data, check_choice
from .mixture import Mixture

SE_METHODS = ("louis", "opg")
# Information matrices whose condition number exceeds this are treated as singular.
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


def n_free(m: Mixture) -> int:
    K, d, tied = _structure(m)
    return (K - 1) + K * d + (d if tied else K * d)


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


def observed_information(m: Mixture, x, method: str = "louis") -> np.ndarray:
    """Information matrix (P, P) of the free parameters for the data x.

    "louis": observed information by Louis (1982), complete-data information
    minus the conditional variance of the complete-data score;
    "opg": the outer product of the per-observation scores Σ s_i s_iᵀ.
    """
    check_choice("method", method, SE_METHODS)
    z = as_data(x, dim=m.dim)
    tau, sc, ic = _scores(m, z)
    s = np.einsum("nk,nkp->np", tau, sc)  # observed-data scores (n, P)
    if method == "opg":
        return s.T @ s
    cond_var = np.einsum("nk,nkp,nkq->pq", tau, sc, sc) - s.T @ s
    return ic - cond_var


def _natural_ses(m: Mixture, cov: np.ndarray):
    """Delta-method SEs of π (K,), μ (K, d), σ (K, d) and of logit π, log σ²."""
    K, d, tied = _structure(m)
    w = m.weights
    # ∂π_k/∂η_j = π_k(1[k=j] − π_j), j < K
    jac = (np.diag(w) - np.outer(w, w))[:, :K - 1]
    var_w = np.einsum("kj,jl,kl->k", jac, cov[:K - 1, :K - 1], jac)
    se_w = np.sqrt(np.maximum(var_w, 0))
    diag = np.sqrt(np.maximum(np.diag(cov), 0))
    se_mu = diag[K - 1:K - 1 + K * d].reshape(K, d)
    lam = diag[K - 1 + K * d:]
    se_lam = np.tile(lam, (K, 1)) if tied else lam.reshape(K, d)
    sds = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
    se_sd = 0.5 * sds * se_lam  # σ = exp(λ/2)
    se_logit = se_w / (w * (1 - w)) if K > 1 else np.zeros(1)
    return se_w, se_mu, se_sd, se_logit, se_lam


def _invert(info: np.ndarray) -> tuple[np.ndarray | None, str]:
    if not np.all(np.isfinite(info)):
        return None, "non-finite information"
    sym = 0.5 * (info + info.T)
    vals = np.linalg.eigvalsh(sym)
    if vals.min() <= 0 or vals.max() / vals.min() > _MAX_CONDITION:
        return None, "singular or ill-conditioned information"
    return np.linalg.inv(sym), ""


def standard_errors(m: Mixture, x, method: str = "louis") -> StandardErrors:
    """SEs of the weights, means and SDs of a fitted mixture from its information.

    Singular, ill-conditioned or unavailable information gives NaN SEs and
    ``ok=False`` with the reason, so one bad replicate never stops a study.
    """
    check_choice("method", method, SE_METHODS)
    K, d = m.n_components, m.dim
    P = n_free(m)
    if m.covariance == "full" and d > 1:
        cov, reason = None, "SEs for full covariances with d > 1 are not implemented"
    else:
        cov, reason = _invert(observed_information(m, x, method))
    if cov is None:
        nan = np.full((K, d), np.nan)
        return StandardErrors(np.full(K, np.nan), nan, nan.copy(), np.full((P, P), np.nan),
                              np.full(K, np.nan), nan.copy(), False, reason)
    se_w, se_mu, se_sd, se_logit, se_lam = _natural_ses(m, cov)
    return StandardErrors(se_w, se_mu, se_sd, cov, se_logit, se_lam, True, "")


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
    q = norm.ppf(0.5 + level / 2)
    w = m.weights
    lw = logit(np.clip(w, 1e-300, 1 - 1e-16))
    if m.n_components == 1:
        wci = np.column_stack([w, w])
    else:
        wci = np.column_stack([expit(lw - q * se.se_logit_weights),
                               expit(lw + q * se.se_logit_weights)])
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
    if m.covariance == "full" and m.dim > 1:
        raise ValueError("fisher_information supports d = 1 or diagonal covariances, "
                         f"got covariance={m.covariance!r} with d = {m.dim}")
    K, d = m.n_components, m.dim
    nodes, wts = np.polynomial.hermite_e.hermegauss(n_nodes)
    wts = wts / wts.sum()
    grid = np.stack(np.meshgrid(*([nodes] * d), indexing="ij"), axis=-1).reshape(-1, d)
    gw = np.prod(np.stack(np.meshgrid(*([wts] * d), indexing="ij"), axis=-1).reshape(-1, d), axis=1)
    P = n_free(m)
    info = np.zeros((P, P))
    sds = np.sqrt(np.diagonal(m.covariances, axis1=1, axis2=2))
    for k in range(K):
        y = m.means[k] + grid * sds[k]
        tau, sc, _ = _scores(m, y)
        s = np.einsum("nk,nkp->np", tau, sc)
        info += m.weights[k] * (s * gw[:, None]).T @ s
    return info


@dataclass(frozen=True, eq=False)
class CramerRao:
    """Cramér–Rao SDs for n observations: weights (K,), means (K, d), sds (K, d)."""

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray


def cramer_rao(m: Mixture, n: int) -> CramerRao:
    """The Cramér–Rao lower bound SDs, from I⁻¹/n mapped by the delta method."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    cov, reason = _invert(fisher_information(m))
    if cov is None:
        raise ValueError(f"the Fisher information of this mixture is {reason}")
    se_w, se_mu, se_sd, _, _ = _natural_ses(m, cov / n)
    return CramerRao(se_w, se_mu, se_sd)
