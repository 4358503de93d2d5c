rule pseudo_true:
    output:
        report(
            paths.scenario_table(RESULTS, "{scenario}", "pseudo_true"),
            caption="../report/pseudo_true.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
    log:
        paths.job_log(RESULTS, "{scenario}", "pseudo_true"),
    params:
        scenario=lambda w: w.scenario,
        truth=truth,
        seed=SEED,
        # d >= 2: the projection onto the first method's covariance structure.
        covariance=lambda w: next(iter(scenario_of(w).methods.values()))["covariance"],
    threads: 1
    resources:
        # d >= 2 fits one sample of 2·10^6 points from several starts.
        mem_mb=lambda w: 1000 if scenario_of(w).truth.dim == 1 else 6000,
        runtime=lambda w: 10 if scenario_of(w).truth.dim == 1 else 120,
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/pseudo_true_values.py"


rule maxima_split:
    input:
        aligned=paths.scenario_table(RESULTS, "{scenario}", "aligned"),
        pseudo_true=paths.scenario_table(RESULTS, "{scenario}", "pseudo_true"),
    output:
        report(
            paths.scenario_table(RESULTS, "{scenario}", "maxima_split"),
            caption="../report/maxima_split.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
    log:
        paths.job_log(RESULTS, "{scenario}", "maxima_split"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/maxima_split.py"


rule evaluate:
    input:
        fits=fit_files("fits"),
        diagnostics=fit_files("diagnostics"),
        pseudo_true=pseudo_true_input,
    output:
        aligned=paths.scenario_table(RESULTS, "{scenario}", "aligned"),
        recovery=report(
            paths.scenario_table(RESULTS, "{scenario}", "recovery"),
            caption="../report/recovery.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
        performance=report(
            paths.scenario_table(RESULTS, "{scenario}", "performance"),
            caption="../report/performance.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
        convergence=report(
            paths.scenario_table(RESULTS, "{scenario}", "convergence"),
            caption="../report/convergence.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
        performance_nonspurious=report(
            paths.scenario_table(RESULTS, "{scenario}", "performance_nonspurious"),
            caption="../report/performance_nonspurious.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
        model_choice=paths.scenario_table(RESULTS, "{scenario}", "model_choice"),
        summary_md=paths.scenario_table(RESULTS, "{scenario}", "summary", "md"),
        summary_csv=paths.scenario_table(RESULTS, "{scenario}", "summary"),
        summary_tex=paths.scenario_table(RESULTS, "{scenario}", "summary", "tex"),
        summary_html=report(
            paths.scenario_table(RESULTS, "{scenario}", "summary", "html"),
            caption="../report/summary.rst",
            category="{scenario}",
            subcategory="1. Summary",
            labels={"scenario": "{scenario}", "item": "summary table"},
        ),
        comparison=report(
            paths.scenario_table(RESULTS, "{scenario}", "comparison"),
            caption="../report/comparison.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
    log:
        paths.job_log(RESULTS, "{scenario}", "evaluate"),
    params:
        scenario=lambda w: w.scenario,
        truth=truth,
        select_k=lambda w: list(scenario_of(w).select_k),
        select_blrt=lambda w: scenario_of(w).select_blrt,
        methods=lambda w: scenario_of(w).methods,
        misspecified=lambda w: scenario_of(w).misspecified,
        level=LEVEL,
        # what the fits tables must hold, checked before they are used
        blocks=fit_blocks,
        oracle_start=lambda w: scenario_of(w).oracle_start,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/evaluate.py"


rule grid_summary:
    input:
        lambda w: [paths.scenario_table(RESULTS, s, "performance") for s in grid_points(w)],
    output:
        report(
            paths.grid_file(RESULTS, "{grid}", "performance.csv"),
            caption="../report/grid.rst",
            category="{grid}",
            subcategory="Grid",
            labels={"grid": "{grid}", "item": "table: performance of every grid point"},
        ),
    log:
        paths.job_log(RESULTS, "{grid}", "grid_summary"),
    params:
        points=grid_points,
        rows=lambda w: [r for r in GRID_ROWS if r[0] == w.grid],
        expect=lambda w: {pt: expected_tables(pt) for pt in grid_points(w)},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/grid_summary.py"


rule run_summary:
    input:
        versions=paths.run_file(RESULTS, "versions.txt"),
        convergence=[paths.scenario_table(RESULTS, s, "convergence") for s in SCENARIOS],
        timing=timing_files,
    output:
        report(
            paths.run_file(RESULTS, "timing/run.html"),
            caption="../report/run.rst",
            category="Run",
            labels={"item": "failures, time, settings, versions, config"},
        ),
    log:
        paths.run_log(RESULTS, "run_summary"),
    params:
        config=lambda w: {k: v for k, v in config.items()},
        settings=lambda w: [(s, m, st) for s, sc in SCENARIOS.items()
                            for m, st in sc.methods.items()],
        expect=lambda w: {s: expected_tables(s) for s in SCENARIOS},
        timing=timing_blocks,
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/run_summary.py"
