"""Rules fit and fit_grid_point: draw and fit every replicate of one block of one (scenario, n) by one method."""

import hashlib
import time
from types import SimpleNamespace

import numpy as np

# No pandas here: importing it would cost more CPU than fitting a small block.
from _workflow import logged, save_columns
from gmm_recovery.replicate_data import draw_replicates
from gmm_recovery.replicates import block_tables
from gmm_recovery.seeds import seed_for

# Replicates of each (scenario, method, n) whose every restart's objective trace
# is kept: 0, 1 and 2, in whichever jobs hold them (the same traces whatever
# the job layout).
TRACED = 3

with logged(snakemake) as log:
    p = SimpleNamespace(**snakemake.params.job)
    n = int(snakemake.wildcards.n)
    start, stop = p.replicates
    truth = p.truth.mixture()
    # Simulated where fitted: the data are a pure function of the seeds, the same
    # bytes the simulate rule writes when write_data is on.
    x, _ = draw_replicates(p.truth, p.scenario, p.seed, n, start, stop)
    log.info("data of replicates %d..%d drawn: sha256 %s", start, stop - 1,
             hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest())
    # Every replicate and restart of the block runs in one batched engine call:
    # cut into blocks of 25, the same fits cost 1.5-2.2x the CPU (each call pays
    # for its own slowest restarts' tail). The engine reports progress instead.
    reps = range(start, stop)
    # Rule fit_grid_point (a grid's condition without figures of its own) has no traces table.
    traced = "traces" in snakemake.output.keys()
    t0, c0 = time.perf_counter(), time.process_time()

    def progress(stage, done, total):
        elapsed = time.perf_counter() - t0
        log.info("method %s: %d/%d replicates %s, %.1f s elapsed", p.method, done, total,
                 stage, elapsed)

    tables = block_tables(
        p.method, n, reps, list(x), p.fit,
        [seed_for(p.seed, p.scenario, "fit", n, r) for r in reps],
        level=p.level, oracle=truth if p.oracle_start else None, select_k=tuple(p.select_k),
        select_seeds=[seed_for(p.seed, p.scenario, "select", n, r) for r in reps],
        traces=max(0, min(stop, TRACED) - start) if traced else 0, progress=progress,
        select_blrt=p.select_blrt)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    save_columns(tables["fits"], snakemake.output.fits)
    save_columns(tables["diagnostics"], snakemake.output.diagnostics)
    # Jobs after the traced replicates write an empty traces table.
    if traced:
        save_columns(tables["traces"], snakemake.output.traces)
    # The job's CPU outside fitting: interpreter, Snakemake's preamble, imports,
    # drawing the data and writing the tables (this process only, so exact).
    startup = time.process_time() - cpu_seconds
    # Seconds vary from run to run, so they live apart from the byte-stable results.
    save_columns({"scenario": [p.scenario], "method": [p.method], "n": [n],
                  "first_replicate": [start], "last_replicate": [stop - 1],
                  "seconds": [seconds], "cpu_seconds": [cpu_seconds],
                  "startup_cpu_seconds": [startup]}, snakemake.output.timing)
    diagnostics = tables["diagnostics"]
    log.info("scenario %s, method %s, n = %d: replicates %d..%d fitted, %d not converged, %d degenerate, "
             "%.2f s in EM", p.scenario, p.method, n, start, stop - 1,
             (~diagnostics["converged"]).sum(), diagnostics["degenerate"].sum(), seconds)
