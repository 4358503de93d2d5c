"""Every rejection of a bad config or data file: one clear message, no job, nothing written.

The refusals run in-process, through the loading and checks config.smk runs
(gmm_recovery.config.load_study_config); tests/test_config.py runs a
bad config.yaml and a bad --config value through Snakemake itself."""

import copy
import re

import pytest

from config_helpers import config_refusal, write_config_dir
from workflow_helpers import make_workdir, snakemake

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
    "select_k_above_n": (_with(("scenarios", "a", "select_k"), [1, 2, 40]),
                         "scenario 'a': sample_sizes [50] are too small to fit K = 40"),
    "fit_wrong_k": (_with(("scenarios", "a", "fit"), {"n_components": 3}),
                    "scenario 'a': fit.n_components = 3 but the truth has K = 2"),
    "schema_replicates": (_with(("replicates",), 1),
                          "config.yaml: replicates: expected a value >= 2, got 1"),
    "schema_unknown_key": (_with(("scenarios", "a", "sd"), [1, 1]),
                           "config.yaml: scenarios.a.sd: unknown key 'sd'; did you mean 'sds'?"),
    "typo_replicates": (_with(("replicate",), 20),
                        "config.yaml: replicate: unknown key 'replicate'; did you mean "
                        "'replicates'?"),
    "typo_n_restarts": (_with(("fit",), {"n_restart": 2}),
                        "config.yaml: fit.n_restart: unknown key 'n_restart'; did you mean "
                        "'n_restarts'?"),
    "unknown_method": (_with(("scenarios", "a", "methods"), ["fsat"],
                             {**BASE, "methods": {"fast": {"n_restarts": 1}}}),
                       "scenario 'a': methods: 'fsat' is not defined under the top-level "
                       "methods; did you mean 'fast'?"),
    "grid_bad_point": (_with(("scenarios", "a", "grid"), {"sds": [[1, 1], [1, -1]]}),
                       "scenario 'a-sds2': sds must be positive"),
    "schema_init": (_with(("fit",), {"init": "kmeans"}),
                    "config.yaml: fit.init: expected one of 'emem', 'kmeans++', 'random', got 'kmeans'"),
    "schema_tol": (_with(("fit",), {"tol": -1}), "fit.tol: expected a value > 0, got -1"),
    "schema_estimator": (_with(("scenarios", "a", "fit"), {"estimator": "ridge"}),
                         "scenarios.a.fit.estimator: expected one of 'mle', 'map', 'pmle', "
                         "got 'ridge'"),
    "schema_prefer": (_with(("fit",), {"prefer": "best"}),
                      "fit.prefer: expected one of 'loglik', 'regular', got 'best'"),
    "schema_name": ({**BASE, "scenarios": {"a b": BASE["scenarios"]["a"]}},
                    "scenarios: name 'a b' may hold only letters, digits"),
    "schema_missing": (_with(("sample_sizes",), _DELETE),
                       "config.yaml: scenario 'a': sample_sizes is required, at the top level "
                       "of the config or in the scenario"),
    "fractional_restarts": (_with(("fit",), {"n_restarts": 2.5}),
                            "fit.n_restarts: expected an integer, got 2.5"),
    "huge_max_iter": (_with(("fit",), {"max_iter": 1.0e9}),
                      "fit.max_iter: expected a value <= 1000000, got 1000000000"),
    "level_nan": (_with(("level",), float("nan")), "config.yaml: level: expected a finite number, "
                                                   "got nan (NaN and infinities are never valid)"),
    "tol_nan": (_with(("fit",), {"tol": float("nan")}), "fit.tol: expected a finite number"),
    "tol_inf": (_with(("fit",), {"tol": float("inf")}), "fit.tol: expected a finite number, got inf"),
    "var_floor_inf": (_with(("scenarios", "a", "fit"), {"var_floor": float("inf")}),
                      "scenarios.a.fit.var_floor: expected a finite number, got inf"),
    "var_floor_large": (_with(("fit",), {"var_floor": 2.0}),
                        "fit.var_floor: expected a value <= 0.01, got 2.0"),
    "huge_means": (_with(("scenarios", "a", "means"), [0, 1.0e300]),
                   "scenario 'a': means and sds reach 1e+300"),
    "huge_n": (_with(("sample_sizes",), [1_000_000_000]),
               "scenario 'a', method 'default', n = 1000000000: a fit job of 1 replicate "
               "(job_seconds = 120) needs about"),
    "job_memory_setting": (_with(("max_job_mem_mb",), 200),
                           "a fit job of 3 replicates (job_seconds = 120) needs about 500 MB, more "
                           "than the 200 MB allowed (max_job_mem_mb"),
    "huge_n_data": ({**BASE, "sample_sizes": [1_000_000_000], "write_data": True,
                     "max_job_mem_mb": 10_000},
                    "scenario 'a': sample_sizes 1000000000 with 1 replicates per data block "
                    "needs about"),
    # the plan (job_seconds) of a design too large: refused with its estimate
    "planned_jobs": ({**BASE, "replicates": 10**9},
                     "fit jobs (job_seconds = 120; about"),
    "no_scenarios": (_with(("scenarios",), {}),
                     "config.yaml: the config defines no scenarios and no datasets"),
    "case_collision": ({**BASE, "scenarios": {"a": BASE["scenarios"]["a"],
                                              "A": BASE["scenarios"]["a"]}},
                       "scenario 'A': differs from 'a' only in case"),
    **{f"reserved_{name}": ({**BASE, "scenarios": {name: BASE["scenarios"]["a"]}},
                            f"scenario '{name}': the name is taken by the workflow's own "
                            f"results/{name}/ folder")
       for name in ("logs", "timing", "benchmarks", "datasets")},
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
    "decimal_commas": ({}, GOOD_CSV.replace(".", ","),
                       "dataset 'd' (own.csv): line 2 has 2 fields but the header has 1 "
                       "(comma-separated): '160,5'; it looks like decimal commas"),
    "trailing_comma": ({}, GOOD_CSV.replace("\n", ",\n"),
                       "dataset 'd' (own.csv): every row ends with a trailing comma"),
    "huge_value": ({}, GOOD_CSV.replace("167.5", "1e300", 1),
                   "dataset 'd' (own.csv): column 'height' has a value of magnitude >= 1e+150 "
                   "at line 3"),
    "start_wrong_k": ({"start": {"weights": [0.2, 0.3, 0.5], "means": [1, 2, 3], "sds": [1, 1, 1]}},
                      GOOD_CSV, "dataset 'd': start has K = 3 components but n_components is 2"),
}


