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


# --- one BLAS thread inside the engine -----------------------------------------

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


# --- performance measures over the same replicates ----------------------------

def test_relerr_modse_and_be_coverage_use_the_replicates_with_ses():
    from gmm_recovery.measures import performance

    rng = np.random.default_rng(8)
    S = 40
    est = rng.normal(0.0, 1.0, S)
    est[:10] += 8.0  # ten wild fits...
    se = np.abs(rng.normal(1.0, 0.1, S))
    se[:10] = np.nan  # ...whose SEs failed (as degenerate fits' do)
    lo, hi = est - 1.96 * se, est + 1.96 * se
    t = performance(est[:, None], [0.0], se[:, None], np.stack([lo, hi], -1)[:, None, :])
    t = t.set_index("measure")
    ok = np.isfinite(se)
    emp_ok = est[ok].std(ddof=1)
    modse = np.sqrt(np.mean(se[ok] ** 2))
    var_v = np.var(se[ok] ** 2, ddof=1)
    Sv = ok.sum()
    assert t.loc["empse", "estimate"] == pytest.approx(est.std(ddof=1))  # every fit
    assert t.loc["empse", "n_sim"] == S
    assert t.loc["relerr_modse", "estimate"] == pytest.approx(100 * (modse / emp_ok - 1))
    assert t.loc["relerr_modse", "mcse"] == pytest.approx(
        100 * modse / emp_ok * np.sqrt(var_v / (4 * Sv * modse**4) + 1 / (2 * (Sv - 1))))
    assert t.loc["relerr_modse", "n_sim"] == Sv
    centre = est[ok].mean()
    be = np.mean((lo[ok] <= centre) & (centre <= hi[ok]))
    assert t.loc["be_coverage", "estimate"] == pytest.approx(be)
    assert t.loc["be_coverage", "mcse"] == pytest.approx(np.sqrt(be * (1 - be) / Sv))
    assert t.loc["be_coverage", "n_sim"] == Sv
    # With the wild fits' θ̄ the interval would miss far more often: the test can fail.
    wrong = np.mean((lo[ok] <= est.mean()) & (est.mean() <= hi[ok]))
    assert abs(wrong - be) > 0.1


