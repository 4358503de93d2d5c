"""The spurious diagnosis: the cheap rule as a prefilter, and the bootstrap
calibration of a narrow component's likelihood gain (gmmem.spurious)."""

from pathlib import Path

import numpy as np
import pytest

from gmmem import Mixture, fit, fit_many
from gmmem.spurious import advice_lines, narrow_flags, tightest_groups

OVERLAP = Mixture.univariate([0.6, 0.4], [0.0, 2.0], [1.0, 1.0])
SMALL_NARROW = Mixture.univariate([0.95, 0.05], [0.0, 3.0], [1.0, 0.1])
NARROW_10 = Mixture.univariate([0.9, 0.1], [0.0, 2.0], [1.0, 0.15])


def _fits(truth, n, S, first):
    xs = [truth.sample(n, np.random.default_rng(first + r))[0] for r in range(S)]
    return xs, fit_many(xs, 2, seeds=list(range(first, first + S)))


def _found(res, truth):
    """The fit has the truth's narrow component: its narrowest component within
    0.3 of the narrow mean with an SD under 3 times the true one."""
    k = int(np.argmin(res.mixture.sds))
    j = int(np.argmin(truth.sds))
    return (abs(res.mixture.means[k, 0] - truth.means[j, 0]) < 0.3
            and res.mixture.sds[k] < 3 * truth.sds[j])


def test_overlap_truths_narrow_fits_are_still_spurious():
    # 0.6·N(0,1) + 0.4·N(2,1), n = 100: a component with SD < 0.25 is spurious.
    _, results = _fits(OVERLAP, 100, 60, 1000)
    narrow = [r for r in results if r.mixture.sds.min() < 0.25]
    assert len(narrow) >= 4
    assert np.mean([r.spurious for r in narrow]) >= 0.8
    for r in narrow:
        if r.spurious and np.isfinite(r.spurious_p):
            assert r.spurious_p > 0.05 and "bootstrap p" in r.spurious_reason


@pytest.mark.parametrize("truth,n", [(SMALL_NARROW, 200), (NARROW_10, 150)])
def test_real_small_narrow_components_are_not_called_spurious(truth, n):
    _, results = _fits(truth, n, 30, 2000)
    found = [r for r in results if _found(r, truth)]
    assert len(found) >= 0.8 * len(results)  # EM finds them (90 % in the benchmark)
    assert np.mean([r.spurious for r in found]) <= 0.2
    # and the rule alone flagged most of them: the calibration is what changed
    rule = fit_many(_fits(truth, n, 30, 2000)[0], 2, seeds=list(range(2000, 2030)),
                    spurious_test="rule")
    assert np.mean([r.spurious for r, f in zip(rule, results) if _found(f, truth)]) >= 0.5


def test_rule_only_and_calibration_agree_on_regular_fits(paper_x):
    # A fit the rule does not flag is never tested: identical results, no p-value.
    a = fit(paper_x, 2, seed=0)
    b = fit(paper_x, 2, seed=0, spurious_test="rule")
    assert not a.spurious and np.isnan(a.spurious_p) and a.loglik == b.loglik
    with pytest.raises(ValueError, match="spurious_test must be one of .* got 'x'"):
        fit(paper_x, 2, spurious_test="x")


def test_tightest_groups_are_the_tightest_disjoint_windows():
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 1, 200), 5 + 1e-4 * rng.standard_normal(6)])[:, None]
    groups = tightest_groups(z, 6, 2)
    assert sorted(groups[0]) == list(range(200, 206))
    assert not set(groups[0]) & set(groups[1])
    # brute force in 1-D: the first is the window of smallest variance
    s = np.sort(z[:200, 0])
    var = [s[i:i + 6].var() for i in range(195)]
    g = tightest_groups(z[:200], 6, 1)[0]
    assert z[g, 0].var() == pytest.approx(min(var))
    # d > 1: the 6 nearest neighbours of the tight group's points
    z2 = np.column_stack([z[:, 0], rng.normal(0, 1, len(z))])
    z2[200:, 1] = 3 + 1e-4 * rng.standard_normal(6)
    assert sorted(tightest_groups(z2, 6, 1)[0]) == list(range(200, 206))


def test_narrow_flags_agree_with_the_rule():
    from gmmem.estimators import spurious_mask

    rng = np.random.default_rng(3)
    w = rng.dirichlet(np.ones(3), 200)
    cov = np.exp(rng.normal(-2, 2, (200, 3)))[..., None, None]
    assert np.array_equal(narrow_flags(w, cov, 60).any(axis=1), spurious_mask(w, cov, 60))


