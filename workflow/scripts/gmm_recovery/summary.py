"""A scenario's results as a methodologist lays out Table 2 of a simulation
paper (Morris, White & Crowther 2019, Stat Med 38:2074, Section 5.2 and
Table 7): the parameters as row groups (with their true values), the sample
sizes as rows, and for each chosen measure the methods side by side: bias ±
MCSE, empirical SE, RMSE, coverage ± MCSE and the Wald interval's width (and
the sandwich and bootstrap intervals' coverage where a method has them), each rounded to
what its Monte Carlo SE supports. For K = 2 the mirrored weight[2]
(= 1 − weight[1]) is left out. Rendered as HTML, Markdown, CSV and a LaTeX
(booktabs) table.
"""

from __future__ import annotations

import html
import math

import numpy as np

# (measure, column heading, scale, shown with its MCSE)
MEASURES = {
    "bias": ("bias ± MCSE", 1.0, True),
    "empse": ("empirical SE", 1.0, False),
    "rmse": ("RMSE", 1.0, False),
    "modse": ("model SE", 1.0, False),
    "relerr_modse": ("model SE error %", 1.0, False),
    "coverage": ("coverage % ± MCSE", 100.0, True),
    "width": ("CI width", 1.0, False),
    "coverage_sw": ("sandwich cov. % ± MCSE", 100.0, True),
    "width_sw": ("sandwich width", 1.0, False),
    "coverage_pct": ("percentile cov. % ± MCSE", 100.0, True),
    "width_pct": ("percentile width", 1.0, False),
    "coverage_bca": ("BCa cov. % ± MCSE", 100.0, True),
    "width_bca": ("BCa width", 1.0, False),
}
# Table 2's measures, in its column order; the sandwich and bootstrap
# intervals' coverage only where a method computed them (intervals: sandwich,
# bootstrap).
DEFAULT_MEASURES = ("bias", "empse", "rmse", "coverage", "width", "coverage_sw",
                    "coverage_pct", "coverage_bca")
# The blocks of the table when performance.csv has a ``target`` column.
TARGETS = {"generating": "against the generating parameters",
           "pseudo_true": "against the pseudo-true parameters (the fitted model's best "
                          "approximation of the generating distribution)"}


def decimals(mcse: float, largest: int = 6) -> int:
    """Decimals that show a value to about the second significant digit of its
    Monte Carlo SE (e.g. MCSE 0.0123 -> 3 decimals), between 0 and ``largest``."""
    if not np.isfinite(mcse) or mcse <= 0:
        return 3
    return int(min(max(1 - math.floor(math.log10(mcse)), 0), largest))


def _fixed(value: float, k: int) -> str:
    """value to k decimals, without the sign of a value that rounds to zero ('-0.000')."""
    text = f"{value:.{k}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _cell(value: float, mcse: float, with_mcse: bool) -> str:
    if not np.isfinite(value):
        return "–"
    if with_mcse and mcse == 0:  # every replicate alike (e.g. all covered): no spread to round to
        return f"{value:.4g} ± 0"
    k = decimals(mcse)
    return (f"{_fixed(value, k)} ± {mcse:.{k}f}" if with_mcse and np.isfinite(mcse)
            else _fixed(value, k))


def _targets(table):
    """[(target or None, rows)]: the whole table, or one block per ``target``
    (generating first) when the table has that column."""
    if table is None or "target" not in table:
        return [(None, table)]
    order = [t for t in TARGETS if t in set(table["target"])]
    order += [t for t in dict.fromkeys(table["target"]) if t not in order]
    return [(t, table[table["target"] == t]) for t in order]