def test_standard_errors_memory_is_blocked():
    import tracemalloc

    from gmmem.inference import n_free

    n = 1_000_000
    x, _ = TRUTH_1D.sample(n, np.random.default_rng(9))
    standard_errors(TRUTH_1D, x[:1000])  # imports and caches outside the measurement
    tracemalloc.start()
    try:
        se = standard_errors(TRUTH_1D, x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert se.ok
    whole = n * TRUTH_1D.n_components * n_free(TRUTH_1D) * 8  # one (n, K, P) array: 80 MB
    assert peak < 0.3 * whole, (peak, whole)  # measured 19 MB (152 MB before the blocks)
    # And the blocks add up to the whole: the same SEs as one pass over the sample.
    from gmmem.inference import _BLOCK_ROWS

    small = x[: 3 * _BLOCK_ROWS + 17]
    import gmmem.inference as inference

    one = standard_errors(TRUTH_1D, small)
    saved = inference._BLOCK_ROWS
    inference._BLOCK_ROWS = 10 * small.size
    try:
        whole_pass = standard_errors(TRUTH_1D, small)
    finally:
        inference._BLOCK_ROWS = saved
    np.testing.assert_allclose(one.cov, whole_pass.cov, rtol=1e-10)


# --- the Cramér–Rao bound's off-diagonal entries ------------------------------

def test_crlb_covariances_and_off_diagonals_match_monte_carlo():
    from gmmem import align_components, fit_many
    from gmmem.inference import free_parameters

    truth = Mixture([0.4, 0.6], [[0.0, 0.0], [4.0, 2.0]],
                    [[[1.0, 0.4], [0.4, 1.0]], [[0.6, -0.2], [-0.2, 0.8]]])
    n, S = 2000, 300
    rng = np.random.default_rng(10)
    xs = [truth.sample(n, rng)[0] for _ in range(S)]
    fits = fit_many(xs, 2, start=truth)
    free, covs = [], []
    for res in fits:
        m = res.mixture
        p = align_components(m, truth)
        m = Mixture(m.weights[p], m.means[p], m.covariances[p])
        free.append(free_parameters(m))
        covs.append(m.covariances)
    free, covs = np.array(free), np.array(covs)
    cr = cramer_rao(truth, n)
    # SDs of the covariance entries, diagonal and off-diagonal: the SD of an SD
    # estimate from S draws is about 1/√(2S) = 4 %.
    np.testing.assert_allclose(covs.std(axis=0, ddof=1), cr.covariances, rtol=0.15)
    assert np.all(np.isfinite(cr.covariances))
    # The whole covariance of the free parameters, as correlations (SE ≈ 1/√S ≈ 0.06).
    mc = np.cov(free.T)
    corr = lambda c: c / np.sqrt(np.outer(np.diag(c), np.diag(c)))
    np.testing.assert_allclose(np.sqrt(np.diag(mc)), np.sqrt(np.diag(cr.cov)), rtol=0.15)
    np.testing.assert_allclose(corr(mc), corr(cr.cov), atol=0.2)
    big = np.abs(corr(cr.cov) - np.eye(len(mc))) > 0.3
    assert big.any()  # the bound has off-diagonal structure to check
    assert np.all(np.sign(corr(mc)[big]) == np.sign(corr(cr.cov)[big]))


def test_crlb_of_diagonal_covariances_has_no_off_diagonal_entries():
    truth = Mixture([0.5, 0.5], [[0.0, 0.0], [3.0, 3.0]], [np.diag([1.0, 2.0]), np.eye(2)], "diag")
    cr = cramer_rao(truth, 500)
    assert np.all(np.isnan(cr.covariances[:, 0, 1]))
    np.testing.assert_allclose(np.diagonal(cr.covariances, axis1=1, axis2=2),
                               2 * cr.sds * np.sqrt(np.diagonal(truth.covariances, axis1=1, axis2=2)))


# --- sandwich (Huber–White) SEs (White 1982) -----------------------------------

def _univariate_from_free(theta, K):
    eta = np.append(theta[:K - 1], 0.0)
    w = np.exp(eta - eta.max())
    mu = theta[K - 1:2 * K - 1]
    sd = np.exp(0.5 * theta[2 * K - 1:3 * K - 1])
    return Mixture.univariate(w / w.sum(), mu, sd)


def _free_1d(m):
    w = m.weights
    return np.concatenate([np.log(w[:-1] / w[-1]), m.means[:, 0],
                           np.log(m.covariances[:, 0, 0])])


def _numerical_sandwich(theta, from_free, x, log_prior=lambda mm: 0.0, h=1e-5):
    """A⁻¹BA⁻¹ from finite differences alone: per-point scores by central
    differences of the per-point log density, A by central differences of the
    summed scores (plus the log prior's), B = Σ s_i s_iᵀ."""
    P = theta.size

    def point_scores(t):
        cols = []
        for j in range(P):
            e = np.zeros(P)
            e[j] = h
            cols.append((from_free(t + e).logpdf(x) - from_free(t - e).logpdf(x)) / (2 * h))
        return np.stack(cols, axis=1)  # (n, P)

    def total_score(t):
        prior = np.array([(log_prior(from_free(t + h * e)) - log_prior(from_free(t - h * e)))
                          / (2 * h) for e in np.eye(P)])
        return point_scores(t).sum(axis=0) + prior

    s = point_scores(theta)
    A = -np.stack([(total_score(theta + h * e) - total_score(theta - h * e)) / (2 * h)
                   for e in np.eye(P)], axis=1)
    A = 0.5 * (A + A.T)
    inv = np.linalg.inv(A)
    return inv @ (s.T @ s) @ inv


@pytest.mark.parametrize("estimator", ["mle", "map", "pmle"])
def test_sandwich_matches_finite_differences_univariate(estimator):
    from gmmem.estimators import log_penalty, regulariser
    from gmmem.inference import sandwich_covariance

    # t(5) components: the model is wrong, so B differs from A and the sandwich matters.
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.standard_t(5, 150), 5 + 1.5 * rng.standard_t(5, 250)])
    m = fit(x, 2, seed=0, estimator=estimator).mixture
    reg = regulariser(x[:, None], 2, estimator)
    prior = lambda mm: log_penalty(mm.means, mm.covariances, reg, "full")
    V = sandwich_covariance(m, x, estimator)
    V_fd = _numerical_sandwich(_free_1d(m), lambda t: _univariate_from_free(t, 2), x, prior)
    np.testing.assert_allclose(V, V_fd, rtol=1e-4, atol=1e-7 * np.abs(V).max())
    se = standard_errors(m, x, method="sandwich", estimator=estimator)
    assert se.ok
    np.testing.assert_allclose(se.means[:, 0], np.sqrt(np.diag(V_fd)[1:3]), rtol=1e-4)
    model = standard_errors(m, x, estimator=estimator)
    assert not np.allclose(se.sds, model.sds, rtol=0.05)  # heavy tails: not the model SE


