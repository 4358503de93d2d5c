"""pyproject.toml, requirements.lock, environment.yml and the rules' conda env agree."""

import re
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement

from workflow_helpers import REPO

# conda-forge names of the packages whose PyPI names differ.
CONDA_TO_PYPI = {"snakemake-minimal": "snakemake", "matplotlib-base": "matplotlib"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[_norm(name)] = version.strip()
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def _conda_pins(path) -> dict[str, str]:
    pins = {}
    for dep in yaml.safe_load(path.read_text())["dependencies"]:
        if isinstance(dep, str) and dep not in ("pip",) and not dep.startswith("python"):
            name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", dep).groups()
            pins[_norm(CONDA_TO_PYPI.get(name, name))] = version
    return pins


def test_lock_pins_every_requirement_within_its_range():
    lock = _lock()
    for req in _requirements():
        name = _norm(req.name)
        assert name in lock, f"{req.name} is in pyproject.toml but not in requirements.lock"
        assert req.specifier.contains(lock[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={lock[name]}, outside pyproject's {req}")


def test_lock_pins_exact_versions_only():
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.+!-]+", line), line


@pytest.mark.parametrize("path", ["environment.yml", "workflow/envs/gmmem.yaml"])
def test_conda_environments_pin_the_lock_versions(path):
    lock = _lock()
    pins = _conda_pins(REPO / path)
    for name, version in pins.items():
        assert lock.get(name) == version, f"{path} pins {name}=={version}, the lock {lock.get(name)}"
    if path == "environment.yml":
        assert {_norm(r.name) for r in _requirements()} <= set(pins), "a dependency is missing"
        pip = next(d["pip"] for d in yaml.safe_load((REPO / path).read_text())["dependencies"]
                   if isinstance(d, dict))
        assert "-c requirements.lock" in pip


def test_installed_versions_are_the_locked_ones():
    # The README's commands install from the lock: what runs is what is pinned.
    from importlib.metadata import version

    lock = _lock()
    for name in ("numpy", "scipy", "pandas", "matplotlib", "snakemake", "pyyaml"):
        assert version(name) == lock[name], name


def test_what_the_readme_commands_import_is_a_main_dependency():
    # `snakemake --report`, a README command run after command 1's install alone
    # (no [test] extra), imports pygments, which snakemake itself does not
    # require; .ci/readme-commands runs every such command from that install.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    main = {_norm(Requirement(r).name) for r in project["dependencies"]}
    assert "pygments" in main
    assert "pygments" in _conda_pins(REPO / "environment.yml")
    ci = (REPO / ".ci" / "run").read_text()
    assert ".ci/readme-commands" in ci
    assert '-e .\n' in (REPO / ".ci" / "readme-commands").read_text()
