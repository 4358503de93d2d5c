"""Rule grid_summary: one table of every grid point's performance, with its factor levels."""

import pandas as pd

from _workflow import logged, save_csv

with logged(snakemake) as log:
    p = snakemake.params
    rows = pd.DataFrame(p.rows, columns=["grid", "scenario", "factor", "level", "value"])
    parts = []
    for point, path in zip(p.points, snakemake.input):
        perf = pd.read_csv(path, dtype={"method": str})
        levels = rows[rows["scenario"] == point]
        for factor, level, value in zip(levels["factor"], levels["level"], levels["value"]):
            perf[f"level_{factor}"] = level
            perf[f"value_{factor}"] = value
        parts.append(perf.assign(scenario=point))
    table = pd.concat(parts, ignore_index=True)
    table = table[["scenario"] + [c for c in table.columns if c != "scenario"]]
    save_csv(table, snakemake.output[0])
    log.info("grid %s: %d points, %d rows", snakemake.wildcards.grid, len(p.points),
             len(table))
