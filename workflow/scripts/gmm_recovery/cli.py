"""Command line: fit a mixture to columns of one CSV/TSV file, or choose K by BIC.

    gmmem fit FILE --column height -k 2 [--start '{weights: [0.5, 0.5], means: [170, 180], sds: [5, 5]}']
    gmmem select FILE --column height -k 1-5
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys

import numpy as np

from gmmem import CRITERIA, FitResult
from gmmem.settings import SETTINGS
from gmmem.settings import add_options as add_setting_options
from gmmem.settings import from_options as fit_settings_of
from gmmem import advice_lines

EXIT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: 'gmmem fit: error: …; see gmmem fit --help'."""

    def _print_message(self, message, file=None):
        # argparse drops write errors; let main() report them (help > /dev/full).
        if message:
            (file or sys.stderr).write(message)

    def error(self, message):
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


def _k_list(text: str) -> list[int]:
    """'3' -> [3]; '1-5' -> [1..5]; '1,2,4' -> [1, 2, 4]."""
    try:
        if "-" in text:
            a, b = (int(v) for v in text.split("-", 1))
            if a > b:
                raise argparse.ArgumentTypeError(f"the range {text!r} is reversed; did you mean "
                                                 f"{b}-{a}?")
            ks = list(range(a, b + 1))
        else:
            ks = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"-k takes an integer, a range like 1-5 or a list like "
                                         f"1,2,4; got {text!r}") from None
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"-k needs integers >= 1, got {text!r}")
    return ks


def _one_k(text: str) -> int:
    """fit's -k: one integer; a range or list is what select takes."""
    if re.fullmatch(r"\s*\d+\s*([-,]\s*\d+\s*)+", text):
        raise argparse.ArgumentTypeError(f"fit takes one K, got {text!r}; to choose K, use "
                                         f"`gmmem select -k {text.replace(' ', '')}`")
    return _int_at_least(1)(text)


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    return parse


def _number_in(low: float, high: float, *, closed_high: bool = False):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        ok = low < value and (value <= high if closed_high else value < high)
        if not ok:  # also NaN
            bracket = "]" if closed_high else ")"
            raise argparse.ArgumentTypeError(f"expected a number in ({low:g}, {high:g}{bracket}, "
                                             f"got {text!r}")
        return value

    return parse


def _separator(text: str) -> str:
    sep = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}.get(text, text)
    if sep not in (",", ";", "\t"):
        raise argparse.ArgumentTypeError(f"expected ',', ';' or 'tab', got {text!r}")
    return sep


def _version() -> str:
    from .versions import package_versions

    v = package_versions()
    return (f"gmmem {v['gmm-recovery']} (numpy {v['numpy']}, scipy {v['scipy']}, "
            f"Python {v['python']})")


