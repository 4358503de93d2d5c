"""The study design: fit settings from one declaration, methods compared on
paired replicates, data-generating families, grids, and config values as typed."""

import inspect
import re

import numpy as np
import pytest

from gmmem import settings
from gmm_recovery.config import check_config, study_schema
from gmm_recovery.measures import compare_methods, paired_comparison
from gmmem.fit import fit, fit_many
from gmmem.mixture import Mixture
from gmm_recovery.simulation import sample_scenario, standard_draws
from gmm_recovery.design import expand_grids, parse_scenarios
from workflow_helpers import REPO

SCHEMA = study_schema(REPO / "workflow/schemas/config.schema.yaml")


# --- one declaration of every fit setting ------------------------------------

@pytest.mark.parametrize("function", [fit, fit_many])
def test_fit_signature_defaults_are_the_declared_ones(function):
    params = inspect.signature(function).parameters
    for s in settings.SETTINGS:
        if s.name == "n_components" or s.scope != "fit":
            continue
        assert params[s.name].default == s.default, s.name


def test_study_scope_settings_are_the_analysis_defaults():
    from gmm_recovery.dataset_analysis import analyse

    params = inspect.signature(analyse).parameters
    for s in settings.SETTINGS:
        if s.scope == "study":
            assert params[s.name].default == s.default, s.name


def test_schema_cli_and_readme_come_from_the_declaration():
    from gmm_recovery.cli import _parser as build_parser

    fit_block = SCHEMA["definitions"]["fit"]["properties"]
    assert list(fit_block) == [s.name for s in settings.SETTINGS]
    for s in settings.SETTINGS:
        if s.kind == "choice":
            assert fit_block[s.name]["enum"] == list(s.choices)
    parser = build_parser()
    fit_parser = parser._subparsers._group_actions[0].choices["fit"]
    flags = {o: a for a in fit_parser._actions for o in a.option_strings}
    for s in settings.SETTINGS:
        if s.flag:
            assert flags[s.flag].dest == s.name and flags[s.flag].default == s.default
    # The CLI's settings are exactly the declared ones (plus --no-accel's alias).
    args = fit_parser.parse_args(["f.csv", "-c", "x", "-k", "2"])
    assert settings.from_options(args) == {s.name: s.default for s in settings.SETTINGS if s.flag}
    readme = (REPO / "README.md").read_text()
    assert settings.markdown_table() in readme, "README's settings table is stale: paste " \
        "gmmem.settings.markdown_table()"


@pytest.mark.parametrize("name,value,message", [
    ("tol", 0, "tol must be a positive number, got 0"),
    ("tol", 2.0, r"tol must be a number in \(0, 1\), got 2.0"),
    ("max_iter", 10**7, "max_iter must be an integer <= 1e\\+06"),
    ("n_restarts", 0, "n_restarts must be an integer >= 1, got 0"),
    ("accel", "fast", "accel must be one of"),
    ("var_floor", 0.5, r"var_floor must be a number in \(0, 0.01\]"),
    ("colour", 1, "unknown fit setting 'colour'"),
])
def test_library_checks_come_from_the_declaration(name, value, message):
    with pytest.raises(ValueError, match=message):
        settings.check({name: value})


# --- paired comparisons -------------------------------------------------------

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


# --- data-generating families --------------------------------------------------

@pytest.mark.parametrize("family", ["normal", ("t", 5.0), ("t", 3.0), ("skewnormal", 4.0),
                                    ("skewnormal", -2.0)])
def test_each_family_is_standardised(family):
    n = 400_000
    z = standard_draws(family, (n, 2), np.random.default_rng(1))
    mean, var = z.mean(axis=0), z.var(axis=0)
    # 4 SE of the mean is 4/√n; the variance's SE needs the fourth moment.
    kurt = np.mean(z**4, axis=0)
    assert np.all(np.abs(mean) < 4 / np.sqrt(n))
    assert np.all(np.abs(var - 1) < 4 * np.sqrt((kurt - 1) / n))
    assert abs(np.corrcoef(z.T)[0, 1]) < 4 / np.sqrt(n)


