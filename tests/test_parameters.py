"""The one definition of the parameter layout (gmmem.parameters)."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from gmmem import (Mixture, free_layout, free_parameters, mixture_from_free, n_parameters,
                   parameter_label, parameter_names, split_label, standard_errors)
from gmmem.inference import n_free


def test_parameter_names_in_reading_order():
    assert parameter_names(1) == ("weight", "mean", "sd")
    assert parameter_names(1, "diag") == parameter_names(1, "tied") == ("weight", "mean", "sd")
    assert parameter_names(3) == ("weight", "mean_1", "mean_2", "mean_3", "sd_1", "sd_2", "sd_3",
                                  "cov_1_2", "cov_1_3", "cov_2_3")
    assert parameter_names(3, "tied") == parameter_names(3)
    assert parameter_names(2, "diag") == ("weight", "mean_1", "mean_2", "sd_1", "sd_2")


@pytest.mark.parametrize("bad", [dict(d=0), dict(d=1.5), dict(d=True), dict(d=2, covariance="spherical")])
def test_parameter_names_refuses_bad_arguments(bad):
    name = "covariance" if "covariance" in bad else "d"
    with pytest.raises(ValueError, match=name):
        parameter_names(**bad)


@given(st.sampled_from(parameter_names(4)), st.integers(1, 10_000))
def test_split_label_inverts_parameter_label(name, k):
    label = parameter_label(name, k)
    assert split_label(label) == (name, k)


def test_labels_are_the_tables_labels():
    assert parameter_label("mean", 1) == "mean[1]"
    assert parameter_label("mean_2", 1) == "mean_2[1]"
    assert split_label("cov_1_2[3]") == ("cov_1_2", 3)


@pytest.mark.parametrize("label", ["mean", "mean[0]", "mean[x]", "[1]", "mean[1] ", 3])
def test_split_label_refuses_what_is_not_a_label(label):
    with pytest.raises(ValueError, match="label"):
        split_label(label)


@pytest.mark.parametrize("args", [("mean 1", 1), ("mean", 0), ("mean", 1.0)])
def test_parameter_label_refuses_bad_arguments(args):
    with pytest.raises(ValueError, match="name|component"):
        parameter_label(*args)


@pytest.mark.parametrize("K", [1, 2, 4])
@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("covariance", ["full", "diag", "tied"])
def test_layout_blocks_tile_the_free_vector(K, d, covariance):
    lay = free_layout(K, d, covariance)
    blocks = [lay.logit_weights, lay.means, lay.log_variances, lay.covariances]
    assert blocks[0].start == 0 and blocks[-1].stop == lay.size
    assert all(a.stop == b.start for a, b in zip(blocks, blocks[1:]))
    assert lay.means.stop - lay.means.start == K * d
    assert lay.log_variances.stop - lay.log_variances.start == (d if covariance == "tied" else K * d)
    assert lay.has_covariances == (covariance == "full" and d > 1)
    # Index arrays point inside their blocks, each once (tied: shared).
    assert set(lay.mean_index().ravel()) == set(range(lay.means.start, lay.means.stop))
    assert set(lay.log_variance_index().ravel()) == set(range(lay.log_variances.start,
                                                              lay.log_variances.stop))
    assert lay.log_variance_index().shape == (K, d)
    assert set(lay.covariance_index().ravel()) == set(range(lay.covariances.start,
                                                            lay.covariances.stop))
    # The model's count (BIC's p) equals the layout's size but for tied d > 1,
    # whose shared off-diagonal covariances the layout leaves out.
    extra = d * (d - 1) // 2 if covariance == "tied" else 0
    assert n_parameters(K, d, covariance) == lay.size + extra


def _mixture(K, d, covariance, rng):
    means = rng.normal(size=(K, d)) + 10.0 * np.arange(K)[:, None]  # separated
    a = rng.normal(size=(K, d, d))
    cov = a @ np.swapaxes(a, 1, 2) + d * np.eye(d)
    if covariance == "diag":
        cov = cov * np.eye(d)
    if covariance == "tied":
        cov = np.broadcast_to(cov[0], (K, d, d)).copy()
    w = rng.dirichlet(np.ones(K) * 3)
    return Mixture(w, means, cov, covariance)


@pytest.mark.parametrize("K", [1, 2, 3])
@pytest.mark.parametrize("d,covariance", [(1, "full"), (1, "diag"), (1, "tied"), (2, "full"),
                                          (3, "full"), (2, "diag"), (3, "diag")])
def test_mixture_from_free_inverts_free_parameters(K, d, covariance):
    m = _mixture(K, d, covariance, np.random.default_rng(K * 10 + d))
    theta = free_parameters(m)
    assert theta.shape == (free_layout(K, d, covariance).size,)
    back = mixture_from_free(theta, K, d, covariance)
    assert back.covariance == covariance
    np.testing.assert_allclose(back.weights, m.weights, rtol=1e-12)
    np.testing.assert_allclose(back.means, m.means, rtol=1e-12)
    np.testing.assert_allclose(back.covariances, m.covariances, rtol=1e-12, atol=1e-12)


def test_layout_is_the_one_the_information_uses():
    rng = np.random.default_rng(3)
    for covariance, d in (("full", 2), ("diag", 2), ("tied", 1), ("full", 1)):
        m = _mixture(2, d, covariance, rng)
        x, _ = m.sample(400, rng)
        se = standard_errors(m, x)
        assert se.ok and se.cov.shape == (free_layout(2, d, covariance).size,) * 2
        assert n_free(m) == free_layout(2, d, covariance).size
        # The SE of each mean is the square root of its diagonal entry.
        lay = free_layout(2, d, covariance)
        np.testing.assert_allclose(se.means, np.sqrt(np.diag(se.cov))[lay.mean_index()], rtol=1e-12)


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((2, 5))])
def test_mixture_from_free_refuses_a_vector_of_the_wrong_size(bad):
    with pytest.raises(ValueError, match="theta"):
        mixture_from_free(bad, 2, 1)


def test_free_layout_refuses_bad_arguments():
    with pytest.raises(ValueError, match="n_components"):
        free_layout(0, 1)
    with pytest.raises(ValueError, match="covariance"):
        free_layout(2, 1, "spherical")
    with pytest.raises(ValueError, match="tied"):
        mixture_from_free(np.zeros(free_layout(2, 2, "tied").size), 2, 2, "tied")


def test_component_slices_are_each_components_block():
    lay = free_layout(3, 2, "full")
    assert lay.component(1, "means") == slice(lay.means.start + 2, lay.means.start + 4)
    assert lay.component(2, "covariances") == slice(lay.covariances.start + 2, lay.size)
    with pytest.raises(ValueError, match="block"):
        lay.component(0, "weights")
    with pytest.raises(ValueError, match="tied"):
        free_layout(3, 2, "tied").component(0, "log_variances")
