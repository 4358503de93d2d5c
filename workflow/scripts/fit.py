"""Rule fit: fit every replicate of one block of one (scenario, n) by one method."""

import time

# No pandas here: importing it would cost more CPU than fitting a small block.
from _workflow import load_npz, logged, save_columns
from gmm_recovery.checks import check_data_block
from gmm_recovery.replicates import block_tables
from gmm_recovery.design import mixture_from_spec
from gmm_recovery.seeds import seed_for

TRACED = 3  # replicates per job whose every restart's objective trace is kept

with logged(snakemake) as log:
    p = snakemake.params
    n = int(snakemake.wildcards.n)
    start, stop = p.replicates
    truth = mixture_from_spec(p.truth, f"scenario {p.scenario!r}")
    stored = load_npz(snakemake.input[0])
    # The data must be this block's replicates at this n and d, or the fits are
    # of other data under this block's name.
    check_data_block(stored, snakemake.input[0], n=n, d=truth.dim, replicates=p.replicates)
    data = dict(zip(stored["replicates"].tolist(), stored["x"]))
    # Every replicate and restart of the block runs in one batched engine call:
    # cut into blocks of 25, the same fits cost 1.5-2.2x the CPU (each call pays
    # for its own slowest restarts' tail). The engine reports progress instead.
    reps = range(start, stop)
    t0, c0 = time.perf_counter(), time.process_time()

    def progress(stage, done, total):
        elapsed = time.perf_counter() - t0
        log.info("method %s: %d/%d replicates %s, %.1f s elapsed", p.method, done, total,
                 stage, elapsed)

    tables = block_tables(
        p.method, n, reps, [data[r] for r in reps], p.fit,
        [seed_for(p.seed, p.scenario, "fit", n, r) for r in reps],
        level=p.level, oracle=truth if p.oracle_start else None, select_k=tuple(p.select_k),
        select_seeds=[seed_for(p.seed, p.scenario, "select", n, r) for r in reps],
        traces=TRACED, progress=progress, select_blrt=p.select_blrt)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    save_columns(tables["fits"], snakemake.output.fits)
    save_columns(tables["diagnostics"], snakemake.output.diagnostics)
    save_columns(tables["traces"], snakemake.output.traces)
    # The job's CPU outside fitting: interpreter, Snakemake's preamble, imports,
    # reading the data and writing the tables (this process only, so exact).
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
