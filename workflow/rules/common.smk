import os

# Jobs are single-threaded by design (parallelism is across jobs); pinning
# BLAS keeps floating-point sums, and so results, independent of the core count.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

from gmmem.versions import package_versions  # noqa: E402

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
    """Memory of a simulate job (study.simulate_mem_mb)."""
    return study.simulate_mem_mb(scenario_of(wildcards), int(wildcards.n))


def fit_mem_mb(wildcards, attempt):
    """Memory of a fit job (study.fit_mem_mb), scaled up on a retry."""
    return study.fit_mem_mb(scenario_of(wildcards), int(wildcards.n)) * attempt


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
    out = ["results/versions.txt"]
    for name, sc in SCENARIOS.items():
        out += expand("results/{s}/{table}.csv", s=name,
                      table=["recovery", "performance", "convergence"])
        out += expand("results/{s}/figures/{fig}.png", s=name, fig=FIGURES)
        if sc.select_k:
            out.append(f"results/{name}/figures/model_choice.png")
    out += expand("results/datasets/{d}/{f}", d=list(DATASETS),
                  f=["fit.csv", "assignments.csv", "fit.png", "bic.csv", "bic.png"])
    return out
