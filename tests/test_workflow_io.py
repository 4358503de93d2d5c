"""workflow/scripts/_workflow.py: the files the workflow's scripts write."""

import numpy as np

from gmmem.mixture import Mixture


def test_fit_jobs_write_the_csv_pandas_would(tmp_path):
    """The fit jobs write their tables without pandas; the bytes are those of
    pandas' to_csv on the same tables, including tricky floats, NaN where a
    table lacks a column, booleans and text that needs quoting."""
    import pandas as pd

    from _workflow import concat_columns, save_columns, save_csv
    from gmm_recovery.replicates import replicate_columns

    truth = Mixture.univariate([0.3, 0.7], [0.0, 3.0], [1.0, 1.0])
    xs = [truth.sample(80, np.random.default_rng(s))[0] for s in range(3)]
    settings_ = {"n_components": 2, "n_restarts": 2, "intervals": ["wald", "bootstrap"],
                 "n_boot": 5, "bootstrap": "parametric"}
    rows, diagnostics, traces = replicate_columns(xs, settings_, list(range(3)), oracle=truth,
                                                  select_k=(1, 2, 3), traces=2)
    tables = [{"method": "a,b", "n": 80, "replicate": r} | t | d
              for r, (t, d) in enumerate(zip(rows, diagnostics))]
    tables.append({"method": 'say "x"', "n": 80, "replicate": 9, "weight": np.array(
        [1e-300, 1e16, -0.0, np.inf, 0.1 + 0.2, 123456789.0, 1e-5, 2.0 ** 0.5]),
        "converged": True})
    traced = [t | {"replicate": r} for r, t in enumerate(traces) if t is not None]
    for name, cols in (("fits", concat_columns(tables)), ("traces", concat_columns(traced))):
        save_columns(cols, tmp_path / f"{name}.ours.csv")
        frames = [pd.DataFrame(t) for t in (tables if name == "fits" else traced)]
        save_csv(pd.concat(frames, ignore_index=True), tmp_path / f"{name}.pandas.csv")
        ours = (tmp_path / f"{name}.ours.csv").read_bytes()
        assert ours == (tmp_path / f"{name}.pandas.csv").read_bytes(), name
    assert b'"a,b"' in ours or b'"a,b"' in (tmp_path / "fits.ours.csv").read_bytes()
