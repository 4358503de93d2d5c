"""Pseudo-true parameters of misspecified truths: quadrature, population EM,
local maxima, and the large-sample check."""

import numpy as np
import pytest
from scipy import integrate, stats

from gmm_recovery import pseudo_true as pt
from gmmem.fit import fit
from gmmem.inference import standard_errors
from gmmem.mixture import Mixture
from gmm_recovery.simulation import mixture_moments, sample_scenario

HEIGHTS = Mixture.univariate([0.25, 0.75], [164, 176], [3, 5])
T5 = (("t", 5.0), ("t", 5.0))


@pytest.fixture(scope="module")
def heights_t5():
    """The heights_t5 truth's maxima from 40 starts (and the generating start)."""
    method, maxima = pt.scenario_maxima(HEIGHTS, T5, None, seed=np.random.SeedSequence(11))
    assert method == "quadrature"
    return maxima


def _free(m: Mixture):
    return pt._to_free(m.weights, m.means[:, 0], m.sds**2)


def _true_density(truth, families, contamination):
    """g(x) written out with scipy.stats, independently of truth_quadrature."""
    def g(x):
        frac = contamination["fraction"] if contamination else 0.0
        out = 0.0
        for w, mu, sd, f in zip(truth.weights, truth.means[:, 0], truth.sds, families):
            if f == "normal":
                out += w * (1 - frac) * stats.norm.pdf(x, mu, sd)
            elif f[0] == "t":
                df = f[1]
                out += w * (1 - frac) * stats.t.pdf(x, df, mu, sd * np.sqrt((df - 2) / df))
            else:
                a = f[1]
                delta = a / np.sqrt(1 + a * a)
                m, v = delta * np.sqrt(2 / np.pi), np.sqrt(1 - 2 * delta**2 / np.pi)
                out += w * (1 - frac) * stats.skewnorm.pdf(x, a, mu - sd * m / v, sd / v)
        if frac:
            mean, cov = mixture_moments(truth)
            out += frac * stats.norm.pdf(x, mean[0], np.sqrt(cov[0, 0]) * contamination["sd_factor"])
        return out
    return g


CASES = [(T5, None), ((("skewnormal", 4.0), ("skewnormal", -2.0)), None),
         (("normal", ("t", 3.5)), None), (("normal", "normal"), {"fraction": 0.05, "sd_factor": 10})]


@pytest.mark.parametrize("families, contamination", CASES)
def test_quadrature_reproduces_the_truths_moments_and_an_independent_integral(families,
                                                                              contamination):
    x, wt = pt.truth_quadrature(HEIGHTS, families, contamination)
    frac = contamination["fraction"] if contamination else 0.0
    mean, cov = mixture_moments(HEIGHTS)
    # Each family has the written mean and SD, so the moments are the mixture's
    # (the contamination shares the mean and widens the variance).
    var = cov[0, 0] * (1 - frac + frac * (contamination or {"sd_factor": 0})["sd_factor"] ** 2)
    assert wt.sum() == pytest.approx(1, abs=1e-12)
    assert wt @ x == pytest.approx(mean[0], rel=1e-12)
    assert wt @ (x - mean[0]) ** 2 == pytest.approx(var, rel=1e-9)
    # E_g log f at a mixture away from the truth, against adaptive quadrature of g·log f.
    f = Mixture.univariate([0.4, 0.6], [165, 178], [4, 6])
    g = _true_density(HEIGHTS, families, contamination)
    ref = sum(integrate.quad(lambda t: g(t) * f.logpdf(np.array([t]))[0], a, b, limit=200,
                             epsabs=1e-13)[0]
              for a, b in ((-np.inf, 140), (140, 200), (200, np.inf)))
    assert pt.population_objective(f, x, wt) == pytest.approx(ref, abs=1e-9)


