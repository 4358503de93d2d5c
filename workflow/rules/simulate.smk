rule simulate:
    output:
        "results/{scenario}/data/n{n}.npz",
    log:
        "results/logs/{scenario}/simulate_n{n}.log",
    benchmark:
        "results/benchmarks/{scenario}/simulate_n{n}.tsv"
    params:
        scenario=lambda w: w.scenario,
        truth=truth_spec,
        replicates=lambda w: scenario_of(w).replicates,
        seed=SEED,
    threads: 1
    resources:
        mem_mb=simulate_mem_mb,
        runtime=5,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/simulate.py"
