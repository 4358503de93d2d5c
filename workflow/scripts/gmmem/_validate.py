"""Argument checks shared by the public functions: each names the argument and value."""

from __future__ import annotations

import numpy as np

_add = np.add.reduce


def as_data(x, dim: int | None = None, name: str = "x") -> np.ndarray:
    """Return x as a finite float array of shape (n, d); x may be (n,) or (n, d)."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got non-numeric values "
                         f"(first items: {np.asarray(x, dtype=object).ravel()[:3].tolist()})") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim != 2:
        raise ValueError(f"{name} must be (n,) or (n, d), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise ValueError(f"{name} has {rows.size} row(s) with NaN or inf "
                         f"(first at row {rows[0]}: {arr[rows[0]].tolist()})")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} has d = {arr.shape[1]} columns but the mixture has d = {dim}")
    return arr


# Data must have variances representable in float64 (with room for the
# variance floor and squares in the E-step): |x| < MAX_ABS, column SD > MIN_SD.
MAX_ABS = 1e150
MIN_SD = 1e-140


# Beyond this many rows, whole-column temporaries are avoided: work goes in
# row chunks, so a fit's memory stays near its data at n = 10^8.
ROWS = 1 << 20


def row_chunks(n: int) -> list[slice]:
    """Slices of at most ROWS rows covering 0..n."""
    return [slice(a, min(a + ROWS, n)) for a in range(0, n, ROWS)]


def column_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SD (ddof 0) of each column of a finite (n, d) array, computed on
    the array divided by a power of two near its largest magnitude, so that
    neither overflows nor underflows for any representable data and, for data
    of ordinary scale and n <= ROWS, the result is bit-for-bit that of x.mean
    and x.std (beyond, the sums run over row chunks)."""
    biggest = np.maximum(np.abs(x.max(axis=0)), np.abs(x.min(axis=0)))
    _, exponent = np.frexp(biggest)
    top = np.ldexp(1.0, exponent)
    n = x.shape[0]
    if n <= ROWS:
        y = x / top
        # y.mean(axis=0) and y.std(axis=0), step for step as numpy computes them,
        # without their Python wrappers (they cost more than a small fit's E-step).
        mean = _add(y, axis=0, keepdims=True) / n
        dev = y - mean
        np.multiply(dev, dev, out=dev)
        return mean[0] * top, np.sqrt(_add(dev, axis=0) / n) * top
    mean = sum((x[c] / top).sum(axis=0) for c in row_chunks(n)) / n
    ss = sum(((x[c] / top - mean) ** 2).sum(axis=0) for c in row_chunks(n))
    return mean * top, np.sqrt(ss / n) * top


def scale_problem(x: np.ndarray, scale=None) -> tuple[int, int, str] | None:
    """What stops gmmem fitting data at float64 precision, if anything.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        Finite data.
    scale : tuple of ndarray, optional
        ``column_scale(x)`` (means and SDs, (d,) each), if already at hand.

    Returns
    -------
    tuple of (int, int, str) or None
        (column, row, message) for the first problem: a constant column, a
        value of magnitude >= MAX_ABS, or a spread below MIN_SD; None if the
        data are fine.
    """
    mean, sd = column_scale(x) if scale is None else scale
    for j in range(x.shape[1]):
        col = x[:, j]
        if max(abs(col.max()), abs(col.min())) >= MAX_ABS:
            row = int(np.argmax(np.abs(col)))
            return j, row, (f"has a value of magnitude >= {MAX_ABS:g} ({float(col[row])!r}); its variance "
                            f"would overflow float64: rescale the column (e.g. divide it by "
                            f"{MAX_ABS:g})")
        if sd[j] <= 1e-12 * abs(mean[j]) or sd[j] == 0:
            return j, 0, f"is constant (every value is {float(col[0])!r}); a mixture cannot be fitted to it"
        if sd[j] < MIN_SD:
            return j, 0, (f"has SD {sd[j]:.3g}, below {MIN_SD:g}: its variance would underflow "
                          f"float64: rescale the column (e.g. multiply it by {1 / MIN_SD:g})")
    return None


def check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive_float(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return v