def _parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="gmmem", description="Fit Gaussian mixtures by EM to columns of a CSV/TSV file.")
    top.add_argument("--version", action="version", version=_version())
    sub = top.add_subparsers(dest="command", required=True, metavar="{fit,select,refit}",
                             parser_class=_Parser)

    def common(p):
        p.add_argument("file", help="CSV, semicolon- or tab-separated file with a header row "
                                    "('-' reads standard input)")
        p.add_argument("--column", "-c", action="append", required=True, metavar="NAME",
                       help="column to fit; repeat for d-dimensional data")
        p.add_argument("--sep", type=_separator, default=None, metavar="SEP",
                       help="column separator: ',', ';' or 'tab' (default: detected)")
        p.add_argument("--decimal", choices=[".", ","], default=".",
                       help="decimal mark of the numbers (default %(default)s)")
        add_setting_options(p)
        p.add_argument("--no-accel", dest="accel", action="store_const", const=None,
                       default=argparse.SUPPRESS, help="plain EM: the same as --accel none")
        p.add_argument("--seed", type=_int_at_least(0), default=0,
                       help="root of the restarts' random streams (default %(default)s)")
        p.add_argument("--drop-missing", action="store_true",
                       help="drop rows with empty/NaN cells (reported) instead of failing")
        p.add_argument("--level", type=_number_in(0, 1), default=0.95,
                       help="confidence level of the Wald intervals (default %(default)s)")
        p.add_argument("--plot", metavar="PNG",
                       help="write the figure here (.png, .pdf or .svg): fit: the data with the "
                            "fitted mixture; select: the criteria against K beside the chosen fit")
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")
        p.add_argument("--out", metavar="DIR",
                       help="also save everything in folder DIR (replaced whole, or not at all): "
                            "estimates.csv, assignments.csv (responsibilities and MAP component "
                            "per row), criteria.csv, fit.png (and bic.png), report.txt, and "
                            "record.json, from which 'gmmem refit DIR/record.json' repeats the fit")

    f = sub.add_parser("fit", help="fit K components, print estimates with SEs and CIs",
                       description="Fit K components and print estimates, SEs, Wald CIs, "
                                   "the log-likelihood and convergence.")
    common(f)
    f.add_argument("-k", type=_one_k, required=True, help="number of components (to choose "
                                                           "K, use gmmem select -k 1-6)")
    f.add_argument("--start", metavar="YAML",
                   help="fit from this start instead of random ones, e.g. "
                        "'{weights: [0.5, 0.5], means: [170, 180], sds: [5, 5]}' "
                        "(d-D: means as lists and covariances)")
    s = sub.add_parser("select", help="fit each K and print the BIC/AIC table",
                       description="Fit every candidate K and choose one by BIC (or AIC, ICL, "
                                   "or the sequential bootstrap LRT).")
    common(s)
    s.add_argument("-k", type=_k_list, required=True, metavar="K",
                   help="candidates: a range like 1-5 or a list like 1,2,4")
    s.add_argument("--criterion", choices=list(CRITERIA), default="bic",
                   help="which criterion chooses: bic, aic, icl (smallest value) or blrt "
                        "(the sequential bootstrap likelihood-ratio test of K against the next "
                        "candidate, 99 draws per test, level 0.05) (default %(default)s)")
    r = sub.add_parser("refit", help="repeat a fit or selection from the record.json of --out",
                       description="Repeat the fit (or selection) that 'gmmem fit/select --out "
                                   "DIR' recorded in DIR/record.json: the same file (its SHA-256 "
                                   "is checked), columns, K, seed and settings.")
    r.add_argument("record", help="a record.json written by --out")
    r.add_argument("--plot", metavar="PNG", help="write the figure here")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    r.add_argument("--out", metavar="DIR", help="save the refit's outputs in DIR, as --out does")
    return top


def _fit_kwargs(args) -> dict:
    return fit_settings_of(args)


# Library argument names as the command line spells them, for messages.
_FLAGS = {s.name: s.flag for s in SETTINGS if s.flag} | {
    "n_components": "-k", "level": "--level", "seed": "--seed", "start": "--start"}


def _flag_names(message: str) -> str:
    for name, flag in _FLAGS.items():
        message = re.sub(rf"^{name}\b", flag, message)
    return message


def _long_table(estimates, level: float) -> list[tuple[str, float, float, float, float]]:
    rows = []
    params = [c for c in estimates.columns if f"se_{c}" in estimates.columns
              and not c.startswith(("se_", "lo_", "hi_"))]
    for _, r in estimates.iterrows():
        for c in params:
            rows.append((f"{c}[{int(r['component'])}]", r[c], r[f"se_{c}"], r[f"lo_{c}"],
                         r[f"hi_{c}"]))
    return rows


def _num(value) -> str:
    """A table entry with 7 significant digits (R's default), whatever the
    data's units: 163.8033, 0.0001638033, 1.638033e+08."""
    return f"{float(value):.7g}"


def _selection_frame(selection):
    """select_k's table (numpy columns) as a data frame, one row per K."""
    import pandas as pd

    return pd.DataFrame(selection.table)