UNIT_CASES = {
    "method_intervals": ({**BASE, "methods": {"m": {"intervals": ["wald", "boot"]}}},
                         "config.yaml: methods.m.intervals[1]: expected one of 'wald', "
                         "'sandwich', 'bootstrap', got 'boot'"),
    "method_n_boot": ({**BASE, "methods": {"m": {"n_boot": 5}}},
                      "config.yaml: methods.m.n_boot: expected a value >= 10, got 5"),
    "results_folder": ({**BASE, "results": "my results"},
                       "config.yaml: results: expected text matching ^[A-Za-z0-9_./-]+$, "
                       "got 'my results'"),
    "zip_n_zero": ({**BASE, "zip_n": 0}, "config.yaml: zip_n: expected a value >= 1, got 0"),
    "method_bad_setting": ({**BASE, "methods": {"m": {"accel": "quick"}}},
                           "config.yaml: methods.m.accel: expected one of 'squarem', None, "
                           "got 'quick'"),
    "family_count": (_with(("scenarios", "a", "family"), ["normal"]),
                     "scenario 'a': family has 1 entries but the truth has K = 2"),
    "t_df_too_small": (_with(("scenarios", "a", "family"), [{"t": {"df": 2}}, "normal"]),
                       "scenarios.a.family[0].t.df: expected a value > 2, got 2"),
    "family_unknown": (_with(("scenarios", "a", "family"), ["cauchy", "normal"]),
                       "scenarios.a.family[0]: expected normal, {t: {df: > 2}} or "
                       "{skewnormal: {alpha: a number}}, got 'cauchy'"),
    "contamination_half": (_with(("scenarios", "a", "contamination"), {"fraction": 0.5}),
                           "scenarios.a.contamination.fraction: expected a value < 0.5, got 0.5"),
    "grid_unknown_field": (_with(("scenarios", "a", "grid"), {"mean": [[0, 1]]}),
                           "config.yaml: scenarios.a.grid: unknown key 'mean'; did you mean "
                           "'means'?"),
    "grid_reserved_name": ({**BASE, "scenarios": {"logs": {**BASE["scenarios"]["a"],
                                                           "grid": {"sds": [[1, 1]]}}}},
                           "scenario 'logs': a grid's name becomes the folder of its summary"),
    "grid_name_taken": ({**BASE, "scenarios": {
        "a": {**BASE["scenarios"]["a"], "grid": {"sds": [[1, 1]]}}, "a-sds1": BASE["scenarios"]["a"]}},
        "scenario 'a': grid point 'a-sds1' has the name of another scenario"),
}

