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

SEED = config["seed"]
LEVEL = config["level"]
CHUNK_SIZE = config["chunk_size"]
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


def truth_spec(wildcards):
    """The scenario's data-generating mechanism as plain config values: only
    these, so that changing another setting of the scenario (or its methods)
    does not re-run its simulations."""
    spec = config["scenarios"][wildcards.scenario]
    return {k: spec[k] for k in ("weights", "means", "sds", "covariances", "family",
                                 "contamination") if k in spec}


def method_settings(wildcards):
    return scenario_of(wildcards).methods[wildcards.method]


def scenario_chunks(wildcards):
    """Replicate blocks [a, b) of chunk_size: block c is the same replicates
    whatever the total, so raising replicates adds blocks and leaves the old ones."""
    return design.chunks(scenario_of(wildcards).replicates, CHUNK_SIZE)


def chunk_range(wildcards):
    return scenario_chunks(wildcards)[int(wildcards.chunk)]


def fit_files(kind):
    """All chunk outputs of one kind ('fits', 'traces') of a scenario: every method, every n."""

    def files(wildcards):
        sc = scenario_of(wildcards)
        return [f"{RESULTS}/{sc.name}/fits/{m}/n{n}/chunk{c}.{kind}.csv"
                for m in sc.methods for n in sc.sample_sizes
                for c in range(len(scenario_chunks(wildcards)))]

    return files


def timing_files(wildcards):
    """Every fit job's timing file: all scenarios, methods, sizes and blocks."""
    return [f"{RESULTS}/timing/{s}/{m}_n{n}_chunk{c}.csv"
            for s, sc in SCENARIOS.items() for m in sc.methods for n in sc.sample_sizes
            for c in range(len(design.chunks(sc.replicates, CHUNK_SIZE)))]


def replicates_in_chunk(wildcards):
    a, b = chunk_range(wildcards)
    return b - a


def simulate_mem_mb(wildcards):
    """Memory of a simulate job (design.simulate_mem_mb)."""
    return design.simulate_mem_mb(scenario_of(wildcards), int(wildcards.n),
                                 replicates_in_chunk(wildcards))


def fit_mem_mb(wildcards, attempt):
    """Memory of a fit job (design.fit_mem_mb), scaled up on a retry."""
    return design.fit_mem_mb(scenario_of(wildcards), int(wildcards.n),
                            replicates_in_chunk(wildcards)) * attempt


def fit_runtime(wildcards, attempt):
    """Minutes for a fit job, scaled from n, replicates in the chunk and restarts."""
    sc = scenario_of(wildcards)
    settings = method_settings(wildcards)
    restarts = settings["n_restarts"]
    fits = replicates_in_chunk(wildcards) * restarts * (1 + len(sc.select_k)) * (1 + sc.oracle_start)
    fits *= 1 + 2 * sc.select_blrt  # each bootstrap LRT draw refits K and K + 1
    # emem: 1.6-2.9x the CPU of its k-means++ starts alone (benchmarks/bench_starts.py);
    # the calibrated spurious test 3.5x where a quarter of the fits are tested, up
    # to 24x where all are (gmmem.spurious); bootstrap intervals refit n_boot times.
    fits *= 3 if settings["init"] == "emem" else 1
    fits *= 4 if settings["spurious_test"] == "bootstrap" and settings["estimator"] == "mle" else 1
    fits *= 1 + (settings["n_boot"] if "bootstrap" in settings["intervals"] else 0)
    # ~50 µs per point and restart at d = 1, generous for slow nodes.
    seconds = fits * int(wildcards.n) * 50e-6 * sc.truth.dim
    return (5 + int(seconds / 60) * 3) * attempt


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
        f"{RESULTS}/{{scenario}}/figures/{name}.png",
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


