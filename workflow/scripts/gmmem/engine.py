"""The batched EM engine: many fits at once, each with its own path.

A study fits thousands of small data sets, each from several starts, and a
bootstrap refits hundreds of resamples; at small n a Python-level EM
iteration costs far more than its arithmetic. The engine therefore iterates
a whole batch of *items* (one item = one start on one data set) as array
computations over a leading batch axis. Every item keeps its own SQUAREM step
length, safeguard, stopping rule and EM-map count; finished items are dropped
from the arrays (compacted), so they cost nothing more. Per item every
operation has the same shapes and order whatever else is in the batch (see
:mod:`gmmem.gaussian`), so an item's result is byte-identical alone or in any
batch. One unit of work is one EM-map evaluation (an E-step plus an M-step),
which ``max_iter`` and ``n_iter`` count for both algorithms.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .em import (_AITKEN_WINDOW, _OBJFN_INC, converged, squarem_extrapolate, squarem_gap, squarem_parts)
from .estimators import Regulariser
from .gaussian import BLOCK, Params, em_map_raw, feature_rows, pack_batch, put, take, unpack_batch

# Working arrays of one batch are kept under this many bytes (items are
# processed in several batches beyond it; results do not depend on the cut).
MEMORY_BOUND = 256 * 2**20


@dataclass(frozen=True)
class EMRun:
    """One EM run from one start: final parameters (standardised scale), the final
    objective, EM-map evaluations, convergence and the objective trace."""

    params: Params
    loglik: float
    n_iter: int
    converged: bool
    trace: np.ndarray


def items_per_batch(n: int, K: int, d: int) -> int:
    """How many items fit in MEMORY_BOUND: per item the (K, L) and (L, p)
    block arrays of the E-step, plus its parameters."""
    p = 1 + d + d * (d + 1) // 2
    L = min(n, BLOCK)
    per_item = 8 * (L * (2 * K + 2 * p + d + 2) + 8 * K * (1 + d + d * d))
    return max(1, MEMORY_BOUND // per_item)


def _take_reg(reg: Regulariser | None, idx) -> Regulariser | None:
    if reg is None:
        return None
    return reg._replace(mean=reg.mean[idx], scale=reg.scale[idx], S=reg.S[idx],
                        a=np.asarray(reg.a)[idx])


class _History:
    """The last few objective values of every item, for vectorised stopping
    rules, and every value pushed, for the items' traces."""

    def __init__(self, B: int):
        self.values = np.full((B, _AITKEN_WINDOW + 2), np.nan)
        self.count = np.zeros(B, dtype=np.int64)
        self._pushed: list[tuple[np.ndarray, np.ndarray]] = []

    def push(self, idx: np.ndarray, values: np.ndarray) -> None:
        self.values[idx, :-1] = self.values[idx, 1:]
        self.values[idx, -1] = values
        self.count[idx] += 1
        # idx and values are fresh arrays the loops never modify afterwards.
        self._pushed.append((idx, values))

    def runs(self, out: list) -> list[EMRun]:
        """EMRuns from the loops' (params, objective, EM maps, converged) tuples,
        each with its item's trace (its pushed values in order)."""
        B = len(out)
        idx = np.concatenate([i for i, _ in self._pushed] + [np.zeros(0, dtype=np.int64)])
        val = np.concatenate([np.asarray(v, dtype=float) for _, v in self._pushed] + [np.zeros(0)])
        order = np.argsort(idx, kind="stable")
        traces = np.split(val[order], np.cumsum(np.bincount(idx, minlength=B))[:-1])
        return [EMRun(*o, trace) for o, trace in zip(out, traces)]


def converged_mask(h: _History, idx: np.ndarray, tol: float, rule: str, n: int) -> np.ndarray:
    """The stopping rule (:func:`gmmem.em.converged`) for items idx at once."""
    return converged(h.values[idx], h.count[idx], tol, rule, n)


