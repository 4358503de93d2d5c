"""Rule plot (and its variants plot_with_comparison, plot_with_model_choice,
plot_with_both): every figure of one scenario's recovery study, in one process."""

import pandas as pd

from _workflow import check_scenario_inputs, logged, save_figure
from gmm_recovery import figures
from gmm_recovery.replicate_data import draw_replicates
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
    # The paper's figure: the first replicate at the largest n, as the first method
    # fitted it; its data drawn here from the seeds, as the fit job drew them.
    first = read(inp.example_fit)
    rep = int(first["replicate"].min())
    x = draw_replicates(p.truth, p.scenario, p.seed, n, rep, rep + 1)[0][0]
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
    traces = [read(path) for path in inp.traces]
    save_figure(figures.traces_figure(
        pd.concat(traces, ignore_index=True) if len(traces) > 1 else traces[0],
        f"{p.scenario}: restarts at n = {n}, method {p.traces_method}"), out.traces)
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
    if "comparison" in out.keys():  # the paired comparisons of the scenario's methods
        table = pd.read_csv(inp.comparison, dtype={"method_a": str, "method_b": str})
        # Against the generating parameters where the tables also hold pseudo-true ones.
        if "target" in table:
            table = table[table["target"] == "generating"]
        save_figure(figures.comparison_figure(
            table, f"{p.scenario}: methods compared on the same data", truths), out.comparison)
    if "model_choice" in out.keys():  # how often each criterion picks the true K, against n
        table = pd.read_csv(inp.model_choice, dtype={"method": str})
        true_k = sorted(set(table.loc[table["is_true_k"], "k"]))
        title = p.scenario + (f": how often each criterion chooses the true K = {true_k[0]}"
                              if len(true_k) == 1 else "")
        save_figure(figures.model_choice_figure(table, title), out.model_choice)
    log.info("scenario %s: %d figures written", p.scenario, len(out))
