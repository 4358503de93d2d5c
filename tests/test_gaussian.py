"""The Gaussian pieces of EM against direct computations, and the stopping rules."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from gmmem import Mixture, e_step, fit, has_converged, log_likelihood, m_step
from gmmem.gaussian import Params, features, natural_parameters
from gmm_recovery.seeds import seed_for, stable_hash

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


@pytest.mark.parametrize("d, K, n", [(1, 2, 300), (1, 3, 40_000), (2, 2, 300), (3, 3, 20_000)])
def test_e_step_from_feature_rows_is_byte_identical_to_data(d, K, n):
    # The engine hands small data sets' products to the E-step precomputed;
    # large ones, and single E-steps, form them per block: one result either way.
    from gmmem.gaussian import e_step_batch, feature_rows, natural_parameters_batch
    rng = np.random.default_rng(d * 10 + K)
    z = rng.normal(size=(3, d, n))
    a = rng.normal(size=(3, K, d, d))
    p = Params(rng.dirichlet(np.ones(K), size=3), rng.normal(size=(3, K, d)),
               a @ np.swapaxes(a, -1, -2) + np.eye(d))
    theta = natural_parameters_batch(p)
    data_of = np.array([2, 0, 1, 2])
    theta = theta[[0, 1, 2, 0]]
    s1, l1 = e_step_batch(z, theta, data_of)
    s2, l2 = e_step_batch(feature_rows(z), theta, data_of)
    assert s1.tobytes() == s2.tobytes() and l1.tobytes() == l2.tobytes()
    stats, ll = e_step(features(z[2].T), theta[0])
    assert stats.tobytes() == s1[0].tobytes() and ll == l1[0]


def test_squarem_parts_and_extrapolation_are_squarem_step():
    from gmmem.em import squarem_extrapolate, squarem_parts, squarem_rate, squarem_step
    rng = np.random.default_rng(3)
    t0, t1, t2 = rng.normal(size=(3, 6, 5))
    t2[0] = t1[0] + (t1[0] - t0[0])  # v = 0: rate +inf, α falls back to 1
    step_max = np.array([1.0, 4.0, 16.0, 16.0, 1.0, 64.0])
    proposal, alpha = squarem_step(t0, t1, t2, step_max)
    r, v, rate = squarem_parts(t0, t1, t2)
    assert np.array_equal(rate, squarem_rate(t0, t1, t2))
    proposal2, alpha2 = squarem_extrapolate(t0, r, v, rate, step_max)
    assert proposal.tobytes() == proposal2.tobytes() and alpha.tobytes() == alpha2.tobytes()
    assert alpha[0] == 1.0 and np.allclose(proposal[0], t2[0], rtol=1e-12)
    expected = np.where(np.isfinite(rate), np.clip(rate, 1.0, step_max), 1.0)
    np.testing.assert_array_equal(alpha, expected)
    np.testing.assert_allclose(proposal, t0 + 2 * expected[:, None] * (t1 - t0)
                               + expected[:, None] ** 2 * (t2 - 2 * t1 + t0), rtol=1e-12)


def test_column_scale_is_numpy_mean_and_std_bit_for_bit():
    from gmmem._validate import column_scale
    rng = np.random.default_rng(11)
    for _ in range(300):
        n, d = int(rng.integers(2, 2000)), int(rng.integers(1, 4))
        x = (rng.normal(size=(n, d)) * 10.0 ** rng.uniform(-5, 5, size=d)
             + rng.normal(size=d) * 10.0 ** rng.uniform(-3, 6))
        mean, sd = column_scale(x)
        assert mean.tobytes() == x.mean(axis=0).tobytes() and sd.tobytes() == x.std(axis=0).tobytes()
