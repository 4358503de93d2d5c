"""Reading a user's data columns, with errors that name the dataset, file and column.

The I/O edge of gmmem (the CLI and the workflow's fit_dataset rule share it).
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from pathlib import Path

import numpy as np

from ._validate import scale_problem

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


SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
DECIMALS = (".", ",")


def _fields(line: str, sep: str) -> list[str]:
    import csv

    return next(csv.reader([line], delimiter=sep), [])


def detect_separator(lines: list[str], decimal: str = ".") -> str:
    """The separator of a delimited text: the one of comma, semicolon and tab
    that splits the header into the most fields, the same number on the
    following lines; for one column, comma (semicolon with decimal commas)."""
    best, best_n = None, 1
    for sep in SEPARATORS:
        if sep == decimal:
            continue
        n = len(_fields(lines[0], sep))
        rows = [len(_fields(line, sep)) for line in lines[1:50] if line.strip()]
        if n > best_n and all(r == n for r in rows):
            best, best_n = sep, n
    return best or (";" if decimal == "," else ",")


def _check_layout(lines: list[str], sep: str, decimal: str, where: str) -> None:
    """Refuse a text whose rows do not have the header's number of fields,
    saying what it most likely is: a trailing separator, or decimal commas."""
    header = _fields(lines[0], sep)
    widths = [(i, len(_fields(line, sep))) for i, line in enumerate(lines[1:]) if line.strip()]
    name = SEPARATORS[sep]
    if not widths:
        return
    trailing_row = all(w == len(header) + 1 and lines[i + 1].rstrip().endswith(sep)
                       for i, w in widths)
    trailing_both = (len(header) > 1 and header[-1].strip() == ""
                     and all(lines[i + 1].rstrip().endswith(sep) for i, _ in widths))
    if trailing_row or trailing_both:
        raise ValueError(f"{where}: every row ends with a trailing {name} (an empty last field); "
                         f"remove the {name} at the end of each line")
    bad = [(i, w) for i, w in widths if w != len(header)]
    if not bad:
        return
    i, w = bad[0]
    line = lines[i + 1].strip()
    msg = (f"{where}: line {i + 2} has {w} fields but the header has {len(header)} "
           f"({name}-separated): {line[:60]!r}")
    if sep == "," and decimal == "." and w > len(header) and any(
            re.fullmatch(r"-?\d+,\d+", cell.strip() + "," + nxt.strip())
            for cell, nxt in zip(_fields(line, ","), _fields(line, ",")[1:])):
        msg += ("; it looks like decimal commas (e.g. 164,38): give decimal: ',' "
                "(gmmem: --decimal ,) and separate columns with ';' or tabs")
    raise ValueError(msg)


def _read(text: str, path: Path, where: str, sep: str | None, decimal: str):
    import io

    import pandas as pd

    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ValueError(f"{where}: the file is empty or its first line (the header) is blank")
    if sep is None:
        sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else detect_separator(lines, decimal)
    if sep == decimal:
        raise ValueError(f"{where}: the separator and the decimal mark are both {sep!r}")
    _check_layout(lines, sep, decimal, where)
    # A blank line is an empty cell in a one-column file, not nothing: keep it;
    # index_col=False: never let pandas turn a first field into the row index.
    table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                        skip_blank_lines=False, index_col=False)
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _rows(idx) -> str:
    shown = ", ".join(str(i + 2) for i in idx[:5])  # file line numbers: header is line 1
    return shown + (f" and {len(idx) - 5} more" if len(idx) > 5 else "")


def load_columns(path, columns, *, name: str = "data", drop_missing: bool = False,
                 n_components: int = 1, sep: str | None = None, decimal: str = ".",
                 text: str | None = None) -> LoadedData:
    """The numeric columns of a delimited text file as floats.

    The separator is ``sep`` or detected (comma, semicolon or tab; tab for
    .tsv/.tab); ``decimal`` is "." or ","; header cells are trimmed. ``text``
    gives the file's content directly (standard input), ``path`` then only
    names it. Raises ValueError naming the dataset, file and column for: a
    missing file, rows whose field count differs from the header's (a
    trailing separator, decimal commas), a missing column, non-numeric cells,
    empty/NaN cells (unless ``drop_missing``, which drops those rows and
    reports them), fewer rows than ``n_components``, a constant column, or
    values float64 cannot fit (magnitude >= 1e150, SD < 1e-140). Rows are
    reported as file line numbers (the header is line 1).
    """
    path = Path(path)
    where = f"dataset {name!r} ({path})"
    if sep is not None and sep not in SEPARATORS:
        raise ValueError(f"sep must be one of ',', ';' or a tab, got {sep!r}")
    if decimal not in DECIMALS:
        raise ValueError(f"decimal must be '.' or ',', got {decimal!r}")
    if text is None:
        if not path.is_file():
            raise ValueError(f"{where}: file not found")
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"{where}: cannot be read as UTF-8 text: {e}") from None
    try:
        table = _read(text, path, where, sep, decimal)
    except ValueError:
        raise
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
        if decimal == ",":
            raw = raw.str.replace(",", ".", regex=False)
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
    problem = scale_problem(values)
    if problem is not None:
        j, row, message = problem
        kept = np.delete(np.arange(len(table)), list(dropped))
        if "magnitude" in message:
            message = message.replace(" (", f" at line {kept[row] + 2} (", 1)
        raise ValueError(f"{where}: column {columns[j]!r} {message}")
    x = values[:, 0] if len(columns) == 1 else values
    return LoadedData(x, dropped)


def _to_float(s):
    try:
        return float(s)
    except ValueError:
        return None