# Values once accepted (or crashing the checks), now refused in one line.
SCENARIO = BASE["scenarios"]["a"]
RELIABILITY_CASES = {
    # 4: booleans are not numbers, wherever a truth's number is meant
    "bool_mean": (_with(("scenarios", "a", "means"), [True, 3]),
                  "config.yaml: scenario 'a': means[0]: expected a number, got True (a boolean "
                  "is not a number)"),
    "bool_cov": ({**BASE, "scenarios": {"b": {"weights": [0.5, 0.5], "means": [[0, 0], [3, 3]],
                                              "covariances": [[[1, 0], [0, 1]],
                                                              [[True, 0], [0, 1]]]}}},
                 "scenario 'b': covariances[1][0][0]: expected a number, got True"),
    "bool_weight": (_with(("scenarios", "a", "weights"), [True, 0.5]),
                    "scenarios.a.weights[0]: expected a number, got True (a boolean is not a "
                    "number)"),
    "text_mean": (_with(("scenarios", "a", "means"), [0, "three"]),
                  "scenario 'a': means[1]: expected a number, got 'three'"),
    # 9: results stay inside the working directory
    "results_root": ({**BASE, "results": "/"},
                     "config.yaml: results: '/' is the file-system root"),
    "results_root_allowed": ({**BASE, "results": "/", "allow_absolute_results": True},
                             "config.yaml: results: '/' is the file-system root"),
    "results_absolute": ({**BASE, "results": "/tmp/out"},
                         "config.yaml: results: '/tmp/out' is an absolute path, outside the "
                         "working directory; set allow_absolute_results: true"),
    "results_escape": ({**BASE, "results": "../escape"},
                       "config.yaml: results: '../escape' has a '..' component"),
    "results_escape_inside": ({**BASE, "results": "out/../../escape"},
                              "results: 'out/../../escape' has a '..' component"),
    "results_escape_allowed": ({**BASE, "results": "/tmp/../etc", "allow_absolute_results": True},
                               "results: '/tmp/../etc' has a '..' component"),
    "results_here": ({**BASE, "results": "./"},
                     "config.yaml: results: './' is the working directory itself"),
    # 11: names YAML reads as numbers or booleans
    "name_number": ({**BASE, "scenarios": {123: SCENARIO}},
                    "config.yaml: scenarios: the name 123 is read by YAML as a number; quote it "
                    "(\"123\")"),
    "name_bool": ({**BASE, "scenarios": {True: SCENARIO}},
                  "config.yaml: scenarios: the name True is read by YAML as a boolean"),
    "dataset_name_number": ({**BASE, "datasets": {1: {"path": "x.csv", "columns": ["v"],
                                                      "n_components": 1}}},
                            "config.yaml: datasets: the name 1 is read by YAML as a number"),
    "method_name_number": ({**BASE, "methods": {1: {}}},
                           "config.yaml: methods: the name 1 is read by YAML as a number"),
    "method_list_number": (_with(("scenarios", "a", "methods"), [1],
                                 {**BASE, "methods": {"1": {}}}),
                           "scenarios.a.methods[0]: expected a string, got 1 (YAML reads 1 so; "
                           "quote it to mean text: \"1\")"),
    "column_number": ({**BASE, "datasets": {"d": {"path": "x.csv", "columns": [1990],
                                                  "n_components": 1}}},
                      "datasets.d.columns[0]: expected a string, got 1990 (YAML reads 1990 so"),
    # 12: a grid over fit settings whose alternatives are not settings
    "grid_fit_number": (_with(("scenarios", "a", "grid"), {"fit": [3]}),
                        "config.yaml: scenario 'a': grid.fit[0]: expected a mapping of fit "
                        "settings (e.g. {n_restarts: 1}), got 3"),
    # 13: names become file names: bounded before any job
    "long_name": ({**BASE, "scenarios": {"s" * 300: SCENARIO}},
                  "scenario 'ssssssssssssssssssss'...: the name has 300 characters, more than 64"),
    "long_grid_name": ({**BASE, "scenarios": {"s" * 60: {**SCENARIO,
                                                         "grid": {"sds": [[1, 1], [2, 2]]}}}},
                       "characters, more than 64"),
    "long_method_name": ({**BASE, "methods": {"m" * 65: {}}},
                         "method 'mmmmmmmmmmmmmmmmmmmm'...: the name has 65 characters"),
    "long_dataset_name": ({**BASE, "datasets": {"d" * 100: {"path": "x.csv", "columns": ["v"],
                                                            "n_components": 1}}},
                          "dataset 'dddddddddddddddddddd'...: the name has 100 characters"),
    # 14: contamination that throws outliers past what a fit accepts
    "huge_sd_factor": (_with(("scenarios", "a", "contamination"),
                             {"fraction": 0.1, "sd_factor": 1.0e200}),
                       "config.yaml: scenario 'a': contamination.sd_factor = 1e+200 puts outliers "
                       "(sd_factor x the mixture's SD 1.8) as far as 1.8e+201; data of magnitude "
                       ">= 1e+150 cannot be fitted"),
    # 15: oversized designs, refused by their job count before anything is expanded
    "ten_million_jobs": ({**BASE, "replicates": 10_000_000, "chunk_size": 1},
                         "config.yaml: the study would run about 20,000,000 jobs (20,000,000 "
                         "fit, 20,000,000 of them for scenario 'a'), more than max_jobs = 10,000: "
                         "raise chunk_size"),
    "hundred_thousand_jobs": ({**BASE, "replicates": 100_000, "chunk_size": 1},
                              "the study would run about 200,000 jobs"),
    "jobs_setting": ({**BASE, "replicates": 100, "chunk_size": 10, "max_jobs": 15},
                     "the study would run about 20 jobs (20 fit, 20 of them for scenario 'a'), "
                     "more than max_jobs = 15"),
    "jobs_methods": ({**BASE, "replicates": 1000, "chunk_size": 1, "max_jobs": 100_000,
                      "write_data": True, "methods": {f"m{i}": {} for i in range(60)}},
                     "the study would run about 122,000 jobs (2,000 simulate and 120,000 fit"),
    "huge_grid": (_with(("scenarios", "a", "grid"),
                        {"means": [[0, i] for i in range(1, 101)],
                         "sds": [[1, i] for i in range(1, 101)],
                         "weights": [[0.5, 0.5]] * 2}),
                  "config.yaml: scenario 'a': its grid has 20,000 points (the product of "
                  "100 means, 100 sds, 2 weights), more than max_jobs = 10,000"),
    "grid_jobs": (_with(("scenarios", "a", "grid"), {"replicates": [10, 6000]},
                        {**BASE, "chunk_size": 1}),
                  "the study would run about 12,020 jobs"),
    # 17: too few points for the free parameters
    "n_below_parameters": (_with(("sample_sizes",), [3]),
                           "config.yaml: scenario 'a': sample_sizes [3] are too small to fit "
                           "K = 2 components in d = 1: need n >= K(d + 1) + 1 = 5"),
    "n_below_parameters_2d": ({**BASE, "sample_sizes": [6, 7, 50], "scenarios": {"b": {
        "weights": [0.5, 0.5], "means": [[0, 0], [3, 3]],
        "covariances": [[[1, 0], [0, 1]], [[1, 0], [0, 1]]]}}},
        "scenario 'b': sample_sizes [6] are too small to fit K = 2 components in d = 2: "
        "need n >= K(d + 1) + 1 = 7"),
    # 20: an SD whose variance underflows is named as written
    "tiny_sd": (_with(("scenarios", "a", "sds"), [1.0e-200, 1]),
                "config.yaml: scenario 'a': sds[0]: 1e-200 is below 1e-140; its variance"),
    "huge_sd": (_with(("scenarios", "a", "sds"), [1, 1.0e160]),
                "config.yaml: scenario 'a': sds[1]: 1e+160 puts draws beyond 1e+150"),
    "tiny_start_sd": ({**BASE, "datasets": {"d": {"path": "x.csv", "columns": ["v"],
                                                  "n_components": 2, "start": {
                                                      "weights": [0.5, 0.5], "means": [0, 1],
                                                      "sds": [1, 1.0e-300]}}}},
                      "dataset 'd' start: sds[1]: 1e-300 is below 1e-140"),
}


