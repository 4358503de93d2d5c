"""gmm_recovery.design: grids, methods, the size of the figures' data and the
contamination bound (the refusals of bad designs are in test_bad_config.py)."""

import re

import numpy as np
import pytest

from gmmem.fit import fit
from gmmem.mixture import Mixture
from gmm_recovery.config import check_config, study_schema
from gmm_recovery.design import expand_grids, parse_scenarios
from gmm_recovery.simulation import sample_scenario
from workflow_helpers import REPO

SCHEMA = study_schema(REPO / "workflow/schemas/config.schema.yaml")


# --- grids ---------------------------------------------------------------------

def test_grid_expands_into_stable_readable_names():
    spec = {"weights": [0.5, 0.5], "means": [0, 1], "sds": [1, 1],
            "grid": {"means": [[0, 1], [0, 2], [0, 3]], "weights": [[0.5, 0.5], [0.9, 0.1]]}}
    out, rows = expand_grids({"sep": spec, "plain": {"weights": [1.0], "means": [0], "sds": [1]}})
    assert list(out) == ["sep-means1-weights1", "sep-means1-weights2", "sep-means2-weights1",
                         "sep-means2-weights2", "sep-means3-weights1", "sep-means3-weights2",
                         "plain"]
    assert out["sep-means3-weights2"]["means"] == [0, 3]
    assert out["sep-means3-weights2"]["weights"] == [0.9, 0.1]
    assert "grid" not in out["sep-means1-weights1"]
    assert ("sep", "sep-means2-weights1", "means", 2, "[0,2]") in rows
    # Appending an alternative keeps every existing name.
    spec["grid"]["means"].append([0, 4])
    more, _ = expand_grids({"sep": spec})
    assert set(out) - {"plain"} < set(more)


def test_grid_over_fit_settings_merges_them():
    spec = {"weights": [0.5, 0.5], "means": [0, 2], "sds": [1, 1], "fit": {"tol": 1e-8},
            "grid": {"fit": [{"estimator": "mle"}, {"estimator": "pmle"}]}}
    out, _ = expand_grids({"s": spec})
    assert out["s-fit2"]["fit"] == {"tol": 1e-8, "estimator": "pmle"}


# --- methods ---------------------------------------------------------------------

def test_methods_override_the_global_and_scenario_settings():
    config = {"sample_sizes": [50], "replicates": 3, "fit": {"n_restarts": 4, "tol": 1e-9},
              "methods": {"one": {"n_restarts": 1}, "pen": {"estimator": "pmle"}},
              "scenarios": {"a": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1],
                                  "fit": {"tol": 1e-8}},
                            "b": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1],
                                  "methods": ["pen"]}}}
    check_config(config, SCHEMA, "test")
    sc = parse_scenarios(config)
    assert list(sc["a"].methods) == ["one", "pen"] and list(sc["b"].methods) == ["pen"]
    assert sc["a"].methods["one"]["n_restarts"] == 1 and sc["a"].methods["one"]["tol"] == 1e-8
    assert sc["a"].methods["pen"]["n_restarts"] == 4 and sc["a"].methods["pen"]["estimator"] == "pmle"
    assert sc["b"].methods["pen"]["tol"] == 1e-9
    no_methods = parse_scenarios({k: v for k, v in config.items() if k != "methods"} |
                                 {"scenarios": {"a": config["scenarios"]["a"]}})
    assert list(no_methods["a"].methods) == ["default"]


# --- sizes and bounds ------------------------------------------------------------

def test_zip_n_is_the_largest_size_not_above_the_wish():
    from gmm_recovery.design import zip_n

    config = {"sample_sizes": [100, 250, 1000], "replicates": 3,
              "scenarios": {"a": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1]}}}
    sc = parse_scenarios(config)["a"]
    assert [zip_n(sc, w) for w in (None, 50, 100, 400, 5000)] == [100, 100, 100, 250, 1000]


def test_contamination_up_to_its_bound_simulates_data_the_fit_accepts():
    # The load-time bound on contamination.sd_factor: below it the
    # outliers stay under the magnitude the fits accept, and a fit runs; past
    # it the config is refused, naming the largest sd_factor this truth allows.
    from gmmem._validate import MAX_ABS
    from gmm_recovery.design import check_contamination_scale

    truth = Mixture.univariate([0.5, 0.5], [0.0, 3.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"use sd_factor <= ([0-9.e+]+)") as e:
        check_contamination_scale(truth, 1e200, "scenario 'a'")
    largest = float(re.search(r"use sd_factor <= ([0-9.e+]+)", str(e.value)).group(1))
    check_contamination_scale(truth, 0.9 * largest, "scenario 'a'")
    with pytest.raises(ValueError):
        check_contamination_scale(truth, 1.1 * largest, "scenario 'a'")
    x, labels = sample_scenario(truth, 300, np.random.default_rng(5), ["normal", "normal"],
                                {"fraction": 0.1, "sd_factor": 0.9 * largest})
    assert np.all(np.isfinite(x)) and np.abs(x).max() < MAX_ABS and np.any(labels == 2)
    result = fit(x, n_components=2, n_restarts=2)
    assert np.isfinite(result.loglik)


def test_contamination_sd_factor_defaults_to_the_schemas_value_alone():
    # The default is written once, in the schema; the config check fills it in
    # and the design reads it from there (no fallback of its own).
    from gmm_recovery.design import parse_contamination

    default = SCHEMA["definitions"]["scenario"]["properties"]["contamination"]["properties"][
        "sd_factor"]["default"]
    config = {"sample_sizes": [50], "replicates": 3,
              "scenarios": {"a": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1],
                                  "contamination": {"fraction": 0.05}}}}
    check_config(config, SCHEMA, "test")
    assert parse_scenarios(config)["a"].contamination == {"fraction": 0.05,
                                                          "sd_factor": float(default)}
    with pytest.raises(ValueError, match=r"^scenario 'a': contamination \{'fraction': 0.05\} "
                                         r"has no sd_factor"):
        parse_contamination({"fraction": 0.05}, "scenario 'a'")
    assert parse_contamination(None) is None
