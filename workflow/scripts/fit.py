"""Rule fit: fit every replicate of one block of one (scenario, n) by one method."""

import time

import numpy as np
import pandas as pd

from _workflow import logged, save_csv
from gmmem.recovery import fit_replicates
from gmmem.study import mixture_from_spec, seed_for

TRACED = 3  # replicates per job whose every restart's objective trace is kept

with logged(snakemake) as log:
    p = snakemake.params
    n = int(snakemake.wildcards.n)
    start, stop = p.replicates
    stored = np.load(snakemake.input[0])
    data = dict(zip(stored["replicates"].tolist(), stored["x"]))
    truth = mixture_from_spec(p.truth, f"scenario {p.scenario!r}")
    # Replicates (and all their restarts) run in the batched engine in blocks
    # of 25, so that the log shows progress: blocks of 10 cost 1.3-1.8x the
    # CPU of blocks of 25 at n = 250 (the engine's per-iteration overhead).
    block = max(1, min(stop - start, 25))
    tables, traced, t_start = [], [], time.perf_counter()
    t0, c0 = time.perf_counter(), time.process_time()
    for a in range(start, stop, block):
        b = min(a + block, stop)
        rows, traces = fit_replicates(
            [data[r] for r in range(a, b)], p.fit,
            [seed_for(p.seed, p.scenario, "fit", n, r) for r in range(a, b)],
            level=p.level, oracle=truth if p.oracle_start else None, select_k=tuple(p.select_k),
            select_seeds=[seed_for(p.seed, p.scenario, "select", n, r) for r in range(a, b)],
            traces=max(0, TRACED - (a - start)))
        for r, table in zip(range(a, b), rows):
            table.insert(0, "replicate", r)
            table.insert(0, "n", n)
            table.insert(0, "method", p.method)
            tables.append(table)
        traced += [t.assign(replicate=r, n=n, method=p.method)
                   for r, t in zip(range(a, b), traces) if t is not None]
        done, elapsed = b - start, time.perf_counter() - t_start
        log.info("method %s: %d/%d replicates fitted, %.1f s elapsed, about %.0f s left",
                 p.method, done, stop - start, elapsed, elapsed / done * (stop - b))
    timing = [(p.scenario, p.method, n, start, stop - 1, time.perf_counter() - t0,
               time.process_time() - c0)]
    fits = pd.concat(tables, ignore_index=True)
    save_csv(fits, snakemake.output.fits)
    save_csv(pd.concat(traced, ignore_index=True), snakemake.output.traces)
    # Seconds vary from run to run, so they live apart from the byte-stable results.
    save_csv(pd.DataFrame(timing, columns=["scenario", "method", "n", "first_replicate",
                                           "last_replicate", "seconds", "cpu_seconds"]),
             snakemake.output.timing)
    log.info("scenario %s, method %s, n = %d: replicates %d..%d fitted, %d not converged, %d degenerate, "
             "%.2f s in EM", p.scenario, p.method, n, start, stop - 1,
             (~fits.groupby("replicate")["converged"].first()).sum(),
             fits.groupby("replicate")["degenerate"].first().sum(), timing[0][-2])
