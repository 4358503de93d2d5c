"""Seeds of a study: every random stream is a numpy SeedSequence keyed by the
root seed, a stable hash of the scenario name, the stage, n and the replicate.
"""

from __future__ import annotations

import hashlib

import numpy as np

# Stage codes in the seed key; fixed forever so results never silently change.
STAGES = {"simulate": 1, "fit": 2, "oracle": 3, "select": 4, "dataset": 5, "example": 6}


def stable_hash(text: str) -> int:
    """A 64-bit integer from SHA-256 of the text: the same on every machine and run."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")


def seed_for(root: int, scenario: str, stage: str, n: int, replicate: int) -> np.random.SeedSequence:
    """The SeedSequence of one (scenario, stage, n, replicate) under the root seed."""
    return np.random.SeedSequence(root, spawn_key=(stable_hash(scenario), STAGES[stage],
                                                   int(n), int(replicate)))
