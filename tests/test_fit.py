import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gmmem
from gmmem import Mixture, fit, responsibilities
from gmmem.inference import standard_errors

from conftest import PAPER_START, PAPER_TRUTH


def test_paper_experiment_recovers_truth_within_4_se(paper_x):
    res = fit(paper_x, 2, seed=1)
    assert res.converged and not res.degenerate
    se = standard_errors(res.mixture, paper_x)
    m = res.mixture
    for est, true, s in [(m.weights, PAPER_TRUTH.weights, se.weights),
                         (m.means[:, 0], PAPER_TRUTH.means[:, 0], se.means[:, 0]),
                         (m.sds, PAPER_TRUTH.sds, se.sds[:, 0])]:
        assert np.all(np.abs(est - true) < 4 * s), (est, true, s)


def one_more_map(res, x):
    """ℓ after one more plain EM map from the reported fit (the fixed-point check)."""
    m = res.mixture
    return fit(x, m.n_components, start=m, covariance=m.covariance, accel=None,
               max_iter=1).loglik


def rounding(loglik: float) -> float:
    """Slack for re-evaluating a log-likelihood after a round trip through data units."""
    return 1e-11 * (1 + abs(loglik))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["squarem", None]),
       st.sampled_from(["full", "tied"]))
def test_every_run_ends_at_a_fixed_point_of_the_em_map(seed, accel, covariance):
    # Whatever maximum a run reaches (that may differ between machines), one
    # more EM map from it gains less than the stopping budget tol·n.
    rng = np.random.default_rng(seed)
    truth = Mixture.univariate([0.6, 0.4], [0.0, rng.uniform(1.5, 4)], [1, rng.uniform(0.5, 1.5)])
    x, _ = truth.sample(int(rng.integers(50, 400)), rng)
    res = fit(x, 2, n_restarts=2, seed=seed, accel=accel, covariance=covariance,
              max_iter=100_000)
    assert res.converged
    gain = one_more_map(res, x) - res.loglik
    assert -rounding(res.loglik) <= gain < 1e-10 * len(x) + rounding(res.loglik)


def test_default_stopping_reaches_the_maximum_from_paper_start(paper_x):
    # A well-separated mixture with one maximum: every start and both
    # algorithms reach it, and continuing EM to exhaustion gains < tol·n.
    many = fit(paper_x, 2, n_restarts=20, seed=0)
    assert many.n_best == len(many.restarts)
    budget = 1e-10 * len(paper_x)
    for accel in ("squarem", None):
        res = fit(paper_x, 2, start=PAPER_START, accel=accel)
        assert res.converged
        exhaust = fit(paper_x, 2, start=res.mixture, accel=None, stopping="absolute",
                      tol=1e-300, max_iter=20_000)
        assert -rounding(res.loglik) <= exhaust.loglik - res.loglik < 3 * budget
        assert res.loglik == pytest.approx(many.loglik, rel=1e-8)


def _overlapping_data():
    """0.6·N(0, 1) + 0.4·N(2, 1), n = 2000: slow EM (rate ~0.99) but one maximum."""
    rng = np.random.default_rng(11)
    return np.concatenate([rng.normal(0, 1, 1200), rng.normal(2, 1, 800)])


@pytest.mark.parametrize("data", ["paper", "overlap"])
def test_squarem_and_plain_em_agree_where_the_maximum_is_unique(data, paper_x):
    x = paper_x if data == "paper" else _overlapping_data()
    many = fit(x, 2, n_restarts=20, seed=3)
    assert many.n_best == len(many.restarts), "the test needs a problem with one maximum"
    for start in (PAPER_START if data == "paper" else
                  Mixture.univariate([0.5, 0.5], [-0.5, 2.5], [1, 1]),
                  fit(x, 2, n_restarts=1, seed=9, max_iter=3).mixture):
        plain = fit(x, 2, start=start, accel=None, max_iter=200_000)
        fast = fit(x, 2, start=start, accel="squarem")
        assert plain.converged and fast.converged
        assert fast.loglik == pytest.approx(plain.loglik, rel=1e-8)
        # Along EM's slow direction ℓ is flat: a gap of tol·n in ℓ allows ~1e-4 in μ.
        np.testing.assert_allclose(fast.mixture.means, plain.mixture.means, atol=1e-3)


