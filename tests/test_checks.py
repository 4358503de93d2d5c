"""The checks every workflow stage makes of what it reads (gmm_recovery.checks)."""

import io

import numpy as np
import pandas as pd
import pytest

from gmm_recovery import checks
from gmm_recovery.checks import InputError
from gmmem.mixture import Mixture
from gmm_recovery.design import FIT_DEFAULTS

TRUTH = Mixture.univariate([0.4, 0.6], [0.0, 4.0], [1.0, 1.5])
PATH = "results/s/fits/fast/n60/chunk1.fits.csv"


def _block(R=3, n=20, d=1, start=4):
    shape = (R, n) if d == 1 else (R, n, d)
    return {"x": np.zeros(shape), "labels": np.zeros((R, n), np.int16),
            "replicates": np.arange(start, start + R)}


def test_a_block_of_the_expected_shape_and_replicates_passes():
    checks.check_data_block(_block(), "b.npz", n=20, d=1, replicates=(4, 7))
    checks.check_data_block(_block(d=2), "b.npz", n=20, d=2, replicates=(4, 7))


@pytest.mark.parametrize("arrays, message", [
    (_block(n=30), "b.npz: x has n = 30 where this block is replicates 4..6 of n = 20"),
    (_block(d=2), "b.npz: x has shape (3, 20, 2) where this block is replicates 4..6 of n = 20"),
    (_block(R=2), "b.npz: x has shape (2, 20) where this block is replicates 4..6"),
    (_block(start=0), "b.npz: holds replicates 0, 1, 2 where this block is replicates 4..6"),
    ({**_block(), "labels": np.zeros((3, 19))}, "b.npz: labels have shape (3, 19)"),
    ({**_block(), "x": np.zeros((3, 20), int)}, "b.npz: x has dtype int64"),
    ({"x": np.zeros((3, 20))}, "b.npz: has no array 'labels' (it holds x)"),
])
def test_a_block_of_another_n_d_or_replicates_is_refused_naming_the_file(arrays, message):
    with pytest.raises(InputError) as err:
        checks.check_data_block(arrays, "b.npz", n=20, d=1, replicates=(4, 7))
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


NAMES = ["weight", "mean", "sd"]


def _fits(reps=(4, 5), K=2, method="fast", n=60):
    """A long fits table: one row per (replicate, component, parameter)."""
    rows = [{"method": method, "n": n, "replicate": r, "component": k, "parameter": p,
             "estimate": 0.5, "se": 0.1, "lo": 0.3, "hi": 0.7}
            for r in reps for k in range(1, K + 1) for p in NAMES]
    return pd.DataFrame(rows)


COLUMNS = ["method", "n", "replicate", "component", "parameter", "estimate", "se", "lo", "hi"]


def _check(table, **kw):
    args = dict(method="fast", n=60, replicates=(4, 6), n_components=2, columns=COLUMNS,
                parameters=NAMES) | kw
    checks.check_fit_table(table, PATH, **args)


def test_a_whole_fits_table_passes():
    _check(_fits())
    _check(_fits(), columns=None, parameters=None)


def _set(table, row, column, value):
    table = table.copy()
    if table[column].dtype.kind in "iuf" and isinstance(value, str):
        table[column] = table[column].astype(object)
    table.loc[row, column] = value
    return table


@pytest.mark.parametrize("table, message", [
    (_fits().iloc[:6], "has 6 rows where replicates 4..5 × K = 2 components × 3 parameters "
                       "need 12: rows of replicate(s) 5 are missing"),
    (_fits().iloc[:11], "has 11 rows where replicates 4..5 × K = 2 components × 3 parameters "
                        "need 12: rows of replicate(s) 5 are missing"),
    (_fits().iloc[:2], "has 2 rows where replicates 4..5 × K = 2 components × 3 parameters "
                       "need 12: rows of replicate(s) 4, 5 are missing"),
    (_fits()[_fits()["parameter"] != "sd"], "has 8 rows where replicates 4..5 × K = 2 "
                                            "components × 3 parameters need 12"),
    (pd.concat([_fits(), _fits().iloc[:1]]), "has replicate 4, component 1, parameter 'weight' "
                                             "2 times"),
    (_fits(reps=(4, 6)), "column replicate has value 6 (row 7), outside this block"),
    (_fits(K=3), "column component has value 3 (row 7), outside this block"),
    (_set(_fits(), 4, "parameter", "mean_x"), "column parameter has value 'mean_x', not a "
                                              "parameter of method 'fast' (weight, mean, sd)"),
    (_set(_fits(), 4, "parameter", "sd"), "has replicate 4, component 2, parameter 'sd' 2 times"),
    (_set(_fits(), 2, "estimate", "abc"), "column estimate holds a non-number ('abc')"),
    (_set(_fits(), 3, "hi", "x"), "column hi holds a non-number ('x')"),
    (_fits(method="plain"), "has rows of method plain where this table is method 'fast' only"),
    (_fits(n=150), "has rows of n 150 where this table is n 60 only"),
    (_fits().drop(columns="se"), "lacks column(s) se of method 'fast'"),
    (_fits().assign(se_sw=0.1), "has unexpected column(s) se_sw of method 'fast'"),
    (_fits().assign(replicate=np.nan), "column replicate holds non-integers or blanks"),
])
def test_a_fits_table_not_of_its_block_is_refused_naming_the_file(table, message):
    with pytest.raises(InputError) as err:
        _check(table.reset_index(drop=True))
    assert str(err.value).startswith(f"{PATH}: {message}"), str(err.value)
    assert "\n" not in str(err.value)


