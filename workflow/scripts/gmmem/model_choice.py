"""Choosing the number of components K: BIC, AIC, ICL, the bootstrap
likelihood-ratio test, and :func:`select_k`, which fits each candidate K and
applies one of them.

- BIC (Schwarz 1978, Ann. Statist. 6:461–464) = −2ℓ + p·log n and AIC
  (Akaike 1974, IEEE Trans. Autom. Control 19:716–723) = −2ℓ + 2p, with p
  the free parameters of :func:`gmmem.parameters.n_parameters`; smaller is
  better (mclust reports −BIC).

- ICL (Biernacki, Celeux & Govaert 2000, IEEE TPAMI 22:719–725): the BIC of
  the complete-data likelihood at the MAP classification,
  ICL = −2·Σ_i log(π_ẑi N(x_i; μ_ẑi, Σ_ẑi)) + p·log n
      = BIC − 2·Σ_i log τ_i,ẑi, ẑ_i = argmax_k τ_ik,
  i.e. BIC plus twice the entropy of the MAP classification. This is mclust's
  ``icl()`` (``bic + 2*sum(C * log(z))`` with mclust's bic = 2ℓ − p log n,
  larger better) with gmmem's sign: smaller is better, like :func:`gmmem.bic`.
  It penalises components that overlap, so it picks fewer K than BIC where
  clusters are not separated.
- The bootstrap LRT of K against K' > K components (McLachlan 1987, Applied
  Statistics 36:318–324; mclust's ``mclustBootstrapLRT``): LRT = 2(ℓ_K' − ℓ_K)
  from the two fits; B data sets are drawn from the K fit, each is refitted
  with K and with K' components (from the observed fits and from n_restarts
  fresh starts, in the batched engine) and p = (1 + #{LRT_b ≥ LRT}) / (B + 1).
  The statistic takes each fit's highest non-degenerate maximum, on the data
  and on every draw alike: spurious maxima inflate both the same way, which
  is what the parametric bootstrap calibrates (a spurious test per draw
  would be a bootstrap inside a bootstrap).
  Cost (tests/benchmarks/bench_model_choice.py, candidates K = 1..4, 10
  restarts): a study replicate with the sequential BLRT at B = 39 takes
  2.8x (overlap, n = 100: the first test stops), 4.3x (two separated
  components, n = 150) and 19x (three separated, n = 300: three tests) the
  replicate's fit and BIC/AIC/ICL; at B = 99, 4.9x on the overlap truth.
  How often each criterion picks the true K (10 data sets each): three
  separated components, BIC, ICL and BLRT 100 %, AIC 70 % (30 % K = 4);
  0.6·N(0,1) + 0.4·N(2,1) at n = 100, BIC 10 %, AIC 50 %, ICL 0 %, BLRT
  10 % (they choose K = 1: the components overlap); two separated, BIC and
  BLRT 100 %, AIC and ICL 90 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_data, check_choice, check_positive_int

BLRT_KEY = 0xB1A7  # child key of select_k's seed for the bootstrap LRT's streams
CRITERIA = ("bic", "aic", "icl", "blrt")


def bic_value(loglik: float, n_params: int, n: int) -> float:
    """The Bayesian information criterion of a log-likelihood.

    Parameters
    ----------
    loglik : float
        The maximised log-likelihood ℓ.
    n_params : int
        Free parameters p (:func:`gmmem.parameters.n_parameters`).
    n : int
        Observations.

    Returns
    -------
    float
        −2ℓ + p·log n (smaller is better).
    """
    return -2.0 * loglik + n_params * np.log(n)


def aic_value(loglik: float, n_params: int) -> float:
    """The Akaike information criterion of a log-likelihood.

    Parameters
    ----------
    loglik : float
        The maximised log-likelihood ℓ.
    n_params : int
        Free parameters p (:func:`gmmem.parameters.n_parameters`).

    Returns
    -------
    float
        −2ℓ + 2p (smaller is better).
    """
    return -2.0 * loglik + 2.0 * n_params


def bic(mixture, x) -> float:
    """Bayesian information criterion of a mixture on data.

    Parameters
    ----------
    mixture : Mixture
        The fitted mixture.
    x : array_like, shape (n,) or (n, d)
        The data.

    Returns
    -------
    float
        −2ℓ + p·log n with ℓ the log-likelihood of x and p ``mixture.n_params``
        (smaller is better).
    """
    n = as_data(x, dim=mixture.dim).shape[0]
    return bic_value(mixture.loglik(x), mixture.n_params, n)


def aic(mixture, x) -> float:
    """Akaike information criterion of a mixture on data.

    Parameters
    ----------
    mixture : Mixture
        The fitted mixture.
    x : array_like, shape (n,) or (n, d)
        The data.

    Returns
    -------
    float
        −2ℓ + 2p with ℓ the log-likelihood of x and p ``mixture.n_params``
        (smaller is better).
    """
    return aic_value(mixture.loglik(x), mixture.n_params)


def icl(mixture, x) -> float:
    """Integrated completed likelihood of a mixture on data, in BIC's units.

    Parameters
    ----------
    mixture : Mixture
        The fitted mixture.
    x : array_like, shape (n,) or (n, d)
        The data.

    Returns
    -------
    float
        BIC − 2·Σ_i log τ_i,MAP(i) = −2·Σ_i log(π_ẑi φ_ẑi(x_i)) + p·log n
        (smaller is better; Biernacki, Celeux & Govaert 2000).
    """
    z = as_data(x, dim=mixture.dim)
    lp = mixture.component_logpdf(z)  # (n, K) log π_k N(x_i; θ_k)
    top = lp.max(axis=1)
    # Σ_i log(π_ẑ N_ẑ) is the complete-data log-likelihood at the MAP labels.
    return bic_value(float(top.sum()), mixture.n_params, z.shape[0])


def _top(result) -> float:
    """The highest log-likelihood among a fit's non-degenerate restarts (its
    chosen fit's when every restart was degenerate)."""
    lls = [r.loglik for r in result.restarts if not r.degenerate]
    return max(lls) if lls else result.loglik


