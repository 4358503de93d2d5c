"""The design of a recovery study: scenarios, fit settings, chunks and seeds.

Turns a (schema-validated) config mapping into checked values, raising
``ValueError`` with the scenario or dataset and field named, for the checks a
JSON schema cannot express. Pure: no files are read here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from .mixture import Mixture

FIT_DEFAULTS = {
    "n_components": None,
    "n_restarts": 10,
    "init": "kmeans++",
    "covariance": "full",
    "tol": 1e-10,
    "max_iter": 10_000,
    "accel": "squarem",
    "stopping": "aitken",
    "var_floor": 1e-6,
    "estimator": "mle",
    "prefer": "loglik",
}
# Stage codes in the seed key; fixed forever so results never silently change.
STAGES = {"simulate": 1, "fit": 2, "oracle": 3, "select": 4, "dataset": 5, "example": 6}


def stable_hash(text: str) -> int:
    """A 64-bit integer from SHA-256 of the text: the same on every machine and run."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")


def seed_for(root: int, scenario: str, stage: str, n: int, replicate: int) -> np.random.SeedSequence:
    """The SeedSequence of one (scenario, stage, n, replicate) under the root seed."""
    return np.random.SeedSequence(root, spawn_key=(stable_hash(scenario), STAGES[stage],
                                                   int(n), int(replicate)))


def chunks(replicates: int, chunk_size: int) -> list[tuple[int, int]]:
    """Half-open replicate ranges [start, stop) of at most chunk_size each."""
    return [(a, min(a + chunk_size, replicates)) for a in range(0, replicates, chunk_size)]


def mixture_from_spec(spec: dict, where: str) -> Mixture:
    """A Mixture from a config entry: weights, means and either sds (1-D) or covariances."""
    try:
        if "sds" in spec and "covariances" in spec:
            raise ValueError("give either sds (1-D) or covariances (d-D), not both")
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
    """One simulated truth and how it is studied."""

    name: str
    truth: Mixture
    sample_sizes: tuple[int, ...]
    replicates: int
    fit: dict = field(hash=False)
    oracle_start: bool = False
    select_k: tuple[int, ...] = ()


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
    from ._validate import MAX_ABS, MIN_SD

    sd = np.sqrt(np.diagonal(truth.covariances, axis1=1, axis2=2))
    reach = float((np.abs(truth.means) + 10 * sd).max())
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


def simulate_mem_mb(sc: "Scenario", n: int) -> int:
    """Memory of a simulate job: every replicate's draws (and labels) at once, with headroom."""
    return 300 + 24 * sc.replicates * int(n) * sc.truth.dim // 2**20


def fit_mem_mb(sc: "Scenario", n: int) -> int:
    """Memory of a fit job: the data of every replicate, features and (K, n) work arrays."""
    n, d = int(n), sc.truth.dim
    K = max((sc.fit["n_components"],) + sc.select_k)
    work = 8 * n * (sc.replicates * d + 8 * (1 + d + d * (d + 1) // 2) + 8 * K)
    return 500 + work // 2**20


def check_names(config: dict) -> None:
    """Scenario names must not take the workflow's own folders under results/,
    nor differ from another only in case (they collide on macOS and Windows)."""
    from .config import RESERVED_NAMES

    for kind in ("scenarios", "datasets"):
        seen = {}
        for name in config.get(kind) or {}:
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
    limit = config.get("max_job_mem_mb") or memory_limit_mb
    for sc in scenarios.values():
        for n in sc.sample_sizes:
            for job, need in (("simulate", simulate_mem_mb(sc, n)), ("fit", fit_mem_mb(sc, n))):
                if need > limit:
                    raise ValueError(
                        f"scenario {sc.name!r}: sample_sizes {n} with replicates {sc.replicates} "
                        f"needs about {need:,} MB in one {job} job, more than the "
                        f"{limit:,} MB allowed (max_job_mem_mb, default this machine's memory); "
                        "use smaller n or fewer replicates, or raise max_job_mem_mb for a cluster")
    return scenarios, datasets


def parse_scenarios(config: dict) -> dict[str, Scenario]:
    """Checked scenarios from the config, with sample sizes, replicates and fit resolved."""
    out = {}
    for name, spec in (config.get("scenarios") or {}).items():
        where = f"scenario {name!r}"
        truth = mixture_from_spec(spec, where)
        check_truth_scale(truth, where)
        settings = fit_settings(config.get("fit"), spec.get("fit"))
        if settings["n_components"] is None:
            settings["n_components"] = truth.n_components
        sizes = tuple(int(n) for n in spec.get("sample_sizes", config["sample_sizes"]))
        K = settings["n_components"]
        select = tuple(int(k) for k in spec.get("select_k", ()))
        largest_k = max((K,) + select)
        small = [n for n in sizes if n < max(largest_k, 2) + 1]
        if small:
            raise ValueError(f"{where}: sample_sizes {small} are too small to fit K = {largest_k} "
                             f"components (need n > {max(largest_k, 2)})")
        if K != truth.n_components:
            raise ValueError(f"{where}: fit.n_components = {K} but the truth has K = "
                             f"{truth.n_components}; recovery compares like with like (use "
                             "select_k to study other K)")
        out[name] = Scenario(name, truth, sizes, int(spec.get("replicates", config["replicates"])),
                             settings, bool(spec.get("oracle_start", False)), select)
    return out


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
                            bool(spec.get("drop_missing", False)), settings,
                            spec.get("sep"), spec.get("decimal", "."))
    return out


def check_dataset_files(datasets: dict[str, Dataset]) -> None:
    """Read every dataset once so that a bad file stops the workflow before any job."""
    from .datasets import load_columns

    for ds in datasets.values():
        load_columns(ds.path, ds.columns, name=ds.name, drop_missing=ds.drop_missing,
                     n_components=max(ds.candidates), sep=ds.sep, decimal=ds.decimal)
