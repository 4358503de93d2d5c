"""Rule grid_tables: the grid summary (one row per parameter × condition × n, methods side by side)."""

from pathlib import Path

import pandas as pd

from _workflow import check_grid_inputs, logged, save_csv
from gmm_recovery import grid_views

with logged(snakemake) as log:
    p = snakemake.params
    check_grid_inputs(snakemake, p.points)
    table = grid_views.generating(pd.read_csv(snakemake.input.performance, dtype={"method": str}))
    convergence = pd.concat([pd.read_csv(path, dtype={"method": str}).assign(scenario=point)
                             for point, path in zip(p.points, snakemake.input.convergence)],
                            ignore_index=True)
    labels = grid_views.level_labels(table, p.factors, p.spec["labels"])
    summary = grid_views.grid_summary(table, convergence, p.factors, labels, level=p.level)
    title = f"grid {snakemake.wildcards.grid}: {len(p.points)} conditions"
    save_csv(summary, snakemake.output.csv)
    Path(snakemake.output.md).write_text(grid_views.to_markdown(summary, title))
    Path(snakemake.output.html).write_text(grid_views.to_html(summary, title))
    log.info("%s, %d rows", title, len(summary))
