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


def _sections(doc: str) -> dict:
    """A numpydoc docstring's sections: {title: the lines under it}, plus the
    summary under "" (the lines before the first blank one)."""
    import inspect

    lines = inspect.cleandoc(doc).splitlines()
    blank = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    out, title = {"": lines[:blank]}, None
    for i, line in enumerate(lines):
        under = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.strip() and under and set(under) == {"-"} and len(under) == len(line.strip()):
            title = line.strip()
            out[title] = []
        elif title is not None and not (line.strip() and set(line.strip()) == {"-"}):
            out[title].append(line)
    return out


def _documented_names(lines) -> set:
    """The names a Parameters or Attributes section documents (its unindented lines)."""
    names = set()
    for line in lines:
        if line.strip() and not line.startswith(" "):
            names |= {n.strip() for n in line.split(" : ")[0].split(",")}
    return names


def _public_callables():
    import inspect

    for name in gmmem.__all__:
        obj = getattr(gmmem, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield name, obj


@pytest.mark.parametrize("name,obj", list(_public_callables()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_public_api_has_numpydoc_sections(name, obj):
    """Every public function has a one-line summary and numpydoc Parameters (naming
    each argument of its signature) and Returns sections, and Raises where its own
    code raises ValueError; every public class Parameters or Attributes naming its
    fields."""
    import dataclasses
    import inspect

    sections = _sections(obj.__doc__ or "")
    assert len(sections[""]) == 1, f"gmmem.{name}: the summary is not one line: {sections['']}"
    if inspect.isclass(obj):
        documented = _documented_names(sections.get("Parameters", sections.get("Attributes", [])))
        assert documented, f"gmmem.{name} has no Parameters or Attributes section"
        if dataclasses.is_dataclass(obj):
            fields = {f.name for f in dataclasses.fields(obj) if not f.name.startswith("_")}
            assert fields <= documented, f"gmmem.{name}: undocumented {sorted(fields - documented)}"
        return
    sig = inspect.signature(obj)
    args = {("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "")
            + p.name for p in sig.parameters.values() if not p.name.startswith("_")}
    if args:
        documented = _documented_names(sections.get("Parameters", []))
        assert documented == args, (f"gmmem.{name}: Parameters documents {sorted(documented)}, "
                                    f"the signature has {sorted(args)}")
    assert "Returns" in sections, f"gmmem.{name} has no Returns section"
    if "raise ValueError" in inspect.getsource(obj):
        assert "ValueError" in "\n".join(sections.get("Raises", [])), \
            f"gmmem.{name} raises ValueError but has no Raises section saying when"