def _config_error(cfg) -> str:
    """The message config.smk would stop with, from the same checks
    (gmm_recovery.design.check_all), without Snakemake."""
    from gmm_recovery import design
    from gmm_recovery.config import machine_memory_mb, study_schema
    from workflow_helpers import REPO

    schema = study_schema(REPO / "workflow/schemas/config.schema.yaml")
    cfg = copy.deepcopy(cfg)
    try:
        design.check_all(cfg, schema, "config.yaml", memory_mb=machine_memory_mb())
    except ValueError as e:
        message = str(e)
        return message if message.startswith("config.yaml") else f"config.yaml: {message}"
    return ""


_GRID = {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1],
         "grid": {"means": [[0, 1], [0, 2]], "weights": [[0.5, 0.5], [0.9, 0.1]]}}
GRID_VIEW_CASES = {
    "grid_labels_unknown_factor": (
        _with(("scenarios", "a"), {**_GRID, "grid_labels": {"mean": ["x", "y"]}}),
        "scenario 'a': grid_labels.mean: 'mean' is not a factor of its grid; did you mean "
        "'means'?"),
    "grid_labels_count": (
        _with(("scenarios", "a"), {**_GRID, "grid_labels": {"means": ["close"]}}),
        "scenario 'a': grid_labels.means has 1 label(s) for 2 alternatives"),
    "grid_labels_repeat": (
        _with(("scenarios", "a"), {**_GRID, "grid_labels": {"means": ["x", "x"]}}),
        "scenario 'a': grid_labels.means repeats a label"),
    "grid_labels_not_text": (
        _with(("scenarios", "a"), {**_GRID, "grid_labels": {"means": [1, 2]}}),
        "scenarios.a.grid_labels.means[1]: expected a string, got 2"),
    "grid_order_unknown": (
        _with(("scenarios", "a"), {**_GRID, "grid_order": ["n", "sds"]}),
        "scenario 'a': grid_order: 'sds' is not a factor of its grid"),
    "grid_heatmap_one": (
        _with(("scenarios", "a"), {**_GRID, "grid_heatmap": ["means"]}),
        "scenarios.a.grid_heatmap"),
    "grid_view_without_grid": (
        _with(("scenarios", "a", "grid_order"), ["n"]),
        "scenario 'a': grid_order is given but the scenario has no grid"),
}

