import os

# Jobs are single-threaded by design (parallelism is across jobs); pinning
# BLAS keeps floating-point sums, and so results, independent of the core count.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import compileall  # noqa: E402
import importlib.machinery  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from gmm_recovery.versions import package_versions  # noqa: E402
from gmm_recovery import plan as job_plan  # noqa: E402

SEED = config["seed"]
LEVEL = config["level"]
# Replicates per fit job: the plan's, sized by work (job_seconds of CPU per job),
# or chunk_size's fixed blocks when given. Planned once here, for every input
# function below.
CHUNK_SIZE = config.get("chunk_size")
JOB_SECONDS = config["job_seconds"]
WRITE_DATA = config.get("write_data", False)
PLAN = job_plan.plan_study(SCENARIOS, JOB_SECONDS, CHUNK_SIZE)
METHODS = sorted({m for sc in SCENARIOS.values() for m in sc.methods})
GRIDS = sorted({row[0] for row in GRID_ROWS})


wildcard_constraints:
    scenario="|".join(SCENARIOS) or "NO_SCENARIO",
    method="|".join(METHODS) or "NO_METHOD",
    grid="|".join(GRIDS) or "NO_GRID",
    dataset="|".join(DATASETS) or "NO_DATASET",
    n=r"\d+",
    chunk=r"\d+",


def scenario_of(wildcards):
    return SCENARIOS[wildcards.scenario]


def truth(wildcards):
    """The scenario's data-generating mechanism, parsed when the config was
    loaded (gmm_recovery.design.Truth): only it, so that changing another
    setting of the scenario (or its methods) does not re-run its simulations."""
    return design.truth_of(scenario_of(wildcards))


def method_settings(wildcards):
    return scenario_of(wildcards).methods[wildcards.method]


def series_ranges(scenario, method, n):
    """The replicate ranges [a, b) of one series' fit jobs (gmm_recovery.plan):
    chunk c is the same replicates whatever the total, so raising replicates
    adds jobs and leaves the old ones (the last, partial one re-runs)."""
    return PLAN.ranges(scenario, method, n)


def chunk_range(wildcards):
    per = PLAN.per_job[wildcards.scenario, wildcards.method, int(wildcards.n)]
    a = int(wildcards.chunk) * per
    return a, min(a + per, scenario_of(wildcards).replicates)


def data_ranges(sc, n):
    """The replicate ranges of a (scenario, n)'s written data blocks (write_data)."""
    return job_plan.ranges(sc.replicates, job_plan.data_block_size(sc, n, CHUNK_SIZE))


def data_range(wildcards):
    sc = scenario_of(wildcards)
    per = job_plan.data_block_size(sc, int(wildcards.n), CHUNK_SIZE)
    a = int(wildcards.chunk) * per
    return a, min(a + per, sc.replicates)


def fit_jobs(sc):
    """(method, n, chunk, start, stop) of every fit job of a scenario."""
    return [(m, n, c, a, b) for m in sc.methods for n in sc.sample_sizes
            for c, (a, b) in enumerate(series_ranges(sc.name, m, n))]


def fit_files(kind):
    """All chunk outputs of one kind ('fits', 'traces') of a scenario: every method, every n."""

    def files(wildcards):
        sc = scenario_of(wildcards)
        return [paths.fit_table(RESULTS, sc.name, m, n, c, kind)
                for m, n, c, _, _ in fit_jobs(sc)]

    return files


def timing_files(wildcards):
    """Every fit job's timing file: all scenarios, methods, sizes and blocks."""
    return [paths.timing(RESULTS, s, m, n, c)
            for s, sc in SCENARIOS.items() for m, n, c, _, _ in fit_jobs(sc)]


def data_files():
    """Every written data block (write_data: true), else none."""
    if not WRITE_DATA:
        return []
    return [paths.data_block(RESULTS, s, n, c) for s, sc in SCENARIOS.items()
            for n in sc.sample_sizes for c in range(len(data_ranges(sc, n)))]


def simulate_mem_mb(wildcards):
    """Memory of a simulate job (the data block's draws and labels at once)."""
    a, b = data_range(wildcards)
    return design.simulate_mem_mb(scenario_of(wildcards), int(wildcards.n), b - a)


def fit_job(wildcards):
    """Everything a fit job is given (scripts/fit.py): its series, replicates,
    the truth's data-generating settings, the method's fit settings, oracle
    starts, candidate K, level and seed. A change to any of them re-runs it."""
    sc = scenario_of(wildcards)
    return {"scenario": sc.name, "method": wildcards.method, "truth": truth(wildcards),
            "replicates": list(chunk_range(wildcards)), "fit": method_settings(wildcards),
            "oracle_start": sc.oracle_start, "select_k": list(sc.select_k),
            "select_blrt": sc.select_blrt, "level": LEVEL, "seed": SEED}


