"""The EM loop: plain EM or SQUAREM acceleration, and the stopping rules.

The loop knows nothing about Gaussians beyond :mod:`gmmem.gaussian`'s
``em_map``/``pack``/``unpack``; one unit of work is one EM-map evaluation
(an E-step plus an M-step), which is what ``max_iter`` and ``n_iter`` count
for both algorithms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .gaussian import Params, em_map, pack, unpack

STOPPING_RULES = ("aitken", "relative", "absolute")
# SQUAREM's safeguard accepts an extrapolation whose log-likelihood is at most
# this much below the cycle's start. R's squarem allows 1 (objfn.inc): on
# overlapping mixtures that needs 2.5x fewer EM maps, but it also lets a run
# wander into another basin than plain EM's from the same start, so here the
# safeguard is strict and every cycle is monotone.
_OBJFN_INC = 0.0
# Plain-EM steps whose increment ratios estimate the rate (Aitken).
_AITKEN_WINDOW = 4
ACCELERATIONS = ("squarem", None)


@dataclass(frozen=True)
class EMRun:
    """One EM run from one start: final parameters (standardised scale) and diagnostics."""

    params: Params
    loglik: float
    n_iter: int
    converged: bool
    trace: np.ndarray


def has_converged(trace: list[float], tol: float, rule: str, n: int) -> bool:
    """Whether the log-likelihood sequence ``trace`` has reached its limit.

    ``tol`` is per observation: the absolute rules compare a change in the
    total log-likelihood with ``tol * n``. "aitken" (McNicholas et al. 2010)
    extrapolates the limit ℓ∞ from the last three values and stops when
    0 <= ℓ∞ - ℓ < tol*n, which, unlike a small step, sees slow convergence
    under strong overlap; "relative" is mclust's |Δℓ|/(1+|ℓ|) < tol;
    "absolute" is Δℓ < tol*n.
    """
    if len(trace) < 2:
        return False
    step = trace[-1] - trace[-2]
    if rule == "relative":
        return abs(step) / (1.0 + abs(trace[-1])) < tol
    budget = tol * n
    if rule == "absolute":
        return abs(step) < budget
    if _at_rounding_level(step, trace[-1]):
        return True
    if len(trace) < 3:
        return False
    steps = np.diff(trace[-_AITKEN_WINDOW - 2:])
    if np.any(steps[:-1] <= 0) or step < 0:
        return False
    # The largest of the last few increment ratios: one ratio alone is
    # noisy when the increments are tiny, and under-reads a slow rate.
    rate = float(np.max(steps[1:] / steps[:-1]))
    if rate >= 1:
        return False
    return step / (1.0 - rate) < budget


def _at_rounding_level(step: float, loglik: float) -> bool:
    """A change this small is rounding noise in the sum and carries no rate information."""
    return abs(step) <= 64 * np.finfo(float).eps * (1.0 + abs(loglik))


def squarem_step(theta0, theta1, theta2, step_max: float) -> tuple[np.ndarray, float]:
    """SQUAREM extrapolation (Varadhan & Roland 2008, scheme S3).

    From θ0 and two EM images θ1 = F(θ0), θ2 = F(θ1): r = θ1 - θ0,
    v = θ2 - 2θ1 + θ0, α = ‖r‖/‖v‖ clipped to [1, step_max], and the
    proposal θ0 + 2αr + α²v. α = 1 gives back θ2, the plain double EM step.
    """
    r = theta1 - theta0
    v = theta2 - theta1 - r
    alpha = squarem_rate(theta0, theta1, theta2)
    alpha = float(min(max(alpha, 1.0), step_max)) if np.isfinite(alpha) else 1.0
    return theta0 + 2.0 * alpha * r + alpha * alpha * v, alpha


def squarem_rate(theta0, theta1, theta2) -> float:
    """α = ‖r‖/‖v‖ of one SQUAREM cycle, which is 1/(1−λ) for EM contracting at rate λ."""
    r = theta1 - theta0
    v = theta2 - theta1 - r
    nv = np.sqrt(np.dot(v, v))
    return float(np.sqrt(np.dot(r, r)) / nv) if nv > 0 else np.inf


def squarem_gap(alpha_max: float, ll0: float, ll1: float) -> float:
    """Predicted distance ℓ* − ℓ(θ1) after one plain EM step ℓ0 → ℓ1 inside a cycle.

    With EM contracting at rate λ, α = 1/(1−λ) and the gain still to come is
    (ℓ1 − ℓ0)·λ²/(1−λ²) < α·(ℓ1 − ℓ0): the Aitken idea (McNicholas et al.
    2010) applied to the plain-EM substeps, which keep EM's linear rate when
    the accelerated sequence does not. Extrapolation removes the slow
    direction only for a cycle or two and the next cycles under-read it
    (by up to 1000x on strongly overlapping mixtures), so α is the largest
    seen in the run. Returns +inf for a decrease, 0 for a step at rounding level.
    """
    step = ll1 - ll0
    if _at_rounding_level(step, ll1):
        return 0.0
    if step < 0:
        return np.inf
    return max(alpha_max, 1.0) * step


def run_em(T: np.ndarray, start: Params, *, covariance: str, floor: float, tol: float,
           max_iter: int, accel: str | None, stopping: str, reg=None) -> EMRun:
    """Iterate the EM map from ``start`` until the stopping rule or ``max_iter`` maps.

    The run maximises the log-likelihood, plus log p(θ) with a prior or
    penalty ``reg`` (:mod:`gmmem.estimators`); ``loglik`` and ``trace`` hold
    that objective, on which the stopping rule and SQUAREM's safeguard act.
    """
    n = T.shape[1]
    if accel == "squarem":
        return _run_squarem(T, start, covariance, floor, tol, max_iter, stopping, n, reg)
    trace: list[float] = []
    current = start
    for it in range(max_iter):
        nxt, ll = em_map(T, current, covariance, floor, reg)
        trace.append(ll)
        if not np.isfinite(ll):
            break
        if has_converged(trace, tol, stopping, n):
            return EMRun(current, ll, it + 1, True, np.array(trace))
        current = nxt
    return _finish_unconverged(T, current, trace, covariance, floor, max_iter, reg)


def _finish_unconverged(T, current, trace, covariance, floor, n_iter, reg) -> EMRun:
    _, ll = em_map(T, current, covariance, floor, reg)
    return EMRun(current, ll, n_iter, False, np.array(trace))


def _run_squarem(T, start, covariance, floor, tol, max_iter, stopping, n, reg) -> EMRun:
    K, d = start.mu.shape
    step_max, step_factor = 1.0, 4.0

    def F(p):
        return em_map(T, p, covariance, floor, reg)

    trace: list[float] = []
    alpha_max = 1.0
    current = start
    evals = 0
    while evals + 3 <= max_iter:
        p1, ll0 = F(current)
        evals += 1
        trace.append(ll0)
        if not np.isfinite(ll0):
            break
        if stopping != "aitken" and has_converged(trace, tol, stopping, n):
            return EMRun(current, ll0, evals, True, np.array(trace))
        p2, ll1 = F(p1)
        evals += 1
        v0, v1, v2 = pack(current, covariance), pack(p1, covariance), pack(p2, covariance)
        alpha_max = max(alpha_max, squarem_rate(v0, v1, v2))
        if stopping == "aitken" and squarem_gap(alpha_max, ll0, ll1) < tol * n:
            trace.append(ll1)
            return EMRun(p1, ll1, evals, True, np.array(trace))
        proposal, alpha = squarem_step(v0, v1, v2, step_max)
        # Safeguard: keep the extrapolation only if its log-likelihood is no
        # worse than the cycle's start; otherwise fall back to α = 1, which is
        # θ2 (monotone, as plain EM), and shrink the largest step allowed next
        # (Varadhan & Roland's step_max scheme).
        nxt, ll_c = F(p2 if alpha == 1.0 else unpack(proposal, K, d, covariance, floor))
        evals += 1
        if alpha > 1.0 and not (np.isfinite(ll_c) and ll_c >= ll0 - _OBJFN_INC):
            step_max = max(1.0, step_max / step_factor)
            if evals < max_iter:
                nxt, _ = F(p2)
                evals += 1
            else:
                nxt = p2
        elif alpha == step_max:
            step_max *= step_factor
        current = nxt
    return _finish_unconverged(T, current, trace, covariance, floor, evals, reg)
