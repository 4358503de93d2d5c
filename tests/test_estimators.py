"""Regularised estimators (MAP, penalised MLE) and the spurious-maximum diagnosis."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from gmmem import Mixture, fit, standard_errors
from gmmem.estimators import log_penalty, regulariser, spurious_reason
from gmmem.gaussian import features, m_step
from gmmem.inference import mixture_from_free, free_parameters, observed_information

from conftest import PAPER_START


def _seed5():
    rng = np.random.default_rng(5)
    return np.concatenate([rng.normal(0, 1, 600), rng.normal(1, 1, 400)])


# The spurious maximum plain EM and SQUAREM reach on that data from some
# starts (a component of 19 points with SD 0.09): starting inside its basin
# reaches it on every machine, whatever path a far start would take.
SPIKE = Mixture.univariate([0.0187, 0.9813], [-1.053, 0.4296], [0.0916, 1.119])


def test_spurious_maximum_is_flagged_and_the_regularised_estimators_avoid_it():
    x = _seed5()
    mle = fit(x, 2, start=SPIKE)
    assert mle.converged and mle.spurious and not mle.degenerate
    assert "component 1 holds n·π = 18.7" in mle.spurious_reason
    assert mle.mixture.sds[0] < 0.1
    for estimator in ("map", "pmle"):
        res = fit(x, 2, start=SPIKE, estimator=estimator)
        assert res.converged and not res.spurious, (estimator, res.mixture)
        assert res.mixture.sds[0] > 2 * mle.mixture.sds[0]


def test_prefer_regular_returns_the_best_non_spurious_restart():
    x = _seed5()
    starts = fit(x, 2, n_restarts=20, seed=1)
    if not starts.restarts_disagree:
        pytest.skip("these starts all reach one kind of maximum on this machine")
    assert starts.regular is not None and not np.isnan(starts.regular_objective)
    regular = fit(x, 2, n_restarts=20, seed=1, prefer="regular")
    assert not regular.spurious
    assert regular.objective == pytest.approx(starts.regular_objective, rel=1e-12)
    np.testing.assert_allclose(regular.mixture.means, starts.regular.means, rtol=1e-12)
    assert regular.loglik <= starts.loglik + 1e-9


def test_spurious_rule_ignores_ordinary_fits(paper_x):
    assert not fit(paper_x, 2, seed=0).spurious
    small = Mixture.univariate([0.9, 0.1], [0, 3], [1, 0.7])
    x, _ = small.sample(1000, np.random.default_rng(2))
    assert not fit(x, 2, seed=0).spurious
    # and by itself: few points but not narrow, or narrow but many points
    cov = np.array([[[1.0]], [[0.01]]])
    assert spurious_reason(np.array([0.5, 0.5]), cov, 100) == ""  # 50 points each
    assert spurious_reason(np.array([0.95, 0.05]), np.array([[[1.0]], [[0.5]]]), 100) == ""
    assert "component 2" in spurious_reason(np.array([0.95, 0.05]), cov, 100)


@pytest.mark.parametrize("estimator", ["map", "pmle"])
def test_well_separated_fits_are_within_half_a_percent_of_the_mle(paper_x, estimator):
    mle = fit(paper_x, 2, start=PAPER_START)
    reg = fit(paper_x, 2, start=PAPER_START, estimator=estimator)
    assert reg.converged and reg.estimator == estimator
    for a, b in ((reg.mixture.weights, mle.mixture.weights), (reg.mixture.means, mle.mixture.means)):
        np.testing.assert_allclose(a, b, rtol=0.005)
    if estimator == "pmle":
        np.testing.assert_allclose(reg.mixture.sds, mle.mixture.sds, rtol=0.005)
    else:
        # mclust's prior carries ν + d + 2 = 6 pseudo-observations' worth of
        # variance: against ~470 points the smaller SD moves by 1.2 %, 0.18 SE.
        se = standard_errors(mle.mixture, paper_x).sds[:, 0]
        assert np.all(np.abs(reg.mixture.sds - mle.mixture.sds) < 0.25 * se)
    assert reg.loglik <= mle.loglik + 1e-9  # the MLE maximises ℓ, the others do not
    assert reg.objective == pytest.approx(reg.loglik + log_penalty(
        reg.mixture.means, reg.mixture.covariances,
        regulariser(paper_x[:, None], 2, estimator), "full"), rel=1e-12)
    assert reg.loglik == pytest.approx(reg.mixture.loglik(paper_x), rel=1e-12)


# --- each M-step against a numerical maximiser of its objective ------------

def _unpack_cov(v, K, d, covariance):
    if covariance == "diag":
        return np.exp(v.reshape(K, d))[:, :, None] * np.eye(d)
    il = np.tril_indices(d)
    blocks = v.reshape(1 if covariance == "tied" else K, il[0].size)
    L = np.zeros((blocks.shape[0], d, d))
    L[:, il[0], il[1]] = blocks
    cov = L @ np.swapaxes(L, 1, 2) + 1e-12 * np.eye(d)
    return np.broadcast_to(cov, (K, d, d))


def _q_plus_log_prior(mu, cov, z, tau, reg, covariance):
    from scipy.stats import multivariate_normal

    q = sum(tau[:, k] @ multivariate_normal(mu[k], cov[k]).logpdf(z) for k in range(len(mu)))
    return q + log_penalty(mu, np.asarray(cov), reg, covariance)


@pytest.mark.parametrize("estimator", ["map", "pmle"])
@pytest.mark.parametrize("covariance", ["full", "diag", "tied"])
def test_m_step_maximises_the_penalised_objective(estimator, covariance):
    rng = np.random.default_rng(7)
    K, d, n = 2, 2, 40
    z = rng.normal(size=(n, d)) @ np.array([[1.0, 0.4], [0.0, 0.8]])
    tau = rng.dirichlet([1, 1], size=n)
    reg = regulariser(z, K, estimator)
    p = m_step(tau.T @ features(z).T, n, covariance, 1e-9, reg)
    mine = _q_plus_log_prior(p.mu, p.cov, z, tau, reg, covariance)
    n_cov = {"full": K * 3, "diag": K * d, "tied": 3}[covariance]

    def negative(v):
        mu = v[:K * d].reshape(K, d)
        return -_q_plus_log_prior(mu, _unpack_cov(v[K * d:], K, d, covariance), z, tau, reg,
                                  covariance)

    v0 = np.concatenate([np.zeros(K * d), np.tile([1.0, 0.0, 1.0] if covariance != "diag"
                                                  else [0.0, 0.0], n_cov // (2 if covariance == "diag" else 3))])
    best = minimize(negative, v0, method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
    assert mine >= -best.fun - 1e-7, (mine, -best.fun)
    assert -best.fun >= mine - 1e-5  # scipy finds the same maximum
    np.testing.assert_allclose(best.x[:K * d].reshape(K, d), p.mu, atol=1e-4)
    np.testing.assert_allclose(_unpack_cov(best.x[K * d:], K, d, covariance), p.cov, atol=1e-4)


# --- EM on the penalised objective --------------------------------------------

@settings(max_examples=20)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["map", "pmle"]),
       st.sampled_from(["full", "diag", "tied"]), st.integers(1, 2))
def test_plain_em_never_decreases_the_penalised_objective(seed, estimator, covariance, d):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(int(rng.integers(20, 200)), d))
    x[: len(x) // 3] += rng.uniform(1, 3, d)
    res = fit(x, 2, n_restarts=1, seed=seed, accel=None, estimator=estimator,
              covariance=covariance, max_iter=300)
    steps = np.diff(res.trace)
    assert np.all(steps >= -1e-9 * (1 + np.abs(res.trace[1:])))
    assert res.objective >= res.trace[-1] - 1e-9 * abs(res.objective)


@pytest.mark.parametrize("estimator", ["map", "pmle"])
def test_squarem_and_plain_em_reach_the_same_penalised_maximum(paper_x, estimator):
    plain = fit(paper_x, 2, start=PAPER_START, estimator=estimator, accel=None)
    fast = fit(paper_x, 2, start=PAPER_START, estimator=estimator)
    assert fast.objective == pytest.approx(plain.objective, rel=1e-9)
    assert fast.n_iter < plain.n_iter


# --- standard errors of the penalised objective ----------------------------

def _numerical_information(objective, theta, h=1e-4):
    P = theta.size
    H = np.empty((P, P))
    for i in range(P):
        for j in range(P):
            e_i, e_j = np.eye(P)[i] * h, np.eye(P)[j] * h
            H[i, j] = (objective(theta + e_i + e_j) - objective(theta + e_i - e_j)
                       - objective(theta - e_i + e_j) + objective(theta - e_i - e_j)) / (4 * h * h)
    return -H


@pytest.mark.parametrize("estimator", ["mle", "map", "pmle"])
@pytest.mark.parametrize("dim", [1, 2])
def test_information_is_the_hessian_of_the_penalised_objective(estimator, dim):
    rng = np.random.default_rng(3)
    if dim == 1:
        x = np.concatenate([rng.normal(0, 1, 60), rng.normal(3, 0.7, 40)])
    else:
        x = np.concatenate([rng.normal(0, 1, (60, 2)), rng.normal(3, 0.7, (40, 2))])
    res = fit(x, 2, seed=0, estimator=estimator)
    m = res.mixture
    reg = regulariser(np.asarray(x, float).reshape(len(x), -1), 2, estimator)
    theta = free_parameters(m)  # 1-D: (η, μ, log σ²); 2-D adds the covariances

    def objective(t):
        mm = mixture_from_free(t, 2, dim)
        return mm.loglik(x) + log_penalty(mm.means, mm.covariances, reg, "full")

    numeric = _numerical_information(objective, theta)
    mine = observed_information(m, x, estimator=estimator)
    np.testing.assert_allclose(mine, numeric, rtol=2e-4, atol=2e-4 * np.abs(numeric).max())
    se = standard_errors(m, x, estimator=estimator)
    assert se.ok and np.all(np.isfinite(se.sds))


def test_bad_estimator_arguments():
    with pytest.raises(ValueError, match="estimator must be one of .* got 'ridge'"):
        fit([1.0, 2.0, 3.0, 5.0], 2, estimator="ridge")
    with pytest.raises(ValueError, match="prefer must be one of .* got 'best'"):
        fit([1.0, 2.0, 3.0, 5.0], 2, prefer="best")
    m = Mixture.univariate([0.5, 0.5], [0, 3], [1, 1])
    with pytest.raises(ValueError, match="estimator must be one of"):
        standard_errors(m, [0.0, 1.0, 3.0], estimator="bayes")


@pytest.mark.parametrize("d", [1, 2, 3])
def test_spurious_mask_agrees_with_spurious_reason(d):
    """The batched flag (what fit_many uses) equals the per-fit rule, over fits
    with small and large components, narrow and wide ones, and tied variances."""
    from gmmem.estimators import spurious_mask, spurious_reason

    rng = np.random.default_rng(d)
    B, K, n = 400, 3, 100
    w = rng.dirichlet(np.full(K, 0.3), size=B)
    a = rng.normal(size=(B, K, d, d)) * np.exp(rng.uniform(-4, 1, size=(B, K, 1, 1)))
    cov = a @ np.swapaxes(a, -1, -2) + 1e-6 * np.eye(d)
    cov[:20, 1] = cov[:20, 0]  # equal largest eigenvalues
    mask = spurious_mask(w, cov, n)
    expected = np.array([bool(spurious_reason(w[b], cov[b], n)) for b in range(B)])
    assert 10 < expected.sum() < B - 10  # both kinds are present
    np.testing.assert_array_equal(mask, expected)
