# One plot job per scenario draws all of its figures in one process: the
# comparison of its methods when it has several, the choice of K when it has
# select_k. A rule's outputs are fixed, so there is one rule per kind of
# scenario (plot, plot_with_comparison, plot_with_model_choice,
# plot_with_both), each constrained to the scenarios of its kind.


def _plot_kind(sc):
    return (len(sc.methods) > 1, bool(sc.select_k))


def traces_blocks(wildcards):
    """The traced replicates [a, b) of each table of traces_files."""
    sc = scenario_of(wildcards)
    m, n = most_restarts_method(wildcards), largest_n(wildcards)
    return [[a, min(b, 3)] for a, b in series_ranges(sc.name, m, n) if a < 3]


def traces_files(wildcards):
    """The traces tables holding replicates 0-2 (the traced ones, scripts/fit.py)
    of the method with the most restarts at the largest n: chunk 0's, and the
    next ones' where a job holds fewer than three replicates."""
    sc = scenario_of(wildcards)
    m, n = most_restarts_method(wildcards), largest_n(wildcards)
    return [paths.fit_table(RESULTS, sc.name, m, n, c, "traces")
            for c, (a, _) in enumerate(series_ranges(sc.name, m, n)) if a < 3]


for _comparison, _model_choice in [(False, False), (True, False), (False, True), (True, True)]:
    _names = [s for s, sc in SCENARIOS.items()
              if draws_figures(s) and _plot_kind(sc) == (_comparison, _model_choice)]
    if not _names:
        continue
    _extra_in = {}
    _extra_out = {}
    if _comparison:
        _extra_in["comparison"] = paths.scenario_table(RESULTS, "{scenario}", "comparison")
        _extra_out["comparison"] = figure("comparison")
    if _model_choice:
        _extra_in["model_choice"] = paths.scenario_table(RESULTS, "{scenario}", "model_choice")
        _extra_out["model_choice"] = figure("model_choice")

    rule:
        name:
            "plot" + {(False, False): "", (True, False): "_with_comparison",
                      (False, True): "_with_model_choice", (True, True): "_with_both"}[
                (_comparison, _model_choice)]
        input:
            aligned=paths.scenario_table(RESULTS, "{scenario}", "aligned"),
            recovery=paths.scenario_table(RESULTS, "{scenario}", "recovery"),
            performance=paths.scenario_table(RESULTS, "{scenario}", "performance"),
            convergence=paths.scenario_table(RESULTS, "{scenario}", "convergence"),
            example_fit=lambda w: paths.fit_table(RESULTS, w.scenario, first_method(w),
                                                   largest_n(w), 0, "fits"),
            traces=traces_files,
            pseudo_true=pseudo_true_input,
            **_extra_in,
        output:
            **{name: figure(name) for name in FIGURES},
            **_extra_out,
        log:
            paths.job_log(RESULTS, "{scenario}", "plot"),
        wildcard_constraints:
            scenario=scenario_pattern(lambda s, names=_names: s in names),
        params:
            scenario=lambda w: w.scenario,
            largest_n=largest_n,
            method=first_method,
            traces_method=most_restarts_method,
            traces_blocks=traces_blocks,
            misspecified=lambda w: scenario_of(w).misspecified,
            zip_n=lambda w: design.zip_n(scenario_of(w), config.get("zip_n")),
            level=LEVEL,
            # The example replicate is drawn here from the seeds (the fit jobs do
            # not write their data): replicate 0 of the largest n.
            truth=truth,
            seed=SEED,
            example_block=lambda w: list(series_ranges(w.scenario, first_method(w),
                                                       largest_n(w))[0]),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        localrule: True
        conda:
            "../envs/gmmem.yaml"
        script:
            "../scripts/plot.py"
