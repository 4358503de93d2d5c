"""What every workflow script shares: logging to the rule's log, and byte-stable files.

Not part of gmmem: this is the workflow's I/O edge.
"""

from __future__ import annotations

import contextlib
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


def save_figure(fig, path) -> None:
    """PNG with no timestamp in it, so equal figures give equal bytes; closes the figure."""
    import matplotlib.pyplot as plt

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