def test_squarem_saves_em_maps_under_overlap():
    # Stated on a problem whose maximum is unique, so both algorithms end at
    # the same point on any machine and only their paths differ: SQUAREM
    # (measured 7x here) must need well under a third of plain EM's maps.
    x = _overlapping_data()
    start = Mixture.univariate([0.5, 0.5], [-0.5, 2.5], [1, 1])
    plain = fit(x, 2, start=start, accel=None, max_iter=200_000)
    fast = fit(x, 2, start=start, accel="squarem")
    assert fast.loglik == pytest.approx(plain.loglik, rel=1e-8)
    assert 3 * fast.n_iter < plain.n_iter, (fast.n_iter, plain.n_iter)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.sampled_from(["full", "tied"]))
def test_plain_em_never_decreases_loglik(seed, K, covariance):
    rng = np.random.default_rng(seed)
    truth = Mixture.univariate(np.full(K, 1 / K), rng.normal(0, 2, K), rng.uniform(0.3, 2, K))
    x, _ = truth.sample(int(rng.integers(K + 5, 300)), rng)
    res = fit(x, K, accel=None, n_restarts=1, seed=seed, covariance=covariance, max_iter=500)
    steps = np.diff(res.trace)
    assert np.all(steps >= -1e-9 * (1 + np.abs(res.trace[1:])))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_squarem_trace_is_monotone(seed):
    rng = np.random.default_rng(seed)
    truth = Mixture.univariate([0.5, 0.5], [0, rng.uniform(0.5, 4)], [1, rng.uniform(0.5, 2)])
    x, _ = truth.sample(300, rng)
    res = fit(x, 2, n_restarts=3, seed=seed)
    for r in res.restarts:  # SQUAREM's cycle-start log-likelihoods never decrease
        assert np.all(np.diff(r.trace) >= -1e-9 * (1 + np.abs(r.trace[1:])))
        assert r.loglik >= r.trace[-1] - 1e-9 * abs(r.loglik)


def test_max_iter_exhaustion_reports_not_converged(paper_x):
    res = fit(paper_x, 2, start=PAPER_START, accel=None, max_iter=5)
    assert not res.converged and res.n_iter == 5
    assert np.isfinite(res.loglik)
    assert res.loglik == pytest.approx(res.mixture.loglik(paper_x), rel=1e-12)


def test_reported_loglik_is_that_of_the_reported_mixture(paper_x):
    res = fit(paper_x, 2, seed=3)
    assert res.loglik == pytest.approx(res.mixture.loglik(paper_x), rel=1e-12)


def test_far_points_and_huge_scale_stay_finite():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0, 1, 200), rng.normal(5, 1, 200), [60.0 * 5]])
    m = Mixture.univariate([0.5, 0.5], [0, 5], [1, 1])
    tau = responsibilities(m, [300.0, -300.0])
    assert np.all(np.isfinite(tau)) and np.allclose(tau.sum(axis=1), 1)
    assert np.isfinite(m.loglik([300.0, -300.0]))
    res = fit(x, 2, seed=0)
    assert np.isfinite(res.loglik) and np.all(np.isfinite(res.mixture.means))
    big = fit(x * 1e6 + 3e6, 2, seed=0)
    np.testing.assert_allclose(big.mixture.means[:, 0], res.mixture.means[:, 0] * 1e6 + 3e6,
                               rtol=1e-6)
    np.testing.assert_allclose(big.mixture.sds, res.mixture.sds * 1e6, rtol=1e-5)


def test_collapsing_component_is_floored_and_flagged():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0, 1, 300), np.full(5, 2.5)])
    spike = Mixture.univariate([0.49, 0.49, 0.02], [-0.5, 0.5, 2.5], [1, 1, 1e-3])
    res = fit(x, 3, start=spike)
    assert np.all(np.isfinite(res.mixture.covariances)) and np.isfinite(res.loglik)
    assert res.degenerate and res.restarts[0].degenerate
    assert res.mixture.sds.min() >= np.sqrt(1e-6) * x.std() * (1 - 1e-9)


def test_emptied_component_gives_no_nan_and_is_flagged():
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, 500)
    far = Mixture.univariate([0.5, 0.5], [0, 1e4], [1, 1])
    res = fit(x, 2, start=far)
    assert np.all(np.isfinite(res.mixture.means)) and np.all(np.isfinite(res.mixture.weights))
    assert res.degenerate


