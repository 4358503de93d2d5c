"""What ``gmmem fit/select --out DIR`` saves, and ``gmmem refit`` reads back.

DIR holds estimates.csv, assignments.csv, criteria.csv, fit.png (and bic.png
for select), report.txt and record.json: the file (path, size, SHA-256), the
columns, K, seed and every setting, spelled out as the command-line arguments
that repeat the run, and the package versions. The folder is written whole in
a temporary folder beside it and renamed into place, so a failed run leaves
no half-written DIR. An I/O edge of gmmem, used by the CLI only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

RECORD = "record.json"
FORMAT = "gmmem fit record 1"
# Everything --out writes; a folder holding anything else is not replaced.
FILES = ("estimates.csv", "assignments.csv", "criteria.csv", "fit.png", "bic.png",
         "uncertainty.png", "report.txt", RECORD)


def out_folder(value):
    """--out's folder, checked before any work: not a file, its parent exists,
    and if it exists it is empty or a previous --out folder (which is replaced)."""
    if value is None:
        return None
    if not str(value).strip():
        raise ValueError(f"--out needs a folder name, got {value!r}")
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {value!r} exists and is not a folder; give a new folder name")
    if path.is_dir():
        other = sorted(p.name for p in path.iterdir() if p.name not in FILES)
        if other:
            shown = ", ".join(repr(n) for n in other[:3]) + (" …" if len(other) > 3 else "")
            raise ValueError(f"--out {value!r} is a folder that holds other files ({shown}); "
                             f"give a new folder, or one an earlier --out wrote")
    if not path.absolute().parent.is_dir():
        raise ValueError(f"--out {value!r}: the folder {str(path.parent)!r} does not exist")
    return path


def source_of(file: str, raw: bytes | None) -> dict:
    """The data's identity: the path as given and absolute, size and SHA-256
    (of ``raw`` for standard input, else of the file's bytes)."""
    if raw is None:
        with open(file, "rb") as f:
            raw = f.read()
    absolute = None if file == "-" else str(Path(file).resolve())
    return {"file": file, "absolute": absolute, "bytes": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest()}


def check_source(record: dict, source: dict) -> None:
    """ValueError if the data differ from those the record was made from."""
    want = record["data"]
    if source["sha256"] != want["sha256"]:
        raise ValueError(f"the data ({source['file']}) differ from those the record was made "
                         f"from: SHA-256 {source['sha256'][:12]}… ({source['bytes']} bytes), "
                         f"the record has {want['sha256'][:12]}… ({want['bytes']} bytes)")


def version_changes(record: dict) -> list[str]:
    """'numpy 2.4.6 (the record: 2.3.0)' for each package whose version differs."""
    from .versions import package_versions

    now = package_versions()
    return [f"{name} {now.get(name)} (the record: {v}); results may differ in the last digits"
            for name, v in record.get("versions", {}).items() if now.get(name) != v]


def _clean(v):
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, tuple):
        return list(v)
    return v


def record_of(args, result, data, source, argv, notes) -> dict:
    """record.json's content."""
    from gmmem.settings import SETTINGS
    from .versions import package_versions

    res = result.result
    return {
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": args.command,
        "argv": argv,
        "data": {**source, "columns": list(args.column), "sep": args.sep,
                 "decimal": args.decimal, "drop_missing": bool(args.drop_missing),
                 "n_used": int(res.n), "dropped_lines": [int(i) + 2 for i in data.dropped_rows]},
        "k": args.k if args.command == "fit" else list(args.k),
        "criterion": getattr(args, "criterion", None),
        "start": getattr(args, "start", None),
        "seed": args.seed,
        "level": args.level,
        "settings": {s.name: _clean(getattr(args, s.name)) for s in SETTINGS if s.flag},
        "versions": package_versions(),
        "result": {"k": int(res.mixture.n_components), "loglik": _clean(res.loglik),
                   "bic": _clean(res.bic), "aic": _clean(res.aic), "n_iter": int(res.n_iter),
                   "converged": bool(res.converged), "n_best": int(res.n_best),
                   "n_starts": len(res.restarts), "spurious": bool(res.spurious)},
        "notes": list(notes),
        "files": [f for f in FILES if (f != "bic.png" or args.command == "select")
                  and (f != "uncertainty.png" or res.mixture.dim >= 2)],
    }


def write_out(out: Path, args, result, data, source, report: str, figures: dict, argv,
              notes) -> None:
    """Every --out file into a temporary folder beside ``out``, then renamed
    into place (an earlier --out folder there is replaced only then)."""
    given, out = out, out.absolute()
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as e:
        raise ValueError(f"--out {str(given)!r}: cannot create a folder beside it: "
                         f"{e.strerror or e}") from None
    try:
        result.estimates.to_csv(tmp / "estimates.csv", index=False)
        n_rows = len(data.x) + len(data.dropped_rows)
        lines = np.delete(np.arange(n_rows), list(data.dropped_rows)) + 2
        assignments = result.assignments(data.x, lines).rename(columns={"row": "line"})
        assignments.to_csv(tmp / "assignments.csv", index=False)
        result.criteria.to_csv(tmp / "criteria.csv", index=False)
        figures["fit"].savefig(tmp / "fit.png", dpi=110)
        for name in ("bic", "uncertainty"):
            if name in figures:
                figures[name].savefig(tmp / f"{name}.png", dpi=110)
        (tmp / "report.txt").write_text(report + "\n")
        record = record_of(args, result, data, source, argv, notes)
        (tmp / RECORD).write_text(json.dumps(record, indent=2) + "\n")
        os.chmod(tmp, 0o777 & ~_umask())
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        # The temporary folder's path would mean nothing to the user: name theirs.
        raise ValueError(f"--out {str(given)!r}: writing it failed: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path) -> dict:
    """A record.json, checked to be one."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"record {str(path)!r}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"record {str(path)!r}: not a record.json written by --out ({e})") \
            from None
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(
            record.get("argv"), list) or record.get("command") not in ("fit", "select"):
        raise ValueError(f"record {str(path)!r}: not a record.json written by gmmem --out "
                         f"(format {FORMAT!r})")
    return record


def replay(args, parser):
    """The parsed fit/select arguments a refit repeats (with refit's own
    --plot, --json and --out), and the record. The data file is the record's
    path as given if it exists, else its absolute path."""
    record = load(args.record)
    argv = [str(a) for a in record["argv"]]
    data = record["data"]
    if data["file"] != "-" and not Path(data["file"]).exists() and data.get("absolute"):
        argv[1] = data["absolute"]
    import contextlib
    import io

    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            replayed = parser.parse_args(argv)
    except SystemExit:
        why = said.getvalue().strip().split(": error: ", 1)[-1]
        raise ValueError(f"record {args.record!r}: its arguments are not valid for this gmmem "
                         f"({why})") from None
    replayed.plot, replayed.json, replayed.out = args.plot, args.json, args.out
    return replayed, record
