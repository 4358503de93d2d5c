rule plot:
    input:
        aligned="results/{scenario}/aligned.csv",
        recovery="results/{scenario}/recovery.csv",
        performance="results/{scenario}/performance.csv",
        convergence="results/{scenario}/convergence.csv",
        example_data=lambda w: f"results/{w.scenario}/data/n{largest_n(w)}.npz",
        example_fit=lambda w: f"results/{w.scenario}/fits/n{largest_n(w)}/chunk0.fits.csv",
        traces=lambda w: f"results/{w.scenario}/fits/n{largest_n(w)}/chunk0.traces.csv",
    output:
        **{name: figure(name) for name in FIGURES},
    log:
        "results/logs/{scenario}/plot.log",
    params:
        scenario=lambda w: w.scenario,
        largest_n=largest_n,
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
        "results/{scenario}/model_choice.csv",
    output:
        figure("model_choice"),
    log:
        "results/logs/{scenario}/plot_model_choice.log",
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
