"""Time the default study end to end and the share spent outside EM.

Copies the workflow and config.yaml into a temporary directory, runs
``snakemake --cores 4`` there, and prints the wall time, the CPU time of all
processes, the CPU time spent inside the fits (EM, standard errors: from the
fit jobs' timing files), and the share outside EM (Snakemake, interpreters,
imports, I/O, plots). Targets (issue 3): wall < 180 s on 2 cores, outside-EM
share < 1/3.

    python tests/benchmarks/bench_study.py [--config config.yaml] [--cores 4]
"""

from __future__ import annotations

import argparse
import glob
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]


def study_size(cfg: dict) -> str:
    rows = []
    for name, sc in cfg["scenarios"].items():
        sizes = sc.get("sample_sizes", cfg["sample_sizes"])
        reps = sc.get("replicates", cfg["replicates"])
        restarts = sc.get("fit", {}).get("n_restarts", cfg.get("fit", {}).get("n_restarts", 10))
        rows.append(f"{name}: {len(sizes)} sizes × {reps} replicates × {restarts} restarts")
    return "; ".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--config", default=str(REPO / "config.yaml"))
    ap.add_argument("--cores", type=int, default=4)
    args = ap.parse_args()
    cfg = yaml.safe_load(open(args.config))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for item in ("Snakefile", "workflow", "data"):
            src = REPO / item
            (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
        shutil.copy(args.config, work / "config.yaml")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(["snakemake", "--cores", str(args.cores), "--quiet", "all"],
                              cwd=work, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        timing = pd.concat([pd.read_csv(f) for f in glob.glob(str(work / "results/timing/*/*.csv"))])
        em_cpu = timing["cpu_seconds"].sum()
        jobs = len(glob.glob(str(work / "results/logs/**/*.log"), recursive=True))
    outside = 1 - em_cpu / cpu
    print(f"study: {study_size(cfg)}")
    print(f"jobs run:                 {jobs}")
    print(f"wall time:                {wall:7.1f} s   (target < 180 s on 2 cores)   "
          f"{'OK' if wall < 180 else 'MISSED'}")
    print(f"CPU time, all processes:  {cpu:7.1f} s")
    print(f"CPU time in fits (EM+SE): {em_cpu:7.1f} s")
    print(f"share outside EM:         {outside:7.1%}   (target < 33.3%)             "
          f"{'OK' if outside < 1 / 3 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
