"""The design of a recovery study: scenarios, grids, methods' fit settings,
datasets and chunks of replicates (their seeds are in :mod:`gmm_recovery.seeds`).

Turns a config mapping checked by the schema (:func:`gmm_recovery.config.check_config`,
which also fills in the schema's defaults: no default is restated here) into
checked values, raising ``ValueError`` with the scenario or dataset and field
named, for the checks a JSON schema cannot express. :func:`check_all` runs
every check in order; the only files it reads are the datasets' own
(:func:`check_dataset_files`), so that a bad data file stops the workflow
before any job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gmmem import Mixture
from gmmem import settings as _settings

FIT_DEFAULTS = _settings.defaults()
# Scenario, dataset and method names (grid points included) become folder and
# file names: bounded well below the 255 bytes a file name may have.
MAX_NAME = 64
# Jobs one study may start, unless max_jobs says otherwise: Snakemake's job
# graph grows with them (a dry run of 10,000 jobs took 40 s of CPU and 320 MB).
MAX_JOBS = 10_000
# How far a truth's draws are checked to reach, in SDs from the mean: beyond
# 10 SDs a normal draw has probability 1.5e-23.
REACH_SDS = 10


def chunks(replicates: int, chunk_size: int) -> list[tuple[int, int]]:
    """Half-open replicate ranges [start, stop) of at most chunk_size each."""
    return [(a, min(a + chunk_size, replicates)) for a in range(0, replicates, chunk_size)]


def check_numbers(value, field: str) -> None:
    """Refuse anything but (nested lists of) int and float numbers in a truth's
    field, naming the field and entry: booleans are ints to Python, but
    ``means: [true, 3]`` is a mistake, not a mean of 1."""
    stack = [(field, value)]
    while stack:
        at, v = stack.pop()
        if isinstance(v, list):
            stack.extend((f"{at}[{i}]", item) for i, item in enumerate(v))
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            why = " (a boolean is not a number)" if isinstance(v, bool) else ""
            raise ValueError(f"{at}: expected a number, got {v!r}{why}")


def check_sds(sds) -> None:
    """Refuse written SDs whose variances float64 cannot hold, naming the entry
    (the Mixture sees only the squared values)."""
    from gmmem import MAX_ABS, MIN_SD

    for i, sd in enumerate(sds if isinstance(sds, list) else []):
        if isinstance(sd, (int, float)) and 0 < sd < MIN_SD:
            raise ValueError(f"sds[{i}]: {sd!r} is below {MIN_SD:g}; its variance {sd}² "
                             "underflows float64 (rescale the truth)")
        if isinstance(sd, (int, float)) and sd >= MAX_ABS / 10:
            raise ValueError(f"sds[{i}]: {sd!r} puts draws beyond {MAX_ABS:g}, where their "
                             "variances overflow float64 (rescale the truth)")


def mixture_from_spec(spec: dict, where: str) -> Mixture:
    """A Mixture from a config entry: weights, means and either sds (1-D) or covariances."""
    try:
        if "sds" in spec and "covariances" in spec:
            raise ValueError("give either sds (1-D) or covariances (d-D), not both")
        for key in ("weights", "means", "sds", "covariances"):
            if key in spec:
                check_numbers(spec[key], key)
        check_sds(spec.get("sds"))
        means = np.asarray(spec["means"], dtype=object)
        if "sds" in spec:
            if means.ndim != 1:
                raise ValueError(f"means must be a list of K numbers with sds, got {spec['means']!r}")
            return Mixture.univariate(spec["weights"], spec["means"], spec["sds"])
        if "covariances" not in spec:
            raise ValueError("sds (1-D) or covariances (d-D) is required")
        mu = spec["means"]
        if means.ndim == 1:
            mu = [[m] for m in mu]
        return Mixture(spec["weights"], mu, spec["covariances"])
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None


@dataclass(frozen=True)
class Scenario:
    """One simulated truth and how it is studied: by each of its methods (name ->
    fit settings), all on the same simulated data sets."""

    name: str
    truth: Mixture
    sample_sizes: tuple[int, ...]
    replicates: int
    methods: dict = field(hash=False)
    oracle_start: bool = False
    select_k: tuple[int, ...] = ()
    select_blrt: int = 0
    families: tuple = ()
    contamination: dict | None = field(default=None, hash=False)

    @property
    def misspecified(self) -> bool:
        """True when the data are not drawn from the fitted Gaussian model."""
        return any(f != "normal" for f in self.families) or bool(
            self.contamination and self.contamination["fraction"] > 0)

    @property
    def largest_k(self) -> int:
        return max((self.truth.n_components,) + self.select_k)


@dataclass(frozen=True)
class Dataset:
    """A user's data file and how to fit it."""

    name: str
    path: str
    columns: tuple[str, ...]
    candidates: tuple[int, ...]
    start: Mixture | None
    drop_missing: bool
    fit: dict = field(hash=False)
    sep: str | None = None
    decimal: str = "."


