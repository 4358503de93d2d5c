rule pseudo_true:
    output:
        report(
            f"{RESULTS}/{{scenario}}/pseudo_true.csv",
            caption="../report/pseudo_true.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
    log:
        f"{RESULTS}/logs/{{scenario}}/pseudo_true.log",
    params:
        scenario=lambda w: w.scenario,
        truth=truth_spec,
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
        aligned=f"{RESULTS}/{{scenario}}/aligned.csv",
        pseudo_true=f"{RESULTS}/{{scenario}}/pseudo_true.csv",
    output:
        report(
            f"{RESULTS}/{{scenario}}/maxima_split.csv",
            caption="../report/maxima_split.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
    log:
        f"{RESULTS}/logs/{{scenario}}/maxima_split.log",
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
        aligned=f"{RESULTS}/{{scenario}}/aligned.csv",
        recovery=report(
            f"{RESULTS}/{{scenario}}/recovery.csv",
            caption="../report/recovery.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
        performance=report(
            f"{RESULTS}/{{scenario}}/performance.csv",
            caption="../report/performance.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
        convergence=report(
            f"{RESULTS}/{{scenario}}/convergence.csv",
            caption="../report/convergence.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
        performance_nonspurious=report(
            f"{RESULTS}/{{scenario}}/performance_nonspurious.csv",
            caption="../report/performance_nonspurious.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
        model_choice=f"{RESULTS}/{{scenario}}/model_choice.csv",
        summary_md=f"{RESULTS}/{{scenario}}/summary.md",
        summary_csv=f"{RESULTS}/{{scenario}}/summary.csv",
        summary_tex=f"{RESULTS}/{{scenario}}/summary.tex",
        summary_html=report(
            f"{RESULTS}/{{scenario}}/summary.html",
            caption="../report/summary.rst",
            category="{scenario}",
            subcategory="1. Summary",
            labels={"scenario": "{scenario}", "item": "summary table"},
        ),
        comparison=report(
            f"{RESULTS}/{{scenario}}/comparison.csv",
            caption="../report/comparison.rst",
            category="{scenario}",
            subcategory="3. Tables",
        ),
    log:
        f"{RESULTS}/logs/{{scenario}}/evaluate.log",
    params:
        scenario=lambda w: w.scenario,
        truth=truth_spec,
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
        lambda w: expand(f"{RESULTS}/{{s}}/performance.csv", s=grid_points(w)),
    output:
        report(
            f"{RESULTS}/{{grid}}/grid/performance.csv",
            caption="../report/grid.rst",
            category="{grid}",
            subcategory="Grid",
            labels={"grid": "{grid}", "item": "table: performance of every grid point"},
        ),
    log:
        f"{RESULTS}/logs/{{grid}}/grid_summary.log",
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
        versions=f"{RESULTS}/versions.txt",
        convergence=expand(f"{RESULTS}/{{s}}/convergence.csv", s=list(SCENARIOS)),
        timing=timing_files,
    output:
        report(
            f"{RESULTS}/timing/run.html",
            caption="../report/run.rst",
            category="Run",
            labels={"item": "failures, time, settings, versions, config"},
        ),
    log:
        f"{RESULTS}/logs/run_summary.log",
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
