"""The Gaussian pieces of EM against direct computations, and the stopping rules."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from gmmem import Mixture, e_step, fit, has_converged, log_likelihood, m_step
from gmmem.gaussian import Params, features, natural_parameters
from gmmem.study import seed_for, stable_hash

from conftest import PAPER_START


def _params():
    cov = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.7, -0.2], [-0.2, 1.2]]])
    return Params(np.array([0.35, 0.65]), np.array([[0.0, 0.5], [1.5, -1.0]]), cov)


def test_e_step_gives_expected_sufficient_statistics_and_loglik():
    p = _params()
    z = np.random.default_rng(0).normal(size=(300, 2))
    dens = np.column_stack([p.w[k] * multivariate_normal(p.mu[k], p.cov[k]).pdf(z)
                            for k in range(2)])
    tau = dens / dens.sum(axis=1, keepdims=True)
    stats, ll = e_step(features(z), natural_parameters(p))
    assert ll == pytest.approx(np.log(dens.sum(axis=1)).sum(), rel=1e-12)
    assert log_likelihood(features(z), natural_parameters(p)) == pytest.approx(ll, rel=1e-12)
    np.testing.assert_allclose(stats[:, 0], tau.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(stats[:, 1:3], tau.T @ z, rtol=1e-10)
    np.testing.assert_allclose(stats[:, 3], tau.T @ (z[:, 0] ** 2), rtol=1e-10)  # z1·z1
    np.testing.assert_allclose(stats[:, 4], tau.T @ (z[:, 0] * z[:, 1]), rtol=1e-10)  # z1·z2


@pytest.mark.parametrize("covariance", ["full", "diag", "tied"])
def test_m_step_is_the_weighted_mle(covariance):
    z = np.random.default_rng(1).normal(size=(400, 2))
    tau = np.random.default_rng(2).dirichlet([1, 1], size=400)
    p = m_step(tau.T @ features(z).T, 400, covariance, 1e-6)
    Nk = tau.sum(axis=0)
    np.testing.assert_allclose(p.w, Nk / 400)
    np.testing.assert_allclose(p.mu, (tau.T @ z) / Nk[:, None])
    covs = np.array([((tau[:, k, None] * (z - p.mu[k])).T @ (z - p.mu[k])) / Nk[k]
                     for k in range(2)])
    expected = {"full": covs, "diag": covs * np.eye(2),
                "tied": np.broadcast_to((covs * (Nk / 400)[:, None, None]).sum(axis=0), (2, 2, 2))}
    np.testing.assert_allclose(p.cov, expected[covariance], rtol=1e-9, atol=1e-12)


def test_relative_and_absolute_rules():
    assert has_converged([-100.0, -100.0 + 1e-12], 1e-10, "relative", 10)
    assert not has_converged([-100.0, -99.0], 1e-10, "relative", 10)
    assert has_converged([-100.0, -100.0 + 1e-10], 1e-10, "absolute", 10)
    assert not has_converged([-100.0, -100.0 + 1e-8], 1e-10, "absolute", 10)
    # Aitken: steps shrinking by 0.999 are far from the limit even when small.
    slow = list(np.cumsum(1e-9 * 0.999 ** np.arange(6)))
    assert not has_converged(slow, 1e-10, "aitken", 10)
    fast = list(np.cumsum(1e-9 * 0.01 ** np.arange(6)))
    assert has_converged(fast, 1e-10, "aitken", 10)


def test_relative_rule_fit_converges(paper_x):
    res = fit(paper_x, 2, start=PAPER_START, stopping="relative", tol=1e-12)
    ref = fit(paper_x, 2, start=PAPER_START)
    assert res.converged and res.loglik == pytest.approx(ref.loglik, abs=1e-5)


def test_seed_keys_are_stable_forever():
    # Changing these would silently change every study's results.
    assert stable_hash("heights") == 0xB51D54450C1CB027
    a = seed_for(1, "heights", "fit", 100, 3).generate_state(2)
    assert a.tolist() == [3604591319, 2942029052]
    b = seed_for(1, "heights", "fit", 100, 3).generate_state(2)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, seed_for(1, "heights", "simulate", 100, 3).generate_state(2))
    assert not np.array_equal(a, seed_for(1, "heights", "fit", 100, 4).generate_state(2))
    assert not np.array_equal(a, seed_for(1, "overlap", "fit", 100, 3).generate_state(2))
