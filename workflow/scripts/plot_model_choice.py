"""Rule plot_model_choice: how often each criterion (BIC, AIC, ICL, and the bootstrap LRT
with select_blrt) picks the true K, against n."""

import pandas as pd

from _workflow import check_scenario_inputs, logged, save_figure
from gmm_recovery import figures

with logged(snakemake) as log:
    check_scenario_inputs(snakemake)
    table = pd.read_csv(snakemake.input[0], dtype={"method": str})
    true_k = sorted(set(table.loc[table["is_true_k"], "k"]))
    title = snakemake.params.scenario + (f": how often each criterion chooses the true "
                                         f"K = {true_k[0]}" if len(true_k) == 1 else "")
    save_figure(figures.model_choice_figure(table, title), snakemake.output[0])
    log.info("model-choice figure written")
