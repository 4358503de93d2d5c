"""Import the paper's example data generator from workflow/scripts."""

import importlib.util
from pathlib import Path

_path = Path(__file__).resolve().parents[2] / "workflow" / "scripts" / "make_height_data.py"
_spec = importlib.util.spec_from_file_location("make_height_data", _path)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
height_data = _mod.height_data
