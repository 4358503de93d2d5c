rule fit:
    input:
        "results/{scenario}/data/n{n}.npz",
    output:
        fits="results/{scenario}/fits/n{n}/chunk{chunk}.fits.csv",
        traces="results/{scenario}/fits/n{n}/chunk{chunk}.traces.csv",
        timing="results/timing/{scenario}/n{n}_chunk{chunk}.csv",
    log:
        "results/logs/{scenario}/fit_n{n}_chunk{chunk}.log",
    benchmark:
        "results/benchmarks/{scenario}/fit_n{n}_chunk{chunk}.tsv"
    params:
        scenario=lambda w: w.scenario,
        truth=truth_spec,
        replicates=chunk_range,
        fit=lambda w: scenario_of(w).fit,
        oracle_start=lambda w: scenario_of(w).oracle_start,
        select_k=lambda w: list(scenario_of(w).select_k),
        level=LEVEL,
        seed=SEED,
    threads: 1
    resources:
        mem_mb=fit_mem_mb,
        runtime=fit_runtime,
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/fit.py"
