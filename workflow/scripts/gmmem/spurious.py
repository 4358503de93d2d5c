"""Is a narrow component spurious, or real? A parametric-bootstrap calibration of
its likelihood gain, and the advice a spurious fit gets.

The cheap rule of :func:`gmmem.estimators.spurious_reason` (Hathaway's 1985
eigenvalue-ratio constraint violated by a component on few points; McLachlan &
Peel 2000, §3.10) cannot tell a spurious narrow component from a real small,
narrow one: both are few points with a small variance. What separates them is
how much likelihood the narrow component buys. McLachlan & Peel (2000, §3.10)
and Seo & Kim (2012, Comput. Stat. Data Anal. 56:2454–2470) both judge a
candidate root by its likelihood relative to the regular roots: a spurious
root's advantage is carried by a handful of points and is no larger than
what a narrow component gains on *any* sample, because the likelihood is
unbounded near singular covariances. Here that comparison is calibrated by a
parametric bootstrap (McLachlan 1987's device for the likelihood-ratio
statistic of a mixture, used on the gain of a narrow component):

1. The observed gain is Δℓ = ℓ(best narrow maximum) − ℓ(null), both on the
   data. The null is the best *clearly* regular maximum among the fit's
   restarts: no component on fewer than SPURIOUS_SIZE·(d + 1) points with a
   variance below NULL_RATIO (not just SPURIOUS_RATIO) of another's largest,
   so that a slightly wider copy of the candidate does not serve as its own
   null. If no restart reached one, the null is the fit without the narrow
   component: EM from the narrow fit's other components (the (K−1)-component
   maximum near them, written with K components by splitting the heaviest in
   two identical halves, which EM keeps identical).
2. B data sets of the same n are drawn from the null. On each, EM runs from
   the null itself and from NARROW_STARTS starts that place the narrow
   component, with its weight, on the tightest groups of m = n·π points (m
   the observed component's size: m consecutive order statistics, in d > 1 a
   point's m nearest neighbours, by the log-determinant of their covariance;
   :func:`tightest_groups`), the other components as in the narrow fit.
   The chance gain is Δℓ_b = max ℓ(runs whose placed component stays
   narrow by the rule) − max ℓ(runs whose placed component is not even
   moderately narrow, NULL_RATIO), −∞ when no placed component stays narrow.
3. p = (1 + #{Δℓ_b ≥ Δℓ}) / (B' + 1) over the B' draws with a regular
   maximum; the narrow component is spurious when p > SPURIOUS_LEVEL: its
   gain is within what a narrow component of its size gains by chance under
   the regular fit.

Measured (tests/benchmarks/bench_spurious.py, 200 data sets per truth, 10
k-means++ restarts): of the overlap truth 0.6·N(0,1) + 0.4·N(2,1) at n = 100
the narrow fits (an SD < 0.25, 24.5 % of data sets) are flagged 87.8 % of the
time (the rule: 100 %); correct fits of a real narrow component are flagged
3.6 % (0.95·N(0,1) + 0.05·N(3, 0.1²), n = 200, found in 98 %; the rule 98 %),
0 % (the same at n = 400; the rule 51 %) and 12.0 % (0.9·N(0,1) +
0.1·N(2, 0.15²), n = 150, found in 92 %; the rule 64.7 %). The group of 7 in
Roeder's galaxies at K = 3 is real (p ≤ 0.017 on 5 seeds). The two aims pull
against each other: the overlap fits it misses gain 5–9.5 nats with p ≤ 0.05,
the real n = 150 components it flags gain 4–7 with p 0.06–0.29, so no level
separates them at these n.

Only fits the cheap rule flags are tested (it is the prefilter), so regular
fits pay nothing; a tested fit costs B·(1 + NARROW_STARTS) EM runs in the
batched engine: fitting the overlap data sets costs 3.5x the rule alone (a
quarter of them are tested), the real-narrow truths, where nearly every fit
is tested, 13–24x (the benchmark prints these ratios). The search for chance
narrow components starts from the tightest groups of points, so the test
leans towards calling a narrow component spurious; more narrow starts lean
further (4 per draw flagged 17 % of the correct fits of 0.9·N(0,1) +
0.1·N(2, 0.15²) at n = 150 in a 20-data-set trial, 2 flagged 11 % of 28;
both flagged every overlap narrow fit there). Only the MLE is
tested (the regularised estimators keep the rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .estimators import SPURIOUS_RATIO, SPURIOUS_SIZE, finite_or_identity
from .gaussian import Params, stack

SPURIOUS_BOOT = 99  # simulated data sets per tested fit (B)
SPURIOUS_LEVEL = 0.05  # a narrow component is real when p <= this
NARROW_STARTS = 2  # narrow starts per simulated data set (see the module docstring)
SPURIOUS_KEY = 0x5B0  # child key of a fit's seed for the calibration's streams
SPURIOUS_TESTS = ("bootstrap", "rule")
# A null (regular) fit has no small component with a variance below this
# fraction of another's largest (an SD ratio below 0.45).
NULL_RATIO = 0.2


@dataclass(frozen=True, eq=False)
class NarrowTest:
    """The calibration of one narrow maximum: its gain Δℓ over the null (regular)
    fit, the B' chance gains Δℓ_b (−inf where no narrow maximum was reached),
    the p-value, the verdict and the null fit's log-likelihood (standardised
    scale; differences are the same on the data's scale)."""

    gain: float
    null_gains: np.ndarray
    p_value: float
    spurious: bool
    null_loglik: float

    def describe(self) -> str:
        """One clause for a spurious_reason."""
        verb = "is within" if self.spurious else "exceeds"
        return (f"its log-likelihood gain over the best regular fit, Δℓ = {self.gain:.3g}, "
                f"{verb} "
                f"what a narrow component of its size gains by chance on data from that fit "
                f"(bootstrap p = {self.p_value:.3g}, {len(self.null_gains)} simulated data sets)")


