"""Rule run_summary: the run itself (failures, fit time, settings, versions, config) as HTML."""

from pathlib import Path

import pandas as pd
import yaml

from _workflow import logged
from gmmem.summary import run_page

with logged(snakemake) as log:
    p = snakemake.params
    timing = pd.concat([pd.read_csv(f, dtype={"method": str}) for f in snakemake.input.timing],
                       ignore_index=True)
    convergence = {Path(c).parent.name: pd.read_csv(c, dtype={"method": str})
                   for c in snakemake.input.convergence}
    page = run_page(yaml.safe_dump(p.config, sort_keys=False, allow_unicode=True), p.settings,
                    Path(snakemake.input.versions).read_text(), timing, convergence)
    Path(snakemake.output[0]).write_text(page)
    log.info("run summary: %d fit jobs, %.1f CPU s", len(timing), timing["cpu_seconds"].sum())
