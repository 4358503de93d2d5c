"""What every workflow script shares: logging to the rule's log, and byte-stable files.

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
        except Exception as exc:
            handle.write(traceback.format_exc())
            handle.flush()
            # One clear line on the console too, naming what failed.
            print(f"Error in rule {snakemake.rule}: {exc}", file=sys.stderr)
            raise


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

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
