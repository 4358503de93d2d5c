"""Rule evaluate: align labels and compute every performance measure of one
scenario, per method, and the paired comparisons of its methods."""

from pathlib import Path

import pandas as pd

from _workflow import logged, read_table, save_csv
from gmm_recovery import summary
from gmm_recovery.checks import check_diagnostics_table, check_fit_table, fit_table_columns
from gmm_recovery.tables import parameter_columns
from gmm_recovery.evaluation import evaluate_study
from gmm_recovery.design import mixture_from_spec, parse_families

with logged(snakemake) as log:
    p = snakemake.params
    truth = mixture_from_spec(p.truth, f"scenario {p.scenario!r}")
    # Every fits and diagnostics table is checked against the design before any
    # is used: the columns the fit code writes for its method, its method and n,
    # its parameters, and one row per (replicate of its block, component,
    # parameter), or per replicate, so a table that lost rows, was cut or
    # belongs elsewhere stops the job, named.
    columns = {m: fit_table_columns(settings, truth, oracle=p.oracle_start,
                                    select_k=tuple(p.select_k), level=p.level,
                                    select_blrt=p.select_blrt)
               for m, settings in p.methods.items()}
    fit_tables, diagnostics_tables = [], []
    # fit_files lists a block's fits and diagnostics files in the same order.
    if len(snakemake.input.fits) != len(snakemake.input.diagnostics):
        raise ValueError(f"{len(snakemake.input.fits)} fits tables but "
                         f"{len(snakemake.input.diagnostics)} diagnostics tables: one each per "
                         "block")
    for path, diag_path in zip(snakemake.input.fits, snakemake.input.diagnostics):
        method, n, start, stop = p.blocks[path]
        table = read_table(path, dtype={"method": str, "parameter": str})
        check_fit_table(table, path, method=method, n=n, replicates=(start, stop),
                        n_components=truth.n_components, columns=columns[method]["fits"],
                        parameters=parameter_columns(truth.dim, p.methods[method]["covariance"]))
        fit_tables.append(table)
        diag = read_table(diag_path, dtype={"method": str})
        check_diagnostics_table(diag, diag_path, method=method, n=n, replicates=(start, stop),
                                columns=columns[method]["diagnostics"])
        diagnostics_tables.append(diag)
    fits = pd.concat(fit_tables, ignore_index=True)
    diagnostics = pd.concat(diagnostics_tables, ignore_index=True)
    log.info("scenario %s: %d fits and diagnostics tables checked (%d and %d rows)",
             p.scenario, len(fit_tables), len(fits), len(diagnostics))
    # A misspecified truth is also scored against its pseudo-true value
    # (maximum 1 of the rule pseudo_true's table).
    pseudo = None
    given = snakemake.input.get("pseudo_true") or []
    if given:
        from gmm_recovery.checks import check_maxima_table
        from gmm_recovery.pseudo_true import mixtures_from_rows

        path = given if isinstance(given, str) else given[0]
        maxima = read_table(path)
        check_maxima_table(maxima, path, n_components=truth.n_components, d=truth.dim)
        pseudo = mixtures_from_rows(maxima)[0]
        log.info("scenario %s: pseudo-true value %r", p.scenario, pseudo)
    tables = evaluate_study(fits, diagnostics, truth, dict(p.methods), tuple(p.select_k),
                            p.misspecified, pseudo_true=pseudo)
    for name, table in tables.items():
        save_csv(table, snakemake.output[name])
    conv = tables["convergence"]
    for method, c in conv.groupby("method", sort=False):
        log.info("scenario %s, method %s: %d fits, %d not converged, %d degenerate, "
                 "%d spurious, %d label disagreements", p.scenario, method, c["n_fits"].sum(),
                 c["n_nonconverged"].sum(), c["n_degenerate"].sum(), c["n_spurious"].sum(),
                 c["n_label_disagreements"].clip(lower=0).sum())
    where = f"scenario {p.scenario!r}"
    title = f"{p.scenario}: " + summary.describe_truth(
        truth, parse_families(p.truth.get("family"), truth, where), p.truth.get("contamination"))
    table = summary.summary_table(tables["performance"], tables["recovery"])
    notes = summary.scenario_notes(conv, p.misspecified, p.level)
    if pseudo is not None:
        notes.append("Bias, RMSE and coverage here are against the generating values; the "
                     "Gaussian MLE converges to the pseudo-true value (the maximiser of E log f), "
                     f"{summary.describe_truth(pseudo)}: every measure against it is in "
                     "performance.csv (target = pseudo_true), the population objective's local "
                     "maxima in pseudo_true.csv and how fits split among them in "
                     "maxima_split.csv.")
    Path(snakemake.output.summary_md).write_text(summary.to_markdown(table, title, notes))
    Path(snakemake.output.summary_html).write_text(summary.to_html(table, title, notes))
    Path(snakemake.output.summary_csv).write_text(summary.to_csv(table))
    Path(snakemake.output.summary_tex).write_text(
        summary.to_latex(table, title, notes, label=f"tab:{p.scenario}"))
    if p.misspecified:
        log.info("scenario %s: misspecified truth, so no CRLB rows", p.scenario)