def summary_table(performance, recovery, measures=DEFAULT_MEASURES,
                  targets=("generating",)) -> "pd.DataFrame":
    """The formatted cells of Table 2: rows indexed by (parameter, truth, n)
    — plus ``target`` first when several targets are shown — in reading
    order (per component weight, mean(s), SD(s); weight[2] dropped for K = 2),
    columns a (measure heading, method) MultiIndex, methods in their order.

    performance: the tidy table (method, n, parameter, measure, estimate,
    mcse[, target]); recovery: its ``truth`` per (method, n, parameter[,
    target]). Measures no method has are left out; a method without a
    measure gets "–". targets: the ``target`` values shown when performance
    has that column, one block each in this order (default: the generating
    values only, as every figure; ("generating", "pseudo_true") adds the
    pseudo-true block); the index has a ``target`` level only with several.
    """
    import pandas as pd

    from .tables import parameter_label, reading_order

    if "target" in performance:
        # Against the generating values by default (as the figures); a block per
        # target when asked for several; with one, no target level at all.
        performance = performance[performance["target"].isin(targets)]
        if "target" in recovery:
            recovery = recovery[recovery["target"].isin(targets)]
        if len(targets) == 1:
            performance = performance.drop(columns="target")
            recovery = recovery.drop(columns="target", errors="ignore")
    perf = performance if "method" in performance else performance.assign(method="default")
    rec = recovery if "method" in recovery else recovery.assign(method="default")
    methods = list(dict.fromkeys(perf["method"]))
    present = [m for m in measures if m in set(perf["measure"])]
    # A measure's columns: the methods that have it (bootstrap coverage: only those
    # methods that computed bootstrap intervals).
    having = {ms: [m for m in methods if ((perf["method"] == m) & (perf["measure"] == ms)).any()]
              for ms in present}
    rec_blocks = dict(_targets(rec)) if "target" in rec else {}
    rows, index, parts = [], [], {}
    for target, block in _targets(perf):
        r = rec_blocks.get(target, rec if target in (None, "generating") or not rec_blocks
                           else rec.iloc[:0])
        truth = (r.groupby(["parameter", "component"])["truth"].first() if len(r)
                 else pd.Series(dtype=float))
        cells = block.set_index(["parameter", "component", "n", "method", "measure"])[
            ["estimate", "mcse"]]
        cells = cells[~cells.index.duplicated()]
        for name, k in reading_order(block):
            t = truth.get((name, k), np.nan)
            p = parameter_label(name, k)
            parts[p] = (name, k)
            here = (block["parameter"] == name) & (block["component"] == k)
            for n in sorted(block.loc[here, "n"].unique()):
                row = {}
                for measure in present:
                    heading, scale, with_mcse = MEASURES[measure]
                    for m in having[measure]:
                        key = (name, k, n, m, measure)
                        if key in cells.index:
                            est, se = cells.loc[key]
                            row[(heading, m)] = _cell(scale * est, scale * se, with_mcse)
                        else:
                            row[(heading, m)] = "–"
                rows.append(row)
                index.append(((target,) if target is not None else ())
                             + (p, f"{t:.6g}", int(n)))
    names = (["target"] if "target" in perf else []) + ["parameter", "truth", "n"]
    columns = pd.MultiIndex.from_tuples(
        [(MEASURES[ms][0], m) for ms in present for m in having[ms]], names=["measure", "method"])
    if not index:
        return pd.DataFrame(columns=columns, index=pd.MultiIndex.from_tuples([], names=names))
    table = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=names),
                         columns=columns)
    # The (parameter, component) of each row label, for its symbol (_symbol).
    table.attrs["parameters"] = parts
    return table


def _symbol(table, label: str, style: str = "text") -> str:
    """The symbol of a summary table's row label ('weight[1]' -> 'π₁'), from the
    (parameter, component) summary_table recorded for it; the label itself
    for a table built otherwise."""
    from .tables import parameter_symbol

    parts = table.attrs.get("parameters", {}).get(label)
    return label if parts is None else parameter_symbol(*parts, style=style)


def _groups(table):
    """[(target, parameter, truth, [(n, [cells])])] in the table's order."""
    out = []
    for key, row in zip(table.index, table.itertuples(index=False)):
        target, p, truth, n = key if len(key) == 4 else (None, *key)
        if not out or out[-1][:3] != (target, p, truth):
            out.append((target, p, truth, []))
        out[-1][3].append((n, list(row)))
    return out


