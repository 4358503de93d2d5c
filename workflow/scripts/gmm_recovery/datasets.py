"""Reading a user's data columns, with errors that name the dataset, file and column.

The I/O edge of gmmem (the CLI and the workflow's fit_dataset rule share it).
Files are checked in array form over their bytes (field counts per line,
blank lines, trailing separators) and parsed by pandas' C parser, so a
10^7-row file costs a few passes of numpy over its bytes, not a Python loop
per row; only a file pandas cannot parse as numbers (a non-numeric, padded or
oddly spelled cell) is re-read as text, in chunks, to say which cells.
"""

from __future__ import annotations

from dataclasses import dataclass
import itertools
import os
import re
import stat
from pathlib import Path

import numpy as np

from gmmem import scale_problem

# Cell texts (after stripping, any case) that mean "no value".
_MISSING = ["", "na", "nan", "null", "none"]
# The same, as pandas matches them (exactly, unstripped): every spelling in case.
_MISSING_SPELLINGS = sorted({"".join(c) for word in _MISSING if word
                             for c in itertools.product(*((ch.lower(), ch.upper()) for ch in word))}
                            | {""})
_EXCERPT = 40  # characters of a file's content an error message may quote
_HEAD = 50  # data lines looked at to detect the separator and recognise a table
_CHUNK = 1 << 22  # bytes per pass of the array checks (bounds their temporaries)
_TEXT_ROWS = 1 << 20  # rows per chunk when a file is re-read as text


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


def excerpt(text: str, limit: int = _EXCERPT) -> str:
    """text quoted for an error message: repr (non-printable characters
    escaped), cut to ``limit`` characters with '…' after the quote if longer."""
    text = str(text)
    return repr(text[:limit]) + ("…" if len(text) > limit else "")


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
        rows = [len(_fields(line, sep)) for line in lines[1:_HEAD] if line.strip()]
        if n > best_n and all(r == n for r in rows):
            best, best_n = sep, n
    return best or (";" if decimal == "," else ",")


def _layout_message(where, line_no, width, n_header, sep, decimal, line) -> str:
    """'line 5 has 3 fields but the header has 2 (…)', with the decimal-comma hint."""
    name = SEPARATORS[sep]
    msg = (f"{where}: line {line_no} has {width} fields but the header has {n_header} "
           f"({name}-separated): {excerpt(line.strip())}")
    if sep == "," and decimal == "." and width > n_header and any(
            re.fullmatch(r"-?\d+,\d+", cell.strip() + "," + nxt.strip())
            for cell, nxt in zip(_fields(line, ","), _fields(line, ",")[1:])):
        msg += ("; it looks like decimal commas (e.g. 164,38): give decimal: ',' "
                "(gmmem: --decimal ,) and separate columns with ';' or tabs")
    return msg


def _trailing_message(where, sep) -> str:
    name = SEPARATORS[sep]
    return (f"{where}: every row ends with a trailing {name} (an empty last field); "
            f"remove the {name} at the end of each line")


def _check_layout(lines: list[str], sep: str, decimal: str, where: str) -> None:
    """Refuse a text whose rows do not have the header's number of fields,
    saying what it most likely is: a trailing separator, or decimal commas.
    (Line by line, with quoting rules: for files with quote characters.)"""
    header = _fields(lines[0], sep)
    widths = [(i, len(_fields(line, sep))) for i, line in enumerate(lines[1:]) if line.strip()]
    if not widths:
        return
    trailing_row = all(w == len(header) + 1 and lines[i + 1].rstrip().endswith(sep)
                       for i, w in widths)
    trailing_both = (len(header) > 1 and header[-1].strip() == ""
                     and all(lines[i + 1].rstrip().endswith(sep) for i, _ in widths))
    if trailing_row or trailing_both:
        raise ValueError(_trailing_message(where, sep))
    bad = [(i, w) for i, w in widths if w != len(header)]
    if bad:
        i, w = bad[0]
        raise ValueError(_layout_message(where, i + 2, w, len(header), sep, decimal, lines[i + 1]))


