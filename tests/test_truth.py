"""gmm_recovery.design.Truth: the truth parsed once at config load and handed
to the jobs as it is, drawing the same data the config values drew."""

import copy
import pickle

import numpy as np
import pytest

from gmm_recovery.design import (mixture_from_spec, parse_contamination, parse_families,
                                 parse_scenarios, truth_of)
from gmm_recovery.replicate_data import draw_replicates
from gmm_recovery.seeds import seed_for
from gmm_recovery.simulation import sample_scenario

CONFIG = {
    "sample_sizes": [30], "replicates": 3,
    "scenarios": {
        "uni": {"weights": [0.4, 0.6], "means": [0.0, 4.0], "sds": [1.0, 1.5]},
        "bi": {"weights": [0.5, 0.5], "means": [[0, 0], [4, 4]],
               "covariances": [[[1, 0.3], [0.3, 1]], [[1, 0], [0, 2]]]},
        "heavy": {"weights": [0.5, 0.5], "means": [0.0, 4.0], "sds": [1.0, 1.0],
                  "family": [{"t": {"df": 5}}, {"skewnormal": {"alpha": 3}}],
                  "contamination": {"fraction": 0.05, "sd_factor": 10}},
    },
}


def _old_draws(spec, scenario, seed, n, start, stop):
    """Replicates as the jobs drew them from the raw config values, before Truth."""
    where = f"scenario {scenario!r}"
    truth = mixture_from_spec(spec, where)
    families = parse_families(spec.get("family"), truth, where)
    xs, labels = [], []
    for r in range(start, stop):
        x, lab = sample_scenario(truth, n, np.random.default_rng(
            seed_for(seed, scenario, "simulate", n, r)), families,
            parse_contamination(spec.get("contamination"), where))
        xs.append(x)
        labels.append(lab)
    return np.stack(xs), np.stack(labels).astype(np.int16)


@pytest.fixture(scope="module")
def scenarios():
    return parse_scenarios(CONFIG)


@pytest.mark.parametrize("name", ["uni", "bi", "heavy"])
def test_the_truth_is_the_scenarios_mixture_to_the_bit(scenarios, name):
    sc = scenarios[name]
    truth = truth_of(sc)
    mixture = truth.mixture()
    for field in ("weights", "means", "covariances"):
        assert np.array_equal(getattr(mixture, field), getattr(sc.truth, field))
    assert truth.families == sc.families and truth.contamination == sc.contamination
    assert (truth.n_components, truth.dim) == (sc.truth.n_components, sc.truth.dim)


@pytest.mark.parametrize("name", ["uni", "bi", "heavy"])
def test_draws_from_the_truth_are_the_draws_from_the_config(scenarios, name):
    new = draw_replicates(truth_of(scenarios[name]), name, 7, 40, 1, 3)
    old = _old_draws(CONFIG["scenarios"][name], name, 7, 40, 1, 3)
    for a, b in zip(new, old):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_the_truth_pickles_and_its_repr_is_the_same_from_every_parse(scenarios):
    # Snakemake keeps a param for its rerun trigger only when it is a builtin
    # type (a tuple is) and records repr(value): of Python floats, so exact.
    # tests/test_workflow.py checks the trigger itself with dry runs.
    truth = truth_of(scenarios["heavy"])
    assert isinstance(truth, tuple) and pickle.loads(pickle.dumps(truth)) == truth
    assert repr(truth) == repr(truth_of(parse_scenarios(copy.deepcopy(CONFIG))["heavy"]))


def test_only_the_data_generating_settings_change_the_truth():
    base = truth_of(parse_scenarios(CONFIG)["uni"])
    other = copy.deepcopy(CONFIG)
    other["scenarios"]["uni"].update(replicates=9, sample_sizes=[50], oracle_start=True,
                                     select_k=[1, 2], fit={"n_restarts": 3})
    assert repr(truth_of(parse_scenarios(other)["uni"])) == repr(base)
    nudged = copy.deepcopy(CONFIG)
    nudged["scenarios"]["uni"]["means"] = [0.0, float(np.nextafter(4.0, 5.0))]
    assert repr(truth_of(parse_scenarios(nudged)["uni"])) != repr(base)
