"""Label alignment: which estimated component is which true one.

An optimal assignment (Hungarian algorithm, scipy) on a Mahalanobis-plus-
log-variance cost; the sort along the means is the sensitivity check.
"""

from __future__ import annotations

import numpy as np

from .mixture import Mixture, sort_order


def alignment_cost(estimate: Mixture, truth: Mixture) -> np.ndarray:
    """Cost of matching each estimated component to each true one.

    (μ̂_j − μ_k)ᵀ Σ_k⁻¹ (μ̂_j − μ_k) plus the squared differences of the
    log-variances (diagonals), so components with tied means are told apart by
    their spread, in any dimension.

    Parameters
    ----------
    estimate : Mixture
        The fit.
    truth : Mixture
        The reference, with the same d.

    Returns
    -------
    ndarray, shape (K_est, K_true)

    Raises
    ------
    ValueError
        If the two have different d.
    """
    if estimate.dim != truth.dim:
        raise ValueError(f"estimate has d = {estimate.dim} but truth has d = {truth.dim}")
    log_var = np.log(np.diagonal(estimate.covariances, axis1=1, axis2=2))
    return batch_alignment_cost(estimate.means[None], log_var[None], truth)[0]


def batch_alignment_cost(means: np.ndarray, log_vars: np.ndarray, truth: Mixture) -> np.ndarray:
    """:func:`alignment_cost` for R estimates at once.

    Parameters
    ----------
    means : ndarray, shape (R, J, d)
        The estimates' means.
    log_vars : ndarray, shape (R, J, d)
        Their log variances (the covariances' diagonals).
    truth : Mixture
        The reference, K components in d dimensions.

    Returns
    -------
    ndarray, shape (R, J, K)
    """
    diff = means[:, :, None, :] - truth.means[None, None, :, :]  # (R, J, K, d)
    prec = np.linalg.inv(truth.covariances)  # (K, d, d)
    maha = np.einsum("rjki,kil,rjkl->rjk", diff, prec, diff)
    lv_t = np.log(np.diagonal(truth.covariances, axis1=1, axis2=2))
    return maha + ((log_vars[:, :, None, :] - lv_t[None, None, :, :]) ** 2).sum(axis=3)


def align_components(estimate: Mixture, truth: Mixture) -> np.ndarray:
    """The permutation matching estimated components to true ones.

    An optimal assignment (Hungarian algorithm) on :func:`alignment_cost`.

    Parameters
    ----------
    estimate : Mixture
        The fit.
    truth : Mixture
        The reference, with the same K and d.

    Returns
    -------
    ndarray of int, shape (K,)
        p such that estimated component p[k] matches true component k.

    Raises
    ------
    ValueError
        If the two have different K or d.
    """
    if estimate.n_components != truth.n_components:
        raise ValueError(f"estimate has K = {estimate.n_components} components but truth has "
                         f"K = {truth.n_components}")
    return assignment(alignment_cost(estimate, truth))


def assignment(cost: np.ndarray) -> np.ndarray:
    """The optimal assignment of rows to columns of a square cost.

    Parameters
    ----------
    cost : ndarray, shape (K, K)
        cost[j, k]: of giving row j to column k.

    Returns
    -------
    ndarray of int, shape (K,)
        p with p[k] the row assigned to column k, minimising the total cost
        (scipy's ``linear_sum_assignment``).
    """
    from scipy.optimize import linear_sum_assignment  # slow to import; only needed here

    rows, cols = linear_sum_assignment(cost.T)
    return cols[np.argsort(rows)]


def sort_permutation(estimate: Mixture) -> np.ndarray:
    """The sensitivity check's labels: components ordered by their means.

    Parameters
    ----------
    estimate : Mixture
        The fit.

    Returns
    -------
    ndarray of int, shape (K,)
        The order by the first mean coordinate, ties broken by the next
        (:func:`gmmem.mixture.sort_order`, the order every fit is reported in).
    """
    return sort_order(estimate.means)