def test_a_damaged_fits_csv_is_refused_as_read(tmp_path):
    # The damage as the evaluate stage meets it: a value edited in the file.
    from _workflow import read_table

    path = tmp_path / "chunk1.fits.csv"
    path.write_text(_csv(_fits()).decode().replace("fast,60,4,2,mean,", "fast,60,4,2,men,", 1))
    with pytest.raises(InputError) as err:
        checks.check_fit_table(read_table(path, dtype={"method": str, "parameter": str}), path,
                               method="fast", n=60, replicates=(4, 6), n_components=2,
                               columns=COLUMNS, parameters=NAMES)
    assert str(err.value).startswith(f"{path}: column parameter has value 'men'")


def _diagnostics(reps=(4, 5)):
    return pd.DataFrame({"method": "fast", "n": 60, "replicate": list(reps), "loglik": -1.0})


@pytest.mark.parametrize("table, message", [
    (_diagnostics(reps=(4,)), "has no row of replicate(s) 5 of replicates 4..5"),
    (_diagnostics(reps=(4, 5, 5)), "has replicate 5 2 times: duplicated rows"),
    (_diagnostics(reps=(4, 7)), "column replicate has value 7, outside this block"),
    (_diagnostics().assign(method="plain"), "has rows of method plain"),
    (_diagnostics().drop(columns="loglik"), "lacks column(s) loglik of method 'fast'"),
])
def test_a_diagnostics_table_not_of_its_block_is_refused_naming_the_file(table, message):
    checks.check_diagnostics_table(_diagnostics(), "d.csv", method="fast", n=60,
                                   replicates=(4, 6), columns=list(_diagnostics()))
    with pytest.raises(InputError) as err:
        checks.check_diagnostics_table(table, "d.csv", method="fast", n=60, replicates=(4, 6),
                                       columns=list(_diagnostics()))
    assert str(err.value).startswith(f"d.csv: {message}"), str(err.value)


def _settings(**kw):
    return dict(FIT_DEFAULTS, n_components=2, n_restarts=2) | kw


@pytest.mark.parametrize("settings, extra", [
    (_settings(), {}),
    (_settings(accel=None, intervals=("wald", "bootstrap", "sandwich"), n_boot=20,
               bootstrap="nonparametric"), {}),
    (_settings(), {"oracle": True, "select_k": (1, 2, 3)}),
])
def test_expected_fit_columns_are_those_the_fit_code_writes(settings, extra):
    # The columns a real fit of real data writes, with the settings as given
    # (not made cheap), are exactly the expected ones.
    from gmm_recovery.replicates import block_tables

    x, _ = TRUTH.sample(120, np.random.default_rng(3))
    tables = block_tables("m", 60, [0], [x], settings, [np.random.SeedSequence(5)],
                          oracle=TRUTH if extra.get("oracle") else None,
                          select_k=extra.get("select_k", ()))
    expected = checks.fit_table_columns(settings, TRUTH, **extra)
    assert expected == {name: list(cols) for name, cols in tables.items()}
    boot = "bootstrap" in settings["intervals"]
    assert ({"se_boot", "lo_bca"} <= set(expected["fits"])) == boot
    assert ("n_boot_ok" in expected["diagnostics"]) == boot
    assert ("k_bic" in expected["diagnostics"]) == bool(extra.get("select_k"))
    # Model choice publishes its choices; the criteria's values are not kept.
    assert not any(c in expected["diagnostics"] for c in ("bic_k1", "aic_k2", "icl_k3"))