def test_scenario_draws_have_the_written_moments_and_contamination():
    truth = Mixture([0.3, 0.7], [[0.0, 1.0], [5.0, -2.0]],
                    [[[1.0, 0.5], [0.5, 2.0]], [[0.5, 0.0], [0.0, 0.25]]])
    n = 300_000
    x, lab = sample_scenario(truth, n, np.random.default_rng(2),
                             [("t", 5.0), ("skewnormal", 3.0)], {"fraction": 0.02, "sd_factor": 10})
    assert abs(np.mean(lab == 2) - 0.02) < 4 * np.sqrt(0.02 * 0.98 / n)
    assert abs(np.mean(lab == 0) - 0.3 * 0.98) < 4 * np.sqrt(0.3 * 0.7 / n)
    for k in range(2):
        xk = x[lab == k]
        se = np.sqrt(np.diag(truth.covariances[k]) / len(xk))
        assert np.all(np.abs(xk.mean(axis=0) - truth.means[k]) < 4 * se)
        assert np.allclose(np.cov(xk.T), truth.covariances[k], rtol=0.05, atol=0.02)


def test_normal_scenarios_draw_exactly_what_the_mixture_draws():
    truth = Mixture.univariate([0.4, 0.6], [0.0, 3.0], [1.0, 0.5])
    a = sample_scenario(truth, 50, np.random.default_rng(9), ["normal", "normal"], None)
    b = truth.sample(50, np.random.default_rng(9))
    assert a[0].tobytes() == b[0].tobytes() and np.array_equal(a[1], b[1])


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


# --- config values as users type them --------------------------------------------

def test_command_line_strings_become_the_numbers_they_spell():
    # snakemake --config sample_sizes=[60,200] replicates=4 'fit={accel: null}'
    config = {"sample_sizes": ["60", "200"], "replicates": 4, "level": "0.9",
              "fit": {"accel": "null", "tol": "1e-8", "n_restarts": "3"},
              "scenarios": {"a": {"weights": ["0.5", "0.5"], "means": ["0", "3"],
                                  "sds": ["1", "1"], "oracle_start": "true"}},
              "datasets": {"d": {"path": "x.csv", "columns": ["1990"], "n_components": "2"}}}
    check_config(config, SCHEMA, "--config")
    assert config["sample_sizes"] == [60, 200] and config["level"] == 0.9
    assert config["fit"] == {"accel": None, "tol": 1e-8, "n_restarts": 3}
    assert config["scenarios"]["a"]["means"] == [0, 3]
    assert config["scenarios"]["a"]["oracle_start"] is True
    assert config["datasets"]["d"]["columns"] == ["1990"]  # text where text is meant
    assert config["results"] == "results" and config["chunk_size"] == 100


def test_a_non_number_string_is_still_named():
    config = {"sample_sizes": ["60", "lots"], "replicates": 4, "scenarios": {}}
    with pytest.raises(ValueError, match=re.escape("sample_sizes[1]: expected an integer, "
                                                   "got 'lots'")):
        check_config(config, SCHEMA, "--config")


def test_zip_n_is_the_largest_size_not_above_the_wish():
    from gmm_recovery.design import zip_n

    config = {"sample_sizes": [100, 250, 1000], "replicates": 3,
              "scenarios": {"a": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1]}}}
    sc = parse_scenarios(config)["a"]
    assert [zip_n(sc, w) for w in (None, 50, 100, 400, 5000)] == [100, 100, 100, 250, 1000]


def test_figure_panels_read_per_component_with_one_weight_for_two_components():
    from gmm_recovery.tables import reading_order

    import pandas as pd

    table = lambda pairs: pd.DataFrame(pairs, columns=["parameter", "component"])
    pairs = [("mean", 1), ("mean", 2), ("sd", 1), ("sd", 2), ("weight", 1), ("weight", 2)]
    assert reading_order(table(pairs)) == [("weight", 1), ("mean", 1), ("sd", 1), ("mean", 2),
                                           ("sd", 2)]
    three = pairs + [("weight", 3), ("mean", 3), ("sd", 3)]
    assert reading_order(table(three))[:4] == [("weight", 1), ("mean", 1), ("sd", 1),
                                               ("weight", 2)]
    two_d = [("cov_1_2", 1), ("sd_2", 1), ("mean_2", 1), ("mean_1", 1), ("sd_1", 1),
             ("weight", 1)]
    assert reading_order(table(two_d)) == [("weight", 1), ("mean_1", 1), ("mean_2", 1),
                                           ("sd_1", 1), ("sd_2", 1), ("cov_1_2", 1)]


