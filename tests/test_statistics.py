"""Standard errors, intervals, Fisher information, alignment and performance measures."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_recovery.measures import mcse_coverage, performance
from gmmem import (Mixture, align_components, confidence_intervals, cramer_rao, fisher_information,
                   fit, observed_information, sort_permutation, standard_errors)
from gmm_recovery.evaluation import evaluate_fits
from gmm_recovery.replicates import fit_replicate
from gmm_recovery.design import FIT_DEFAULTS
from gmm_recovery.seeds import seed_for


# --- performance measures -------------------------------------------------

def test_performance_matches_hand_computed_values():
    est = np.array([[1.0], [2.0], [4.0], [5.0]])  # mean 3, s² = 10/3
    ses = np.array([[1.0], [2.0], [1.0], [2.0]])
    cis = np.array([[[0.0, 2.5]], [[1.0, 3.5]], [[3.5, 6.0]], [[2.0, 4.0]]])
    t = performance(est, [2.5], ses, cis).set_index("measure")
    s = np.sqrt(10 / 3)
    assert t.loc["bias", "estimate"] == pytest.approx(0.5)
    assert t.loc["bias", "mcse"] == pytest.approx(s / 2)
    assert t.loc["empse", "estimate"] == pytest.approx(s)
    assert t.loc["empse", "mcse"] == pytest.approx(s / np.sqrt(6))
    # squared errors 2.25, 0.25, 2.25, 6.25: MSE 2.75
    assert t.loc["mse", "estimate"] == pytest.approx(2.75)
    assert t.loc["mse", "mcse"] == pytest.approx(np.sqrt((0.25 + 6.25 + 0.25 + 12.25) / 12))
    assert t.loc["rmse", "estimate"] == pytest.approx(np.sqrt(2.75))
    assert t.loc["rmse", "mcse"] == pytest.approx(np.sqrt(19 / 12) / (2 * np.sqrt(2.75)))
    # V = 1, 4, 1, 4: ModSE = √2.5, Var(V) = 3
    assert t.loc["modse", "estimate"] == pytest.approx(np.sqrt(2.5))
    assert t.loc["modse", "mcse"] == pytest.approx(np.sqrt(3 / (4 * 4 * 2.5)))
    ratio = np.sqrt(2.5) / s
    assert t.loc["relerr_modse", "estimate"] == pytest.approx(100 * (ratio - 1))
    assert t.loc["relerr_modse", "mcse"] == pytest.approx(
        100 * ratio * np.sqrt(3 / (4 * 4 * 2.5**2) + 1 / 6))
    # θ = 2.5 is inside intervals 1, 2, 4 -> 3/4; θ̄ = 3 inside 2, 4 -> 1/2
    assert t.loc["coverage", "estimate"] == pytest.approx(0.75)
    assert t.loc["coverage", "mcse"] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    assert t.loc["be_coverage", "estimate"] == pytest.approx(0.5)
    assert set(t["n_sim"]) == {4}


def test_performance_equals_direct_numpy_and_skips_missing_ses():
    rng = np.random.default_rng(0)
    S = 50
    est = pd.DataFrame({"a": rng.normal(1, 2, S), "b": rng.normal(-1, 0.5, S)})
    ses = np.abs(rng.normal(1, 0.1, (S, 2)))
    ses[3, 1] = np.nan
    lo, hi = est.to_numpy() - 1.96 * ses, est.to_numpy() + 1.96 * ses
    t = performance(est, [1.2, -1.0], ses, np.stack([lo, hi], -1))
    get = lambda p, m: t[(t.parameter == p) & (t.measure == m)].iloc[0]
    x = est["a"].to_numpy()
    assert get("a", "bias")["estimate"] == pytest.approx(x.mean() - 1.2)
    assert get("a", "empse")["estimate"] == pytest.approx(x.std(ddof=1))
    assert get("a", "rmse")["estimate"] == pytest.approx(np.sqrt(np.mean((x - 1.2) ** 2)))
    assert get("a", "coverage")["estimate"] == pytest.approx(np.mean((lo[:, 0] <= 1.2) & (1.2 <= hi[:, 0])))
    ok = np.isfinite(ses[:, 1])
    assert get("b", "modse")["estimate"] == pytest.approx(np.sqrt(np.mean(ses[ok, 1] ** 2)))
    assert get("b", "modse")["n_sim"] == S - 1 and get("b", "bias")["n_sim"] == S
    assert mcse_coverage(0.95, 1900) == pytest.approx(0.005, rel=0.01)


def test_performance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="truth has 1 values but estimates have P = 2"):
        performance(np.zeros((5, 2)), [1.0])
    with pytest.raises(ValueError, match=r"ses must have shape \(5, 2\)"):
        performance(np.zeros((5, 2)), [1.0, 2.0], ses=np.zeros((5, 3)))


# --- alignment ------------------------------------------------------------

def test_align_swapped_components():
    truth = Mixture.univariate([0.3, 0.7], [0, 5], [1, 2])
    est = Mixture.univariate([0.68, 0.32], [5.1, 0.2], [2.1, 0.9])
    perm = align_components(est, truth)
    np.testing.assert_array_equal(perm, [1, 0])
    np.testing.assert_allclose(est.means[perm, 0], [0.2, 5.1])


def test_align_tied_means_by_spread():
    truth = Mixture.univariate([0.5, 0.5], [0, 0], [1, 4])
    est = Mixture.univariate([0.5, 0.5], [0.05, -0.05], [3.8, 1.1])
    np.testing.assert_array_equal(align_components(est, truth), [1, 0])


def test_align_in_two_dimensions_where_sorting_fails():
    cov = np.tile(np.eye(2), (3, 1, 1))
    truth = Mixture([0.3, 0.3, 0.4], [[0, 5], [0.1, -5], [4, 0]], cov)
    est = Mixture([0.4, 0.3, 0.3], [[4, 0], [0.15, 5.1], [0.0, -4.9]], cov)
    perm = align_components(est, truth)
    np.testing.assert_array_equal(perm, [1, 2, 0])
    # sorting by the first coordinate confuses the two components at x ≈ 0
    assert np.any(sort_permutation(est)[np.argsort(sort_permutation(truth))] != perm)


# --- standard errors, intervals, information ---------------------------------

def test_fisher_information_matches_monte_carlo_scores():
    truth = Mixture.univariate([0.25, 0.75], [164, 176], [3, 5])
    x, _ = truth.sample(200_000, np.random.default_rng(3))
    mc = observed_information(truth, x, "opg") / len(x)
    np.testing.assert_allclose(fisher_information(truth), mc, atol=0.02 * np.abs(mc).max())


def test_fisher_information_is_known_labels_information_when_far_apart():
    w, mu, sd = np.array([0.3, 0.7]), np.array([0.0, 100.0]), np.array([1.0, 2.0])
    info = fisher_information(Mixture.univariate(w, mu, sd))
    expected = np.zeros((5, 5))
    expected[0, 0] = w[0] * w[1]  # logit weight
    expected[1, 1], expected[2, 2] = w / sd**2  # means
    expected[3, 3], expected[4, 4] = w / 2  # log-variances
    np.testing.assert_allclose(info, expected, atol=1e-10)


def test_se_by_louis_and_opg_agree_with_monte_carlo_spread(paper_x):
    res = fit(paper_x, 2, seed=0)
    louis = standard_errors(res.mixture, paper_x)
    opg = standard_errors(res.mixture, paper_x, method="opg")
    cr = cramer_rao(res.mixture, len(paper_x))
    assert louis.ok and opg.ok
    for a, b in ((louis.means, cr.means), (louis.sds, cr.sds), (louis.weights, cr.weights)):
        np.testing.assert_allclose(a, b, rtol=0.15)
    np.testing.assert_allclose(opg.means, louis.means, rtol=0.2)


def test_singular_information_gives_nan_and_a_flag():
    m = Mixture.univariate([0.5, 0.5], [0.0, 0.0], [1.0, 1.0])  # unidentifiable
    se = standard_errors(m, np.random.default_rng(0).normal(size=300))
    assert not se.ok and "singular" in se.reason
    assert np.all(np.isnan(se.weights)) and np.all(np.isnan(se.means))
    ci = confidence_intervals(m, se)
    assert np.all(np.isnan(ci.means))


def test_intervals_are_built_on_transformed_scales():
    m = Mixture.univariate([0.1, 0.9], [0.0, 6.0], [0.5, 1.0])
    x, _ = m.sample(300, np.random.default_rng(1))
    res = fit(x, 2, seed=0)
    se = standard_errors(res.mixture, x)
    ci = confidence_intervals(res.mixture, se, level=0.9)
    assert np.all(ci.weights > 0) and np.all(ci.weights < 1)  # never outside (0, 1)
    assert np.all(ci.sds[..., 0] > 0)
    assert np.all(ci.means[..., 0] < res.mixture.means) and np.all(res.mixture.means < ci.means[..., 1])
    np.testing.assert_allclose(ci.means[..., 1] - res.mixture.means, 1.6448536 * se.means, rtol=1e-6)
    with pytest.raises(ValueError, match="level must be between 0 and 1, got 95"):
        confidence_intervals(res.mixture, se, level=95)


def test_full_covariance_ses_match_monte_carlo():
    truth = Mixture([0.4, 0.6], [[0, 0], [2.5, 1.5]],
                    [[[1, 0.5], [0.5, 1]], [[0.6, -0.2], [-0.2, 0.8]]])
    rng = np.random.default_rng(4)
    est, ses = [], []
    for r in range(60):
        x, _ = truth.sample(1500, rng)
        m = fit(x, 2, n_restarts=2, seed=r).mixture
        p = align_components(m, truth)
        se = standard_errors(m, x)
        assert se.ok
        est.append(m.means[p].ravel())
        ses.append(se.means[p].ravel())
    ratio = np.mean(ses, axis=0) / np.std(est, axis=0, ddof=1)
    assert np.all(np.abs(ratio - 1) < 0.3), ratio


# --- the study's statistical promises ----------------------------------------

def test_well_separated_study_is_unbiased_covers_and_reaches_the_crlb():
    truth = Mixture.univariate([0.4, 0.6], [0.0, 5.0], [1.0, 1.5])
    settings = dict(FIT_DEFAULTS, n_components=2, n_restarts=2)
    n, S = 5000, 400
    rows, diags = [], []
    for r in range(S):
        x, _ = truth.sample(n, np.random.default_rng(seed_for(11, "sep", "simulate", n, r)))
        tab, diag, _ = fit_replicate(x, settings, seed_for(11, "sep", "fit", n, r))
        rows.append(tab.assign(n=n, replicate=r))
        diags.append(diag.assign(n=n, replicate=r))
    perf = evaluate_fits(pd.concat(rows, ignore_index=True), pd.concat(diags, ignore_index=True),
                         truth)["performance"]
    get = lambda m: perf[perf.measure == m].set_index(["parameter", "component"])
    bias, cov, emp, crlb = get("bias"), get("coverage"), get("empse"), get("crlb_sd")
    assert np.all(np.abs(bias["estimate"]) < 3 * bias["mcse"]), bias
    assert np.all(np.abs(cov["estimate"] - 0.95) < 3 * cov["mcse"]), cov
    assert np.all(np.abs(emp["estimate"] / crlb["estimate"] - 1) < 0.15), emp["estimate"] / crlb["estimate"]


@pytest.mark.parametrize("call, message", [
    (lambda m, x: cramer_rao(m, 0), "n must be a positive integer, got 0"),
    (lambda m, x: m.sample(0, np.random.default_rng(0)), "n must be a positive integer, got 0"),
    (lambda m, x: standard_errors(m, x, method="huber"), "method must be one of"),
    (lambda m, x: observed_information(m, x, method="sandwich"), "method must be one of"),
    (lambda m, x: standard_errors(m, np.zeros((5, 2))), "x has d = 2 columns but the mixture has d = 1"),
    (lambda m, x: align_components(Mixture.univariate([1.0], [0], [1]), m),
     "estimate has K = 1 components but truth has K = 2"),
    (lambda m, x: fisher_information(Mixture([0.5, 0.5], [[0, 0], [1, 1]],
                                             [np.eye(2), np.eye(2)], "tied")),
     "does not cover tied covariances with d > 1"),
])
def test_bad_arguments_raise_naming_them(call, message):
    m = Mixture.univariate([0.5, 0.5], [0, 3], [1, 1])
    x, _ = m.sample(50, np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        call(m, x)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.sampled_from(["full", "diag", "tied"]),
       st.sampled_from(["tiny_n", "collinear", "ties"]))
def test_standard_errors_never_raise_on_degenerate_fits(seed, d, covariance, kind):
    # One bad replicate must never stop a study: every degenerate or singular
    # case comes back as ok=False with a reason, and NaN SEs.
    rng = np.random.default_rng(seed)
    K = int(rng.integers(2, 4))
    n = int(rng.integers(K + 1, K * (d + 1) + 3))
    x = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d)
    if kind == "collinear":
        x[:, 1] = 2.0 * x[:, 0] + 1.0
    elif kind == "ties":
        x[: n // 2] = x[0]
    try:
        res = fit(x, K, n_restarts=2, seed=seed, covariance=covariance, max_iter=300)
    except ValueError as e:  # only a constant column may be refused
        assert "constant" in str(e)
        return
    se = standard_errors(res.mixture, x)
    if se.ok:
        assert np.all(np.isfinite(se.means)) and np.all(se.sds > 0) and se.reason == ""
    else:
        assert se.reason and np.all(np.isnan(se.means)) and np.all(np.isnan(se.weights))
        ci = confidence_intervals(res.mixture, se)
        assert np.all(np.isnan(ci.means))


def test_degenerate_two_dimensional_replicates_keep_the_study_going():
    # The README's three_2d truth at n = 12: fits of 3 full 2-D components on
    # 12 points; every replicate yields a table row, with se_failed where needed.
    truth = Mixture([0.3, 0.3, 0.4], [[0, 0], [3, 0], [0, 3]],
                    [[[1, 0.3], [0.3, 1]], [[1, 0], [0, 1]], [[0.5, 0], [0, 2]]])
    settings = dict(FIT_DEFAULTS, n_components=3, n_restarts=4)
    failed = 0
    for r in range(30):
        x, _ = truth.sample(12, np.random.default_rng(r))
        rows, diag, _ = fit_replicate(x, settings, seed_for(1, "three_2d", "fit", 12, r))
        assert len(rows) == 3 * 6 and len(diag) == 1  # K = 3 components × 6 parameters
        failed += bool(diag["se_failed"].iloc[0])
    assert 0 < failed < 30
