"""Powers modulo 2**64 for the polynomial hashes of tokens and lines (prefix sums rescaled by powers)."""
from __future__ import annotations

import numpy as np

_MOD = 1 << 64
#: entries computed one by one; longer tables are this run times each block's base
_RUN = 4096


def _run(base: int, first: int, n: int) -> list[int]:
    out, value = [], first
    for _ in range(n):
        out.append(value)
        value = value * base % _MOD
    return out


def powers_mod64(base: int, n: int, start: int = 0) -> np.ndarray:
    """``base**(start + k) mod 2**64`` for ``k < n``, as uint64 (``base`` odd when ``start`` < 0).

    An outer product of block bases and one short run: numpy's integer ``cumprod`` over the whole
    table ran about 100 ns an element (1.6 s for the 16M entries a 12 MB batch needs).
    """
    base %= _MOD
    first = pow(base, start, _MOD)
    run = max(1, min(n, _RUN))
    small = np.array(_run(base, first, run), dtype=np.uint64)
    blocks = np.array(_run(pow(base, run, _MOD), 1, -(-n // run)), dtype=np.uint64)
    return np.multiply.outer(blocks, small).ravel()[:n]
