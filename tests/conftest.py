import numpy as np
import pytest
from hypothesis import settings

from gmmem import Mixture

# Property tests draw the same examples on every run and machine: a failure is
# then a property that does not hold, never the luck of one CI run.
settings.register_profile("repo", derandomize=True, deadline=None)
settings.load_profile("repo")


PAPER_TRUTH = Mixture.univariate([0.25, 0.75], [164.0, 176.0], [3.0, 5.0])
PAPER_START = Mixture.univariate([0.5, 0.5], [170.0, 180.0], [5.0, 5.0])


def paper_data(seed: int = 2023) -> np.ndarray:
    """The paper's experiment: 500 draws of N(164, 3²) and 1500 of N(176, 5²)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(164, 3, 500), rng.normal(176, 5, 1500)])


@pytest.fixture(scope="session")
def paper_x():
    return paper_data()
