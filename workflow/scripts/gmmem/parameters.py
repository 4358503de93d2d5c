"""The parameter layout of a Gaussian mixture, defined once.

Two views of the same parameters:

- the *reported* parameters, per component: the weight, the mean(s), the
  standard deviation(s) and, for full or tied covariances with d > 1, the
  covariances above the diagonal (:func:`parameter_names`), labelled
  ``name[k]`` with 1-based component k (:func:`parameter_label`,
  :func:`split_label`);
- the *free* parameters of the information and inference code
  (:func:`free_layout`): logit weights η_k = log(π_k/π_K) (k < K), means
  μ_kj, log variances λ_kj = log σ²_kj (one λ_j per coordinate shared by the
  components for "tied"), then for full covariances with d > 1 the
  covariances σ_kjl (j < l) above the diagonal; components in order within
  each block. This is the unconstrained parametrisation of the observed
  information (Louis 1982, J. R. Statist. Soc. B 44:226–233) and of the Wald
  intervals (logit, identity and log scales).

:func:`n_parameters` counts the model's free parameters as BIC and AIC do
(Schwarz 1978; Akaike 1974); it differs from the free layout's size only for
tied covariances with d > 1, whose shared off-diagonal covariances the
inference code does not cover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .settings import BY_NAME as _SETTINGS

COVARIANCE_TYPES = _SETTINGS["covariance"].choices
_LABEL = re.compile(r"(\w+?)\[(\d+)\]")


def _check_covariance(covariance: str) -> None:
    if covariance not in COVARIANCE_TYPES:
        raise ValueError(f"covariance must be one of {COVARIANCE_TYPES}, got {covariance!r}")


def _check_dims(**dims) -> None:
    for name, value in dims.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def parameter_names(d: int, covariance: str = "full") -> tuple[str, ...]:
    """The per-component parameter names, in reading order.

    Parameters
    ----------
    d : int
        Dimension of the data (>= 1).
    covariance : {"full", "diag", "tied"}, default "full"
        Covariance structure. "diag" has no covariances off the diagonal;
        "full" and "tied" (one shared full matrix) report them.

    Returns
    -------
    tuple of str
        ``("weight", "mean", "sd")`` for d = 1; otherwise ``"weight"``,
        ``"mean_1"`` … ``"mean_d"``, ``"sd_1"`` … ``"sd_d"`` and, unless
        ``covariance == "diag"``, ``"cov_i_j"`` for 1 <= i < j <= d (row by row).

    Raises
    ------
    ValueError
        If ``d`` is not a positive integer or ``covariance`` is not a known structure.
    """
    _check_dims(d=d)
    _check_covariance(covariance)
    if d == 1:
        return ("weight", "mean", "sd")
    names = ["weight"] + [f"mean_{j + 1}" for j in range(d)] + [f"sd_{j + 1}" for j in range(d)]
    if covariance != "diag":
        names += [f"cov_{i + 1}_{j + 1}" for i in range(d) for j in range(i + 1, d)]
    return tuple(names)


def parameter_label(name: str, component: int) -> str:
    """The label of one component's parameter, as the study's tables write it.

    Parameters
    ----------
    name : str
        A name of :func:`parameter_names`, e.g. ``"mean"`` or ``"mean_2"``.
    component : int
        The component, counted from 1.

    Returns
    -------
    str
        ``"name[component]"``, e.g. ``"mean[1]"``, ``"mean_2[1]"``.

    Raises
    ------
    ValueError
        If ``name`` is not a word or ``component`` is not a positive integer.
    """
    if not isinstance(name, str) or not re.fullmatch(r"\w+", name):
        raise ValueError(f"name must be a parameter name such as 'mean_1', got {name!r}")
    _check_dims(component=component)
    return f"{name}[{int(component)}]"


def split_label(label: str) -> tuple[str, int]:
    """The inverse of :func:`parameter_label`.

    Parameters
    ----------
    label : str
        A label such as ``"mean_2[1]"``.

    Returns
    -------
    name : str
        The parameter name, e.g. ``"mean_2"``.
    component : int
        The component, counted from 1.

    Raises
    ------
    ValueError
        If ``label`` is not of the form ``name[k]`` with k >= 1.
    """
    m = _LABEL.fullmatch(label) if isinstance(label, str) else None
    if m is None or int(m.group(2)) < 1:
        raise ValueError(f"label must look like 'mean_1[2]' (name[component >= 1]), got {label!r}")
    return m.group(1), int(m.group(2))


def n_parameters(n_components: int, d: int, covariance: str = "full") -> int:
    """The number of free parameters of the model, as BIC and AIC count them.

    Parameters
    ----------
    n_components : int
        K, the number of components.
    d : int
        Dimension of the data.
    covariance : {"full", "diag", "tied"}, default "full"
        Covariance structure.

    Returns
    -------
    int
        (K − 1) weights + K·d means + the covariance entries: K·d(d+1)/2
        ("full"), K·d ("diag") or d(d+1)/2 ("tied").

    Raises
    ------
    ValueError
        If ``n_components`` or ``d`` is not a positive integer, or ``covariance``
        is not a known structure.
    """
    _check_dims(n_components=n_components, d=d)
    _check_covariance(covariance)
    K = n_components
    per_cov = {"full": d * (d + 1) // 2, "diag": d, "tied": 0}[covariance]
    shared = d * (d + 1) // 2 if covariance == "tied" else 0
    return (K - 1) + K * d + K * per_cov + shared


@dataclass(frozen=True)
class FreeLayout:
    """Where each block of the free parameters sits in the free vector (size,).

    Attributes
    ----------
    n_components, dim : int
        K and d.
    covariance : str
        The covariance structure the layout is for.
    logit_weights : slice
        η_k = log(π_k/π_K), k = 1..K−1 (K − 1 entries).
    means : slice
        μ_kj, component-major (K·d entries).
    log_variances : slice
        λ_kj = log σ²_kj, component-major (K·d entries), or one λ_j per
        coordinate (d entries) for "tied".
    covariances : slice
        σ_kjl (j < l) above the diagonal, component-major, for "full" with
        d > 1 (K·d(d−1)/2 entries); empty otherwise.
    size : int
        The length P of the free vector.
    """

    n_components: int
    dim: int
    covariance: str
    logit_weights: slice
    means: slice
    log_variances: slice
    covariances: slice
    size: int

    @property
    def has_covariances(self) -> bool:
        """Whether off-diagonal covariances are free parameters (full, d > 1)."""
        return self.covariances.stop > self.covariances.start

    @property
    def upper(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices (j, l), j < l, of the covariances above the
        diagonal in their order within a component (``np.triu_indices(d, 1)``)."""
        return np.triu_indices(self.dim, 1)

    def mean_index(self) -> np.ndarray:
        """Positions (K, d) of the means μ_kj in the free vector."""
        return self.means.start + np.arange(self.n_components * self.dim).reshape(
            self.n_components, self.dim)

    def log_variance_index(self) -> np.ndarray:
        """Positions (K, d) of the log variances λ_kj (for "tied" every row is the
        shared λ_j's)."""
        K, d = self.n_components, self.dim
        if self.covariance == "tied":
            return self.log_variances.start + np.tile(np.arange(d), (K, 1))
        return self.log_variances.start + np.arange(K * d).reshape(K, d)

    def covariance_index(self) -> np.ndarray:
        """Positions (K, d(d−1)/2) of the off-diagonal covariances (empty columns
        unless full with d > 1)."""
        K = self.n_components
        width = (self.covariances.stop - self.covariances.start) // K
        return self.covariances.start + np.arange(K * width).reshape(K, width)

    def component(self, k: int, block: str) -> slice:
        """The slice of component k's (0-based) entries of the block "means",
        "log_variances" or "covariances" (not for tied log variances, which all
        components share: use :meth:`log_variance_index`)."""
        if block not in ("means", "log_variances", "covariances"):
            raise ValueError(f"block must be 'means', 'log_variances' or 'covariances', "
                             f"got {block!r}")
        if block == "log_variances" and self.covariance == "tied":
            raise ValueError("block 'log_variances' of a tied layout is shared by the components")
        whole = getattr(self, block)
        width = (whole.stop - whole.start) // self.n_components
        return slice(whole.start + k * width, whole.start + (k + 1) * width)


