"""Running the workflow on small configs in a temporary directory."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# Files whose content is a time measurement or a log, not a result.
NOT_RESULTS = ("logs", "benchmarks", "timing")


def make_workdir(tmp: Path, config: dict, data: dict[str, str] | None = None) -> Path:
    """A copy of the workflow in tmp with the given config.yaml (and data files)."""
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", tmp / "Snakefile")
    shutil.copytree(REPO / "workflow", tmp / "workflow",
                    ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    shutil.copytree(REPO / "data", tmp / "data", dirs_exist_ok=True)
    for name, text in (data or {}).items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text)
    (tmp / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return tmp


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n"
                             f"{proc.stderr[-4000:]}")
    return proc


def result_files(workdir: Path) -> list[Path]:
    root = workdir / "results"
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and p.relative_to(root).parts[0] not in NOT_RESULTS)


def identical_results(a: Path, b: Path) -> list[str]:
    """Paths under results/ that differ (or exist in one only) between two runs."""
    fa, fb = result_files(a), result_files(b)
    diff = [str(p) for p in set(fa) ^ set(fb)]
    diff += [str(p) for p in fa if p in set(fb)
             and not filecmp.cmp(a / "results" / p, b / "results" / p, shallow=False)]
    return diff


TINY = {
    "seed": 7,
    "sample_sizes": [60, 150],
    "replicates": 6,
    "chunk_size": 4,
    "write_data": True,  # the data blocks too (the fit jobs draw the same data themselves)
    "fit": {"n_restarts": 2},
    # Two methods on the same data: they differ in the acceleration, and the
    # second adds bootstrap intervals.
    "methods": {"fast": {}, "plain": {"accel": None, "intervals": ["wald", "bootstrap"],
                                      "n_boot": 20, "bootstrap": "nonparametric"}},
    "scenarios": {
        "uni": {"weights": [0.4, 0.6], "means": [0.0, 4.0], "sds": [1.0, 1.5],
                "oracle_start": True, "select_k": [1, 2, 3]},
        "bi": {"weights": [0.5, 0.5], "means": [[0, 0], [4, 4]],
               "covariances": [[[1, 0], [0, 1]], [[1, 0], [0, 2]]],
               "fit": {"covariance": "diag", "estimator": "pmle"}, "methods": ["fast"]},
        "heavy": {"weights": [0.5, 0.5], "means": [0.0, 4.0], "sds": [1.0, 1.0],
                  "family": [{"t": {"df": 5}}, {"skewnormal": {"alpha": 3}}],
                  "contamination": {"fraction": 0.05}, "sample_sizes": [60],
                  "methods": ["fast"]},
    },
    "datasets": {
        "heights": {"path": "data/height_data.csv", "columns": ["height"],
                    "n_components": 2,
                    "start": {"weights": [0.5, 0.5], "means": [170, 180], "sds": [5, 5]}},
        "heights_k": {"path": "data/height_data.csv", "columns": ["height"],
                      "n_components": [1, 2, 3]},
    },
}
