"""Time a study end to end, against a previous revision, side by side in one run.

Runs the study of ``--config`` (default: tests/benchmarks/study_baseline.yaml)
with this checkout's workflow and with that of ``--previous`` (any git
revision of this repository; default PREVIOUS, the release before issue 23's
work), each in a scratch folder with ``python -m snakemake --cores N``,
alternating the two ``--repeat`` times (the machine is shared: side by side in
one run, the ratios mean something; the absolute seconds less so). A revision
that has no such config file gets the same one: pass it with --config.

For each run it prints: the jobs Snakemake planned, wall time, the CPU of all
processes, the CPU inside the fit jobs' fitting (the EM engine: fits,
restarts, model choice and bootstraps, from the jobs' timing files), its share,
and the fit-job start-up CPU (interpreter, Snakemake's preamble, imports,
reading the data, writing the tables: process CPU minus fitting CPU, as the
job records it). Then a table of CPU per rule: every Python process of the run
records its own CPU (getrusage, so exact however short the job) and its
Snakemake rule at exit, through a sitecustomize module put on PYTHONPATH for
the run only; "snakemake" is the scheduler process itself (DAG, checks of the
config, onstart, job dispatch, `run:` rules), "other" the CPU no record
claimed: the jobs' shells and each interpreter's exit after its record
(about 0.1 s a job). Snakemake's benchmark files are not used: psutil
samples them about once a second, which misses most of a job this short, and
only simulate and fit have them.

``--dry-run`` times ``snakemake -n`` instead (wall, CPU, peak memory of the
scheduler, jobs planned), with this checkout only unless --previous is given.

Targets (issue 23): the default study <= 45 s wall; examples/first_grid.yaml
<= 60 s wall; >= 75 % of a study's CPU inside the EM engine;
`snakemake -n` of tests/benchmarks/study_grid_216.yaml <= 10 s and <= 500 MB.

``--replicates R`` runs a reduced variant (R replicates per scenario, both
versions alike) of a study too long to run whole (study_grid.yaml: hours).
A revision that has its own copy of the config file (a file of this
repository) runs that copy: a layout before the job planner keeps its
chunk_size.

Measured (2 shared cores, load 1-8 from other work, --cores 2, the job
planner vs 79cfa11, 2026-12-02; wall times under that load are not the
targets' machine, CPU and job counts are):
default study config.yaml: 51 vs 70 jobs (36 fit jobs both: 200 replicates
is one job per series either way; no simulate jobs, 4 plot jobs instead of
7); CPU 116 vs 110 s; EM engine 57 vs 50 s (the same fits, byte for byte;
the difference is the load), 49 % vs 46 % of the CPU; plots 24 s,
pseudo_true 6 s, fit start-up 0.25 s a job (it now draws its data);
wall 230 vs 152 s at load 8.
examples/first_grid.yaml: 51 vs 69 jobs; CPU 85 vs 99 s (0.86x); engine 50 vs
53 s, 59 % vs 54 %; Snakemake itself 3.9 vs 10.3 s; wall 128 vs 188 s at load 3-6.
`snakemake -n` of study_grid_216.yaml: 4,326 vs 8,862 jobs (4,104 fit: 3,240
series, one job or more each), 13.5 vs 35.2 s wall, 12.9 vs 26.4 s CPU,
228 vs 326 MB; with job_seconds 120, 3,678 jobs and 10.7 s CPU.
study_grid.yaml reduced to 40 replicates (--replicates 40): 390 vs 510 jobs
(360 fit jobs both, one per series at 40 replicates); CPU 673 vs 793 s
(0.85x); engine 434 vs 445 s, 64.5 % vs 56.1 % of the CPU; Snakemake itself
75 vs 156 s, fit start-up 67 vs 66 s, grid figures 39 s, evaluate 33 s; wall
506 vs 533 s, 2.3x engine CPU / 2 at load 2-6. With 120 replicates (this
checkout only): 390 jobs, CPU 1,433 s, engine 1,058 s = 73.9 %; Snakemake's
own process 196 s (13.7 %: it spends CPU for as long as the run lasts, ~0.12
s a second here, so its share falls on an unshared machine), fit start-up 32
s, grid figures 37 s, evaluate 38 s; wall 1,573 s at load 4-6.

Measured again (idle machine, --cores 2, --repeat 2, against 0934f19, after
job_seconds 120, fit_grid_point, the 13x cheaper pseudo-true job and the
plots' single layout pass): default study 44.0 vs 46.8 s wall, 78.4 vs 87.7 s
CPU, engine 56 % vs 50 % (plots 15.0 vs 19.0 s, pseudo_true 0.4 vs 5.2 s);
examples/first_grid.yaml 34.4 vs 34.9 s wall; `snakemake -n` of
study_grid_216.yaml 3,678 vs 4,326 jobs, 9.1-10.0 vs 10.6-11.8 s, 220 vs
241 MB; study_grid.yaml at 250 replicates (this checkout only, load ~5):
390 jobs, CPU 2,423 s, engine 1,966 s = 81.1 %, Snakemake's own process 295 s
(12.2 %), wall 2,332 s; at 500 replicates on the idle machine: CPU 3,409 s,
engine 3,032 s = 88.9 %, Snakemake 242 s (7.1 %), wall 1,732 s = 1.14x
engine CPU / 2. --extra "--max-jobs-per-timespan 100/10s" (a longer
rate-limiter tick) halves Snakemake's own CPU but leaves cores idle between
jobs (first_grid 44.8 vs 35.1 s wall); "--scheduler greedy" saved 22 % of it
at 10 replicates.

    python tests/benchmarks/bench_study.py [--config FILE] [--cores 2] [--previous REV]
        [--repeat 2] [--no-previous] [--dry-run] [--replicates R] [--extra ARGS]
"""

