"""Where the workflow writes each kind of file: one function per kind.

Every path under the results folder is built here, and only here: the rules'
outputs, logs and input functions (workflow/rules/*.smk) and the tests call
these functions. Each takes the results folder first and returns a plain
string; any argument may be a Snakemake wildcard placeholder such as
``"{scenario}"``, which is left in the path for Snakemake to fill, so the same
function gives a rule's output pattern and the concrete file an input
function asks for::

    fit_table("results", "{scenario}", "{method}", "{n}", "{chunk}", "fits")
    fit_table("results", "uni", "fast", 60, 0, "fits")
    # 'results/uni/fits/fast/n60/chunk0.fits.csv'
"""

from __future__ import annotations

# The tables a fit job writes for its replicates (scripts/fit.py).
FIT_KINDS = ("fits", "diagnostics", "traces")


def fit_table(results, scenario, method, n, chunk, kind):
    """One fit job's table of one kind (FIT_KINDS) for its block of replicates."""
    if kind not in FIT_KINDS and kind != "{kind}":
        raise ValueError(f"kind: expected one of {', '.join(FIT_KINDS)}, got {kind!r}")
    return f"{results}/{scenario}/fits/{method}/n{n}/chunk{chunk}.{kind}.csv"


def timing(results, scenario, method, n, chunk):
    """One fit job's own record of its seconds and CPU."""
    return f"{results}/timing/{scenario}/{method}_n{n}_chunk{chunk}.csv"


def data_block(results, scenario, n, chunk):
    """One written block of simulated data sets (write_data: true)."""
    return f"{results}/{scenario}/data/n{n}/chunk{chunk}.npz"


def scenario_table(results, scenario, name, ext="csv"):
    """A scenario's table (aligned, recovery, performance, summary, ...) as name.ext."""
    return f"{results}/{scenario}/{name}.{ext}"


def scenario_figure(results, scenario, name):
    """A scenario's figure."""
    return f"{results}/{scenario}/figures/{name}.png"


def grid_file(results, grid, filename):
    """A grid's own table (performance.csv, summary.md, ...)."""
    return f"{results}/{grid}/grid/{filename}"


def grid_figure(results, grid, name):
    """A grid's figure (one of every condition at once)."""
    return f"{results}/{grid}/grid/figures/{name}.png"


def dataset_file(results, dataset, filename):
    """One output of the fit to a user's own data set (fit.csv, fit.png, ...)."""
    return f"{results}/datasets/{dataset}/{filename}"


def run_file(results, filename):
    """A file of the whole run: versions.txt, timing/run.html."""
    return f"{results}/{filename}"


def fit_log(results, scenario, method, n, chunk):
    """The log of one fit job."""
    return job_log(results, scenario, f"fit_{method}_n{n}_chunk{chunk}")


def simulate_log(results, scenario, n, chunk):
    """The log of one simulate job."""
    return job_log(results, scenario, f"simulate_n{n}_chunk{chunk}")


def simulate_benchmark(results, scenario, n, chunk):
    """Snakemake's benchmark record of one simulate job."""
    return f"{results}/benchmarks/{scenario}/simulate_n{n}_chunk{chunk}.tsv"


def job_log(results, owner, rule):
    """The log of a job of one scenario or grid (owner): logs/owner/rule.log."""
    return f"{results}/logs/{owner}/{rule}.log"


def run_log(results, rule):
    """The log of a job of the whole run (versions, run_summary)."""
    return f"{results}/logs/{rule}.log"


def dataset_log(results, dataset):
    """The log of the fit to a user's own data set."""
    return f"{results}/logs/datasets/{dataset}.log"
