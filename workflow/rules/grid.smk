# A factorial grid shown as a grid: one job draws all of a grid's figures, one
# writes its summary table (every condition, no averaging over factors).


def grid_spec(wildcards):
    """The grid's own settings (labels, loop order, heat-map axes), as written
    on the scenario that holds the grid (every point carries them)."""
    first = grid_points(wildcards)[0]
    spec = config["scenarios"][first]
    return {"labels": spec.get("grid_labels") or {}, "order": spec.get("grid_order") or [],
            "heatmap": spec.get("grid_heatmap") or []}


def grid_figure_output(name):
    return report(
        f"{RESULTS}/{{grid}}/grid/figures/{name}.png",
        caption=f"../report/grid_{name.split('_')[0]}.rst",
        category="{grid}",
        subcategory="1. Grid figures",
        labels={"grid": "{grid}", "figure": GRID_FIGURE_TITLES[name]},
    )


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
