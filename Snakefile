# gmm-recovery: parameter-recovery studies of Gaussian mixtures fitted by EM.
#   simulate (scenario, n, block) -> fit (scenario, method, n, block) -> evaluate (scenario)
#   -> plot (scenario); a grid's conditions -> grid summary, figures and table (grid)
#   fit_dataset (your own CSV column) with model choice by BIC
#   config.yaml is read and checked by workflow/rules/config.smk before any job
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
