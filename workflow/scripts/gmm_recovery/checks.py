"""Checks of what a workflow stage reads against what the config says it should be.

Every stage of the workflow reads files an earlier stage wrote; a file that
lost rows, was cut mid-line, or belongs to another n, method or block (copied
over, or left from another config) would otherwise give silently wrong
results. Each check takes what was read (arrays, a DataFrame, the file's
bytes) and the expectation the rule hands the script (n, d, the block's
replicates, methods, K), and raises :class:`InputError` — one line naming the
file and what is off — or returns None.

Pure, and numpy-only at import: the fit jobs use :func:`check_data_block`
without importing pandas; the table checks take DataFrames without importing
pandas either.
"""

from __future__ import annotations

import csv
import io

import numpy as np

# What a fit job puts before a replicate's columns in its fits and diagnostics
# tables, and after the restart, iteration and objective columns in its traces
# table (gmm_recovery.replicates.block_tables).
ROW_KEYS = ("method", "n", "replicate")
# A fit job's timing file (one row).
TIMING_COLUMNS = ("scenario", "method", "n", "first_replicate", "last_replicate", "seconds",
                  "cpu_seconds", "startup_cpu_seconds")
_FIX = "remake it: delete it and rerun"


class InputError(ValueError):
    """A file a stage reads is not what the config says it should be: the
    message is one line, ``<path>: <what is off>``."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        super().__init__(f"{path}: {problem}")


def _span(replicates) -> str:
    a, b = (int(v) for v in replicates)
    return f"replicate {a}" if b - a == 1 else f"replicates {a}..{b - 1}"


def _listed(values, most: int = 5) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:most])
    return shown + (f" and {len(values) - most} more" if len(values) > most else "")


def check_data_block(arrays, path, *, n: int, d: int, replicates) -> None:
    """A simulate job's block as the fit job reads it: arrays (a mapping, e.g.
    np.load's NpzFile) with ``x`` of shape (R, n) for d = 1 or (R, n, d),
    ``labels`` of shape (R, n) and ``replicates`` equal to [start, stop),
    R = stop - start."""
    start, stop = (int(v) for v in replicates)
    names = list(arrays.keys())
    missing = [k for k in ("x", "labels", "replicates") if k not in names]
    if missing:
        raise InputError(path, f"has no array {missing[0]!r} (it holds {_listed(names) or 'none'})"
                               f"; not a simulated block of this workflow: {_FIX}")
    R = stop - start
    want = (R, n) if d == 1 else (R, n, d)
    x = arrays["x"]
    what = f"{_span(replicates)} of n = {n}" + ("" if d == 1 else f", d = {d}")
    if x.shape != want:
        only_n = x.ndim == len(want) and x.shape[0] == R and x.shape[2:] == want[2:]
        got = f"n = {x.shape[1]}" if only_n else f"shape {x.shape}"
        raise InputError(path, f"x has {got} where this block is {what} (x of shape {want}): "
                               f"data of another n, d or block? {_FIX}")
    if x.dtype.kind != "f":
        raise InputError(path, f"x has dtype {x.dtype}, expected floats: {_FIX}")
    reps = np.asarray(arrays["replicates"])
    if reps.shape != (R,) or not np.array_equal(reps, np.arange(start, stop)):
        raise InputError(path, f"holds replicates {_listed(reps.ravel().tolist())} where this "
                               f"block is {_span(replicates)}: another block's data? {_FIX}")
    labels = arrays["labels"]
    if labels.shape != (R, n):
        raise InputError(path, f"labels have shape {labels.shape}, expected {(R, n)} for {what}: "
                               f"{_FIX}")


def csv_damage(text: bytes) -> str | None:
    """What makes a CSV table this workflow wrote unreadable as written, or None:
    empty, not text, the last line cut (no final newline: every table is
    written with one), or a line whose field count is not the header's."""
    if not text.strip():
        return "is empty"
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"is not UTF-8 text (byte {e.start})"
    if not decoded.endswith("\n"):
        return "is truncated: its last line has no newline (cut mid-line?)"
    rows = csv.reader(io.StringIO(decoded, newline=""))
    try:
        width = len(next(rows))
        for row in rows:
            if len(row) != width:
                return (f"is truncated or malformed: line {rows.line_num} has {len(row)} "
                        f"field(s), the header {width}")
    except csv.Error as e:
        return f"is malformed: line {rows.line_num}: {e}"
    return None


