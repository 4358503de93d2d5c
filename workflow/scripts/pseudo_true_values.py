"""Rule pseudo_true: the local maxima of E_g log f over K-component Gaussian
mixtures for a misspecified scenario's truth; maximum 1 is the pseudo-true value."""

import time

from _workflow import logged, save_columns
from gmm_recovery import pseudo_true

with logged(snakemake) as log:
    p = snakemake.params
    start = time.process_time()
    method, maxima = pseudo_true.scenario_maxima(
        p.truth.mixture(), p.truth.families, p.truth.contamination,
        seed=pseudo_true.pseudo_true_seed(p.seed, p.scenario),
        covariance=p.covariance)
    # Written without pandas (as save_csv writes the same table): its import
    # would be a third of this job's CPU.
    save_columns(pseudo_true.maximum_columns(method, maxima), snakemake.output[0])
    for rank, (mx, prec) in enumerate(maxima, start=1):
        log.info("scenario %s: maximum %d by %s: %r, E log f = %.10f (gap %.6f), "
                 "largest gradient %.2g, precision %.2g, reached by %d starts", p.scenario, rank,
                 method, mx.mixture, mx.objective, maxima[0][0].objective - mx.objective,
                 mx.grad_max, prec.max(), mx.n_starts)
    log.info("scenario %s: %d maxima in %.1f s CPU", p.scenario, len(maxima),
             time.process_time() - start)