def test_sandwich_matches_finite_differences_full_covariances():
    from gmmem.inference import mixture_from_free, free_parameters, sandwich_covariance

    x, _ = TRUTH_2D.sample(300, np.random.default_rng(12))
    x = x + 0.3 * np.random.default_rng(13).standard_t(4, x.shape)  # not Gaussian components
    m = fit(x, 2, seed=0).mixture
    V = sandwich_covariance(m, x)
    V_fd = _numerical_sandwich(free_parameters(m), lambda t: mixture_from_free(t, 2, 2), x)
    np.testing.assert_allclose(V, V_fd, rtol=1e-4, atol=1e-6 * np.abs(V).max())


@pytest.mark.parametrize("truth", [TRUTH_1D, TRUTH_2D], ids=["1d", "2d"])
def test_sandwich_is_the_model_se_when_the_model_holds(truth):
    x, _ = truth.sample(20_000, np.random.default_rng(14))
    m = fit(x, 2, seed=0).mixture
    model, sand = standard_errors(m, x), standard_errors(m, x, method="sandwich")
    assert model.ok and sand.ok
    for a, b in ((sand.weights, model.weights), (sand.means, model.means), (sand.sds, model.sds)):
        np.testing.assert_allclose(a, b, rtol=0.05)


def test_sandwich_of_a_degenerate_fit_is_flagged_not_raised():
    from gmmem.inference import sandwich_covariance

    m = Mixture.univariate([0.5, 0.5], [0.0, 0.0], [1.0, 1.0])  # unidentifiable
    x = np.random.default_rng(0).normal(size=300)
    se = standard_errors(m, x, method="sandwich")
    assert not se.ok and "singular" in se.reason and np.all(np.isnan(se.means))
    with pytest.raises(ValueError, match="no sandwich covariance: singular"):
        sandwich_covariance(m, x)
    with pytest.raises(ValueError, match="estimator must be one of"):
        sandwich_covariance(m, x, estimator="bayes")


def test_a_study_with_sandwich_intervals_measures_them():
    import pandas as pd

    from gmm_recovery.evaluation import evaluate_study
    from gmm_recovery.replicates import fit_replicate
    from gmm_recovery.design import FIT_DEFAULTS
    from gmm_recovery.seeds import seed_for

    settings = dict(FIT_DEFAULTS, n_components=2, n_restarts=2, intervals=("wald", "sandwich"))
    plain = dict(FIT_DEFAULTS, n_components=2, n_restarts=2)
    rows, diags = [], []
    for r in range(8):
        x, _ = TRUTH_1D.sample(200, np.random.default_rng(seed_for(3, "sw", "simulate", 200, r)))
        for name, s in (("sw", settings), ("plain", plain)):
            tab, diag, _ = fit_replicate(x, s, seed_for(3, "sw", "fit", 200, r))
            rows.append(tab.assign(n=200, replicate=r, method=name))
            diags.append(diag.assign(n=200, replicate=r, method=name))
            if name == "sw":
                se = standard_errors(fit(x, 2, n_restarts=2,
                                         seed=seed_for(3, "sw", "fit", 200, r)).mixture, x,
                                     method="sandwich")
                # The fit of fit_replicate is fit()'s: its sandwich SEs, row for row.
                mean, sd = tab[tab["parameter"] == "mean"], tab[tab["parameter"] == "sd"]
                np.testing.assert_allclose(mean["se_sw"], se.means[:, 0], rtol=1e-12)
                np.testing.assert_allclose(sd["se_sw"], se.sds[:, 0], rtol=1e-12)
                assert np.all(mean["lo_sw"] < mean["estimate"])
                assert np.all(mean["estimate"] < mean["hi_sw"])
                assert not diag["se_sw_failed"].any()
    fits = pd.concat(rows, ignore_index=True)
    out = evaluate_study(fits, pd.concat(diags, ignore_index=True), TRUTH_1D,
                         {"sw": settings, "plain": plain})
    perf = out["performance"]
    mine = set(perf.loc[perf["method"] == "sw", "measure"])
    assert {"coverage_sw", "width_sw", "modse_sw", "relerr_modse_sw"} <= mine
    assert not {"coverage_sw", "modse_sw"} & set(perf.loc[perf["method"] == "plain", "measure"])
    get = lambda m: perf[(perf.method == "sw") & (perf.measure == m) & (perf.parameter == "mean")
                         & (perf.component == 1)].iloc[0]
    aligned = out["aligned"]
    cell = aligned[(aligned.method == "sw") & (aligned.parameter == "mean")
                   & (aligned.component == 1)]
    assert get("modse_sw")["estimate"] == pytest.approx(np.sqrt(np.mean(cell["se_sw"] ** 2)))
    covered = np.mean((cell["lo_sw"] <= cell["truth"]) & (cell["truth"] <= cell["hi_sw"]))
    assert get("coverage_sw")["estimate"] == pytest.approx(covered)


