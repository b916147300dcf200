"""Verification of LSH candidates: the signature estimate where it is safe, exact Jaccard where it is not.

The 128-permutation estimate of a pair of true Jaccard ``s`` is a binomial fraction with standard
deviation ``sqrt(s (1 - s) / num_perm)`` (0.035 at 0.8).  A pair whose estimate is far from the
threshold is decided correctly by it with near certainty; only pairs whose estimate falls inside the
*exact window* ``threshold ± EXACT_Z * sd`` are decided by exact Jaccard on their shingle sets.  With
``EXACT_Z = 4`` a pair sitting at the threshold leaves the window on the wrong side with probability
about 3e-5.  ``exact_verify`` widens the window to every candidate.

Shingle sets are large (about 3.6 KB per document as uint64), so they are not held in memory: a
:class:`ShingleStore` appends each batch's shingle hashes to an anonymous temporary file, or notes
where a worker process spooled them (:mod:`.spool`), and keeps 14 bytes per document in memory; the
few documents of borderline pairs are read back at the end.

A document without stored shingles (one indexed by an earlier run, or added with signatures only) is
decided by the estimate even inside the window.  The reported similarity is the exact Jaccard for
pairs decided exactly, else the estimate.
"""
from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

import numpy as np

from .minhash import estimate_pairs
from .shingle import ShingleBatch, exact_jaccard
from .spool import SpooledBatch

if TYPE_CHECKING:
    from .engine import DedupParams

__all__ = ["EXACT_Z", "ShingleStore", "exact_window", "verified_similarity", "verify_pairs"]

#: half-width of the exact window in standard deviations of the estimate at the threshold
EXACT_Z = 4.0
_PAIR_CHUNK = 20000  # borderline pairs whose shingle sets are loaded at once


def exact_window(params: DedupParams) -> tuple[float, float]:
    """``(lo, hi)``: a candidate whose estimate ``e`` has ``lo < e < hi`` is decided by exact Jaccard."""
    if params.exact_verify:
        return -math.inf, math.inf
    t = params.threshold
    half = max(EXACT_Z * math.sqrt(t * (1.0 - t) / params.num_perm), 2.0 / params.num_perm)
    return t - half, t + half


