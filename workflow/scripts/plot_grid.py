"""Rule plot_grid: one performance measure against one grid factor, by n and method."""

import pandas as pd

from _workflow import logged, save_figure
from gmmem import plotting

with logged(snakemake) as log:
    p = snakemake.params
    table = pd.read_csv(snakemake.input[0], dtype={"method": str})
    if "target" in table:  # against the generating parameters, as every other figure
        table = table[table["target"] == "generating"]
    save_figure(plotting.grid_figure(table, p.measure, p.factor, p.level,
                                     f"grid {p.grid}: {p.measure} by {p.factor}"),
                snakemake.output[0])
    log.info("grid %s: %s by %s written", p.grid, p.measure, p.factor)