def fit_mem_mb(wildcards, attempt):
    """Memory of a fit job (gmm_recovery.plan.job_mem_mb), scaled up on a retry."""
    sc = scenario_of(wildcards)
    a, b = chunk_range(wildcards)
    return job_plan.job_mem_mb(int(wildcards.n), sc.truth.dim, sc.largest_k, b - a) * attempt


def fit_runtime(wildcards, attempt):
    """Minutes for a fit job: the plan's CPU estimate of its replicates
    (gmm_recovery.plan.series_seconds, 0.45-1.4x the measured), 3x for slow
    nodes and the estimate's error, plus 5 minutes of start-up."""
    a, b = chunk_range(wildcards)
    seconds = job_plan.series_seconds(scenario_of(wildcards), wildcards.method,
                                      int(wildcards.n)) * (b - a)
    return (5 + int(3 * seconds / 60)) * attempt


FIGURES = ["fit_example", "bias", "rmse", "spread", "traces", "rmse_crlb", "coverage", "zip",
           "failures"]
# A grid's own figures (grid.smk), drawn by one job per grid.
GRID_FIGURE_TITLES = {
    "nlp_bias": "01. Bias: nested loop plot",
    "nlp_rmse": "02. RMSE: nested loop plot",
    "nlp_coverage": "03. Coverage: nested loop plot",
    "heatmap_bias": "04. Bias: heat map",
    "heatmap_rmse": "05. RMSE: heat map",
    "heatmap_coverage": "06. Coverage: heat map",
    "lolly_bias": "07. Bias per condition (lolly plot)",
    "lolly_coverage": "08. Coverage per condition (lolly plot)",
}
GRID_FIGURES = list(GRID_FIGURE_TITLES)


def largest_n(wildcards):
    return max(scenario_of(wildcards).sample_sizes)


def first_method(wildcards):
    return next(iter(scenario_of(wildcards).methods))


# Figures in the order a reader reads them, with the titles the report lists
# them by (it sorts them by label, hence the number in front).
FIGURE_TITLES = {
    "fit_example": "The data and one fit",
    "bias": "Bias ± MCSE (lolly plot)",
    "rmse_crlb": "RMSE·√n against the Cramér–Rao bound",
    "coverage": "Coverage of the intervals",
    "zip": "Zip plot of the intervals",
    "comparison": "Methods compared on the same data",
    "rmse": "RMSE against n",
    "spread": "Spread of the estimates",
    "failures": "Failed and spurious fits",
    "traces": "EM traces of the restarts",
    "model_choice": "Choosing K (BIC, AIC, ICL)",
}
FIGURE_ORDER = list(FIGURE_TITLES)


def figure(name):
    return report(
        paths.scenario_figure(RESULTS, "{scenario}", name),
        caption=f"../report/{name}.rst",
        category="{scenario}",
        subcategory="2. Figures",
        labels={"scenario": "{scenario}",
                "figure": f"{FIGURE_ORDER.index(name) + 1:02d}. {FIGURE_TITLES[name]}"},
    )


def grid_factors(grid):
    return list(dict.fromkeys(row[2] for row in GRID_ROWS if row[0] == grid))


def grid_points(wildcards):
    return list(dict.fromkeys(row[1] for row in GRID_ROWS if row[0] == wildcards.grid))


GRID_POINTS = {row[1] for row in GRID_ROWS}


def draws_figures(name):
    """Whether scenario ``name`` gets its own figures: not a grid's condition
    unless grid_point_figures is on (the grid's figures show every condition)."""
    return name not in GRID_POINTS or config.get("grid_point_figures", False)


def scenario_pattern(keep):
    """A wildcard constraint matching exactly the scenarios for which keep(name)
    holds (a pattern matching nothing when there are none)."""
    import re

    names = [re.escape(s) for s in SCENARIOS if keep(s)]
    return "|".join(names) or "NO_SCENARIO"


def all_outputs():
    """Every table and figure of the study. A grid's conditions get their
    tables but, unless grid_point_figures is on, not their own figures: the
    grid's figures show every condition."""
    out = [paths.run_file(RESULTS, "versions.txt")]
    if SCENARIOS:
        out.append(paths.run_file(RESULTS, "timing/run.html"))
    for name, sc in SCENARIOS.items():
        out += [paths.scenario_table(RESULTS, name, t)
                for t in ["recovery", "performance", "convergence", "comparison"]]
        if sc.misspecified:  # the population maxima and the fits' split among them
            out += [paths.scenario_table(RESULTS, name, t) for t in ["pseudo_true", "maxima_split"]]
        if not draws_figures(name):
            continue
        out += [paths.scenario_figure(RESULTS, name, fig) for fig in FIGURES]
        if len(sc.methods) > 1:
            out.append(paths.scenario_figure(RESULTS, name, "comparison"))
        if sc.select_k:
            out.append(paths.scenario_figure(RESULTS, name, "model_choice"))
    for grid in GRIDS:
        out += [paths.grid_file(RESULTS, grid, f)
                for f in ["performance.csv", "summary.html", "summary.md", "summary.csv"]]
        out += [paths.grid_figure(RESULTS, grid, f) for f in GRID_FIGURES]
    out += data_files()
    out += [paths.dataset_file(RESULTS, d, f) for d in DATASETS
            for f in ["fit.csv", "assignments.csv", "fit.png", "bic.csv", "bic.png"]]
    return out


