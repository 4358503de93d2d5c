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
