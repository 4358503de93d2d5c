"""The example study files the README points to are valid studies (a dry run plans them)."""

from pathlib import Path

import pytest

from workflow_helpers import REPO, make_workdir, snakemake

pytestmark = pytest.mark.workflow

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_plans(tmp_path, example):
    work = make_workdir(tmp_path / "w", {})
    (work / "examples").mkdir()
    (work / "examples" / example.name).write_text(example.read_text())
    proc = snakemake(work, "-n", "--quiet", "rules", "--configfile", f"examples/{example.name}")
    assert "fit" in proc.stdout
    assert not any(Path(work).glob("results*/*.csv"))


@pytest.mark.parametrize("on", [False, True])
def test_grid_conditions_draw_their_own_figures_only_when_asked(tmp_path, on):
    cfg = {"sample_sizes": [50], "replicates": 4, "chunk_size": 4,
           "scenarios": {"g": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1],
                               "grid": {"means": [[0, 2], [0, 4]]}}}}
    if on:
        cfg["grid_point_figures"] = True
    work = make_workdir(tmp_path / "w", cfg)
    proc = snakemake(work, "-n", "--quiet", "rules")
    planned = {line.split()[0]: int(line.split()[1]) for line in proc.stdout.splitlines()
               if len(line.split()) == 2 and line.split()[1].isdigit()}
    assert planned.get("grid_figures") == 1 and planned.get("grid_tables") == 1
    assert planned.get("plot", 0) == (2 if on else 0)
    # Without figures of their own the conditions' fit jobs write no traces table
    # (rule fit_grid_point); with them, rule fit and its traces.
    assert planned.get("fit", 0) == (2 if on else 0)
    assert planned.get("fit_grid_point", 0) == (0 if on else 2)
