"""A scenario's results as a methodologist reads them: one table per scenario
in the style of Morris, White & Crowther (2019, Stat Med 38:2074, Table 7):
per method, n and parameter the truth, bias ± MCSE, empirical SE, model SE,
its relative error, coverage ± MCSE and interval width (and the bootstrap
intervals' coverage and width where a method has them), each rounded to what
its Monte Carlo SE supports. Rendered as Markdown (for papers) and HTML.
"""

from __future__ import annotations

import html
import math

import numpy as np

# (measure, column heading, scale, shown with its MCSE)
COLUMNS = (
    ("bias", "bias ± MCSE", 1.0, True),
    ("empse", "empirical SE", 1.0, False),
    ("modse", "model SE", 1.0, False),
    ("relerr_modse", "model SE error %", 1.0, False),
    ("coverage", "coverage % ± MCSE", 100.0, True),
    ("width", "CI width", 1.0, False),
    ("coverage_pct", "percentile coverage %", 100.0, True),
    ("width_pct", "percentile width", 1.0, False),
    ("coverage_bca", "BCa coverage %", 100.0, True),
    ("width_bca", "BCa width", 1.0, False),
)


def decimals(mcse: float, largest: int = 6) -> int:
    """Decimals that show a value to about the second significant digit of its
    Monte Carlo SE (e.g. MCSE 0.0123 -> 3 decimals), between 0 and ``largest``."""
    if not np.isfinite(mcse) or mcse <= 0:
        return 3
    return int(min(max(1 - math.floor(math.log10(mcse)), 0), largest))


def _cell(value: float, mcse: float, with_mcse: bool) -> str:
    if not np.isfinite(value):
        return "–"
    if with_mcse and mcse == 0:  # every replicate alike (e.g. all covered): no spread to round to
        return f"{value:.4g} ± 0"
    k = decimals(mcse)
    return f"{value:.{k}f} ± {mcse:.{k}f}" if with_mcse and np.isfinite(mcse) else f"{value:.{k}f}"


def summary_table(performance, recovery) -> "pd.DataFrame":
    """Formatted cells, one row per (method, n, parameter), parameters in
    reading order (per component: weight, mean, SD).

    performance: the tidy table (method, n, parameter, measure, estimate,
    mcse); recovery: its truth column per (method, n, parameter). Columns for
    measures no method has (e.g. bootstrap ones) are left out; ``truth``
    and ``n_sim`` (replicates) are plain.
    """
    import pandas as pd

    from .tables import param_key

    if "target" in performance:  # pseudotrue: the table is against the generating values
        performance = performance[performance["target"] == "generating"]
    perf = performance if "method" in performance else performance.assign(method="default")
    rec = recovery if "method" in recovery else recovery.assign(method="default")
    truth = rec.set_index(["method", "n", "parameter"])["truth"]
    present = set(perf["measure"])
    rows = []
    for (method, n), cell in perf.groupby(["method", "n"], sort=False):
        by = cell.set_index(["parameter", "measure"])
        for p in sorted(dict.fromkeys(cell["parameter"]), key=param_key):
            row = {"method": method, "n": int(n), "parameter": p,
                   "truth": f"{truth.get((method, n, p), np.nan):.6g}"}
            row["replicates"] = int(by.loc[(p, "bias"), "n_sim"]) if (p, "bias") in by.index else 0
            for measure, heading, scale, with_mcse in COLUMNS:
                if measure not in present:
                    continue
                if (p, measure) in by.index:
                    est, se = by.loc[(p, measure), ["estimate", "mcse"]]
                    row[heading] = _cell(scale * est, scale * se, with_mcse)
                else:
                    row[heading] = "–"
            rows.append(row)
    order = {m: i for i, m in enumerate(dict.fromkeys(perf["method"]))}
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values(["method", "n"], key=lambda s: s.map(order) if s.name == "method"
                              else s, kind="stable", ignore_index=True)
    return out


def to_markdown(table, title: str, notes=()) -> str:
    """The table as GitHub-flavoured Markdown under a heading, notes below."""
    cols = list(table.columns)
    lines = [f"## {title}", "", "| " + " | ".join(cols) + " |",
             "|" + "|".join("---" if c in ("method", "parameter") else "---:" for c in cols) + "|"]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 9px;text-align:right;border-bottom:1px solid #ddd;white-space:nowrap}
th{background:#f2f2f2;position:sticky;top:0}
td.l,th.l{text-align:left}
tr.first td{border-top:2px solid #888}
caption{text-align:left;font-weight:600;margin-bottom:.5em}"""


def to_html(table, title: str, notes=()) -> str:
    """A standalone HTML page: the table, a new (method, n) block marked by a rule."""
    cols = list(table.columns)
    left = {"method", "parameter"}
    head = "".join(f'<th class="{"l" if c in left else ""}">{html.escape(c)}</th>' for c in cols)
    body, last = [], None
    for row in table.itertuples(index=False):
        key = (row[0], row[1])
        cls = ' class="first"' if key != last else ""
        last = key
        cells = "".join(f'<td class="{"l" if c in left else ""}">{html.escape(str(v))}</td>'
                        for c, v in zip(cols, row))
        body.append(f"<tr{cls}>{cells}</tr>")
    note = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title><style>{_STYLE}</style></head><body>\n<table><caption>"
            f"{html.escape(title)}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
            + "\n".join(body) + f"\n</tbody></table>\n<ul>{note}</ul>\n</body></html>\n")


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
                 f"(SD × {contamination.get('sd_factor', 10):g})")
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