def _report(args, result, data, selection=None, notes=()) -> str:
    res: FitResult = result.result
    lines = []
    cols = ", ".join(args.column)
    lines.append(f"{args.file}: column(s) {cols}, n = {res.n}, K = {res.mixture.n_components}, "
                 f"covariance {res.mixture.covariance}")
    if data.dropped_rows:
        lines.append(data.dropped_summary())
    if selection is not None:
        lines.append("")
        crit = selection.criterion
        # The BLRT has no score per K: its column is each K's p-value against the next.
        blrt = crit == "blrt"
        table = _selection_frame(selection)
        best = None if blrt else table[crit].min()
        head = "BLRT p" if blrt else "Δ" + crit.upper()
        lines.append(f"{'K':>3} {'log-likelihood':>16} {'params':>7} {'BIC':>14} {'AIC':>14} "
                     f"{head:>10} {'at best':>8}")
        for r in table.itertuples():
            mark = f"  <- chosen by {crit.upper()}" if r.chosen else ""
            fit_k = selection.fits[r.k]
            at_best = f"{fit_k.n_best}/{len(fit_k.restarts)}"
            score = (("" if np.isnan(r.blrt_p) else f"{r.blrt_p:.3g}") if blrt
                     else f"{getattr(r, crit) - best:.2f}")
            lines.append(f"{r.k:>3} {r.loglik:>16.4f} {r.n_params:>7} {r.bic:>14.4f} "
                         f"{r.aic:>14.4f} {score:>10} {at_best:>8}{mark}")
        lines.append(("(BLRT p: bootstrap LRT of K against the next K; " if blrt else
                      f"(Δ{crit.upper()}: difference from the smallest; ")
                     + "at best: starts that reached the best maximum found for that K)")
    lines.append("")
    pct = f"{100 * args.level:g}% CI"
    boot = result.boot
    est_table = result.estimates
    sandwich = "se_sw_weight" in est_table.columns
    kinds = ["Wald, from the observed information"]
    head = f"{'parameter':<12} {'estimate':>12} {'SE':>10}   " + (
        f"{'Wald ' + pct:<24}" if sandwich or boot is not None else pct)
    if sandwich:
        kinds.append("sandwich (Huber-White, White 1982) SEs and Wald intervals on them")
        head += f" {'sandwich SE':>12}   {'sandwich ' + pct:<24}"
    if boot is not None:
        kinds.append(boot.summary())
        head += f" {'boot SE':>10}   {'percentile ' + pct:<24} {'BCa ' + pct}"
    lines.append("intervals: " + "; ".join(kinds))
    lines.append(head.rstrip())
    for name, est, se, lo, hi in _long_table(est_table, args.level):
        line = f"{name:<12} {_num(est):>12} {_num(se):>10}   " + f"[{_num(lo)}, {_num(hi)}]".ljust(24)
        c, k = name.split("[")
        row = est_table[est_table["component"] == int(k.rstrip("]"))].iloc[0]
        if sandwich:
            line += (f" {_num(row[f'se_sw_{c}']):>12}   "
                     + f"[{_num(row[f'lo_sw_{c}'])}, {_num(row[f'hi_sw_{c}'])}]".ljust(24))
        if boot is not None:
            line += (f" {_num(row[f'se_boot_{c}']):>10}   "
                     + f"[{_num(row[f'lo_pct_{c}'])}, {_num(row[f'hi_pct_{c}'])}]".ljust(24)
                     + f" [{_num(row[f'lo_bca_{c}'])}, {_num(row[f'hi_bca_{c}'])}]")
        lines.append(line.rstrip())
    extra = [c for c in result.estimates.columns if c.startswith("cov_")]
    for _, r in result.estimates.iterrows():
        for c in extra:
            lines.append(f"{c}[{int(r['component'])}]".ljust(12) + f" {_num(r[c]):>12}")
    lines.append("")
    lines.append(f"log-likelihood {res.loglik:.6f}   BIC {res.bic:.4f}   AIC {res.aic:.4f}")
    status = "converged" if res.converged else "NOT converged (max-iter reached)"
    starts = len(res.restarts)
    lines.append(f"{status} after {res.n_iter} EM maps; {starts} start(s), {res.n_best} reached "
                 f"the best maximum" + ("; DEGENERATE (a component collapsed or emptied)"
                                        if res.degenerate else ""))
    lines.extend(advice_lines(res))
    if not result.estimates["se_ok"].iloc[0]:
        lines.append(f"standard errors unavailable: {result.se_reason}")
    lines.extend(f"NOTE: {note}" for note in notes)
    return "\n".join(lines)


