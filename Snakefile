# gmm-recovery: parameter-recovery studies of Gaussian mixtures fitted by EM.
#
# config.yaml (or a --configfile, and --config on top) is read and checked by
# workflow/rules/config.smk before any job: a mistake is one line, exit code 1.
# The jobs, per wildcard (results/ is the config's results folder):
#   fit (scenario, method, n, chunk): draws its replicates from the seeds and
#     fits them; the job plan (gmm_recovery.plan: job_seconds, or chunk_size)
#     gives each chunk its replicate range
#     -> results/{scenario}/fits/{method}/n{n}/chunk{chunk}.{fits,diagnostics,traces}.csv;
#     fit_grid_point: the same for a grid's condition without figures (no traces)
#   simulate (scenario, n, chunk; only with write_data): the same data sets as
#     files, read by no fit job -> results/{scenario}/data/n{n}/chunk{chunk}.npz
#   pseudo_true (scenario; misspecified truths only): the Gaussian maxima of E log f
#   evaluate (scenario): every chunk's fits aligned to the truth -> aligned,
#     recovery, performance, convergence, comparison, model_choice and summary
#     tables; maxima_split (misspecified scenario): the fits' split among the maxima
#   plot, plot_with_comparison, plot_with_model_choice, plot_with_both
#     (scenario, one rule per kind of scenario): all its figures in one job
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
