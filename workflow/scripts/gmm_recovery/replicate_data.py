"""A study's simulated data sets as a pure function of the seeds.

Replicate r of (scenario, n) is drawn from the scenario's truth with the
stream seed_for(seed, scenario, "simulate", n, r) alone, so a fit job can draw
its own replicates (no data file between simulating and fitting) and the
simulate rule, when the data are written (write_data), draws the same bytes.
"""

from __future__ import annotations

import numpy as np

from .design import mixture_from_spec, parse_families
from .seeds import seed_for
from .simulation import sample_scenario


def draw_replicates(truth_spec: dict, scenario: str, seed: int, n: int, start: int,
                    stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Replicates start..stop-1 of (scenario, n) under the root seed: the data
    (stop - start, n, d) float64 and the component labels (stop - start, n)
    int16. ``truth_spec`` is the scenario's data-generating config (weights,
    means, sds or covariances, family, contamination)."""
    where = f"scenario {scenario!r}"
    truth = mixture_from_spec(truth_spec, where)
    families = parse_families(truth_spec.get("family"), truth, where)
    xs, labels = [], []
    for r in range(start, stop):
        x, lab = sample_scenario(truth, n, np.random.default_rng(
            seed_for(seed, scenario, "simulate", n, r)), families,
            truth_spec.get("contamination"))
        xs.append(x)
        labels.append(lab)
    return np.stack(xs), np.stack(labels).astype(np.int16)
