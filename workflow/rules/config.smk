# Load and check the config before anything else: every mistake is one message
# naming the file, the key path, what was expected and what was found.
#
# A study file given with --configfile runs alone: config.yaml (the default
# study) is read only when no --configfile is given. --config values are
# merged on top of either.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))
from gmmem import config as config_check  # noqa: E402
from gmmem import study  # noqa: E402

SCHEMA = config_check.study_schema(Path(workflow.basedir) / "workflow" / "schemas" /
                                   "config.schema.yaml")
CONFIG_FILES = [str(p) for p in workflow.overwrite_configfiles] or ["config.yaml"]

try:
    for _path in CONFIG_FILES:
        if Path(_path).exists():
            config_check.load_yaml(_path)  # YAML syntax errors with line and column
except ValueError as e:
    raise WorkflowError(f"Invalid config: {e}") from None

if not workflow.overwrite_configfiles:
    workflow.configfile("config.yaml")

CONFIG_SOURCE = ", ".join(CONFIG_FILES) + (" and --config" if workflow.config_settings.overwrite_config
                                            and not workflow.overwrite_configfiles else "")
try:
    config_check.check_config(config, SCHEMA, CONFIG_SOURCE)
    config["scenarios"], GRID_ROWS = study.expand_grids(config.get("scenarios") or {})
    if GRID_ROWS:  # the expanded scenarios are checked like written ones
        config_check.check_config(config, SCHEMA, CONFIG_SOURCE + " (grid expanded)")
    SCENARIOS, DATASETS = study.check_study(config, config_check.machine_memory_mb())
    study.check_dataset_files(DATASETS)
except ValueError as e:
    message = str(e)
    if not message.startswith(CONFIG_SOURCE):
        message = f"{CONFIG_SOURCE}: {message}"
    raise WorkflowError(f"Invalid config: {message}") from None

RESULTS = config["results"].rstrip("/")