def free_layout(n_components: int, d: int, covariance: str = "full") -> FreeLayout:
    """The free-parameter layout of a K-component mixture in d dimensions.

    Parameters
    ----------
    n_components : int
        K, the number of components.
    d : int
        Dimension of the data.
    covariance : {"full", "diag", "tied"}, default "full"
        Covariance structure: "full" with d > 1 adds the K·d(d−1)/2
        off-diagonal covariances; "tied" has d shared log variances (its
        off-diagonal covariances, for d > 1, are not in the layout).

    Returns
    -------
    FreeLayout
        The slices of the logit weights, means, log variances and
        covariances, and the size P of the free vector.

    Raises
    ------
    ValueError
        If ``n_components`` or ``d`` is not a positive integer, or ``covariance``
        is not a known structure.
    """
    _check_dims(n_components=n_components, d=d)
    _check_covariance(covariance)
    K = int(n_components)
    d = int(d)
    eta = slice(0, K - 1)
    mu = slice(K - 1, K - 1 + K * d)
    lam = slice(mu.stop, mu.stop + (d if covariance == "tied" else K * d))
    off = slice(lam.stop, lam.stop + (K * d * (d - 1) // 2 if covariance == "full" else 0))
    return FreeLayout(K, d, covariance, eta, mu, lam, off, off.stop)


def weight_jacobian(weights: np.ndarray) -> np.ndarray:
    """∂π_k/∂η_j = π_k (1[k = j] − π_j) (K, K − 1): the weights' derivatives in
    the logit weights η_j = log(π_j/π_K), for the delta method."""
    w = np.asarray(weights)
    return (np.diag(w) - np.outer(w, w))[:, :w.size - 1]


def layout_of(m) -> FreeLayout:
    """:func:`free_layout` of a :class:`gmmem.Mixture` (its K, d and covariance)."""
    return free_layout(m.n_components, m.dim, m.covariance)


def free_parameters(m) -> np.ndarray:
    """The free parameters of a mixture, laid out as :func:`free_layout` says.

    Parameters
    ----------
    m : Mixture
        A fitted or true mixture.

    Returns
    -------
    ndarray, shape (P,)
        Logit weights log(π_k/π_K) (K − 1), means (K·d), log variances (K·d;
        d for "tied", the first component's, which all share), then for full
        covariances with d > 1 the covariances above the diagonal
        (K·d(d−1)/2), components in order within each block.
    """
    layout = layout_of(m)
    K = m.n_components
    w = m.weights
    log_var = np.log(np.diagonal(m.covariances, axis1=1, axis2=2))
    parts = [np.log(w[:K - 1] / w[K - 1]), m.means.ravel(),
             (log_var[0] if m.covariance == "tied" else log_var).ravel()]
    if layout.has_covariances:
        ju, lu = layout.upper
        parts.append(m.covariances[:, ju, lu].ravel())
    return np.concatenate(parts)


def mixture_from_free(theta: np.ndarray, K: int, d: int, covariance: str = "full"):
    """The mixture of free parameters ``theta``, the inverse of :func:`free_parameters`.

    Parameters
    ----------
    theta : ndarray, shape (P,)
        Free parameters laid out as ``free_layout(K, d, covariance)`` says.
    K : int
        Number of components.
    d : int
        Dimension.
    covariance : {"full", "diag", "tied"}, default "full"
        Covariance structure ("tied" with d > 1 is not covered: its layout
        has no off-diagonal covariances).

    Returns
    -------
    Mixture
        Weights softmax(η, 0), the means, and covariances with variances
        exp(λ) and the given off-diagonal entries.

    Raises
    ------
    ValueError
        If ``theta`` does not have the layout's size P, or the structure is
        tied with d > 1.
    """
    from .mixture import Mixture

    layout = free_layout(K, d, covariance)
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (layout.size,):
        raise ValueError(f"theta must have shape ({layout.size},) for K = {K}, d = {d}, "
                         f"covariance {covariance!r}, got {theta.shape}")
    if covariance == "tied" and d > 1:
        raise ValueError("covariance 'tied' with d > 1 has no free layout for its covariances")
    eta = np.append(theta[layout.logit_weights], 0.0)
    w = np.exp(eta - eta.max())
    mu = theta[layout.means].reshape(K, d)
    lam = theta[layout.log_variances]
    var = np.exp(np.tile(lam, (K, 1)) if covariance == "tied" else lam.reshape(K, d))
    cov = var[:, :, None] * np.eye(d)
    if layout.has_covariances:
        ju, lu = layout.upper
        off = theta[layout.covariances].reshape(K, ju.size)
        cov[:, ju, lu] = off
        cov[:, lu, ju] = off
    return Mixture(w / w.sum(), mu, cov, covariance)