class ShingleStore:
    """Each document's shingle hashes in files; ``get(i)`` reads one set back.

    Batches given as arrays go to an anonymous temporary file, unlinked from the start, so nothing is
    left behind however the process ends; batches spooled by other processes
    (:class:`.spool.SpooledBatch`) stay in their files, which this store only reads.  Memory holds a
    file number (int16), a start (int64) and a count (int32, -1 for a document without shingles) per
    document.
    """

    def __init__(self) -> None:
        self._own: IO[bytes] | None = None  # the anonymous file of add_batch
        self._paths: list[str | None] = [None]  # file 0 is the own file
        self._fds: dict[int, int] = {}  # file number -> descriptor open for reading
        self._files: list[np.ndarray] = []
        self._starts: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._written = 0  # uint64 values in the own file
        self._index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return sum(len(c) for c in self._counts)

    def add_batch(self, batch: ShingleBatch) -> None:
        """Append a batch's documents (their hashes may repeat; :meth:`get` makes them a set)."""
        if self._own is None:
            self._own = tempfile.TemporaryFile(prefix="cleaner-shingles-")
        offsets = np.asarray(batch.offsets, dtype=np.int64)
        hashes = np.ascontiguousarray(batch.hashes, dtype=np.uint64)
        self._own.write(hashes.tobytes())
        self._append(0, offsets[:-1] + self._written, np.diff(offsets).astype(np.int32))
        self._written += len(hashes)

    def add_spooled(self, batch: SpooledBatch) -> None:
        """Append a batch that another process wrote to a spool file (read from there when needed)."""
        if batch.path not in self._paths:
            self._paths.append(batch.path)
        offsets = np.asarray(batch.offsets, dtype=np.int64)
        self._append(self._paths.index(batch.path), offsets[:-1] + batch.start, np.diff(offsets).astype(np.int32))

    def add_sets(self, sets: Sequence[np.ndarray]) -> None:
        """Append documents given as hash arrays (e.g. :func:`cleaner.dedup.shingle.shingle_sets`)."""
        arrays = [np.asarray(s, dtype=np.uint64) for s in sets]
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum([len(a) for a in arrays], out=offsets[1:])
        hashes = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint64)
        self.add_batch(ShingleBatch(hashes, offsets))

    def add_missing(self, n: int) -> None:
        """Append ``n`` documents without shingles (they are verified by the estimate)."""
        self._append(0, np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int32))

    def _append(self, file: int, starts: np.ndarray, counts: np.ndarray) -> None:
        self._files.append(np.full(len(counts), file, dtype=np.int16))
        self._starts.append(starts)
        self._counts.append(counts)
        self._index = None

    def has(self, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` have stored shingles (rows past the stored documents have none)."""
        _, _, counts = self._arrays()
        rows = np.asarray(rows, dtype=np.int64)
        inside = rows < len(counts)
        out = np.zeros(len(rows), dtype=bool)
        out[inside] = counts[rows[inside]] >= 0
        return out

    def get(self, i: int) -> np.ndarray:
        """The sorted, duplicate-free shingle hashes of document ``i`` (which must have some stored)."""
        files, starts, counts = self._arrays()
        count = int(counts[i])
        if count < 0:
            raise KeyError(f"document {i} has no stored shingles")
        size, at = count * 8, int(starts[i]) * 8
        data = os.pread(self._fd(int(files[i])), size, at)
        if len(data) != size:
            raise OSError(f"shingle file {self._paths[int(files[i])] or '(own)'} is short at {at}")
        values = np.sort(np.frombuffer(data, dtype=np.uint64))  # np.unique hashes first: 6x slower here
        distinct: np.ndarray = values[np.concatenate((values[:1] == values[:1], values[1:] != values[:-1]))]
        return distinct

    def _fd(self, file: int) -> int:
        if file == 0:
            assert self._own is not None
            self._own.flush()
            return self._own.fileno()
        if file not in self._fds:
            path = self._paths[file]
            assert path is not None
            self._fds[file] = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        return self._fds[file]

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._index is None:
            files = np.concatenate(self._files) if self._files else np.zeros(0, dtype=np.int16)
            starts = np.concatenate(self._starts) if self._starts else np.zeros(0, dtype=np.int64)
            counts = np.concatenate(self._counts) if self._counts else np.zeros(0, dtype=np.int32)
            self._files, self._starts, self._counts = [files], [starts], [counts]
            self._index = (files, starts, counts)
        return self._index

    def close(self) -> None:
        """Close the files (spooled files are left to their spool, which removes them)."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        if self._own is not None:
            self._own.close()
            self._own = None


def verify_pairs(signatures: np.ndarray, left: np.ndarray, right: np.ndarray, params: DedupParams,
                 store: ShingleStore | None) -> tuple[np.ndarray, int]:
    """Similarity of each candidate pair (rows of ``signatures``), and how many were decided exactly.

    Rows past the store's documents (e.g. indexed documents appended after the new ones) have no
    shingles and keep their estimate.
    """
    sims = estimate_pairs(signatures, left, right)
    if store is None or not len(sims):
        return sims, 0
    lo, hi = exact_window(params)
    todo = np.flatnonzero((sims > lo) & (sims < hi))
    todo = todo[store.has(left[todo]) & store.has(right[todo])]
    for start in range(0, len(todo), _PAIR_CHUNK):
        part = todo[start:start + _PAIR_CHUNK]
        a, b = left[part].tolist(), right[part].tolist()
        sets = {i: store.get(i) for i in sorted(set(a) | set(b))}
        sims[part] = [exact_jaccard(sets[i], sets[j]) for i, j in zip(a, b, strict=True)]
    return sims, len(todo)


def verified_similarity(sig_a: np.ndarray, sig_b: np.ndarray, set_a: np.ndarray | None, set_b: np.ndarray | None,
                        params: DedupParams) -> float:
    """One pair's similarity by the rule of :func:`verify_pairs` (for engines that verify pair by pair)."""
    estimate = float(np.count_nonzero(sig_a == sig_b)) / int(sig_a.shape[0])
    lo, hi = exact_window(params)
    if lo < estimate < hi and set_a is not None and set_b is not None:
        return float(exact_jaccard(set_a, set_b))
    return estimate
