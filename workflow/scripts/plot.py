"""Rule plot: every figure of one scenario's recovery study."""

import numpy as np
import pandas as pd

from _workflow import check_scenario_inputs, logged, save_figure
from gmm_recovery import figures
from gmm_recovery.tables import by_label, mixture_from_long


def generating(table):
    """The rows against the generating parameters, where a table also holds
    pseudo-true ones (a ``target`` column); the table as it is otherwise."""
    return table[table["target"] == "generating"] if "target" in table else table


with logged(snakemake) as log:
    check_scenario_inputs(snakemake)
    p = snakemake.params
    inp, out = snakemake.input, snakemake.output
    read = lambda path: pd.read_csv(path, dtype={"method": str})
    aligned = generating(read(inp.aligned))
    performance = generating(read(inp.performance))
    n = p.largest_n
    # The paper's figure: the first replicate at the largest n, as the first method fitted it.
    first = read(inp.example_fit)
    rep = int(first["replicate"].min())
    x = np.load(inp.example_data)["x"][rep]
    save_figure(figures.fit_figure(
        x, mixture_from_long(first[first["replicate"] == rep]),
        f"{p.scenario}: replicate {rep} at n = {n}, method {p.method}"), out.fit_example)
    recovery = generating(read(inp.recovery))
    truths = by_label(recovery, "truth")
    # A misspecified truth: the bias a consistent fit converges to, marked.
    pseudo = None
    if inp.get("pseudo_true"):
        maxima = pd.read_csv(inp.pseudo_true[0] if isinstance(inp.pseudo_true, list)
                             else inp.pseudo_true)
        pseudo = by_label(maxima[maxima["maximum"] == 1], "value")
    save_figure(figures.bias_figure(performance, p.scenario, truths, pseudo=pseudo), out.bias)
    save_figure(figures.rmse_figure(
        performance, f"{p.scenario}: RMSE against n (log-log)", truths), out.rmse)
    save_figure(figures.spread_figure(
        aligned, f"{p.scenario}: the estimates at each n", truths), out.spread)
    save_figure(figures.traces_figure(
        read(inp.traces), f"{p.scenario}: restarts at n = {n}, method {p.traces_method}"),
        out.traces)
    crlb = (" (misspecified truth: the Gaussian model's Cramér–Rao bound does not apply)"
            if p.misspecified else " and the Cramér–Rao bound")
    save_figure(figures.rmse_crlb_figure(performance, f"{p.scenario}: RMSE·√n{crlb}", truths),
                out.rmse_crlb)
    save_figure(figures.coverage_figure(
        performance, p.level, f"{p.scenario}: coverage of the {100 * p.level:g} % intervals",
        truths), out.coverage)
    save_figure(figures.zip_figure(aligned, p.zip_n, p.level, p.scenario), out.zip)
    save_figure(figures.failures_figure(
        read(inp.convergence), f"{p.scenario}: failed and spurious fits"), out.failures)
    log.info("scenario %s: %d figures written", p.scenario, len(out))
