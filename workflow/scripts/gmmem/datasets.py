"""Reading a user's data columns, with errors that name the dataset, file and column.

The I/O edge of gmmem (the CLI and the workflow's fit_dataset rule share it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Cell texts (after stripping, any case) that mean "no value".
_MISSING = ["", "na", "nan", "null", "none"]

@dataclass(frozen=True)
class LoadedData:
    """x (n,) or (n, d), and the 0-based data rows dropped for missing values."""

    x: np.ndarray
    dropped_rows: tuple[int, ...]

    def dropped_summary(self) -> str:
        """'dropped 2 row(s) with missing values (file lines 3, 9)', or ''."""
        if not self.dropped_rows:
            return ""
        return (f"dropped {len(self.dropped_rows)} row(s) with missing values "
                f"(file line(s) {_rows(list(self.dropped_rows))})")


def _read(path: Path, nrows=None):
    import pandas as pd

    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    # A blank line is an empty cell in a one-column file, not nothing: keep it.
    return pd.read_csv(path, sep=sep, nrows=nrows, dtype=str, keep_default_na=False,
                       skip_blank_lines=False)


def _rows(idx) -> str:
    shown = ", ".join(str(i + 2) for i in idx[:5])  # file line numbers: header is line 1
    return shown + (f" and {len(idx) - 5} more" if len(idx) > 5 else "")


def load_columns(path, columns, *, name: str = "data", drop_missing: bool = False,
                 n_components: int = 1) -> LoadedData:
    """The numeric columns of a CSV/TSV file as floats.

    Raises ValueError naming the dataset, file and column for: a missing
    file, a missing column, non-numeric cells, empty/NaN cells (unless
    ``drop_missing``, which drops those rows and reports them), fewer rows
    than ``n_components``, or a constant column. Rows are reported as file line
    numbers (the header is line 1).
    """
    path = Path(path)
    where = f"dataset {name!r} ({path})"
    if not path.is_file():
        raise ValueError(f"{where}: file not found")
    try:
        table = _read(path)
    except Exception as e:  # pandas raises many kinds for unreadable files
        raise ValueError(f"{where}: cannot be read as CSV/TSV: {e}") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{where}: column {missing[0]!r} not found; the file has columns "
                         f"{list(table.columns)}")
    values = np.empty((len(table), len(columns)))
    blank = np.zeros(len(table), dtype=bool)
    first_blank_col = None
    for j, col in enumerate(columns):
        raw = table[col].str.strip()
        is_blank = raw.str.lower().isin(_MISSING)
        num = np.full(len(raw), np.nan)
        ok = ~is_blank.to_numpy()
        try:
            num[ok] = raw[ok].astype(float).to_numpy()
        except ValueError:
            conv = raw[ok].map(_to_float)
            bad = np.flatnonzero(ok)[conv.isna().to_numpy()]
            raise ValueError(f"{where}: column {col!r} has {bad.size} non-numeric cell(s), at line(s) "
                             f"{_rows(bad)} (first: {table[col].iloc[bad[0]]!r})") from None
        if np.any(np.isinf(num)):
            bad = np.flatnonzero(np.isinf(num))
            raise ValueError(f"{where}: column {col!r} has infinite values at line(s) {_rows(bad)}")
        values[:, j] = num
        if first_blank_col is None and not ok.all():
            first_blank_col = col
        blank |= ~ok
    dropped = tuple(int(i) for i in np.flatnonzero(blank))
    if dropped:
        msg = (f"{where}: column {first_blank_col!r} has {len(dropped)} empty or NaN cell(s) at line(s) "
               f"{_rows(dropped)}")
        if not drop_missing:
            raise ValueError(msg + "; set drop_missing: true to drop those rows")
        values = values[~blank]
    if values.shape[0] < n_components:
        raise ValueError(f"{where}: {values.shape[0]} usable row(s) in column(s) {list(columns)}, "
                         f"fewer than n_components = {n_components}")
    for j, col in enumerate(columns):
        if values.shape[0] and np.all(values[:, j] == values[0, j]):
            raise ValueError(f"{where}: column {col!r} is constant (every value is "
                             f"{values[0, j]:g}); a mixture cannot be fitted to it")
    x = values[:, 0] if len(columns) == 1 else values
    return LoadedData(x, dropped)


def _to_float(s):
    try:
        return float(s)
    except ValueError:
        return None
