"""Pseudo-true parameters: the Gaussian mixture closest to a non-Gaussian truth.

When the data come from g (t or skew-normal components, or a contaminated
mixture; see :mod:`gmm_recovery.simulation`), the Gaussian MLE converges to the
maximiser θ* of the population objective Q(θ) = E_g log f_θ(X), the
Kullback–Leibler projection of g onto the K-component model (White 1982,
Econometrica 50:1). Q may have several local maxima; a study's fits fall
near one or the other.

d = 1: Q is a one-dimensional integral. Each component of g is integrated in
its own standardised coordinate u = sinh(t) with the trapezoidal rule in t
(the substitution turns the polynomial tails of a t density into exponential
decay, where the trapezoidal rule converges geometrically), out to 10⁶
standard deviations, further for a t(ν) with small ν (:func:`default_reach`).
The nodes x_i with weights w_i ≈ g(x_i)dx turn Q into the weighted sum
Σ w_i log f_θ(x_i), so EM with the w_i as observation weights is exactly
population EM (run first on a grid of 4x the step, whose maxima are within
~1e-5 of the fine grid's, then on the fine grid until a step there gains
< 1e-11); Newton steps on the analytic gradient and Hessian finish it. Precision:
the largest gradient component at the answer, and the change of every
parameter when the step is halved and the reach multiplied by 100
(:func:`quadrature_precision`). For heights_t5 the change is ≤ 2e-13 at the
default step 1/64; at step 1/16 it is 2e-6, at 1/32 2e-13.

d ≥ 2: a fit of one large sample (n = 2·10⁶ by default, drawn from a seed),
with the sandwich (Huber–White) SE of each parameter as its Monte Carlo
precision: under misspecification the model SE understates it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gmmem import Mixture

from .simulation import mixture_moments

# Distinct local maxima differ in some free parameter (logit weight, mean in
# SDs, log-variance) by more than this; one maximum reached twice, far less.
DISTINCT = 1e-4
# The gradient (per unit of each free parameter) below which a point counts as stationary.
STATIONARY = 1e-9
# The trapezoidal step in t = asinh(u) of the 1-D quadrature.
QUADRATURE_STEP = 1 / 64
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


@dataclass(frozen=True, eq=False)
class Maximum:
    """One local maximum of E_g log f_θ: the mixture (canonical order), its
    objective (nats per observation), the largest absolute gradient component
    in the free parameters (η, μ, log σ²), the Hessian's largest eigenvalue
    (negative at a maximum) and how many starts reached it."""

    mixture: Mixture
    objective: float
    grad_max: float
    hessian_max_eig: float
    n_starts: int


# --- the truth as a weighted grid (d = 1) -----------------------------------

def _log_poch_half(a: float) -> float:
    """log Γ(a + ½) − log Γ(a) for a > 0, to a few ulp: the Stirling series of
    the difference at b = a + n ≥ 30 (written without cancellation), brought
    down to a by Γ(z + 1) = zΓ(z). (math.lgamma's difference cancels more
    digits as a grows; scipy's poch is off by 1e-13 at a = 500.)"""
    n = max(0, math.ceil(30.0 - a))
    shift = sum(math.log1p(0.5 / (a + j)) for j in range(n))
    b = a + n
    h = 0.5 / b
    log1p_minus_h = sum((-1) ** (k + 1) * h**k / k for k in range(14, 1, -1))  # log(1+h) − h

    def stirling(z):  # lnΓ(z) − [(z − ½)ln z − z + ½ ln 2π], to 1/z^9
        z2 = z * z
        return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * z2)) / z2) / z2) / z2) / z

    return b * log1p_minus_h + 0.5 * math.log(b) + (stirling(b + 0.5) - stirling(b)) - shift


