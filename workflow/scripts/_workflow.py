"""What every workflow script shares: logging to the rule's log, byte-stable
files, and reading an earlier stage's files with their damage refused
(the checks themselves are gmm_recovery.checks).

Not part of gmmem: this is the workflow's I/O edge.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import sys
import traceback
import zipfile
from pathlib import Path

import numpy as np

from gmm_recovery.checks import InputError, check_csv_text

# A fixed timestamp keeps .npz archives byte-identical across runs.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@contextlib.contextmanager
def logged(snakemake):
    """Send logging, warnings and any traceback of the script body to snakemake.log[0]."""
    log_path = snakemake.log[0]
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as handle:
        logging.basicConfig(stream=handle, level=logging.INFO, force=True,
                            format="%(asctime)s %(levelname)s %(message)s")
        logging.captureWarnings(True)
        log = logging.getLogger(snakemake.rule)
        try:
            with contextlib.redirect_stderr(handle):
                yield log
        except InputError as exc:
            # A file read is not what the config says: one line, in the log and
            # as the job's error (Snakemake then names the rule and the log).
            log.error("%s", exc)
            handle.flush()
            print(f"Error in rule {snakemake.rule}: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
        except Exception as exc:
            handle.write(traceback.format_exc())
            handle.flush()
            # One clear line on the console too, naming what failed.
            print(f"Error in rule {snakemake.rule}: {exc}", file=sys.stderr)
            raise


def load_npz(path):
    """np.load of a simulated block, its arrays read now; an archive that cannot
    be read (truncated, not a zip, pickled objects) is an InputError naming it."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except Exception as e:  # BadZipFile, ValueError, OSError, EOFError...
        raise InputError(path, f"cannot be read as a .npz archive ({type(e).__name__}: "
                               f"{str(e).splitlines()[0] if str(e) else 'no detail'}); "
                               "remake it: delete it and rerun") from None


def read_table(path, **kwargs):
    """pd.read_csv of a table an earlier stage wrote, refusing one that is empty,
    cut mid-line or ragged (gmm_recovery.checks.csv_damage) with an InputError naming it."""
    import pandas as pd

    text = Path(path).read_bytes()
    check_csv_text(text, path)
    try:
        return pd.read_csv(io.BytesIO(text), **kwargs)
    except (ValueError, pd.errors.ParserError) as e:
        raise InputError(path, f"is malformed ({str(e).splitlines()[0]}); remake it: delete it "
                               "and rerun") from None


def scenario_from_config(snakemake, name: str | None = None):
    """The parsed scenario (gmm_recovery.design.Scenario) ``name`` (default: the job's
    ``scenario`` wildcard), from the checked config the job was given: what the
    stages whose rules hand no expectations check their inputs against."""
    from gmm_recovery.design import parse_scenarios

    config = snakemake.config
    name = snakemake.wildcards.scenario if name is None else name
    return parse_scenarios({**config, "scenarios": {name: config["scenarios"][name]}})[name]


def save_npz(path, **arrays) -> None:
    """np.savez with fixed zip timestamps, so equal arrays give equal bytes."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(arr), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH), buf.getvalue())


def save_csv(df, path) -> None:
    """A CSV with full float precision (repr round-trips) and no index."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n")


def concat_columns(tables: list[dict]) -> dict[str, np.ndarray]:
    """Tables given as dicts of columns (arrays, or scalars repeated down the
    table), stacked: columns in order of first appearance, a table without a
    column contributing NaN, as ``pd.concat`` does."""
    lengths = [max((np.size(v) for v in t.values() if np.ndim(v)), default=1) for t in tables]
    out = {}
    for name in dict.fromkeys(name for t in tables for name in t):
        parts = [np.broadcast_to(t[name], m) if name in t else np.full(m, np.nan)
                 for t, m in zip(tables, lengths)]
        if any(name not in t for t in tables) and any(p.dtype.kind in "bUO" for p in parts):
            # pandas keeps booleans and text beside NaN as objects (True, not 1.0).
            parts = [p.astype(object) for p in parts]
        out[name] = np.concatenate(parts)
    return out


def _csv_cells(values: np.ndarray) -> list[str]:
    """One column as pandas' ``to_csv`` writes it: shortest round-trip floats
    (numpy's str, as pandas uses), '' for NaN, True/False for booleans."""
    if values.dtype == bool:
        return np.where(values, "True", "False").tolist()
    if values.dtype.kind in "iu":
        return values.astype(str).tolist()
    if values.dtype.kind == "f":
        cells = values.astype(str)
        cells[np.isnan(values)] = ""
        return cells.tolist()
    return ["" if isinstance(v, float) and v != v else str(v) for v in values.tolist()]


