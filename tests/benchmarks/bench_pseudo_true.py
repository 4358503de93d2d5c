"""CPU of the heights_t5 pseudo-true job, this checkout against a previous revision.

Runs the job's script (workflow/scripts/pseudo_true_values.py) of each version
in its own interpreter, as Snakemake would but without its preamble (which
unpickles the job's object and imports part of snakemake: ~0.2 s CPU, the
same for both): PYTHONPATH set to that version's workflow/scripts, a stand-in
`snakemake` object with the default study's heights_t5 truth and seed
(config.yaml), the table and log written to a scratch folder. The previous
version's scripts come from `git archive PREVIOUS workflow/scripts`. The two
alternate ``--repeat`` times (the machine is shared: the ratio means more than
the seconds). For each it prints the CPU of the whole process (interpreter
start-up, imports, computation, writing the table; getrusage of the child)
and the floor: a process that only imports what the job imports. Then the
two tables cell by cell: the structure (maxima, order, starts per maximum)
and the largest absolute and relative difference of every numeric column.

    python tests/benchmarks/bench_pseudo_true.py [--previous 0934f19] [--repeat 3]

Measured (2 shared cores, load ~3, 2026-12-02, against 0934f19, 3 runs):
job 5.56 s vs 0.42 s CPU (13.4x); floor 0.14-0.18 s (interpreter, numpy,
gmmem, gmm_recovery); above the floor 5.38 s vs 0.28 s. Tables: the same 2
maxima in the same order with the same n_starts (18, 23); values within
1.1e-13 (3.4e-14 relative), objectives 1.3e-15; hessian_max_eig 1.5e-8
relative (the old central differences' O(h²) error: Richardson
extrapolation of them agrees with the analytic Hessian to 2e-12). Under
Snakemake the job adds its preamble (~0.2 s): ~0.55 s in all (was ~6 s).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PREVIOUS = "0934f19"
SCENARIO = "heights_t5"

# The child: a stand-in for the `snakemake` object the job's script reads.
CHILD = r"""
import json, runpy, sys, types
args = json.loads(sys.argv[1])
if args["floor"]:
    import numpy
    from _workflow import logged
    from gmm_recovery import pseudo_true
    raise SystemExit(0)
from gmm_recovery.design import Truth
t = args["truth"]
truth = Truth(tuple(t["weights"]), tuple((m,) for m in t["means"]),
              tuple(((s * s,),) for s in t["sds"]), tuple(map(tuple, t["families"])), None)
params = types.SimpleNamespace(scenario=args["scenario"], truth=truth, seed=args["seed"],
                               covariance="full")
snakemake = types.SimpleNamespace(params=params, output=[args["output"]], log=[args["log"]],
                                  input=[], rule="pseudo_true", threads=1)
runpy.run_path(args["script"], init_globals={"snakemake": snakemake}, run_name="__main__")
"""


def scenario_truth(config_path: Path) -> tuple[dict, int]:
    """heights_t5's truth (1-D; normal or t families) and the study's seed."""
    config = yaml.safe_load(config_path.read_text())
    sc = config["scenarios"][SCENARIO]
    families = []
    for f in sc["family"]:
        (kind, value), = f.items()
        if kind != "t":
            raise SystemExit(f"bench_pseudo_true: family {f!r} of {SCENARIO} is not handled here")
        families.append(["t", float(value["df"])])
    truth = {"weights": [float(w) for w in sc["weights"]],
             "means": [float(m) for m in sc["means"]],
             "sds": [float(s) for s in sc["sds"]], "families": families}
    return truth, int(config["seed"])


def run_child(scripts: Path, args: dict) -> float:
    """CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = dict(os.environ, PYTHONPATH=str(scripts), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1")
    subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_table(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def compare(old: list[dict], new: list[dict]) -> None:
    keys = ("maximum", "parameter", "component", "method", "n_starts")
    same = len(old) == len(new) and all(a[k] == b[k] for a, b in zip(old, new) for k in keys)
    print(f"\nstructure (rows, maxima, order, parameters, n_starts) identical: {same}")
    if not same:
        print("  previous:", [(r["maximum"], r["n_starts"]) for r in old[::6]])
        print("  this:    ", [(r["maximum"], r["n_starts"]) for r in new[::6]])
        return
    print(f"{'column':16s} {'max |new - old|':>16s} {'max relative':>14s}")
    for col in ("value", "precision", "objective", "objective_gap", "grad_max",
                "hessian_max_eig"):
        diffs = [(abs(float(b[col]) - float(a[col])),
                  abs(float(b[col]) - float(a[col])) / max(abs(float(a[col])), 1e-300))
                 for a, b in zip(old, new)]
        print(f"{col:16s} {max(d for d, _ in diffs):16.3g} {max(r for _, r in diffs):14.3g}")
    print("(precision and grad_max are rounding-level numbers, ~1e-14: their relative "
          "differences mean nothing)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--previous", default=PREVIOUS, help="git revision to compare against")
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args()
    truth, seed = scenario_truth(REPO / "config.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old_root = tmp / "previous"
        old_root.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", opts.previous,
                                  "workflow/scripts"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_root)], input=archive, check=True)
        versions = {opts.previous: old_root / "workflow" / "scripts",
                    "this checkout": REPO / "workflow" / "scripts"}
        cpu = {name: [] for name in versions}
        floor = {name: [] for name in versions}
        for _ in range(opts.repeat):
            for name, scripts in versions.items():
                out = tmp / name.replace(" ", "_")
                args = {"truth": truth, "seed": seed, "scenario": SCENARIO, "floor": False,
                        "script": str(scripts / "pseudo_true_values.py"),
                        "output": str(out / "pseudo_true.csv"), "log": str(out / "job.log")}
                cpu[name].append(run_child(scripts, args))
                floor[name].append(run_child(scripts, dict(args, floor=True)))
        print(f"heights_t5 pseudo_true job, CPU seconds per process (min of {opts.repeat}; "
              "all runs in brackets)")
        print(f"{'version':16s} {'job':>7s} {'floor (imports only)':>22s}")
        for name in versions:
            runs = " ".join(f"{c:.2f}" for c in cpu[name])
            print(f"{name:16s} {min(cpu[name]):7.2f} {min(floor[name]):22.2f}   [{runs}]")
        old, new = (min(cpu[n]) for n in versions)
        print(f"ratio previous / this: {old / new:.1f}x "
              f"(computation above the floor: {old - min(floor[opts.previous]):.2f} s vs "
              f"{new - min(floor['this checkout']):.2f} s)")
        compare(read_table(tmp / opts.previous / "pseudo_true.csv"),
                read_table(tmp / "this_checkout" / "pseudo_true.csv"))


if __name__ == "__main__":
    main()