def _standard_logpdf(family, u: np.ndarray) -> np.ndarray:
    """log density of one component family standardised to mean 0, variance 1,
    written out (scipy.stats costs 0.65 s to import; a test checks these against
    it): normal; t(ν) scaled by c = √((ν−2)/ν); skew-normal(α) shifted and
    scaled by its mean δ√(2/π) and SD √(1 − 2δ²/π), δ = α/√(1+α²)."""
    if family == "normal":
        return -0.5 * u * u - _LOG_SQRT_2PI
    kind, value = family
    if kind == "t":
        if value <= 2:
            raise ValueError(f"family t df must be > 2 for a finite variance, got {value!r}")
        c = math.sqrt((value - 2.0) / value)
        z = u / c
        return (_log_poch_half(0.5 * value) - 0.5 * (math.log(value) + math.log(math.pi))
                - (value + 1) / 2 * np.log1p(z * z / value)) - math.log(c)
    if kind == "skewnormal":
        from scipy.special import log_ndtr  # only here: 0.2 s to import

        delta = value / math.sqrt(1.0 + value * value)
        m = delta * math.sqrt(2 / math.pi)
        v = math.sqrt(1 - 2 * delta**2 / math.pi)
        z = m + v * u
        return math.log(2) - 0.5 * z * z - _LOG_SQRT_2PI + log_ndtr(value * z) + math.log(v)
    raise ValueError(f"family must be 'normal', ('t', df) or ('skewnormal', alpha), got {family!r}")


def default_reach(family) -> float:
    """How many SDs out a component is integrated: 10⁶, and for a t(ν) so far
    that the tail's share of E X² (∝ R^(2−ν)) is below ~1e-16 (10^(16/(ν−2)))."""
    if family != "normal" and family[0] == "t":
        return float(10.0 ** min(150.0, max(6.0, 16.0 / (family[1] - 2.0))))
    return 1e6


