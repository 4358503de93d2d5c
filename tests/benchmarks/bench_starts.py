"""Which maxima each start strategy finds, against R's mclust and mixtools.

Two panels of 100 data sets each (seeds from SeedSequence keys, as a study's):
`overlap` 0.6·N(0,1) + 0.4·N(2,1) at n = 100 and `heights` 0.25·N(164,3²) +
0.75·N(176,5²) at n = 200. Every data set is fitted, K = 2, by
  - gmmem init="kmeans++" (the previous default: 10 k-means++ starts),
  - gmmem init="emem" (those 10 starts plus the best 10 of 80 short EM runs),
  - when Rscript is installed: mclust 6 ``Mclust(x, G = 2, modelNames = "V",
    control = emControl(tol = c(1e-10, ...)))`` and mixtools 2
    ``normalmixEM(x, k = 2, epsilon = 1e-12)`` from 5 random starts (R's
    seed from the data set's SeedSequence), on the same data (a temp CSV).
R's end points are polished by gmmem's EM from them (tol 1e-10), so every
log-likelihood is computed the same way and a difference is a different
maximum, not a looser stopping rule. Per panel it prints, per method:
  - on how many data sets its highest maximum is below the best any method
    found by more than 1e-6, split by whether that best maximum is regular
    or spurious (gmmem.estimators.spurious_reason): only regular ones count
    as failures;
  - on how many its best *regular* maximum is below the best regular one any
    method found (and the largest such gap);
and the CPU cost of "emem" over "kmeans++" (process time, best of 3
alternating runs, all 100 data sets in one fit_many call each).

    python tests/benchmarks/bench_starts.py [--replicates 100]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "workflow" / "scripts"))
from gmmem import Mixture  # noqa: E402
from gmmem.fit import fit_many  # noqa: E402
from gmm_recovery.seeds import seed_for, stable_hash  # noqa: E402

ROOT = 20261201
PANELS = {
    "overlap": (Mixture.univariate([0.6, 0.4], [0.0, 2.0], [1.0, 1.0]), 100),
    "heights": (Mixture.univariate([0.25, 0.75], [164.0, 176.0], [3.0, 5.0]), 200),
}
SAME = 1e-6
R_STAGE = 99  # the SeedSequence key of R's seeds (not a study stage)

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
suppressPackageStartupMessages({library(mclust); library(mixtools)})
rows <- list()
cpu <- c(mclust = 0, mixtools = 0)
add <- function(s, method, run, w, mu, sd, ll) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = s, method = method, run = run,
    w1 = w[1], w2 = w[2], mu1 = mu[1], mu2 = mu[2], sd1 = sd[1], sd2 = sd[2], loglik = ll)
}
for (s in sort(unique(d$dataset))) {
  x <- d$x[d$dataset == s]
  t0 <- proc.time()[["user.self"]]
  m <- Mclust(x, G = 2, modelNames = "V", verbose = FALSE,
              control = emControl(tol = c(1e-10, sqrt(.Machine$double.eps))))
  cpu["mclust"] <- cpu["mclust"] + proc.time()[["user.self"]] - t0
  if (!is.null(m)) {
    p <- m$parameters
    add(s, "mclust", 1, p$pro, p$mean, sqrt(p$variance$sigmasq), m$loglik)
  }
  set.seed(d$seed[d$dataset == s][1])
  t0 <- proc.time()[["user.self"]]
  for (r in 1:5) {
    f <- tryCatch({
      invisible(capture.output(f <- normalmixEM(x, k = 2, epsilon = 1e-12, maxit = 100000)))
      f
    }, error = function(e) NULL)
    if (!is.null(f)) add(s, "mixtools", r, f$lambda, f$mu, f$sigma, f$loglik)
  }
  cpu["mixtools"] <- cpu["mixtools"] + proc.time()[["user.self"]] - t0
}
write.csv(do.call(rbind, rows), args[2], row.names = FALSE)
writeLines(sprintf("%s,%.3f", names(cpu), cpu), args[3])
"""


def panel_data(name: str, replicates: int):
    truth, n = PANELS[name]
    xs = [truth.sample(n, np.random.default_rng(seed_for(ROOT, name, "simulate", n, r)))[0]
          for r in range(replicates)]
    seeds = [seed_for(ROOT, name, "fit", n, r) for r in range(replicates)]
    r_seeds = [int(np.random.SeedSequence(ROOT, spawn_key=(stable_hash(name), R_STAGE, n, r))
                   .generate_state(1)[0] % 2**31) for r in range(replicates)]
    return xs, seeds, r_seeds


def gmmem_runs(xs, seeds):
    """Per init: (fits, best CPU seconds of 3 alternating runs)."""
    cpu = {"kmeans++": [], "emem": []}
    fits = {}
    for _ in range(3):
        for init in cpu:
            t0 = time.process_time()
            fits[init] = fit_many(xs, 2, seeds=seeds, init=init)
            cpu[init].append(time.process_time() - t0)
    return {init: (fits[init], min(c)) for init, c in cpu.items()}


