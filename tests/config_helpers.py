"""A config refused in-process: the loading and checks config.smk runs, without Snakemake.

config.smk's whole load is gmm_recovery.config.load_study_config; it prints a
refusal as one line, ``Invalid config: <message>``, and exits with code 1.
:func:`config_refusal` runs that function on a working directory with the
arguments a ``snakemake`` call would get (``--configfile`` and ``--config``,
the latter parsed by Snakemake's own parser), and returns the line. A few
tests run the same refusals through Snakemake itself, to show the wiring.
"""

from __future__ import annotations

import os
from pathlib import Path

from workflow_helpers import REPO

SCHEMA_PATH = REPO / "workflow/schemas/config.schema.yaml"


def _arguments(args) -> tuple[list[str], list[str]]:
    """(--configfile files, --config entries) of a snakemake argument list."""
    files, entries, current = [], [], None
    for arg in args:
        if arg in ("--configfile", "--configfiles"):
            current = files
        elif arg == "--config":
            current = entries
        elif arg.startswith("-"):
            current = None
        elif current is not None:
            current.append(arg)
    return files, entries


def _files(root: Path) -> set:
    return {p.relative_to(root) for p in root.rglob("*")}


def config_refusal(workdir: Path, *args: str) -> str:
    """The one line config.smk would print for ``snakemake *args`` in workdir
    (run in-process; args other than --configfile and --config are ignored).
    Fails the test if the config is accepted, if the message is not one line,
    or if anything was written to workdir."""
    from snakemake.cli import parse_config

    from gmm_recovery.config import command_line_entries, load_study_config, study_schema

    files, entries = _arguments(args)
    command_line = command_line_entries(parse_config(entries), entries or None)
    schema = study_schema(SCHEMA_PATH)
    before = _files(workdir)
    here = os.getcwd()
    os.chdir(workdir)
    try:
        load_study_config(files, command_line, schema)
    except ValueError as e:
        message = str(e)
    else:
        raise AssertionError(f"config accepted: snakemake {' '.join(args)} in {workdir}")
    finally:
        os.chdir(here)
    assert "\n" not in message, message
    assert _files(workdir) == before, "the checks wrote files"
    return f"Invalid config: {message}"


def write_config_dir(tmp: Path, config: dict, data: dict[str, str] | None = None) -> Path:
    """A working directory holding config.yaml (and the given data files),
    as make_workdir writes them, without the workflow's files."""
    import yaml

    tmp.mkdir(parents=True, exist_ok=True)
    for name, text in (data or {}).items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text)
    (tmp / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return tmp
