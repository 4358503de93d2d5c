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


def test_default_stopping_reaches_the_maximum_from_paper_start(paper_x):
    exhaust = fit(paper_x, 2, start=PAPER_START, accel=None, stopping="absolute",
                  tol=1e-300, max_iter=100_000)
    for accel in ("squarem", None):
        res = fit(paper_x, 2, start=PAPER_START, accel=accel)
        assert res.converged
        assert res.loglik == pytest.approx(exhaust.loglik, abs=1e-6)


def test_squarem_reaches_plain_em_maximum_in_fewer_maps():
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 600), rng.normal(1, 1, 400)])
    start = Mixture.univariate([0.5, 0.5], [-0.5, 1.5], [1, 1])
    plain = fit(x, 2, start=start, accel=None, max_iter=200_000)
    fast = fit(x, 2, start=start, accel="squarem")
    assert plain.converged and fast.converged
    assert fast.loglik == pytest.approx(plain.loglik, rel=1e-8)
    assert fast.loglik >= plain.loglik - 1e-8 * abs(plain.loglik)
    assert fast.n_iter * 5 < plain.n_iter


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
    res = fit(x, 2, n_restarts=2, seed=seed)
    assert np.all(np.diff(res.trace) >= -1e-9 * (1 + np.abs(res.trace[1:])))
    assert res.loglik >= res.trace[-1] - 1e-9 * abs(res.loglik)


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
    assert len({r.n_iter for r in a.restarts}) > 1  # different starts, not one stream reused
    c = fit(paper_x, 2, seed=43, init="random")
    assert [r.n_iter for r in c.restarts] != [r.n_iter for r in a.restarts]
    ss = np.random.SeedSequence(42)
    d = fit(paper_x, 2, seed=ss, init="random")
    assert d.loglik == a.loglik and ss.n_children_spawned == 0


def test_best_restart_wins_and_n_best_counts(paper_x):
    res = fit(paper_x, 2, n_restarts=6, seed=7)
    assert len(res.restarts) == 6
    assert res.loglik == pytest.approx(max(r.loglik for r in res.restarts), rel=1e-12)
    assert 1 <= res.n_best <= 6


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
    truth = Mixture.univariate([0.6, 0.4], [0.0, 1.5], [1.0, 1.0])
    x, _ = truth.sample(2500, np.random.default_rng(0))
    start = fit(x, 2, n_restarts=1, seed=0, max_iter=3).mixture
    exhaust = fit(x, 2, start=start, accel="squarem", stopping="absolute", tol=1e-300,
                  max_iter=100_000)
    budget = 1e-10 * len(x)
    for accel in ("squarem", None):
        res = fit(x, 2, start=start, accel=accel, max_iter=100_000)
        assert res.converged
        assert 0 <= exhaust.loglik - res.loglik < 3 * budget, accel
