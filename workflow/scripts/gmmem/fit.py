"""Fitting a Gaussian mixture by EM with restarts (one data set or many at once).

The criteria for choosing K (BIC, AIC, ICL, the bootstrap LRT) and
:func:`select_k` are in :mod:`gmmem.model_choice`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._threads import one_blas_thread
from ._validate import (ROWS, as_data, check_choice, check_positive_int, column_scale, row_chunks, scale_problem)
from .engine import EMRun, run_batch
from .estimators import (finite_or_identity, log_penalty, regulariser, spurious_mask, spurious_reason)
from .gaussian import Params, stack
from .init import (SHORT_ITER, best_short_runs, emem_short_starts, initial_params_many, kmeans_plusplus_starts)
from .mixture import Mixture, posterior, sort_order
from .model_choice import aic_value, bic_value
from .settings import check as check_settings
from .spurious import NULL_RATIO, SPURIOUS_KEY, SPURIOUS_TESTS, calibrate_many
from .streams import Parent, restart_streams_many

# Restarts within this relative distance of the best log-likelihood count as
# having reached it; distinct local maxima differ by far more.
SAME_MAXIMUM = 1e-7


@dataclass(frozen=True, eq=False)
class RestartRecord:
    """What one start led to.

    Attributes
    ----------
    loglik : float
        Its final log-likelihood (data scale).
    n_iter : int
        EM-map evaluations it took.
    converged : bool
        Whether the stopping rule was met within ``max_iter``.
    degenerate : bool
        A component with fewer than d + 1 observations' worth of weight, or a
        variance (eigenvalue) at the floor, or a non-finite log-likelihood.
    trace : ndarray, shape (T,)
        The objective at successive iterates (data scale).
    objective : float
        Its final objective: the log-likelihood plus log p(θ) for "map" and
        "pmle", else the log-likelihood.
    spurious : bool
        Whether it is a spurious maximum (:func:`gmmem.estimators.spurious_reason`,
        after the bootstrap test where that ran).
    """

    loglik: float
    n_iter: int
    converged: bool
    degenerate: bool
    trace: np.ndarray
    objective: float = np.nan
    spurious: bool = False


@dataclass(frozen=True, eq=False)
class FitResult:
    """The best of several EM runs on one data set.

    Attributes
    ----------
    mixture : Mixture
        The chosen fit, in the data's units, components sorted by their means.
    loglik : float
        Its log-likelihood.
    n_iter : int
        EM-map evaluations of the chosen run.
    converged : bool
        Whether the chosen run met the stopping rule.
    trace : ndarray, shape (T,)
        The objective at successive iterates of the chosen run (per EM step, or
        per SQUAREM cycle).
    restarts : tuple of RestartRecord
        One record per start, in the order of the starts.
    degenerate : bool
        The chosen fit has a component with fewer than d + 1 observations' worth
        of weight or a variance at the floor (chosen only when every start was
        degenerate).
    n_best : int
        How many starts reached the chosen objective (within
        :data:`SAME_MAXIMUM`, relatively).
    n : int
        Observations.
    objective : float
        What the estimator maximised: ``loglik``, plus log p(θ) for "map" and "pmle".
    estimator : str
        "mle", "map" or "pmle".
    spurious : bool
        The chosen fit is a spurious maximum: the eigenvalue-ratio rule of
        :func:`gmmem.estimators.spurious_reason` flags it and, with
        ``spurious_test="bootstrap"``, its narrow component's log-likelihood gain
        over the best regular fit is within what narrow components gain by
        chance (:mod:`gmmem.spurious`).
    spurious_reason : str
        Why it is spurious ('' if it is not).
    regular : Mixture or None
        The best non-spurious, non-degenerate maximum among the restarts (None if
        every restart was spurious or degenerate).
    regular_objective : float
        Its objective (NaN without one).
    spurious_p : float
        The bootstrap test's p-value (NaN when no test ran).
    spurious_gain : float
        The narrow component's log-likelihood gain Δℓ tested (NaN when no test ran).
    given_up : float
        How much objective prefer="regular" gave up against the best maximum
        found (0 when it reports that one).
    """

    mixture: Mixture
    loglik: float
    n_iter: int
    converged: bool
    trace: np.ndarray
    restarts: tuple[RestartRecord, ...]
    degenerate: bool
    n_best: int
    n: int
    objective: float = np.nan
    estimator: str = "mle"
    spurious: bool = False
    spurious_reason: str = ""
    regular: Mixture | None = None
    regular_objective: float = np.nan
    spurious_p: float = np.nan
    spurious_gain: float = np.nan
    given_up: float = 0.0

    @property
    def restarts_disagree(self) -> bool:
        """Some restarts reached a spurious maximum and others a regular one."""
        kinds = {r.spurious for r in self.restarts if not r.degenerate}
        return len(kinds) == 2

    @property
    def n_params(self) -> int:
        return self.mixture.n_params

    @property
    def bic(self) -> float:
        """BIC of the fit, −2ℓ + p·log n (:func:`gmmem.model_choice.bic_value`)."""
        return bic_value(self.loglik, self.n_params, self.n)

    @property
    def aic(self) -> float:
        """AIC of the fit, −2ℓ + 2p (:func:`gmmem.model_choice.aic_value`)."""
        return aic_value(self.loglik, self.n_params)


@dataclass(frozen=True)
class Standardiser:
    """Per-column centre and scale that map data to z = (x - centre) / scale."""

    centre: np.ndarray
    scale: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, name: str = "x") -> "Standardiser":
        """Centre and scale of x (n, d); refuses data whose scale float64 cannot fit."""
        centre, scale = column_scale(x)
        problem = scale_problem(x, (centre, scale))
        if problem is not None:
            j, _, message = problem
            where = "" if x.shape[1] == 1 else f" column {j}"
            raise ValueError(f"{name}{where} {message}")
        return cls(centre, scale)

    def data(self, x: np.ndarray) -> np.ndarray:
        z = np.empty_like(x)
        for c in row_chunks(x.shape[0]):  # no whole-data temporary beside z
            np.subtract(x[c], self.centre, out=z[c])
            z[c] /= self.scale
        return z

    def to_internal(self, m: Mixture) -> Params:
        s = self.scale
        return Params(m.weights.copy(), (m.means - self.centre) / s,
                      m.covariances / (s[:, None] * s[None, :]))

    def to_mixture(self, p: Params, covariance: str) -> Mixture:
        s = self.scale
        cov = p.cov * (s[:, None] * s[None, :])
        # EM's parameters are valid by construction (floored, symmetric, tied or
        # diagonal as asked), so the Mixture's checks are skipped.
        return Mixture._trusted(p.w / p.w.sum(), self.centre + p.mu * s, cov, covariance)

    def to_sorted_mixture(self, p: Params, covariance: str) -> Mixture:
        """``to_mixture(p, covariance).sorted()``, the same arrays, built once
        (the batch of one of :func:`_sorted_mixtures`)."""
        return _sorted_mixtures(p.w[None], p.mu[None], p.cov[None], self.centre[None],
                                self.scale[None], covariance)[0]


def _check_seed(seed) -> None:
    if not (seed is None or isinstance(seed, np.random.SeedSequence)
            or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0)):
        raise ValueError(f"seed must be a non-negative integer, a SeedSequence or None, "
                         f"got {seed!r}")


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """A seed as a SeedSequence.

    Parameters
    ----------
    seed : int, sequence of int, SeedSequence or None
        A SeedSequence is returned as it is; an int >= 0 or a sequence of them
        gives SeedSequence(seed); None fresh entropy.

    Returns
    -------
    numpy.random.SeedSequence

    Raises
    ------
    ValueError
        If ``seed`` is negative or of another type.
    """
    _check_seed(seed)
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def child_seed(seed, key: int) -> np.random.SeedSequence:
    """The key-th child of SeedSequence(seed), as ``spawn`` would give it.

    The parent is not mutated: the same (seed, key) always gives the same stream.

    Parameters
    ----------
    seed : int, SeedSequence or None
        The parent (see :func:`as_seed_sequence`).
    key : int
        The child's key, appended to the parent's spawn key.

    Returns
    -------
    numpy.random.SeedSequence

    Raises
    ------
    ValueError
        If ``seed`` is not a valid seed.
    """
    ss = as_seed_sequence(seed)
    return np.random.SeedSequence(ss.entropy, spawn_key=ss.spawn_key + (int(key),))


def restart_streams(seed, n: int) -> list[np.random.Generator]:
    """n independent generators, children 0..n-1 of SeedSequence(seed)."""
    return restart_streams_many([_parent(seed)], n)[0]


def _parent(seed):
    """SeedSequence(seed), or for an integer seed just what its children are made
    from (hashing its entropy would be wasted); checks the seed."""
    _check_seed(seed)
    if isinstance(seed, (int, np.integer)):
        return Parent(int(seed), ())
    return as_seed_sequence(seed)


def degenerate_mask(w: np.ndarray, cov: np.ndarray, n: int, floor: float) -> np.ndarray:
    """Which of a batch of fits (w (B, K), cov (B, K, d, d), standardised scale)
    have a component with fewer than d+1 observations' worth of weight or a
    variance (eigenvalue) at the floor."""
    d = cov.shape[-1]
    eig = cov[..., 0, 0] if d == 1 else np.linalg.eigvalsh(finite_or_identity(cov))[..., 0]
    return np.any(w * n < d + 1, axis=1) | np.any(eig <= floor * (1 + 1e-9), axis=1)


def fit(x, n_components: int, *, n_restarts: int = 10, init: str = "emem",
        start: Mixture | None = None, covariance: str = "full", tol: float = 1e-10,
        max_iter: int = 10_000, accel: str | None = "squarem", stopping: str = "aitken",
        var_floor: float = 1e-6, estimator: str = "mle", prefer: str = "loglik",
        spurious_test: str = "bootstrap", seed=None) -> FitResult:
    """Fit a Gaussian mixture by EM: the best of several starts.

    The batch of one of :func:`fit_many`: the same bytes as
    ``fit_many([x], n_components, seeds=[seed], ...)[0]``.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        The data (finite, n >= n_components).
    n_components : int
        K, the number of components.
    n_restarts : int, default 10
        Starts drawn by ``init``, from independent streams spawned from
        SeedSequence(seed) (1 to 10 000; not used with ``start``).
    init : {"emem", "kmeans++", "random"}, default "emem"
        How starts are drawn. "emem" runs the n_restarts k-means++ starts and,
        beside them, the best n_restarts of 8·n_restarts short EM runs
        (:func:`gmmem.init.emem_short_starts`), so its best maximum is never
        below "kmeans++"'s with the same seed.
    start : Mixture, optional
        One given start (e.g. the paper's μ = 170/180, σ = 5/5, π = 0.5) instead
        of drawn ones; projected onto ``covariance``.
    covariance : {"full", "diag", "tied"}, default "full"
        Covariance structure; "tied" is one shared matrix (mclust's E/EEE).
    tol : float, default 1e-10
        Per-observation tolerance of the ``stopping`` rule, in (0, 1].
    max_iter : int, default 10000
        EM-map evaluations per start.
    accel : {"squarem", None}, default "squarem"
        SQUAREM acceleration (Varadhan & Roland 2008), or None for plain EM.
    stopping : {"aitken", "relative", "absolute"}, default "aitken"
        The stopping rule (:func:`gmmem.em.converged`).
    var_floor : float, default 1e-6
        Smallest variance (eigenvalue) allowed, as a fraction of the data's
        variance in each column, in (0, 0.01].
    estimator : {"mle", "map", "pmle"}, default "mle"
        Maximum likelihood, the posterior mode under Fraley & Raftery's prior,
        or Chen & Tan's penalised likelihood (:mod:`gmmem.estimators`).
    prefer : {"loglik", "regular"}, default "loglik"
        "loglik" reports the start with the highest objective; "regular" the
        highest that is not a spurious maximum, when any start reached one.
    spurious_test : {"bootstrap", "rule"}, default "bootstrap"
        "bootstrap" calibrates a maximum the eigenvalue-ratio rule flags against
        the gains narrow components reach by chance (:mod:`gmmem.spurious`; MLE
        only, the regularised estimators keep the rule); "rule" keeps the
        rule's verdict.
    seed : int, SeedSequence or None, default None
        Root of the streams (None: fresh entropy).

    Returns
    -------
    FitResult
        The chosen fit on the data's scale, with every start's record.

    Raises
    ------
    ValueError
        If a setting is out of range (the message names it), x is not finite
        numeric (n,) or (n, d) data, has fewer than n_components rows or a
        column float64 cannot scale, or ``start`` does not match K and d.
    """
    return fit_many([x], n_components, seeds=[seed], n_restarts=n_restarts, init=init,
                    start=start, covariance=covariance, tol=tol, max_iter=max_iter,
                    accel=accel, stopping=stopping, var_floor=var_floor, estimator=estimator,
                    prefer=prefer, spurious_test=spurious_test, _name="x")[0]


@one_blas_thread
def fit_many(xs, n_components: int, *, seeds=None, n_restarts: int = 10,
             init: str = "emem", start: Mixture | None = None, covariance: str = "full",
             tol: float = 1e-10, max_iter: int = 10_000, accel: str | None = "squarem",
             stopping: str = "aitken", var_floor: float = 1e-6, estimator: str = "mle",
             prefer: str = "loglik", random_starts_too: bool = False, progress=None,
             spurious_test: str = "bootstrap", _name: str = "xs") -> list[FitResult]:
    """:func:`fit` for many data sets at once, one FitResult per data set.

    Each result is byte-identical to ``fit(xs[i], n_components, seed=seeds[i],
    **settings)``, whatever else shares its batch. Every start of every data
    set of the same shape runs in one batched EM engine (:mod:`gmmem.engine`),
    which is what makes a study's or a bootstrap's many small fits cheap.

    Parameters
    ----------
    xs : sequence of array_like, or ndarray of shape (S, n) or (S, n, d)
        The data sets, each (n,) or (n, d).
    n_components : int
        K, the number of components.
    seeds : sequence, optional
        One seed per data set (see :func:`fit`); None: fresh entropy for each.
    n_restarts, init, start, covariance, tol, max_iter
        As for :func:`fit`, shared by every data set.
    accel, stopping, var_floor, estimator, prefer, spurious_test
        As for :func:`fit`, shared by every data set.
    random_starts_too : bool, default False
        With ``start``, also give each data set n_restarts drawn starts and keep
        the best maximum (the bootstrap's refits: from the fitted mixture and
        from elsewhere).
    progress : callable, optional
        Called as ``progress(data sets done, data sets)`` every few seconds
        while EM runs, and at its end.

    Returns
    -------
    list of FitResult
        One per data set, in order.

    Raises
    ------
    ValueError
        As :func:`fit` (naming the data set, e.g. ``xs[3]``), or if ``seeds``
        does not have one entry per data set.
    """
    if isinstance(xs, np.ndarray) and xs.ndim >= 2 and xs.dtype != object:
        xs = list(xs)
    xs = list(xs)
    if seeds is None:
        seeds = [None] * len(xs)
    seeds = list(seeds)
    if len(seeds) != len(xs):
        raise ValueError(f"seeds has {len(seeds)} entries but there are {len(xs)} data sets")
    K = check_positive_int("n_components", n_components)
    # Every setting is checked against its one declaration in gmmem.settings.
    checked = check_settings(dict(init=init, covariance=covariance, accel=accel,
                                  stopping=stopping, tol=tol, max_iter=max_iter,
                                  var_floor=var_floor, estimator=estimator, prefer=prefer))
    tol, max_iter, var_floor = checked["tol"], checked["max_iter"], checked["var_floor"]
    check_choice("spurious_test", spurious_test, SPURIOUS_TESTS)
    if start is not None and not isinstance(start, Mixture):
        raise ValueError(f"start must be a Mixture, got {type(start).__name__}")
    if start is None or random_starts_too:
        n_restarts = check_settings({"n_restarts": n_restarts})["n_restarts"]
    prepared = [_prepare(x, K, start, seed, n_restarts, init, covariance, var_floor, estimator,
                         _name if len(xs) == 1 else f"{_name}[{i}]", random_starts_too)
                for i, (x, seed) in enumerate(zip(xs, seeds))]
    settings = dict(covariance=covariance, floor=var_floor, tol=tol, max_iter=max_iter,
                    accel=accel, stopping=stopping)
    results: list[FitResult | None] = [None] * len(xs)
    shapes = {}
    for i, prep in enumerate(prepared):
        shapes.setdefault(prep.z.shape, []).append(i)
    finished = 0
    for members in shapes.values():
        waiting = [i for i in members if prepared[i].kmeans_seed is not None]
        if waiting:
            streams = restart_streams_many([prepared[i].kmeans_seed for i in waiting], n_restarts)
            more = kmeans_plusplus_starts([prepared[i].z for i in waiting], K, streams,
                                          covariance, var_floor)
            for i, extra in zip(waiting, more):
                prepared[i].starts.extend(extra)
        # (S, d, n): the engine runs along contiguous rows of points (for one
        # data set with d = 1 that is a view, not a copy of the data).
        z = (np.ascontiguousarray(prepared[members[0]].z.T)[None] if len(members) == 1
             else np.ascontiguousarray(np.stack([prepared[i].z.T for i in members])))
        report = None if progress is None else (
            lambda done, _, before=finished: progress(before + done, len(xs)))
        runs = _run_starts(z, [prepared[i] for i in members], K, n_restarts, covariance,
                           var_floor, settings, report)
        finished += len(members)  # data sets of the shape groups already run
        # Every run's flags at once (per run they cost more than its E-steps at small n).
        w = np.stack([run.params.w for run in runs])
        cov = np.stack([run.params.cov for run in runs])
        n = z.shape[2]
        degenerate = degenerate_mask(w, cov, n, var_floor)
        spurious = spurious_mask(w, cov, n)
        tests = {}
        if spurious_test == "bootstrap" and estimator == "mle" and K > 1 and spurious.any():
            tests = _calibrate([prepared[i] for i in members], [seeds[i] for i in members],
                               runs, degenerate, spurious, settings)
        for i, res in zip(members, _best_many([prepared[i] for i in members], runs, w, cov,
                                              covariance, prefer, degenerate, spurious, tests)):
            results[i] = res
    return results


def _batch_reg(preps: list, counts: list[int]):
    """One regulariser per item (None for the MLE): counts[j] items of preps[j]."""
    if preps[0].reg is None:
        return None
    regs = [prep.reg for prep, c in zip(preps, counts) for _ in range(c)]
    return regs[0]._replace(mean=np.stack([r.mean for r in regs]),
                            scale=np.stack([r.scale for r in regs]),
                            S=np.stack([r.S for r in regs]),
                            a=np.array([r.a for r in regs]))


def _run_starts(z, preps: list, K: int, n_restarts: int, covariance, var_floor,
                settings: dict, report) -> list[EMRun]:
    """Every data set's runs (z (S, d, n), preps of one shape), in the order of
    its starts. Under init="emem" each data set first gets its short runs
    (:func:`gmmem.init.emem_short_starts`, plain EM for SHORT_ITER maps, all
    data sets in one engine call); the best n_restarts are appended to its
    starts and continued with the EM-map budget they have left, and their
    records count the short run's maps and trace too."""
    S = len(preps)
    short = [None] * S
    max_iter = settings["max_iter"]
    short_iter = min(SHORT_ITER, max_iter)
    if preps[0].emem_seed is not None:  # every data set of a fit_many or none
        pools = emem_short_starts([prep.z for prep in preps], K,
                                  [prep.emem_seed for prep in preps], n_restarts,
                                  covariance, var_floor)
        per = len(pools[0])
        sruns = run_batch(z, np.repeat(np.arange(S), per),
                          stack([p for pool in pools for p in pool]),
                          reg=_batch_reg(preps, [per] * S),
                          **{**settings, "max_iter": short_iter, "accel": None})
        chosen = best_short_runs(sruns, per, n_restarts)
        for s, prep in enumerate(preps):
            short[s] = [sruns[c] for c in chosen[s * n_restarts:(s + 1) * n_restarts]]
            prep.starts.extend(run.params for run in short[s])
    # First every start but the short runs' (the fit's own budget), then the
    # short runs that neither converged nor spent the budget (what is left of it;
    # a plain-EM short run that did not converge spent exactly short_iter maps).
    own = [len(prep.starts) - (0 if short[s] is None else n_restarts)
           for s, prep in enumerate(preps)]
    data_of = np.repeat(np.arange(S), own)
    starts = stack([p0 for prep, m in zip(preps, own) for p0 in prep.starts[:m]])
    first = run_batch(z, data_of, starts, reg=_batch_reg(preps, own), progress=report,
                      **settings)
    more = [[] if sr is None else [j for j, r in enumerate(sr) if not r.converged
                                   and r.n_iter < max_iter] for sr in short]
    if any(more):
        counts = [len(m) for m in more]
        cont = run_batch(z, np.repeat(np.arange(S), counts),
                         stack([short[s][j].params for s in range(S) for j in more[s]]),
                         reg=_batch_reg(preps, counts),
                         **{**settings, "max_iter": max_iter - short_iter})
        at = 0
        for s in range(S):
            for j in more[s]:
                a, b = short[s][j], cont[at]
                short[s][j] = EMRun(b.params, b.loglik, a.n_iter + b.n_iter, b.converged,
                                    np.concatenate([a.trace, b.trace]))
                at += 1
    runs, at = [], 0
    for s in range(S):
        runs += first[at:at + own[s]] + (short[s] or [])
        at += own[s]
    return runs


@dataclass(frozen=True, eq=False)
class _Prepared:
    """One data set made ready for the engine: standardised data, its starts and
    regularisers, and what maps results back to the data's scale."""

    z: np.ndarray
    scaler: "Standardiser"
    starts: list
    reg: object
    reg_data: object
    n: int
    estimator: str
    kmeans_seed: object  # the seed of the k-means++ starts still to be added, or None
    emem_seed: object = None  # under init="emem": the seed of its short runs, else None


def _prepare(x, K, start, seed, n_restarts, init, covariance, var_floor, estimator, name,
             random_starts_too=False):
    z_raw = as_data(x, name=name)
    n, d = z_raw.shape
    if n < K:
        raise ValueError(f"{name} has n = {n} observations, fewer than n_components = {K}")
    if start is not None and (start.n_components != K or start.dim != d):
        raise ValueError(f"start has K = {start.n_components}, d = {start.dim} but the fit "
                         f"asks for K = {K} on data with d = {d}")
    # A given start alone draws nothing (a generator costs more than a small E-step).
    _check_seed(seed)
    draws = start is None or random_starts_too
    # "emem" runs the n_restarts k-means++ starts "kmeans++" would (the same
    # streams) beside its short runs, which fit_many adds.
    method = "kmeans++" if init == "emem" else init
    # k-means++ starts are left to fit_many, which makes every data set's streams
    # and seeds their restarts in shared array passes; others are drawn here.
    deferred = draws and method == "kmeans++" and n <= ROWS
    parent = _parent(seed) if draws else None
    scaler = Standardiser.of(z_raw, name)
    z = scaler.data(z_raw)
    starts = []
    if start is not None:
        p0 = scaler.to_internal(start)
        if covariance != "full":
            # Project the start onto the requested structure.
            p0 = Params(p0.w, p0.mu, _project_covariance(p0, covariance))
        starts = [p0]
    if draws and not deferred:
        starts += initial_params_many(z, K, method, restart_streams_many([parent], n_restarts)[0],
                                      covariance, var_floor)
    return _Prepared(z, scaler, starts, regulariser(z, K, estimator),
                     regulariser(z_raw, K, estimator), n, estimator,
                     parent if deferred else None, parent if draws and init == "emem" else None)


def _records(prep: _Prepared, runs, covariance, degenerate_runs,
             spurious_runs) -> list[RestartRecord]:
    """One data set's RestartRecords from its starts' runs and their flags."""
    n, scaler, reg = prep.n, prep.scaler, prep.reg
    # Log-likelihoods are reported on the data's scale: standardising
    # shifts them by n·Σ log(scale).
    shift = n * float(np.log(scaler.scale).sum())
    records = []
    for run, degenerate, spurious in zip(runs, degenerate_runs.tolist(), spurious_runs.tolist()):
        finite = math.isfinite(run.loglik)
        degenerate = (not finite) or degenerate
        spurious = finite and spurious
        if reg is None or not finite:
            loglik = float(run.loglik) - shift
            objective, offset = loglik, -shift
        else:
            # The prior/penalty on the data's scale differs from the standardised
            # one by a constant: the objective is reported on the data's scale.
            own = scaler.to_mixture(run.params, covariance)
            loglik = float(run.loglik - log_penalty(run.params.mu, run.params.cov, reg,
                                                    covariance)) - shift
            objective = loglik + log_penalty(own.means, own.covariances, prep.reg_data,
                                             covariance)
            offset = objective - float(run.loglik)
        records.append(RestartRecord(loglik, run.n_iter, run.converged, degenerate,
                                     run.trace + offset, objective, spurious))
    return records


def _calibrate(preps: list[_Prepared], seeds, runs, degenerate, spurious,
               settings) -> dict:
    """The bootstrap test (:mod:`gmmem.spurious`) of each data set's best narrow
    maximum, where the rule flags one that beats every regular maximum of its
    restarts; clears the spurious flags of the runs reaching a maximum the
    test finds real (in place). Returns {data set position: NarrowTest}."""
    R = len(preps[0].starts)
    ll = np.array([run.loglik for run in runs], dtype=float).reshape(len(preps), R)
    ok = np.isfinite(ll) & ~degenerate.reshape(ll.shape)
    flagged = spurious.reshape(ll.shape) & ok
    # The null is a fit without a narrow component, not a slightly wider copy
    # of the candidate: restarts with any small component narrower than
    # NULL_RATIO of another's variance do not count as regular here.
    w = np.stack([run.params.w for run in runs])
    cov = np.stack([run.params.cov for run in runs])
    regular = ok & ~flagged & ~spurious_mask(w, cov, preps[0].n, NULL_RATIO).reshape(ll.shape)
    best_narrow = np.where(flagged, ll, -np.inf).max(axis=1)
    best_other = np.where(ok & ~flagged, ll, -np.inf).max(axis=1)
    todo = np.flatnonzero(flagged.any(axis=1) & (best_narrow > best_other))
    if not len(todo):
        return {}
    narrow = [runs[s * R + int(np.argmax(np.where(flagged[s], ll[s], -np.inf)))].params
              for s in todo]
    nulls = [runs[s * R + int(np.argmax(np.where(regular[s], ll[s], -np.inf)))].params
             if regular[s].any() else None for s in todo]
    tests = calibrate_many([preps[s].z for s in todo], narrow, nulls,
                           [child_seed(seeds[s], SPURIOUS_KEY) for s in todo], **settings)
    flat = spurious.reshape(ll.shape)
    for s, test in zip(todo, tests):
        if not test.spurious:
            top = best_narrow[s]
            flat[s] &= ~(flagged[s] & (ll[s] >= top - SAME_MAXIMUM * (1 + abs(top))))
    return dict(zip(todo.tolist(), tests))


def _best_many(preps: list[_Prepared], runs, w, cov, covariance, prefer, degenerate,
               spurious, tests=None) -> list[FitResult]:
    """The FitResult of each data set from its starts' runs (R per data set, in
    order), their final weights w (S·R, K) and covariances, and their degenerate
    and spurious flags. The choice among each data set's runs and the mapping of
    the chosen one to the data's scale run for all data sets at once; per data
    set, every operation is the one a data set alone would get."""
    S, R = len(preps), len(preps[0].starts)
    assert all(len(prep.starts) == R for prep in preps) and len(runs) == S * R
    records = [_records(prep, runs[s * R:(s + 1) * R], covariance, degenerate[s * R:(s + 1) * R],
                        spurious[s * R:(s + 1) * R]) for s, prep in enumerate(preps)]
    objs = np.array([[r.objective for r in rec] for rec in records]).reshape(S, R)
    usable = ~np.array([[r.degenerate for r in rec] for rec in records]).reshape(S, R)
    pool = np.where(usable.any(axis=1, keepdims=True), usable, np.isfinite(objs))
    if not pool.any(axis=1).all():
        raise FloatingPointError("every EM start produced a non-finite log-likelihood")
    regular = pool & usable & ~np.array([[r.spurious for r in rec] for rec in records]).reshape(S, R)
    has_regular = regular.any(axis=1)
    choose = (np.where(has_regular[:, None], regular, pool) if prefer == "regular" else pool)
    best = np.argmax(np.where(choose, objs, -np.inf), axis=1)
    top = objs[np.arange(S), best]
    n_best = (pool & (objs >= (top - SAME_MAXIMUM * (1 + np.abs(top)))[:, None])).sum(axis=1)
    reg_best = np.argmax(np.where(regular, objs, -np.inf), axis=1)
    top_all = np.where(pool, objs, -np.inf).max(axis=1)
    # The chosen runs on the data's scale, components sorted by their means.
    chosen = np.arange(S) * R + best
    centre = np.stack([prep.scaler.centre for prep in preps])
    scale = np.stack([prep.scaler.scale for prep in preps])
    mixtures = _sorted_mixtures(w[chosen], np.stack([runs[c].params.mu for c in chosen]),
                                cov[chosen], centre, scale, covariance)
    results = []
    for s, prep in enumerate(preps):
        b, rec, mixture = int(best[s]), records[s], mixtures[s]
        run = runs[s * R + b]
        reason = ""
        test = (tests or {}).get(s)
        if rec[b].spurious:
            internal = prep.scaler.to_internal(mixture)
            reason = spurious_reason(internal.w, internal.cov, prep.n)
            if test is not None and reason:
                reason += "; " + test.describe()
        rb = int(reg_best[s]) if has_regular[s] else None
        given_up = float(top_all[s] - objs[s, b]) if prefer == "regular" else 0.0
        results.append(FitResult(
            mixture=mixture, loglik=rec[b].loglik, n_iter=run.n_iter,
            converged=run.converged, trace=rec[b].trace, restarts=tuple(rec),
            degenerate=rec[b].degenerate, n_best=int(n_best[s]), n=prep.n,
            objective=float(objs[s, b]), estimator=prep.estimator, spurious=bool(reason),
            spurious_reason=reason,
            regular=(None if rb is None else mixture if rb == b
                     else prep.scaler.to_sorted_mixture(runs[s * R + rb].params, covariance)),
            regular_objective=np.nan if rb is None else float(objs[s, rb]),
            spurious_p=np.nan if test is None else test.p_value,
            spurious_gain=np.nan if test is None else test.gain,
            given_up=max(given_up, 0.0)))
    return results


def _sorted_mixtures(w, mu, cov, centre, scale, covariance) -> list[Mixture]:
    """Mixtures on the data's scale, components sorted by their means, from S
    runs' parameters w (S, K), mu (S, K, d), cov (S, K, d, d) on the standardised
    scale of data sets with centre and scale (S, d); each one's arrays are
    those the data set alone would give."""
    S, K, d = mu.shape
    means = centre[:, None, :] + mu * scale[:, None, :]
    order = sort_order(means)
    rows = np.arange(S)[:, None]
    factor = scale[:, :, None] * scale[:, None, :]
    cov = cov[rows, order] * factor[:, None]
    weights = (w / w.sum(axis=1, keepdims=True))[rows, order]
    means = means[rows, order]
    chol = np.sqrt(cov) if d == 1 else np.linalg.cholesky(cov)
    return [Mixture._trusted(weights[s], means[s], cov[s], covariance, chol[s]) for s in range(S)]


def _project_covariance(p: Params, covariance: str) -> np.ndarray:
    K, d = p.mu.shape
    if covariance == "diag":
        return p.cov * np.eye(d)
    return np.broadcast_to((p.cov * p.w[:, None, None]).sum(axis=0), (K, d, d)).copy()


def responsibilities(mixture: Mixture, x) -> np.ndarray:
    """Posterior component probabilities of each point, computed in log space.

    Parameters
    ----------
    mixture : Mixture
        The mixture.
    x : array_like, shape (n,) or (n, d)
        The points.

    Returns
    -------
    ndarray, shape (n, K)
        τ_ik = π_k φ_k(x_i) / Σ_l π_l φ_l(x_i); rows sum to 1.
    """
    return posterior(mixture.component_logpdf(x))