def truth_quadrature(truth: Mixture, families=None, contamination: dict | None = None, *,
                     step: float = QUADRATURE_STEP,
                     reach: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes x (m,) and weights w (m,) with Σ w_i h(x_i) ≈ E_g h(X) for the
    scenario's 1-D truth g (families and contamination as in
    :func:`gmm_recovery.simulation.sample_scenario`): per component, the trapezoidal
    rule in t with x = μ_k + σ_k sinh(t), |sinh t| ≤ ``reach`` × :func:`default_reach`
    (in SDs), step ``step``."""
    if truth.dim != 1:
        raise ValueError(f"truth_quadrature needs a 1-D truth, got d = {truth.dim}")
    if not (step > 0 and reach >= 1):
        raise ValueError(f"step must be > 0 and reach >= 1, got step={step!r}, reach={reach!r}")
    K = truth.n_components
    families = tuple(families or ("normal",) * K)
    if len(families) != K:
        raise ValueError(f"families has {len(families)} entries but the truth has K = {K}")
    for f in families:
        if f != "normal" and f[0] == "t" and not f[1] > 2:
            raise ValueError(f"family t df must be > 2 for a finite variance, got {f[1]!r}")
    fraction = float(contamination["fraction"]) if contamination else 0.0
    centres = list(truth.means[:, 0])
    scales = list(truth.sds)
    masses = list(truth.weights * (1 - fraction))
    fams = list(families)
    if fraction > 0:
        mean, cov = mixture_moments(truth)
        centres.append(float(mean[0]))
        scales.append(float(np.sqrt(cov[0, 0])) * float(contamination["sd_factor"]))
        masses.append(fraction)
        fams.append("normal")
    xs, ws = [], []
    for c, s, m, f in zip(centres, scales, masses, fams):
        T = np.arcsinh(reach * default_reach(f))
        t = np.arange(-np.floor(T / step), np.floor(T / step) + 1) * step
        u = np.sinh(t)
        jac = step * np.cosh(t)
        xs.append(c + s * u)
        ws.append(m * jac * np.exp(_standard_logpdf(f, u)))
    return np.concatenate(xs), np.concatenate(ws)


# --- the population objective on a weighted grid ----------------------------

def _log_components(x, pi, mu, var):
    """log π_k φ(x_i; μ_k, σ²_k) as (S, K, m) for parameter batches (S, K). The
    nodes come last so that reductions over K run along contiguous rows (numpy
    reduces a short last axis ~20x slower)."""
    r = x[None, None, :] - mu[:, :, None]
    return ((np.log(pi) - 0.5 * np.log(2 * np.pi * var))[:, :, None]
            - r * r * (0.5 / var)[:, :, None])


def _posterior(x, pi, mu, var):
    """Responsibilities τ_ik (S, K, m) and log f(x_i) (S, m) per batch item."""
    lp = _log_components(x, pi, mu, var)
    top = lp.max(axis=1)
    e = np.exp(lp - top[:, None, :])
    total = e.sum(axis=1)
    return e / total[:, None, :], top + np.log(total)


def _estep(x, wt, pi, mu, var):
    """Weighted responsibilities w_i τ_ik (S, K, m) and the objective
    Σ_i w_i log f(x_i) (S,) per batch item."""
    lp = _log_components(x, pi, mu, var)
    top = lp.max(axis=1)
    e = np.exp(lp - top[:, None, :])
    total = e.sum(axis=1)
    return e * (wt / total)[:, None, :], (top + np.log(total)) @ wt


def population_objective(mixture: Mixture, x: np.ndarray, wt: np.ndarray) -> float:
    """Σ w_i log f(x_i): E_g log f in nats per observation on a quadrature grid."""
    return float(mixture.logpdf(x) @ wt)


def _to_free(pi, mu, var):
    return np.concatenate([np.log(pi[:-1] / pi[-1]), mu, np.log(var)])


def _from_free(theta, K):
    eta = np.append(theta[:K - 1], 0.0)
    pi = np.exp(eta - eta.max())
    return pi / pi.sum(), theta[K - 1:2 * K - 1], np.exp(theta[2 * K - 1:])


def objective_free(theta: np.ndarray, x: np.ndarray, wt: np.ndarray) -> float:
    """The objective at free parameters θ = (η_1..η_{K-1}, μ_1..μ_K, log σ²_1..log σ²_K),
    η_k = log(π_k/π_K) (the convention of :mod:`gmmem.inference`)."""
    K = (len(theta) + 1) // 3
    pi, mu, var = _from_free(np.asarray(theta, dtype=float), K)
    return float(_estep(x, wt, pi[None], mu[None], var[None])[1][0])


def _gradient(wtau, x, pi, mu, var, mass):
    """The gradient of :func:`gradient_free` from the weighted responsibilities
    w_i τ_ik (K, m); also returns r = x − μ_k (K, m)."""
    K = pi.size
    N = wtau.sum(axis=1)
    r = x[None, :] - mu[:, None]
    g_mu = (wtau * r).sum(axis=1) / var
    g_lam = 0.5 * ((wtau * r * r).sum(axis=1) / var - N)
    return np.concatenate([N[:K - 1] - pi[:K - 1] * mass, g_mu, g_lam]), r


def gradient_free(theta: np.ndarray, x: np.ndarray, wt: np.ndarray) -> np.ndarray:
    """Analytic gradient of :func:`objective_free`: ∂/∂η_j = N_j − π_j M,
    ∂/∂μ_k = Σ w τ_k (x − μ_k)/σ²_k, ∂/∂log σ²_k = ½ Σ w τ_k ((x − μ_k)²/σ²_k − 1),
    with N_k = Σ_i w_i τ_ik and M = Σ_i w_i."""
    K = (len(theta) + 1) // 3
    pi, mu, var = _from_free(np.asarray(theta, dtype=float), K)
    wtau = _estep(x, wt, pi[None], mu[None], var[None])[0][0]  # (K, m)
    return _gradient(wtau, x, pi, mu, var, wt.sum())[0]


def derivatives_free(theta: np.ndarray, x: np.ndarray, wt: np.ndarray):
    """The gradient (P,) of :func:`gradient_free` and the analytic Hessian (P, P)
    of :func:`objective_free`, P = 3K − 1, in one pass over the nodes. With
    a_k = log π_k φ(x; μ_k, σ²_k), s_k = ∂a_k/∂θ and τ_k the responsibilities,
    ∂² log f = Σ_k τ_k (∂²a_k + (s_k − G)(s_k − G)ᵀ), G = Σ_k τ_k s_k; the
    nonzero ∂²a_k are −(diag π − ππᵀ) in η, −1/σ²_k, −(x − μ_k)/σ²_k and
    −½(x − μ_k)²/σ²_k in (μ_k, log σ²_k)."""
    theta = np.asarray(theta, dtype=float)
    K = (theta.size + 1) // 3
    P = 3 * K - 1
    pi, mu, var = _from_free(theta, K)
    tau = _posterior(x, pi[None], mu[None], var[None])[0][0]  # (K, m)
    wtau = tau * wt
    mass = wt.sum()
    g, r = _gradient(wtau, x, pi, mu, var, mass)
    z = r / var[:, None]          # ∂a_k/∂μ_k
    q = 0.5 * (r * z - 1.0)       # ∂a_k/∂log σ²_k
    # s_k per node: η part e_k − π (e_K = 0), then z_k at μ_k, q_k at log σ²_k.
    s = np.zeros((K, x.size, P))
    s[:, :, :K - 1] = -pi[:K - 1]
    for k in range(K):
        if k < K - 1:
            s[k, :, k] += 1.0
        s[k, :, K - 1 + k] = z[k]
        s[k, :, 2 * K - 1 + k] = q[k]
    # Σ_k τ_k s_k s_kᵀ − GGᵀ as Σ_k τ_k (s_k − G)(s_k − G)ᵀ, G = Σ_k τ_k s_k the
    # per-node score: node by node it vanishes where one component takes the
    # node (τ = 1), whereas the two sums apart grow like E|X|⁴, infinite for a t(ν ≤ 4).
    s -= (tau[:, :, None] * s).sum(axis=0)[None]
    H = (wtau[:, :, None] * s).reshape(-1, P).T @ s.reshape(-1, P)
    H[:K - 1, :K - 1] -= mass * (np.diag(pi[:K - 1]) - np.outer(pi[:K - 1], pi[:K - 1]))
    idx_mu, idx_lam = np.arange(K - 1, 2 * K - 1), np.arange(2 * K - 1, P)
    H[idx_mu, idx_mu] -= wtau.sum(axis=1) / var
    H[idx_mu, idx_lam] -= (wtau * z).sum(axis=1)
    H[idx_lam, idx_mu] -= (wtau * z).sum(axis=1)
    H[idx_lam, idx_lam] -= 0.5 * (wtau * r * z).sum(axis=1)
    return g, 0.5 * (H + H.T)


def hessian_free(theta: np.ndarray, x: np.ndarray, wt: np.ndarray) -> np.ndarray:
    """The analytic Hessian (P, P) of :func:`objective_free` (see :func:`derivatives_free`)."""
    return derivatives_free(theta, x, wt)[1]


def population_em(x: np.ndarray, wt: np.ndarray, pi, mu, var, *, tol: float = 1e-11,
                  max_iter: int = 5000):
    """Weighted EM from a batch of starts pi, mu, var (S, K): the M-step's
    weighted moments use w_i τ_ik, which on quadrature nodes is population EM.
    Each item runs until its objective gains less than ``tol`` in a step (or
    ``max_iter`` steps) and then leaves the batch, so the cost is the items'
    own iterations, not S times the slowest's; an item's path is the one it
    takes alone. Returns (pi, mu, var, objective (S,)) at each item's last E-step."""
    pi, mu, var = (np.array(a, dtype=float, ndmin=2) for a in (pi, mu, var))
    floor = 1e-12 * float(wt @ (x - wt @ x / wt.sum()) ** 2)
    obj = np.full(pi.shape[0], -np.inf)
    active = np.arange(pi.shape[0])
    for _ in range(max_iter):
        p, m, v = pi[active], mu[active], var[active]
        # The E-step of _estep, keeping (x − μ_k)² for the M-step.
        rr = x[None, None, :] - m[:, :, None]
        rr *= rr
        lp = (np.log(p) - 0.5 * np.log(2 * np.pi * v))[:, :, None] - rr * (0.5 / v)[:, :, None]
        top = lp.max(axis=1)
        lp -= top[:, None, :]
        e = np.exp(lp, out=lp)
        total = e.sum(axis=1)
        tau = np.multiply(e, (wt / total)[:, None, :], out=e)
        o = (top + np.log(total)) @ wt
        going = o - obj[active] >= tol
        obj[active] = o
        if not going.any():
            break
        active, tau, rr, m = active[going], tau[going], rr[going], m[going]
        N = tau.sum(axis=2)  # (S, K)
        new = (tau @ x) / N
        # Σ τ (x − μ_new)² = Σ τ (x − μ_old)² − N (μ_new − μ_old)²: exact, and
        # free of cancellation where EM steps are small.
        d = new - m
        var[active] = np.maximum(np.einsum("skm,skm->sk", tau, rr) / N - d * d, floor)
        mu[active] = new
        pi[active] = N / N.sum(axis=1, keepdims=True)
    return pi, mu, var, obj


