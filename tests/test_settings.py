"""gmmem.settings: every fit setting declared once; the library's defaults and
checks, the config schema, the CLI and the README's table come from it."""

import inspect

import pytest

from gmmem import settings
from gmmem.fit import fit, fit_many
from gmm_recovery.config import study_schema
from workflow_helpers import REPO

SCHEMA = study_schema(REPO / "workflow/schemas/config.schema.yaml")


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
