# Load and check the config before anything else: every mistake is one line
# on stderr naming the file (or the --config entry), the key path, what was
# expected and what was found, and the run stops with exit code 1 before any job.
#
# A study file given with --configfile runs alone: config.yaml (the default
# study) is read only when no --configfile is given. --config values are
# merged on top of either.
#
# config.yaml is read here with gmm_recovery.config.load_yaml (a safe YAML loader: no
# YTE templates, no duplicate keys, aliases bounded), never with Snakemake's
# `configfile:` loader, which evaluates YTE templates (Python code) in a file
# that asks for them. A --configfile is read by Snakemake itself while it
# parses its arguments, before this file runs; it is read again here with the
# safe loader and its values replace the ones Snakemake read, so the checks
# and the jobs see exactly what the safe loader sees.
import os
import sys
from pathlib import Path

from snakemake.utils import update_config

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))
from gmm_recovery import config as config_check  # noqa: E402
from gmm_recovery import design  # noqa: E402


def _refuse(message):
    """One line on stderr and exit code 1: no Snakemake frame, no traceback."""
    print(f"Invalid config: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def _shown(path):
    """A config file's name as the user would write it: relative when inside the working directory."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


SCHEMA = config_check.study_schema(Path(workflow.basedir) / "workflow" / "schemas" /
                                   "config.schema.yaml")
CONFIG_FILES = [_shown(p) for p in workflow.overwrite_configfiles] or ["config.yaml"]
COMMAND_LINE = config_check.command_line_entries(workflow.config_settings.config,
                                                 workflow.config_settings.config_args)
CONFIG_SOURCE = ", ".join(CONFIG_FILES) + (" and --config" if COMMAND_LINE else "")

if not workflow.overwrite_configfiles and not Path("config.yaml").exists():
    _refuse("config.yaml: not found in the working directory (write one, or pass "
            "--configfile FILE)")
try:
    _merged = {}
    for _path in CONFIG_FILES:
        update_config(_merged, config_check.load_yaml(_path))
    update_config(_merged, dict(workflow.config_settings.config))
except ValueError as e:
    _refuse(str(e))
config.clear()
config.update(_merged)
if not workflow.overwrite_configfiles:
    workflow.configfiles.append("config.yaml")  # listed in the report like a configfile:

try:
    GRID_ROWS, SCENARIOS, DATASETS = design.check_all(config, SCHEMA, CONFIG_SOURCE, COMMAND_LINE)
except ValueError as e:
    message = str(e)
    if not message.startswith((CONFIG_SOURCE, "--config ")):
        message = f"{CONFIG_SOURCE}: {message}"
    _refuse(message)

RESULTS = config["results"].rstrip("/")
