"""Label alignment: which estimated component is which true one.

An optimal assignment (Hungarian algorithm, scipy) on a Mahalanobis-plus-
log-variance cost; the sort along the means is the sensitivity check.
"""

from __future__ import annotations

import numpy as np

from .mixture import Mixture


def alignment_cost(estimate: Mixture, truth: Mixture) -> np.ndarray:
    """Cost (K_est, K_true) of matching estimated component j to true component k.

    (μ̂_j − μ_k)ᵀ Σ_k⁻¹ (μ̂_j − μ_k) plus the squared differences of the
    log-variances (diagonals), so components with tied means are told apart
    by their spread, in any dimension.
    """
    if estimate.dim != truth.dim:
        raise ValueError(f"estimate has d = {estimate.dim} but truth has d = {truth.dim}")
    log_var = np.log(np.diagonal(estimate.covariances, axis1=1, axis2=2))
    return batch_alignment_cost(estimate.means[None], log_var[None], truth)[0]


def batch_alignment_cost(means: np.ndarray, log_vars: np.ndarray, truth: Mixture) -> np.ndarray:
    """:func:`alignment_cost` for R estimates at once: means and log-variances
    (R, J, d) give costs (R, J, K_true)."""
    diff = means[:, :, None, :] - truth.means[None, None, :, :]  # (R, J, K, d)
    prec = np.linalg.inv(truth.covariances)  # (K, d, d)
    maha = np.einsum("rjki,kil,rjkl->rjk", diff, prec, diff)
    lv_t = np.log(np.diagonal(truth.covariances, axis1=1, axis2=2))
    return maha + ((log_vars[:, :, None, :] - lv_t[None, None, :, :]) ** 2).sum(axis=3)


def align_components(estimate: Mixture, truth: Mixture) -> np.ndarray:
    """Permutation p (K,) such that estimated component p[k] matches true component k.

    An optimal assignment (Hungarian algorithm) on :func:`alignment_cost`.
    """
    if estimate.n_components != truth.n_components:
        raise ValueError(f"estimate has K = {estimate.n_components} components but truth has "
                         f"K = {truth.n_components}")
    return assignment(alignment_cost(estimate, truth))


def assignment(cost: np.ndarray) -> np.ndarray:
    """For a cost (J, K) with J = K: p with p[k] the row assigned to column k, minimising
    the total cost."""
    from scipy.optimize import linear_sum_assignment  # slow to import; only needed here

    rows, cols = linear_sum_assignment(cost.T)
    return cols[np.argsort(rows)]


def sort_permutation(estimate: Mixture) -> np.ndarray:
    """The sensitivity check: components ordered by their first mean coordinate."""
    return np.lexsort(tuple(estimate.means[:, j] for j in reversed(range(estimate.dim))))