def save_columns(columns: dict, path) -> None:
    """A table given as a dict of equal-length columns, written byte for byte as
    :func:`save_csv` writes the same DataFrame, without importing pandas (the
    fit jobs' start-up is mostly pandas' import otherwise)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    cells = [_csv_cells(np.asarray(v)) for v in columns.values()]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(columns))
        writer.writerows(zip(*cells))


def save_figure(fig, path) -> None:
    """PNG with no timestamp in it, so equal figures give equal bytes; closes the figure."""
    import matplotlib.pyplot as plt

    from gmm_recovery.figures import DPI  # the dpi the figures were laid out at

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(fig)


def check_scenario_inputs(snakemake) -> None:
    """Check every input of a scenario's plot job that it knows by name against
    the scenario in the config (gmm_recovery.checks): the summary tables have rows of
    every method, sample size and parameter (and, for model choice, candidate
    K); the example fit is that of the first method's first job at the largest
    n (params.example_block: its replicates), the traces those of the method
    with the most restarts, of replicates 0-2 (one table or several). An
    InputError names the first file that is off."""
    from gmm_recovery import checks

    sc = scenario_from_config(snakemake)
    methods, sizes = list(sc.methods), list(sc.sample_sizes)
    K, d = sc.truth.n_components, sc.truth.dim
    from gmm_recovery.tables import parameter_columns, parameter_pairs

    pairs = [set(parameter_pairs(d, K, s["covariance"])) for s in sc.methods.values()]
    common = [pk for pk in parameter_pairs(d, K) if all(pk in s for s in pairs)]
    first_block = tuple(snakemake.params.example_block)
    largest, first = max(sizes), methods[0]
    inputs = dict(snakemake.input.items())
    # An unnamed input is known by its file name (model_choice.csv, comparison.csv).
    inputs |= {Path(path).stem: path for path in snakemake.input if path not in inputs.values()}
    for name, path in inputs.items():
        if name in ("recovery", "performance"):
            checks.check_summary_table(read_table(path, dtype={"method": str}), path,
                                       methods=methods, sample_sizes=sizes, parameters=common)
        elif name == "aligned":
            checks.check_summary_table(read_table(path, dtype={"method": str}), path,
                                       methods=methods, sample_sizes=sizes, parameters=common)
        elif name == "convergence":
            checks.check_summary_table(read_table(path, dtype={"method": str}), path,
                                       methods=methods, sample_sizes=sizes, columns=["n_fits"])
        elif name == "model_choice":
            table = read_table(path, dtype={"method": str})
            checks.check_summary_table(table, path, methods=methods, sample_sizes=sizes)
            checks.check_present(table, path, "k", list(sc.select_k), "candidate K")
        elif name == "comparison" and len(methods) > 1:
            table = read_table(path, dtype={"method_a": str, "method_b": str})
            checks.check_summary_table(table, path, sample_sizes=sizes, parameters=common,
                                       columns=["method_a", "method_b"])
        elif name == "example_fit":
            checks.check_fit_table(read_table(path, dtype={"method": str}), path, method=first,
                                   n=largest, replicates=first_block, n_components=K,
                                   parameters=parameter_columns(
                                       d, sc.methods[first]["covariance"]))
        elif name == "traces":  # the traces of the method with the most restarts
            method = getattr(snakemake.params, "traces_method", first)
            paths = [path] if isinstance(path, str) else list(path)
            blocks = getattr(snakemake.params, "traces_blocks", [first_block])
            for one, block in zip(paths, blocks):  # the traced replicates of each job
                checks.check_trace_table(read_table(one, dtype={"method": str}), one,
                                         method=method, n=largest, replicates=block)


def check_grid_inputs(snakemake, points) -> None:
    """Check a grid job's inputs against the config: the grid's performance table
    (input ``performance``, or the one unnamed input) has rows of every point
    (``points``, the grid's scenarios) and, per point, of its methods and sample
    sizes; each convergence table (input ``convergence``, one per point, in
    order) has rows of its point's methods and sample sizes."""
    from gmm_recovery import checks

    scenarios = {pt: scenario_from_config(snakemake, pt) for pt in points}
    named = dict(snakemake.input.items())
    path = named.get("performance", snakemake.input[0])
    table = read_table(path, dtype={"method": str, "scenario": str})
    checks.check_summary_table(table, path, columns=["scenario", "method", "n", "parameter",
                                                     "measure", "estimate"])
    checks.check_present(table, path, "scenario", list(points), "grid point")
    for pt, sc in scenarios.items():
        checks.check_summary_table(table[table["scenario"] == pt], f"{path} (grid point {pt})",
                                   methods=list(sc.methods), sample_sizes=list(sc.sample_sizes))
    for pt, conv in zip(points, named.get("convergence", [])):
        sc = scenarios[pt]
        checks.check_summary_table(read_table(conv, dtype={"method": str}), conv,
                                   methods=list(sc.methods), sample_sizes=list(sc.sample_sizes),
                                   columns=["n_fits"])
