"""Rule plot_comparison: the paired comparisons of a scenario's methods."""

import pandas as pd

from _workflow import check_scenario_inputs, logged, save_figure
from gmmem import plotting

with logged(snakemake) as log:
    check_scenario_inputs(snakemake)
    table = pd.read_csv(snakemake.input[0], dtype={"method_a": str, "method_b": str})
    save_figure(plotting.comparison_figure(
        table, f"{snakemake.params.scenario}: methods compared on the same data"),
        snakemake.output[0])
    log.info("scenario %s: comparison figure of %d rows written", snakemake.params.scenario,
             len(table))