def test_advice_never_suggests_what_changes_nothing():
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 600), rng.normal(1, 1, 400)])
    spike = Mixture.univariate([0.0187, 0.9813], [-1.053, 0.4296], [0.0916, 1.119])
    one = fit(x, 2, start=spike)  # one start: no regular maximum to prefer
    assert one.spurious and one.regular is None
    lines = advice_lines(one)
    assert len(lines) == 1 and "--prefer regular" not in lines[0]
    assert "Try --estimator pmle (or map) or more --restarts." in lines[0]
    assert "prefer: regular" not in advice_lines(one, "config")[0]
    assert advice_lines(fit(x, 2, start=spike, estimator="pmle")) == []
    with pytest.raises(ValueError, match="style must be one of"):
        advice_lines(one, "html")


# Roeder's (1990, J. Amer. Statist. Assoc. 85:617-624) 82 galaxy velocities, as in
# R's MASS::galaxies (data/galaxies.csv, km/s), here in 1000 km/s.
GALAXIES = np.loadtxt(Path(__file__).resolve().parents[1] / "data" / "galaxies.csv",
                      skiprows=1) / 1000


def test_galaxies_group_of_seven_is_real_at_k3():
    for seed in range(2):
        rule = fit(GALAXIES, 3, seed=seed, spurious_test="rule")
        res = fit(GALAXIES, 3, seed=seed)
        group = int(np.argmin(res.mixture.means[:, 0]))
        assert res.mixture.n_components == 3 and round(82 * res.mixture.weights[group]) == 7
        assert rule.spurious  # the rule alone flags the group of 7
        assert not res.spurious and res.spurious_p <= 0.05 and res.spurious_gain > 0
        assert advice_lines(res) == []


def test_prefer_regular_says_what_it_gives_up():
    # 0.6·N(0,1) + 0.4·N(2,1) data sets where the best of the restarts is a
    # spurious maximum and another restart is regular.
    for r in range(60):
        x = OVERLAP.sample(100, np.random.default_rng(1000 + r))[0]
        best = fit(x, 2, seed=1000 + r)
        if best.spurious and best.regular is not None:
            break
    else:
        pytest.skip("no spurious best fit with a regular alternative on this machine")
    regular = fit(x, 2, seed=1000 + r, prefer="regular")
    assert not regular.spurious
    assert regular.given_up == pytest.approx(best.objective - best.regular_objective, rel=1e-9)
    assert regular.given_up > 0 and best.given_up == 0.0
    (line,) = advice_lines(best)
    assert f"--prefer regular (reports the best regular maximum found, giving up Δℓ = " \
        f"{regular.given_up:.4g})" in line
    (note,) = advice_lines(regular)
    assert note.startswith("note: the reported fit is the best regular maximum (--prefer regular)")


def test_a_two_dimensional_clump_is_tested_and_real():
    rng = np.random.default_rng(8)
    x = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], 400)
    x[:8] = x[8] + 0.02 * rng.standard_normal((8, 2))  # a tight clump of 9 points
    clump = x[:9]
    spike = Mixture([9 / 400, 391 / 400], [clump.mean(axis=0), x[9:].mean(axis=0)],
                    [np.cov(clump.T) + 1e-6 * np.eye(2), np.cov(x[9:].T)])
    res = fit(x, 2, start=spike)
    rule = fit(x, 2, start=spike, spurious_test="rule")
    assert rule.spurious and np.isfinite(res.spurious_p)
    # 9 points from the bulk, pulled together: a narrow component, but the
    # likelihood it buys is far beyond chance, so the test calls it real.
    assert not res.spurious and res.spurious_gain > 10


def test_fit_many_with_calibration_equals_fit_one_by_one():
    # The calibration's draws come from each data set's own seed (child
    # SPURIOUS_KEY), so batching data sets (some tested, some not) changes
    # nothing: the same flags, p-values and gains as fitting each alone.
    xs = [SMALL_NARROW.sample(200, np.random.default_rng(700 + r))[0] for r in range(3)]
    xs += [OVERLAP.sample(100, np.random.default_rng(800 + r))[0] for r in range(3)]
    seeds = list(range(700, 703)) + list(range(800, 803))
    together = fit_many(xs, 2, seeds=seeds, n_restarts=3, prefer="regular")
    assert any(np.isfinite(r.spurious_p) for r in together)  # the test ran somewhere
    for x, seed, res in zip(xs, seeds, together):
        alone = fit(x, 2, seed=seed, n_restarts=3, prefer="regular")
        assert alone.mixture.means.tobytes() == res.mixture.means.tobytes()
        assert alone.spurious == res.spurious
        assert np.array_equal([alone.spurious_p, alone.spurious_gain],
                              [res.spurious_p, res.spurious_gain], equal_nan=True)
