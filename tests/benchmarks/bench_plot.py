"""CPU of drawing and saving a scenario's figures and a grid's figures: this
checkout's figure code against a previous revision's, side by side in one run.

Runs the default study and examples/first_grid.yaml once in a scratch folder
(this checkout's workflow, ``--cores 2``; a few minutes), or uses ``--workdir``
(a folder where both have been run: results/ and results_first_grid/; its
figures are overwritten). Snakemake then writes the job scripts of the plot
jobs of ``--scenarios`` (default: the four of the default study) and of the
grid's grid_figures job (``--skip-script-cleanup``): the preamble (the job's
inputs, outputs and parameters) followed by plot.py or grid_figures.py. For
each version the preamble is joined to that version's own script and run in a
fresh interpreter with that version's workflow/scripts first on PYTHONPATH;
the process records its own CPU (getrusage, user + system; imports included,
as in the job). The versions alternate ``--repeat`` times; medians and the
ratio (this / previous) are printed.

Measured (2 shared cores, load about 4.5, 2026-12-02, --repeat 3, against
0934f19): plot jobs heights 5.12 / 6.70 s (0.76), heights_t5 2.82 / 3.58
(0.79), overlap 4.51 / 5.59 (0.81), small_weight 2.92 / 3.71 (0.79);
grid_figures of first_grid 4.79 / 5.76 (0.83); all five 20.2 / 25.3 (0.80).
About 0.6 s of each job is Snakemake's preamble and the imports (pandas,
matplotlib, gmm_recovery).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PREVIOUS = "0934f19"  # main before the plot jobs were made cheaper (issue 23)
GRID_CONFIG = "examples/first_grid.yaml"
MARK = "######## snakemake preamble end #########"

DRIVER = r"""
import resource, sys
path = sys.argv[1]
exec(compile(open(path).read(), path, "exec"), {"__file__": path, "__name__": "__main__"})
u = resource.getrusage(resource.RUSAGE_SELF)
print(f"CPU {u.ru_utime + u.ru_stime:.4f}")
"""


def run(cmd, cwd, env=None):
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"failed ({out.returncode}): {' '.join(map(str, cmd))}\n{out.stderr[-3000:]}")
    return out.stdout


def snakemake(workdir, *args):
    env = dict(os.environ, PYTHONPATH=str(REPO / "workflow" / "scripts"))
    return run([sys.executable, "-m", "snakemake", "--cores", "2", "-q", *args], workdir, env)


def job_script(workdir, target, extra, suffix):
    """The preamble of the job that makes ``target`` (forced to run again)."""
    scripts = Path(workdir) / ".snakemake" / "scripts"
    before = set(scripts.glob("*")) if scripts.exists() else set()
    snakemake(workdir, *extra, "--force", "--skip-script-cleanup", "--", target)
    new = [p for p in scripts.glob(f"*{suffix}") if p not in before]
    if not new:
        sys.exit(f"no job script *{suffix} written for {target}")
    text = max(new, key=lambda p: p.stat().st_mtime).read_text()
    return text[:text.index(MARK) + len(MARK)] + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--previous", default=PREVIOUS, help="git revision to compare with")
    ap.add_argument("--workdir", help="a folder where the default study and the grid ran")
    ap.add_argument("--scenarios", nargs="+", default=["heights", "heights_t5", "overlap",
                                                        "small_weight"],
                    help="scenarios of the default study whose plot jobs to time")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench_plot_"))
    if a.workdir:
        work = Path(a.workdir).resolve()
    else:
        work = scratch / "study"
        work.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
        print("running the default study and the first grid (once) ...", flush=True)
        snakemake(work)
        snakemake(work, "--configfile", GRID_CONFIG)
    grid_results = "results_first_grid"
    jobs = {f"plot ({sc})": (job_script(work, f"results/{sc}/figures/bias.png", [], ".plot.py"),
                             "plot.py") for sc in a.scenarios}
    jobs |= {
        "grid_figures (first_grid)": (job_script(
            work, f"{grid_results}/sep/grid/figures/nlp_bias.png",
            ["--configfile", GRID_CONFIG], ".grid_figures.py"), "grid_figures.py"),
    }
    prev = scratch / "previous"
    prev.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", a.previous, "workflow/scripts"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(prev)], input=archive, check=True)
    versions = {"this": REPO / "workflow" / "scripts", a.previous: prev / "workflow" / "scripts"}
    driver = scratch / "driver.py"
    driver.write_text(DRIVER)
    cpu = {(j, v): [] for j in jobs for v in versions}
    for _ in range(a.repeat):
        for job, (preamble, script) in jobs.items():
            for v, scripts in versions.items():
                path = scratch / f"{v}.{script}"
                path.write_text(preamble + (scripts / script).read_text())
                env = dict(os.environ, PYTHONPATH=str(scripts))
                out = run([sys.executable, str(driver), str(path)], work, env)
                cpu[job, v].append(float(out.split("CPU ")[-1]))
    print(f"\nCPU seconds of one job (median of {a.repeat}; process CPU, imports included)")
    print(f"{'job':28s} {'this':>8s} {a.previous:>9s} {'ratio':>7s}")
    total = {v: 0.0 for v in versions}
    for job in jobs:
        this, before = (statistics.median(cpu[job, v]) for v in versions)
        total["this"] += this
        total[a.previous] += before
        print(f"{job:28s} {this:8.2f} {before:9.2f} {this / before:7.2f}")
    this, before = total.values()
    print(f"{'all of them':28s} {this:8.2f} {before:9.2f} {this / before:7.2f}")


if __name__ == "__main__":
    main()