def _measure_groups(table) -> list[tuple[str, list[str]]]:
    """[(measure heading, [its methods])] in the table's column order."""
    groups: dict = {}
    for heading, method in table.columns:
        groups.setdefault(heading, []).append(method)
    return list(groups.items())


def _group_starts(table) -> set[int]:
    """Column positions that start a measure's group of methods."""
    starts, at = set(), 0
    for _, ms in _measure_groups(table):
        starts.add(at)
        at += len(ms)
    return starts


def _single_method(table) -> bool:
    return table.columns.get_level_values("method").nunique() <= 1


def _flat_headings(table) -> list[str]:
    """'bias ± MCSE' with one method, 'bias ± MCSE: fast' with several."""
    if _single_method(table):
        return list(table.columns.get_level_values("measure"))
    return [f"{h}: {m}" for h, m in table.columns]


def to_csv(table) -> str:
    """The table as CSV, one row per (parameter, n), one column per (measure,
    method) with the cells as shown (the unrounded numbers are performance.csv's)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(table.index.names) + _flat_headings(table))
    for key, row in zip(table.index, table.itertuples(index=False)):
        w.writerow(list(key) + list(row))
    return buf.getvalue()


def _target_heading(target) -> str:
    return f"Performance {TARGETS.get(target, target)}"


def to_markdown(table, title: str, notes=()) -> str:
    """The table as GitHub-flavoured Markdown under a heading: the parameter
    (and its true value) in bold on its group's first row, notes below."""
    cols = ["parameter", "n"] + _flat_headings(table)
    head = ["| " + " | ".join(cols) + " |", "|---|---:|" + "---:|" * (len(cols) - 2)]
    lines, last = [f"## {title}", ""], object()
    for target, p, truth, rows in _groups(table):
        if target != last:
            if target is not None:
                lines += ["", f"### {_target_heading(target)}", ""]
            lines += head
            last = target
        for i, (n, cells) in enumerate(rows):
            label = f"**{p}** ({_symbol(table, p)}, true {truth})" if i == 0 else ""
            lines.append("| " + " | ".join([label, str(n)] + [str(c) for c in cells]) + " |")
    lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 9px;text-align:right;border-bottom:1px solid #ddd;white-space:nowrap}
