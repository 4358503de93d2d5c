"""One BLAS thread inside the engine's public entry points.

EM's products are thin (n × d by d × d, d ≤ 10): BLAS threads buy nothing
there, and on a busy machine they spin against other work (an iteration at
n = 10⁶, K = 3 took 132–2918 ms with OpenBLAS's default threads against
43–63 ms with one). So :func:`fit_many`, :func:`standard_errors` and
:func:`bootstrap` run with one BLAS thread, as the workflow's jobs always
did, and restore the caller's setting on return; results and speed then do
not depend on the machine's core count or load.
"""

from __future__ import annotations

import functools
import threading

_LOCK = threading.Lock()
_STATE = {"depth": 0, "saved": None, "libs": None, "modules": 0}


def _blas_libraries():
    """threadpoolctl's controllers of the BLAS libraries loaded now. Scanning the
    loaded libraries costs milliseconds, so it is redone only when modules were
    imported since (scipy brings its own OpenBLAS); each call after it costs µs."""
    import sys

    if _STATE["libs"] is None or _STATE["modules"] != len(sys.modules):
        import numpy  # noqa: F401  (loads numpy's BLAS, so that it is found)
        from threadpoolctl import ThreadpoolController

        _STATE["libs"] = ThreadpoolController().select(user_api="blas").lib_controllers
        _STATE["modules"] = len(sys.modules)
    return _STATE["libs"]


def enter_one_blas_thread() -> None:
    """Set every BLAS library to one thread (first entry of nested calls only)."""
    with _LOCK:
        if _STATE["depth"] == 0:
            libs = _blas_libraries()
            saved = [(lib, lib.get_num_threads()) for lib in libs]
            for lib, n in saved:
                if n != 1:
                    lib.set_num_threads(1)
            _STATE["saved"] = saved
        _STATE["depth"] += 1


def exit_one_blas_thread() -> None:
    """Restore the threads the first :func:`enter_one_blas_thread` found."""
    with _LOCK:
        _STATE["depth"] -= 1
        if _STATE["depth"] == 0:
            for lib, n in _STATE["saved"]:
                if n != 1:
                    lib.set_num_threads(n)
            _STATE["saved"] = None


def one_blas_thread(func):
    """Decorator: run ``func`` with one BLAS thread, the caller's threads restored after."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        enter_one_blas_thread()
        try:
            return func(*args, **kwargs)
        finally:
            exit_one_blas_thread()

    return wrapper
