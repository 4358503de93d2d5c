"""The Gaussian mixture as a validated, immutable value."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import as_data
from .parameters import COVARIANCE_TYPES, n_parameters

_LOG_2PI = np.log(2.0 * np.pi)


def log_sum_exp(lp: np.ndarray, *, pairwise: bool = False) -> np.ndarray:
    """log Σ_k exp(lp_ik) (n, 1) of log terms lp (n, K), without overflow.

    By the max shift, m_i + log Σ_k exp(lp_ik − m_i); with ``pairwise`` by
    ``np.logaddexp.reduce`` (log1p of each ratio, a little more accurate for
    K = 2). Both are kept because they differ in the last bit: the
    information code has always used the pairwise form, the log-likelihood
    and the responsibilities the max shift, and published numbers stay the
    same bytes.
    """
    if pairwise:
        return np.logaddexp.reduce(lp, axis=1, keepdims=True)
    top = lp.max(axis=1, keepdims=True)
    return top + np.log(np.exp(lp - top).sum(axis=1, keepdims=True))


def posterior(lp: np.ndarray, *, pairwise: bool = False) -> np.ndarray:
    """Posterior component probabilities τ_ik = exp(lp_ik − log Σ_l exp(lp_il)),
    (n, K), of log terms lp (n, K) = log π_k φ_k(x_i) (see :func:`log_sum_exp`)."""
    return np.exp(lp - log_sum_exp(lp, pairwise=pairwise))


def sort_order(means: np.ndarray) -> np.ndarray:
    """The canonical order of components: the permutation (..., K) sorting
    means (..., K, d) by their first coordinate, ties broken by the next."""
    d = means.shape[-1]
    return np.lexsort(tuple(means[..., j] for j in reversed(range(d))), axis=-1)


def _as_float_array(name: str, value, ndim: int) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {value!r}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Mixture:
    """A K-component Gaussian mixture in d dimensions, validated and immutable.

    Parameters
    ----------
    weights : array_like, shape (K,)
        Positive, summing to 1.
    means : array_like, shape (K, d)
        Component means.
    covariances : array_like, shape (K, d, d)
        Symmetric positive definite matrices.
    covariance : {"full", "diag", "tied"}, default "full"
        The structure the parameters were estimated under; it decides
        ``n_params`` and is checked against the matrices (diagonal for "diag",
        all equal for "tied").

    Raises
    ------
    ValueError
        If an array has the wrong shape or non-finite entries, the weights are
        not positive or do not sum to 1, a covariance is not symmetric positive
        definite, or the matrices do not have the named structure.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance: str = "full"
    _chol: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        w = _as_float_array("weights", self.weights, 1)
        mu = _as_float_array("means", self.means, 2)
        cov = _as_float_array("covariances", self.covariances, 3)
        K, d = mu.shape
        if w.shape != (K,):
            raise ValueError(f"weights has shape {w.shape} but means has K={K} rows")
        if K < 1 or d < 1:
            raise ValueError(f"means must be (K, d) with K, d >= 1, got shape {mu.shape}")
        if cov.shape != (K, d, d):
            raise ValueError(f"covariances must have shape {(K, d, d)}, got {cov.shape}")
        if np.any(w <= 0):
            raise ValueError(f"weights must be positive, got {w.tolist()}")
        if abs(w.sum() - 1.0) > 1e-8:
            raise ValueError(f"weights must sum to 1, got sum {w.sum():.10g} for {w.tolist()}")
        if self.covariance not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance must be one of {COVARIANCE_TYPES}, got {self.covariance!r}")
        if not np.allclose(cov, np.swapaxes(cov, 1, 2), rtol=1e-10, atol=0):
            raise ValueError("covariances must be symmetric")
        diag = np.diagonal(cov, axis1=1, axis2=2)
        if np.any(diag <= 0):
            raise ValueError(f"covariances must have positive variances, got {diag.tolist()}")
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError("covariances must be positive definite") from None
        if self.covariance == "diag" and np.any(cov[:, ~np.eye(d, dtype=bool)] != 0):
            raise ValueError("covariance='diag' needs diagonal covariances")
        if self.covariance == "tied" and not np.allclose(cov, cov[0], rtol=1e-12, atol=0):
            raise ValueError("covariance='tied' needs equal covariances")
        chol.setflags(write=False)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "means", mu)
        object.__setattr__(self, "covariances", cov)
        object.__setattr__(self, "_chol", chol)

    @classmethod
    def _trusted(cls, weights, means, covariances, covariance: str = "full",
                 chol=None) -> "Mixture":
        """A Mixture from arrays the EM engine produced (valid by construction):
        skips the checks, which cost more than a small fit's EM. ``chol``: the
        covariances' Cholesky factors, if already at hand."""
        self = object.__new__(cls)
        for name, value in (("weights", weights), ("means", means), ("covariances", covariances)):
            arr = np.array(value, dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "covariance", covariance)
        if chol is not None:
            chol = np.array(chol)
        elif self.covariances.shape[-1] == 1:
            chol = np.sqrt(self.covariances)  # LAPACK's 1x1 Cholesky, bit for bit, without its call
        else:
            chol = np.linalg.cholesky(self.covariances)
        chol.setflags(write=False)
        object.__setattr__(self, "_chol", chol)
        return self

    @classmethod
    def univariate(cls, weights, means, sds, covariance: str = "full") -> "Mixture":
        """A 1-D mixture from weights, means and standard deviations.

        Parameters
        ----------
        weights : array_like, shape (K,)
            Positive, summing to 1.
        means : array_like, shape (K,)
        sds : array_like, shape (K,)
            Positive standard deviations.
        covariance : {"full", "diag", "tied"}, default "full"
            The structure (for d = 1, "tied" means equal variances).

        Returns
        -------
        Mixture

        Raises
        ------
        ValueError
            If ``sds`` are not positive or the shapes differ (and as :class:`Mixture`).
        """
        sds = _as_float_array("sds", sds, 1)
        if np.any(sds <= 0):
            raise ValueError(f"sds must be positive, got {sds.tolist()}")
        means = _as_float_array("means", means, 1)
        if sds.shape != means.shape:
            raise ValueError(f"sds has shape {sds.shape} but means has shape {means.shape}")
        return cls(weights, means[:, None], (sds**2)[:, None, None], covariance)

    @property
    def n_components(self) -> int:
        return self.means.shape[0]

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    @property
    def sds(self) -> np.ndarray:
        """Standard deviations (K,) of a univariate mixture."""
        if self.dim != 1:
            raise ValueError(f"sds is defined for d = 1 only, this mixture has d = {self.dim}")
        return np.sqrt(self.covariances[:, 0, 0])

    @property
    def n_params(self) -> int:
        """Free parameters: K-1 weights, K*d means, and the covariance entries
        (:func:`gmmem.parameters.n_parameters`)."""
        return n_parameters(self.n_components, self.dim, self.covariance)

    def component_logpdf(self, x) -> np.ndarray:
        """log(π_k N(x_i; μ_k, Σ_k)) of every point and component.

        Parameters
        ----------
        x : array_like, shape (n,) or (n, d)
            The points.

        Returns
        -------
        ndarray, shape (n, K)
        """
        z = as_data(x, dim=self.dim)
        n, d = z.shape
        out = np.empty((n, self.n_components))
        for k in range(self.n_components):
            # A triangular solve per component (not per point) keeps far-away
            # points exact: no density is formed before taking its log.
            diff = z - self.means[k]
            sol = np.linalg.solve(self._chol[k], diff.T)
            maha = np.einsum("ij,ij->j", sol, sol)
            logdet = 2.0 * np.log(np.diagonal(self._chol[k])).sum()
            out[:, k] = np.log(self.weights[k]) - 0.5 * (d * _LOG_2PI + logdet + maha)
        return out

    def logpdf(self, x) -> np.ndarray:
        """Log density of the mixture at each point.

        Parameters
        ----------
        x : array_like, shape (n,) or (n, d)
            The points.

        Returns
        -------
        ndarray, shape (n,)
        """
        return log_sum_exp(self.component_logpdf(x))[:, 0]

    def loglik(self, x) -> float:
        """Total log-likelihood of the data.

        Parameters
        ----------
        x : array_like, shape (n,) or (n, d)
            The data.

        Returns
        -------
        float
        """
        return float(self.logpdf(x).sum())

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw points from the mixture.

        Parameters
        ----------
        n : int
            Points to draw (>= 1).
        rng : numpy.random.Generator
            The stream to draw from.

        Returns
        -------
        x : ndarray, shape (n,) for d = 1, else (n, d)
        labels : ndarray of int, shape (n,)
            The component (0-based) of each point.

        Raises
        ------
        ValueError
            If ``n`` is not a positive integer.
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        labels = rng.choice(self.n_components, size=n, p=self.weights)
        z = rng.standard_normal((n, self.dim))
        x = self.means[labels] + np.einsum("nij,nj->ni", self._chol[labels], z)
        return (x[:, 0] if self.dim == 1 else x), labels

    def sorted(self) -> "Mixture":
        """The same mixture with components ordered by their means (first coordinate first)."""
        order = sort_order(self.means)
        return Mixture._trusted(self.weights[order], self.means[order], self.covariances[order],
                                self.covariance, self._chol[order])

    def __repr__(self) -> str:
        if self.dim == 1:
            return (f"Mixture.univariate(weights={np.round(self.weights, 6).tolist()}, "
                    f"means={np.round(self.means[:, 0], 6).tolist()}, "
                    f"sds={np.round(self.sds, 6).tolist()})")
        return (f"Mixture(K={self.n_components}, d={self.dim}, covariance={self.covariance!r}, "
                f"weights={np.round(self.weights, 6).tolist()})")
