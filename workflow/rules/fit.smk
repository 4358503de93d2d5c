rule fit:
    input:
        f"{RESULTS}/{{scenario}}/data/n{{n}}/chunk{{chunk}}.npz",
    output:
        fits=f"{RESULTS}/{{scenario}}/fits/{{method}}/n{{n}}/chunk{{chunk}}.fits.csv",
        diagnostics=f"{RESULTS}/{{scenario}}/fits/{{method}}/n{{n}}/chunk{{chunk}}.diagnostics.csv",
        traces=f"{RESULTS}/{{scenario}}/fits/{{method}}/n{{n}}/chunk{{chunk}}.traces.csv",
        timing=f"{RESULTS}/timing/{{scenario}}/{{method}}_n{{n}}_chunk{{chunk}}.csv",
    log:
        f"{RESULTS}/logs/{{scenario}}/fit_{{method}}_n{{n}}_chunk{{chunk}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{scenario}}/fit_{{method}}_n{{n}}_chunk{{chunk}}.tsv"
    params:
        scenario=lambda w: w.scenario,
        method=lambda w: w.method,
        truth=truth_spec,
        replicates=chunk_range,
        fit=method_settings,
        oracle_start=lambda w: scenario_of(w).oracle_start,
        select_k=lambda w: list(scenario_of(w).select_k),
        select_blrt=lambda w: scenario_of(w).select_blrt,
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
