# A fit job draws its own replicates from the seeds (no data file precedes it)
# and covers one series (scenario, method, n) and the replicate range its
# chunk has in the plan (common.smk: chunk_range). On a cluster the fit jobs
# are submitted in groups (the profile's group-components). No benchmark:
# file: the job records its own seconds and CPU (timing/), and for thousands
# of jobs each file costs Snakemake time to plan.
rule fit:
    output:
        fits=f"{RESULTS}/{{scenario}}/fits/{{method}}/n{{n}}/chunk{{chunk}}.fits.csv",
        diagnostics=f"{RESULTS}/{{scenario}}/fits/{{method}}/n{{n}}/chunk{{chunk}}.diagnostics.csv",
        traces=f"{RESULTS}/{{scenario}}/fits/{{method}}/n{{n}}/chunk{{chunk}}.traces.csv",
        timing=f"{RESULTS}/timing/{{scenario}}/{{method}}_n{{n}}_chunk{{chunk}}.csv",
    log:
        f"{RESULTS}/logs/{{scenario}}/fit_{{method}}_n{{n}}_chunk{{chunk}}.log",
    params:
        # One function for all of a job's settings: Snakemake inspects every
        # callable param of every job (eight of them took 1.3 s of a 15 s dry
        # run of 4,104 fit jobs).
        job=fit_job,
    group:
        "fit"
    threads: 1
    resources:
        mem_mb=fit_mem_mb,
        runtime=fit_runtime,
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/fit.py"
