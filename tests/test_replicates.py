"""A study's fit of its replicates (gmm_recovery.replicates): the long fits
table, the diagnostics table and the traces of one block."""

import subprocess
import sys

import numpy as np
import pytest

from gmmem import Mixture, fit_many, parameter_label, parameter_names, split_label
from gmm_recovery.replicates import DIAGNOSTICS, ROW_KEYS, block_tables, replicate_columns

TRUTH = Mixture.univariate([0.4, 0.6], [0.0, 4.0], [1.0, 1.5])
SETTINGS = {"n_components": 2, "n_restarts": 2}


def _block(truth=TRUTH, R=3, n=80, **settings):
    xs = [truth.sample(n, np.random.default_rng(s))[0] for s in range(R)]
    return xs, [np.random.SeedSequence(s) for s in range(R)], SETTINGS | settings


def test_a_blocks_fits_are_one_row_per_replicate_component_and_parameter():
    xs, seeds, settings = _block(intervals=("wald", "sandwich", "bootstrap"), n_boot=10,
                                 bootstrap="parametric")
    reps = [7, 8, 9]
    tables = block_tables("m", 80, reps, xs, settings, seeds, oracle=TRUTH, select_k=(1, 2),
                          traces=2)
    fits, diag, traces = tables["fits"], tables["diagnostics"], tables["traces"]
    names = list(parameter_names(1))
    P = len(names)
    assert list(fits)[:6] == [*ROW_KEYS, "component", "parameter", "estimate"]
    assert len({len(v) for v in fits.values()}) == 1 and len(fits["estimate"]) == 3 * 2 * P
    # Component by component, the layout's order within one; every key once.
    assert fits["replicate"].tolist() == np.repeat(reps, 2 * P).tolist()
    assert fits["component"].tolist() == np.tile(np.repeat([1, 2], P), 3).tolist()
    assert fits["parameter"].tolist() == names * 6
    assert {"se", "lo", "hi", "se_sw", "lo_sw", "hi_sw", "se_boot", "lo_pct", "hi_pct",
            "lo_bca", "hi_bca"} <= set(fits)
    # No column of the long table is named after a parameter.
    assert not any(name in column for column in fits for name in ("weight", "mean", "sd_"))
    assert diag["replicate"].tolist() == reps and len({len(v) for v in diag.values()}) == 1
    assert set(diag) - set(ROW_KEYS) <= set(DIAGNOSTICS) | {"blrt_p_k1", "blrt_p_k2"}
    assert {"loglik", "converged", "oracle_loglik", "missed_oracle", "k_bic", "k_icl",
            "n_boot_ok", "se_sw_failed"} <= set(diag)
    assert sorted(set(traces["replicate"].tolist())) == reps[:2]
    assert list(traces)[-3:] == list(reversed(ROW_KEYS))


def test_the_long_estimates_are_the_fitted_mixtures():
    xs, seeds, settings = _block()
    fits, diagnostics, _ = replicate_columns(xs, settings, seeds)
    results = fit_many(xs, 2, seeds=seeds, n_restarts=2)
    for f, d, res in zip(fits, diagnostics, results):
        est = f["estimate"].reshape(2, 3)  # (component, parameter)
        m = res.mixture
        assert np.array_equal(est[:, 0], m.weights)
        assert np.array_equal(est[:, 1], m.means[:, 0])
        assert np.array_equal(est[:, 2], np.sqrt(m.covariances[:, 0, 0]))
        assert d["loglik"] == res.loglik and d["n_iter"] == res.n_iter
        ok = np.isfinite(f["lo"]) & np.isfinite(f["hi"])
        assert np.all((f["lo"][ok] <= f["estimate"][ok]) & (f["estimate"][ok] <= f["hi"][ok]))


def test_each_replicate_of_a_block_is_its_fit_alone():
    xs, seeds, settings = _block()
    together = block_tables("m", 80, [0, 1, 2], xs, settings, seeds)
    alone = block_tables("m", 80, [1], xs[1:2], settings, seeds[1:2])
    rows = together["fits"]["replicate"] == 1
    for column, values in alone["fits"].items():
        assert np.array_equal(together["fits"][column][rows], values), column


