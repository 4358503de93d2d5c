"""Rule maxima_split: per method and n, the share of fits nearest to each local
maximum of the population objective of a misspecified scenario."""

import pandas as pd

from _workflow import logged, save_csv
from gmmem.pseudo_true import mixtures_from_rows
from gmmem.recovery import maxima_split

with logged(snakemake) as log:
    maxima = mixtures_from_rows(pd.read_csv(snakemake.input.pseudo_true))
    aligned = pd.read_csv(snakemake.input.aligned, dtype={"method": str})
    table = maxima_split(aligned, maxima)
    save_csv(table, snakemake.output[0])
    for (method, n), cell in table.groupby(["method", "n"], sort=False):
        log.info("scenario %s, method %s, n = %d: shares %s", snakemake.wildcards.scenario,
                 method, n, " / ".join(f"{s:.3f}" for s in cell["share"]))
