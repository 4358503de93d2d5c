"""A study's evaluation (gmm_recovery.evaluation): alignment of the long fits
with the truth, the summary tables keyed by parameter and component, the
Cramér–Rao rows, the split among population maxima."""

import numpy as np
import pandas as pd
import pytest

from gmmem import Mixture, parameter_names
from gmm_recovery.evaluation import align_fits, crlb_table, evaluate_fits, evaluate_study
from gmm_recovery.replicates import fit_replicates
from gmm_recovery.tables import UNCERTAINTY_COLUMNS

TRUTH = Mixture.univariate([0.4, 0.6], [0.0, 4.0], [1.0, 1.5])
SETTINGS = {"n_components": 2, "n_restarts": 2, "intervals": ("wald", "sandwich"),
            "covariance": "full"}


def _tables(truth=TRUTH, R=6, ns=(80, 150), settings=SETTINGS, **kw):
    """Long fits and diagnostics of R replicates at each n, keyed as a fit job writes them."""
    fits, diags = [], []
    for n in ns:
        xs = [truth.sample(n, np.random.default_rng(1000 * n + r))[0] for r in range(R)]
        f, d, _ = fit_replicates(xs, settings, [np.random.SeedSequence(r) for r in range(R)],
                                 traces="first", **kw)
        fits += [t.assign(n=n, replicate=r) for r, t in enumerate(f)]
        diags += [t.assign(n=n, replicate=r) for r, t in enumerate(d)]
    return pd.concat(fits, ignore_index=True), pd.concat(diags, ignore_index=True)


def _swap_components(fits, replicates):
    """The same fits with components 1 and 2 relabelled in ``replicates``."""
    out = fits.copy()
    rows = out["replicate"].isin(replicates)
    out.loc[rows, "component"] = 3 - out.loc[rows, "component"]
    return out


def test_alignment_permutes_the_component_column_and_leaves_the_values():
    fits, _ = _tables()
    aligned, _ = align_fits(fits, TRUTH)
    swapped, _ = align_fits(_swap_components(fits, [0, 3, 5]).sample(frac=1, random_state=2),
                            TRUTH)
    # However the fitted components were labelled and the rows ordered, the
    # aligned table is the same, one row per (n, replicate, component, parameter).
    pd.testing.assert_frame_equal(aligned, swapped)
    assert list(aligned.columns) == ["n", "replicate", "component", "parameter", "estimate",
                                     "se", "lo", "hi", "truth", "se_sw", "lo_sw", "hi_sw"]
    assert not aligned.duplicated(["n", "replicate", "component", "parameter"]).any()
    # Each aligned component carries one fitted component's values unchanged:
    # the same (estimate, se, lo, hi) as a fits row of its replicate and parameter.
    values = ["estimate", "se", "lo", "hi", "se_sw", "lo_sw", "hi_sw"]
    keys = ["n", "replicate", "parameter"]
    merged = aligned.merge(fits, on=keys + values, how="left", suffixes=("", "_fitted"))
    assert len(merged) == len(aligned) and merged["component_fitted"].notna().all()
    # ... and all of one fitted component's values go to one true component.
    moved = merged.groupby(["n", "replicate", "component"])["component_fitted"].nunique()
    assert (moved == 1).all()
    # True component 1 is the one with the smaller mean (0 vs 4), whatever the labels.
    means = aligned[aligned["parameter"] == "mean"].pivot(
        index=["n", "replicate"], columns="component", values="estimate")
    assert (means[1] < means[2]).all()
    truth = aligned.drop_duplicates(["component", "parameter"]).set_index(
        ["component", "parameter"])["truth"]
    assert truth[(2, "mean")] == 4.0 and truth[(1, "sd")] == 1.0


def test_alignment_refuses_another_k_or_an_unknown_parameter():
    fits, _ = _tables(R=2, ns=(80,))
    with pytest.raises(ValueError, match=r"n = 80, replicate 0: 3 rows \(1 components\) where "
                                         r"the truth's K = 2 components × 3 parameters need 6"):
        align_fits(fits[~((fits["replicate"] == 0) & (fits["component"] == 2))], TRUTH)
    bad = fits.assign(parameter=fits["parameter"].replace({"sd": "sigma"}))
    with pytest.raises(ValueError, match="column parameter has value 'sigma', not a parameter "
                                         "of a d = 1 mixture"):
        align_fits(bad, TRUTH)


