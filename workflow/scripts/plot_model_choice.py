"""Rule plot_model_choice: how often BIC and AIC pick the true K, against n."""

import pandas as pd

from _workflow import check_scenario_inputs, logged, save_figure
from gmmem import plotting

with logged(snakemake) as log:
    check_scenario_inputs(snakemake)
    table = pd.read_csv(snakemake.input[0], dtype={"method": str})
    save_figure(plotting.model_choice_figure(table, snakemake.params.scenario), snakemake.output[0])
    log.info("model-choice figure written")