def _more_restarts(n_best: int, starts: int) -> int:
    """Restarts at which about 5 starts would reach a maximum that n_best of
    ``starts`` reached: 5 * starts / n_best, at least twice as many, rounded up
    to a multiple of 10."""
    want = max(2 * starts, math.ceil(5 * starts / max(n_best, 1)))
    return int(math.ceil(want / 10) * 10)


def _notes(args, result) -> list[str]:
    """What a reader should know beyond the table: few starts reached the best
    maximum (so a better one may exist: more restarts, a concrete number), and
    candidate K whose criteria are too close for the data to tell apart."""
    notes = []
    sel = result.selection
    fits = sel.fits if sel is not None else {result.result.mixture.n_components: result.result}
    chosen = result.result.mixture.n_components
    few = [(k, f) for k, f in sorted(fits.items())
           if len(f.restarts) >= 2 and f.n_best <= 2 and f.n_best < len(f.restarts)]
    # The BLRT has no score per K: closeness is read on BIC then.
    score = None if sel is None else "bic" if sel.criterion == "blrt" else sel.criterion
    table = None if sel is None else _selection_frame(sel)
    for k, f in few:
        if sel is not None and k != chosen and not (
                table.loc[table["k"] == k, score].item()
                - table[score].min() < 10):
            continue  # a K far from the choice: its exact maximum does not matter here
        more = _more_restarts(f.n_best, len(f.restarts))
        if getattr(args, "init", None) == "emem" and getattr(args, "n_restarts", None):
            # emem runs two starts per restart (k-means++ and a short run).
            more = int(math.ceil(more * args.n_restarts / len(f.restarts) / 10) * 10)
        notes.append(f"{'K = ' + str(k) + ': ' if sel is not None else ''}only {f.n_best} of "
                     f"{len(f.restarts)} starts reached the best maximum found: a higher "
                     f"maximum may exist that no start reached, and another seed may report "
                     f"another one. Try --restarts {more} (about 5 starts would then reach this "
                     f"one) and compare the log-likelihood")
    if sel is not None and sel.criterion != "blrt":
        crit = sel.criterion
        table = table.sort_values(crit)
        best = table.iloc[0]
        for r in table.iloc[1:].itertuples():
            gap = getattr(r, crit) - best[crit]
            if gap < 2:
                source = {
                    "bic": "Kass & Raftery 1995: a BIC difference of 0-2, about 2 log Bayes "
                           "factor, is 'not worth more than a bare mention'",
                    "icl": "ICL is BIC plus twice the classification entropy (Biernacki, "
                           "Celeux & Govaert 2000), read on BIC's scale: a difference of 0-2 "
                           "is 'not worth more than a bare mention' (Kass & Raftery 1995)",
                    "aic": "Burnham & Anderson 2002: models within 2 AIC units both have "
                           "substantial support"}[crit]
                notes.append(f"{crit.upper()} of K = {r.k} is within 2 of K = {int(best['k'])}'s "
                             f"(difference {gap:.2f}): the data barely distinguish them "
                             f"({source})")
    return notes


def _json(result, data, selection=None, notes=()) -> str:
    from .fit_records import _clean as clean

    res = result.result
    out = {
        "n": res.n, "k": res.mixture.n_components, "covariance": res.mixture.covariance,
        "loglik": res.loglik, "bic": res.bic, "aic": res.aic, "n_iter": res.n_iter,
        "converged": res.converged, "degenerate": res.degenerate, "n_best": res.n_best,
        "estimator": res.estimator, "objective": res.objective, "spurious": res.spurious,
        "spurious_reason": res.spurious_reason,
        "dropped_rows": list(data.dropped_rows), "se_reason": result.se_reason,
        "n_starts": len(res.restarts), "notes": list(notes),
        "bootstrap": None if result.boot is None else {
            "kind": result.boot.kind, "n_boot": result.boot.n_boot, "n_ok": result.boot.n_ok,
            "n_nonconverged": result.boot.n_nonconverged,
            "n_degenerate": result.boot.n_degenerate},
        "components": [{k: clean(v) for k, v in r.items()}
                       for r in result.estimates.to_dict(orient="records")],
    }
    if selection is not None:
        out["criterion"] = selection.criterion
        out["selection"] = [{k: clean(v) for k, v in r.items()}
                            for r in _selection_frame(selection).to_dict(orient="records")]
    return json.dumps(out, indent=2)


