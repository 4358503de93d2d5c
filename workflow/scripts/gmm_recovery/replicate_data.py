"""A study's simulated data sets as a pure function of the seeds.

Replicate r of (scenario, n) is drawn from the scenario's truth with the
stream seed_for(seed, scenario, "simulate", n, r) alone, so a fit job can draw
its own replicates (no data file between simulating and fitting) and the
simulate rule, when the data are written (write_data), draws the same bytes.
"""

from __future__ import annotations

import numpy as np

from .design import Truth
from .seeds import seed_for
from .simulation import sample_scenario


def draw_replicates(truth: Truth, scenario: str, seed: int, n: int, start: int,
                    stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Replicates start..stop-1 of (scenario, n) under the root seed: the data
    (stop - start, n, d) float64 and the component labels (stop - start, n)
    int16. ``truth`` is the scenario's parsed data-generating mechanism
    (gmm_recovery.design.truth_of)."""
    mixture = truth.mixture()
    xs, labels = [], []
    for r in range(start, stop):
        x, lab = sample_scenario(mixture, n, np.random.default_rng(
            seed_for(seed, scenario, "simulate", n, r)), truth.families, truth.contamination)
        xs.append(x)
        labels.append(lab)
    return np.stack(xs), np.stack(labels).astype(np.int16)
