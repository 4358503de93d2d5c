"""Rule grid_figures: a grid's nested loop plots, heat maps and lolly plots, in one process."""

import pandas as pd

from _workflow import check_grid_inputs, logged, save_figure
from gmm_recovery import grid_views

with logged(snakemake) as log:
    p = snakemake.params
    check_grid_inputs(snakemake, p.points)
    table = grid_views.generating(pd.read_csv(snakemake.input[0], dtype={"method": str}))
    labels = grid_views.level_labels(table, p.factors, p.spec["labels"])
    axes = dict(zip(("x_factor", "y_factor"), p.spec["heatmap"]))
    out = snakemake.output
    grid = snakemake.wildcards.grid
    for measure in grid_views.MEASURES:
        save_figure(grid_views.nested_loop_figure(
            table, measure, p.factors, labels, order=p.spec["order"], level=p.level,
            title=f"grid {grid}: {measure} (±2 MCSE) per condition"), out[f"nlp_{measure}"])
        save_figure(grid_views.heatmap_figure(
            table, measure, p.factors, labels, level=p.level, **axes,
            title=f"grid {grid}: {measure}"), out[f"heatmap_{measure}"])
    for measure in ("bias", "coverage"):
        save_figure(grid_views.lolly_figure(
            table, measure, p.factors, labels, order=p.spec["order"], level=p.level,
            title=f"grid {grid}: {measure} ± 2 MCSE per condition"), out[f"lolly_{measure}"])
    log.info("grid %s: %d figures of %d conditions", grid, len(out),
             len(table.drop_duplicates("scenario")))
