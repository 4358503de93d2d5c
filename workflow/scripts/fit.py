"""Rule fit: fit every replicate of one block of one (scenario, n) by one method."""

import time

import numpy as np

# No pandas here: importing it would cost more CPU than fitting a small block.
from _workflow import concat_columns, logged, save_columns
from gmmem.recovery import replicate_columns
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
        rows, traces = replicate_columns(
            [data[r] for r in range(a, b)], p.fit,
            [seed_for(p.seed, p.scenario, "fit", n, r) for r in range(a, b)],
            level=p.level, oracle=truth if p.oracle_start else None, select_k=tuple(p.select_k),
            select_seeds=[seed_for(p.seed, p.scenario, "select", n, r) for r in range(a, b)],
            traces=max(0, TRACED - (a - start)))
        tables += [{"method": p.method, "n": n, "replicate": r} | table
                   for r, table in zip(range(a, b), rows)]
        traced += [t | {"replicate": r, "n": n, "method": p.method}
                   for r, t in zip(range(a, b), traces) if t is not None]
        done, elapsed = b - start, time.perf_counter() - t_start
        log.info("method %s: %d/%d replicates fitted, %.1f s elapsed, about %.0f s left",
                 p.method, done, stop - start, elapsed, elapsed / done * (stop - b))
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    save_columns(concat_columns(tables), snakemake.output.fits)
    save_columns(concat_columns(traced), snakemake.output.traces)
    # The job's CPU outside fitting: interpreter, Snakemake's preamble, imports,
    # reading the data and writing the tables (this process only, so exact).
    startup = time.process_time() - cpu_seconds
    # Seconds vary from run to run, so they live apart from the byte-stable results.
    save_columns({"scenario": [p.scenario], "method": [p.method], "n": [n],
                  "first_replicate": [start], "last_replicate": [stop - 1],
                  "seconds": [seconds], "cpu_seconds": [cpu_seconds],
                  "startup_cpu_seconds": [startup]}, snakemake.output.timing)
    first = lambda name: np.array([bool(np.ravel(t[name])[0]) for t in tables])
    log.info("scenario %s, method %s, n = %d: replicates %d..%d fitted, %d not converged, %d degenerate, "
             "%.2f s in EM", p.scenario, p.method, n, start, stop - 1,
             (~first("converged")).sum(), first("degenerate").sum(), seconds)
