# A factorial grid shown as a grid: one job draws all of a grid's figures, one
# writes its summary table (every condition, no averaging over factors).


rule grid_figures:
    input:
        paths.grid_file(RESULTS, "{grid}", "performance.csv"),
    output:
        **{name: grid_figure_output(name) for name in GRID_FIGURES},
    log:
        paths.job_log(RESULTS, "{grid}", "grid_figures"),
    params:
        points=grid_points,
        factors=lambda w: grid_factors(w.grid),
        spec=grid_spec,
        level=LEVEL,
    threads: 1
    resources:
        mem_mb=1500,
        runtime=20,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/grid_figures.py"


rule grid_tables:
    input:
        performance=paths.grid_file(RESULTS, "{grid}", "performance.csv"),
        convergence=lambda w: [paths.scenario_table(RESULTS, s, "convergence")
                             for s in grid_points(w)],
    output:
        html=report(
            paths.grid_file(RESULTS, "{grid}", "summary.html"),
            caption="../report/grid_summary.rst",
            category="{grid}",
            subcategory="0. Grid summary",
            labels={"grid": "{grid}", "table": "summary"},
        ),
        md=paths.grid_file(RESULTS, "{grid}", "summary.md"),
        csv=paths.grid_file(RESULTS, "{grid}", "summary.csv"),
    log:
        paths.job_log(RESULTS, "{grid}", "grid_tables"),
    params:
        points=grid_points,
        factors=lambda w: grid_factors(w.grid),
        spec=grid_spec,
        level=LEVEL,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/grid_tables.py"