def narrow_component(w: np.ndarray, cov: np.ndarray, n: int) -> int:
    """The component (index) the spurious rule flags in one fit (w (K,), cov
    (K, d, d)), the smallest by n·π_k first; -1 if none."""
    from .estimators import flagged_component

    return flagged_component(w, cov, n)[0]


def narrow_flags(w: np.ndarray, cov: np.ndarray, n: int,
                 ratio: float = SPURIOUS_RATIO) -> np.ndarray:
    """Which components (B, K) of a batch of fits (w (B, K), cov (B, K, d, d))
    the spurious rule flags: n·π_k below SPURIOUS_SIZE·(d + 1) and smallest
    eigenvalue below ``ratio`` times another component's largest."""
    d = cov.shape[-1]
    eig = cov[..., 0, 0][..., None] if d == 1 else np.linalg.eigvalsh(finite_or_identity(cov))
    low, high = eig[..., 0], eig[..., -1]
    ranked = np.sort(high, axis=1)
    other = np.where(high == ranked[:, -1:], ranked[:, -2:-1], ranked[:, -1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        return (n * w < SPURIOUS_SIZE * (d + 1)) & (low / other < ratio)


def tightest_groups(z: np.ndarray, m: int, count: int, floor: float = 0.0) -> list[np.ndarray]:
    """Up to ``count`` disjoint groups of m points of z (n, d) that are tightest:
    candidates are the m consecutive order statistics (1-D) or a point's m
    nearest neighbours (d > 1), ranked by the log-determinant of their
    covariance (eigenvalues at least ``floor``), smallest first. Returns index
    arrays (m,). (Ranking by the gain over the null density instead,
    −(m/2)·log|S_g| − Σ log f, raised the overlap truth's flag rate a little
    and doubled the real narrow components' one: measured, not used.)"""
    n, d = z.shape
    m = int(min(max(m, d + 2), n))
    if d == 1:
        order = np.argsort(z[:, 0], kind="stable")
        s = z[order, 0]
        c1 = np.concatenate([[0.0], np.cumsum(s)])
        c2 = np.concatenate([[0.0], np.cumsum(s * s)])
        tot, sq = c1[m:] - c1[:-m], c2[m:] - c2[:-m]
        var = np.maximum(sq / m - (tot / m) ** 2, max(floor, 1e-300))  # (n - m + 1,)
        score = -np.log(var)
        members = lambda i: order[i:i + m]
    else:
        sq = (z * z).sum(axis=1)
        near = np.empty((n, m), dtype=np.intp)
        for c in range(0, n, 512):  # 512 rows of squared distances at a time, not n x n
            dist = sq[c:c + 512, None] + sq[None, :] - 2.0 * z[c:c + 512] @ z.T
            near[c:c + 512] = np.argpartition(dist, m - 1, axis=1)[:, :m]
        pts = z[near]  # (n, m, d)
        dev = pts - pts.mean(axis=1, keepdims=True)
        cov = np.einsum("gmi,gmj->gij", dev, dev) / m + max(floor, 1e-12) * np.eye(d)
        score = -np.linalg.slogdet(cov)[1]
        members = lambda i: near[i]
    groups, taken = [], np.zeros(n, bool)
    for i in np.argsort(-score, kind="stable"):
        if len(groups) == count:
            break
        g = members(i)
        if not taken[g].any():
            taken[g] = True
            groups.append(g)
    return groups


def _narrow_start(template: Params, k: int, z: np.ndarray, idx: np.ndarray,
                  floor: float) -> Params:
    """``template`` with component k moved onto the points z[idx]: their mean and
    covariance (eigenvalues at least ``floor``), weight m/n."""
    n, d = z.shape
    pts = z[idx]
    mu = pts.mean(axis=0)
    dev = pts - mu
    cov = dev.T @ dev / len(idx)
    val, vec = np.linalg.eigh(cov)
    cov = (vec * np.maximum(val, 2.0 * floor)) @ vec.T
    w = template.w * (1.0 - len(idx) / n) / (1.0 - template.w[k])
    w[k] = len(idx) / n
    mus, covs = template.mu.copy(), template.cov.copy()
    mus[k], covs[k] = mu, cov
    return Params(w, mus, covs)


def calibrate_many(zs: list[np.ndarray], narrow: list[Params], nulls: list[Params | None],
                   seeds, *, covariance: str, floor: float, tol: float, max_iter: int,
                   accel, stopping: str, n_boot: int = SPURIOUS_BOOT,
                   level: float = SPURIOUS_LEVEL) -> list[NarrowTest]:
    """The :class:`NarrowTest` of each narrow maximum ``narrow[s]`` of standardised
    data zs[s] (n, d), against its null (the best regular maximum, or None to
    use the constrained MLE), by the procedure of the module docstring. All
    data sets' EM runs share the batched engine. seeds: one SeedSequence per
    data set (the B draws are its children 0..B-1)."""
    from .engine import run_batch
    from .fit import degenerate_mask

    settings = dict(covariance=covariance, tol=tol, max_iter=max_iter, accel=accel,
                    stopping=stopping)
    S = len(zs)
    ks = [narrow_component(p.w, p.cov, z.shape[0]) for p, z in zip(narrow, zs)]
    # Null fits still missing: the fit without the narrow component, by EM from
    # the narrow fit's other components, written as K components by splitting
    # the heaviest in two identical halves (EM keeps them identical, so this is
    # the (K-1)-component maximum near them, with the same shapes as the rest).
    missing = [s for s in range(S) if nulls[s] is None]
    if missing:
        nulls = list(nulls)
        for s in missing:
            z, p = zs[s], narrow[s]
            runs = run_batch(np.ascontiguousarray(z.T)[None], np.zeros(1, int),
                             stack([_without(p, ks[s])]), floor=floor, **settings)
            nulls[s] = runs[0].params
    # The observed gains.
    null_ll = np.array([_loglik(z, p) for z, p in zip(zs, nulls)])
    gains = np.array([_loglik(z, p) for z, p in zip(zs, narrow)]) - null_ll
    # The simulated data sets, and every EM run on them, in one engine call per shape.
    from .mixture import Mixture

    data, starts, data_of, owner = [], [], [], []
    for s in range(S):
        z, n, d = zs[s], zs[s].shape[0], zs[s].shape[1]
        null = nulls[s]
        mix = Mixture._trusted(null.w / null.w.sum(), null.mu, null.cov, covariance)
        m = int(round(n * narrow[s].w[ks[s]]))
        for b in range(n_boot):
            rng = np.random.default_rng(np.random.SeedSequence(
                seeds[s].entropy, spawn_key=seeds[s].spawn_key + (b,)))
            draw = mix.sample(n, rng)[0].reshape(n, d)
            j = len(data)
            data.append(draw)
            starts.append(null)
            data_of.append(j)
            owner.append((s, b, False))
            for idx in tightest_groups(draw, m, NARROW_STARTS, floor):
                starts.append(_narrow_start(narrow[s], ks[s], draw, idx, floor))
                data_of.append(j)
                owner.append((s, b, True))
    by_shape: dict = {}
    for j, x in enumerate(data):
        by_shape.setdefault(x.shape, []).append(j)
    data_of = np.array(data_of)
    ll = np.full(len(starts), np.nan)
    narrow_run = np.zeros(len(starts), bool)
    null_narrow = np.zeros(len(starts), bool)
    bad = np.zeros(len(starts), bool)
    for shape, members in by_shape.items():
        local = {j: i for i, j in enumerate(members)}
        items = np.flatnonzero(np.isin(data_of, members))
        z = np.ascontiguousarray(np.stack([data[j].T for j in members]))
        runs = run_batch(z, np.array([local[data_of[i]] for i in items]),
                         stack([starts[i] for i in items]), floor=floor, **settings)
        w = np.stack([r.params.w for r in runs])
        cov = np.stack([r.params.cov for r in runs])
        n = shape[0]
        ll[items] = [r.loglik for r in runs]
        # A chance narrow maximum is the placed component staying narrow.
        placed = (np.arange(len(items)), [ks[owner[i][0]] for i in items])
        narrow_run[items] = narrow_flags(w, cov, n)[placed]
        # A regular maximum of a draw: the placed component is not even
        # moderately narrow (the null's other components may be small).
        null_narrow[items] = narrow_flags(w, cov, n, NULL_RATIO)[placed]
        bad[items] = degenerate_mask(w, cov, n, floor) | ~np.isfinite(ll[items])
    out = []
    owner_s = np.array([o[0] for o in owner])
    owner_b = np.array([o[1] for o in owner])
    is_narrow_start = np.array([o[2] for o in owner])
    for s in range(S):
        null_gains = []
        for b in range(n_boot):
            mine = (owner_s == s) & (owner_b == b) & ~bad
            # The best regular maximum of the draw: from the null fit, or from a
            # narrow start that went back to a regular fit.
            base = mine & ~null_narrow & ~narrow_run
            if not base.any():
                continue  # no regular maximum reached here: no chance gain to read
            hits = mine & is_narrow_start & narrow_run
            null_gains.append(ll[hits].max() - ll[base].max() if hits.any() else -np.inf)
        null_gains = np.array(null_gains)
        p = (1 + np.sum(null_gains >= gains[s])) / (len(null_gains) + 1)
        out.append(NarrowTest(float(gains[s]), null_gains, float(p), bool(p > level),
                              float(null_ll[s])))
    return out


def _without(p: Params, k: int) -> Params:
    """p without component k, as K components: the heaviest other one split
    into two identical halves."""
    keep = np.delete(np.arange(len(p.w)), k)
    j = keep[np.argmax(p.w[keep])]
    w = p.w.copy()
    w[k] = w[j] = p.w[j] / 2
    w = w / w.sum()
    mu, cov = p.mu.copy(), p.cov.copy()
    mu[k], cov[k] = p.mu[j], p.cov[j]
    return Params(w, mu, cov)


def _loglik(z: np.ndarray, p: Params) -> float:
    from .mixture import Mixture

    return Mixture._trusted(p.w / p.w.sum(), p.mu, p.cov).loglik(z)


def advice_lines(result, style: str = "cli") -> list[str]:
    """What a user is told about a fit's spurious diagnosis.

    Parameters
    ----------
    result : FitResult
        The fit.
    style : {"cli", "config"}, default "cli"
        Spell the remedies as command-line flags or as a workflow's fit settings.

    Returns
    -------
    list of str
        Nothing for a regular fit; for a spurious one the reason and only the
        remedies that change something (``--prefer regular`` only when a
        regular maximum among the restarts differs from the reported one, with
        the Δℓ it gives up); for a fit reported under prefer="regular" below the
        best maximum found, the Δℓ given up.

    Raises
    ------
    ValueError
        If ``style`` is unknown.
    """
    if style not in ("cli", "config"):
        raise ValueError(f"style must be one of ('cli', 'config'), got {style!r}")
    cli = style == "cli"
    est = "--estimator pmle (or map)" if cli else "fit: {estimator: pmle} (or map)"
    restarts = "more --restarts" if cli else "more n_restarts"
    prefer = "--prefer regular" if cli else "prefer: regular"
    lines = []
    if result.spurious:
        remedies = [est, restarts]
        regular = getattr(result, "regular", None)
        if regular is not None and regular is not result.mixture:
            drop = result.objective - result.regular_objective
            remedies.append(f"{prefer} (reports the best regular maximum found, "
                            f"giving up Δℓ = {drop:.4g})")
        head = ("WARNING: spurious maximum: " if cli
                else "the reported maximum is spurious: ")
        lines.append(f"{head}{result.spurious_reason}. Try {', '.join(remedies[:-1])} "
                     f"or {remedies[-1]}.")
    given_up = getattr(result, "given_up", 0.0)
    if given_up > 0:
        lines.append(f"note: the reported fit is the best regular maximum ({prefer}); the best "
                     f"maximum found is spurious and higher by Δℓ = {given_up:.4g}.")
    return lines