@dataclass(frozen=True, eq=False)
class BootstrapLRT:
    """The bootstrap likelihood-ratio test of k against k_alt components.

    Attributes
    ----------
    k : int
        Components under the null.
    k_alt : int
        Components under the alternative.
    lrt : float
        The observed statistic 2(ℓ_k_alt − ℓ_k).
    null_lrts : ndarray, shape (B,)
        The statistic on each draw from the null fit.
    p_value : float
        (1 + #{null_lrts >= lrt}) / (B + 1).
    """

    k: int
    k_alt: int
    lrt: float
    null_lrts: np.ndarray
    p_value: float


def bootstrap_lrt(x, null, alternative, *, n_boot: int = 99, seed=None,
                  **fit_kwargs) -> BootstrapLRT:
    """The parametric-bootstrap LRT of a K-component fit against a K' > K one.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        The data.
    null : FitResult
        The fit with K components.
    alternative : FitResult
        The fit with K' > K components.
    n_boot : int, default 99
        Draws B (>= 2).
    seed : int, SeedSequence or None, default None
        Draw b samples from child (b, 0) of SeedSequence(seed), its K refit
        from (b, 1) and its K' refit from (b, 2).
    **fit_kwargs
        The fits' settings (n_restarts, init, tol, ...).

    Returns
    -------
    BootstrapLRT

    Raises
    ------
    ValueError
        If ``n_boot`` < 2 or ``alternative`` does not have more components.
    """
    from .fit import as_seed_sequence, child_seed, fit_many

    n_boot = check_positive_int("n_boot", n_boot, 2)
    z = as_data(x)
    n, d = z.shape
    m0, m1 = null.mixture, alternative.mixture
    if m1.n_components <= m0.n_components:
        raise ValueError(f"alternative must have more components than null, got "
                         f"K = {m1.n_components} against {m0.n_components}")
    lrt = 2.0 * (_top(alternative) - _top(null))
    root = as_seed_sequence(seed)
    xs = []
    for b in range(n_boot):
        draw, _ = m0.sample(n, np.random.default_rng(child_seed(child_seed(root, b), 0)))
        xs.append(draw)
    kw = {k: v for k, v in fit_kwargs.items() if k not in ("start", "seeds", "spurious_test",
                                                           "prefer", "covariance")}
    kw.update(prefer="loglik", spurious_test="rule", random_starts_too=True,
              covariance=m0.covariance)
    ll = []
    for m, key in ((m0, 1), (m1, 2)):
        refits = fit_many(xs, m.n_components, start=m,
                          seeds=[child_seed(child_seed(root, b), key) for b in range(n_boot)],
                          **kw)
        ll.append(np.array([_top(r) for r in refits]))
    null_lrts = 2.0 * (ll[1] - ll[0])
    p = (1 + np.sum(null_lrts >= lrt)) / (n_boot + 1)
    return BootstrapLRT(m0.n_components, m1.n_components, float(lrt), null_lrts, float(p))


