"""The study on a real (single-node) SLURM cluster gives the same bytes as locally."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "cluster" / "slurm_e2e.sh"
SKIPPED = 77


@pytest.mark.cluster
def test_slurm_run_is_byte_identical_to_local_run():
    proc = subprocess.run(["bash", str(SCRIPT), sys.executable], capture_output=True, text=True,
                          timeout=1200)
    if proc.returncode == SKIPPED:
        pytest.skip(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert "byte-identical between the SLURM and the local run" in proc.stdout
    assert "job(s) ran through sbatch" in proc.stdout
