# A factorial grid shown as a grid: one job draws all of a grid's figures, one
# writes its summary table (every condition, no averaging over factors).


rule grid_figures:
    input:
        f"{RESULTS}/{{grid}}/grid/performance.csv",
    output:
        **{name: grid_figure_output(name) for name in GRID_FIGURES},
    log:
        f"{RESULTS}/logs/{{grid}}/grid_figures.log",
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
        performance=f"{RESULTS}/{{grid}}/grid/performance.csv",
        convergence=lambda w: expand(f"{RESULTS}/{{s}}/convergence.csv", s=grid_points(w)),
    output:
        html=report(
            f"{RESULTS}/{{grid}}/grid/summary.html",
            caption="../report/grid_summary.rst",
            category="{grid}",
            subcategory="0. Grid summary",
            labels={"grid": "{grid}", "table": "summary"},
        ),
        md=f"{RESULTS}/{{grid}}/grid/summary.md",
        csv=f"{RESULTS}/{{grid}}/grid/summary.csv",
    log:
        f"{RESULTS}/logs/{{grid}}/grid_tables.log",
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
