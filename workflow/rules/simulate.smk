# Only with write_data: true (rule all then asks for the blocks). The fit jobs
# draw the same replicates themselves and do not read these files.
rule simulate:
    output:
        f"{RESULTS}/{{scenario}}/data/n{{n}}/chunk{{chunk}}.npz",
    log:
        f"{RESULTS}/logs/{{scenario}}/simulate_n{{n}}_chunk{{chunk}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{scenario}}/simulate_n{{n}}_chunk{{chunk}}.tsv"
    params:
        scenario=lambda w: w.scenario,
        truth=truth_spec,
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