from __future__ import annotations

import argparse
import glob
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
# The revision compared with by default: fixed chunk_size blocks, a simulate
# job before each block's fit jobs, three plot rules (b594628 was the release
# before issues 19-23).
PREVIOUS = "79cfa11"  # the layout before the job planner (issue 23 section 1)

# Put first on a run's PYTHONPATH as sitecustomize.py: each Python process of
# the run writes its own CPU and rule (None for Snakemake itself) when it exits.
RECORDER = '''
import atexit, json, os, resource, sys

def _record(out=os.environ["BENCH_STUDY_RECORDS"]):
    smk = getattr(sys.modules.get("__main__"), "snakemake", None)
    rule = getattr(smk, "rule", None) if type(smk).__name__ == "Snakemake" else None
    if rule is None:
        argv0 = os.path.basename(os.path.dirname(sys.argv[0]) if sys.argv[0].endswith(
            "__main__.py") else sys.argv[0]) if sys.argv and sys.argv[0] else "python"
        rule = "snakemake" if argv0 == "snakemake" else f"python {argv0}"
    ru = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.path.join(out, f"{os.getpid()}.json"), "w") as fh:
        json.dump({"rule": str(rule), "cpu": ru.ru_utime + ru.ru_stime,
                   "children_cpu": kids.ru_utime + kids.ru_stime,
                   "maxrss_mb": ru.ru_maxrss / 1024}, fh)

if os.environ.get("BENCH_STUDY_RECORDS"):
    atexit.register(_record)
'''


def study_size(cfg: dict) -> str:
    rows = []
    for name, sc in cfg["scenarios"].items():
        sizes = sc.get("sample_sizes", cfg["sample_sizes"])
        reps = sc.get("replicates", cfg["replicates"])
        methods = sc.get("methods", list(cfg.get("methods") or {}) or ["default"])
        restarts = sc.get("fit", {}).get("n_restarts", cfg.get("fit", {}).get("n_restarts", 10))
        grid = sc.get("grid") or {}
        points = 1
        for levels in grid.values():
            points *= len(levels)
        where = f"{points} grid points × " if grid else ""
        rows.append(f"{name}: {where}{len(sizes)} sizes × {len(methods)} methods × {reps} "
                    f"replicates × {restarts} restarts")
    return "; ".join(rows)


