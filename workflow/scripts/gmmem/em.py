"""The stopping rules and the SQUAREM step, stated for one fit.

The batched engine (:mod:`gmmem.engine`) applies exactly these rules to
every item of a batch at once; the scalar forms here are their reference
definitions (and what the tests check the engine's vectorised forms against).
"""

from __future__ import annotations

from .settings import BY_NAME as _SETTINGS

import numpy as np

_add = np.add.reduce  # ndarray.sum's reduction without its Python wrapper
STOPPING_RULES = _SETTINGS["stopping"].choices
# SQUAREM's safeguard accepts an extrapolation whose log-likelihood is at most
# this much below the cycle's start. R's squarem allows 1 (objfn.inc): on
# overlapping mixtures that needs 2.5x fewer EM maps, but it also lets a run
# wander into another basin than plain EM's from the same start, so here the
# safeguard is strict and every cycle is monotone.
_OBJFN_INC = 0.0
# Plain-EM steps whose increment ratios estimate the rate (Aitken).
_AITKEN_WINDOW = 4
ACCELERATIONS = _SETTINGS["accel"].choices


def has_converged(trace: list[float], tol: float, rule: str, n: int) -> bool:
    """Whether a log-likelihood sequence has reached its limit.

    :func:`converged` for one sequence.

    Parameters
    ----------
    trace : sequence of float
        The objective at successive iterates.
    tol : float
        Tolerance: per observation for "aitken" and "absolute" (compared with
        a change of the total log-likelihood as tol·n), relative for "relative".
    rule : {"aitken", "relative", "absolute"}
        The stopping rule (see :func:`converged`).
    n : int
        Observations.

    Returns
    -------
    bool
    """
    tail = np.full(_AITKEN_WINDOW + 2, np.nan)
    last = np.asarray(trace[-(_AITKEN_WINDOW + 2):], dtype=float)
    if last.size:
        tail[-last.size:] = last
    return bool(converged(tail[None], np.array([len(trace)]), tol, rule, n)[0])


def converged(tails: np.ndarray, count: np.ndarray, tol: float, rule: str, n: int) -> np.ndarray:
    """The stopping rule for many sequences at once: tails (B, W + 2) hold each
    one's last values (NaN before its start), count (B,) its length.

    ``tol`` is per observation: the absolute rules compare a change in the
    total log-likelihood with ``tol * n``. "aitken" (McNicholas et al. 2010)
    extrapolates the limit ℓ∞ from the last values and stops when
    0 <= ℓ∞ - ℓ < tol*n, which, unlike a small step, sees slow convergence
    under strong overlap; the rate is the largest of the last few increment
    ratios (one ratio alone is noisy when the increments are tiny, and
    under-reads a slow rate). "relative" is mclust's |Δℓ|/(1+|ℓ|) < tol;
    "absolute" is |Δℓ| < tol*n.
    """
    last = tails[:, -1]
    step = last - tails[:, -2]
    enough = count >= 2
    if rule == "relative":
        return enough & (np.abs(step) / (1.0 + np.abs(last)) < tol)
    budget = tol * n
    if rule == "absolute":
        return enough & (np.abs(step) < budget)
    at_rounding = enough & _at_rounding_level(step, last)
    steps = np.diff(tails, axis=1)  # NaN where a sequence has fewer values
    with np.errstate(invalid="ignore", divide="ignore"):
        bad = np.any(steps[:, :-1] <= 0, axis=1) | (step < 0)
        ratios = steps[:, 1:] / steps[:, :-1]
        rate = np.where(np.isnan(ratios), -np.inf, ratios).max(axis=1)
        gap = step / (1.0 - rate)
    return at_rounding | ((count >= 3) & ~bad & (rate < 1) & (gap < budget))


def _at_rounding_level(step, loglik):
    """A change this small is rounding noise in the sum and carries no rate information."""
    return np.abs(step) <= 64 * np.finfo(float).eps * (1.0 + np.abs(loglik))