def _newton(theta, x, wt, max_steps: int = 30):
    """Newton's method on the objective from near a maximum, each step halved
    until the objective does not fall; stops at a non-concave point."""
    f = objective_free(theta, x, wt)
    for _ in range(max_steps):
        g, H = derivatives_free(theta, x, wt)
        if np.abs(g).max() < STATIONARY * 1e-3:
            break
        if np.linalg.eigvalsh(H).max() >= 0:
            break
        step = -np.linalg.solve(H, g)
        for _ in range(40):
            new = theta + step
            f_new = objective_free(new, x, wt)
            if f_new >= f - 1e-15:
                break
            step = step / 2
        else:
            break
        if np.array_equal(new, theta):
            break
        theta, f = new, f_new
    return theta


def _canonical(pi, mu, var, scale: float = 1.0):
    """The components in canonical order: by mean, and components whose means
    agree to 1e-9 ``scale`` (a scale mixture: equal means by symmetry, their
    order otherwise decided by rounding) by variance."""
    order = np.lexsort((var, np.round(mu / scale, 9)))
    return pi[order], mu[order], var[order]


def _same_maximum(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two maxima, as per-component rows (log π_k, μ_k / scale,
    log σ²_k) (K, 3), are one up to the components' labels: every row of each
    within :data:`DISTINCT` of a row of the other."""
    d = np.abs(a[:, None, :] - b[None, :, :]).max(axis=2)  # (K, K)
    return bool(d.min(axis=1).max() < DISTINCT and d.min(axis=0).max() < DISTINCT)


def quadrature_maxima(x: np.ndarray, wt: np.ndarray, pi, mu, var, *,
                      max_iter: int = 5000, coarse: tuple | None = None) -> list[Maximum]:
    """The distinct local maxima reached from starts pi, mu, var (S, K) by
    population EM then Newton, best first, each in canonical component order
    (:func:`_canonical`); two maxima that differ only in the components'
    labels are one. A start that ends where the Hessian is not negative
    definite, the gradient is not ~0 or a weight is below 1e-6 (a saddle, or
    the boundary) is dropped. ``coarse``: nodes and weights (xc, wc) of a
    coarser grid of the same truth on which EM runs first, to the same
    criterion; EM then goes on on (x, wt) until a step there gains less than
    its tolerance (on a grid whose maxima are within ~1e-5 of the fine one's,
    a step or two), so each start still ends where EM on (x, wt) stops, for a
    fraction of the node-iterations."""
    if coarse is not None:
        pi, mu, var, _ = population_em(*coarse, pi, mu, var, max_iter=max_iter)
    pi, mu, var, _ = population_em(x, wt, pi, mu, var, max_iter=max_iter)
    scale = np.sqrt(float(wt @ (x - wt @ x / wt.sum()) ** 2) / wt.sum())
    K = pi.shape[1]
    found: list[list] = []
    for s in range(pi.shape[0]):
        if pi[s].min() < 1e-6:
            continue
        theta = _newton(_to_free(*_canonical(pi[s], mu[s], var[s], scale)), x, wt)
        g = gradient_free(theta, x, wt)
        top = float(np.linalg.eigvalsh(hessian_free(theta, x, wt)).max())
        if np.abs(g).max() > STATIONARY or top >= 0:
            continue
        p, m, v = _from_free(theta, K)
        rows = np.stack([np.log(p), m / scale, np.log(v)], axis=1)
        for entry in found:
            if _same_maximum(entry[0], rows):
                entry[2] += 1
                break
        else:
            found.append([rows, theta, 1])
    out = []
    for _, theta, count in found:
        p, m, v = _canonical(*_from_free(theta, K), scale)
        theta = _to_free(p, m, v)  # the same point, components relabelled if need be
        g, H = derivatives_free(theta, x, wt)
        mix = Mixture.univariate(p / p.sum(), m, np.sqrt(v))
        out.append(Maximum(mix, objective_free(theta, x, wt), float(np.abs(g).max()),
                           float(np.linalg.eigvalsh(H).max()), count))
    return sorted(out, key=lambda r: -r.objective)


def starts_from_sample(z: np.ndarray, K: int, n_kmeans: int, n_random: int,
                       seed: np.random.SeedSequence) -> tuple[np.ndarray, ...]:
    """Starts (pi, mu, var), each (S, K), from a sample z (n,): ``n_kmeans``
    k-means++ seedings (cells of the nearest seed) and ``n_random`` random
    partitions, each cell's weight, mean and variance; streams spawned from seed."""
    from gmmem import kmeans_plusplus

    z = np.asarray(z, dtype=float).reshape(-1)
    zc = ((z - z.mean()) / z.std())[:, None]
    rngs = [np.random.default_rng(s) for s in seed.spawn(n_kmeans + n_random)]
    labels = []
    for i, rng in enumerate(rngs):
        if i < n_kmeans:
            centres = zc[kmeans_plusplus(zc, K, rng), 0]
            labels.append(np.abs(zc - centres[None, :]).argmin(axis=1))
        else:
            labels.append(rng.integers(K, size=z.size))
    pi, mu, var = (np.empty((len(labels), K)) for _ in range(3))
    for s, lab in enumerate(labels):
        counts = np.bincount(lab, minlength=K).astype(float)
        counts = np.maximum(counts, 1.0)
        m = np.bincount(lab, weights=z, minlength=K) / counts
        v = np.bincount(lab, weights=(z - m[lab]) ** 2, minlength=K) / counts
        pi[s], mu[s] = counts / counts.sum(), m
        var[s] = np.maximum(v, 1e-6 * z.var())
    return pi, mu, var


def quadrature_precision(truth: Mixture, families, contamination, at: Mixture, *,
                         step: float = QUADRATURE_STEP, reach: float = 1.0) -> np.ndarray:
    """How far the maximum ``at`` (found on the grid of ``step``, ``reach``)
    moves on a grid with half the step and 100 times the reach: the Newton
    step −H⁻¹g there, mapped to the weights, means and SDs (data units), as
    absolute changes (3K,) in :func:`maximum_rows` order. Once the
    quadrature has converged this is at rounding level (~1e-12)."""
    K = at.n_components
    x, wt = truth_quadrature(truth, families, contamination, step=step / 2, reach=reach * 100)
    theta = _to_free(at.weights, at.means[:, 0], at.sds**2)
    g, H = derivatives_free(theta, x, wt)
    moved = theta - np.linalg.solve(H, g)
    old, new = (np.stack([a, b, np.sqrt(c)], axis=1).ravel()
                for a, b, c in (_from_free(theta, K), _from_free(moved, K)))
    return np.abs(new - old)


# --- d >= 2 (and a check in 1-D): one large sample ------------------------

def sample_maxima(x: np.ndarray, K: int, seed: np.random.SeedSequence, *, n_starts: int = 10,
                  block: int = 200_000, covariance: str = "full"
                  ) -> list[tuple[Maximum, np.ndarray]]:
    """The distinct maxima of the log-likelihood of one large sample x (n,) or
    (n, d), from ``n_starts`` single-start fits (k-means++ from streams spawned
    from seed), best first: (Maximum with objective = loglik/n, sandwich SEs of
    every component_table parameter in the order of :func:`maximum_rows`).
    Same maximum: objectives within :data:`gmmem.fit.SAME_MAXIMUM` relatively."""
    from gmmem import SAME_MAXIMUM, fit

    n = x.shape[0]
    # One k-means++ start per fit (not fit()'s default emem, which adds the best
    # of 8 short runs to each): the counts are of starts reaching each maximum.
    # The spurious flag is not used here, so its bootstrap calibration is not run.
    fits = [fit(x, K, n_restarts=1, init="kmeans++", spurious_test="rule", seed=s,
                covariance=covariance) for s in seed.spawn(n_starts)]
    fits = sorted(fits, key=lambda f: -f.loglik)
    kept: list[list] = []
    for f in fits:
        if f.degenerate or not f.converged:
            continue
        for entry in kept:
            if abs(entry[0].loglik - f.loglik) <= SAME_MAXIMUM * (1 + abs(f.loglik)):
                entry[1] += 1
                break
        else:
            kept.append([f, 1])
    out = []
    for f, count in kept:
        try:
            se = sandwich_ses(f.mixture, x, block=block)
        except (ValueError, np.linalg.LinAlgError):  # e.g. tied d > 1: no information
            se = np.full(_natural_vector(f.mixture).size, np.nan)
        out.append((Maximum(f.mixture, f.loglik / n, np.nan, np.nan, count), se))
    return out


def sandwich_ses(m: Mixture, x: np.ndarray, *, block: int = 200_000) -> np.ndarray:
    """Huber–White SEs (White 1982) of the parameters of :func:`gmm_recovery.tables.component_table`
    (per component: weight, means, SDs, covariances), by the delta method from
    A⁻¹BA⁻¹ with A the observed information and B the outer product of the
    scores, both summed over blocks of ``block`` points (so memory stays
    bounded at large n)."""
    from gmmem import observed_information

    if m.covariance == "tied" and m.dim > 1:
        raise ValueError("sandwich SEs for tied covariances with d > 1 are not implemented "
                         "(gmmem.inference has no information for them)")
    z = np.asarray(x, dtype=float)
    n = z.shape[0]
    A = sum(observed_information(m, z[a:a + block]) for a in range(0, n, block))
    B = sum(observed_information(m, z[a:a + block], method="opg") for a in range(0, n, block))
    Ainv = np.linalg.inv(A)
    cov = Ainv @ B @ Ainv
    return _table_ses(m, cov)


def _table_ses(m: Mixture, cov: np.ndarray) -> np.ndarray:
    """SEs of component_table's parameters from the free-parameter covariance,
    by the delta method (numerical Jacobian of the map free → natural)."""
    from gmmem import mixture_from_free, free_parameters

    K, d = m.n_components, m.dim
    full = m.covariance == "full" and d > 1
    if not full:
        from gmmem import natural_standard_errors as nat
        se_w, se_mu, se_sd, *_ = nat(m, cov)
        cols = []
        for k in range(K):
            cols += [se_w[k], *se_mu[k], *se_sd[k]]
        return np.array(cols)
    theta = free_parameters(m)

    def natural(t):
        mm = mixture_from_free(t, K, d)
        return _natural_vector(mm)

    base = natural(theta)
    J = np.empty((base.size, theta.size))
    for j in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[j]))
        e = np.zeros_like(theta)
        e[j] = h
        J[:, j] = (natural(theta + e) - natural(theta - e)) / (2 * h)
    return np.sqrt(np.einsum("ip,pq,iq->i", J, cov, J))