def test_label_check_in_two_dimensions_uses_the_separating_coordinate():
    import pandas as pd

    from gmm_recovery.evaluation import align_fits
    from gmm_recovery.replicates import fit_replicates

    # Two components share the first mean coordinate: sorting by it would be
    # an arbitrary order (the old check's 15-of-20 false alarm); the second separates them.
    shared = Mixture([0.5, 0.5], [[0.0, 0.0], [0.0, 5.0]], [np.eye(2), np.eye(2)])
    tied = Mixture([0.5, 0.5], [[0.0, 0.0], [0.0, 0.0]], [np.eye(2), 4 * np.eye(2)])
    settings = {"n_components": 2, "n_restarts": 2}
    for truth, expected in ((shared, 0), (tied, -1)):
        xs = [truth.sample(400, np.random.default_rng(s))[0] for s in range(6)]
        rows, _, _ = fit_replicates(xs, settings, list(range(6)), traces="first")
        fits = pd.concat([t.assign(n=400, replicate=r) for r, t in enumerate(rows)])
        _, disagree = align_fits(fits, truth)
        assert disagree == {400: expected}


def test_fit_jobs_write_the_csv_pandas_would(tmp_path):
    """The fit jobs write their tables without pandas; the bytes are those of
    pandas' to_csv on the same tables, including tricky floats, NaN where a
    table lacks a column, booleans and text that needs quoting."""
    import pandas as pd

    from _workflow import concat_columns, save_columns, save_csv
    from gmm_recovery.replicates import replicate_columns

    truth = Mixture.univariate([0.3, 0.7], [0.0, 3.0], [1.0, 1.0])
    xs = [truth.sample(80, np.random.default_rng(s))[0] for s in range(3)]
    settings_ = {"n_components": 2, "n_restarts": 2, "intervals": ["wald", "bootstrap"],
                 "n_boot": 5, "bootstrap": "parametric"}
    rows, diagnostics, traces = replicate_columns(xs, settings_, list(range(3)), oracle=truth,
                                                  select_k=(1, 2, 3), traces=2)
    tables = [{"method": "a,b", "n": 80, "replicate": r} | t | d
              for r, (t, d) in enumerate(zip(rows, diagnostics))]
    tables.append({"method": 'say "x"', "n": 80, "replicate": 9, "weight": np.array(
        [1e-300, 1e16, -0.0, np.inf, 0.1 + 0.2, 123456789.0, 1e-5, 2.0 ** 0.5]),
        "converged": True})
    traced = [t | {"replicate": r} for r, t in enumerate(traces) if t is not None]
    for name, cols in (("fits", concat_columns(tables)), ("traces", concat_columns(traced))):
        save_columns(cols, tmp_path / f"{name}.ours.csv")
        frames = [pd.DataFrame(t) for t in (tables if name == "fits" else traced)]
        save_csv(pd.concat(frames, ignore_index=True), tmp_path / f"{name}.pandas.csv")
        ours = (tmp_path / f"{name}.ours.csv").read_bytes()
        assert ours == (tmp_path / f"{name}.pandas.csv").read_bytes(), name
    assert b'"a,b"' in ours or b'"a,b"' in (tmp_path / "fits.ours.csv").read_bytes()


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


def test_oracle_fits_draw_no_fresh_entropy(monkeypatch):
    # The oracle fits (from the truth, no seeds) are only scored by their
    # log-likelihood: they keep the spurious rule, whose bootstrap calibration
    # would draw from fresh OS entropy (and cost 99 draws per flagged fit).
    import sys

    from gmm_recovery.replicates import fit_replicates

    fit_module = sys.modules["gmmem"]  # the study layer calls gmmem's public names
    calls = []
    real = fit_module.fit_many

    def recording(xs, k, **kwargs):
        calls.append(kwargs)
        return real(xs, k, **kwargs)

    monkeypatch.setattr(fit_module, "fit_many", recording)
    truth = Mixture.univariate([0.6, 0.4], [0.0, 2.0], [1.0, 1.0])
    xs = [truth.sample(60, np.random.default_rng(i))[0] for i in range(3)]
    settings_ = {"n_components": 2, "n_restarts": 2, "spurious_test": "bootstrap"}
    fit_replicates(xs, settings_, [np.random.SeedSequence(i) for i in range(3)], oracle=truth)
    oracle = [c for c in calls if c.get("start") is not None]
    assert len(oracle) == 1 and oracle[0].get("seeds") is None
    assert oracle[0]["spurious_test"] == "rule"