def check_csv_text(text: bytes, path) -> None:
    """:func:`csv_damage` as an InputError naming the file."""
    problem = csv_damage(text)
    if problem is not None:
        raise InputError(path, f"{problem}; {_FIX}")


def check_columns(table, path, columns, *, exact: bool = True, what: str = "") -> None:
    """The table has every one of ``columns`` and, if ``exact``, no other."""
    have = list(table.columns)
    missing = [c for c in columns if c not in have]
    if missing:
        raise InputError(path, f"lacks column(s) {_listed(missing)}{what}: written by another "
                               f"version or config? {_FIX}")
    extra = [c for c in have if c not in set(columns)]
    if exact and extra:
        raise InputError(path, f"has unexpected column(s) {_listed(extra)}{what}: written by "
                               f"another version, method or config? {_FIX}")


# The uncertainty columns of a fits table (gmm_recovery.tables.UNCERTAINTY_COLUMNS),
# checked to hold numbers; listed here so that checks imports no gmmem.
_UNCERTAINTY = ("se", "lo", "hi", "se_boot", "lo_pct", "hi_pct", "lo_bca", "hi_bca", "se_sw",
                "lo_sw", "hi_sw")


def _check_values(table, path, column: str, expected, kind: str) -> None:
    """Every value of ``column`` equals ``expected``."""
    values = table[column]
    if kind == "text":
        values = values.astype(str)
    bad = sorted({v for v in values.tolist() if v != expected}, key=str)
    if bad:
        raise InputError(path, f"has rows of {column} {_listed(bad)} where this table is "
                               f"{column} {expected!r} only: another table's rows? {_FIX}")


def _integers(table, path, column: str) -> np.ndarray:
    values = table[column].to_numpy()
    if values.dtype.kind not in "iu":
        raise InputError(path, f"column {column} holds non-integers or blanks "
                               f"({_listed(values[:3].tolist())}): malformed; {_FIX}")
    return values.astype(np.int64)


def _numbers(table, path, column: str) -> None:
    """The column holds numbers (NaN allowed: an SE that failed is blank)."""
    values = table[column].to_numpy()
    if values.dtype.kind not in "iuf":
        bad = next((v for v in values.tolist() if not isinstance(v, (int, float))), None)
        raise InputError(path, f"column {column} holds a non-number ({bad!r}) where it holds "
                               f"numbers: malformed; {_FIX}")


