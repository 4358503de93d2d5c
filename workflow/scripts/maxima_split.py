"""Rule maxima_split: per method and n, the share of fits nearest to each local
maximum of the population objective of a misspecified scenario."""

from _workflow import logged, read_table, save_csv, scenario_from_config
from gmm_recovery.checks import check_maxima_table, check_summary_table
from gmm_recovery.pseudo_true import mixtures_from_rows
from gmm_recovery.evaluation import maxima_split
from gmm_recovery.tables import parameter_pairs

with logged(snakemake) as log:
    # Both inputs checked against the scenario before use (one line naming the file).
    sc = scenario_from_config(snakemake)
    K, d = sc.truth.n_components, sc.truth.dim
    path = snakemake.input.pseudo_true
    rows = read_table(path)
    check_maxima_table(rows, path, n_components=K, d=d)
    maxima = mixtures_from_rows(rows)
    aligned = read_table(snakemake.input.aligned, dtype={"method": str})
    check_summary_table(aligned, snakemake.input.aligned, methods=list(sc.methods),
                        sample_sizes=list(sc.sample_sizes),
                        parameters=[(c, k) for c, k in parameter_pairs(d, K) if c == "weight"])
    table = maxima_split(aligned, maxima)
    save_csv(table, snakemake.output[0])
    for (method, n), cell in table.groupby(["method", "n"], sort=False):
        log.info("scenario %s, method %s, n = %d: shares %s", snakemake.wildcards.scenario,
                 method, n, " / ".join(f"{s:.3f}" for s in cell["share"]))
