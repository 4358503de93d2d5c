"""Rule evaluate: align labels and compute every performance measure of one scenario."""

import pandas as pd

from _workflow import logged, save_csv
from gmmem.recovery import evaluate_fits
from gmmem.study import mixture_from_spec

with logged(snakemake) as log:
    p = snakemake.params
    truth = mixture_from_spec(p.truth, f"scenario {p.scenario!r}")
    fits = pd.concat([pd.read_csv(f) for f in snakemake.input.fits], ignore_index=True)
    tables = evaluate_fits(fits, truth, tuple(p.select_k), p.fit['covariance'])
    for name, table in tables.items():
        save_csv(table, snakemake.output[name])
    conv = tables["convergence"]
    log.info("scenario %s: %d fits, %d not converged, %d degenerate, %d spurious, "
             "%d label disagreements", p.scenario, conv["n_fits"].sum(),
             conv["n_nonconverged"].sum(), conv["n_degenerate"].sum(), conv["n_spurious"].sum(),
             conv["n_label_disagreements"].sum())