# The bootstrap LRT of model choice: a setting that would do nothing, or fail in
# every fit job (a test needs at least 2 draws), is refused at load time.
MODEL_CHOICE_CASES = {
    "select_blrt_without_select_k": (
        _with(("scenarios", "a", "select_blrt"), 99),
        "scenario 'a': select_blrt is given but the scenario has no select_k"),
    "select_blrt_one_draw": (
        _with(("scenarios", "a"), {**BASE["scenarios"]["a"], "select_k": [1, 2],
                                   "select_blrt": 1}),
        "scenario 'a': select_blrt: 1 draw cannot calibrate a test; give 0 (no bootstrap LRT) "
        "or at least 2"),
}


ONE_MESSAGE_CASES = CASES | UNIT_CASES | RELIABILITY_CASES | GRID_VIEW_CASES | MODEL_CHOICE_CASES


@pytest.mark.parametrize("case", sorted(ONE_MESSAGE_CASES))
def test_bad_config_is_rejected_with_one_message(case):
    cfg, message = ONE_MESSAGE_CASES[case]
    error = _config_error(cfg)
    assert message in error and "\n" not in error, error


# Each kind of check also from a config.yaml on disk, as config.smk loads it:
# one message, nothing written.
END_TO_END = ("weights_sum", "not_pd", "schema_unknown_key", "typo_n_restarts", "huge_n",
              "fit_wrong_k", "tol_nan", "case_collision", "no_scenarios", "unknown_method",
              "grid_bad_point")