def squarem_step(theta0, theta1, theta2, step_max, rate=None):
    """SQUAREM extrapolation (Varadhan & Roland 2008, scheme S3).

    From θ0 and two EM images θ1 = F(θ0), θ2 = F(θ1): r = θ1 − θ0,
    v = θ2 − 2θ1 + θ0, α = ‖r‖/‖v‖ clipped to [1, step_max], and the proposal
    θ0 + 2αr + α²v. α = 1 gives back θ2, the plain double EM step.

    Parameters
    ----------
    theta0, theta1, theta2 : ndarray, shape (q,) or (B, q)
        The cycle's start and its two EM images (one fit, or a batch).
    step_max : float or ndarray, shape (B,)
        Largest step length α allowed.
    rate : float or ndarray, shape (B,), optional
        ‖r‖/‖v‖, if already at hand (:func:`squarem_parts`).

    Returns
    -------
    proposal : ndarray, shape (q,) or (B, q)
    alpha : float or ndarray, shape (B,)
        The step length used.
    """
    r, v, alpha = squarem_parts(theta0, theta1, theta2)
    return squarem_extrapolate(theta0, r, v, alpha if rate is None else rate, step_max)


def squarem_parts(theta0, theta1, theta2):
    """r = θ1 − θ0, v = θ2 − 2θ1 + θ0 and the rate α = ‖r‖/‖v‖ of one SQUAREM
    cycle (per row for a batch (B, q); +inf where v = 0)."""
    r = theta1 - theta0
    v = theta2 - theta1 - r
    nv = np.sqrt(_add(v * v, axis=-1))
    nr = np.sqrt(_add(r * r, axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(nv > 0, nr / nv, np.inf)
    return r, v, alpha


def squarem_extrapolate(theta0, r, v, rate, step_max):
    """The proposal θ0 + 2αr + α²v with α = rate clipped to [1, step_max]
    (1 where the rate is not finite), and α: the second half of
    :func:`squarem_step`, for r, v and rate from :func:`squarem_parts`."""
    alpha = np.asarray(rate)
    alpha = np.where(np.isfinite(alpha), np.minimum(np.maximum(alpha, 1.0), step_max), 1.0)
    a = alpha[..., None] if r.ndim > 1 else alpha
    proposal = theta0 + 2.0 * a * r + (a * a) * v
    return proposal, (float(alpha) if alpha.ndim == 0 else alpha)


def squarem_rate(theta0, theta1, theta2):
    """α = ‖r‖/‖v‖ of one SQUAREM cycle (per row for a batch (B, q)), which is
    1/(1−λ) for EM contracting at rate λ; +inf when v = 0."""
    alpha = squarem_parts(theta0, theta1, theta2)[2]
    return float(alpha) if alpha.ndim == 0 else alpha


def squarem_gap(alpha_max, ll0, ll1):
    """Predicted distance ℓ* − ℓ(θ1) after one plain EM step ℓ0 → ℓ1 inside a cycle.

    With EM contracting at rate λ, α = 1/(1−λ) and the gain still to come is
    (ℓ1 − ℓ0)·λ²/(1−λ²) < α·(ℓ1 − ℓ0): the Aitken idea (McNicholas et al.
    2010) applied to the plain-EM substeps, which keep EM's linear rate when
    the accelerated sequence does not. Extrapolation removes the slow
    direction only for a cycle or two and the next cycles under-read it
    (by up to 1000x on strongly overlapping mixtures), so α is the largest
    seen in the run. Returns +inf for a decrease, 0 for a step at rounding level;
    elementwise for arrays (one item of a batch each).
    """
    step = np.asarray(ll1) - ll0
    with np.errstate(invalid="ignore"):
        gap = np.where(_at_rounding_level(step, ll1), 0.0,
                       np.where(step < 0, np.inf, np.maximum(alpha_max, 1.0) * step))
    return float(gap) if gap.ndim == 0 else gap
