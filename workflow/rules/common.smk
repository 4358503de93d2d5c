import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# Jobs are single-threaded by design (parallelism is across jobs); pinning
# BLAS keeps floating-point sums, and so results, independent of the core count.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))
from gmmem import study  # noqa: E402

validate(config, schema="../schemas/config.schema.yaml")
try:
    SCENARIOS = study.parse_scenarios(config)
    DATASETS = study.parse_datasets(config)
    study.check_dataset_files(DATASETS)
except ValueError as e:
    raise WorkflowError(f"Invalid config: {e}") from None

SEED = config["seed"]
LEVEL = config["level"]
CHUNK_SIZE = config["chunk_size"]


wildcard_constraints:
    scenario="|".join(SCENARIOS) or "NO_SCENARIO",
    dataset="|".join(DATASETS) or "NO_DATASET",
    n=r"\d+",
    chunk=r"\d+",


def scenario_of(wildcards):
    return SCENARIOS[wildcards.scenario]


def truth_spec(wildcards):
    """The scenario's truth as plain config values: only these, so that changing
    another setting of the scenario does not re-run its simulations."""
    spec = config["scenarios"][wildcards.scenario]
    return {k: spec[k] for k in ("weights", "means", "sds", "covariances") if k in spec}


def scenario_chunks(wildcards):
    return study.chunks(scenario_of(wildcards).replicates, CHUNK_SIZE)


def chunk_range(wildcards):
    return scenario_chunks(wildcards)[int(wildcards.chunk)]


def fit_files(kind):
    """All chunk outputs of one kind ('fits', 'traces') of a scenario, every n."""

    def files(wildcards):
        sc = scenario_of(wildcards)
        return [f"results/{sc.name}/fits/n{n}/chunk{c}.{kind}.csv"
                for n in sc.sample_sizes for c in range(len(scenario_chunks(wildcards)))]

    return files


def simulate_mem_mb(wildcards):
    """Memory of a simulate job: every replicate's draws (and labels) at once, with headroom."""
    sc = scenario_of(wildcards)
    return 300 + 24 * sc.replicates * int(wildcards.n) * sc.truth.dim // 2**20


def fit_mem_mb(wildcards, attempt):
    """Memory of a fit job: the data, features and (K, n) work arrays, with headroom."""
    sc = scenario_of(wildcards)
    n, d = int(wildcards.n), sc.truth.dim
    K = max((sc.fit["n_components"],) + sc.select_k)
    work = 8 * n * (sc.replicates * d + 8 * (1 + d + d * (d + 1) // 2) + 8 * K)
    return (500 + work // 2**20) * attempt


def fit_runtime(wildcards, attempt):
    """Minutes for a fit job, scaled from n, replicates in the chunk and restarts."""
    sc = scenario_of(wildcards)
    a, b = chunk_range(wildcards)
    fits = (b - a) * sc.fit["n_restarts"] * (1 + len(sc.select_k)) * (1 + sc.oracle_start)
    # ~50 µs per point and restart at d = 1, generous for slow nodes.
    seconds = fits * int(wildcards.n) * 50e-6 * sc.truth.dim
    return (5 + int(seconds / 60) * 3) * attempt


FIGURES = ["fit_example", "rmse", "spread", "traces", "rmse_crlb", "coverage", "failures"]


def largest_n(wildcards):
    return max(scenario_of(wildcards).sample_sizes)


def figure(name):
    return report(
        f"results/{{scenario}}/figures/{name}.png",
        caption=f"../report/{name}.rst",
        category="{scenario}",
        subcategory="Figures",
    )


def all_outputs():
    out = []
    for name, sc in SCENARIOS.items():
        out += expand("results/{s}/{table}.csv", s=name,
                      table=["recovery", "performance", "convergence"])
        out += expand("results/{s}/figures/{fig}.png", s=name, fig=FIGURES)
        if sc.select_k:
            out.append(f"results/{name}/figures/model_choice.png")
    out += expand("results/datasets/{d}/{f}", d=list(DATASETS),
                  f=["fit.csv", "assignments.csv", "fit.png", "bic.csv", "bic.png"])
    return out
