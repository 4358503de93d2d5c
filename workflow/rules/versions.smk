rule versions:
    output:
        report(
            paths.run_file(RESULTS, "versions.txt"),
            caption="../report/versions.rst",
            category="Run",
            labels={"item": "software versions"},
        ),
    log:
        paths.run_log(RESULTS, "versions"),
    params:
        # A new package version re-runs this rule (and only this rule).
        packages=package_versions(),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    localrule: True
    conda:
        "../envs/gmmem.yaml"
    script:
        "../scripts/versions.py"