def test_expected_parameters_in_2d_follow_the_covariance_structure():
    from gmm_recovery.tables import parameter_pairs

    truth = Mixture([0.5, 0.5], [[0, 0], [4, 4]], [np.eye(2), 2 * np.eye(2)])
    expected = checks.fit_table_columns(_settings(), truth)
    assert "parameter" in expected["fits"] and "cov_1_2" not in expected["fits"]
    assert parameter_pairs(2, 2, "diag") == [
        ("weight", 1), ("mean_1", 1), ("mean_2", 1), ("sd_1", 1), ("sd_2", 1),
        ("weight", 2), ("mean_1", 2), ("mean_2", 2), ("sd_1", 2), ("sd_2", 2)]
    assert ("cov_1_2", 2) in parameter_pairs(2, 2, "full")


def _csv(df) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode()


def test_csv_damage_finds_a_cut_a_ragged_line_and_an_empty_file():
    text = _csv(_fits())
    assert checks.csv_damage(text) is None
    assert checks.csv_damage(b'a,b\n"x,y",1\n') is None  # quoted separators are one field
    assert "last line has no newline" in checks.csv_damage(text[:-1])
    assert "last line has no newline" in checks.csv_damage(text[:len(text) // 2])
    lines = text.decode().splitlines(keepends=True)
    ragged = "".join(lines[:2] + [lines[2].rsplit(",", 2)[0] + "\n"] + lines[3:]).encode()
    assert checks.csv_damage(ragged) == ("is truncated or malformed: line 3 has 7 field(s), "
                                         "the header 9")
    assert checks.csv_damage(b"") == "is empty"
    assert checks.csv_damage(b"\xff\xfe,\n").startswith("is not UTF-8 text")
    with pytest.raises(InputError, match=r"^t\.csv: is empty; remake it"):
        checks.check_csv_text(b"  \n", "t.csv")


def test_read_table_refuses_a_cut_file_and_reads_a_whole_one(tmp_path):
    from _workflow import read_table

    path = tmp_path / "t.csv"
    text = _csv(_fits())
    path.write_bytes(text)
    assert read_table(path).equals(_fits())
    path.write_bytes(text[:-3])
    with pytest.raises(InputError, match="t.csv: is truncated: its last line has no newline"):
        read_table(path)


def test_load_npz_names_an_archive_it_cannot_read(tmp_path):
    from _workflow import load_npz, save_npz

    path = tmp_path / "b.npz"
    save_npz(path, **_block())
    assert set(load_npz(path)) == {"x", "labels", "replicates"}
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(InputError, match=r"b\.npz: cannot be read as a \.npz archive"):
        load_npz(path)


def test_trace_timing_and_summary_tables_are_checked_for_what_the_config_asks():
    traces = pd.DataFrame({"restart": [1, 1], "iteration": [1, 2], "loglik": [-3.0, -2.0],
                           "replicate": [4, 4], "n": [60, 60], "method": ["fast", "fast"]})
    checks.check_trace_table(traces, "t", method="fast", n=60, replicates=(4, 6))
    with pytest.raises(InputError, match="t: has traces of replicate 4, outside this block "
                                         r"\(replicates 0\.\.3\)"):
        checks.check_trace_table(traces, "t", method="fast", n=60, replicates=(0, 4))
    with pytest.raises(InputError, match="t: has no rows"):
        checks.check_trace_table(traces.iloc[:0], "t", method="fast", n=60, replicates=(4, 6))
    timing = pd.DataFrame([{"scenario": "s", "method": "fast", "n": 60, "first_replicate": 4,
                            "last_replicate": 5, "seconds": 1.0, "cpu_seconds": 1.0,
                            "startup_cpu_seconds": 0.3}])
    checks.check_timing_table(timing, "c", scenario="s", method="fast", n=60, replicates=(4, 6))
    with pytest.raises(InputError, match="c: times scenario 's', method 'fast', n = 60, "
                                         "replicates 4..5 where this job is scenario 's', "
                                         "method 'fast', n = 150"):
        checks.check_timing_table(timing, "c", scenario="s", method="fast", n=150,
                                  replicates=(4, 6))
    perf = pd.DataFrame({"method": ["a", "a", "b"], "n": [60, 150, 60],
                         "parameter": ["weight", "mean", "weight"], "component": [1, 1, 1]})
    checks.check_summary_table(perf, "p", methods=["a", "b"], sample_sizes=[60, 150],
                               parameters=[("weight", 1), ("mean", 1)])
    for kw, message in [({"methods": ["a", "c"]}, "p: has no rows of method c"),
                        ({"sample_sizes": [60, 500]}, "p: has no rows of n 500"),
                        ({"parameters": [("sd", 2)]}, "p: has no rows of parameter sd[2]"),
                        ({"columns": ["estimate"]}, "p: lacks column(s) estimate")]:
        with pytest.raises(InputError) as err:
            checks.check_summary_table(perf, "p", **kw)
        assert str(err.value).startswith(message), str(err.value)


def test_the_fit_jobs_check_needs_no_pandas():
    # A fit job imports what fit.py imports; pandas' import would cost more than a small block.
    import subprocess
    import sys

    code = ("import sys, _workflow, gmm_recovery.checks, gmm_recovery.replicates, gmm_recovery.design; "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=checks.__file__.rsplit("/", 2)[0])
    assert out.stdout.strip() == "False"


class _Input(list):
    """Snakemake's input list: positional, with named entries."""

    def __init__(self, named):
        super().__init__(named.values())
        self._named = named

    def items(self):
        return self._named.items()


def test_a_grid_jobs_inputs_are_checked_against_the_config(tmp_path):
    from types import SimpleNamespace

    from _workflow import check_grid_inputs

    spec = {"weights": [0.5, 0.5], "means": [0.0, 3.0], "sds": [1.0, 1.0]}
    config = {"seed": 1, "sample_sizes": [50, 80], "replicates": 4, "chunk_size": 4,
              "scenarios": {"g-f1": spec, "g-f2": spec}}
    points = ["g-f1", "g-f2"]
    perf = pd.DataFrame([{"scenario": pt, "method": "default", "n": n, "parameter": "mean[1]",
                          "measure": "bias", "estimate": 0.0} for pt in points for n in (50, 80)])
    convs = {}
    for pt in points:
        convs[pt] = tmp_path / f"{pt}.csv"
        pd.DataFrame({"method": "default", "n": [50, 80], "n_fits": 4}).to_csv(convs[pt],
                                                                              index=False)
    path = tmp_path / "performance.csv"

    def check(table):
        table.to_csv(path, index=False)
        job = SimpleNamespace(config=config, input=_Input(
            {"performance": str(path), "convergence": [str(convs[p]) for p in points]}))
        check_grid_inputs(job, points)

    check(perf)
    with pytest.raises(InputError, match=r"\(grid point g-f2\): has no rows of n 80"):
        check(perf[~((perf["scenario"] == "g-f2") & (perf["n"] == 80))])
    with pytest.raises(InputError, match="has no rows of grid point g-f1"):
        check(perf[perf["scenario"] != "g-f1"])
    pd.DataFrame({"method": "default", "n": [50], "n_fits": 4}).to_csv(convs["g-f2"], index=False)
    with pytest.raises(InputError, match=r"g-f2\.csv: has no rows of n 80"):
        check(perf)


def test_maxima_table_of_another_k_or_without_rows_is_named():
    import pandas as pd

    from gmm_recovery.checks import InputError, check_maxima_table

    rows = pd.DataFrame({"maximum": [1, 1, 1, 1, 1, 1],
                         "parameter": ["weight", "mean", "sd", "weight", "mean", "sd"],
                         "component": [1, 1, 1, 2, 2, 2],
                         "value": [0.4, 0.0, 1.0, 0.6, 3.0, 1.0]})
    check_maxima_table(rows, "p.csv", n_components=2, d=1)
    with pytest.raises(InputError, match=r"^p\.csv: maximum 1 lacks weight\[3\], mean\[3\] of "
                                         r"the truth's K = 3, d = 1"):
        check_maxima_table(rows, "p.csv", n_components=3, d=1)
    with pytest.raises(InputError, match=r"^p\.csv: maximum 1 lacks mean_1\[1\]"):
        check_maxima_table(rows, "p.csv", n_components=2, d=2)
    with pytest.raises(InputError, match=r"^p\.csv: has no rows"):
        check_maxima_table(rows.iloc[:0], "p.csv", n_components=2, d=1)
    with pytest.raises(InputError, match=r"^p\.csv: lacks column\(s\) value"):
        check_maxima_table(rows.drop(columns="value"), "p.csv", n_components=2, d=1)
