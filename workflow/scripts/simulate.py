"""Rule simulate: draw one block of replicates of one (scenario, n) from the scenario's truth."""

import numpy as np

from _workflow import logged, save_npz
from gmm_recovery.simulation import sample_scenario
from gmm_recovery.design import mixture_from_spec, parse_families
from gmm_recovery.seeds import seed_for

with logged(snakemake) as log:
    p = snakemake.params
    where = f"scenario {p.scenario!r}"
    truth = mixture_from_spec(p.truth, where)
    families = parse_families(p.truth.get("family"), truth, where)
    n = int(snakemake.wildcards.n)
    start, stop = p.replicates
    # Replicate r's draws depend only on (seed, scenario, n, r): a block is the
    # same bytes whatever the study's total replicates or its methods.
    xs, labels = [], []
    for r in range(start, stop):
        x, lab = sample_scenario(truth, n, np.random.default_rng(
            seed_for(p.seed, p.scenario, "simulate", n, r)), families, p.truth.get("contamination"))
        xs.append(x)
        labels.append(lab)
    save_npz(snakemake.output[0], x=np.stack(xs), labels=np.stack(labels).astype(np.int16),
             replicates=np.arange(start, stop))
    log.info("scenario %s: replicates %d..%d of n = %d written to %s", p.scenario, start,
             stop - 1, n, snakemake.output[0])