def test_evaluate_fits_keys_every_table_by_parameter_and_component():
    fits, diags = _tables()
    out = evaluate_fits(fits, diags, TRUTH)
    perf, rec = out["performance"], out["recovery"]
    for table in (perf, rec, out["aligned"]):
        assert {"parameter", "component"} <= set(table) and "label" not in table
        assert set(table["parameter"]) == set(parameter_names(1))
        assert set(table["component"]) == {1, 2}
    assert list(perf.columns[:6]) == ["target", "n", "parameter", "component", "measure",
                                      "estimate"]
    # Bias is the mean estimate minus the truth, per (n, parameter, component).
    al = out["aligned"]
    for (n, p, k), cell in al.groupby(["n", "parameter", "component"]):
        row = rec[(rec["n"] == n) & (rec["parameter"] == p) & (rec["component"] == k)]
        bias = cell["estimate"].mean() - cell["truth"].iloc[0]
        assert row["bias"].iloc[0] == pytest.approx(bias)
        cov = perf[(perf["n"] == n) & (perf["parameter"] == p) & (perf["component"] == k)
                   & (perf["measure"] == "coverage_sw")]
        covers = (cell["lo_sw"] <= cell["truth"]) & (cell["truth"] <= cell["hi_sw"])
        ok = cell["lo_sw"].notna() & cell["hi_sw"].notna()
        assert cov["estimate"].iloc[0] == pytest.approx(covers[ok].mean())
    crlb = perf[perf["measure"] == "crlb_sd"]
    assert len(crlb) == 2 * 2 * 3 and crlb["component"].isin([1, 2]).all()
    conv = out["convergence"]
    assert conv["n_fits"].tolist() == [6, 6]


def test_evaluate_fits_needs_a_diagnostics_row_of_every_replicate():
    fits, diags = _tables(R=3, ns=(80,))
    with pytest.raises(ValueError, match="n = 80, replicate 2 is in only one of the fits and "
                                         "diagnostics tables"):
        evaluate_fits(fits, diags[diags["replicate"] != 2], TRUTH)


def test_evaluate_study_scores_only_each_methods_own_intervals():
    fits_a, diags_a = _tables(R=4, ns=(80,), settings=SETTINGS | {"intervals": ("wald",)})
    fits_b, diags_b = _tables(R=4, ns=(80,))
    fits = pd.concat([fits_a.assign(method="a"), fits_b.assign(method="b")], ignore_index=True)
    diags = pd.concat([diags_a.assign(method="a"), diags_b.assign(method="b")],
                      ignore_index=True)
    methods = {"a": SETTINGS | {"intervals": ("wald",)}, "b": SETTINGS}
    out = evaluate_study(fits, diags, TRUTH, methods)
    perf = out["performance"]
    assert "coverage_sw" not in set(perf.loc[perf["method"] == "a", "measure"])
    assert "coverage_sw" in set(perf.loc[perf["method"] == "b", "measure"])
    comp = out["comparison"]
    assert {"parameter", "component", "method_a", "method_b"} <= set(comp)
    assert len(comp) == 2 * 3  # one pair of methods × (K = 2) × 3 parameters at one n
    # The two methods fitted the same data with the same seeds: equal estimates.
    assert np.allclose(comp["bias_diff"], 0.0)


def test_crlb_rows_in_two_dimensions_include_the_covariances():
    truth = Mixture([0.5, 0.5], [[0.0, 0.0], [4.0, 3.0]], [np.eye(2), [[1.0, 0.4], [0.4, 2.0]]])
    table = crlb_table(truth, [100])
    assert list(table.columns) == ["n", "parameter", "component", "crlb_sd"]
    assert set(table["parameter"]) == set(parameter_names(2))
    assert (table["crlb_sd"] > 0).all()


def test_the_uncertainty_columns_are_listed_not_recognised():
    # Every uncertainty column a fit writes is one the tables module lists.
    fits, _ = _tables(R=1, ns=(80,), settings=SETTINGS | {
        "intervals": ("wald", "sandwich", "bootstrap"), "n_boot": 10,
        "bootstrap": "parametric"})
    keys = {"n", "replicate", "component", "parameter", "estimate"}
    assert set(fits.columns) - keys == set(UNCERTAINTY_COLUMNS)
