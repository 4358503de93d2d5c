"""The batched EM engine: fit_many against fit, independence of the batch, masks, memory."""

import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmmem import Mixture, engine, fit
from gmmem.fit import fit_many

PANEL = {
    "separated": Mixture.univariate([0.25, 0.75], [164, 176], [3, 5]),
    "overlapping": Mixture.univariate([0.6, 0.4], [0.0, 2.0], [1.0, 1.0]),
    "three_2d": Mixture([0.3, 0.3, 0.4], [[0, 0], [3, 0], [0, 3]],
                        [[[1, 0.3], [0.3, 1]], [[1, 0], [0, 1]], [[0.5, 0], [0, 2]]]),
}


def _data(truth, n, count, seed=0):
    return [truth.sample(n, np.random.default_rng(seed + i))[0] for i in range(count)]


def _same(a, b):
    assert a.loglik == b.loglik and a.n_iter == b.n_iter and a.converged == b.converged
    np.testing.assert_array_equal(a.mixture.means, b.mixture.means)
    np.testing.assert_array_equal(a.mixture.covariances, b.mixture.covariances)
    np.testing.assert_array_equal(a.trace, b.trace)
    assert [r.loglik for r in a.restarts] == [r.loglik for r in b.restarts]


@pytest.mark.parametrize("name", sorted(PANEL))
@pytest.mark.parametrize("accel", ["squarem", None])
def test_fit_many_equals_fit_item_by_item(name, accel):
    xs = _data(PANEL[name], 150, 6)
    many = fit_many(xs, PANEL[name].n_components, seeds=list(range(6)), n_restarts=3,
                    accel=accel, max_iter=3000)
    for i, x in enumerate(xs):
        _same(many[i], fit(x, PANEL[name].n_components, seed=i, n_restarts=3, accel=accel,
                           max_iter=3000))


@pytest.mark.parametrize("estimator", ["map", "pmle"])
def test_fit_many_equals_fit_with_a_regulariser(estimator):
    xs = _data(PANEL["overlapping"], 80, 4, seed=10)
    many = fit_many(xs, 2, seeds=[5, 6, 7, 8], n_restarts=2, estimator=estimator)
    for i, x in enumerate(xs):
        _same(many[i], fit(x, 2, seed=5 + i, n_restarts=2, estimator=estimator))
        assert many[i].objective == fit(x, 2, seed=5 + i, n_restarts=2,
                                        estimator=estimator).objective


def test_a_result_does_not_depend_on_the_batch_it_runs_in(monkeypatch):
    xs = _data(PANEL["overlapping"], 120, 9, seed=3)
    seeds = list(range(100, 109))
    together = fit_many(xs, 2, seeds=seeds, n_restarts=4)
    reversed_ = fit_many(xs[::-1], 2, seeds=seeds[::-1], n_restarts=4)[::-1]
    # A tiny memory bound cuts the batch into many pieces of different make-up.
    monkeypatch.setattr(engine, "MEMORY_BOUND", 1)
    one_by_one = fit_many(xs, 2, seeds=seeds, n_restarts=4)
    for a, b, c in zip(together, reversed_, one_by_one):
        _same(a, b)
        _same(a, c)


def test_fit_many_takes_an_array_and_mixed_sizes():
    xs = np.stack(_data(PANEL["separated"], 100, 3))
    arr = fit_many(xs, 2, seeds=[1, 2, 3], n_restarts=2)
    lst = fit_many(list(xs), 2, seeds=[1, 2, 3], n_restarts=2)
    for a, b in zip(arr, lst):
        _same(a, b)
    mixed = [xs[0], xs[1][:60]]
    res = fit_many(mixed, 2, seeds=[1, 2], n_restarts=2)
    assert res[0].n == 100 and res[1].n == 60
    _same(res[1], fit(xs[1][:60], 2, seed=2, n_restarts=2))
    with pytest.raises(ValueError, match="seeds has 1 entries but there are 2 data sets"):
        fit_many(mixed, 2, seeds=[1])
    with pytest.raises(ValueError, match=r"xs\[1\] has 1 row\(s\) with NaN"):
        fit_many([xs[0], np.r_[xs[1][:10], np.nan]], 2)


@settings(max_examples=15)
@given(st.integers(0, 2**32 - 1))
def test_plain_em_is_monotone_per_item_and_finished_items_stay_put(seed):
    rng = np.random.default_rng(seed)
    xs = [np.concatenate([rng.normal(0, 1, 70), rng.normal(rng.uniform(0.5, 3), 1, 50)])
          for _ in range(5)]
    res = fit_many(xs, 2, seeds=list(range(5)), n_restarts=3, accel=None, max_iter=400)
    n_iters = set()
    for r in res:
        for rec in r.restarts:
            steps = np.diff(rec.trace)
            assert np.all(steps >= -1e-9 * (1 + np.abs(rec.trace[1:])))
            # A finished item records one objective per EM map it ran, no more:
            # it stopped changing the moment it converged.
            assert len(rec.trace) == rec.n_iter or not rec.converged
            n_iters.add(rec.n_iter)
    assert len(n_iters) > 1  # items did finish at different times


def test_engine_history_feeds_the_stopping_rule_as_a_whole_trace_does():
    # The rolling per-item history against the whole trace, on random traces.
    from gmmem.em import has_converged

    rng = np.random.default_rng(0)
    traces = [list(np.cumsum(rng.uniform(0, 1, size=m) * rng.choice([1e-3, 1e-9, 1e-13], m)
                             * (rng.uniform(0.1, 1.0) ** np.arange(m)))) for m in range(1, 9)
              for _ in range(30)]
    for rule in ("aitken", "relative", "absolute"):
        h = engine._History(len(traces))
        for i, t in enumerate(traces):
            for v in t:
                h.push(np.array([i]), np.array([v - 1000.0]))
        got = engine.converged_mask(h, np.arange(len(traces)), 1e-10, rule, 100)
        want = [has_converged([v - 1000.0 for v in t], 1e-10, rule, 100) for t in traces]
        assert got.tolist() == want, rule


def test_batches_are_cut_to_the_memory_bound(monkeypatch):
    monkeypatch.setattr(engine, "MEMORY_BOUND", 4 * 2**20)
    xs = _data(PANEL["separated"], 2000, 40)
    per_item = 8 * 2000 * (2 * 2 + 2 * 3 + 1 + 2)
    assert engine.items_per_batch(2000, 2, 1) * per_item <= 4 * 2**20
    tracemalloc.start()
    fit_many(xs, 2, seeds=list(range(40)), n_restarts=4, max_iter=50)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # 160 items unchunked would need ~160 x 208 kB = 33 MB of E-step work arrays.
    data = 40 * 2000 * 8 * 3  # raw, standardised and stacked copies of the data
    assert peak < 4 * 2**20 + data + 8 * 2**20, peak


def test_progress_counts_data_sets_as_their_starts_finish(monkeypatch):
    # Reported every cycle here (every 5 s by default): the count of data sets
    # with every start finished never falls, and ends at all of them.
    calls = []
    original = engine.run_batch
    monkeypatch.setattr(sys.modules["gmmem.fit"], "run_batch",
                        lambda *a, **k: original(*a, **k | {"progress_every": 0.0}))
    xs = _data(PANEL["overlapping"], 100, 7, seed=4)
    fit_many(xs, 2, seeds=list(range(7)), n_restarts=3,
             progress=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert len(calls) > 3 and all(t == 7 for _, t in calls)
    assert done == sorted(done) and done[-1] == 7 and done[0] < 7