# select_k's table: these columns in this order (blrt_lrt and blrt_p only with
# criterion "blrt"), one entry per candidate K in increasing K.
SELECTION_COLUMNS = ("k", "loglik", "n_params", "bic", "aic", "icl", "converged", "degenerate",
                     "spurious", "usable", "blrt_lrt", "blrt_p", "chosen")


@dataclass(frozen=True, eq=False)
class Selection:
    """The model choice over K of :func:`select_k`.

    Attributes
    ----------
    table : dict of str to ndarray
        Equal-length columns, one entry per candidate K in increasing order:
        ``k`` (int), ``loglik``, ``n_params`` (int), ``bic``, ``aic``, ``icl``,
        ``converged``, ``degenerate``, ``spurious``, ``usable`` (bool: a K whose
        fit is still spurious under prefer="regular" is not usable), with the
        bootstrap LRT also ``blrt_lrt`` and ``blrt_p`` (the test of k against
        the next usable candidate; NaN where none ran), and ``chosen`` (bool).
        ``pandas.DataFrame(selection.table)`` makes it a data frame.
    k : int
        The K chosen by the criterion.
    criterion : str
        "bic", "aic", "icl" or "blrt".
    fits : dict of int to FitResult
        Every candidate's fit (the one scored).
    blrt : dict of int to BootstrapLRT or None
        With "blrt": the tests run, by the null K.
    """

    table: dict
    k: int
    criterion: str
    fits: dict
    blrt: dict | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The table's column names, in order."""
        return tuple(self.table)

    def row(self, k: int) -> dict:
        """One candidate's entries of the table, {column: value}.

        Parameters
        ----------
        k : int
            A candidate K.

        Returns
        -------
        dict
            The value of each column at that K (numpy scalars).

        Raises
        ------
        ValueError
            If ``k`` is not a candidate.
        """
        where = np.flatnonzero(self.table["k"] == k)
        if not where.size:
            raise ValueError(f"k must be one of the candidates {self.table['k'].tolist()}, "
                             f"got {k!r}")
        return {c: v[where[0]] for c, v in self.table.items()}


