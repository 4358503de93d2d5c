"""Rule simulate: draw every replicate of one (scenario, n) from the true mixture."""

from _workflow import logged, save_npz
from gmmem.study import mixture_from_spec, seed_for
import numpy as np

with logged(snakemake) as log:
    p = snakemake.params
    truth = mixture_from_spec(p.truth, f"scenario {p.scenario!r}")
    n = int(snakemake.wildcards.n)
    xs, labels = [], []
    for r in range(p.replicates):
        x, lab = truth.sample(n, np.random.default_rng(seed_for(p.seed, p.scenario, "simulate", n, r)))
        xs.append(x)
        labels.append(lab)
    save_npz(snakemake.output[0], x=np.stack(xs), labels=np.stack(labels).astype(np.int16))
    log.info("scenario %s: %d replicates of n = %d written to %s", p.scenario, p.replicates, n,
             snakemake.output[0])
