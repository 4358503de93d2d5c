rule plot:
    input:
        aligned=f"{RESULTS}/{{scenario}}/aligned.csv",
        recovery=f"{RESULTS}/{{scenario}}/recovery.csv",
        performance=f"{RESULTS}/{{scenario}}/performance.csv",
        convergence=f"{RESULTS}/{{scenario}}/convergence.csv",
        example_data=lambda w: f"{RESULTS}/{w.scenario}/data/n{largest_n(w)}/chunk0.npz",
        example_fit=lambda w: (f"{RESULTS}/{w.scenario}/fits/{first_method(w)}/"
                               f"n{largest_n(w)}/chunk0.fits.csv"),
        traces=lambda w: (f"{RESULTS}/{w.scenario}/fits/{most_restarts_method(w)}/"
                          f"n{largest_n(w)}/chunk0.traces.csv"),
        pseudo_true=pseudo_true_input,
    output:
        **{name: figure(name) for name in FIGURES},
    log:
        f"{RESULTS}/logs/{{scenario}}/plot.log",
    params:
        scenario=lambda w: w.scenario,
        largest_n=largest_n,
        method=first_method,
        traces_method=most_restarts_method,
        misspecified=lambda w: scenario_of(w).misspecified,
        zip_n=lambda w: design.zip_n(scenario_of(w), config.get("zip_n")),
        level=LEVEL,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/plot.py"


rule plot_model_choice:
    input:
        f"{RESULTS}/{{scenario}}/model_choice.csv",
    output:
        figure("model_choice"),
    log:
        f"{RESULTS}/logs/{{scenario}}/plot_model_choice.log",
    params:
        scenario=lambda w: w.scenario,
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/plot_model_choice.py"


rule plot_comparison:
    input:
        comparison=f"{RESULTS}/{{scenario}}/comparison.csv",
        recovery=f"{RESULTS}/{{scenario}}/recovery.csv",
    output:
        figure("comparison"),
    log:
        f"{RESULTS}/logs/{{scenario}}/plot_comparison.log",
    params:
        scenario=lambda w: w.scenario,
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/plot_comparison.py"