EXIT_WRITE = 1  # the output could not be written (a full disk, a closed terminal)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not fail
    (and complain) a second time after a write error on it."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _write_failed(e: OSError) -> int:
    _silence_stdout()
    if isinstance(e, BrokenPipeError):
        # The reader (e.g. `| head`) has gone: stop quietly.
        return 0
    try:
        print(f"gmmem: cannot write the output: {e.strerror or e}", file=sys.stderr)
    except OSError:
        pass  # stderr is full or closed too: the exit status is all that is left
    return EXIT_WRITE


def _plot_path(value):
    """--plot's file, checked before any work: a name with an image extension
    matplotlib writes, in an existing directory, that is not a directory."""
    if value is None:
        return None
    from pathlib import Path

    if not value.strip():
        raise ValueError(f"--plot needs a file name such as fit.png, got {value!r}")
    path = Path(value)
    if path.is_dir():
        raise ValueError(f"--plot {value!r} is a directory; give a file name such as "
                         f"{str(path / 'fit.png')!r}")
    from matplotlib.backend_bases import FigureCanvasBase

    kinds = FigureCanvasBase.get_supported_filetypes()
    ext = path.suffix.lower().lstrip(".")
    if ext not in kinds:
        shown = ", ".join(f".{k}" for k in ("png", "pdf", "svg") if k in kinds)
        said = "has no file extension" if not ext else f"has the extension .{ext}, which " \
                                                          f"matplotlib cannot write"
        raise ValueError(f"--plot {value!r} {said}; give one of {shown} (e.g. "
                         f"{str(path.with_suffix('.png'))!r})")
    parent = path.parent
    if not parent.is_dir():
        raise ValueError(f"--plot {value!r}: the directory {str(parent)!r} does not exist")
    return path


