"""Replicate fitting and evaluation (gmm_recovery.replicates, .evaluation):
tests that belong in test_replicates.py and test_evaluation.py."""

import numpy as np

from gmmem.mixture import Mixture


def test_label_check_in_two_dimensions_uses_the_separating_coordinate():
    import pandas as pd

    from gmm_recovery.evaluation import align_fits
    from gmm_recovery.replicates import fit_replicates

    # Two components share the first mean coordinate: sorting by it would be
    # an arbitrary order (the old check's 15-of-20 false alarm); the second separates them.
    shared = Mixture([0.5, 0.5], [[0.0, 0.0], [0.0, 5.0]], [np.eye(2), np.eye(2)])
    tied = Mixture([0.5, 0.5], [[0.0, 0.0], [0.0, 0.0]], [np.eye(2), 4 * np.eye(2)])
    settings = {"n_components": 2, "n_restarts": 2}
    for truth, expected in ((shared, 0), (tied, -1)):
        xs = [truth.sample(400, np.random.default_rng(s))[0] for s in range(6)]
        rows, _, _ = fit_replicates(xs, settings, list(range(6)), traces="first")
        fits = pd.concat([t.assign(n=400, replicate=r) for r, t in enumerate(rows)])
        _, disagree = align_fits(fits, truth)
        assert disagree == {400: expected}


def test_oracle_fits_draw_no_fresh_entropy(monkeypatch):
    # The oracle fits (from the truth, no seeds) are only scored by their
    # log-likelihood: they keep the spurious rule, whose bootstrap calibration
    # would draw from fresh OS entropy (and cost 99 draws per flagged fit).
    import sys

    from gmm_recovery.replicates import fit_replicates

    fit_module = sys.modules["gmmem"]  # the study layer calls gmmem's public names
    calls = []
    real = fit_module.fit_many

    def recording(xs, k, **kwargs):
        calls.append(kwargs)
        return real(xs, k, **kwargs)

    monkeypatch.setattr(fit_module, "fit_many", recording)
    truth = Mixture.univariate([0.6, 0.4], [0.0, 2.0], [1.0, 1.0])
    xs = [truth.sample(60, np.random.default_rng(i))[0] for i in range(3)]
    settings_ = {"n_components": 2, "n_restarts": 2, "spurious_test": "bootstrap"}
    fit_replicates(xs, settings_, [np.random.SeedSequence(i) for i in range(3)], oracle=truth)
    oracle = [c for c in calls if c.get("start") is not None]
    assert len(oracle) == 1 and oracle[0].get("seeds") is None
    assert oracle[0]["spurious_test"] == "rule"