def pseudo_true_input(wildcards):
    """A misspecified scenario's pseudo_true.csv (none for Gaussian truths)."""
    if scenario_of(wildcards).misspecified:
        return [paths.scenario_table(RESULTS, wildcards.scenario, "pseudo_true")]
    return []


def fit_blocks(wildcards):
    """What each fits table of a scenario holds: {path: [method, n, start, stop]}
    (the files of fit_files("fits")), for the evaluate stage to check them."""
    sc = scenario_of(wildcards)
    return {paths.fit_table(RESULTS, sc.name, m, n, c, "fits"): [m, n, a, b]
            for m, n, c, a, b in fit_jobs(sc)}


def expected_tables(name):
    """What a scenario's summary tables must have rows of: its methods and sample sizes."""
    sc = SCENARIOS[name]
    return {"methods": list(sc.methods), "sample_sizes": list(sc.sample_sizes)}


def timing_blocks(wildcards):
    """What each fit job's timing file is of: {path: [scenario, method, n, start, stop]}."""
    return {paths.timing(RESULTS, s, m, n, c): [s, m, n, a, b]
            for s, sc in SCENARIOS.items() for m, n, c, a, b in fit_jobs(sc)}


def most_restarts_method(wildcards):
    """The scenario's method with the most restarts (the first of those tied):
    its traces show how restarts reach, or miss, the best maximum."""
    methods = scenario_of(wildcards).methods
    return max(methods, key=lambda m: methods[m]["n_restarts"])


def grid_spec(wildcards):
    """The grid's own settings (labels, loop order, heat-map axes), as written
    on the scenario that holds the grid (every point carries them)."""
    first = grid_points(wildcards)[0]
    spec = config["scenarios"][first]
    return {"labels": spec.get("grid_labels") or {}, "order": spec.get("grid_order") or [],
            "heatmap": spec.get("grid_heatmap") or []}


def grid_figure_output(name):
    return report(
        paths.grid_figure(RESULTS, "{grid}", name),
        caption=f"../report/grid_{name.split('_')[0]}.rst",
        category="{grid}",
        subcategory="1. Grid figures",
        labels={"grid": "{grid}", "figure": GRID_FIGURE_TITLES[name]},
    )


def dataset_warnings():
    """Every warning of this run's own-data fits (gmm_recovery.summary.dataset_warnings
    on each dataset's log and fit.csv), for the console at the end of the run."""
    import pandas as pd

    from gmm_recovery.summary import dataset_warnings as warnings_of

    out = []
    for name, ds in DATASETS.items():
        log = Path(paths.dataset_log(RESULTS, name))
        fit_csv = Path(paths.dataset_file(RESULTS, name, "fit.csv"))
        # emem reports two runs per restart: its k-means++ starts and the short runs kept
        runs = int(ds.fit.get("n_restarts", 1)) * (2 if ds.fit.get("init") == "emem" else 1)
        out += warnings_of(name, log.read_text() if log.exists() else "",
                           pd.read_csv(fit_csv) if fit_csv.exists() else None,
                           runs, ds.start is not None)
    return out


def precompile_scripts():
    """Byte-compile, into their __pycache__, gmmem, gmm_recovery and the scripts' shared module
    where this workflow's scripts live and, if elsewhere, where a job's fresh
    interpreter finds gmmem first (an installed copy precedes the scripts
    folder that Snakemake appends to a job's path)."""
    own = Path(workflow.basedir) / "workflow" / "scripts"
    folders = {own}
    path = [p for p in sys.path if Path(p or ".").resolve() != own.resolve()]
    spec = importlib.machinery.PathFinder.find_spec("gmmem", path)
    if spec is not None and spec.origin:
        folders.add(Path(spec.origin).parent.parent)
    for scripts in folders:
        compileall.compile_dir(scripts / "gmmem", quiet=2)
        if (scripts / "gmm_recovery").is_dir():
            compileall.compile_dir(scripts / "gmm_recovery", quiet=2)
        compileall.compile_file(scripts / "_workflow.py", quiet=2)


onstart:
    # Every job is a new Python process that imports gmmem. Compiled once here,
    # it is loaded by each job, not compiled again by each: Python writes no
    # bytecode cache itself where PYTHONDONTWRITEBYTECODE is set (as in many
    # container images), and compiling costs a job ~0.1 s of CPU.
    precompile_scripts()
