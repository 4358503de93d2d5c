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
        mem_mb=lambda w: 300 + 24 * scenario_of(w).replicates * int(w.n) * scenario_of(w).truth.dim // 2**20,
        runtime=5,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/simulate.py"
