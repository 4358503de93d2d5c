"""gmm_recovery.measures: methods compared on paired replicates."""

import numpy as np
import pytest

from gmm_recovery.measures import compare_methods, paired_comparison


def test_paired_comparison_equals_a_direct_computation():
    rng = np.random.default_rng(3)
    S, theta = 400, 1.5
    common = rng.normal(size=S)
    a = theta + 0.3 + common + 0.5 * rng.normal(size=S)
    b = theta + common + 0.2 * rng.normal(size=S)
    out = paired_comparison(a, b, theta)
    sa, sb = a.std(ddof=1), b.std(ddof=1)
    rho = np.corrcoef(a, b)[0, 1]
    assert out["relprec"] == pytest.approx(100 * ((sa / sb) ** 2 - 1), rel=1e-12)
    assert out["relprec_mcse"] == pytest.approx(
        200 * (sa / sb) ** 2 * np.sqrt((1 - rho**2) / (S - 1)), rel=1e-12)
    assert out["rmse_diff"] == pytest.approx(
        np.sqrt(np.mean((b - theta) ** 2)) - np.sqrt(np.mean((a - theta) ** 2)), rel=1e-12)
    assert out["bias_diff"] == pytest.approx(np.mean(b - a), rel=1e-12)
    assert out["bias_diff_mcse"] == pytest.approx(np.std(b - a, ddof=1) / np.sqrt(S), rel=1e-12)
    # The delta-method MCSE of the RMSE difference against a bootstrap over replicates.
    idx = rng.integers(0, S, size=(4000, S))
    boot = (np.sqrt(((b[idx] - theta) ** 2).mean(axis=1))
            - np.sqrt(((a[idx] - theta) ** 2).mean(axis=1)))
    assert out["rmse_diff_mcse"] == pytest.approx(boot.std(ddof=1), rel=0.1)


def test_relative_precision_mcse_matches_its_monte_carlo_spread():
    # Morris et al.'s MCSE formula describes how relprec varies between studies.
    rng = np.random.default_rng(11)
    S, reps = 200, 1500
    common = rng.normal(size=(reps, S))
    a = common + 0.8 * rng.normal(size=(reps, S))
    b = common + 0.4 * rng.normal(size=(reps, S))
    stats = [paired_comparison(a[i], b[i], 0.0) for i in range(reps)]
    spread = np.std([s["relprec"] for s in stats], ddof=1)
    assert np.mean([s["relprec_mcse"] for s in stats]) == pytest.approx(spread, rel=0.1)


def test_compare_methods_pairs_replicates_not_rows():
    import pandas as pd

    rows = []
    for method, shift in (("a", 0.0), ("b", 0.5)):
        for r in range(5):
            rows.append({"method": method, "n": 10, "replicate": r, "parameter": "mean",
                         "component": 1, "estimate": r + shift * (r % 2), "truth": 0.0})
    table = pd.DataFrame(rows[::-1])  # order must not matter
    out = compare_methods(table)
    assert list(out[["method_a", "method_b"]].iloc[0]) == ["b", "a"]
    direct = paired_comparison(np.arange(5) + 0.5 * (np.arange(5) % 2), np.arange(5.0), 0.0)
    assert out["bias_diff"].iloc[0] == pytest.approx(direct["bias_diff"])
