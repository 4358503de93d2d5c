"""Rule versions: record the software and BLAS kernel of this run in results/versions.txt."""

from pathlib import Path

from _workflow import logged
from gmm_recovery.versions import versions_text

with logged(snakemake) as log:
    text = versions_text()
    Path(snakemake.output[0]).write_text(text)
    log.info("software versions written to %s", snakemake.output[0])
