"""Rule grid_summary: one table of every grid point's performance, with its factor levels."""

from _workflow import logged, read_table, save_csv
from gmm_recovery.checks import check_summary_table
from gmm_recovery.summary import grid_table

with logged(snakemake) as log:
    p = snakemake.params
    performances = {}
    for point, path in zip(p.points, snakemake.input):
        performances[point] = read_table(path, dtype={"method": str})
        # Every point's table has rows of its methods and sample sizes.
        check_summary_table(performances[point], path, **p.expect[point],
                            columns=["method", "n", "parameter", "measure", "estimate"])
    table = grid_table(performances, p.rows)
    save_csv(table, snakemake.output[0])
    log.info("grid %s: %d points, %d rows", snakemake.wildcards.grid, len(p.points), len(table))
