"""Time a study end to end, against the previous release, side by side in one run.

Runs the study of ``--config`` (default: tests/benchmarks/study_baseline.yaml,
the default study as of the previous release) with this checkout's workflow
and with the previous release's (git commit PREVIOUS, from this repository's
history), each in a scratch folder with ``python -m snakemake --cores N``, and
prints for each: wall time, CPU time of all processes, CPU time inside the fit
jobs' fitting (from their timing files), the share outside it, and the
start-up CPU of a fit job: interpreter, Snakemake's preamble, imports, config
parsing, reading the data, writing the tables, as the job measures it in its
own process (time.process_time() minus its fitting CPU; the previous release
did not record it). Snakemake's benchmark files are not used for this: psutil
samples them about once a second, which misses most of a job this short.
Targets (issue 13): CPU in fits >= 3x lower than the previous release; fit-job
start-up < 0.5 s.

    python tests/benchmarks/bench_study.py [--config FILE] [--cores 4] [--no-previous]
"""

from __future__ import annotations

import argparse
import glob
import io
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
PREVIOUS = "ff1b3ad"


def study_size(cfg: dict) -> str:
    rows = []
    for name, sc in cfg["scenarios"].items():
        sizes = sc.get("sample_sizes", cfg["sample_sizes"])
        reps = sc.get("replicates", cfg["replicates"])
        restarts = sc.get("fit", {}).get("n_restarts", cfg.get("fit", {}).get("n_restarts", 10))
        rows.append(f"{name}: {len(sizes)} sizes × {reps} replicates × {restarts} restarts")
    return "; ".join(rows)


def checkout(work: Path, commit: str | None) -> None:
    """This checkout's workflow (commit None) or that of a commit, into work."""
    if commit is None:
        for item in ("Snakefile", "workflow", "data"):
            src = REPO / item
            (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
        return
    blob = subprocess.run(["git", "archive", commit, "Snakefile", "workflow", "data"], cwd=REPO,
                          capture_output=True, check=True).stdout
    tarfile.open(fileobj=io.BytesIO(blob)).extractall(work, filter="data")


def run_study(config: Path, cores: int, commit: str | None) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            checkout(work, commit)
        except (OSError, subprocess.CalledProcessError):
            return None
        shutil.copy(config, work / "config.yaml")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        # The workflow's own gmmem first: the installed (editable) one is this
        # checkout's, which must not stand in for the previous release's.
        env = dict(os.environ, PYTHONPATH=str(work / "workflow" / "scripts"))
        proc = subprocess.run([sys.executable, "-m", "snakemake", "--cores", str(cores),
                               "--quiet", "all"], cwd=work, capture_output=True, text=True,
                              env=env)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            return None
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        # Keyed by scenario and file: the file names repeat across scenarios.
        tables = {(Path(f).parent.name, Path(f).stem): pd.read_csv(f)
                  for f in glob.glob(str(work / "results/timing/*/*.csv"))}
        timing = {key: t["cpu_seconds"].sum() for key, t in tables.items()}
        # Start-up as the job itself measures it (its process CPU outside fitting),
        # where the release records it.
        own = [t["startup_cpu_seconds"].iloc[0] for t in tables.values()
               if "startup_cpu_seconds" in t]
        jobs = len(glob.glob(str(work / "results/logs/**/*.log"), recursive=True))
    fit_cpu = sum(timing.values())
    return {"wall": wall, "cpu": cpu, "fit_cpu": fit_cpu, "jobs": jobs,
            "startup": sum(own) / len(own) if own else float("nan"),
            "startup_max": max(own) if own else float("nan")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--config", default=str(Path(__file__).parent / "study_baseline.yaml"))
    ap.add_argument("--cores", type=int, default=4)
    ap.add_argument("--no-previous", action="store_true", help="time this checkout only")
    args = ap.parse_args()
    cfg = yaml.safe_load(open(args.config))
    print(f"study: {study_size(cfg)}")
    runs = {"this checkout": run_study(Path(args.config), args.cores, None)}
    if not args.no_previous:
        runs[f"previous release ({PREVIOUS})"] = run_study(Path(args.config), args.cores, PREVIOUS)
    print(f"{'':<30} {'jobs':>5} {'wall s':>8} {'CPU s':>8} {'CPU in fits':>12} "
          f"{'outside fits':>13} {'fit-job start-up CPU: mean':>27} {'max':>7}")
    for name, r in runs.items():
        if r is None:
            print(f"{name:<30} not available (needs git history with commit {PREVIOUS})")
            continue
        print(f"{name:<30} {r['jobs']:>5} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['fit_cpu']:>12.1f} "
              f"{1 - r['fit_cpu'] / r['cpu']:>13.1%} {r['startup']:>25.2f} s "
              f"{r['startup_max']:>5.2f} s")
    new, old = runs["this checkout"], list(runs.values())[-1]
    if new and old and old is not new:
        print(f"CPU in fits: {old['fit_cpu'] / new['fit_cpu']:.1f}x lower than the previous "
              f"release (target >= 3x); wall {new['wall']:.0f} s vs {old['wall']:.0f} s")
    if new:
        print(f"fit-job start-up CPU: {new['startup']:.2f} s (target < 0.5 s)")
    return 0 if new else 1


if __name__ == "__main__":
    sys.exit(main())