def select_k(x, candidates, criterion: str = "bic", *, seed=None,
             fitted: dict | None = None, n_boot: int = 99, level: float = 0.05,
             **fit_kwargs) -> Selection:
    """Fit each candidate K (with restarts) and choose one by a criterion.

    "bic", "aic", "icl" (:func:`icl`) choose the smallest value; "blrt" the
    sequential bootstrap likelihood-ratio test of K against the next
    candidate (:func:`bootstrap_lrt`, ``n_boot`` draws, ``level``): the first
    K not rejected. Every K is scored on its best *regular* maximum among the
    restarts: select_k fits with prefer="regular" unless ``prefer`` is given,
    and a K none of whose restarts reached a regular maximum (its fit is
    still spurious) is marked ``usable = False`` and not chosen (unless no K
    is usable, when all are candidates). Pass prefer="loglik" to score every
    K's highest maximum. Each K gets its own stream, child K of
    SeedSequence(seed), so adding a candidate never changes the others' fits.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        The data.
    candidates : sequence of int
        The K to try (positive; duplicates and order do not matter).
    criterion : {"bic", "aic", "icl", "blrt"}, default "bic"
        How K is chosen.
    seed : int, SeedSequence or None, default None
        Root of every stream (None: fresh entropy, once for all K).
    fitted : dict of int to FitResult, optional
        Fits already at hand for the same data, used as they are.
    n_boot : int, default 99
        Bootstrap draws per test, with "blrt".
    level : float, default 0.05
        Significance level of each test, with "blrt".
    **fit_kwargs
        Settings of :func:`gmmem.fit` (n_restarts, init, covariance, ...).

    Returns
    -------
    Selection
        The table (numpy columns), the chosen K, the fits and the tests.

    Raises
    ------
    ValueError
        If ``criterion`` is unknown, ``candidates`` is empty or holds a
        non-positive or non-integer K, or "blrt" has fewer than two candidates.
    """
    from .fit import as_seed_sequence, child_seed, fit

    check_choice("criterion", criterion, CRITERIA)
    try:
        ks = sorted({check_positive_int("candidates", k) for k in candidates})
    except TypeError:
        raise ValueError(f"candidates must be a list of integers, got {candidates!r}") from None
    if not ks:
        raise ValueError("candidates must name at least one K")
    if criterion == "blrt" and len(ks) < 2:
        raise ValueError(f"criterion 'blrt' needs at least two candidates, got {ks}")
    fit_kwargs.setdefault("prefer", "regular")
    seed = as_seed_sequence(seed)  # one entropy for every K even when seed is None
    fits = {}
    for k in ks:
        fits[k] = (fitted or {}).get(k) or fit(x, k, seed=child_seed(seed, k), **fit_kwargs)
    res = [fits[k] for k in ks]
    table = {
        "k": np.array(ks, dtype=np.int64),
        "loglik": np.array([r.loglik for r in res], dtype=float),
        "n_params": np.array([r.n_params for r in res], dtype=np.int64),
        "bic": np.array([r.bic for r in res], dtype=float),
        "aic": np.array([r.aic for r in res], dtype=float),
        "icl": np.array([icl(r.mixture, x) for r in res], dtype=float),
        "converged": np.array([r.converged for r in res], dtype=bool),
        "degenerate": np.array([r.degenerate for r in res], dtype=bool),
        "spurious": np.array([r.spurious for r in res], dtype=bool),
        "usable": np.array([not (r.spurious and fit_kwargs["prefer"] == "regular")
                            for r in res], dtype=bool),
    }
    pool = table["usable"] if table["usable"].any() else np.ones(len(ks), dtype=bool)
    tests = None
    if criterion == "blrt":
        tests = {}
        table["blrt_lrt"] = np.full(len(ks), np.nan)
        table["blrt_p"] = np.full(len(ks), np.nan)
        order = table["k"][pool].tolist()
        chosen = order[-1]
        for k, nxt in zip(order, order[1:]):
            t = bootstrap_lrt(x, fits[k], fits[nxt], n_boot=n_boot,
                              seed=child_seed(child_seed(seed, BLRT_KEY), k), **fit_kwargs)
            tests[k] = t
            at = ks.index(k)
            table["blrt_lrt"][at], table["blrt_p"][at] = t.lrt, t.p_value
            if t.p_value > level:
                chosen = k
                break
    else:
        # The first smallest value among the pool, NaN left out (as pandas' idxmin).
        scores = np.where(pool, table[criterion], np.nan)
        if np.isnan(scores).all():
            raise ValueError(f"no candidate K has a finite {criterion}: {table[criterion].tolist()}")
        chosen = int(table["k"][np.nanargmin(scores)])
    table["chosen"] = table["k"] == chosen
    return Selection(table, int(chosen), criterion, fits, tests)