def fit_settings(base: dict, override: dict | None) -> dict:
    out = dict(FIT_DEFAULTS)
    out.update(base or {})
    out.update(override or {})
    return out


def check_truth_scale(truth: Mixture, where: str) -> None:
    """Refuse a truth whose draws float64 cannot fit: too large, too narrow, or
    too narrow for its location (draws constant to working precision)."""
    from gmmem import MAX_ABS, MIN_SD

    sd = np.sqrt(np.diagonal(truth.covariances, axis1=1, axis2=2))
    reach = float((np.abs(truth.means) + REACH_SDS * sd).max())
    if reach >= MAX_ABS:
        raise ValueError(f"{where}: means and sds reach {reach:.3g}; draws of magnitude >= "
                         f"{MAX_ABS:g} have variances that overflow float64 (rescale the truth)")
    if sd.min() < MIN_SD:
        raise ValueError(f"{where}: an SD of {sd.min():.3g} is below {MIN_SD:g}; its variance "
                         "underflows float64 (rescale the truth)")
    if sd.min() <= 1e-10 * float(np.abs(truth.means).max()):
        raise ValueError(f"{where}: an SD of {sd.min():.3g} is below 1e-10 of the means "
                         f"(up to {float(np.abs(truth.means).max()):.3g}): its draws would be "
                         "constant to float64 precision (centre the truth)")


def smallest_n(k: int, d: int) -> int:
    """The smallest sample size a K-component fit in d dimensions is worth
    running at: K(d + 1) + 1 (d + 1 points per component for a non-singular
    covariance, and one more)."""
    return k * (d + 1) + 1


def check_contamination_scale(truth: Mixture, sd_factor: float, where: str) -> None:
    """Refuse an sd_factor that throws outliers past what float64 data can hold:
    the outliers are normal around the mixture's mean with sd_factor times its
    SD, and, like the truth (check_truth_scale), must reach (|mean| +
    REACH_SDS SD) below MAX_ABS, the magnitude the fits accept."""
    from gmmem import MAX_ABS
    from .simulation import mixture_moments

    mean, cov = mixture_moments(truth)
    sd = float(np.sqrt(np.diagonal(cov)).max())
    centre = float(np.abs(mean).max())
    reach = centre + REACH_SDS * sd_factor * sd
    if not reach < MAX_ABS:
        largest = (MAX_ABS - centre) / (REACH_SDS * sd)
        raise ValueError(f"{where}: contamination.sd_factor = {sd_factor:g} puts outliers "
                         f"(sd_factor x the mixture's SD {sd:.3g}) as far as {reach:.3g}; data "
                         f"of magnitude >= {MAX_ABS:g} cannot be fitted (their variances "
                         f"overflow float64): use sd_factor <= {largest:.3g}")