def test_degenerate_restart_loses_to_a_proper_one():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0, 1, 300), rng.normal(6, 1, 300), np.full(2, 3.0)])
    res = fit(x, 2, n_restarts=10, seed=0)
    assert not res.degenerate
    np.testing.assert_allclose(res.mixture.means[:, 0], [0, 6], atol=0.3)


def test_one_component_is_the_closed_form_mle():
    rng = np.random.default_rng(6)
    x = rng.normal([1, -2], [1, 3], size=(400, 2))
    res = fit(x, 1, n_restarts=2, seed=0)
    np.testing.assert_allclose(res.mixture.means[0], x.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(res.mixture.covariances[0], np.cov(x, rowvar=False, bias=True),
                               rtol=1e-9)
    y = rng.normal(3, 2, 100)
    r1 = fit(y, 1)
    assert r1.mixture.sds[0] == pytest.approx(y.std(), rel=1e-10)


def test_same_seed_bit_identical_and_restarts_independent(paper_x):
    a = fit(paper_x, 2, seed=42, init="random")
    b = fit(paper_x, 2, seed=42, init="random")
    assert a.loglik == b.loglik
    np.testing.assert_array_equal(a.mixture.means, b.mixture.means)
    np.testing.assert_array_equal(a.trace, b.trace)
    # Each restart's first log-likelihood is that of its start: distinct starts,
    # not one stream reused, and another seed gives other starts.
    assert len({r.trace[0] for r in a.restarts}) == len(a.restarts)
    c = fit(paper_x, 2, seed=43, init="random")
    assert not {r.trace[0] for r in c.restarts} & {r.trace[0] for r in a.restarts}
    ss = np.random.SeedSequence(42)
    d = fit(paper_x, 2, seed=ss, init="random")
    assert d.loglik == a.loglik and ss.n_children_spawned == 0


def test_best_restart_wins_and_n_best_counts(paper_x):
    res = fit(paper_x, 2, n_restarts=6, seed=7)
    assert len(res.restarts) == 12  # init="emem": 6 k-means++ runs and the best 6 short runs
    assert res.loglik == pytest.approx(max(r.loglik for r in res.restarts), rel=1e-12)
    assert 1 <= res.n_best <= 12


@pytest.mark.parametrize("covariance", ["full", "diag", "tied"])
def test_bivariate_covariance_structures(covariance):
    cov = {"full": [[[1, 0.6], [0.6, 1]], [[0.5, -0.2], [-0.2, 0.8]]],
           "diag": [[[1, 0], [0, 2]], [[0.5, 0], [0, 0.3]]],
           "tied": [[[1, 0.3], [0.3, 0.7]]] * 2}[covariance]
    truth = Mixture([0.4, 0.6], [[0, 0], [4, 3]], cov, covariance)
    x, _ = truth.sample(6000, np.random.default_rng(8))
    res = fit(x, 2, covariance=covariance, seed=1)
    assert res.converged and res.mixture.covariance == covariance
    np.testing.assert_allclose(res.mixture.means, truth.means, atol=0.1)
    np.testing.assert_allclose(res.mixture.covariances, truth.covariances, atol=0.1)
    np.testing.assert_allclose(res.mixture.weights, truth.weights, atol=0.03)
    if covariance == "tied":
        np.testing.assert_array_equal(res.mixture.covariances[0], res.mixture.covariances[1])
    assert res.n_params == truth.n_params


def test_bic_aic_and_result_properties(paper_x):
    res = fit(paper_x, 2, seed=0)
    assert gmmem.bic(res.mixture, paper_x) == pytest.approx(res.bic, rel=1e-10)
    assert gmmem.aic(res.mixture, paper_x) == pytest.approx(-2 * res.loglik + 10, rel=1e-10)
    one = fit(paper_x, 1)
    assert res.bic < one.bic


@pytest.mark.parametrize("args, kwargs, message", [
    (([1.0, np.nan, 2.0, 3.0], 2), {}, "x has 1 row"),
    (([1.0, np.inf, 2.0, 3.0], 2), {}, "NaN or inf"),
    ((["a", "b", "c"], 2), {}, "x must be numeric"),
    ((np.zeros((3, 2, 2)), 2), {}, r"x must be \(n,\) or \(n, d\)"),
    (([1.0, 2.0], 3), {}, "fewer than n_components = 3"),
    (([1.0, 2.0, 3.0], 0), {}, "n_components must be an integer >= 1, got 0"),
    (([1.0, 2.0, 3.0], 2), {"init": "kmeans"}, "init must be one of .* got 'kmeans'"),
    (([1.0, 2.0, 3.0], 2), {"covariance": "VVV"}, "covariance must be one of .* got 'VVV'"),
    (([1.0, 2.0, 3.0], 2), {"accel": "qn"}, "accel must be one of .* got 'qn'"),
    (([1.0, 2.0, 3.0], 2), {"stopping": "lazy"}, "stopping must be one of"),
    (([1.0, 2.0, 3.0], 2), {"tol": -1}, "tol must be a positive number, got -1"),
    (([1.0, 2.0, 3.0], 2), {"max_iter": 0}, "max_iter must be an integer >= 1, got 0"),
    (([1.0, 2.0, 3.0], 2), {"n_restarts": 0}, "n_restarts must be an integer >= 1, got 0"),
    (([1.0, 2.0, 3.0], 2), {"seed": -3}, "seed must be a non-negative integer"),
    (([1.0, 2.0, 3.0], 2), {"seed": "x", "start": Mixture.univariate([0.5, 0.5], [0, 1], [1, 1])},
     "seed must be a non-negative integer, a SeedSequence or None, got 'x'"),
    (([1.0, 2.0, 3.0], 3), {"start": Mixture.univariate([0.5, 0.5], [0, 1], [1, 1])},
     "start has K = 2, d = 1 but the fit asks for K = 3"),
    (([[1.0, 2.0], [2.0, 1.0], [3.0, 0.0]], 2), {"start": Mixture.univariate([0.5, 0.5], [0, 1], [1, 1])},
     "start has K = 2, d = 1 .* d = 2"),
    (([5.0, 5.0, 5.0, 5.0], 2), {}, "x is constant"),
])
def test_bad_input_raises_naming_the_argument(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(*args, **kwargs)


def test_stopping_rule_is_not_fooled_by_strong_overlap():
    # EM contracts at a rate near 1 here; a small step is far from the maximum.
    # Continuing from where each run stopped (its own basin, whichever it is)
    # must gain less than a few stopping budgets.
    truth = Mixture.univariate([0.6, 0.4], [0.0, 1.5], [1.0, 1.0])
    x, _ = truth.sample(2500, np.random.default_rng(0))
    start = fit(x, 2, n_restarts=1, seed=0, max_iter=3).mixture
    budget = 1e-10 * len(x)
    for accel in ("squarem", None):
        res = fit(x, 2, start=start, accel=accel, max_iter=100_000)
        assert res.converged
        exhaust = fit(x, 2, start=res.mixture, accel="squarem", stopping="absolute",
                      tol=1e-300, max_iter=100_000)
        assert -rounding(res.loglik) <= exhaust.loglik - res.loglik < 3 * budget, accel


@pytest.mark.parametrize("scale", [1e-130, 1e-40, 1e40, 1e140])
def test_representable_data_are_fitted_at_any_scale(scale):
    rng = np.random.default_rng(12)
    x = np.concatenate([rng.normal(0, 1, 150), rng.normal(6, 1, 150)])
    ref = fit(x, 2, seed=0)
    res = fit(x * scale, 2, seed=0)
    # Standardised data differ at rounding level between scales, so the runs stop
    # within the convergence precision of each other (~1e-10 SD here): a mean
    # near zero is compared on the data's scale, not relative to itself.
    np.testing.assert_allclose(res.mixture.means[:, 0], ref.mixture.means[:, 0] * scale,
                               rtol=1e-9, atol=1e-8 * x.std() * scale)
    np.testing.assert_allclose(res.mixture.sds, ref.mixture.sds * scale, rtol=1e-9)
    assert res.loglik == pytest.approx(ref.loglik - len(x) * np.log(scale), rel=1e-9)


@pytest.mark.parametrize("x, message", [
    (np.r_[np.arange(20.0), 1e300], r"x has a value of magnitude >= 1e\+150 \(1e\+300\)"),
    (np.arange(20.0) * 1e-300, r"x has SD .* below 1e-140: .* rescale"),
    (np.column_stack([np.arange(20.0), np.full(20, 3.0)]), r"x column 1 is constant"),
])
def test_data_beyond_float64_range_are_refused_with_a_reason(x, message):
    with pytest.raises(ValueError, match=message):
        fit(x, 2)


@pytest.mark.parametrize("d, K", [(1, 2), (2, 3), (3, 2)])
def test_batched_kmeans_plusplus_is_the_per_stream_one(d, K):
    """fit_many seeds every restart of every data set in shared array passes; the
    cells and sums are those of kmeans_plusplus, nearest and partition_stats run
    stream by stream (the path kept for n > ROWS), byte for byte, including the
    fallback when fewer distinct points than seeds remain."""
    from gmmem.fit import restart_streams
    from gmmem.init import _kmeans_plusplus_stats, kmeans_plusplus, nearest, partition_stats

    rng = np.random.default_rng(d)
    zs = [rng.normal(size=(120, d)) for _ in range(3)]
    zs.append(np.repeat(rng.normal(size=(2, d)), 60, axis=0))  # 2 distinct points
    streams = [restart_streams(s, 4) for s in range(len(zs))]
    batched = _kmeans_plusplus_stats(np.stack([z for z in zs for _ in range(4)]), K,
                                     [g for group in streams for g in group])
    again = [restart_streams(s, 4) for s in range(len(zs))]
    one = np.stack([partition_stats(z, nearest(z, z[kmeans_plusplus(z, K, g)]), K)
                    for z, group in zip(zs, again) for g in group])
    np.testing.assert_array_equal(batched, one)


@pytest.mark.parametrize("seed", [0, 5, 2**40, "ss", "ss_key", "ss_pool"])
def test_restart_streams_are_the_seed_sequences_children(seed):
    # Child i is SeedSequence(entropy, spawn_key + (i,)) whatever the seed's form,
    # and a caller's SeedSequence is left as it was (never spawned from).
    from gmmem.fit import restart_streams
    seed = {"ss": np.random.SeedSequence(7), "ss_key": np.random.SeedSequence(7, spawn_key=(3, 1)),
            "ss_pool": np.random.SeedSequence(9, pool_size=8)}.get(seed, seed)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    streams = restart_streams(seed, 5)
    for i, g in enumerate(streams):
        child = np.random.SeedSequence(ss.entropy, spawn_key=ss.spawn_key + (i,))
        assert np.array_equal(g.random(4), np.random.default_rng(child).random(4))
    if isinstance(seed, np.random.SeedSequence):
        assert seed.n_children_spawned == 0


@pytest.mark.parametrize("d", [1, 2])
def test_sorted_mixture_in_one_step_is_to_mixture_then_sorted(d):
    from gmmem.fit import Standardiser
    from gmmem.gaussian import Params
    rng = np.random.default_rng(d)
    scaler = Standardiser(rng.normal(size=d) * 100, np.exp(rng.normal(size=d)))
    for _ in range(50):
        mu = rng.normal(size=(3, d))
        mu[1, 0] = mu[2, 0]  # a tie on the first coordinate: the second decides
        a = rng.normal(size=(3, d, d))
        p = Params(rng.dirichlet(np.ones(3)), mu, a @ np.swapaxes(a, 1, 2) + np.eye(d))
        one = scaler.to_sorted_mixture(p, "full")
        two = scaler.to_mixture(p, "full").sorted()
        for name in ("weights", "means", "covariances", "_chol"):
            assert getattr(one, name).tobytes() == getattr(two, name).tobytes()
        # (for d = 1 the factor is a square root, equal to LAPACK's bit for bit)
        assert one._chol.tobytes() == np.linalg.cholesky(one.covariances).tobytes()


@pytest.mark.parametrize("d", [1, 2, 3])
def test_sorted_mixtures_of_a_batch_are_each_data_sets_own(d):
    # fit_many maps every data set's chosen run to its data's scale at once.
    from gmmem.fit import Standardiser, _sorted_mixtures
    from gmmem.gaussian import Params
    rng = np.random.default_rng(d + 10)
    S, K = 30, 3
    a = rng.normal(size=(S, K, d, d))
    p = Params(rng.dirichlet(np.ones(K), size=S), rng.normal(size=(S, K, d)),
               a @ np.swapaxes(a, -1, -2) + np.eye(d))
    p.mu[::3, 1, 0] = p.mu[::3, 2, 0]  # ties on the first coordinate
    centre, scale = rng.normal(size=(S, d)) * 50, np.exp(rng.normal(size=(S, d)))
    batch = _sorted_mixtures(p.w, p.mu, p.cov, centre, scale, "full")
    for s in range(S):
        own = Standardiser(centre[s], scale[s]).to_sorted_mixture(
            Params(p.w[s], p.mu[s], p.cov[s]), "full")
        for name in ("weights", "means", "covariances", "_chol"):
            assert getattr(batch[s], name).tobytes() == getattr(own, name).tobytes()


def _seed_forms():
    from gmm_recovery.seeds import seed_for
    return ([np.random.SeedSequence(i) for i in range(20)]
            + [seed_for(12345, "heights", "fit", 100, r) for r in range(20)]
            + [np.random.SeedSequence(2**200 + 7, spawn_key=(3, 2**40)),
               np.random.SeedSequence([1, 2, 3]), np.random.SeedSequence(0, spawn_key=(0,)),
               np.random.SeedSequence(np.array([5, 6], dtype=np.uint32)),  # (numpy's own path)
               np.random.SeedSequence(["0x1f", 3]), np.random.SeedSequence(2**32 - 1),
               np.random.SeedSequence(2**32), np.random.SeedSequence(),
               np.random.SeedSequence(9, pool_size=8)])


def test_restart_streams_made_together_are_numpys_children():
    # gmmem.streams hashes every child's SeedSequence in array arithmetic: the
    # generators must be exactly numpy's, state and draws, for every seed form.
    from gmmem.streams import restart_streams_many
    parents = _seed_forms()
    for p, gens in zip(parents, restart_streams_many(parents, 5)):
        for i, g in enumerate(gens):
            ref = np.random.default_rng(np.random.SeedSequence(p.entropy,
                                                               spawn_key=p.spawn_key + (i,)))
            assert g.bit_generator.state == ref.bit_generator.state
            assert np.array_equal(g.random(3), ref.random(3))
            assert g.integers(1000) == ref.integers(1000)
            # what else a child is asked for comes from the real SeedSequence
            seq = g.bit_generator.seed_seq
            assert np.array_equal(seq.generate_state(3), ref.bit_generator.seed_seq.generate_state(3))
            assert [c.spawn_key for c in seq.spawn(2)] == [p.spawn_key + (i, 0), p.spawn_key + (i, 1)]


def test_fit_many_gives_the_same_fits_with_streams_made_together_or_one_by_one():
    from gmmem.streams import BULK
    truth = Mixture.univariate([0.4, 0.6], [0.0, 2.5], [1.0, 1.0])
    xs = [truth.sample(80, np.random.default_rng(i))[0] for i in range(BULK + 2)]
    seeds = _seed_forms()[:len(xs) - 1] + [7]
    together = gmmem.fit_many(xs, 2, seeds=seeds, n_restarts=3)
    for x, seed, res in zip(xs, seeds, together):
        alone = fit(x, 2, seed=seed, n_restarts=3)
        assert alone.loglik == res.loglik
        assert alone.mixture.means.tobytes() == res.mixture.means.tobytes()
        assert [r.n_iter for r in alone.restarts] == [r.n_iter for r in res.restarts]


@pytest.mark.parametrize("max_iter", [3, 4, 5, 7, 10, 26])
def test_squarem_spends_its_budget_but_never_more(max_iter):
    # A SQUAREM cycle needs 3 EM maps (4 when its extrapolation is rejected): a
    # run stops unconverged only once fewer than 3 maps are left, and never
    # exceeds max_iter, whatever the batch around it.
    x = np.concatenate([np.random.default_rng(5).normal(0, 1, 300),
                        np.random.default_rng(6).normal(1, 1, 200)])
    res = fit(x, 2, n_restarts=6, seed=3, max_iter=max_iter)
    for r in res.restarts:
        assert r.n_iter <= max_iter
        if not r.converged:
            assert r.n_iter > max_iter - 3, (r.n_iter, max_iter)
    assert not all(r.converged for r in res.restarts)
