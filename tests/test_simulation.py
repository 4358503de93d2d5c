"""gmm_recovery.simulation: the data-generating families (standardised draws,
a scenario's moments and contamination), at ordinary and extreme shapes."""

import numpy as np
import pytest

from gmmem.mixture import Mixture
from gmm_recovery.simulation import sample_scenario, skewnormal_delta, standard_draws


def skewnormal_skewness(delta: float) -> float:
    """Azzalini (1985): γ₁ = (4 − π)/2 · (δ√(2/π))³ / (1 − 2δ²/π)^{3/2}."""
    m = delta * np.sqrt(2 / np.pi)
    return (4 - np.pi) / 2 * m**3 / (1 - m * m) ** 1.5


@pytest.mark.parametrize("alpha", [3.0, -2.0, 0.5, 1e7, 1e150, 1e300, -1e300, 1.7e308])
def test_skewnormal_delta_is_the_formula_without_overflow(alpha):
    delta = skewnormal_delta(alpha)
    # alpha / sqrt(1 + alpha^2) computed in exact-ish form: sign / sqrt(1 + 1/alpha^2).
    expected = np.sign(alpha) / np.sqrt(1.0 + 1.0 / (alpha * alpha))
    assert np.isfinite(delta) and abs(delta) <= 1
    assert delta == pytest.approx(expected, rel=1e-15)


def test_skewnormal_delta_of_ordinary_shapes_is_unchanged_bytes():
    for alpha in (3.0, 4.0, -2.0, 0.1):
        assert skewnormal_delta(alpha) == alpha / np.sqrt(1.0 + alpha * alpha)


@pytest.mark.parametrize("alpha", [1e300, -1e300, 1e200, 4.0])
def test_huge_shapes_draw_the_limiting_skew_normal(alpha):
    n = 200_000
    z = standard_draws(("skewnormal", alpha), (n, 1), np.random.default_rng(3))[:, 0]
    gamma = skewnormal_skewness(alpha / np.hypot(1.0, alpha))
    assert abs(gamma) > 0.5  # all of these are strongly skewed (|γ| = 0.995 at α = ±∞)
    kurt = np.mean(z**4)
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.var() - 1) < 4 * np.sqrt((kurt - 1) / n)
    skew = np.mean(z**3)
    # SE of the sample third moment of standardised data: √(E z⁶ − γ²)/√n.
    se = np.sqrt(np.mean(z**6) / n)
    assert abs(skew - gamma) < 5 * se
    assert abs(skew - gamma) < 0.05


def test_scenario_with_a_huge_shape_keeps_the_written_moments():
    truth = Mixture([0.5, 0.5], [[0.0], [10.0]], [[[1.0]], [[4.0]]])
    n = 200_000
    x, lab = sample_scenario(truth, n, np.random.default_rng(4),
                             [("skewnormal", 1e300), ("skewnormal", -1e300)])
    for k, sign in ((0, 1), (1, -1)):
        xk = x[lab == k]
        sd = np.sqrt(truth.covariances[k, 0, 0])
        assert abs(xk.mean() - truth.means[k, 0]) < 4 * sd / np.sqrt(xk.size)
        assert xk.var() == pytest.approx(truth.covariances[k, 0, 0], rel=0.03)
        skew = np.mean(((xk - xk.mean()) / xk.std()) ** 3)
        assert skew == pytest.approx(sign * skewnormal_skewness(1.0), abs=0.05)


@pytest.mark.parametrize("family", ["normal", ("t", 5.0), ("t", 3.0), ("skewnormal", 4.0),
                                    ("skewnormal", -2.0)])
def test_each_family_is_standardised(family):
    n = 400_000
    z = standard_draws(family, (n, 2), np.random.default_rng(1))
    mean, var = z.mean(axis=0), z.var(axis=0)
    # 4 SE of the mean is 4/√n; the variance's SE needs the fourth moment.
    kurt = np.mean(z**4, axis=0)
    assert np.all(np.abs(mean) < 4 / np.sqrt(n))
    assert np.all(np.abs(var - 1) < 4 * np.sqrt((kurt - 1) / n))
    assert abs(np.corrcoef(z.T)[0, 1]) < 4 / np.sqrt(n)


def test_scenario_draws_have_the_written_moments_and_contamination():
    truth = Mixture([0.3, 0.7], [[0.0, 1.0], [5.0, -2.0]],
                    [[[1.0, 0.5], [0.5, 2.0]], [[0.5, 0.0], [0.0, 0.25]]])
    n = 300_000
    x, lab = sample_scenario(truth, n, np.random.default_rng(2),
                             [("t", 5.0), ("skewnormal", 3.0)], {"fraction": 0.02, "sd_factor": 10})
    assert abs(np.mean(lab == 2) - 0.02) < 4 * np.sqrt(0.02 * 0.98 / n)
    assert abs(np.mean(lab == 0) - 0.3 * 0.98) < 4 * np.sqrt(0.3 * 0.7 / n)
    for k in range(2):
        xk = x[lab == k]
        se = np.sqrt(np.diag(truth.covariances[k]) / len(xk))
        assert np.all(np.abs(xk.mean(axis=0) - truth.means[k]) < 4 * se)
        assert np.allclose(np.cov(xk.T), truth.covariances[k], rtol=0.05, atol=0.02)


def test_normal_scenarios_draw_exactly_what_the_mixture_draws():
    truth = Mixture.univariate([0.4, 0.6], [0.0, 3.0], [1.0, 0.5])
    a = sample_scenario(truth, 50, np.random.default_rng(9), ["normal", "normal"], None)
    b = truth.sample(50, np.random.default_rng(9))
    assert a[0].tobytes() == b[0].tobytes() and np.array_equal(a[1], b[1])

