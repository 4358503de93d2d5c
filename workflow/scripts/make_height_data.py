"""Write the paper's example data: 500 draws of N(164, 3²) then 1500 of N(176, 5²).

Run as ``python workflow/scripts/make_height_data.py data/height_data.csv``;
the stream comes from SeedSequence keyed like every other in the project,
so the file is the same on every machine.
"""

import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gmm_recovery.seeds import seed_for  # noqa: E402

ROOT_SEED = 20231126


def height_data() -> np.ndarray:
    rng = np.random.default_rng(seed_for(ROOT_SEED, "height_data", "example", 2000, 0))
    # Fixed group sizes, as in the paper (not multinomial labels).
    return np.concatenate([rng.normal(164, 3, 500), rng.normal(176, 5, 1500)])


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "data/height_data.csv"
    with open(out, "w") as f:
        f.write("height\n")
        f.writelines(f"{h:.2f}\n" for h in height_data())