def _rejected(tmp_path, cfg, message, data=None, config_text=None):
    work = write_config_dir(tmp_path, cfg, data)
    if config_text is not None:
        (work / "config.yaml").write_text(config_text)
    line = config_refusal(work)
    assert message in line, line
    assert "Traceback" not in line and "$schema" not in line, "not one clear message"


@pytest.mark.parametrize("case", END_TO_END)
def test_bad_config_is_rejected_before_any_job(tmp_path, case):
    cfg, message = (CASES | UNIT_CASES)[case]
    _rejected(tmp_path, cfg, message)


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_bad_dataset_is_rejected_before_any_job(tmp_path, case):
    override, csv, message = DATA_CASES[case]
    ds = {"path": "own.csv", "columns": ["height"], "n_components": 2, **override}
    cfg = {**BASE, "datasets": {"d": ds}}
    _rejected(tmp_path, cfg, message, {"own.csv": csv} if csv is not None else None)


@pytest.mark.workflow
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


def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    text = "seed: 1\nsample_sizes: [60, 100\nreplicates: 3\n"
    _rejected(tmp_path, BASE, "config.yaml, line 3, column 11: YAML syntax error", config_text=text)


@pytest.mark.workflow
def test_whole_numbers_written_as_floats_are_counts(tmp_path):
    # YAML reads 2.0 as a float; where a count is meant a whole value is accepted.
    cfg = copy.deepcopy(BASE)
    cfg.update(seed=1.0, chunk_size=2.0, replicates=3.0, sample_sizes=[50.0])
    cfg["fit"] = {"n_restarts": 2.0, "n_components": 2.0, "max_iter": 500.0}
    work = make_workdir(tmp_path, cfg)
    out = snakemake(work, "-n", "--quiet", "rules").stdout
    assert re.search(r"^fit\s+2$", out, re.M), out  # 3 replicates in chunks of 2


def test_coercion_and_error_format_unit():
    from gmm_recovery.config import check_config, machine_memory_mb, study_schema
    from workflow_helpers import REPO

    schema = study_schema(REPO / "workflow/schemas/config.schema.yaml")
    cfg = copy.deepcopy(BASE)
    cfg["fit"] = {"n_restarts": 4.0}
    cfg["scenarios"]["a"]["select_k"] = [1.0, 2.0]
    check_config(cfg, schema, "my.yaml")
    assert cfg["fit"]["n_restarts"] == 4 and isinstance(cfg["fit"]["n_restarts"], int)
    assert all(isinstance(k, int) for k in cfg["scenarios"]["a"]["select_k"])
    assert isinstance(cfg["scenarios"]["a"]["means"][1], int)  # untouched: a number, not a count
    cfg["scenarios"]["a"]["sds"] = [1, float("-inf")]
    with pytest.raises(ValueError, match=r"^my.yaml: scenarios.a.sds\[1\]: expected a finite"):
        check_config(cfg, schema, "my.yaml")
