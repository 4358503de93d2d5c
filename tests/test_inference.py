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


# --- one BLAS thread inside the engine (issue 19, item 23) ---------------------

def _blas_threads():
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_fits_run_with_one_blas_thread_and_restore_the_callers():
    from threadpoolctl import threadpool_limits

    from gmmem import fit_many
    from gmmem.bootstrap import bootstrap

    import scipy.linalg  # noqa: F401  (the bootstrap loads scipy, which has its own BLAS)
    import scipy.optimize  # noqa: F401

    x, _ = TRUTH_1D.sample(300, np.random.default_rng(7))
    with threadpool_limits(2, "blas"):
        before = _blas_threads()
        if not before or max(before) < 2:
            pytest.skip("no BLAS library that runs more than one thread here")
        seen = []
        res = fit_many([x, x[::-1]], 2, seeds=[1, 2],
                       progress=lambda done, total: seen.append(_blas_threads()))[0]
        assert seen and all(t == [1] * len(before) for t in seen)
        assert _blas_threads() == before
        # Inside standard_errors and the bootstrap too (via the estimator's score).
        import gmmem.inference as inference

        original = inference.observed_information
        inner = []

        def spy(*args, **kwargs):
            inner.append(_blas_threads())
            return original(*args, **kwargs)

        inference.observed_information = spy
        try:
            assert standard_errors(res.mixture, x).ok
        finally:
            inference.observed_information = original
        assert inner == [[1] * len(before)]
        assert _blas_threads() == before
        bootstrap(x, res, 10, seed=3)
        assert _blas_threads() == before
        # An exception inside restores the caller's threads too.
        with pytest.raises(ValueError, match="n_components"):
            fit_many([x], 0)
        assert _blas_threads() == before
