"""Every rejection of a bad config or data file: one clear message, no job, nothing written."""

import copy

import pytest

from workflow_helpers import make_workdir, snakemake

pytestmark = pytest.mark.workflow

BASE = {
    "sample_sizes": [50, 100],
    "replicates": 3,
    "scenarios": {"a": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1]}},
}
GOOD_CSV = "height\n" + "".join(f"{160 + (i * 7) % 25}.5\n" for i in range(40))


def _with(path, value, base=BASE):
    cfg = copy.deepcopy(base)
    node = cfg
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return cfg


_DELETE = object()

CASES = {
    "weights_sum": (_with(("scenarios", "a", "weights"), [0.5, 0.6]),
                    "scenario 'a': weights must sum to 1"),
    "negative_weight": (_with(("scenarios", "a", "weights"), [1.5, -0.5]),
                        "scenario 'a': weights must be positive"),
    "zero_sd": (_with(("scenarios", "a", "sds"), [1, 0]), "scenario 'a': sds must be positive"),
    "shape_mismatch": (_with(("scenarios", "a", "means"), [0, 3, 6]),
                       "scenario 'a': sds has shape"),
    "not_pd": ({**BASE, "scenarios": {"b": {"weights": [0.5, 0.5], "means": [[0, 0], [3, 3]],
                                            "covariances": [[[1, 0], [0, 1]], [[1, 2], [2, 1]]]}}},
               "scenario 'b': covariances must be positive definite"),
    "cov_shape": ({**BASE, "scenarios": {"b": {"weights": [0.5, 0.5], "means": [[0, 0], [3, 3]],
                                               "covariances": [[[1, 0], [0, 1]]]}}},
                  "scenario 'b': covariances must have shape"),
    "both_sds_and_cov": (_with(("scenarios", "a", "covariances"), [[[1]], [[1]]]),
                         "scenario 'a': give either sds"),
    "k_above_n": (_with(("sample_sizes",), [2, 100]),
                  "scenario 'a': sample_sizes [2] are too small to fit K = 2"),
    "select_k_above_n": (_with(("scenarios", "a", "select_k"), [1, 2, 60]),
                         "scenario 'a': sample_sizes [50] are too small to fit K = 60"),
    "fit_wrong_k": (_with(("scenarios", "a", "fit"), {"n_components": 3}),
                    "scenario 'a': fit.n_components = 3 but the truth has K = 2"),
    "schema_replicates": (_with(("replicates",), 1), "1 is less than the minimum of 2"),
    "schema_unknown_key": (_with(("scenarios", "a", "sd"), [1, 1]),
                           "Additional properties are not allowed ('sd' was unexpected)"),
    "schema_init": (_with(("fit",), {"init": "kmeans"}), "'kmeans' is not one of"),
    "schema_tol": (_with(("fit",), {"tol": -1}), "-1 is less than or equal to the minimum of 0"),
    "schema_name": ({**BASE, "scenarios": {"a b": BASE["scenarios"]["a"]}}, "'a b' does not match"),
    "schema_missing": (_with(("sample_sizes",), _DELETE), "'sample_sizes' is a required property"),
}

DATA_CASES = {
    "missing_file": ({"path": "nothere.csv"}, None, "dataset 'd' (nothere.csv): file not found"),
    "missing_column": ({"columns": ["weight"]}, GOOD_CSV,
                       "dataset 'd' (own.csv): column 'weight' not found"),
    "non_numeric": ({}, GOOD_CSV.replace("160.5", "tall", 1),
                    "dataset 'd' (own.csv): column 'height' has 1 non-numeric cell(s), at line(s) 2"),
    "missing_cells": ({}, GOOD_CSV.replace("167.5", "", 1).replace("174.5", "NA", 1),
                      "column 'height' has 2 empty or NaN cell(s) at line(s) 3, 4; set "
                      "drop_missing: true"),
    "too_few_rows": ({"n_components": 3}, "height\n1.0\n2.0\n",
                     "dataset 'd' (own.csv): 2 usable row(s) in column(s) ['height'], fewer than "
                     "n_components = 3"),
    "constant": ({}, "height\n" + "170\n" * 30, "dataset 'd' (own.csv): column 'height' is constant"),
    "start_wrong_k": ({"start": {"weights": [0.2, 0.3, 0.5], "means": [1, 2, 3], "sds": [1, 1, 1]}},
                      GOOD_CSV, "dataset 'd': start has K = 3 components but n_components is 2"),
}


def _rejected(tmp_path, cfg, message, data=None):
    work = make_workdir(tmp_path, cfg, data)
    proc = snakemake(work, "-n", check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0, text
    assert message in text, text
    assert not (work / "results").exists()
    proc = snakemake(work, "--cores", "1", check=False)
    assert proc.returncode != 0
    assert not (work / "results").exists(), "a job ran"


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_is_rejected_before_any_job(tmp_path, case):
    cfg, message = CASES[case]
    _rejected(tmp_path, cfg, message)


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_bad_dataset_is_rejected_before_any_job(tmp_path, case):
    override, csv, message = DATA_CASES[case]
    ds = {"path": "own.csv", "columns": ["height"], "n_components": 2, **override}
    cfg = {**BASE, "datasets": {"d": ds}}
    _rejected(tmp_path, cfg, message, {"own.csv": csv} if csv is not None else None)


def test_drop_missing_drops_and_reports_rows(tmp_path):
    csv = GOOD_CSV.replace("167.5", "", 1)
    cfg = {**BASE, "scenarios": {}, "datasets": {"d": {"path": "own.csv", "columns": ["height"],
                                                      "n_components": 2, "drop_missing": True}}}
    work = make_workdir(tmp_path, cfg, {"own.csv": csv})
    snakemake(work, "--cores", "1")
    log = (work / "results/logs/datasets/d.log").read_text()
    assert "dropped 1 row(s) with missing values" in log
    rows = (work / "results/datasets/d/assignments.csv").read_text().splitlines()
    assert len(rows) == 1 + 39
