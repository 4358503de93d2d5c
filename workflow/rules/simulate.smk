# Only with write_data: true (rule all then asks for the blocks). The fit jobs
# draw the same replicates themselves and do not read these files.
rule simulate:
    output:
        paths.data_block(RESULTS, "{scenario}", "{n}", "{chunk}"),
    log:
        paths.simulate_log(RESULTS, "{scenario}", "{n}", "{chunk}"),
    benchmark:
        paths.simulate_benchmark(RESULTS, "{scenario}", "{n}", "{chunk}")
    params:
        scenario=lambda w: w.scenario,
        truth=truth,
        replicates=data_range,
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