@pytest.mark.parametrize("covariance, has_cov", [("full", True), ("diag", False)])
def test_two_dimensional_fits_list_the_structures_parameters(covariance, has_cov):
    truth = Mixture([0.5, 0.5], [[0.0, 0.0], [4.0, 3.0]],
                    [np.eye(2), [[1.0, 0.4], [0.4, 2.0]]])
    xs, seeds, settings = _block(truth, R=2, n=120, covariance=covariance)
    fits = block_tables("m", 120, [0, 1], xs, settings, seeds)["fits"]
    names = list(parameter_names(2, covariance))
    assert fits["parameter"].tolist() == names * 4
    cov = fits["parameter"] == "cov_1_2"
    assert cov.any() == has_cov
    if has_cov:  # no method gives an SE of a covariance
        assert np.all(np.isfinite(fits["estimate"][cov])) and np.all(np.isnan(fits["se"][cov]))


def test_labels_are_made_from_parameter_and_component_and_split_back():
    xs, seeds, settings = _block(R=1)
    fits = block_tables("m", 80, [0], xs, settings, seeds)["fits"]
    for name, k in zip(fits["parameter"], fits["component"]):
        label = parameter_label(name, k)
        assert split_label(label) == (name, int(k))
    for d in (1, 2, 3):
        for name in parameter_names(d):
            assert split_label(parameter_label(name, 12)) == (name, 12)


def test_model_choice_keeps_the_choices_not_the_criteria():
    xs, seeds, settings = _block(R=2)
    _, diagnostics, _ = replicate_columns(xs, settings, seeds, select_k=(1, 2, 3))
    for d in diagnostics:
        assert {"k_bic", "k_aic", "k_icl"} <= set(d) and d["k_bic"] in (1, 2, 3)
        assert not any(c.startswith(("bic_k", "aic_k", "icl_k")) for c in d)


def test_a_fit_job_writes_its_tables_without_pandas():
    # What fit.py imports and calls, in a fresh interpreter: pandas' import
    # would cost more than fitting a small block.
    from gmm_recovery import checks

    code = ("import sys, numpy as np, _workflow\n"
            "from gmmem import Mixture\n"
            "from gmm_recovery.replicates import block_tables\n"
            "t = Mixture.univariate([0.5, 0.5], [0.0, 3.0], [1.0, 1.0])\n"
            "xs = [t.sample(50, np.random.default_rng(s))[0] for s in range(2)]\n"
            "tables = block_tables('m', 50, [0, 1], xs, {'n_components': 2, 'n_restarts': 1},\n"
            "                      [np.random.SeedSequence(s) for s in range(2)], traces=1)\n"
            "import tempfile, os\n"
            "d = tempfile.mkdtemp()\n"
            "for name, cols in tables.items():\n"
            "    _workflow.save_columns(cols, os.path.join(d, name + '.csv'))\n"
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=checks.__file__.rsplit("/", 2)[0])
    assert out.stdout.strip() == "False"


def test_a_block_written_by_the_fit_job_reads_back_as_written(tmp_path):
    import pandas as pd

    from _workflow import save_columns

    xs, seeds, settings = _block(intervals=("wald", "sandwich"))
    tables = block_tables("m,1", 80, [0, 1, 2], xs, settings, seeds, select_k=(1, 2))
    for name, cols in tables.items():
        save_columns(cols, tmp_path / f"{name}.csv")
        back = pd.read_csv(tmp_path / f"{name}.csv", dtype={"method": str})
        assert list(back) == list(cols)
        for column, values in cols.items():
            got = back[column].to_numpy()
            if values.dtype.kind == "f":
                assert np.array_equal(got, values, equal_nan=True), (name, column)
            else:
                assert got.tolist() == values.tolist(), (name, column)
