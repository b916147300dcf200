"""Texts shared by the dedup tests."""
from __future__ import annotations

import numpy as np


def variants(n: int, seed: int = 0) -> list[str]:
    """A base text and copies with 2% to 30% of their words replaced: pairs on both sides of 0.8."""
    rng = np.random.default_rng(seed)
    base = [f"w{i}" for i in rng.integers(0, 10**6, 600)]
    out = [" ".join(base)]
    for k in range(n - 1):
        words = list(base)
        share = 0.02 + 0.28 * k / max(1, n - 2)
        for j in rng.choice(len(words), int(share * len(words) / 5), replace=False):
            words[j] = f"x{k}_{j}"
        out.append(" ".join(words))
    return out