th{background:#f2f2f2;position:sticky;top:0}
td.l,th.l{text-align:left}
tr.first td{border-top:2px solid #888}
caption{text-align:left;font-weight:600;margin-bottom:.5em}"""

# Table 2's page: the table scrolls sideways inside its box when the window is
# narrower than it, so no column is ever cut off; the row labels stay in view.
_SUMMARY_STYLE = """.scroll{overflow-x:auto;max-width:100%;margin-bottom:1em}
table.t2{font-size:12.5px}
table.t2 th{position:static}
table.t2 thead th{text-align:center;border-bottom:1px solid #bbb}
table.t2 th.m{border-left:2px solid #fff}
table.t2 td.g{text-align:left;font-weight:600;background:#fafafa;border-top:2px solid #888;
  position:sticky;left:0}
table.t2 td.n,table.t2 th.n{position:sticky;left:0;background:#fff;text-align:right}
table.t2 thead th.n{background:#f2f2f2}
table.t2 td.s{border-left:2px solid #ccc}
h3{font-size:15px;margin:1.2em 0 .4em}
ul{font-size:13px;max-width:75em}"""


def to_html(table, title: str, notes=()) -> str:
    """A standalone HTML page: a two-row header (measure over methods), one
    group of rows per parameter headed by its true value; the table scrolls
    sideways where the window is too narrow for it."""
    esc = html.escape
    groups, starts = _measure_groups(table), _group_starts(table)
    if _single_method(table):
        head = ('<tr><th class="n">n</th>' + "".join(
            f'<th class="m">{esc(h)}</th>' for h, _ in groups) + "</tr>")
    else:
        head = ('<tr><th class="n" rowspan="2">n</th>' + "".join(
            f'<th class="m" colspan="{len(ms)}">{esc(h)}</th>' for h, ms in groups)
            + "</tr>\n<tr>" + "".join(f'<th class="{"m" if j == 0 else ""}">{esc(m)}</th>'
                                      for _, ms in groups for j, m in enumerate(ms)) + "</tr>")
    width = 1 + len(table.columns)
    parts, last = [], object()

    def close():
        if parts and not parts[-1].endswith("</div>"):
            parts.append("</tbody></table></div>")

    for target, p, truth, rows in _groups(table):
        if target != last:
            close()
            if target is not None:
                parts.append(f"<h3>{esc(_target_heading(target))}</h3>")
            parts.append(f'<div class="scroll"><table class="t2"><thead>{head}</thead><tbody>')
            last = target
        parts.append(f'<tr><td class="g" colspan="{width}">{esc(p)} '
                     f"({esc(_symbol(table, p))}), true {esc(truth)}</td></tr>")
        for n, cells in rows:
            tds = "".join(f'<td class="{"s" if j in starts else ""}">{esc(str(c))}</td>'
                          for j, c in enumerate(cells))
            parts.append(f'<tr><td class="n">{n}</td>{tds}</tr>')
    close()
    note = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{esc(title)}'
            f"</title><style>{_STYLE}\n{_SUMMARY_STYLE}</style></head><body>\n"
            f'<h2 style="font-size:16px">{esc(title)}</h2>\n' + "\n".join(parts)
            + f"\n<ul>{note}</ul>\n</body></html>\n")


_TEX_ESCAPE = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
               "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
               "\\": r"\textbackslash{}"}


def _tex(text: str) -> str:
    """Plain text for LaTeX: specials escaped, the few Unicode signs the
    tables use as math."""
    out = "".join(_TEX_ESCAPE.get(ch, ch) for ch in str(text))
    for a, b in (("±", r"$\pm$"), ("−", "$-$"), ("—", "---"), ("–", "--"), ("×", r"$\times$"),
                 ("π", r"$\pi$"), ("μ", r"$\mu$"), ("σ", r"$\sigma$"), ("·", r"$\cdot$"),
                 ("Σ", r"$\Sigma$"), ("é", r"\'e"), ("’", "'")):
        out = out.replace(a, b)
    return out


def _tex_number(cell: str) -> str:
    """A cell in math mode so a minus is a minus: '-0.02 ± 0.01' -> '$-0.02 \\pm 0.01$'."""
    if cell in ("–", ""):
        return "--"
    return "$" + cell.replace("±", r"\pm") + "$"


def to_latex(table, caption: str, notes=(), label: str = "tab:summary") -> str:
    """The table as a LaTeX ``table`` float for \\input: booktabs rules, a
    two-row header (measure over methods, \\cmidrule under each measure), one
    row group per parameter (symbol and true value), n as rows; notes below
    the tabular. Needs \\usepackage{booktabs} and graphicx (it shrinks to the
    line width when wider)."""
    groups = _measure_groups(table)
    ncol = 1 + len(table.columns)
    spec = "r" + "".join("@{\\hspace{1.2em}}" + "r" * len(ms) for _, ms in groups)
    lines = ["% Table 2 of the study (gmm-recovery); needs \\usepackage{booktabs,graphicx}.",
             "\\begin{table}[htbp]", "\\centering", "\\small",
             f"\\caption{{{_tex(caption)}}}", f"\\label{{{label}}}",
             "\\sbox0{%", f"\\begin{{tabular}}{{{spec}}}", "\\toprule"]
    if _single_method(table):
        lines.append("$n$" + "".join(f" & {_tex(h)}" for h, _ in groups) + " \\\\")
    else:
        lines.append(" & " + " & ".join(f"\\multicolumn{{{len(ms)}}}{{c}}{{{_tex(h)}}}"
                                        for h, ms in groups) + " \\\\")
        rules, at = [], 2
        for _, ms in groups:
            rules.append(f"\\cmidrule(lr){{{at}-{at + len(ms) - 1}}}")
            at += len(ms)
        lines.append(" ".join(rules))
        lines.append("$n$ & " + " & ".join(_tex(m) for _, ms in groups for m in ms) + " \\\\")
    lines.append("\\midrule")
    last, first = object(), True
    for target, p, truth, rows in _groups(table):
        if target != last:
            if target is not None:
                if not first:
                    lines.append("\\midrule")
                lines.append(f"\\multicolumn{{{ncol}}}{{l}}{{\\textbf{{"
                             f"{_tex(_target_heading(target))}}}}} \\\\")
            last = target
        if not first:
            lines.append("\\addlinespace")
        first = False
        lines.append(f"\\multicolumn{{{ncol}}}{{l}}{{{_symbol(table, p, 'latex')} "
                     f"(true {_tex_number(truth)})}} \\\\")
        for n, cells in rows:
            lines.append(f"{n} & " + " & ".join(_tex_number(str(c)) for c in cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}}",
              "\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\usebox0}\\else\\usebox0\\fi"]
    if notes:
        lines += ["\\par\\smallskip", "\\begin{minipage}{\\linewidth}\\footnotesize"]
        lines += [_tex(n) + "\\par" for n in notes]
        lines.append("\\end{minipage}")
    lines.append("\\end{table}")
    return "\n".join(lines) + "\n"


def scenario_notes(convergence, misspecified: bool, level: float) -> list[str]:
    """One sentence per thing a reader must know: failures by kind (only
    those that happened), and a missing CRLB for a misspecified truth."""
    notes = [f"Intervals at the {100 * level:g} % level; Wald intervals from the observed "
             "information (logit weight, mean, log variance scales). MCSEs per Morris, White & "
             "Crowther (2019), Table 6; values are rounded to the second significant digit of "
             "their MCSE."]
    conv = convergence if "method" in convergence else convergence.assign(method="default")
    kinds = (("n_nonconverged", "did not converge"), ("n_degenerate", "were degenerate"),
             ("n_se_failed", "had no model SE"), ("n_spurious", "reached a spurious maximum"),
             ("n_missed_oracle", "missed the maximum found from the true parameters"))
    for method, c in conv.groupby("method", sort=False):
        for col, text in kinds:
            if col in c and c[col].sum() > 0:
                where = ", ".join(f"{int(v)} at n = {int(n)}" for n, v in zip(c["n"], c[col]) if v)
                notes.append(f"Method {method}: {int(c[col].sum())} of {int(c['n_fits'].sum())} "
                             f"fits {text} ({where}).")
    if misspecified:
        notes.append("The data are not drawn from the fitted Gaussian model (other component "
                     "families or contamination): no Cramér–Rao bound is given.")
    return notes


def dataset_warnings(name: str, log_text: str, fit=None, n_restarts: int = 1,
                     has_start: bool = False) -> list[str]:
    """The warnings of one own-data fit, one line each: every WARNING line its
    job logged (spurious maximum, dropped rows, ...) and, from its fit table
    (fit.csv: ``n_best``, ``loglik``), a best maximum that only one of several
    random starts reached, so that another seed may well report another."""
    warned = [line.split(" WARNING ", 1)[1].strip() for line in log_text.splitlines()
              if " WARNING " in line]
    if (fit is not None and len(fit) and "n_best" in fit and not has_start and n_restarts > 1
            and not any("best maximum" in w for w in warned)):
        n_best = int(fit["n_best"].iloc[0])
        if n_best <= 1:
            warned.append(f"dataset {name}: only {n_best} of {n_restarts} starts reached the "
                          f"best maximum (log-likelihood {float(fit['loglik'].iloc[0]):.2f}); "
                          f"another seed may find another: raise datasets.{name}.fit."
                          "n_restarts.")
    return warned


def describe_truth(truth, families=(), contamination=None) -> str:
    """'π = 0.6/0.4, μ = 0/2, σ = 1/1' (1-D) or 'K = 3, d = 2, π = …', with
    non-normal families and contamination named."""
    g = lambda v: "/".join(f"{x:.4g}" for x in v)
    text = f"π = {g(truth.weights)}"
    if truth.dim == 1:
        text += f", μ = {g(truth.means[:, 0])}, σ = {g(truth.sds)}"
    else:
        text = f"K = {truth.n_components}, d = {truth.dim}, " + text
    other = [f"component {k + 1}: {f[0]}({f[1]:g})" for k, f in enumerate(families)
             if f != "normal"]
    if other:
        text += "; " + ", ".join(other)
    if contamination and contamination.get("fraction", 0) > 0:
        text += (f"; {100 * contamination['fraction']:g} % contamination "
                 f"(SD × {contamination['sd_factor']:g})")
    return text


def run_page(config_text: str, settings, versions_text: str, timing, convergence) -> str:
    """The run itself as one HTML page: failure counts with a sentence for
    anything non-zero, fit time (wall and CPU) per scenario and method, the
    settings of every (scenario, method), the software versions and the
    config as run.

    settings: rows (scenario, method, {setting: value}); timing: the fit
    jobs' timing rows (scenario, method, seconds, cpu_seconds, ...);
    convergence: {scenario: its convergence DataFrame}.
    """
    esc = html.escape
    parts = [f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>The run</title>'
             f"<style>{_STYLE}\npre{{background:#f7f7f7;padding:.6em;font-size:12px}}"
             "</style></head><body>\n<h2>The run</h2>"]
    sentences = []
    for scenario, conv in convergence.items():
        for note in scenario_notes(conv, False, 0.95)[1:]:
            sentences.append(f"Scenario {scenario}: {note}")
    parts.append("<h3>Failures</h3><ul>" + ("".join(f"<li>{esc(s)}</li>" for s in sentences)
                 or "<li>None: every fit converged, none was degenerate, spurious or without "
                    "SEs.</li>") + "</ul>")
    rows = [("scenario", "method", "fit jobs", "wall s", "CPU s")]
    for (sc, m), t in timing.groupby(["scenario", "method"], sort=False):
        rows.append((sc, m, str(len(t)), f"{t['seconds'].sum():.1f}",
                     f"{t['cpu_seconds'].sum():.1f}"))
    rows.append(("all", "", str(len(timing)), f"{timing['seconds'].sum():.1f}",
                 f"{timing['cpu_seconds'].sum():.1f}"))
    parts.append("<h3>Time in fit jobs</h3>" + _simple_table(rows))
    shown = lambda v: ("null" if v is None else ", ".join(map(str, v))
                       if isinstance(v, (list, tuple)) else str(v))
    names = sorted({k for _, _, s in settings for k in s})
    srows = [("scenario", "method", *names)] + [
        (sc, m, *(shown(s.get(k, "")) for k in names)) for sc, m, s in settings]
    parts.append("<h3>Fit settings per scenario and method</h3>" + _simple_table(srows))
    parts.append(f"<h3>Software</h3><pre>{esc(versions_text)}</pre>")
    parts.append(f"<h3>Config as run</h3><pre>{esc(config_text)}</pre></body></html>\n")
    return "\n".join(parts)


def _simple_table(rows) -> str:
    head, *body = rows
    out = "<table><thead><tr>" + "".join(f'<th class="l">{html.escape(h)}</th>' for h in head)
    out += "</tr></thead><tbody>"
    for r in body:
        out += "<tr>" + "".join(f'<td class="l">{html.escape(v)}</td>' for v in r) + "</tr>"
    return out + "</tbody></table>"


def grid_table(performances: dict, rows) -> "pd.DataFrame":
    """Every grid point's performance table in one, with its scenario name and,
    per factor, ``level_{factor}`` (1-based) and ``value_{factor}`` (as text).

    performances: {point: its performance DataFrame}; rows: the grid's
    (grid, scenario, factor, level, value) rows from study.expand_grids.
    """
    import pandas as pd

    parts = []
    for point, perf in performances.items():
        perf = perf.copy()
        for _, scenario, factor, level, value in rows:
            if scenario == point:
                perf[f"level_{factor}"] = level
                perf[f"value_{factor}"] = value
        parts.append(perf.assign(scenario=point))
    table = pd.concat(parts, ignore_index=True)
    return table[["scenario"] + [c for c in table.columns if c != "scenario"]]