def short_rev(rev: str) -> str | None:
    proc = subprocess.run(["git", "rev-parse", "--short", f"{rev}^{{commit}}"], cwd=REPO,
                          capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


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


FIT_RULES = {"fit_grid_point": "fit"}


def job_stats(text: str) -> dict[str, int]:
    """Snakemake's "Job stats" table (jobs planned per rule) from its output."""
    counts: dict[str, int] = {}
    block = text.split("Job stats:", 1)
    if len(block) < 2:
        return counts
    for line in block[1].splitlines()[3:]:
        m = re.fullmatch(r"\s*(\S+)\s+(\d+)\s*", line)
        if not m:
            break
        if m.group(1) != "total":
            counts[m.group(1)] = int(m.group(2))
    return counts


def config_of(config: Path, commit: str | None, replicates: int | None) -> dict:
    """The study as a version runs it: a config file of this repository as that
    revision had it (a previous layout keeps its own chunk_size), else the
    file itself; replicates overridden (every scenario) when given."""
    text = None
    if commit is not None:
        try:
            rel = config.resolve().relative_to(REPO)
            proc = subprocess.run(["git", "show", f"{commit}:{rel}"], cwd=REPO,
                                  capture_output=True, text=True)
            text = proc.stdout if proc.returncode == 0 else None
        except ValueError:
            pass
    cfg = yaml.safe_load(text if text is not None else open(config))
    if replicates:
        cfg["replicates"] = replicates
        for sc in (cfg.get("scenarios") or {}).values():
            sc.pop("replicates", None)
            (sc.get("grid") or {}).pop("replicates", None)
    return cfg


def run_study(config: Path, cores: int, commit: str | None, dry_run: bool = False,
              replicates: int | None = None, extra: list[str] = ()) -> dict | None:
    cfg = config_of(config, commit, replicates)
    results = cfg.get("results", "results")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "study"
        hooks, records = Path(tmp) / "hooks", Path(tmp) / "records"
        work.mkdir()
        hooks.mkdir()
        records.mkdir()
        (hooks / "sitecustomize.py").write_text(RECORDER)
        try:
            checkout(work, commit)
        except (OSError, subprocess.CalledProcessError):
            return None
        (work / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
        # The workflow's own gmmem first: the installed (editable) one is this
        # checkout's, which must not stand in for the previous release's.
        env = dict(os.environ, BENCH_STUDY_RECORDS=str(records),
                   PYTHONPATH=os.pathsep.join([str(work / "workflow" / "scripts"), str(hooks)]))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "snakemake", "--cores", str(cores)]
                              + (["-n"] if dry_run else []) + list(extra) + ["all"],
                              cwd=work, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # The scheduler's peak memory, also where no record was written (-n).
        peak_children = after.ru_maxrss / 1024
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            return None
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        planned = job_stats(proc.stdout + proc.stderr)
        for rule, as_rule in FIT_RULES.items():
            if rule in planned:
                planned[as_rule] = planned.get(as_rule, 0) + planned.pop(rule)
        per_rule: dict[str, list[float]] = defaultdict(list)
        peak = 0.0
        for f in records.glob("*.json"):
            r = json.loads(f.read_text())
            # fit_grid_point is rule fit without the traces table (a grid's conditions).
            per_rule[FIT_RULES.get(r["rule"], r["rule"])].append(r["cpu"])
            if r["rule"] == "snakemake":
                peak = max(peak, r["maxrss_mb"])
        peak = peak or peak_children
        # Keyed by scenario and file: the file names repeat across scenarios.
        if os.environ.get("BENCH_STUDY_KEEP"):
            shutil.copytree(records, os.environ["BENCH_STUDY_KEEP"], dirs_exist_ok=True)
        tables = [pd.read_csv(f) for f in glob.glob(str(work / results / "timing/*/*.csv"))]
    fit_cpu = sum(t["cpu_seconds"].sum() for t in tables)
    by_method: dict[tuple[str, str], float] = defaultdict(float)
    for t in tables:
        sums = t.groupby(["scenario", "method"])["cpu_seconds"].sum()
        for (scenario, method), seconds in sums.items():
            by_method[scenario, method] += seconds
    own = [t["startup_cpu_seconds"].iloc[0] for t in tables if "startup_cpu_seconds" in t]
    return {"wall": wall, "cpu": cpu, "fit_cpu": fit_cpu, "planned": planned,
            "jobs": sum(planned.values()), "per_rule": dict(per_rule), "peak_mb": peak,
            "by_method": dict(by_method),
            "startup": sum(own) / len(own) if own else float("nan"),
            "startup_max": max(own) if own else float("nan")}


def rule_table(runs: dict[str, list[dict]]) -> pd.DataFrame:
    """Jobs, CPU (mean over repeats) and share of the run's CPU per rule, per version."""
    rows = []
    for name, reps in runs.items():
        rules = sorted({rule for r in reps for rule in r["per_rule"]} | {"other"})
        total = sum(r["cpu"] for r in reps) / len(reps)
        for rule in rules:
            cpu = [sum(r["per_rule"].get(rule, [])) for r in reps]
            if rule == "other":
                cpu = [r["cpu"] - sum(map(sum, r["per_rule"].values())) for r in reps]
            jobs = len(reps[0]["per_rule"].get(rule, []))
            row = {"version": name, "rule": rule, "processes": jobs,
                   "planned": reps[0]["planned"].get(rule, ""),
                   "CPU s": sum(cpu) / len(cpu), "share": sum(cpu) / len(cpu) / total,
                   "CPU/job s": sum(cpu) / len(cpu) / jobs if jobs else float("nan"),
                   "min/job s": min(reps[0]["per_rule"][rule]) if jobs else float("nan")}
            rows.append(row)
            if rule == "fit":
                fit = sum(r["fit_cpu"] for r in reps) / len(reps)
                rows.append({**row, "rule": "  fit: in the EM engine", "CPU s": fit,
                             "share": fit / total, "CPU/job s": fit / jobs,
                             "min/job s": float("nan")})
                rows.append({**row, "rule": "  fit: start-up and I/O", "CPU s": row["CPU s"] - fit,
                             "share": (row["CPU s"] - fit) / total,
                             "CPU/job s": (row["CPU s"] - fit) / jobs, "min/job s": float("nan")})
    return pd.DataFrame(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--config", default=str(Path(__file__).parent / "study_baseline.yaml"))
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--previous", metavar="REV",
                    help=f"git revision to compare with (default {PREVIOUS})")
    ap.add_argument("--no-previous", action="store_true", help="time this checkout only")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each version, alternating")
    ap.add_argument("--replicates", type=int, metavar="R",
                    help="run the study with R replicates per scenario (a reduced variant of a "
                         "study too long to run whole; both versions alike)")
    ap.add_argument("--extra", default="", metavar="ARGS",
                    help="more Snakemake arguments for this checkout's runs only, e.g. "
                         "'--scheduler ilp' (with --previous HEAD: the same code, two settings)")
    ap.add_argument("--dry-run", action="store_true",
                    help="time `snakemake -n` (this checkout only unless --previous is given)")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error(f"--repeat must be at least 1, not {args.repeat}")
    previous = None
    if not args.no_previous and not (args.dry_run and args.previous is None):
        previous = short_rev(args.previous or PREVIOUS)
        if previous is None:
            ap.error(f"--previous: {args.previous!r} is not a commit of this repository")
    cfg = yaml.safe_load(open(args.config))
    if args.replicates:
        cfg = config_of(Path(args.config), None, args.replicates)
    print(f"study: {Path(args.config).name}: {study_size(cfg)}; --cores {args.cores}"
          + (f" (reduced: {args.replicates} replicates)" if args.replicates else ""))
    versions = {"this checkout": None}
    if previous:
        versions[f"{previous}"] = previous
    runs: dict[str, list[dict]] = {name: [] for name in versions}
    for i in range(args.repeat):
        for name, commit in versions.items():
            r = run_study(Path(args.config), args.cores, commit, args.dry_run, args.replicates,
                          args.extra.split() if commit is None else ())
            if r is None:
                print(f"{name}: run {i + 1} failed", file=sys.stderr)
                return 1
            runs[name].append(r)
            print(f"  run {i + 1}, {name}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU",
                  flush=True)
    if args.dry_run:
        print(f"{'':<16} {'jobs':>7} {'wall s':>7} {'CPU s':>7} {'peak MB':>8}")
        for name, reps in runs.items():
            for r in reps:
                print(f"{name:<16} {r['jobs']:>7} {r['wall']:>7.1f} {r['cpu']:>7.1f} "
                      f"{r['peak_mb']:>8.0f}")
        for name, reps in runs.items():
            print(f"{name}: jobs planned per rule: {reps[0]['planned']}")
        print("target (issue 23, 216-condition grid): <= 10 s and <= 500 MB")
        return 0
    print(f"{'':<16} {'run':>3} {'jobs':>5} {'wall s':>7} {'CPU s':>7} {'CPU in fits':>12} "
          f"{'share':>6} {'fit-job start-up CPU: mean':>27} {'max':>7}")
    for name, reps in runs.items():
        for i, r in enumerate(reps, 1):
            print(f"{name:<16} {i:>3} {r['jobs']:>5} {r['wall']:>7.1f} {r['cpu']:>7.1f} "
                  f"{r['fit_cpu']:>12.1f} {r['fit_cpu'] / r['cpu']:>6.1%} "
                  f"{r['startup']:>25.2f} s {r['startup_max']:>5.2f} s")
    table = rule_table(runs)
    with pd.option_context("display.width", 160, "display.max_rows", 200,
                           "display.float_format", "{:.2f}".format):
        print(f"\nCPU per rule (mean of {args.repeat} run(s); processes, min/job: the first)")
        shown = table.assign(share=table["share"].map("{:.1%}".format))
        print(shown.to_string(index=False))
    engine = pd.DataFrame({name: pd.concat([pd.Series(r["by_method"], dtype=float) for r in reps],
                                           axis=1).mean(axis=1) for name, reps in runs.items()})
    if len(engine):
        engine.index.names = ["scenario", "method"]
        if previous:
            engine["ratio"] = engine["this checkout"] / engine[previous]
        with pd.option_context("display.width", 160, "display.max_rows", 400,
                               "display.float_format", "{:.2f}".format):
            print("\nCPU s in the EM engine per scenario and method (mean of the runs)")
            print(engine.to_string())
    if previous:
        new, old = runs["this checkout"], runs[previous]
        mean = lambda reps, key: sum(r[key] for r in reps) / len(reps)
        print(f"\nthis checkout / {previous}: wall {mean(new, 'wall') / mean(old, 'wall'):.2f}x, "
              f"CPU {mean(new, 'cpu') / mean(old, 'cpu'):.2f}x, CPU in fits "
              f"{mean(new, 'fit_cpu') / mean(old, 'fit_cpu'):.2f}x, jobs "
              f"{new[0]['jobs']} vs {old[0]['jobs']}")
    print("\nside by side (mean of the runs)")
    print(f"{'':<16} {'jobs':>6} {'fit jobs':>8} {'wall s':>7} {'CPU s':>7} {'engine s':>9} "
          f"{'engine %':>9} {'wall / (engine / cores)':>24}")
    for name, reps in runs.items():
        mean = lambda key: sum(r[key] for r in reps) / len(reps)
        print(f"{name:<16} {reps[0]['jobs']:>6} {reps[0]['planned'].get('fit', 0):>8} "
              f"{mean('wall'):>7.1f} {mean('cpu'):>7.1f} {mean('fit_cpu'):>9.1f} "
              f"{mean('fit_cpu') / mean('cpu'):>9.1%} "
              f"{mean('wall') / (mean('fit_cpu') / args.cores):>24.2f}")
    print("targets (issue 23): default study <= 45 s wall, examples/first_grid.yaml <= 60 s wall, "
          ">= 75 % of the CPU in fits, wall within 1.5x of engine CPU / cores (study_grid.yaml)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
