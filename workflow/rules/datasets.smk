rule fit_dataset:
    input:
        lambda w: DATASETS[w.dataset].path,
    output:
        fit=report(
            f"{RESULTS}/datasets/{{dataset}}/fit.csv",
            caption="../report/dataset_fit.rst",
            category="Datasets",
            subcategory="{dataset}",
        ),
        assignments=f"{RESULTS}/datasets/{{dataset}}/assignments.csv",
        figure=report(
            f"{RESULTS}/datasets/{{dataset}}/fit.png",
            caption="../report/dataset_figure.rst",
            category="Datasets",
            subcategory="{dataset}",
        ),
        bic=f"{RESULTS}/datasets/{{dataset}}/bic.csv",
        bic_png=report(
            f"{RESULTS}/datasets/{{dataset}}/bic.png",
            caption="../report/dataset_bic.rst",
            category="Datasets",
            subcategory="{dataset}",
        ),
    log:
        f"{RESULTS}/logs/datasets/{{dataset}}.log",
    params:
        name=lambda w: w.dataset,
        path=lambda w: DATASETS[w.dataset].path,
        columns=lambda w: list(DATASETS[w.dataset].columns),
        candidates=lambda w: list(DATASETS[w.dataset].candidates),
        start=lambda w: config["datasets"][w.dataset].get("start"),
        drop_missing=lambda w: DATASETS[w.dataset].drop_missing,
        sep=lambda w: DATASETS[w.dataset].sep,
        decimal=lambda w: DATASETS[w.dataset].decimal,
        fit=lambda w: DATASETS[w.dataset].fit,
        level=LEVEL,
        seed=SEED,
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/fit_dataset.py"


onsuccess:
    # Shown on the console, not only in the logs: a fit to one's own data is
    # only as good as these warnings allow.
    _warnings = dataset_warnings()
    if _warnings:
        print(f"\ndatasets: {len(_warnings)} warning(s)", file=sys.stderr)
        for _w in _warnings:
            print(f"  {_w}", file=sys.stderr)
