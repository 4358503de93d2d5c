"""What software computed a result: package versions and the BLAS library and kernel.

An I/O edge of gmmem (it inspects the running interpreter); results/versions.txt
and ``gmmem --version`` print it.
"""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("gmm-recovery", "numpy", "scipy", "pandas", "matplotlib", "snakemake", "pyyaml",
            "threadpoolctl")


def package_versions() -> dict[str, str]:
    """Python and each package's installed version ('not installed' if absent)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def blas_info() -> list[dict]:
    """The BLAS/OpenMP libraries numpy loaded, as threadpoolctl sees them: library,
    version, the CPU kernel it chose (``architecture``), threading layer, threads."""
    import numpy  # noqa: F401  (loads the BLAS libraries so threadpoolctl sees them)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads",
            "filepath")
    return [{k: info.get(k) for k in keys if info.get(k) is not None}
            for info in threadpool_info()]


def versions_text() -> str:
    """A plain-text record of the software: one 'name: value' line each."""
    import numpy as np

    lines = [f"{k}: {v}" for k, v in package_versions().items()]
    lines.append(f"platform: {platform.system()} {platform.machine()}")
    simd = np.show_config(mode="dicts").get("SIMD Extensions", {}).get("found", [])
    lines.append(f"numpy SIMD extensions in use: {', '.join(simd) or 'none'}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        lines.append(f"{var}: {os.environ.get(var, '(unset)')}")
    # Sorted by file: the order libraries were loaded in varies between runs.
    for lib in sorted(blas_info(), key=lambda info: info.get("filepath", "")):
        path = lib.pop("filepath", "")
        owner = os.path.basename(os.path.dirname(path))  # e.g. numpy.libs, scipy.libs
        desc = ", ".join(f"{k} {v}" for k, v in lib.items())
        lines.append(f"BLAS/threading library in {owner}: {desc} ({os.path.basename(path)})")
    return "\n".join(lines) + "\n"