def _natural_vector(m: Mixture) -> np.ndarray:
    """component_table's parameters as one vector, component by component."""
    from .tables import component_columns, parameter_columns

    cols = component_columns(m)
    names = parameter_columns(m.dim, m.covariance)
    return np.array([cols[c][k] for k in range(m.n_components) for c in names])


# --- the scenario's table ---------------------------------------------------

def scenario_maxima(truth: Mixture, families=None, contamination: dict | None = None, *,
                    seed: np.random.SeedSequence, n_kmeans: int = 20, n_random: int = 20,
                    sample_n: int = 2_000_000, n_starts: int = 10, covariance: str = "full"):
    """Every distinct local maximum of E_g log f over K-component Gaussian
    mixtures for a scenario's truth, best first (the first is the pseudo-true
    value), with each parameter's precision (P,) in the order of
    :func:`maximum_rows`. d = 1: quadrature, starts from a sample of 20 000
    (k-means++ and random partitions, plus the generating parameters);
    precision = the change under halving the step and a 100× reach. d ≥ 2:
    a sample of ``sample_n`` from ``seed``, fitted with the ``covariance``
    structure (the projection onto diagonal or tied covariances differs from
    the full one's); precision = sandwich SE.
    Returns (method, [(Maximum, precision)])."""
    from .simulation import sample_scenario

    K = truth.n_components
    if truth.dim == 1:
        x, wt = truth_quadrature(truth, families, contamination, step=QUADRATURE_STEP)
        sample_seed, start_seed = seed.spawn(2)
        z, _ = sample_scenario(truth, 20_000, np.random.default_rng(sample_seed), families,
                               contamination)
        pi, mu, var = starts_from_sample(z, K, n_kmeans, n_random, start_seed)
        pi = np.vstack([truth.weights, pi])
        mu = np.vstack([truth.means[:, 0], mu])
        var = np.vstack([truth.sds**2, var])
        # EM on a grid of 4x the step first: its maxima are within ~1e-5 of
        # the fine grid's (2e-6 for heights_t5), so a few fine steps finish it.
        maxima = quadrature_maxima(x, wt, pi, mu, var, coarse=truth_quadrature(
            truth, families, contamination, step=4 * QUADRATURE_STEP))
        if not maxima:
            raise ValueError(f"no interior local maximum of E log f found from {pi.shape[0]} "
                             "starts (every start ended at a saddle or a zero weight)")
        prec = [quadrature_precision(truth, families, contamination, mx.mixture)
                for mx in maxima]
        return "quadrature", list(zip(maxima, prec))
    sample_seed, fit_seed = seed.spawn(2)
    x, _ = sample_scenario(truth, int(sample_n), np.random.default_rng(sample_seed), families,
                           contamination)
    return "sample", sample_maxima(x, K, fit_seed, n_starts=n_starts, covariance=covariance)


