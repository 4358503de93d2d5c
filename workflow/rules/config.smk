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

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))
from gmm_recovery import config as config_check  # noqa: E402
from gmm_recovery import design  # noqa: E402 (used by the other rule files)


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
# The loading and every check are one function (gmm_recovery.config.load_study_config),
# which the tests run in-process on the same files and --config entries.
try:
    _config, GRID_ROWS, SCENARIOS, DATASETS = config_check.load_study_config(
        [_shown(p) for p in workflow.overwrite_configfiles],
        config_check.command_line_entries(workflow.config_settings.config,
                                          workflow.config_settings.config_args),
        SCHEMA)
except ValueError as e:
    _refuse(str(e))
config.clear()
config.update(_config)
if not workflow.overwrite_configfiles:
    workflow.configfiles.append("config.yaml")  # listed in the report like a configfile:

RESULTS = config["results"].rstrip("/")
