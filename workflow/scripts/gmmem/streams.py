"""Independent random streams for many fits at once.

A fit's restart r draws from ``default_rng(SeedSequence(entropy, spawn_key=
spawn_key + (r,)))``, child r of ``SeedSequence(seed)``. Made one by one, a
child costs numpy 15-30 µs (mostly turning its entropy into words and hashing
them in Python-level loops): more than the E-steps of a small fit.
:func:`restart_streams_many` makes the children of many seeds at once. It runs
SeedSequence's hashing (O'Neill's seed_seq_fe, as numpy implements it in
numpy/random/bit_generator.pyx: ``mix_entropy`` and ``generate_state``) for
all children together in uint32 array arithmetic, and seeds each PCG64 with
the result. The generators are numpy's own and their states are those numpy
gives (tested equal); numpy's stream-compatibility policy keeps SeedSequence's
output fixed across versions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
_MASK = 0xFFFFFFFF
_POOL = 4  # numpy's default pool size: the one restart children use
# From this many parents on, their children are hashed together; below it,
# numpy making them one by one costs less. The same streams either way.
BULK = 8


class Parent(NamedTuple):
    """What a SeedSequence's children are made from: its entropy and spawn key."""

    entropy: object
    spawn_key: tuple


def _words(value) -> list[int] | None:
    """SeedSequence's uint32 words of an entropy value or spawn key (int, or a
    list/tuple/range of ints), lowest bits first; None for any other form
    (strings, arrays), which are left to numpy itself."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        n = int(value)
        if n < 0:
            return None
        out = [n & _MASK]
        n >>= 32
        while n:
            out.append(n & _MASK)
            n >>= 32
        return out
    if isinstance(value, (list, tuple, range)):
        out = []
        for v in value:
            w = _words(v) if isinstance(v, (int, np.integer)) else None
            if w is None:
                return None
            out += w
        return out
    return None


class _Child(ISpawnableSeedSequence):
    """Child ``key`` of a SeedSequence: the PCG64 state words it generates,
    computed in bulk; anything else is asked of the real SeedSequence."""

    __slots__ = ("entropy", "spawn_key", "_state", "_real")

    def __init__(self, entropy, spawn_key: tuple, state: np.ndarray):
        self.entropy, self.spawn_key, self._state, self._real = entropy, spawn_key, state, None

    def seed_sequence(self) -> np.random.SeedSequence:
        if self._real is None:
            self._real = np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key)
        return self._real

    def generate_state(self, n_words, dtype=np.uint32):
        if n_words == 4 and np.dtype(dtype) == np.uint64:
            return self._state.copy()
        return self.seed_sequence().generate_state(n_words, dtype)

    def spawn(self, n_children):
        return self.seed_sequence().spawn(n_children)


def _pcg64_states(entropy: np.ndarray) -> np.ndarray:
    """SeedSequence(...).generate_state(4, np.uint64) (G, 4) for G assembled
    entropy arrays (G, E) uint32 of one length, with a pool of 4 words."""
    G, E = entropy.shape
    hc = _INIT_A

    def hashmix(value):
        nonlocal hc
        value = value ^ np.uint32(hc)
        hc = (hc * _MULT_A) & _MASK
        value = value * np.uint32(hc)
        value ^= value >> np.uint32(16)
        return value

    def mix(x, y):
        out = _MIX_L * x - _MIX_R * y
        out ^= out >> np.uint32(16)
        return out

    zero = np.zeros(G, dtype=np.uint32)
    pool = [hashmix(entropy[:, i] if i < E else zero) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL, E):
        for dst in range(_POOL):
            pool[dst] = mix(pool[dst], hashmix(entropy[:, src]))
    hb = _INIT_B
    words = np.empty((G, 8), dtype=np.uint64)
    for i in range(8):
        value = pool[i % _POOL] ^ np.uint32(hb)
        hb = (hb * _MULT_B) & _MASK
        value = value * np.uint32(hb)
        value ^= value >> np.uint32(16)
        words[:, i] = value
    # Little-endian pairs of 32-bit words, as generate_state's uint64 view.
    return words[:, 0::2] | (words[:, 1::2] << np.uint64(32))


def _one_by_one(p, n: int) -> list[np.random.Generator]:
    """numpy's own children of p: spawned from a fresh copy (a caller's
    SeedSequence is never spawned from, and children get the default pool)."""
    ss = np.random.SeedSequence(p.entropy, spawn_key=p.spawn_key)
    return [np.random.Generator(np.random.PCG64(child)) for child in ss.spawn(n)]


def restart_streams_many(parents: list, n: int) -> list[list]:
    """For each parent (a SeedSequence or a :class:`Parent`), its children
    0..n-1 as generators: ``default_rng(SeedSequence(p.entropy,
    spawn_key=p.spawn_key + (i,)))``, the same streams, made together from
    BULK parents on (see the module's docstring)."""
    if len(parents) < BULK:
        return [_one_by_one(p, n) for p in parents]
    out: list[list | None] = [None] * len(parents)
    groups: dict[int, list[tuple[int, list[int]]]] = {}
    for j, p in enumerate(parents):
        run, key = _words(p.entropy), _words(p.spawn_key)
        if run is None or key is None or n >= 2**32:
            out[j] = _one_by_one(p, n)
            continue
        # A child always has a spawn key, so its run entropy is padded to the pool.
        prefix = run + [0] * (_POOL - len(run)) + key
        groups.setdefault(len(prefix), []).append((j, prefix))
    for members in groups.values():
        entropy = np.empty((len(members), n, len(members[0][1]) + 1), dtype=np.uint32)
        entropy[..., :-1] = np.array([prefix for _, prefix in members], dtype=np.uint32)[:, None]
        entropy[..., -1] = np.arange(n, dtype=np.uint32)  # child i's key word (i < 2^32)
        states = _pcg64_states(entropy.reshape(-1, entropy.shape[-1]))
        for g, (j, _) in enumerate(members):
            p = parents[j]
            out[j] = [np.random.Generator(np.random.PCG64(
                _Child(p.entropy, p.spawn_key + (i,), states[g * n + i]))) for i in range(n)]
    return out
