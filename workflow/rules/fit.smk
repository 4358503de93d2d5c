# A fit job draws its own replicates from the seeds (no data file precedes it)
# and covers one series (scenario, method, n) and the replicate range its
# chunk has in the plan (common.smk: chunk_range). On a cluster the fit jobs
# are submitted in groups (the profile's group-components). No benchmark:
# file: the job records its own seconds and CPU (timing/), and for thousands
# of jobs each file costs Snakemake time to plan. Its traces of replicates 0-2
# feed the scenario's traces figure; a grid's conditions without figures of
# their own (grid_point_figures off) are fitted by fit_grid_point, the same job
# without that table.
rule fit:
    output:
        fits=paths.fit_table(RESULTS, "{scenario}", "{method}", "{n}", "{chunk}", "fits"),
        diagnostics=paths.fit_table(RESULTS, "{scenario}", "{method}", "{n}", "{chunk}", "diagnostics"),
        traces=paths.fit_table(RESULTS, "{scenario}", "{method}", "{n}", "{chunk}", "traces"),
        timing=paths.timing(RESULTS, "{scenario}", "{method}", "{n}", "{chunk}"),
    log:
        paths.fit_log(RESULTS, "{scenario}", "{method}", "{n}", "{chunk}"),
    params:
        # One function for all of a job's settings: Snakemake inspects every
        # callable param of every job (eight of them took 1.3 s of a 15 s dry
        # run of 4,104 fit jobs).
        job=fit_job,
    wildcard_constraints:
        scenario=scenario_pattern(draws_figures),
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


use rule fit as fit_grid_point with:
    output:
        fits=paths.fit_table(RESULTS, "{scenario}", "{method}", "{n}", "{chunk}", "fits"),
        diagnostics=paths.fit_table(RESULTS, "{scenario}", "{method}", "{n}", "{chunk}", "diagnostics"),
        timing=paths.timing(RESULTS, "{scenario}", "{method}", "{n}", "{chunk}"),
    wildcard_constraints:
        scenario=scenario_pattern(lambda name: not draws_figures(name)),
