"""Rule plot_grid: one performance measure against one grid factor, by n and method."""

from _workflow import logged, read_table, save_figure
from gmmem import plotting
from gmmem.checks import check_present, check_summary_table

with logged(snakemake) as log:
    p = snakemake.params
    table = read_table(snakemake.input[0], dtype={"method": str})
    check_summary_table(table, snakemake.input[0], columns=[
        "scenario", "method", "n", "measure", f"level_{p.factor}", f"value_{p.factor}"])
    check_present(table, snakemake.input[0], "measure", [p.measure])
    if "target" in table:  # against the generating parameters, as every other figure
        table = table[table["target"] == "generating"]
    save_figure(plotting.grid_figure(table, p.measure, p.factor, p.level,
                                     f"grid {p.grid}: {p.measure} by {p.factor}"),
                snakemake.output[0])
    log.info("grid %s: %s by %s written", p.grid, p.measure, p.factor)
