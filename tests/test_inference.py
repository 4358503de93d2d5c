"""Standard errors and the Cramér–Rao bound: unit invariance, memory, the
off-diagonal covariances and the sandwich (issues 19 and 21)."""

import numpy as np
import pytest

from gmmem import Mixture, cramer_rao, fit, standard_errors


def scaled(m: Mixture, c: float) -> Mixture:
    """The same mixture in units multiplied by c."""
    return Mixture(m.weights, m.means * c, m.covariances * c * c, m.covariance)


TRUTH_1D = Mixture.univariate([0.3, 0.7], [0.0, 4.0], [1.0, 1.5])
TRUTH_2D = Mixture([0.4, 0.6], [[0.0, 0.0], [3.0, 1.5]],
                   [[[1.0, 0.4], [0.4, 1.0]], [[0.6, -0.2], [-0.2, 0.8]]])


@pytest.mark.parametrize("truth", [TRUTH_1D, TRUTH_2D], ids=["1d", "2d"])
@pytest.mark.parametrize("estimator", ["mle", "map", "pmle"])
@pytest.mark.parametrize("c", [1e6, 1e-6])
def test_ses_scale_exactly_with_the_data(truth, estimator, c):
    x, _ = truth.sample(400, np.random.default_rng(5))
    m = fit(x, 2, seed=1, estimator=estimator).mixture
    base = standard_errors(m, x, estimator=estimator)
    other = standard_errors(scaled(m, c), x * c, estimator=estimator)
    assert base.ok and other.ok, other.reason
    np.testing.assert_allclose(other.weights, base.weights, rtol=1e-6)
    np.testing.assert_allclose(other.means, c * base.means, rtol=1e-6)
    np.testing.assert_allclose(other.sds, c * base.sds, rtol=1e-6)
    np.testing.assert_allclose(other.se_log_vars, base.se_log_vars, rtol=1e-6)


@pytest.mark.parametrize("truth", [TRUTH_1D, TRUTH_2D], ids=["1d", "2d"])
@pytest.mark.parametrize("c", [1e6, 1e-6])
def test_crlb_scales_exactly_with_the_units(truth, c):
    base, other = cramer_rao(truth, 100), cramer_rao(scaled(truth, c), 100)
    np.testing.assert_allclose(other.weights, base.weights, rtol=1e-6)
    np.testing.assert_allclose(other.means, c * base.means, rtol=1e-6)
    np.testing.assert_allclose(other.sds, c * base.sds, rtol=1e-6)


def test_ses_of_columns_in_very_different_units():
    # One column in metres, the other in micrometres: still the same SEs per column.
    x, _ = TRUTH_2D.sample(400, np.random.default_rng(6))
    m = fit(x, 2, seed=1).mixture
    c = np.array([1.0, 1e6])
    m2 = Mixture(m.weights, m.means * c, m.covariances * np.outer(c, c), m.covariance)
    base, other = standard_errors(m, x), standard_errors(m2, x * c)
    assert other.ok, other.reason
    np.testing.assert_allclose(other.means, c * base.means, rtol=1e-6)
    np.testing.assert_allclose(other.sds, c * base.sds, rtol=1e-6)