def run_r(xs, r_seeds):
    """R's runs {method: {dataset: [(w, mu, sd)]}} and CPU seconds, or None without R."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, out, cpu = Path(tmp, "data.csv"), Path(tmp, "out.csv"), Path(tmp, "cpu.csv")
        script = Path(tmp, "peers.R")
        script.write_text(R_SCRIPT)
        with data.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["dataset", "seed", "x"])
            for s, (x, seed) in enumerate(zip(xs, r_seeds)):
                w.writerows((s, seed, repr(float(v))) for v in x)
        subprocess.run(["Rscript", str(script), str(data), str(out), str(cpu)], check=True)
        runs: dict = {"mclust": {}, "mixtools": {}}
        with out.open() as fh:
            for row in csv.DictReader(fh):
                vals = [float(row[k]) for k in ("w1", "w2", "mu1", "mu2", "sd1", "sd2")]
                runs[row["method"]].setdefault(int(row["dataset"]), []).append(vals)
        seconds = {k: float(v) for k, v in (line.split(",") for line in cpu.read_text().split())}
    return runs, seconds


def polished(x, vals):
    """(objective, spurious, degenerate) of gmmem's EM from R's end point, or None
    when that point is not a valid mixture."""
    w1, w2, mu1, mu2, sd1, sd2 = vals
    try:
        start = Mixture.univariate([w1, w2], [mu1, mu2], [sd1, sd2])
    except ValueError:
        return None
    res = fit_many([x], 2, start=start)[0]
    return res.objective, res.spurious, res.degenerate


def summaries(fits_by_method, xs, r_runs):
    """Per method and data set: (best objective, its maximum is spurious, best
    regular objective or NaN), choosing as gmmem does (non-degenerate first)."""
    out = {}
    for method, (fits, _) in fits_by_method.items():
        out[method] = [(f.objective, f.spurious, f.regular_objective) for f in fits]
    if r_runs is not None:
        for method, by_set in r_runs.items():
            rows = []
            for s, x in enumerate(xs):
                got = [p for p in (polished(x, v) for v in by_set.get(s, [])) if p is not None]
                usable = [p for p in got if not p[2]] or got
                if not usable:
                    rows.append((-np.inf, False, np.nan))
                    continue
                best = max(usable, key=lambda p: p[0])
                regular = [p[0] for p in usable if not p[1] and not p[2]]
                rows.append((best[0], best[1], max(regular) if regular else np.nan))
            out[method] = rows
    return out


def report(name, table, seconds):
    methods = list(table)
    S = len(table[methods[0]])
    best = np.array([[table[m][s][0] for m in methods] for s in range(S)])
    top = best.max(axis=1)
    top_spurious = np.array([table[methods[int(np.argmax(best[s]))]][s][1] for s in range(S)])
    reg = np.array([[table[m][s][2] for m in methods] for s in range(S)])
    with np.errstate(invalid="ignore"):
        reg_top = np.nanmax(np.where(np.isnan(reg), -np.inf, reg), axis=1)
    truth, n = PANELS[name]
    print(f"\n{name}: {truth.weights.tolist()} / {truth.means[:, 0].tolist()} / "
          f"{truth.sds.tolist()}, n = {n}, {S} data sets")
    print(f"  {'method':<26}{'below best: regular':>20}{'spurious':>10}"
          f"{'best regular missed':>21}{'largest gap':>13}{'CPU s':>8}")
    for j, m in enumerate(methods):
        below = best[:, j] < top - SAME
        own_reg = np.where(np.isnan(reg[:, j]), -np.inf, reg[:, j])
        reg_miss = np.isfinite(reg_top) & (own_reg < reg_top - SAME)
        gap = reg_top[reg_miss] - own_reg[reg_miss]
        label = {"kmeans++": 'gmmem init="kmeans++"', "emem": 'gmmem init="emem"',
                 "mclust": "mclust V (tol 1e-10)", "mixtools": "mixtools (5 random starts)"}[m]
        largest = "-" if gap.size == 0 else ("none found" if np.isinf(gap.max()) else
                                             f"{gap.max():.3f}")
        print(f"  {label:<26}{int((below & ~top_spurious).sum()):>20}"
              f"{int((below & top_spurious).sum()):>10}{int(reg_miss.sum()):>21}{largest:>13}"
              f"{seconds.get(m, float('nan')):>8.2f}")
    print(f"  CPU cost emem / kmeans++: {seconds['emem'] / seconds['kmeans++']:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=100)
    args = ap.parse_args()
    if shutil.which("Rscript") is None:
        print("Rscript not found: mclust and mixtools are left out (Debian: apt-get install "
              "r-base-core r-cran-mclust r-cran-mixtools); gmmem's strategies only.")
    for name in PANELS:
        xs, seeds, r_seeds = panel_data(name, args.replicates)
        fits = gmmem_runs(xs, seeds)
        peers = run_r(xs, r_seeds)
        seconds = {m: c for m, (_, c) in fits.items()}
        if peers is not None:
            seconds |= peers[1]
        report(name, summaries(fits, xs, None if peers is None else peers[0]), seconds)


if __name__ == "__main__":
    main()