class _Progress:
    """Reports, at most every ``every`` seconds and once at the end, how many
    data sets have all their items finished: callback(done, total)."""

    def __init__(self, callback, data_of: np.ndarray, every: float):
        self.callback, self.data_of, self.every = callback, data_of, every
        self.sets = int(data_of.max()) + 1 if data_of.size else 0
        self.due = time.perf_counter() + every

    def __call__(self, offset: int, out: list, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now < self.due:
            return
        self.due = now + self.every
        pending = np.zeros(self.data_of.size, dtype=bool)
        pending[offset:] = True
        pending[offset:offset + len(out)] = [o is None for o in out]
        busy = np.zeros(self.sets, dtype=bool)
        busy[self.data_of[pending]] = True
        self.callback(self.sets - int(busy.sum()), self.sets)


def run_batch(z: np.ndarray, data_of: np.ndarray, starts: Params, *, covariance: str,
              floor: float, tol: float, max_iter: int, accel: str | None, stopping: str,
              reg: Regulariser | None = None, progress=None,
              progress_every: float = 5.0) -> list[EMRun]:
    """Run EM (plain or SQUAREM) for every item: item b starts at ``starts[b]`` on
    standardised data set ``z[data_of[b]]`` (z is (S, d, n)); ``reg`` holds one
    prior or penalty per item (fields with a leading batch axis) or None.
    Items are processed in batches of :func:`items_per_batch`. ``progress``,
    if given, is called as progress(data sets done, data sets) every
    ``progress_every`` seconds and at the end."""
    B = data_of.size
    S, d, n = z.shape
    K = starts.mu.shape[1]
    size = items_per_batch(n, K, d)
    if S * n * (d + d * (d + 1) // 2) * 8 <= MEMORY_BOUND // 4:
        z = feature_rows(z)  # the products once, not in every EM map
    report = _Progress(progress, data_of, progress_every) if progress is not None else None
    runs: list[EMRun] = []
    for a in range(0, B, size):
        idx = np.arange(a, min(a + size, B))
        part = take(starts, idx)
        sub_reg = _take_reg(reg, idx)
        run = _run_squarem if accel == "squarem" else _run_plain
        tick = None if report is None else (lambda out, a=a: report(a, out))
        # Overflow, log 0 and NaN are expected on the way to a degenerate or
        # non-finite run, and the loops test for them: no warnings.
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            runs += run(z, data_of[idx], Params(*(x.copy() for x in part)), covariance, floor,
                        tol, max_iter, stopping, n, sub_reg, tick)
    if report is not None:
        report(B, [], final=True)
    return runs


def _map(z, data_of, p, idx, covariance, floor, reg):
    """One EM map of items idx of the batch p."""
    return em_map_raw(z, take(p, idx), covariance, floor, _take_reg(reg, idx), data_of[idx])


def _finish(z, data_of, cur, idx, covariance, floor, reg, out, h, n_iter, converged):
    """Record items idx as finished at their current parameters."""
    if idx.size == 0:
        return
    _, objective = _map(z, data_of, cur, idx, covariance, floor, reg)
    for j, i in enumerate(idx.tolist()):
        out[i] = (take(cur, i), float(objective[j]), int(n_iter[j]), converged)


def _run_plain(z, data_of, cur, covariance, floor, tol, max_iter, stopping, n, reg, tick=None):
    B = data_of.size
    out: list[tuple | None] = [None] * B  # (params, objective, EM maps, converged)
    h = _History(B)
    active = np.arange(B)
    for it in range(max_iter):
        nxt, objective = _map(z, data_of, cur, active, covariance, floor, reg)
        h.push(active, objective)
        finite = np.isfinite(objective)
        done = finite & converged_mask(h, active, tol, stopping, n)
        for j in np.flatnonzero(done).tolist():
            i = int(active[j])
            out[i] = (take(cur, i), float(objective[j]), it + 1, True)
        broken = active[~finite]
        keep = finite & ~done
        put(cur, active[keep], take(nxt, keep))
        _finish(z, data_of, cur, broken, covariance, floor, reg, out, h,
                np.full(broken.size, max_iter), False)
        active = active[keep]
        if tick is not None:
            tick(out)
        if active.size == 0:
            return h.runs(out)
    _finish(z, data_of, cur, active, covariance, floor, reg, out, h,
            np.full(active.size, max_iter), False)
    return h.runs(out)


def _run_squarem(z, data_of, cur, covariance, floor, tol, max_iter, stopping, n, reg,
                 tick=None):
    """SQUAREM (Varadhan & Roland 2008, scheme S3) with a monotonicity safeguard,
    per item; see :func:`gmmem.em.squarem_step` and :func:`gmmem.em.squarem_gap`.
    ``cur`` holds every item's start; the parameters of the items still running
    are carried from cycle to cycle in their (compacted) order."""
    B = data_of.size
    K, d = cur.mu.shape[1:]
    out: list[tuple | None] = [None] * B  # (params, objective, EM maps, converged)
    h = _History(B)
    step_max = np.ones(B)
    alpha_max = np.ones(B)
    evals = np.zeros(B, dtype=np.int64)
    step_factor = 4.0
    active = np.arange(B)
    budget = tol * n
    cycles = 0

    def em(p, idx):
        return em_map_raw(z, p, covariance, floor, _take_reg(reg, idx), data_of[idx])

    def end(idx, converged_flag, params, objective=None):
        """Items idx finish at params (in idx's order), with their objective
        (computed here if not given)."""
        if idx.size == 0:
            return
        if objective is None:
            _, objective = em(params, idx)
        for j, i in enumerate(idx.tolist()):
            out[i] = (take(params, j), float(objective[j]), int(evals[i]), converged_flag)

    p0 = cur  # parameters of the active items, in their order
    while active.size:
        # A cycle takes at most 4 EM maps, so no item can lack room for the next
        # one (3 maps) before 4·cycles + 3 > max_iter.
        if 4 * cycles + 3 > max_iter:
            room = evals[active] + 3 <= max_iter
            if not room.all():
                end(active[~room], False, take(p0, ~room))
                active, p0 = active[room], take(p0, room)
                if active.size == 0:
                    break
        cycles += 1
        p1, ll0 = em(p0, active)
        evals[active] += 1
        h.push(active, ll0)
        finite = np.isfinite(ll0)
        A = active
        if not finite.all():  # (the common case skips these copies)
            end(active[~finite], False, take(p0, ~finite))
            A, p0, p1, ll0 = active[finite], take(p0, finite), take(p1, finite), ll0[finite]
        if stopping != "aitken":
            done = converged_mask(h, A, tol, stopping, n)
            end(A[done], True, take(p0, done), ll0[done])
            A, p0, p1, ll0 = A[~done], take(p0, ~done), take(p1, ~done), ll0[~done]
        if A.size == 0:
            active = A
            continue
        p2, ll1 = em(p1, A)
        evals[A] += 1
        v0, v1, v2 = (pack_batch(p0, covariance), pack_batch(p1, covariance),
                      pack_batch(p2, covariance))
        r, v, rate = squarem_parts(v0, v1, v2)
        alpha_max[A] = np.maximum(alpha_max[A], rate)
        if stopping == "aitken":
            done = squarem_gap(alpha_max[A], ll0, ll1) < budget
            if done.any():
                h.push(A[done], ll1[done])
                end(A[done], True, take(p1, done), ll1[done])
                keep = ~done
                A, p1, p2, ll0 = A[keep], take(p1, keep), take(p2, keep), ll0[keep]
                v0, r, v, rate = v0[keep], r[keep], v[keep], rate[keep]
            if A.size == 0:
                active = A
                continue
        # The extrapolation, α clipped to [1, step_max] (α = 1 gives back θ2).
        proposal, alpha = squarem_extrapolate(v0, r, v, rate, step_max[A])
        extrapolated = alpha > 1.0
        if extrapolated.all():
            trial = unpack_batch(proposal, K, d, covariance, floor)
        elif extrapolated.any():
            trial = Params(*(x.copy() for x in p2))
            put(trial, extrapolated, unpack_batch(proposal[extrapolated], K, d, covariance, floor))
        else:
            trial = p2
        nxt, ll_c = em(trial, A)
        evals[A] += 1
        # Safeguard: keep the extrapolation only if its objective is no worse than
        # the cycle's start; otherwise fall back to θ2 (monotone, as plain EM) and
        # shrink the largest step allowed next (Varadhan & Roland's step_max).
        rejected = extrapolated & ~(np.isfinite(ll_c) & (ll_c >= ll0 - _OBJFN_INC))
        grow = ~rejected & (alpha == step_max[A])
        step_max[A[rejected]] = np.maximum(1.0, step_max[A[rejected]] / step_factor)
        step_max[A[grow]] *= step_factor
        if rejected.any():
            room = evals[A] < max_iter
            redo = rejected & room
            if redo.any():
                again, _ = em(take(p2, redo), A[redo])
                evals[A[redo]] += 1
                put(nxt, redo, again)
            stuck = rejected & ~room
            if stuck.any():
                put(nxt, stuck, take(p2, stuck))
        p0, active = nxt, A
        if tick is not None:
            tick(out)
    return h.runs(out)
