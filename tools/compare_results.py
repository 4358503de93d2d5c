"""Compare two runs of a study value for value: the results of the wide fits
format (before) against the long one (after), or any two runs of one format.

    python tools/compare_results.py BEFORE_RESULTS AFTER_RESULTS

Every CSV and text table under BEFORE (summary tables, performance,
recovery, comparison, convergence, model choice, aligned, pseudo-true,
maxima split, grid tables, own-data fits) is read with its counterpart
under AFTER and compared cell by cell (floats exactly, NaN equal to NaN);
text outputs (summary.md/.html/.tex, grid summaries) byte for byte. The
one change of form the long format makes on purpose is undone first:
where BEFORE names a parameter by its label ("mean[1]") and AFTER by
parameter and component columns, the label is rebuilt from AFTER's two;
aligned.csv's label column (a copy of the two) is dropped. Per-block fits
tables are compared too: every number of a wide fits table (estimate,
SEs, bounds per parameter and component; per-replicate diagnostics) with
the long fits and diagnostics tables of the same block. Prints one line
per file and a total; exit status 1 if anything differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SKIP = ("logs", "benchmarks", "timing", "data", ".snakemake")
TEXT = (".md", ".html", ".tex", ".txt")


def label(table):
    return [f"{p}[{int(k)}]" for p, k in zip(table["parameter"], table["component"])]


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """None if equal cell by cell, else what differs."""
    if list(a.columns) != list(b.columns):
        return f"columns differ: {list(a.columns)} vs {list(b.columns)}"
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)}"
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if x.dtype.kind in "fiub" and y.dtype.kind in "fiub":
            x, y = x.astype(float), y.astype(float)
            bad = ~((x == y) | (np.isnan(x) & np.isnan(y)))
        else:
            bad = np.array([not (str(u) == str(v)) for u, v in zip(x, y)])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            return f"column {c}: {int(bad.sum())} cells differ, first row {i}: {x[i]!r} vs {y[i]!r}"
    return None


def comparable(before: pd.DataFrame, after: pd.DataFrame):
    """Undo the format's intended change of form (labels vs parameter + component)."""
    if "label" in before and "label" not in after and "component" in after:
        before = before.drop(columns="label")
    if "parameter" in before and "component" not in before and "component" in after:
        after = after.assign(parameter=label(after) if len(after) else after["parameter"])
        after = after.drop(columns="component")
    return before, after


def compare_fits(before_path: Path, after_dir: Path) -> str | None:
    """A wide fits table against the long fits and diagnostics of its block."""
    wide = pd.read_csv(before_path, dtype={"method": str})
    stem = before_path.name[: -len(".fits.csv")]
    fits = pd.read_csv(after_dir / f"{stem}.fits.csv", dtype={"method": str, "parameter": str})
    diag = pd.read_csv(after_dir / f"{stem}.diagnostics.csv", dtype={"method": str})
    names = list(dict.fromkeys(fits["parameter"]))
    problems = []
    for stat, col in [("", "estimate"), ("se_", "se"), ("lo_", "lo"), ("hi_", "hi"),
                      ("se_sw_", "se_sw"), ("lo_sw_", "lo_sw"), ("hi_sw_", "hi_sw"),
                      ("se_boot_", "se_boot"), ("lo_pct_", "lo_pct"), ("hi_pct_", "hi_pct"),
                      ("lo_bca_", "lo_bca"), ("hi_bca_", "hi_bca")]:
        for name in names:
            old = f"{stat}{name}"
            part = fits[fits["parameter"] == name].sort_values(["replicate", "component"])
            if old not in wide:
                if col in fits and part[col].notna().any():
                    problems.append(f"{col} of {name} only after")
                continue
            w = wide.sort_values(["replicate", "component"])[old].to_numpy(float)
            v = part[col].to_numpy(float)
            if w.shape != v.shape or not np.all((w == v) | (np.isnan(w) & np.isnan(v))):
                problems.append(f"{old} differs")
    per_rep = wide.groupby("replicate", sort=True).first().reset_index()
    for c in diag.columns:
        if c in ("method", "n", "replicate"):
            continue
        w = per_rep[c].to_numpy()
        v = diag.sort_values("replicate")[c].to_numpy()
        if w.dtype.kind == "f" or v.dtype.kind == "f":
            ok = np.all((w.astype(float) == v.astype(float)) | (np.isnan(w.astype(float))
                                                               & np.isnan(v.astype(float))))
        else:
            ok = np.array_equal(w, v)
        if not ok:
            problems.append(f"diagnostics {c} differs")
    dropped = [c for c in wide.columns if c.startswith(("bic_k", "aic_k", "icl_k"))]
    return "; ".join(problems) or None, len(fits), dropped


def main(before: Path, after: Path) -> int:
    n_files = n_bad = n_cells = 0
    for path in sorted(before.rglob("*")):
        rel = path.relative_to(before)
        if not path.is_file() or any(part in SKIP for part in rel.parts):
            continue
        other = after / rel
        if path.name.endswith(".traces.csv"):
            pass
        elif path.name.endswith(".fits.csv"):
            problem, rows, dropped = compare_fits(path, other.parent)
            n_files += 1
            n_bad += problem is not None
            print(f"{'DIFF' if problem else 'same'} {rel} (long: {rows} rows"
                  f"{'; not kept: ' + ', '.join(dropped) if dropped else ''})"
                  + (f": {problem}" if problem else ""))
            continue
        if not other.exists():
            continue
        if path.suffix in TEXT:
            ok = path.read_bytes() == other.read_bytes()
            n_files += 1
            n_bad += not ok
            print(f"{'same' if ok else 'DIFF'} {rel} (bytes)")
        elif path.suffix == ".csv":
            a, b = comparable(pd.read_csv(path), pd.read_csv(other))
            problem = same_frame(a, b)
            n_files += 1
            n_bad += problem is not None
            n_cells += a.size
            print(f"{'same' if problem is None else 'DIFF'} {rel} ({a.shape[0]}×{a.shape[1]})"
                  + (f": {problem}" if problem else ""))
    print(f"{n_files} files compared, {n_cells} table cells, {n_bad} differ")
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