@pytest.mark.workflow
def test_sandwich_intervals_reach_the_workflows_performance_table(tmp_path):
    import pandas as pd
    from workflow_helpers import make_workdir, snakemake

    config = {
        "seed": 3, "sample_sizes": [80], "replicates": 4, "chunk_size": 4,
        "fit": {"n_restarts": 2},
        "methods": {"robust": {"intervals": ["wald", "sandwich"]}, "model": {}},
        "scenarios": {
            "heavy": {"weights": [0.4, 0.6], "means": [0.0, 5.0], "sds": [1.0, 1.5],
                      "family": [{"t": {"df": 5}}, "normal"]}},
    }
    work = make_workdir(tmp_path, config)
    snakemake(work, "--cores", "1")
    res = work / "results" / "heavy"
    fits = pd.read_csv(res / "fits/robust/n80/chunk0.fits.csv")
    assert {"se_sw", "lo_sw", "hi_sw"} <= set(fits.columns)
    assert "se_sw_failed" in pd.read_csv(res / "fits/robust/n80/chunk0.diagnostics.csv")
    assert fits.loc[fits["parameter"] == "mean", "se_sw"].notna().all()
    assert "se_sw" not in pd.read_csv(res / "fits/model/n80/chunk0.fits.csv").columns
    perf = pd.read_csv(res / "performance.csv")
    robust = perf[perf["method"] == "robust"]
    assert {"coverage_sw", "width_sw", "modse_sw", "relerr_modse_sw"} <= set(robust["measure"])
    assert robust.loc[robust["measure"] == "modse_sw", "estimate"].notna().all()
    assert not {"coverage_sw", "modse_sw"} & set(perf.loc[perf["method"] == "model", "measure"])


@pytest.mark.parametrize("truth", [TRUTH_1D, TRUTH_2D], ids=["1d", "2d"])
def test_several_methods_at_once_equal_each_alone(truth):
    from gmmem.inference import standard_errors_by_methods

    x, _ = truth.sample(300, np.random.default_rng(15))
    m = fit(x, 2, seed=0, estimator="map").mixture
    methods = ("sandwich", "louis", "opg")
    together = standard_errors_by_methods(m, x, methods, "map")
    for method, se in zip(methods, together):
        alone = standard_errors(m, x, method=method, estimator="map")
        assert se.ok and alone.ok
        np.testing.assert_array_equal(se.cov, alone.cov)
    bad = Mixture.univariate([0.5, 0.5], [0.0, 0.0], [1.0, 1.0])
    flagged = standard_errors_by_methods(bad, np.random.default_rng(0).normal(size=200))
    assert [s.ok for s in flagged] == [False, False] and all("singular" in s.reason for s in flagged)
    with pytest.raises(ValueError, match="method must be one of"):
        standard_errors_by_methods(m, x, ("louis", "huber"))