def check_fit_table(table, path, *, method: str, n: int, replicates, n_components: int,
                    columns=None, parameters=None) -> None:
    """A fit job's (long) fits table as a later stage reads it: the columns
    that code writes for the method (``columns``; None: the row keys,
    component, parameter and estimate), only this method and n, parameter
    names among ``parameters`` (the method's layout; None: not checked), and
    exactly one row per (replicate of the block, component 1..K, parameter),
    every replicate and component with the same parameters, so that no
    replicate is lost, doubled or from another block."""
    if columns is not None:
        check_columns(table, path, columns, what=f" of method {method!r}")
    else:
        check_columns(table, path, ROW_KEYS + ("component", "parameter", "estimate"),
                      exact=False)
    _check_values(table, path, "method", method, "text")
    _integers(table, path, "n")
    _check_values(table, path, "n", int(n), "int")
    reps, comps = _integers(table, path, "replicate"), _integers(table, path, "component")
    names = table["parameter"].astype(str).to_numpy()
    if parameters is not None:
        allowed = list(parameters)
        bad = [v for v in dict.fromkeys(names.tolist()) if v not in set(allowed)]
        if bad:
            raise InputError(path, f"column parameter has value {bad[0]!r}, not a parameter of "
                                   f"method {method!r} ({_listed(allowed, 12)}): another "
                                   f"table's rows, or damaged? {_FIX}")
    for column in ("estimate",) + tuple(c for c in (columns or ()) if c in _UNCERTAINTY):
        _numbers(table, path, column)
    start, stop = (int(v) for v in replicates)
    K = int(n_components)
    outside = (reps < start) | (reps >= stop) | (comps < 1) | (comps > K)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        column = "replicate" if reps[i] < start or reps[i] >= stop else "component"
        value = (reps if column == "replicate" else comps)[i]
        raise InputError(path, f"column {column} has value {value} "
                               f"(row {i + 1}), outside this block ({_span(replicates)}, "
                               f"components 1..{K}): another block's or K's rows? {_FIX}")
    # Every replicate and component has each of the method's parameters (those
    # seen in the table when the method's are not given).
    names_seen = (list(parameters) if parameters is not None
                  else list(dict.fromkeys(names.tolist())))
    code = {v: j for j, v in enumerate(names_seen)}
    P = len(names_seen)
    at = np.array([code[v] for v in names.tolist()], dtype=np.int64)
    key = (reps * (K + 1) + comps) * P + at
    uniq, counts = np.unique(key, return_counts=True)
    if np.any(counts > 1):
        k = int(uniq[counts > 1][0])
        raise InputError(path, f"has replicate {k // P // (K + 1)}, component "
                               f"{k // P % (K + 1)}, parameter {names_seen[k % P]!r} "
                               f"{counts.max()} times: duplicated rows; {_FIX}")
    want = len(range(start, stop)) * K * P
    if len(table) != want:
        grid = ((np.arange(start, stop)[:, None, None] * (K + 1) + np.arange(1, K + 1)[:, None])
                * P + np.arange(P)).ravel()
        lost = np.setdiff1d(grid, key)
        lost_reps = sorted({int(v) // P // (K + 1) for v in lost})
        raise InputError(path, f"has {len(table)} rows where {_span(replicates)} × K = {K} "
                               f"components × {P} parameters need {want}: rows of replicate(s) "
                               f"{_listed(lost_reps)} are missing (lost rows?); {_FIX}")


def check_diagnostics_table(table, path, *, method: str, n: int, replicates,
                            columns=None) -> None:
    """A fit job's diagnostics table: the columns the code writes for the
    method (``columns``; None: the row keys), this method and n only, and
    exactly one row per replicate of the block."""
    check_columns(table, path, ROW_KEYS if columns is None else columns,
                  exact=columns is not None, what=f" of method {method!r}")
    _check_values(table, path, "method", method, "text")
    _integers(table, path, "n")
    _check_values(table, path, "n", int(n), "int")
    reps = _integers(table, path, "replicate")
    start, stop = (int(v) for v in replicates)
    stray = reps[(reps < start) | (reps >= stop)]
    if stray.size:
        raise InputError(path, f"column replicate has value {stray[0]}, outside this block "
                               f"({_span(replicates)}): another block's rows? {_FIX}")
    uniq, counts = np.unique(reps, return_counts=True)
    if np.any(counts > 1):
        raise InputError(path, f"has replicate {uniq[counts > 1][0]} {counts.max()} times: "
                               f"duplicated rows; {_FIX}")
    lost = np.setdiff1d(np.arange(start, stop), reps)
    if lost.size:
        raise InputError(path, f"has no row of replicate(s) {_listed(lost.tolist())} of "
                               f"{_span(replicates)} (lost rows?); {_FIX}")


def check_trace_table(table, path, *, method: str, n: int, replicates, columns=None) -> None:
    """A fit job's traces table: its columns (``columns``; None: the row keys
    only), this method and n only, replicates of the block, at least one row."""
    check_columns(table, path, ROW_KEYS if columns is None else columns,
                  exact=columns is not None, what=f" of method {method!r}")
    if not len(table):
        raise InputError(path, f"has no rows; {_FIX}")
    _check_values(table, path, "method", method, "text")
    _check_values(table, path, "n", int(n), "int")
    reps = _integers(table, path, "replicate")
    start, stop = (int(v) for v in replicates)
    if reps.min() < start or reps.max() >= stop:
        stray = reps[(reps < start) | (reps >= stop)][0]
        raise InputError(path, f"has traces of replicate {stray}, outside this block "
                               f"({_span(replicates)}); {_FIX}")


def check_present(table, path, column: str, expected, what: str | None = None) -> None:
    """Every one of ``expected`` occurs in ``column`` (a summary table holds
    every method, n, parameter... the config asks for)."""
    if column not in table.columns:
        raise InputError(path, f"has no column {column!r}; {_FIX}")
    values = table[column]
    kind = np.asarray(list(expected)).dtype.kind if len(list(expected)) else "U"
    have = set(values.astype(str)) if kind in "UO" else set(values.tolist())
    missing = [v for v in expected if v not in have]
    if missing:
        raise InputError(path, f"has no rows of {what or column} {_listed(missing)} (the config "
                               f"asks for {_listed(expected)}): stale or damaged? {_FIX}")


def check_summary_table(table, path, *, methods=None, sample_sizes=None, parameters=None,
                        columns=()) -> None:
    """A summary table (recovery, performance, convergence, aligned...) as a
    later stage reads it: it has ``columns`` and rows of every expected method,
    sample size and parameter (``parameters``: (parameter, component) pairs,
    in the table's ``parameter`` and ``component`` columns)."""
    check_columns(table, path, list(columns), exact=False)
    if methods is not None:
        check_present(table, path, "method", list(methods))
    if sample_sizes is not None:
        check_present(table, path, "n", [int(v) for v in sample_sizes], "n")
    if parameters is not None:
        from .tables import parameter_label

        check_columns(table, path, ("parameter", "component"), exact=False)
        have = set(zip(table["parameter"].astype(str), table["component"].tolist()))
        wanted = [parameter_label(c, k) for c, k in parameters]
        missing = [lab for (c, k), lab in zip(parameters, wanted) if (c, int(k)) not in have]
        if missing:
            raise InputError(path, f"has no rows of parameter {_listed(missing)} (the config "
                                   f"asks for {_listed(wanted)}): stale or damaged? {_FIX}")


def check_maxima_table(table, path, *, n_components: int, d: int) -> None:
    """A scenario's pseudo_true.csv as the evaluate and maxima_split stages read
    it: rows of maximum, parameter, component and value, and for every maximum
    a weight and mean of each of the truth's K components in d dimensions."""
    check_columns(table, path, ("maximum", "parameter", "component", "value"), exact=False)
    if not len(table):
        raise InputError(path, f"has no rows; {_FIX}")
    _integers(table, path, "maximum")
    _integers(table, path, "component")
    from .tables import parameter_kind, parameter_label, parameter_pairs

    want = [(c, k) for c, k in parameter_pairs(d, n_components)
            if parameter_kind(c) in ("weight", "mean")]
    for m, part in table.groupby("maximum", sort=True):
        have = set(zip(part["parameter"].astype(str), part["component"].tolist()))
        missing = [parameter_label(c, k) for c, k in want if (c, k) not in have]
        if missing:
            raise InputError(path, f"maximum {m} lacks {_listed(missing)} of the truth's "
                                   f"K = {n_components}, d = {d}: another scenario's table? "
                                   f"{_FIX}")


def fit_table_columns(settings: dict, truth, *, oracle: bool = False,
                      select_k: tuple[int, ...] = (), level: float = 0.95,
                      select_blrt: int = 0) -> dict[str, list]:
    """{"fits", "diagnostics", "traces": their columns} as a fit job writes
    them for a method's settings: found by running the code that writes them
    (:func:`gmm_recovery.replicates.block_tables`) on one small data set drawn
    from the truth with the same settings made cheap (one start, a few EM
    maps, the fewest bootstrap resamples), so that whatever columns that code
    writes for these settings are the ones expected, with no list kept here
    to go stale."""
    from .replicates import block_tables
    from gmmem.settings import BY_NAME

    cheap = dict(settings, n_restarts=1, max_iter=20)
    if "n_boot" in cheap:
        cheap["n_boot"] = int(BY_NAME["n_boot"].low)
    K, d = truth.n_components, truth.dim
    x, _ = truth.sample(max(40, 10 * K * (d + 1)), np.random.default_rng(0))
    tables = block_tables("", 0, [0], [x], cheap, [np.random.SeedSequence(0)], level=level,
                          oracle=truth if oracle else None, select_k=tuple(select_k),
                          traces=1, select_blrt=min(int(select_blrt), 2))
    return {name: list(cols) for name, cols in tables.items()}


def check_timing_table(table, path, *, scenario: str, method: str, n: int, replicates) -> None:
    """A fit job's timing file: one row of this job (scenario, method, n, block)."""
    check_columns(table, path, TIMING_COLUMNS, exact=False)
    if len(table) != 1:
        raise InputError(path, f"has {len(table)} rows, expected 1 (one fit job); {_FIX}")
    start, stop = (int(v) for v in replicates)
    row = table.iloc[0]
    got = (str(row["scenario"]), str(row["method"]), int(row["n"]), int(row["first_replicate"]),
           int(row["last_replicate"]))
    want = (scenario, method, int(n), start, stop - 1)
    if got != want:
        raise InputError(path, f"times scenario {got[0]!r}, method {got[1]!r}, n = {got[2]}, "
                               f"replicates {got[3]}..{got[4]} where this job is scenario "
                               f"{want[0]!r}, method {want[1]!r}, n = {want[2]}, "
                               f"replicates {want[3]}..{want[4]}; {_FIX}")
