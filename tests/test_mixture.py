import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal, norm

from gmmem import Mixture


def test_univariate_fields_and_params():
    m = Mixture.univariate([0.25, 0.75], [164, 176], [3, 5])
    assert m.means.shape == (2, 1) and m.covariances.shape == (2, 1, 1)
    np.testing.assert_allclose(m.sds, [3, 5])
    assert m.n_params == 5
    assert Mixture.univariate([0.5, 0.5], [0, 1], [1, 1], covariance="tied").n_params == 4
    full = Mixture([0.5, 0.5], np.zeros((2, 3)), np.tile(np.eye(3), (2, 1, 1)))
    assert full.n_params == 1 + 6 + 12
    assert Mixture([0.5, 0.5], np.zeros((2, 3)), np.tile(np.eye(3), (2, 1, 1)), "diag").n_params == 13


def test_logpdf_matches_scipy():
    cov = np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, -0.3], [-0.3, 0.5]]])
    m = Mixture([0.3, 0.7], [[0, 0], [2, 1]], cov)
    x = np.random.default_rng(0).normal(size=(50, 2))
    ref = np.log(0.3 * multivariate_normal(m.means[0], cov[0]).pdf(x)
                 + 0.7 * multivariate_normal(m.means[1], cov[1]).pdf(x))
    np.testing.assert_allclose(m.logpdf(x), ref, rtol=1e-12)
    assert m.loglik(x) == pytest.approx(ref.sum(), rel=1e-12)


def test_logpdf_far_from_every_component_is_finite():
    m = Mixture.univariate([0.5, 0.5], [0, 1], [1, 1])
    lp = m.logpdf([60.0, -60.0, 1e6])
    assert np.all(np.isfinite(lp))
    assert lp[0] == pytest.approx(np.log(0.5) + np.logaddexp(norm.logpdf(60), norm.logpdf(59)))


def test_sample_shapes_and_labels():
    m = Mixture.univariate([0.25, 0.75], [164, 176], [3, 5])
    x, lab = m.sample(4000, np.random.default_rng(1))
    assert x.shape == (4000,) and lab.shape == (4000,)
    assert abs(np.mean(lab == 0) - 0.25) < 0.03
    assert abs(x[lab == 0].mean() - 164) < 0.5
    m2 = Mixture([0.5, 0.5], [[0, 0], [5, 5]], np.tile(np.eye(2), (2, 1, 1)))
    x2, _ = m2.sample(10, np.random.default_rng(1))
    assert x2.shape == (10, 2)


def test_sorted_is_canonical():
    m = Mixture.univariate([0.7, 0.3], [5, -1], [1, 2]).sorted()
    np.testing.assert_array_equal(m.means[:, 0], [-1, 5])
    np.testing.assert_array_equal(m.weights, [0.3, 0.7])


@pytest.mark.parametrize("kwargs, message", [
    (dict(weights=[0.5, 0.6], means=[[0], [1]], covariances=[[[1]], [[1]]]), "weights must sum to 1"),
    (dict(weights=[1.5, -0.5], means=[[0], [1]], covariances=[[[1]], [[1]]]), "weights must be positive"),
    (dict(weights=[0.5, 0.5], means=[[0], [1]], covariances=[[[1]], [[0]]]), "positive variances"),
    (dict(weights=[0.5, 0.5], means=[[0], [1]], covariances=[[[1]], [[-2]]]), "positive variances"),
    (dict(weights=[0.5, 0.5], means=[[0, 0], [1, 1]],
          covariances=[np.eye(2), [[1, 2], [2, 1]]]), "positive definite"),
    (dict(weights=[0.5, 0.5], means=[[0], [1], [2]], covariances=[[[1]], [[1]]]), "weights has shape"),
    (dict(weights=[0.5, 0.5], means=[[0], [1]], covariances=[[[1]]]), "covariances must have shape"),
    (dict(weights=[0.5, 0.5], means=[[0], [1]], covariances=[[[1]], [[1]]], covariance="spherical"),
     "covariance must be one of"),
    (dict(weights=[0.5, 0.5], means=[[0], [np.nan]], covariances=[[[1]], [[1]]]), "means must be finite"),
])
def test_invalid_mixture_names_field(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Mixture(**kwargs)


def test_univariate_rejects_bad_sds():
    with pytest.raises(ValueError, match="sds must be positive"):
        Mixture.univariate([0.5, 0.5], [0, 1], [1, 0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.05, 1.0), min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_logpdf_normalised_and_consistent(raw_w, seed):
    rng = np.random.default_rng(seed)
    K = len(raw_w)
    w = np.array(raw_w) / sum(raw_w)
    m = Mixture.univariate(w, rng.normal(0, 3, K), rng.uniform(0.5, 2, K))
    grid = np.linspace(-25, 25, 20001)
    integral = np.trapezoid(np.exp(m.logpdf(grid)), grid)
    assert integral == pytest.approx(1.0, abs=1e-6)
    assert m.sorted().loglik(grid[::100]) == pytest.approx(m.loglik(grid[::100]), rel=1e-12)


def test_log_sum_exp_and_posterior_are_the_mixtures_own_and_stay_finite():
    from scipy.special import logsumexp

    from gmmem.mixture import log_sum_exp, posterior

    m = Mixture.univariate([0.2, 0.5, 0.3], [-4.0, 0.0, 5.0], [1.0, 0.5, 2.0])
    x = np.array([-1e6, -3.0, 0.1, 2.0, 1e6])  # far points: densities underflow, logs do not
    lp = m.component_logpdf(x)
    for pairwise in (False, True):
        lse = log_sum_exp(lp, pairwise=pairwise)
        assert lse.shape == (5, 1) and np.all(np.isfinite(lse))
        np.testing.assert_allclose(lse[:, 0], logsumexp(lp, axis=1), rtol=1e-15)
        tau = posterior(lp, pairwise=pairwise)
        assert np.all(np.isfinite(tau))
        np.testing.assert_allclose(tau.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(m.logpdf(x), log_sum_exp(lp)[:, 0])


def test_sort_order_is_one_rule_for_a_mixture_a_batch_and_the_sensitivity_check():
    from gmmem import sort_permutation
    from gmmem.mixture import sort_order

    rng = np.random.default_rng(4)
    means = rng.integers(0, 3, size=(6, 4, 2)).astype(float)  # ties in the first coordinate
    batch = sort_order(means)
    for s in range(6):
        m = Mixture(np.full(4, 0.25), means[s], np.tile(np.eye(2), (4, 1, 1)))
        assert np.array_equal(batch[s], sort_order(means[s]))
        assert np.array_equal(sort_permutation(m), batch[s])
        assert np.array_equal(m.sorted().means, means[s][batch[s]])
        # first coordinate ascending, ties broken by the second
        keys = [tuple(r) for r in m.sorted().means]
        assert keys == sorted(keys)
