"""Choosing K: ICL, the bootstrap LRT, and criteria over regular maxima."""

import numpy as np
import pytest
from scipy.stats import norm

from gmmem import Mixture, aic, bic, fit, select_k
from gmmem.model_choice import bootstrap_lrt, icl


def test_icl_is_bic_of_the_complete_data_likelihood_at_the_map_labels():
    m = Mixture.univariate([0.3, 0.7], [0.0, 2.0], [1.0, 0.7])
    x, _ = m.sample(300, np.random.default_rng(1))
    # independently: log π_z + log N(x; μ_z, σ_z) at the MAP label z, with scipy
    dens = np.log(m.weights) + norm.logpdf(x[:, None], m.means[:, 0], m.sds)
    z = dens.argmax(axis=1)
    lc = dens[np.arange(len(x)), z].sum()
    assert icl(m, x) == pytest.approx(-2 * lc + m.n_params * np.log(len(x)), rel=1e-12)
    # mclust's form: BIC plus twice the MAP classification's entropy, >= BIC
    from gmmem import responsibilities

    tau = responsibilities(m, x)
    ent = -np.log(tau[np.arange(len(x)), tau.argmax(axis=1)]).sum()
    assert icl(m, x) == pytest.approx(bic(m, x) + 2 * ent, rel=1e-10)
    one = Mixture.univariate([1.0], [0.0], [1.0])
    assert icl(one, x) == pytest.approx(bic(one, x), rel=1e-12)


def test_icl_picks_separated_components_and_penalises_overlap():
    sep = Mixture.univariate([0.3, 0.3, 0.4], [0, 6, 12], [1, 1, 1])
    x, _ = sep.sample(300, np.random.default_rng(2))
    assert select_k(x, [1, 2, 3, 4], "icl", seed=0).k == 3
    # Strongly overlapping: N(0,1) and N(2,1) halves at n = 2000; BIC sees two
    # components, ICL (their classification is poor) one.
    ov = Mixture.univariate([0.5, 0.5], [0.0, 2.0], [1.0, 1.0])
    picks = []
    for r in range(3):
        x, _ = ov.sample(2000, np.random.default_rng(10 + r))
        s = select_k(x, [1, 2, 3], seed=r)
        picks.append((int(s.table["k"][np.argmin(s.table["bic"])]),
                      int(s.table["k"][np.argmin(s.table["icl"])])))
    assert sum(b == 2 and i == 1 for b, i in picks) >= 2, picks


def test_blrt_keeps_one_component_and_rejects_it_for_two():
    one = Mixture.univariate([1.0], [0.0], [1.0])
    kept = 0
    for r in range(4):
        x, _ = one.sample(150, np.random.default_rng(20 + r))
        t = bootstrap_lrt(x, fit(x, 1, seed=r), fit(x, 2, seed=r), n_boot=39, seed=r,
                          n_restarts=3)
        assert 0 < t.p_value <= 1 and len(t.null_lrts) == 39
        kept += t.p_value > 0.05
    assert kept >= 3
    two = Mixture.univariate([0.5, 0.5], [0.0, 5.0], [1.0, 1.0])
    x, _ = two.sample(150, np.random.default_rng(30))
    t = bootstrap_lrt(x, fit(x, 1, seed=0), fit(x, 2, seed=0), n_boot=39, seed=0, n_restarts=3)
    assert t.p_value == pytest.approx(1 / 40)
    sel = select_k(x, [1, 2, 3], "blrt", seed=0, n_boot=19, n_restarts=3)
    assert sel.table["blrt_p"][0] == pytest.approx(1 / 20) and sel.k in (2, 3)
    assert sel.row(1)["blrt_lrt"] == sel.blrt[1].lrt
    with pytest.raises(ValueError, match="alternative must have more components"):
        bootstrap_lrt(x, fit(x, 2, seed=0), fit(x, 1, seed=0))
    with pytest.raises(ValueError, match="criterion 'blrt' needs at least two candidates"):
        select_k(x, [2], "blrt")


def test_criteria_score_regular_maxima_and_skip_a_spurious_k():
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 600), rng.normal(1, 1, 400)])
    spike = Mixture.univariate([0.0187, 0.9813], [-1.053, 0.4296], [0.0916, 1.119])
    spurious = fit(x, 2, start=spike)
    assert spurious.spurious and spurious.regular is None
    sel = select_k(x, [1, 2], fitted={2: spurious}, seed=0)
    row = sel.row(2)
    assert not row["usable"] and row["spurious"] and sel.k == 1
    # even where its BIC would win: K = 2 is never chosen on a spurious maximum
    sel_all = select_k(x, [1, 2], fitted={2: spurious}, seed=0, prefer="loglik")
    assert sel_all.table["usable"].all()
    assert list(sel.columns[:6]) == ["k", "loglik", "n_params", "bic", "aic", "icl"]
    # prefer="regular" is select_k's default: a K's fit is its best regular maximum
    fits = select_k(x, [2], seed=3).fits[2]
    assert not fits.spurious


