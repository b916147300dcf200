"""LSH banding: choose bands x rows for a threshold, hash bands, and list candidate pairs.

datasketch picks bands and rows by minimizing ``w_fp * FP + w_fn * FN`` where FP and FN are the
integrals of the S-curve ``1 - (1 - s**r)**b`` below and above the threshold.  With equal weights
that gives 9 x 13 at 0.8, which finds only ~40% of pairs sitting exactly at 0.8 (MEASURED.md: a third
of the pairs >= 0.8 missed).  Candidates are always verified afterwards, so a false positive costs a
signature comparison while a false negative is a missed duplicate: :func:`optimal_bands` therefore
requires ``P(candidate | s = threshold) >= min_recall`` (default 0.995) and, among the layouts that
meet it, minimizes the false-positive integral (ties: fewer bands, a smaller index).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .shingle import fmix64

_BAND_MULT = np.uint64(0x9FB21C651E98DF25)


def candidate_probability(s: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard ``s`` share at least one band."""
    return float(1.0 - (1.0 - s ** rows) ** bands)


def _integral(f: Callable[[np.ndarray], np.ndarray], a: float, b: float, degree: int) -> float:
    """The integral of a polynomial of at most ``degree`` over ``[a, b]``, exact up to rounding.

    Gauss-Legendre quadrature with ``degree // 2 + 1`` nodes integrates such a polynomial exactly; the
    S-curve of ``bands x rows`` has degree ``bands * rows``.  (scipy's ``quad`` gives the same areas
    but costs 0.7 s to import.)
    """
    x, w = np.polynomial.legendre.leggauss(degree // 2 + 1)
    half = (b - a) / 2.0
    return float(half * np.dot(w, f(half * x + (a + b) / 2.0)))


def false_positive_area(threshold: float, bands: int, rows: int) -> float:
    """Area under the S-curve below the threshold: how many dissimilar pairs become candidates."""
    return _integral(lambda s: 1.0 - (1.0 - s ** rows) ** bands, 0.0, threshold, bands * rows)


def false_negative_area(threshold: float, bands: int, rows: int) -> float:
    """Area above the S-curve past the threshold: how many similar pairs are missed."""
    return _integral(lambda s: (1.0 - s ** rows) ** bands, threshold, 1.0, bands * rows)


def optimal_bands(threshold: float, num_perm: int, min_recall: float = 0.995) -> tuple[int, int]:
    """``(bands, rows)``, ``bands * rows <= num_perm``, meeting ``min_recall`` at ``threshold``; fewest false positives.

    Falls back to the layout with the best recall at the threshold if none meets ``min_recall``.
    """
    best: tuple[float, int, int] | None = None
    fallback = (-1.0, 1, 1)
    for rows in range(1, num_perm + 1):
        for bands in range(1, num_perm // rows + 1):
            recall = candidate_probability(threshold, bands, rows)
            if recall > fallback[0]:
                fallback = (recall, bands, rows)
            if recall < min_recall:
                continue
            fp = false_positive_area(threshold, bands, rows)
            if best is None or (fp, bands) < (best[0], best[1]):
                best = (fp, bands, rows)
            break  # more bands at these rows only add false positives
    if best is None:
        return fallback[1], fallback[2]
    return best[1], best[2]


def band_keys(signatures: np.ndarray, bands: int, rows: int, chunk: int = 65536) -> np.ndarray:
    """uint64 ``[n, bands]``: a hash of each band's rows, different per band index.

    Works on ``chunk`` documents at a time so that the uint64 temporaries stay small at 1M documents.
    """
    n = signatures.shape[0]
    out = np.empty((n, bands), dtype=np.uint64)
    salt = np.arange(bands, dtype=np.uint64)[None, :] * np.uint64(0xD6E8FEB86659FD93)
    for lo in range(0, n, chunk):
        cols = signatures[lo:lo + chunk, :bands * rows].reshape(-1, bands, rows)
        acc = np.zeros((cols.shape[0], bands), dtype=np.uint64)
        for r in range(rows):
            acc *= _BAND_MULT
            acc += cols[:, :, r]
        acc += salt
        out[lo:lo + chunk] = fmix64(acc)
    return out


def stored_keys(keys: np.ndarray) -> np.ndarray:
    """The 31-bit form of band keys kept in the SQLite index (a 4-byte integer; collisions only add candidates)."""
    return (keys >> np.uint64(33)).astype(np.int64)


def candidate_pairs(keys: np.ndarray, rank: np.ndarray, cap: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Unique pairs ``(i, j)``, ``i < j``, of rows that share a band key.

    Within a bucket all pairs are listed up to ``cap + 1`` members.  A bigger bucket (many copies of
    one page) lists each member with its ``cap`` nearest bucket neighbours and with the ``cap`` members
    of best ``rank`` (survivor priority), so that the survivor of a big group is linked to everyone
    without a quadratic number of pairs.
    """
    n, bands = keys.shape
    found: list[np.ndarray] = []
    for band in range(bands):
        order = np.lexsort((rank, keys[:, band]))
        k = keys[order, band]
        same = k[1:] == k[:-1]
        if not same.any():
            continue
        group_start = np.flatnonzero(np.concatenate(([True], ~same)))
        group_size = np.diff(np.append(group_start, n)).astype(np.int64)
        group_of = np.repeat(np.arange(len(group_start)), group_size)
        for d in range(1, min(cap, int(group_size.max()) - 1) + 1):
            ok = np.flatnonzero(group_of[d:] == group_of[:-d])
            found.append(_codes(order[ok], order[ok + d], n))
        big = np.flatnonzero(group_size > cap + 1)
        for g in big:
            s, size = int(group_start[g]), int(group_size[g])
            heads = order[s:s + cap]
            members = order[s:s + size]
            found.append(_codes(np.repeat(heads, size), np.tile(members, len(heads)), n))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes = np.unique(np.concatenate(found))
    left, right = codes // n, codes % n
    keep = left != right
    return left[keep], right[keep]


def _codes(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    codes: np.ndarray = lo * n + hi
    return codes