def simulate_mem_mb(sc: "Scenario", n: int, replicates: int) -> int:
    """Memory of a simulate job: its replicates' draws (and labels) at once, with headroom."""
    return 300 + 24 * replicates * int(n) * sc.truth.dim // 2**20


def fit_mem_mb(sc: "Scenario", n: int, replicates: int) -> int:
    """Memory of a fit job: the data of its replicates, features and (K, n) work arrays."""
    n, d = int(n), sc.truth.dim
    work = 8 * n * (replicates * d + 8 * (1 + d + d * (d + 1) // 2) + 8 * sc.largest_k)
    return 500 + work // 2**20


def zip_n(sc: "Scenario", wanted: int | None) -> int:
    """The n of a scenario's zip plot: its largest sample size not above
    ``wanted``; its smallest (where intervals are least trustworthy) if None
    or if every size is above it."""
    sizes = sorted(sc.sample_sizes)
    if wanted is None:
        return sizes[0]
    return max([n for n in sizes if n <= wanted], default=sizes[0])


def check_names(config: dict) -> None:
    """Scenario names must not take the workflow's own folders under results/,
    nor differ from another only in case (they collide on macOS and Windows)."""
    from .config import RESERVED_NAMES

    for kind in ("scenarios", "datasets", "methods"):
        seen = {}
        for name in config.get(kind) or {}:
            if len(name) > MAX_NAME:
                raise ValueError(f"{kind[:-1]} {name[:20]!r}...: the name has {len(name)} "
                                 f"characters, more than {MAX_NAME}; it becomes a folder and "
                                 "file name (a grid adds -field1-... to it): use a shorter one")
            if kind == "methods":
                continue
            if kind == "scenarios" and name.lower() in RESERVED_NAMES:
                raise ValueError(f"scenario {name!r}: the name is taken by the workflow's own "
                                 f"results/{name.lower()}/ folder; reserved: "
                                 f"{', '.join(RESERVED_NAMES)}")
            if name.lower() in seen:
                raise ValueError(f"{kind[:-1]} {name!r}: differs from {seen[name.lower()]!r} only "
                                 "in case; their result folders would collide on case-insensitive "
                                 "file systems")
            seen[name.lower()] = name


def check_study(config: dict, memory_limit_mb: int) -> tuple[dict, dict]:
    """Every check a schema cannot express, for the whole config: returns the
    parsed (scenarios, datasets) or raises ValueError naming scenario/dataset and field."""
    check_names(config)
    scenarios = parse_scenarios(config)
    datasets = parse_datasets(config)
    if not scenarios and not datasets:
        raise ValueError("the config defines no scenarios and no datasets: nothing to run")
    # The jobs' memory is checked with the job plan (check_design_size).
    return scenarios, datasets


def method_settings(config: dict) -> dict[str, dict]:
    """The config's methods (name -> fit overrides); one method, ``default``, when absent."""
    return dict(config.get("methods") or {"default": {}})


def parse_scenarios(config: dict) -> dict[str, Scenario]:
    """Checked scenarios from the config, with sample sizes, replicates, methods
    and data-generating families resolved."""
    from .config import did_you_mean

    out = {}
    methods = method_settings(config)
    for name, spec in (config.get("scenarios") or {}).items():
        where = f"scenario {name!r}"
        truth = mixture_from_spec(spec, where)
        check_truth_scale(truth, where)
        for key in ("sample_sizes", "replicates"):
            if key not in spec and key not in config:
                raise ValueError(f"{where}: {key} is required, at the top level of the config "
                                 "or in the scenario")
        sizes = tuple(int(n) for n in spec.get("sample_sizes", config.get("sample_sizes")))
        select = tuple(int(k) for k in spec.get("select_k", ()))
        blrt = int(spec.get("select_blrt", 0))
        if blrt and not select:
            raise ValueError(f"{where}: select_blrt is given but the scenario has no select_k "
                             "(the candidate K it would test)")
        if blrt == 1:
            raise ValueError(f"{where}: select_blrt: 1 draw cannot calibrate a test; give 0 "
                             "(no bootstrap LRT) or at least 2 (99 is usual)")
        chosen = spec.get("methods", list(methods))
        for m in chosen:
            if m not in methods:
                raise ValueError(f"{where}: methods: {m!r} is not defined under the top-level "
                                 f"methods{did_you_mean(m, methods)} (defined: {', '.join(methods)})")
        resolved = {}
        for m in chosen:
            settings = fit_settings(config.get("fit"), spec.get("fit"))
            settings.update(methods[m])
            if settings["n_components"] is None:
                settings["n_components"] = truth.n_components
            K = settings["n_components"]
            if K != truth.n_components:
                at = f"{where}, method {m!r}" if config.get("methods") else where
                raise ValueError(f"{at}: fit.n_components = {K} but the truth "
                                 f"has K = {truth.n_components}; recovery compares like with "
                                 "like (use select_k to study other K)")
            resolved[m] = settings
        largest_k = max((truth.n_components,) + select)  # Scenario.largest_k, before it exists
        need = smallest_n(largest_k, truth.dim)
        small = [n for n in sizes if n < need]
        if small:
            raise ValueError(f"{where}: sample_sizes {small} are too small to fit K = {largest_k} "
                             f"components in d = {truth.dim}: need n >= K(d + 1) + 1 = {need} "
                             f"(each component needs d + 1 = {truth.dim + 1} points for a "
                             "non-singular covariance, and one more, or every fit is degenerate)")
        families = parse_families(spec.get("family"), truth, where)
        contamination = parse_contamination(spec.get("contamination"), where)
        if contamination is not None:
            check_contamination_scale(truth, contamination["sd_factor"], where)
        out[name] = Scenario(name, truth, sizes, int(spec.get("replicates", config.get("replicates"))),
                             resolved, bool(spec.get("oracle_start", False)), select,
                             blrt, families,
                             contamination)
    return out


def parse_contamination(spec: dict | None, where: str = "scenario") -> dict | None:
    """A scenario's contamination as the simulation and the pseudo-true values
    use it, ``{"fraction": float, "sd_factor": float}``, or None. ``spec`` is
    the config's block after the schema check, which fills in sd_factor's
    default (the schema's: it is written nowhere else)."""
    if spec is None:
        return None
    if "sd_factor" not in spec:
        raise ValueError(f"{where}: contamination {spec!r} has no sd_factor: check the config "
                         "with gmm_recovery.config.check_config first (it fills in the default)")
    return {"fraction": float(spec["fraction"]), "sd_factor": float(spec["sd_factor"])}


def parse_families(spec, truth: Mixture, where: str) -> tuple:
    """Per component 'normal', ('t', df) or ('skewnormal', alpha)."""
    if spec is None:
        return ("normal",) * truth.n_components
    if len(spec) != truth.n_components:
        raise ValueError(f"{where}: family has {len(spec)} entries but the truth has "
                         f"K = {truth.n_components} components (one entry per component)")
    out = []
    for f in spec:
        if f == "normal":
            out.append("normal")
        elif "t" in f:
            out.append(("t", float(f["t"]["df"])))
        else:
            out.append(("skewnormal", float(f["skewnormal"]["alpha"])))
    return tuple(out)


def _count(value, default: int) -> int:
    """A count from a config value not yet checked by the schema (a grid's
    alternatives are checked only once expanded): the value if it is a
    positive int, else ``default``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return value if ok else default


def design_jobs(config: dict) -> dict[str, tuple[int, int]]:
    """Scenario (as written, a grid counting all its points) -> (simulate jobs,
    fit jobs), computed from the config's numbers alone: nothing is expanded,
    so a design of 10**7 jobs costs no more to count than one of 10. With
    chunk_size the count is exact; without, the plan (job_seconds) sizes the
    jobs and this is its lower bound, one fit job per (point, method, n).
    Simulate jobs run only with write_data."""
    import itertools
    import math

    chunk = config.get("chunk_size")
    chunk = _count(chunk, 100) if chunk is not None else None
    write = config.get("write_data") is True
    n_methods = len(config.get("methods") or {"default": {}})
    out = {}
    for name, spec in (config.get("scenarios") or {}).items():
        if not isinstance(spec, dict):
            continue
        grid = spec.get("grid") if isinstance(spec.get("grid"), dict) else {}
        # Only sample_sizes, replicates and methods change a point's job count;
        # the other factors multiply it.
        counted = [f for f in ("sample_sizes", "replicates", "methods") if f in grid]
        others = math.prod(len(v) for f, v in grid.items()
                           if f not in counted and isinstance(v, list))
        sim = fit = 0
        for combo in itertools.product(*(grid[f] for f in counted)):
            point = {**spec, **dict(zip(counted, combo))}
            sizes = point.get("sample_sizes", config.get("sample_sizes"))
            n_sizes = len(sizes) if isinstance(sizes, list) else 1
            reps = _count(point.get("replicates", config.get("replicates")), 1)
            methods = point.get("methods")
            m = len(methods) if isinstance(methods, list) else n_methods
            blocks = n_sizes * (math.ceil(reps / chunk) if chunk else 1)
            sim += blocks if write else 0
            fit += blocks * m
        out[name] = (sim * others, fit * others)
    return out


def check_design_size(config: dict, scenarios: dict | None = None,
                      memory_limit_mb: int | None = None) -> None:
    """Refuse a study of more than max_jobs (default MAX_JOBS) jobs, or a grid
    of more points than that: without ``scenarios``, counted from the config
    before anything is expanded (design_jobs); with the parsed scenarios, the
    job plan's count (gmm_recovery.plan: job_seconds or chunk_size) and its
    largest job's memory against max_job_mem_mb (default memory_limit_mb),
    before the DAG is built. One line, with the estimate."""
    limit = config.get("max_jobs") or MAX_JOBS
    if scenarios is not None:
        return _check_plan_size(config, scenarios, limit, memory_limit_mb)
    for name, spec in (config.get("scenarios") or {}).items():
        grid = spec.get("grid") if isinstance(spec, dict) else None
        if isinstance(grid, dict):
            import math

            points = math.prod(len(v) for v in grid.values() if isinstance(v, list))
            if points > limit:
                raise ValueError(f"scenario {name!r}: its grid has {points:,} points (the product "
                                 f"of {', '.join(f'{len(v)} {f}' for f, v in grid.items())}), "
                                 f"more than max_jobs = {limit:,} jobs in all")
    jobs = design_jobs(config)
    sim = sum(j[0] for j in jobs.values())
    fit = sum(j[1] for j in jobs.values())
    if sim + fit > limit:
        worst = max(jobs, key=lambda k: sum(jobs[k]))
        chunk = config.get("chunk_size")
        what = f"{sim:,} simulate and {fit:,} fit" if sim else f"{fit:,} fit"
        advice = (f"raise chunk_size (replicates per job, now {chunk})" if chunk is not None
                  else "at least one fit job per scenario, method and n")
        raise ValueError(f"the study would run {'about' if chunk is not None else 'at least'} "
                         f"{sim + fit:,} jobs ({what}, {sum(jobs[worst]):,} of them for "
                         f"scenario {worst!r}), more than max_jobs = {limit:,}: {advice}, study "
                         "fewer sizes, methods or grid points, or raise max_jobs (Snakemake's "
                         "job graph of 10,000 jobs took 40 s of CPU and 320 MB to build here)")


def _check_plan_size(config: dict, scenarios: dict, limit: int,
                     memory_limit_mb: int | None) -> None:
    """check_design_size of the parsed scenarios: the plan's jobs and memory."""
    from . import plan

    chunk = config.get("chunk_size")
    how = (f"chunk_size = {chunk}" if chunk is not None
           else f"job_seconds = {config['job_seconds']:g}")
    jobs = plan.plan_study(scenarios, config["job_seconds"], chunk)
    mem_limit = config.get("max_job_mem_mb") or memory_limit_mb or 10**9
    write = config.get("write_data") is True
    n_data = 0
    if write:  # the simulate jobs of the written data blocks
        for sc in scenarios.values():
            for n in sc.sample_sizes:
                per = plan.data_block_size(sc, n, chunk)
                n_data += -(-sc.replicates // per)
                need = simulate_mem_mb(sc, n, min(per, sc.replicates))
                if need > mem_limit:
                    raise ValueError(
                        f"scenario {sc.name!r}: sample_sizes {n} with {min(per, sc.replicates):,} "
                        f"replicates per data block needs about {need:,} MB in one simulate job, "
                        f"more than the {mem_limit:,} MB allowed (max_job_mem_mb, default this "
                        "machine's memory); use smaller n or chunk_size, or raise max_job_mem_mb "
                        "for a cluster")
    if n_data and jobs.jobs + n_data > limit:
        raise ValueError(f"the study would run {jobs.jobs + n_data:,} jobs ({n_data:,} simulate "
                         f"(write_data) and {jobs.jobs:,} fit, {how}), more than max_jobs = "
                         f"{limit:,}: turn write_data off, raise chunk_size or job_seconds, or "
                         "raise max_jobs")
    plan.check_plan(jobs, limit, mem_limit, how)


def check_grid_views(name: str, spec: dict, fields: list) -> None:
    """A grid's own view settings name its factors: grid_labels one label per
    alternative of a factor, grid_order and grid_heatmap factors (or n)."""
    from .config import did_you_mean

    where = f"scenario {name!r}"
    loops = list(fields) + ["n"]
    for key in ("grid_labels", "grid_order", "grid_heatmap"):
        if spec.get(key) and not fields:
            raise ValueError(f"{where}: {key} is given but the scenario has no grid")
    for factor, labels in (spec.get("grid_labels") or {}).items():
        if factor not in fields:
            raise ValueError(f"{where}: grid_labels.{factor}: {factor!r} is not a factor of "
                             f"its grid{did_you_mean(factor, fields)} (factors: "
                             f"{', '.join(fields)})")
        if len(labels) != len(spec["grid"][factor]):
            raise ValueError(f"{where}: grid_labels.{factor} has {len(labels)} label(s) for "
                             f"{len(spec['grid'][factor])} alternatives")
        if len(set(labels)) != len(labels):
            raise ValueError(f"{where}: grid_labels.{factor} repeats a label: {labels!r}")
    for key in ("grid_order", "grid_heatmap"):
        for f in spec.get(key) or []:
            if f not in loops:
                raise ValueError(f"{where}: {key}: {f!r} is not a factor of its grid"
                                 f"{did_you_mean(f, loops)} (factors: {', '.join(loops)})")


def expand_grids(scenarios: dict) -> tuple[dict, list]:
    """Scenarios with every ``grid:`` expanded, and the grid's factor rows.

    A scenario ``name`` with ``grid: {f1: [a, b], f2: [c, d, e]}`` becomes one
    scenario per combination, named ``name-f1{i}-f2{j}`` with i, j counting the
    alternatives from 1 in the order listed (so appending alternatives keeps
    the names, and the seeds, of the existing ones). Rows: (grid, scenario,
    factor, level, value as text).
    """
    import itertools
    import json

    out, rows = {}, []
    for name, spec in scenarios.items():
        grid = spec.get("grid")
        check_grid_views(name, spec, list(grid or {}))
        if not grid:
            out[name] = spec
            continue
        fields = list(grid)
        base = {k: v for k, v in spec.items() if k != "grid"}
        for combo in itertools.product(*(range(len(grid[f])) for f in fields)):
            point = name + "".join(f"-{f}{i + 1}" for f, i in zip(fields, combo))
            variant = dict(base)
            for f, i in zip(fields, combo):
                value = grid[f][i]
                if f == "fit" and not isinstance(value, dict):
                    raise ValueError(f"scenario {name!r}: grid.fit[{i}]: expected a mapping of "
                                     f"fit settings (e.g. {{n_restarts: 1}}), got {value!r}")
                if f == "fit":
                    variant["fit"] = {**(base.get("fit") or {}), **value}
                else:
                    variant[f] = value
                rows.append((name, point, f, i + 1,
                             json.dumps(value, separators=(",", ":"))))
            if point in scenarios or point in out:
                raise ValueError(f"scenario {name!r}: grid point {point!r} has the name of "
                                 "another scenario")
            out[point] = variant
    from .config import RESERVED_NAMES

    for grid_name in {r[0] for r in rows}:
        if grid_name.lower() in RESERVED_NAMES:
            raise ValueError(f"scenario {grid_name!r}: a grid's name becomes the folder of its "
                             f"summary, and results/{grid_name.lower()}/ is the workflow's own")
        if grid_name in out:
            raise ValueError(f"scenario {grid_name!r}: the grid's own name is taken by another "
                             f"scenario; its summary goes to results/{grid_name}/grid/")
    return out, rows


def parse_datasets(config: dict) -> dict[str, Dataset]:
    """Checked dataset entries (files are checked when they are read)."""
    out = {}
    for name, spec in (config.get("datasets") or {}).items():
        where = f"dataset {name!r}"
        k = spec["n_components"]
        candidates = tuple(sorted(set(k))) if isinstance(k, list) else (int(k),)
        start = None
        if spec.get("start") is not None:
            start = mixture_from_spec(spec["start"], f"{where} start")
            if len(candidates) != 1 or start.n_components != candidates[0]:
                raise ValueError(f"{where}: start has K = {start.n_components} components but "
                                 f"n_components is {k!r}")
            if start.dim != len(spec["columns"]):
                raise ValueError(f"{where}: start has d = {start.dim} but columns lists "
                                 f"{len(spec['columns'])} column(s)")
        settings = fit_settings(config.get("fit"), spec.get("fit"))
        settings.pop("n_components")
        out[name] = Dataset(name, spec["path"], tuple(spec["columns"]), candidates, start,
                            bool(spec["drop_missing"]), settings, spec["sep"], spec["decimal"])
    return out


def check_dataset_files(datasets: dict[str, Dataset]) -> None:
    """Read every dataset once so that a bad file stops the workflow before any job."""
    from .datasets import load_columns

    for ds in datasets.values():
        load_columns(ds.path, ds.columns, name=ds.name, drop_missing=ds.drop_missing,
                     n_components=max(ds.candidates), sep=ds.sep, decimal=ds.decimal)


def check_all(config: dict, schema: dict, source: str, command_line=None,
              memory_mb: int | None = None) -> tuple[list, dict, dict]:
    """Every check of a merged config, in the order the workflow runs them: the
    schema, the design's job count (before anything is expanded), the grids
    expanded and the expanded scenarios checked again, the study's semantics
    and the datasets' files. ``config`` is completed in place (defaults,
    whole numbers, expanded grids). Returns (grid rows, scenarios, datasets);
    a ValueError is one line naming ``source``."""
    from .config import check_config, machine_memory_mb

    check_config(config, schema, source, command_line)
    check_design_size(config)
    config["scenarios"], rows = expand_grids(config.get("scenarios") or {})
    if rows:
        check_config(config, schema, source + " (grid expanded)")
    memory = machine_memory_mb() if memory_mb is None else memory_mb
    scenarios, datasets = check_study(config, memory)
    check_design_size(config, scenarios, memory)
    check_dataset_files(datasets)
    return rows, scenarios, datasets
