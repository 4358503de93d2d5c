"""Rule fit_dataset: fit the user's own columns, with SEs, assignments and the figure."""

import numpy as np

from _workflow import logged, save_csv, save_figure
from gmm_recovery import figures
from gmm_recovery.dataset_analysis import analyse
from gmm_recovery.datasets import load_columns
from gmmem import advice_lines
from gmm_recovery.design import mixture_from_spec
from gmm_recovery.seeds import seed_for

with logged(snakemake) as log:
    p = snakemake.params
    data = load_columns(p.path, p.columns, name=p.name, drop_missing=p.drop_missing,
                        n_components=max(p.candidates), sep=p.sep, decimal=p.decimal)
    if data.dropped_rows:
        log.warning("dataset %s: %s", p.name, data.dropped_summary())
    start = mixture_from_spec(p.start, f"dataset {p.name!r} start") if p.start else None
    result = analyse(data.x, p.candidates, start=start, level=p.level,
                     seed=seed_for(p.seed, p.name, "dataset", 0, 0), **p.fit)
    save_csv(result.estimates, snakemake.output.fit)
    rows = np.delete(np.arange(len(data.x) + len(data.dropped_rows)), list(data.dropped_rows))
    save_csv(result.assignments(data.x, rows), snakemake.output.assignments)
    res = result.result
    title = (f"{p.name}: K = {res.mixture.n_components}, log-likelihood {res.loglik:.2f}"
             + ("" if res.converged else " (NOT converged)"))
    save_figure(figures.fit_figure(data.x, res.mixture, title, ", ".join(p.columns)),
                snakemake.output.figure)
    save_csv(result.criteria, snakemake.output.bic)
    save_figure(figures.bic_figure(result.criteria, p.name), snakemake.output.bic_png)
    for line in advice_lines(res, "config"):
        log.warning("dataset %s: %s", p.name, line)
    log.info("dataset %s: K = %d, loglik %.6f, %d EM maps, converged %s",
             p.name, res.mixture.n_components, res.loglik, res.n_iter, res.converged)
