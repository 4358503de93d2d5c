"""Rule run_summary: the run itself (failures, fit time, settings, versions, config) as HTML."""

from pathlib import Path

import pandas as pd
import yaml

from _workflow import logged, read_table
from gmm_recovery.checks import check_summary_table, check_timing_table
from gmm_recovery.summary import run_page

with logged(snakemake) as log:
    p = snakemake.params
    timings = []
    for path in snakemake.input.timing:
        scenario, method, n, start, stop = p.timing[path]
        timings.append(read_table(path, dtype={"method": str, "scenario": str}))
        check_timing_table(timings[-1], path, scenario=scenario, method=method, n=n,
                           replicates=(start, stop))
    timing = pd.concat(timings, ignore_index=True)
    convergence = {}
    for path in snakemake.input.convergence:
        scenario = Path(path).parent.name
        convergence[scenario] = read_table(path, dtype={"method": str})
        check_summary_table(convergence[scenario], path, **p.expect[scenario],
                            columns=["n_fits", "n_nonconverged"])
    page = run_page(yaml.safe_dump(p.config, sort_keys=False, allow_unicode=True), p.settings,
                    Path(snakemake.input.versions).read_text(), timing, convergence)
    Path(snakemake.output[0]).write_text(page)
    log.info("run summary: %d fit jobs, %.1f CPU s", len(timing), timing["cpu_seconds"].sum())