def test_analytic_gradient_equals_finite_differences_of_the_objective():
    x, wt = pt.truth_quadrature(HEIGHTS, T5)
    theta = _free(Mixture.univariate([0.3, 0.7], [163, 177], [3.5, 4.5]))
    fd = np.array([(pt.objective_free(theta + e, x, wt) - pt.objective_free(theta - e, x, wt))
                   / 2e-6 for e in 1e-6 * np.eye(theta.size)])
    assert np.allclose(pt.gradient_free(theta, x, wt), fd, atol=1e-8)


def _fd_hessian(theta, x, wt):
    """Central differences of the analytic gradient (the Hessian the code used before)."""
    P = theta.size
    H = np.empty((P, P))
    for j in range(P):
        h = 1e-5 * max(1.0, abs(theta[j]))
        e = np.zeros(P)
        e[j] = h
        H[:, j] = (pt.gradient_free(theta + e, x, wt) - pt.gradient_free(theta - e, x, wt)) / (2 * h)
    return 0.5 * (H + H.T)


@pytest.mark.parametrize("mixture", [
    Mixture.univariate([0.3, 0.7], [163, 177], [3.5, 4.5]),
    Mixture.univariate([0.2, 0.5, 0.3], [160, 170, 181], [3, 4, 5]),
    Mixture.univariate([1.0], [171], [6.0])], ids=["K2", "K3", "K1"])
@pytest.mark.parametrize("families", [T5, (("t", 2.5), "normal")], ids=["t5", "t2.5"])
def test_analytic_hessian_equals_finite_differences_of_the_gradient(mixture, families):
    # t(2.5) has no fourth moment: Σ τ s sᵀ and GGᵀ apart would each diverge
    # with the grid's reach (the gradient, differenced here, has no such terms).
    x, wt = pt.truth_quadrature(HEIGHTS, families)
    theta = _free(mixture)
    g, H = pt.derivatives_free(theta, x, wt)
    assert np.array_equal(H, H.T)
    assert np.allclose(g, pt.gradient_free(theta, x, wt), rtol=0, atol=1e-15)
    # The differences' error is O(h²) ~ 1e-9 here; the Hessian's entries are O(0.1).
    assert np.abs(H - _fd_hessian(theta, x, wt)).max() < 1e-7


def test_written_out_log_densities_equal_scipys():
    u = np.sinh(np.arange(-1200, 1201) / 64)
    for family in ["normal", ("t", 2.5), ("t", 5.0), ("t", 37.0), ("t", 1e3),
                   ("skewnormal", 4.0), ("skewnormal", -2.0)]:
        if family == "normal":
            ref = stats.norm.logpdf(u)
        elif family[0] == "t":
            df = family[1]
            c = np.sqrt((df - 2) / df)
            ref = stats.t.logpdf(u / c, df) - np.log(c)
        else:
            a = family[1]
            delta = a / np.sqrt(1 + a * a)
            m, v = delta * np.sqrt(2 / np.pi), np.sqrt(1 - 2 * delta**2 / np.pi)
            ref = stats.skewnorm.logpdf(m + v * u, a) + np.log(v)
        ours = pt._standard_logpdf(family, u)
        ok = np.isfinite(ref)
        assert np.array_equal(np.isfinite(ours), ok)
        # scipy's own t normaliser (log poch) is off by up to ~5e-13 at large df.
        assert np.abs(ours[ok] - ref[ok]).max() <= 1e-12 * max(1.0, np.abs(ref[ok]).max())


