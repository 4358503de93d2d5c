"""Command line: fit a mixture to columns of one CSV/TSV file, or choose K by BIC.

    gmmem fit FILE --column height -k 2 [--start '{weights: [0.5, 0.5], means: [170, 180], sds: [5, 5]}']
    gmmem select FILE --column height -k 1-5
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

import numpy as np

from .fit import FitResult
from .settings import SETTINGS
from .settings import add_options as add_setting_options
from .settings import from_options as fit_settings_of

EXIT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: 'gmmem fit: error: …; see gmmem fit --help'."""

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
    sub = top.add_subparsers(dest="command", required=True, metavar="{fit,select}",
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
        p.add_argument("--plot", metavar="PNG", help="write the fitted-density figure here")
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    f = sub.add_parser("fit", help="fit K components, print estimates with SEs and CIs",
                       description="Fit K components and print estimates, SEs, Wald CIs, "
                                   "the log-likelihood and convergence.")
    common(f)
    f.add_argument("-k", type=_int_at_least(1), required=True, help="number of components")
    f.add_argument("--start", metavar="YAML",
                   help="fit from this start instead of random ones, e.g. "
                        "'{weights: [0.5, 0.5], means: [170, 180], sds: [5, 5]}' "
                        "(d-D: means as lists and covariances)")
    s = sub.add_parser("select", help="fit each K and print the BIC/AIC table",
                       description="Fit every candidate K and choose one by BIC (or AIC).")
    common(s)
    s.add_argument("-k", type=_k_list, required=True, metavar="K",
                   help="candidates: a range like 1-5 or a list like 1,2,4")
    s.add_argument("--criterion", choices=["bic", "aic"], default="bic",
                   help="which criterion chooses (default %(default)s)")
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


def _report(args, result, data, selection=None) -> str:
    res: FitResult = result.result
    lines = []
    cols = ", ".join(args.column)
    lines.append(f"{args.file}: column(s) {cols}, n = {res.n}, K = {res.mixture.n_components}, "
                 f"covariance {res.mixture.covariance}")
    if data.dropped_rows:
        lines.append(data.dropped_summary())
    if selection is not None:
        lines.append("")
        lines.append(f"{'K':>3} {'log-likelihood':>16} {'params':>7} {'BIC':>14} {'AIC':>14}")
        for r in selection.table.itertuples():
            mark = f"  <- chosen by {selection.criterion.upper()}" if r.chosen else ""
            lines.append(f"{r.k:>3} {r.loglik:>16.4f} {r.n_params:>7} {r.bic:>14.4f} "
                         f"{r.aic:>14.4f}{mark}")
    lines.append("")
    pct = f"{100 * args.level:g}% CI"
    boot = result.boot
    if boot is None:
        lines.append("intervals: Wald, from the observed information")
        lines.append(f"{'parameter':<12} {'estimate':>12} {'SE':>10}   {pct}")
    else:
        lines.append(f"intervals: Wald, from the observed information; {boot.summary()}")
        lines.append(f"{'parameter':<12} {'estimate':>12} {'SE':>10}   {'Wald ' + pct:<24} "
                     f"{'boot SE':>10}   {'percentile ' + pct:<24} {'BCa ' + pct}")
    est_table = result.estimates
    for name, est, se, lo, hi in _long_table(est_table, args.level):
        line = f"{name:<12} {est:>12.5f} {se:>10.5f}   " + f"[{lo:.5f}, {hi:.5f}]".ljust(24)
        if boot is not None:
            c, k = name.split("[")
            row = est_table[est_table["component"] == int(k.rstrip("]"))].iloc[0]
            line += (f" {row[f'se_boot_{c}']:>10.5f}   "
                     + f"[{row[f'lo_pct_{c}']:.5f}, {row[f'hi_pct_{c}']:.5f}]".ljust(24)
                     + f" [{row[f'lo_bca_{c}']:.5f}, {row[f'hi_bca_{c}']:.5f}]")
        lines.append(line.rstrip())
    extra = [c for c in result.estimates.columns if c.startswith("cov_")]
    for _, r in result.estimates.iterrows():
        for c in extra:
            lines.append(f"{c}[{int(r['component'])}]".ljust(12) + f" {r[c]:>12.5f}")
    lines.append("")
    lines.append(f"log-likelihood {res.loglik:.6f}   BIC {res.bic:.4f}   AIC {res.aic:.4f}")
    status = "converged" if res.converged else "NOT converged (max-iter reached)"
    starts = len(res.restarts)
    lines.append(f"{status} after {res.n_iter} EM maps; {starts} start(s), {res.n_best} reached "
                 f"the best maximum" + ("; DEGENERATE (a component collapsed or emptied)"
                                        if res.degenerate else ""))
    if res.spurious:
        lines.append(f"WARNING: spurious maximum: {res.spurious_reason}. Try --estimator pmle "
                     "(or map), more --restarts, or --prefer regular.")
    if not result.estimates["se_ok"].iloc[0]:
        lines.append(f"standard errors unavailable: {result.se_reason}")
    return "\n".join(lines)


def _json(result, data, selection=None) -> str:
    res = result.result

    def clean(v):
        if isinstance(v, (np.floating, float)):
            return None if not np.isfinite(v) else float(v)
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.bool_):
            return bool(v)
        return v

    out = {
        "n": res.n, "k": res.mixture.n_components, "covariance": res.mixture.covariance,
        "loglik": res.loglik, "bic": res.bic, "aic": res.aic, "n_iter": res.n_iter,
        "converged": res.converged, "degenerate": res.degenerate, "n_best": res.n_best,
        "estimator": res.estimator, "objective": res.objective, "spurious": res.spurious,
        "spurious_reason": res.spurious_reason,
        "dropped_rows": list(data.dropped_rows), "se_reason": result.se_reason,
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
                            for r in selection.table.to_dict(orient="records")]
    return json.dumps(out, indent=2)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from .analysis import analyse
    from .datasets import load_columns
    from .study import mixture_from_spec

    try:
        ks = [args.k] if args.command == "fit" else args.k
        stdin = args.file == "-"
        data = load_columns("<stdin>" if stdin else args.file, args.column,
                            name="<stdin>" if stdin else args.file.rsplit("/", 1)[-1],
                            drop_missing=args.drop_missing, n_components=max(ks), sep=args.sep,
                            decimal=args.decimal, text=sys.stdin.read() if stdin else None)
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
        if args.plot:
            from . import plotting

            fig = plotting.fit_figure(data.x, result.result.mixture,
                                      f"{args.file}: K = {result.result.mixture.n_components}",
                                      ", ".join(args.column))
            fig.savefig(args.plot, dpi=110)
    except (ValueError, OSError) as e:
        print(f"gmmem: error: {_flag_names(str(e))}", file=sys.stderr)
        return EXIT_ERROR
    text = _json(result, data, result.selection) if args.json else _report(args, result, data,
                                                                           result.selection)
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone: stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
