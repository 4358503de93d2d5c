# gmm-recovery: parameter-recovery studies of Gaussian mixtures fitted by EM.
#
# config.yaml (or a --configfile, and --config on top) is read and checked by
# workflow/rules/config.smk before any job: a mistake is one line, exit code 1.
# The jobs, per wildcard (results/ is the config's results folder):
#   simulate (scenario, n, chunk: a block of chunk_size replicates)
#     -> results/{scenario}/data/n{n}/chunk{chunk}.npz
#   fit (scenario, method, n, chunk): every method on the same block of data
#     -> results/{scenario}/fits/{method}/n{n}/chunk{chunk}.{fits,traces}.csv
#   pseudo_true (scenario; misspecified truths only): the Gaussian maxima of E log f
#   evaluate (scenario): every block's fits aligned to the truth -> aligned, recovery,
#     performance, convergence, comparison, model_choice and summary tables;
#     maxima_split (misspecified scenario): the fits' split among the maxima
#   plot, plot_comparison (two or more methods), plot_model_choice (select_k) (scenario)
#   grid_summary, grid_tables, grid_figures (grid): every condition of a grid side by side
#   fit_dataset (dataset): your own CSV columns; K chosen by BIC from a list of n_components
#   versions, run_summary: the software, and the run's failures, times and settings
from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/config.smk"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/plot.smk"
include: "workflow/rules/grid.smk"
include: "workflow/rules/datasets.smk"
include: "workflow/rules/versions.smk"


rule all:
    input:
        all_outputs(),
    default_target: True
