rule evaluate:
    input:
        fits=fit_files("fits"),
    output:
        aligned="results/{scenario}/aligned.csv",
        recovery=report(
            "results/{scenario}/recovery.csv",
            caption="../report/recovery.rst",
            category="{scenario}",
            subcategory="Tables",
        ),
        performance=report(
            "results/{scenario}/performance.csv",
            caption="../report/performance.rst",
            category="{scenario}",
            subcategory="Tables",
        ),
        convergence=report(
            "results/{scenario}/convergence.csv",
            caption="../report/convergence.rst",
            category="{scenario}",
            subcategory="Tables",
        ),
        performance_nonspurious=report(
            "results/{scenario}/performance_nonspurious.csv",
            caption="../report/performance_nonspurious.rst",
            category="{scenario}",
            subcategory="Tables",
        ),
        model_choice="results/{scenario}/model_choice.csv",
    log:
        "results/logs/{scenario}/evaluate.log",
    params:
        scenario=lambda w: w.scenario,
        truth=truth_spec,
        select_k=lambda w: list(scenario_of(w).select_k),
        fit=lambda w: scenario_of(w).fit,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/evaluate.py"
