"""The two packages and the one way their imports go.

gmmem (the estimators) needs numpy and scipy only and never imports the study
layer; gmm_recovery and the workflow's scripts use gmmem only through its
public names (``gmmem.__all__``, and the fit settings' declaration
:mod:`gmmem.settings`).
"""

import ast
import sys
from pathlib import Path

import pytest

import gmmem

SCRIPTS = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
GMMEM_MAY_IMPORT = {"numpy", "scipy", "threadpoolctl", "gmmem"}
PUBLIC_MODULES = {"gmmem.settings"}


def _imports(path: Path):
    """(module, name or None, line) of every absolute import in a file, nested ones too."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.module, alias.name, node.lineno


def _files(folder: str):
    return sorted((SCRIPTS / folder).glob("*.py"))


@pytest.mark.parametrize("path", _files("gmmem"), ids=lambda p: p.name)
def test_gmmem_imports_only_numpy_scipy_and_itself(path):
    third_party = {m.split(".")[0] for m, _, _ in _imports(path)} - set(sys.stdlib_module_names)
    if path.name == "fit.py":  # select_k's table is still a DataFrame: to become numpy columns
        third_party.discard("pandas")
    assert third_party <= GMMEM_MAY_IMPORT, f"{path.name} imports {sorted(third_party - GMMEM_MAY_IMPORT)}"


@pytest.mark.parametrize("path", _files("gmm_recovery") + sorted(SCRIPTS.glob("*.py")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_study_layer_uses_only_public_gmmem_names(path):
    for module, name, line in _imports(path):
        if module == "gmmem":
            assert name is None or name in gmmem.__all__, f"{path.name}:{line}: gmmem.{name} is not public"
        elif module.startswith("gmmem."):
            assert module in PUBLIC_MODULES, f"{path.name}:{line}: imports the private module {module}"


def test_public_names_exist_and_are_documented():
    for name in gmmem.__all__:
        obj = getattr(gmmem, name)
        if callable(obj) or isinstance(obj, type(gmmem)):
            assert (obj.__doc__ or "").strip(), f"gmmem.{name} has no docstring"


def test_importing_gmmem_loads_no_study_layer_or_plotting():
    import subprocess

    code = ("import sys, gmmem; bad = [m for m in ('gmm_recovery', 'pandas', 'matplotlib', "
            "'snakemake', 'yaml') if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(SCRIPTS), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == ""