def all_outputs():
    """Every table and figure of the study. A grid's conditions get their
    tables but, unless grid_point_figures is on, not their own figures: the
    grid's figures show every condition."""
    out = [f"{RESULTS}/versions.txt"]
    if SCENARIOS:
        out.append(f"{RESULTS}/timing/run.html")
    for name, sc in SCENARIOS.items():
        out += expand("{r}/{s}/{table}.csv", r=RESULTS, s=name,
                      table=["recovery", "performance", "convergence", "comparison"])
        if sc.misspecified:  # the population maxima and the fits' split among them
            out += expand("{r}/{s}/{t}.csv", r=RESULTS, s=name, t=["pseudo_true", "maxima_split"])
        if name in GRID_POINTS and not config.get("grid_point_figures", False):
            continue
        out += expand("{r}/{s}/figures/{fig}.png", r=RESULTS, s=name, fig=FIGURES)
        if len(sc.methods) > 1:
            out.append(f"{RESULTS}/{name}/figures/comparison.png")
        if sc.select_k:
            out.append(f"{RESULTS}/{name}/figures/model_choice.png")
    for grid in GRIDS:
        out += expand("{r}/{g}/grid/{f}", r=RESULTS, g=grid,
                      f=["performance.csv", "summary.html", "summary.md", "summary.csv"])
        out += expand("{r}/{g}/grid/figures/{f}.png", r=RESULTS, g=grid, f=GRID_FIGURES)
    out += expand("{r}/datasets/{d}/{f}", r=RESULTS, d=list(DATASETS),
                  f=["fit.csv", "assignments.csv", "fit.png", "bic.csv", "bic.png"])
    return out


def pseudo_true_input(wildcards):
    """A misspecified scenario's pseudo_true.csv (none for Gaussian truths)."""
    if scenario_of(wildcards).misspecified:
        return [f"{RESULTS}/{wildcards.scenario}/pseudo_true.csv"]
    return []


def fit_blocks(wildcards):
    """What each fits table of a scenario holds: {path: [method, n, start, stop]}
    (the files of fit_files("fits")), for the evaluate stage to check them."""
    sc = scenario_of(wildcards)
    return {f"{RESULTS}/{sc.name}/fits/{m}/n{n}/chunk{c}.fits.csv": [m, n, a, b]
            for m in sc.methods for n in sc.sample_sizes
            for c, (a, b) in enumerate(scenario_chunks(wildcards))}


def expected_tables(name):
    """What a scenario's summary tables must have rows of: its methods and sample sizes."""
    sc = SCENARIOS[name]
    return {"methods": list(sc.methods), "sample_sizes": list(sc.sample_sizes)}


def timing_blocks(wildcards):
    """What each fit job's timing file is of: {path: [scenario, method, n, start, stop]}."""
    return {f"{RESULTS}/timing/{s}/{m}_n{n}_chunk{c}.csv": [s, m, n, a, b]
            for s, sc in SCENARIOS.items() for m in sc.methods for n in sc.sample_sizes
            for c, (a, b) in enumerate(design.chunks(sc.replicates, CHUNK_SIZE))}


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
        f"{RESULTS}/{{grid}}/grid/figures/{name}.png",
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
        log = Path(f"{RESULTS}/logs/datasets/{name}.log")
        fit_csv = Path(f"{RESULTS}/datasets/{name}/fit.csv")
        # emem reports two runs per restart: its k-means++ starts and the short runs kept
        runs = int(ds.fit.get("n_restarts", 1)) * (2 if ds.fit.get("init") == "emem" else 1)
        out += warnings_of(name, log.read_text() if log.exists() else "",
                           pd.read_csv(fit_csv) if fit_csv.exists() else None,
                           runs, ds.start is not None)
    return out


def precompile_scripts():
    """Byte-compile, into their __pycache__, gmmem and the scripts' shared module
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
        compileall.compile_file(scripts / "_workflow.py", quiet=2)


onstart:
    # Every job is a new Python process that imports gmmem. Compiled once here,
    # it is loaded by each job, not compiled again by each: Python writes no
    # bytecode cache itself where PYTHONDONTWRITEBYTECODE is set (as in many
    # container images), and compiling costs a job ~0.1 s of CPU.
    precompile_scripts()