def test_study_model_choice_columns_add_icl_and_blrt_behind_its_setting():
    import pandas as pd

    from gmm_recovery.evaluation import evaluate_fits
    from gmm_recovery.replicates import replicate_columns

    truth = Mixture.univariate([0.5, 0.5], [0.0, 5.0], [1.0, 1.0])
    xs = [truth.sample(120, np.random.default_rng(40 + r))[0] for r in range(3)]
    seeds = [np.random.SeedSequence(r) for r in range(3)]
    settings = {"n_components": 2, "n_restarts": 3}
    fits, rows, _ = replicate_columns(xs, settings, seeds, select_k=(1, 2, 3), traces=0)
    for x, row, s in zip(xs, rows, seeds):
        assert row["k_icl"] == row["k_bic"] == 2 and "k_blrt" not in row
        # The study's choices are select_k's for the same streams.
        sel = select_k(x, [1, 2, 3], seed=s, n_restarts=3)
        for crit in ("bic", "aic", "icl"):
            t = sel.table
            assert row[f"k_{crit}"] == t["k"][np.argmin(t[crit])]
    _, with_blrt, _ = replicate_columns(xs[:1], settings, seeds[:1], select_k=(1, 2, 3),
                                        traces=0, select_blrt=19)
    assert with_blrt[0]["k_blrt"] in (2, 3) and with_blrt[0]["blrt_p_k1"] == pytest.approx(1 / 20)
    fits = pd.concat([pd.DataFrame(f).assign(n=120, replicate=i)
                      for i, f in enumerate(fits)], ignore_index=True)
    diagnostics = pd.concat([pd.DataFrame(r, index=[0]).assign(n=120, replicate=i)
                             for i, r in enumerate(rows)], ignore_index=True)
    mc = evaluate_fits(fits, diagnostics, truth, (1, 2, 3))["model_choice"]
    assert set(mc["criterion"]) == {"bic", "aic", "icl"}
    assert mc.loc[(mc["criterion"] == "icl") & mc["is_true_k"], "share"].item() == 1.0


def test_select_k_table_and_choice():
    truth = Mixture.univariate([0.3, 0.3, 0.4], [0, 5, 10], [1, 1, 1])
    x, _ = truth.sample(900, np.random.default_rng(2))
    sel = select_k(x, [3, 1, 2, 4], seed=0, n_restarts=3)
    assert list(sel.table["k"]) == [1, 2, 3, 4] and sel.k == 3
    assert sel.columns == ("k", "loglik", "n_params", "bic", "aic", "icl", "converged",
                           "degenerate", "spurious", "usable", "chosen")
    assert all(len(v) == 4 for v in sel.table.values())
    assert sel.table["k"][sel.table["chosen"]].tolist() == [3]
    # The table is the fits' own numbers, and BIC is the smallest at the chosen K.
    for k, res in sel.fits.items():
        row = sel.row(k)
        assert (row["loglik"], row["bic"], row["aic"], row["n_params"]) == (
            res.loglik, res.bic, res.aic, res.n_params)
        # (the engine's log-likelihood, accumulated in blocks, and Mixture.loglik's
        # differ in the last bits)
        assert row["bic"] == pytest.approx(bic(res.mixture, x), rel=1e-12)
        assert row["aic"] == pytest.approx(aic(res.mixture, x), rel=1e-12)
    assert sel.row(3)["bic"] == sel.table["bic"].min()
    assert select_k(x, [1, 2, 3], "aic", seed=0, n_restarts=3).k == 3
    again = select_k(x, [2, 3], seed=0, n_restarts=3)
    assert again.fits[3].loglik == sel.fits[3].loglik  # adding candidates changes nothing
    with pytest.raises(ValueError, match="criterion must be one of"):
        select_k(x, [1, 2], "bayes")
    with pytest.raises(ValueError, match="candidates must be an integer >= 1, got 0"):
        select_k(x, [0, 2])
    with pytest.raises(ValueError, match="candidates must name at least one K"):
        select_k(x, [])
    with pytest.raises(ValueError, match="k must be one of the candidates"):
        sel.row(7)


def test_select_k_table_makes_a_data_frame():
    pd = pytest.importorskip("pandas")
    x, _ = Mixture.univariate([0.5, 0.5], [0, 6], [1, 1]).sample(200, np.random.default_rng(4))
    sel = select_k(x, [1, 2], seed=0, n_restarts=2)
    frame = pd.DataFrame(sel.table)
    assert list(frame.columns) == list(sel.columns) and len(frame) == 2
    assert frame["k"].dtype == np.int64 and frame["chosen"].dtype == bool


def test_bic_and_aic_are_defined_once():
    from gmmem import aic_value, bic_value

    m = Mixture.univariate([0.4, 0.6], [0.0, 3.0], [1.0, 0.5])
    x, _ = m.sample(250, np.random.default_rng(8))
    ll = float(np.log(m.weights @ norm.pdf(x[None, :], m.means, m.sds[:, None])).sum())
    assert bic(m, x) == pytest.approx(-2 * ll + 5 * np.log(250), rel=1e-12)
    assert aic(m, x) == pytest.approx(-2 * ll + 10, rel=1e-12)
    assert bic_value(ll, 5, 250) == pytest.approx(bic(m, x), rel=1e-12)
    assert aic_value(ll, 5) == pytest.approx(aic(m, x), rel=1e-12)
    res = fit(x, 2, seed=0, n_restarts=2)
    assert res.bic == bic_value(res.loglik, res.n_params, res.n)
    assert res.aic == aic_value(res.loglik, res.n_params)
