"""Argument checks shared by the public functions: each names the argument and value."""

from __future__ import annotations

import numpy as np


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
