"""Rule grid_summary: one table of every grid point's performance, with its factor levels."""

import pandas as pd

from _workflow import logged, save_csv
from gmmem.summary import grid_table

with logged(snakemake) as log:
    p = snakemake.params
    table = grid_table({point: pd.read_csv(path, dtype={"method": str})
                        for point, path in zip(p.points, snakemake.input)}, p.rows)
    save_csv(table, snakemake.output[0])
    log.info("grid %s: %d points, %d rows", snakemake.wildcards.grid, len(p.points), len(table))
