"""Reading a large CSV: gmm_recovery.datasets.load_columns (what the CLI and the
workflow's datasets use, with every check) against pandas.read_csv of the same
file, side by side in one run.

    PYTHONPATH=workflow/scripts python tests/benchmarks/bench_read_csv.py [--rows 10000000]

Writes a heights-like file (one column, "%.3f") and a two-column one into a
temporary folder, then reads each in fresh processes, alternating
pandas.read_csv(path) (its defaults) and load_columns(path, columns), a few
times; prints the median wall time (and the ratio of the fastest runs, the
least disturbed on a shared machine) of the read, the peak resident memory of
the process (VmHWM, Linux) and that after the imports, and the targets: time within 3x
of pandas, peak memory <= 3x the file's size + 256 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd
from gmm_recovery.datasets import load_columns


def hwm():  # this process's peak resident memory, MB (ru_maxrss would count the parent's)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024


kind, path, columns = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
base = hwm()
t = time.perf_counter()
if kind == "pandas":
    n = len(pd.read_csv(path))
else:
    n = len(load_columns(path, columns).x)
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "peak_mb": hwm(), "base_mb": base, "n": n}))
"""


def write_files(folder: Path, rows: int) -> dict[str, tuple[Path, list[str]]]:
    rng = np.random.default_rng(np.random.SeedSequence(20260))
    out = {}
    one = folder / "heights.csv"
    h = np.where(rng.random(rows) < 0.25, rng.normal(164, 3, rows), rng.normal(176, 5, rows))
    with open(one, "w") as f:
        f.write("height\n")
        np.savetxt(f, h, fmt="%.3f")
    out["1 column"] = (one, ["height"])
    two = folder / "two.csv"
    xy = np.column_stack([h, rng.normal(70, 10, rows)])
    with open(two, "w") as f:
        f.write("height,weight\n")
        np.savetxt(f, xy, fmt="%.3f", delimiter=",")
    out["2 columns"] = (two, ["height", "weight"])
    return out


def measure(kind: str, path: Path, columns: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, kind, str(path), ",".join(columns)],
                          capture_output=True, text=True, check=True, env=os.environ)
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_files(Path(args.write), args.rows)
        return
    with tempfile.TemporaryDirectory() as tmp:
        # Written by a child process: the readers' processes start small.
        subprocess.run([sys.executable, __file__, "--write", tmp, "--rows", str(args.rows)],
                       check=True)
        files = {"1 column": (Path(tmp) / "heights.csv", ["height"]),
                 "2 columns": (Path(tmp) / "two.csv", ["height", "weight"])}
        print(f"{args.rows} rows; {args.repeats} alternating runs each, fresh processes; medians")
        print(f"{'file':<10} {'MB':>7} {'reader':<13} {'seconds':>8} {'peak MB':>8} "
              f"{'imports MB':>10}")
        for label, (path, columns) in files.items():
            size_mb = path.stat().st_size / 2**20
            runs = {"pandas": [], "load_columns": []}
            for _ in range(args.repeats):
                for kind in runs:
                    runs[kind].append(measure(kind, path, columns))
            med = {k: {m: statistics.median(r[m] for r in v) for m in ("seconds", "peak_mb",
                                                                        "base_mb")}
                   for k, v in runs.items()}
            assert all(r["n"] == args.rows for v in runs.values() for r in v)
            for kind, m in med.items():
                print(f"{label:<10} {size_mb:>7.1f} {kind:<13} {m['seconds']:>8.2f} "
                      f"{m['peak_mb']:>8.0f} {m['base_mb']:>10.0f}")
            ratio = med["load_columns"]["seconds"] / med["pandas"]["seconds"]
            best = (min(r["seconds"] for r in runs["load_columns"])
                    / min(r["seconds"] for r in runs["pandas"]))
            budget = 3 * size_mb + 256
            peak = med["load_columns"]["peak_mb"]
            print(f"{'':<10} time load_columns / pandas.read_csv = {ratio:.2f} of the medians, "
                  f"{best:.2f} of the fastest runs (target <= 3); "
                  f"peak {peak:.0f} MB vs 3 x {size_mb:.0f} MB + 256 = {budget:.0f} MB "
                  f"({'within' if peak <= budget else 'OVER'}); "
                  f"time ratios per run: "
                  + ", ".join(f"{a['seconds'] / b['seconds']:.2f}"
                              for a, b in zip(runs["load_columns"], runs["pandas"])))


if __name__ == "__main__":
    main()
