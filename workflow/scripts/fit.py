"""Rule fit: fit every replicate of one chunk of one (scenario, n) with all restarts."""

import time

import numpy as np
import pandas as pd

from _workflow import logged, save_csv
from gmmem.recovery import fit_replicate
from gmmem.study import mixture_from_spec, seed_for

with logged(snakemake) as log:
    p = snakemake.params
    n = int(snakemake.wildcards.n)
    start, stop = p.replicates
    data = np.load(snakemake.input[0])["x"]
    truth = mixture_from_spec(p.truth, f"scenario {p.scenario!r}")
    tables, timing, first_traces = [], [], None
    for r in range(start, stop):
        t0, c0 = time.perf_counter(), time.process_time()
        rows, traces = fit_replicate(
            data[r], p.fit, seed_for(p.seed, p.scenario, "fit", n, r), level=p.level,
            oracle=truth if p.oracle_start else None, select_k=tuple(p.select_k),
            select_seed=seed_for(p.seed, p.scenario, "select", n, r))
        timing.append((r, time.perf_counter() - t0, time.process_time() - c0))
        rows.insert(0, "replicate", r)
        rows.insert(0, "n", n)
        tables.append(rows)
        if first_traces is None:
            first_traces = traces.assign(replicate=r, n=n)
    fits = pd.concat(tables, ignore_index=True)
    save_csv(fits, snakemake.output.fits)
    save_csv(first_traces, snakemake.output.traces)
    # Seconds vary from run to run, so they live apart from the byte-stable results.
    save_csv(pd.DataFrame(timing, columns=["replicate", "seconds", "cpu_seconds"]),
             snakemake.output.timing)
    log.info("scenario %s, n = %d: replicates %d..%d fitted, %d not converged, %d degenerate, "
             "%.2f s in EM", p.scenario, n, start, stop - 1,
             (~fits.groupby("replicate")["converged"].first()).sum(),
             fits.groupby("replicate")["degenerate"].first().sum(),
             sum(t for _, t, _ in timing))