@pytest.mark.parametrize("df", [3, 4, 6, 10, 30, 61, 200, 5000, 100_000])
def test_t_normaliser_is_exact_to_a_few_ulp(df):
    # log Γ(a + ½) − log Γ(a), a = ν/2, against the exact ratio in 50 digits:
    # Γ(a + ½)/Γ(a) = (2a)! √π / (4^a a! (a−1)!) for even ν (a an integer),
    # (n−1)!² 4^(n−1) / ((2n−2)! √π) with n = a + ½ for odd ν.
    from decimal import Decimal, getcontext
    from math import factorial

    getcontext().prec = 50
    pi = Decimal("3.14159265358979323846264338327950288")
    if df % 2 == 0:
        a = df // 2
        ratio = (Decimal(factorial(2 * a)) * pi.sqrt()
                 / (Decimal(4) ** a * factorial(a) * factorial(a - 1)))
    else:
        n = (df + 1) // 2
        ratio = (Decimal(factorial(n - 1)) ** 2 * Decimal(4) ** (n - 1)
                 / (Decimal(factorial(2 * n - 2)) * pi.sqrt()))
    exact = float(ratio.ln())
    assert pt._log_poch_half(df / 2) == pytest.approx(exact, rel=2e-15, abs=0)


def _starts(n):
    """n starts of heights_t5 as the scenario makes them (k-means++ and random
    partitions of a sample of the truth), the generating parameters first."""
    z, _ = sample_scenario(HEIGHTS, 20_000, np.random.default_rng(np.random.SeedSequence(21)), T5)
    pi, mu, var = pt.starts_from_sample(z, 2, n // 2, n - n // 2 - 1, np.random.SeedSequence(22))
    return (np.vstack([HEIGHTS.weights, pi]), np.vstack([HEIGHTS.means[:, 0], mu]),
            np.vstack([HEIGHTS.sds**2, var]))


def _em_alone(x, wt, pi, mu, var, tol=1e-11, max_iter=5000):
    """Population EM of one start written plainly, from the Mixture's own
    log density: the reference for the batched, streamlined population_em."""
    floor = 1e-12 * float(wt @ (x - wt @ x / wt.sum()) ** 2)
    prev = -np.inf
    for _ in range(max_iter):
        lp = np.stack([np.log(p) + stats.norm.logpdf(x, m, np.sqrt(v))
                       for p, m, v in zip(pi, mu, var)])
        lse = np.logaddexp.reduce(lp, axis=0)
        obj = float(lse @ wt)
        if obj - prev < tol:
            break
        prev = obj
        tau = np.exp(lp - lse) * wt
        N = tau.sum(axis=1)
        mu = tau @ x / N
        var = np.maximum((tau * (x - mu[:, None]) ** 2).sum(axis=1) / N, floor)
        pi = N / N.sum()
    return pi, mu, var, obj


def test_batched_population_em_equals_each_start_run_alone():
    x, wt = pt.truth_quadrature(HEIGHTS, T5, step=1 / 16)
    pi, mu, var = _starts(6)
    batch = pt.population_em(x, wt, pi, mu, var)
    for s in range(pi.shape[0]):
        alone = _em_alone(x, wt, pi[s], mu[s], var[s])
        assert batch[3][s] == pytest.approx(alone[3], abs=1e-12)
        for a, b in zip(batch[:3], alone[:3]):
            # The same path and the same stopping step: only the rounding differs
            # (~1e-14; one EM step more or less would move them by ~1e-6).
            assert np.allclose(a[s], b, rtol=1e-11, atol=0)
    # Each item stopped where a step gained less than the tolerance: a fixed point.
    again = pt.population_em(x, wt, *batch[:3], max_iter=2)
    assert np.all(np.abs(again[3] - batch[3]) < 1e-11)


def test_em_on_the_coarse_grid_first_finds_the_same_maxima_from_the_same_starts():
    x, wt = pt.truth_quadrature(HEIGHTS, T5)
    coarse = pt.truth_quadrature(HEIGHTS, T5, step=4 / 64)
    starts = _starts(8)
    fine = pt.quadrature_maxima(x, wt, *starts)
    both = pt.quadrature_maxima(x, wt, *starts, coarse=coarse)
    assert [m.n_starts for m in both] == [m.n_starts for m in fine]
    for a, b in zip(fine, both):
        for p, q in ((a.mixture.weights, b.mixture.weights), (a.mixture.means, b.mixture.means),
                     (a.mixture.sds, b.mixture.sds)):
            assert np.allclose(p, q, rtol=1e-12, atol=0)
        assert b.objective == pytest.approx(a.objective, abs=1e-14)
        assert b.grad_max < pt.STATIONARY and b.hessian_max_eig < 0


def test_the_table_written_without_pandas_is_the_one_pandas_writes(heights_t5, tmp_path):
    from _workflow import save_columns, save_csv

    save_columns(pt.maximum_columns("quadrature", heights_t5), tmp_path / "a.csv")
    save_csv(pt.maximum_rows("quadrature", heights_t5), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_maximum_reached_under_swapped_labels_is_listed_once():
    # A scale mixture: equal means, so sorting by mean alone leaves the
    # components' order to rounding; the generating start and its label swap
    # reach one maximum, not two.
    truth = Mixture.univariate([0.5, 0.5], [0.0, 0.0], [1.0, 3.0])
    x, wt = pt.truth_quadrature(truth, T5)
    pi, mu, var = truth.weights, truth.means[:, 0], truth.sds**2
    found = pt.quadrature_maxima(x, wt, np.stack([pi, pi[::-1]]), np.stack([mu, mu[::-1]]),
                                 np.stack([var, var[::-1]]))
    assert len(found) == 1 and found[0].n_starts == 2
    best = found[0].mixture
    assert best.sds[0] < best.sds[1]  # equal means: the narrower component first
    assert np.abs(best.means).max() < 1e-9


def test_same_maximum_is_up_to_labels_only():
    rows = np.array([[np.log(0.3), -1.0, 0.0], [np.log(0.7), 1.0, 0.5]])
    assert pt._same_maximum(rows, rows[::-1])
    assert pt._same_maximum(rows, rows + 0.5 * pt.DISTINCT)
    assert not pt._same_maximum(rows, rows + [[0, 2 * pt.DISTINCT, 0], [0, 0, 0]])
    swapped_weights = rows.copy()
    swapped_weights[:, 0] = swapped_weights[::-1, 0]
    assert not pt._same_maximum(rows, swapped_weights)


def test_a_gaussian_truth_is_its_own_pseudo_true_value():
    x, wt = pt.truth_quadrature(HEIGHTS)
    found = pt.quadrature_maxima(x, wt, HEIGHTS.weights[None], HEIGHTS.means[:, 0][None],
                                 (HEIGHTS.sds**2)[None])
    best = found[0].mixture
    assert np.allclose(best.weights, HEIGHTS.weights, atol=1e-9)
    assert np.allclose(best.means, HEIGHTS.means, atol=1e-8)
    assert np.allclose(best.sds, HEIGHTS.sds, atol=1e-8)


@pytest.mark.parametrize("family", [("t", 5.0), ("t", 2.5), ("skewnormal", 3.0)])
def test_one_component_pseudo_true_value_matches_the_moments(family):
    # For K = 1 the KL projection onto the Gaussians matches mean and variance,
    # and every family here has the written ones.
    truth = Mixture.univariate([1.0], [2.0], [1.5])
    x, wt = pt.truth_quadrature(truth, (family,))
    best = pt.quadrature_maxima(x, wt, [[1.0]], [[0.0]], [[1.0]])[0].mixture
    assert best.means[0, 0] == pytest.approx(2.0, abs=1e-9)
    assert best.sds[0] == pytest.approx(1.5, abs=1e-9)


def test_heights_t5_has_two_maxima_both_stationary_and_concave(heights_t5):
    x, wt = pt.truth_quadrature(HEIGHTS, T5)
    assert len(heights_t5) >= 2
    first, second = heights_t5[0][0], heights_t5[1][0]
    assert first.objective > second.objective
    # The two differ: one has the small narrow component on the left, the other
    # a narrow component on the right of a wide one.
    assert first.mixture.weights[0] < 0.5 < second.mixture.weights[0]
    assert first.mixture.sds[0] < first.mixture.sds[1] and second.mixture.sds[0] > second.mixture.sds[1]
    for mx, _ in heights_t5[:2]:
        theta = _free(mx.mixture)
        # Stationary by finite differences of the objective itself (not the analytic gradient).
        fd = np.array([(pt.objective_free(theta + e, x, wt) - pt.objective_free(theta - e, x, wt))
                       / 2e-5 for e in 1e-5 * np.eye(theta.size)])
        assert np.abs(fd).max() < 1e-8
        # A maximum: no direction increases the objective.
        for e in np.vstack([np.eye(theta.size), -np.eye(theta.size)]) * 1e-3:
            assert pt.objective_free(theta + e, x, wt) < mx.objective
        assert mx.hessian_max_eig < 0 and mx.grad_max < pt.STATIONARY


def test_heights_t5_pseudo_true_value_is_stable_under_a_finer_wider_grid(heights_t5):
    for mx, precision in heights_t5[:2]:
        assert precision.shape == (6,) and precision.max() < 1e-9
    # A coarser grid (4x the step) moves the answer by no more than rounding as well.
    assert pt.quadrature_precision(HEIGHTS, T5, None, heights_t5[0][0].mixture,
                                   step=1 / 16).max() < 1e-9


SKEW = (("skewnormal", 5.0), ("skewnormal", -3.0))


@pytest.mark.parametrize("families", [T5, SKEW], ids=["t5", "skewnormal"])
def test_pseudo_true_value_is_stationary_by_adaptive_quadrature(families):
    # The first-order conditions ∫ g ∂log f/∂θ = 0 with scipy's adaptive
    # integrator and scipy's own densities: independent of the sinh grid.
    x, wt = pt.truth_quadrature(HEIGHTS, families)
    best = pt.quadrature_maxima(x, wt, HEIGHTS.weights[None], HEIGHTS.means[:, 0][None],
                                (HEIGHTS.sds**2)[None])[0].mixture
    g = _true_density(HEIGHTS, families, None)
    theta = _free(best)

    def score(t):
        return pt.gradient_free(theta, np.array([t]), np.array([1.0]))

    for j in range(theta.size):
        val = sum(integrate.quad(lambda t: g(t) * score(t)[j], a, b, limit=400, epsabs=1e-12)[0]
                  for a, b in ((-np.inf, 140), (140, 200), (200, np.inf)))
        assert abs(val) < 1e-8


def test_skewnormal_pseudo_true_agrees_with_a_large_sample_fit():
    x, wt = pt.truth_quadrature(HEIGHTS, SKEW)
    best = pt.quadrature_maxima(x, wt, HEIGHTS.weights[None], HEIGHTS.means[:, 0][None],
                                (HEIGHTS.sds**2)[None])[0].mixture
    z, _ = sample_scenario(HEIGHTS, 100_000, np.random.default_rng(np.random.SeedSequence(8)),
                           SKEW)
    sample = fit(z, 2, n_restarts=2, seed=np.random.SeedSequence(9))
    se = pt.sandwich_ses(sample.mixture, z)
    est = np.stack([sample.mixture.weights, sample.mixture.means[:, 0], sample.mixture.sds], 1)
    ref = np.stack([best.weights, best.means[:, 0], best.sds], 1)
    assert np.all(np.abs(est - ref).ravel() < 4 * se)
    # Skewed components move the pseudo-true means away from the generating ones
    # by far more than the sample's error.
    assert np.abs(best.means[:, 0] - HEIGHTS.means[:, 0]).max() > 10 * se[[1, 4]].max()


def test_heights_t5_pseudo_true_agrees_with_a_large_sample_fit(heights_t5):
    # n = 2·10^5 here to keep the test fast (2·10^6 agrees within 0.9 SE; see
    # the commit log): within 4 sandwich SEs of the sample's MLE.
    x, _ = sample_scenario(HEIGHTS, 200_000, np.random.default_rng(np.random.SeedSequence(5)), T5)
    sample = fit(x, 2, n_restarts=4, seed=np.random.SeedSequence(6))
    se = pt.sandwich_ses(sample.mixture, x)
    best = heights_t5[0][0].mixture
    est = np.stack([sample.mixture.weights, sample.mixture.means[:, 0], sample.mixture.sds], 1)
    ref = np.stack([best.weights, best.means[:, 0], best.sds], 1)
    assert np.all(np.abs(est - ref).ravel() < 4 * se)
    # Misspecified: t(5) tails make the SDs' sandwich SEs larger than the
    # model's (the issue measured 1.8-3.2x at n = 10^6).
    model = standard_errors(sample.mixture, x)
    assert np.all(se[[2, 5]] > 1.3 * model.sds[:, 0])


def test_sandwich_equals_model_ses_when_the_model_holds():
    truth = Mixture([0.4, 0.6], [[0, 0], [3, 1]], [[[1, 0.3], [0.3, 1]], [[1.5, 0], [0, 0.5]]])
    x, _ = truth.sample(40_000, np.random.default_rng(np.random.SeedSequence(3)))
    res = fit(x, 2, n_restarts=2, seed=4)
    se = pt.sandwich_ses(res.mixture, x, block=15_000)
    model = standard_errors(res.mixture, x)
    ref = np.concatenate([[model.weights[k], *model.means[k], *model.sds[k]] for k in range(2)])
    names = 1 + 2 + 2 + 1  # weight, 2 means, 2 sds, 1 covariance per component
    ours = se.reshape(2, names)[:, :5].ravel()
    assert np.allclose(ours, ref, rtol=0.1)


@pytest.mark.parametrize("covariance, per_component", [("full", 6), ("diag", 5)])
def test_two_dimensional_truth_uses_one_large_sample(covariance, per_component):
    truth = Mixture([0.5, 0.5], [[0, 0], [4, 0]], [np.eye(2), np.eye(2)])
    method, maxima = pt.scenario_maxima(truth, (("t", 6.0), ("t", 6.0)), None,
                                        seed=np.random.SeedSequence(9), sample_n=20_000,
                                        n_starts=2, covariance=covariance)
    assert method == "sample"
    best, se = maxima[0]
    assert best.mixture.covariance == covariance
    assert se.shape == (2 * per_component,) and np.all(se > 0)
    assert np.allclose(best.mixture.means, truth.means, atol=8 * se.max())
    table = pt.maximum_rows(method, maxima)
    back = pt.mixtures_from_rows(table)[0]
    assert np.allclose(back.covariances, best.mixture.covariances)


def test_rows_round_trip_and_name_the_parameters(heights_t5):
    table = pt.maximum_rows("quadrature", heights_t5)
    first = table[table["maximum"] == 1]
    assert list(first["parameter"]) == ["weight", "mean", "sd"] * 2
    assert list(first["component"]) == [1, 1, 1, 2, 2, 2]
    assert (table.groupby("maximum")["objective_gap"].first().diff().dropna() > 0).all()
    back = pt.mixtures_from_rows(table)
    assert len(back) == len(heights_t5)
    assert np.allclose(back[1].sds, heights_t5[1][0].mixture.sds)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="1-D truth"):
        pt.truth_quadrature(Mixture([1.0], [[0, 0]], [np.eye(2)]))
    with pytest.raises(ValueError, match="families has 1 entries"):
        pt.truth_quadrature(HEIGHTS, (("t", 5.0),))
    with pytest.raises(ValueError, match="step must be > 0"):
        pt.truth_quadrature(HEIGHTS, T5, step=0)
    with pytest.raises(ValueError, match="reach >= 1"):
        pt.truth_quadrature(HEIGHTS, T5, reach=0.5)
    with pytest.raises(ValueError, match="df must be > 2"):
        pt.truth_quadrature(HEIGHTS, (("t", 2.0), ("t", 5.0)))


# --- the study: both targets, and the split among maxima ----------------------

@pytest.fixture(scope="module")
def t5_fits():
    import pandas as pd

    from gmm_recovery.replicates import fit_replicate
    from gmm_recovery.design import FIT_DEFAULTS
    from gmm_recovery.seeds import seed_for

    settings = dict(FIT_DEFAULTS, n_components=2, n_restarts=2)
    rows, diags = [], []
    for n in (150, 300):
        for r in range(12):
            x, _ = sample_scenario(HEIGHTS, n, np.random.default_rng(seed_for(3, "t5", "simulate", n, r)), T5)
            tab, diag, _ = fit_replicate(x, settings, seed_for(3, "t5", "fit", n, r))
            rows.append(tab.assign(n=n, replicate=r, method="m"))
            diags.append(diag.assign(n=n, replicate=r, method="m"))
    return (pd.concat(rows, ignore_index=True), pd.concat(diags, ignore_index=True)), settings


def test_performance_has_both_targets_and_the_generating_one_unchanged(t5_fits, heights_t5):
    from gmm_recovery.evaluation import evaluate_study

    fits, settings = t5_fits
    target = heights_t5[0][0].mixture
    plain = evaluate_study(*fits, HEIGHTS, {"m": settings}, (), True)["performance"]
    both = evaluate_study(*fits, HEIGHTS, {"m": settings}, (), True, pseudo_true=target)
    perf = both["performance"]
    assert list(perf.columns[:2]) == ["method", "target"]
    assert set(plain["target"]) == {"generating"}
    gen = perf[perf["target"] == "generating"].reset_index(drop=True)
    assert gen.equals(plain)
    # Against the pseudo-true value: bias is the mean estimate minus it, per parameter.
    pt_rows = perf[(perf["target"] == "pseudo_true") & (perf["measure"] == "bias")]
    assert len(pt_rows) == len(gen[gen["measure"] == "bias"])
    aligned = both["aligned"]
    rows = pt.maximum_rows("quadrature", heights_t5[:1])
    values = dict(zip(zip(rows["parameter"], rows["component"]), rows["value"]))
    for _, row in pt_rows.iterrows():
        # The fits align to both targets the same way here (well-separated labels).
        key = (row["parameter"], row["component"])
        est = aligned[(aligned["n"] == row["n"]) & (aligned["parameter"] == key[0])
                      & (aligned["component"] == key[1])]["estimate"]
        assert row["estimate"] == pytest.approx(est.mean() - values[key], abs=1e-12)


def test_fits_split_among_maxima_by_nearest_maximum():
    import pandas as pd

    from gmm_recovery.evaluation import maxima_split

    a = Mixture.univariate([0.23, 0.77], [163.5, 175.8], [2.7, 5.0])
    b = Mixture.univariate([0.72, 0.28], [171.4, 177.0], [7.5, 2.6])
    rows = []
    picks = [a, a, b, a, b, a, a]  # 5 near a, 2 near b; labels swapped in some
    for r, m in enumerate(picks):
        order = [1, 0] if r % 2 else [0, 1]
        for k, j in enumerate(order):
            for name, v in (("weight", m.weights[j]), ("mean", m.means[j, 0] + 0.01 * r),
                            ("sd", m.sds[j])):
                rows.append({"method": "m", "n": 100, "replicate": r, "component": k + 1,
                             "parameter": name, "estimate": v})
    split = maxima_split(pd.DataFrame(rows), [a, b])
    assert list(split["share"]) == pytest.approx([5 / 7, 2 / 7])
    assert split["mcse"].iloc[0] == pytest.approx(np.sqrt(5 / 7 * 2 / 7 / 7))
    assert list(split["n_fits"]) == [7, 7]


def test_consumers_read_the_generating_target_only(t5_fits, heights_t5):
    from gmm_recovery import figures, summary
    from gmm_recovery.evaluation import evaluate_study

    fits, settings = t5_fits
    out = evaluate_study(*fits, HEIGHTS, {"m": settings}, (), True,
                         pseudo_true=heights_t5[0][0].mixture)
    perf = out["performance"]
    gen = perf[perf["target"] == "generating"]
    assert summary.summary_table(perf, out["recovery"]).equals(
        summary.summary_table(gen, out["recovery"]))
    assert figures._measure(perf, "rmse").equals(figures._measure(gen, "rmse"))


@pytest.mark.workflow
def test_workflow_writes_pseudo_true_tables_for_misspecified_scenarios_only(tmp_path):
    import pandas as pd

    from workflow_helpers import make_workdir, snakemake

    config = {"seed": 3, "sample_sizes": [80], "replicates": 4, "chunk_size": 4,
              "fit": {"n_restarts": 2},
              "scenarios": {
                  "gauss": {"weights": [0.5, 0.5], "means": [0.0, 4.0], "sds": [1.0, 1.0]},
                  "skew": {"weights": [0.5, 0.5], "means": [0.0, 4.0], "sds": [1.0, 1.0],
                           "family": [{"skewnormal": {"alpha": 3}}, {"t": {"df": 5}}],
                           "contamination": {"fraction": 0.02}}}}
    work = make_workdir(tmp_path, config)
    snakemake(work, "--cores", "1")
    res = work / "results"
    assert not (res / "gauss" / "pseudo_true.csv").exists()
    assert set(pd.read_csv(res / "gauss" / "performance.csv")["target"]) == {"generating"}
    table = pd.read_csv(res / "skew" / "pseudo_true.csv")
    assert table["maximum"].min() == 1 and (table["grad_max"] < pt.STATIONARY).all()
    perf = pd.read_csv(res / "skew" / "performance.csv")
    assert set(perf["target"]) == {"generating", "pseudo_true"}
    gen, pst = (perf[perf["target"] == t].drop(columns="target").reset_index(drop=True)
                for t in ("generating", "pseudo_true"))
    assert gen[["parameter", "component", "measure"]].equals(
        pst[["parameter", "component", "measure"]])
    split = pd.read_csv(res / "skew" / "maxima_split.csv")
    assert np.allclose(split.groupby(["method", "n"])["share"].sum(), 1.0)
    assert (res / "logs" / "skew" / "pseudo_true.log").stat().st_size > 0


def test_sample_maxima_lists_single_kmeans_starts(monkeypatch):
    # Each of the n_starts fits is one k-means++ start, whatever fit()'s default
    # start strategy: the counts say how many starts reached each maximum.
    import sys

    fit_module = sys.modules["gmmem"]  # the study layer calls gmmem's public names

    made = []
    real = fit_module.fit

    def recording(*args, **kwargs):
        res = real(*args, **kwargs)
        made.append(res)
        return res

    monkeypatch.setattr(fit_module, "fit", recording)
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0, 1, 300), rng.normal(3, 1, 200)])
    maxima = pt.sample_maxima(x, 2, np.random.SeedSequence(11), n_starts=4)
    assert len(made) == 4
    assert all(len(r.restarts) == 1 for r in made)
    kept = [r for r in made if r.converged and not r.degenerate]
    assert sum(mx.n_starts for mx, _ in maxima) == len(kept)
    assert maxima[0][0].objective == pytest.approx(max(r.loglik for r in kept) / len(x), rel=1e-12)


def test_pseudo_true_seed_words_differ_from_every_study_stage():
    # SeedSequence hashes a spawn key as its ints' 32-bit words, concatenated:
    # after the scenario's hash, the pseudo-true key's next word (the low word
    # of its second entry) must be no stage code of gmm_recovery.seeds.seed_for.
    from gmm_recovery.seeds import STAGES, stable_hash

    key = pt.pseudo_true_seed(7, "s").spawn_key
    assert key[0] == stable_hash("s") and key[1] >= 2**32
    assert key[1] & 0xFFFFFFFF not in set(STAGES.values())