def maximum_columns(method: str, maxima) -> dict[str, np.ndarray]:
    """The pseudo_true.csv table as a dict of columns (no pandas: its import
    costs more than the quadrature): one row per (maximum, component,
    parameter) with the maximum's rank (1 = highest objective = the
    pseudo-true value), parameter and component (as in aligned.csv), value,
    precision (see :func:`scenario_maxima`), the objective (E log f, nats per
    observation), its gap below the best, the largest gradient component, the
    Hessian's largest eigenvalue (quadrature only) and the starts that reached it."""
    from .tables import component_columns, parameter_columns

    rows = []
    best = maxima[0][0].objective
    for rank, (mx, prec) in enumerate(maxima, start=1):
        cols = component_columns(mx.mixture)
        names = parameter_columns(mx.mixture.dim, mx.mixture.covariance)
        values = [(c, k + 1, cols[c][k]) for k in range(mx.mixture.n_components)
                  for c in names]
        if len(prec) != len(values):
            raise ValueError(f"maximum {rank}: {len(prec)} precisions for {len(values)} "
                             "parameters")
        for (name, k, value), p in zip(values, prec):
            rows.append((rank, name, k, float(value), float(p), method, mx.objective,
                         best - mx.objective, mx.grad_max, mx.hessian_max_eig, mx.n_starts))
    names = ("maximum", "parameter", "component", "value", "precision", "method", "objective",
             "objective_gap", "grad_max", "hessian_max_eig", "n_starts")
    kinds = (np.int64, object, np.int64, float, float, object, float, float, float, float,
             np.int64)
    return {name: np.array([r[j] for r in rows], dtype=kind)
            for j, (name, kind) in enumerate(zip(names, kinds))}


def maximum_rows(method: str, maxima) -> "pd.DataFrame":
    """:func:`maximum_columns` as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(maximum_columns(method, maxima))


def mixtures_from_rows(table) -> list[Mixture]:
    """The maxima of a :func:`maximum_rows` table as Mixtures, best first."""
    from .tables import mixture_from_long

    return [mixture_from_long(part) for _, part in table.groupby("maximum", sort=True)]


def pseudo_true_seed(root: int, scenario: str) -> np.random.SeedSequence:
    """The seed of a scenario's pseudo-true computation. SeedSequence hashes a
    spawn key as its 32-bit words: this key's third word is a word of
    SHA-256("pseudo_true") (3103375144), where every :func:`gmm_recovery.seeds.seed_for`
    key, and every key spawned from one, has a stage code (1-6), so no stream of
    this seed or of its children is one of theirs."""
    from .seeds import stable_hash

    return np.random.SeedSequence(root, spawn_key=(stable_hash(scenario),
                                                   stable_hash("pseudo_true")))
