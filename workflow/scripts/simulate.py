"""Rule simulate (write_data): write one block of replicates of one (scenario, n)."""

import numpy as np

from _workflow import logged, save_npz
from gmm_recovery.replicate_data import draw_replicates

with logged(snakemake) as log:
    p = snakemake.params
    n = int(snakemake.wildcards.n)
    start, stop = p.replicates
    # Replicate r's draws depend only on (seed, scenario, n, r): a block is the
    # same bytes whatever the study's total replicates or its methods, and the
    # same data the fit jobs draw for themselves.
    x, labels = draw_replicates(p.truth, p.scenario, p.seed, n, start, stop)
    save_npz(snakemake.output[0], x=x, labels=labels, replicates=np.arange(start, stop))
    log.info("scenario %s: replicates %d..%d of n = %d written to %s", p.scenario, start,
             stop - 1, n, snakemake.output[0])