def _positions(buf: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` occurs in buf (in chunks, to bound the temporaries)."""
    found = [np.flatnonzero(buf[a:a + _CHUNK] == byte) + a for a in range(0, buf.size, _CHUNK)]
    return np.concatenate(found) if found else np.empty(0, np.int64)


class _Lines:
    """Where each line of a byte buffer ends (the newline excluded) and
    starts, and where its separators are."""

    def __init__(self, buf: np.ndarray, sep: int, quotes: bool = False):
        ends = _positions(buf, 10)
        if buf.size and (ends.size == 0 or ends[-1] != buf.size - 1):
            ends = np.append(ends, buf.size)  # a last line without a newline
        self.buf, self.ends, self.sep = buf, ends, sep
        self.sep_at = _positions(buf, sep)
        # With quote characters, a separator between an odd number of quotes
        # since the file's start is inside a quoted field ("" escapes count
        # twice): not a separator. A newline inside quotes makes lines and
        # rows differ: ``multiline`` (then the caller reads line by line).
        self.multiline = False
        if quotes:
            q = _positions(buf, ord('"'))
            self.multiline = bool(np.any(np.searchsorted(q, ends) % 2 == 1))
            self.sep_at = self.sep_at[np.searchsorted(q, self.sep_at) % 2 == 0]

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate([[0], self.ends[:-1] + 1]).astype(np.int64)

    def __len__(self):
        return self.ends.size

    def all_have(self, n: int) -> bool:
        """Whether every line holds exactly n separators: then the i-th group
        of n separator positions lies between line i's start and end."""
        if self.sep_at.size != n * len(self):
            return False
        if n == 0:
            return True
        at = self.sep_at.reshape(len(self), n)
        return bool(np.all(at[1:, 0] > self.ends[:-1]) and np.all(at[:, -1] < self.ends))

    @property
    def separators(self) -> np.ndarray:
        """How many separators each line holds."""
        return np.bincount(np.searchsorted(self.ends, self.sep_at), minlength=len(self))

    def last_visible(self, idx: np.ndarray) -> np.ndarray:
        """For lines ``idx``: the position of the last byte above ' ' (not
        whitespace), or the line's start - 1 if the line is blank. Steps back
        over trailing whitespace for all lines at once."""
        pos = self.ends[idx] - 1
        start = self.starts[idx]
        active = np.flatnonzero(pos >= start)
        while active.size:
            ws = self.buf[pos[active]] <= 32
            active = active[ws]
            pos[active] -= 1
            active = active[pos[active] >= start[active]]
        return pos

    def text(self, i: int) -> str:
        return bytes(self.buf[self.starts[i]:self.ends[i]]).decode("utf-8", "replace")


def _check_layout_bytes(lines: _Lines, header: list[str], sep: str, decimal: str,
                        where: str) -> None:
    """_check_layout in array form, for files without quote characters."""
    h = len(header)
    if len(lines) < 2 or (lines.all_have(h - 1) and not (h > 1 and header[-1].strip() == "")):
        return  # every line has the header's fields (a blank one-column line is a missing cell)
    n_fields = lines.separators[1:] + 1
    rows = np.arange(1, len(lines))
    # Blank lines (whitespace only) are skipped, as _check_layout does; a
    # line with a separator is never blank.
    maybe_blank = rows[n_fields == 1]
    blank = np.zeros(rows.size, bool)
    if maybe_blank.size:
        blank[maybe_blank - 1] = lines.last_visible(maybe_blank) < lines.starts[maybe_blank]
    filled = rows[~blank]
    if filled.size == 0:
        return
    widths = n_fields[filled - 1]

    def end_with_sep():
        last = lines.last_visible(filled)
        return bool(np.all(lines.buf[np.maximum(last, 0)] == ord(sep)))

    if (np.all(widths == h + 1) and end_with_sep()) or (
            h > 1 and header[-1].strip() == "" and end_with_sep()):
        raise ValueError(_trailing_message(where, sep))
    bad = np.flatnonzero(widths != h)
    if bad.size:
        i = int(filled[bad[0]])
        raise ValueError(_layout_message(where, i + 1, int(widths[bad[0]]), h, sep, decimal,
                                         lines.text(i)))


def _is_number(cell: str, decimal: str) -> bool:
    cell = cell.strip()
    if decimal == ",":
        cell = cell.replace(",", ".")
    return _to_float(cell) is not None and cell.lower() not in _MISSING


def _read_bytes(path: Path, where: str, streams: bool) -> bytes:
    """The bytes of the file at path, or ValueError saying what the path is
    instead (missing, a directory, a device, …). A FIFO (named pipe, as
    /dev/stdin is when data are piped in) is read as a stream if ``streams``."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise ValueError(f"{where}: file not found") from None
    except OSError as e:
        raise ValueError(f"{where}: cannot be read: {e.strerror}") from None
    kinds = [(stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device (a terminal, or "
             "a device such as /dev/zero)"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket")]
    for test, what in kinds:
        if test(mode):
            raise ValueError(f"{where}: is {what}, not a data file")
    if stat.S_ISFIFO(mode) and not streams:
        raise ValueError(f"{where}: is a named pipe (FIFO), which can be read only once; the "
                         f"workflow reads a dataset when it starts and again in its job: give a "
                         f"regular file")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise ValueError(f"{where}: is not a regular file")
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"{where}: cannot be read: {e.strerror}") from None


_BOMS = [(b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")]


def _check_encoding(raw: bytes, where: str) -> None:
    """Refuse bytes that are not UTF-8 text, naming the encoding problem and
    the line: a UTF-16/32 byte-order mark, NUL bytes (UTF-16 without a mark,
    or a binary file), or a byte sequence that is not UTF-8 (Latin-1, …)."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            raise ValueError(f"{where}: is {enc} encoded (it starts with a {enc} byte-order mark); "
                             f"save it as UTF-8 (or ASCII) text")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise ValueError(f"{where}: line {line} contains NUL bytes: this is "
                         f"UTF-16 text without a byte-order mark or a binary file, not UTF-8 text")
    if raw.isascii():
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ValueError(f"{where}: line {line}, byte {column} (0x{raw[e.start]:02x}) is not "
                         f"UTF-8 text; the file is probably Latin-1 or Windows-1252 encoded: "
                         f"save it as UTF-8") from None


def _head(raw: bytes, n: int) -> list[str]:
    """The first n lines of raw, decoded (the UTF-8 byte-order mark removed)."""
    end = 0
    for _ in range(n):
        nxt = raw.find(b"\n", end)
        if nxt < 0:
            end = len(raw)
            break
        end = nxt + 1
    return raw[:end].decode("utf-8-sig").splitlines()


def _rows(idx) -> str:
    shown = ", ".join(str(i + 2) for i in idx[:5])  # file line numbers: header is line 1
    return shown + (f" and {len(idx) - 5} more" if len(idx) > 5 else "")


def load_columns(path, columns, *, name: str = "data", drop_missing: bool = False,
                 n_components: int = 1, sep: str | None = None, decimal: str = ".",
                 text: str | bytes | None = None, streams: bool = False) -> LoadedData:
    """The numeric columns of a delimited text file as floats.

    The separator is ``sep`` or detected (comma, semicolon or tab; tab for
    .tsv/.tab); ``decimal`` is "." or ","; header cells are trimmed. ``text``
    gives the file's content directly (standard input; str, or bytes that must
    be UTF-8), ``path`` then only names it; ``streams``: read a named pipe at
    ``path`` (else refused: the workflow reads a dataset twice). Raises
    ValueError naming the dataset, file and column for: a path that is
    missing or no regular file (a directory, a device), text that is not
    UTF-8, a file with no numbers in its first lines (not a table: nothing of
    it is quoted), rows whose field count differs from the header's (a
    trailing separator, decimal commas), a missing or duplicated column,
    non-numeric cells, empty/NaN cells (unless ``drop_missing``, which drops
    those rows and reports them), fewer rows than ``n_components``, a constant
    column, or values float64 cannot fit (magnitude >= 1e150, SD < 1e-140).
    Rows are reported as file line numbers (the header is line 1); file
    content is quoted only in short, escaped excerpts.
    """
    path = Path(path)
    where = f"dataset {name!r} ({path})"
    if sep is not None and sep not in SEPARATORS:
        raise ValueError(f"sep must be one of ',', ';' or a tab, got {sep!r}")
    if decimal not in DECIMALS:
        raise ValueError(f"decimal must be '.' or ',', got {decimal!r}")
    columns = list(columns)
    twice = [c for i, c in enumerate(columns) if c in columns[:i]]
    if twice:
        raise ValueError(f"{where}: column {twice[0]!r} is asked for twice (columns "
                         f"{columns}); a column can be fitted once")
    if text is None:
        raw = _read_bytes(path, where, streams)
    else:
        raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    _check_encoding(raw, where)
    if b"\n" not in raw and b"\r" in raw:
        raw = raw.replace(b"\r", b"\n")  # classic Mac line ends
    head = _head(raw, _HEAD + 1)
    if not head or not head[0].strip():
        raise ValueError(f"{where}: the file is empty or its first line (the header) is blank")
    if sep is None:
        sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else detect_separator(head, decimal)
    if sep == decimal:
        raise ValueError(f"{where}: the separator and the decimal mark are both {sep!r}")
    header = _fields(head[0], sep)
    cells = [c for line in head[1:] if line.strip() for c in _fields(line, sep)]
    if cells and not any(_is_number(c, decimal) for c in cells) and not all(
            c.strip().lower() in _MISSING for c in cells):
        raise ValueError(f"{where}: not a table of numbers: none of its first "
                         f"{len(head) - 1} data line(s) has a numeric field "
                         f"({SEPARATORS[sep]}-separated); is this the data file?")
    quoted = b'"' in raw
    if len(header) > 1 or sep.encode() in raw:  # (one column and no separator: nothing to count)
        lines = _Lines(np.frombuffer(raw, np.uint8), ord(sep.encode()), quoted)
        if lines.multiline:  # a quoted field spans lines: count fields line by line
            del lines
            _check_layout(raw.decode("utf-8-sig").splitlines(), sep, decimal, where)
        else:
            _check_layout_bytes(lines, header, sep, decimal, where)
            del lines
    names = [c.strip() for c in header]
    missing = [c for c in columns if c not in names]
    if missing:
        shown = ", ".join(excerpt(c) for c in names[:10]) + (
            f" and {len(names) - 10} more" if len(names) > 10 else "")
        raise ValueError(f"{where}: column {excerpt(missing[0])} not found; the file has "
                         f"column(s) {shown}")
    for c in columns:
        at = [i + 1 for i, n in enumerate(names) if n == c]
        if len(at) > 1:
            raise ValueError(f"{where}: column {c!r} appears {len(at)} times in the header "
                             f"(fields {', '.join(map(str, at))}); rename the copies so that "
                             f"each column has its own name")
    idx = [names.index(c) for c in columns]
    try:
        values = _parse_numbers(raw, idx, sep, decimal)
    except ValueError:
        values = None
    except Exception as e:  # pandas raises many kinds for unreadable files
        raise ValueError(f"{where}: cannot be read as CSV/TSV: {type(e).__name__}") from None
    if values is None:
        values = _parse_text(raw, idx, columns, sep, decimal, where)
    return _checked(values, columns, where, drop_missing, n_components)


def _read_csv(raw: bytes, idx, sep, decimal, **kwargs):
    """pandas' C parser on the columns at positions idx; the result's columns
    are in file order (see _order). The header row is pandas' to skip (as
    header=0: skiprows is several times slower) but its names are not used:
    the header was read above and may repeat a name."""
    import io

    import pandas as pd

    # A blank line is a row of empty cells, not nothing; index_col=False:
    # never let pandas turn a first field into the row index.
    return pd.read_csv(io.BytesIO(raw), sep=sep, decimal=decimal, header=0, usecols=idx,
                       keep_default_na=False, skip_blank_lines=False, index_col=False,
                       engine="c", **kwargs)


def _order(idx) -> list[int]:
    """Where each of the columns idx is among pandas' result columns (file order)."""
    return [sorted(idx).index(i) for i in idx]


def _parse_numbers(raw: bytes, idx, sep, decimal) -> np.ndarray:
    """The columns idx as floats by pandas' C parser, missing spellings as NaN;
    ValueError if any cell is something else (then _parse_text says which)."""
    table = _read_csv(raw, idx, sep, decimal, dtype=np.float64, na_values=_MISSING_SPELLINGS)
    if len(idx) == 1:
        return table.iloc[:, 0].to_numpy(np.float64, copy=True).reshape(-1, 1)  # writeable
    values = np.empty((len(table), len(idx)), order="F")  # columns contiguous for the checks
    for j, k in enumerate(_order(idx)):
        values[:, j] = table.iloc[:, k].to_numpy(np.float64)
    return values


def _parse_text(raw: bytes, idx, columns, sep, decimal, where) -> np.ndarray:
    """The columns idx read as text in chunks, stripped, missing spellings in
    any case as NaN, the rest by Python's float(); ValueError naming the
    column, the number of non-numeric cells and their lines if any."""
    out, bad = [], {c: [] for c in columns}
    first = {}
    row0 = 0
    for chunk in _read_csv(raw, idx, sep, decimal, dtype=str, chunksize=_TEXT_ROWS):
        block = np.empty((len(chunk), len(idx)))
        for j, (k, col) in enumerate(zip(_order(idx), columns)):
            raw_cells = chunk.iloc[:, k].fillna("")
            cells = raw_cells.str.strip()
            if decimal == ",":
                cells = cells.str.replace(",", ".", regex=False)
            ok = ~cells.str.lower().isin(_MISSING).to_numpy()
            num = np.full(len(cells), np.nan)
            try:
                num[ok] = cells[ok].astype(float).to_numpy()
            except ValueError:
                import pandas as pd

                guess = pd.to_numeric(cells[ok], errors="coerce").to_numpy()
                unsure = np.flatnonzero(ok)[np.isnan(guess)]
                wrong = unsure[[_to_float(cells.iloc[r]) is None for r in unsure]]
                if wrong.size:
                    bad[col].append(wrong + row0)
                    first.setdefault(col, raw_cells.iloc[wrong[0]])
                    continue
                num[ok] = cells[ok].map(_to_float).to_numpy(np.float64)  # e.g. '1_000'
            block[:, j] = num
        out.append(block)
        row0 += len(chunk)
    for col in columns:
        if bad[col]:
            rows = np.concatenate(bad[col])
            raise ValueError(f"{where}: column {col!r} has {rows.size} non-numeric cell(s), at "
                             f"line(s) {_rows(rows)} (first: {excerpt(first[col])})")
    return np.asfortranarray(np.concatenate(out)) if out else np.empty((0, len(idx)), order="F")


def _checked(values: np.ndarray, columns, where, drop_missing, n_components) -> LoadedData:
    """The checks on the parsed numbers: infinite, missing (NaN), too few rows,
    constant columns, and values float64 cannot fit."""
    n_rows = values.shape[0]
    for j, col in enumerate(columns):
        inf = np.isinf(values[:, j])
        if inf.any():
            raise ValueError(f"{where}: column {col!r} has infinite values at line(s) "
                             f"{_rows(np.flatnonzero(inf))}")
    blank = np.zeros(n_rows, bool)
    first_blank_col = None
    for j, col in enumerate(columns):
        nan = np.isnan(values[:, j])
        if first_blank_col is None and nan.any():
            first_blank_col = col
        blank |= nan
    dropped = tuple(int(i) for i in np.flatnonzero(blank))
    if dropped:
        msg = (f"{where}: column {first_blank_col!r} has {len(dropped)} empty or NaN cell(s) at "
               f"line(s) {_rows(dropped)}")
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
    # Column by column: each a contiguous (n, 1) block (as fast as scale_problem
    # on the whole array is slow on a strided one); the first bad column is reported.
    problem = next(((j,) + p[1:] for j in range(values.shape[1])
                    if (p := scale_problem(values[:, j:j + 1])) is not None), None)
    if problem is not None:
        j, row, message = problem
        kept = np.delete(np.arange(n_rows), list(dropped))
        if "magnitude" in message:
            message = message.replace(" (", f" at line {kept[row] + 2} (", 1)
        raise ValueError(f"{where}: column {columns[j]!r} {message}")
    if len(columns) == 1:
        return LoadedData(np.ascontiguousarray(values[:, 0]), dropped)
    x = np.empty(values.shape)  # row-major, as the fits read it
    for j in range(values.shape[1]):
        x[:, j] = values[:, j]
    return LoadedData(x, dropped)


def _to_float(s):
    try:
        return float(s)
    except ValueError:
        return None