def _save_figure(fig, path) -> None:
    """Write fig to path through a temporary file beside it, so that a failed
    write leaves no half-written figure."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, format=path.suffix.lower().lstrip("."))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit:
        try:  # --help or --version into a full disk or a closed pipe: say so, once
            sys.stdout.flush()
        except OSError as e:
            return _write_failed(e)
        raise
    except OSError as e:
        return _write_failed(e)
    expect = None
    if args.command == "refit":
        from . import fit_records as records

        try:
            args, expect = records.replay(args, _parser())
        except ValueError as e:
            print(f"gmmem: error: {e}", file=sys.stderr)
            return EXIT_ERROR
    return _run(args, expect)


def _run(args, expect=None) -> int:
    """fit or select as args say; ``expect``: the record a refit repeats (its
    file's SHA-256 is checked, its versions compared)."""
    from . import fit_records as records
    from .dataset_analysis import analyse
    from .datasets import load_columns
    from .design import mixture_from_spec

    try:
        twice = [c for i, c in enumerate(args.column) if c in args.column[:i]]
        if twice:
            raise ValueError(f"--column {twice[0]!r} is given twice; each column is fitted once")
        plot = _plot_path(args.plot)
        out = records.out_folder(args.out)
        ks = [args.k] if args.command == "fit" else args.k
        stdin = args.file == "-"
        # Standard input as bytes: its encoding is checked (and its lines
        # named) as a file's is, not decoded by the locale's codec.
        raw = sys.stdin.buffer.read() if stdin else None
        data = load_columns("<stdin>" if stdin else args.file, args.column,
                            name="<stdin>" if stdin else args.file.rsplit("/", 1)[-1],
                            drop_missing=args.drop_missing, n_components=max(ks), sep=args.sep,
                            decimal=args.decimal, streams=True, text=raw)
        source = None
        if out is not None or expect is not None:
            source = records.source_of(args.file, raw)
            if expect is not None:
                records.check_source(expect, source)
        start = None
        if args.command == "fit" and args.start:
            import yaml

            try:
                spec = yaml.safe_load(args.start)
            except yaml.YAMLError as e:
                problem = getattr(e, "problem", None) or str(e).splitlines()[0]
                raise ValueError(f"--start is not valid YAML ({problem}): {args.start!r}") from None
            if not isinstance(spec, dict):
                raise ValueError(f"--start must be a mapping with weights, means and sds, "
                                 f"got {args.start!r}")
            start = mixture_from_spec(spec, "--start")
        result = analyse(data.x, ks, start=start, seed=args.seed, level=args.level,
                         select=args.command == "select",
                         criterion=getattr(args, "criterion", "bic"), **_fit_kwargs(args))
        notes = _notes(args, result)
        text = (_json(result, data, result.selection, notes) if args.json
                else _report(args, result, data, result.selection, notes))
        figures = {}
        if plot is not None or out is not None:
            figures = _figures(args, result, data)
        if plot is not None:
            _save_figure(figures["plot"], plot)
        if out is not None:
            report = text if not args.json else _report(args, result, data, result.selection,
                                                        notes)
            records.write_out(out, args, result, data, source, report, figures,
                              _replay_args(args), notes)
    except (ValueError, OSError) as e:
        print(f"gmmem: error: {_flag_names(str(e))}", file=sys.stderr)
        return EXIT_ERROR
    if expect is not None:
        for line in records.version_changes(expect):
            print(f"gmmem refit: note: {line}", file=sys.stderr)
    try:
        print(text, flush=True)
    except OSError as e:
        return _write_failed(e)
    return 0


def _figures(args, result, data) -> dict:
    """{'fit': the fit figure, 'bic': the criteria figure (select), 'plot': what
    --plot writes}."""
    from . import dataset_figures as figs

    res = result.result
    title = (f"{args.file}: K = {res.mixture.n_components}, log-likelihood {res.loglik:.2f}"
             + ("" if res.converged else " (NOT converged)"))
    label = ", ".join(args.column)
    out = {"fit": figs.fit_figure(data.x, res.mixture, title, label)}
    if args.command == "select":
        crit = result.selection.criterion
        out["bic"] = figs.criteria_figure(result.criteria, crit, f"{args.file}: choosing K")
        out["plot"] = figs.selection_figure(data.x, res.mixture, result.criteria, crit,
                                            f"{args.file}: K = {res.mixture.n_components} chosen "
                                            f"by {crit.upper()}", label)
    else:
        out["plot"] = out["fit"]
    if res.mixture.dim >= 2:
        out["uncertainty"] = figs.uncertainty_figure(
            data.x, res.mixture, f"{args.file}: classification uncertainty, K = "
                                 f"{res.mixture.n_components}", label)
    return out


def _setting_text(setting, value) -> str:
    """A setting's value as its command-line option reads it back."""
    if value is None:
        return "none"
    if isinstance(value, (tuple, list)):
        return ",".join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _replay_args(args) -> list[str]:
    """The fit/select arguments that repeat this run: every setting spelled
    out (defaults too, so a later change of a default cannot change a refit)."""
    out = [args.command, args.file]
    for c in args.column:
        out += ["--column", c]
    if args.sep is not None:
        out += ["--sep", {"\t": "tab"}.get(args.sep, args.sep)]
    out += ["--decimal", args.decimal]
    out += ["-k", str(args.k) if args.command == "fit" else ",".join(map(str, args.k))]
    for s in SETTINGS:
        if s.flag is not None:
            out += [s.flag, _setting_text(s, getattr(args, s.name))]
    out += ["--seed", str(args.seed), "--level", repr(args.level)]
    if args.drop_missing:
        out.append("--drop-missing")
    if args.command == "fit" and args.start:
        out += ["--start", args.start]
    if args.command == "select":
        out += ["--criterion", args.criterion]
    return out


if __name__ == "__main__":
    sys.exit(main())
