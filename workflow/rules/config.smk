# Load and check the config before anything else: every mistake is one message
# naming the file, the key path, what was expected and what was found.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))
from gmmem import config as config_check  # noqa: E402
from gmmem import study  # noqa: E402

SCHEMA = str(Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml")

try:
    if Path("config.yaml").exists():
        config_check.load_yaml("config.yaml")  # YAML syntax errors with line and column
except ValueError as e:
    raise WorkflowError(f"Invalid config: {e}") from None


configfile: "config.yaml"


CONFIG_SOURCE = ", ".join(map(str, workflow.configfiles)) or "--config"
try:
    config_check.check_config(config, config_check.load_yaml(SCHEMA), CONFIG_SOURCE)
    validate(config, schema="../schemas/config.schema.yaml")  # fills in the defaults
    SCENARIOS, DATASETS = study.check_study(config, config_check.machine_memory_mb())
    study.check_dataset_files(DATASETS)
except ValueError as e:
    message = str(e)
    if not message.startswith(CONFIG_SOURCE):
        message = f"{CONFIG_SOURCE}: {message}"
    raise WorkflowError(f"Invalid config: {message}") from None
