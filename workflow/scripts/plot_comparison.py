"""Rule plot_comparison: the paired comparisons of a scenario's methods."""

import pandas as pd

from _workflow import check_scenario_inputs, logged, save_figure
from gmm_recovery import figures
from gmm_recovery.tables import by_label

with logged(snakemake) as log:
    check_scenario_inputs(snakemake)
    table = pd.read_csv(snakemake.input.comparison, dtype={"method_a": str, "method_b": str})
    recovery = pd.read_csv(snakemake.input.recovery, dtype={"method": str})
    # Against the generating parameters where the tables also hold pseudo-true ones.
    if "target" in table:
        table = table[table["target"] == "generating"]
    if "target" in recovery:
        recovery = recovery[recovery["target"] == "generating"]
    truths = by_label(recovery, "truth")
    save_figure(figures.comparison_figure(
        table, f"{snakemake.params.scenario}: methods compared on the same data", truths),
        snakemake.output[0])
    log.info("scenario %s: comparison figure of %d rows written", snakemake.params.scenario,
             len(table))
