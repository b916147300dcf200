"""MinHash signatures for batches of documents, and a small record that carries their parameters.

The permutations are datasketch's ``affine32`` scheme (datasketch >= 2.0): each shingle's 32-bit
value ``x`` is pre-mixed by the murmur3 32-bit finalizer, then permutation ``k`` maps it to
``a[k] * h + b[k] mod 2**32`` (odd ``a[k]``, a bijection), with ``a, b`` drawn exactly as datasketch
draws them from ``RandomState(seed)``.  So a row equals ``datasketch.MinHash(num_perm, seed,
hashfunc=...)`` fed the same shingle values, not only in its Jaccard estimates.  A document without
shingles gets the all-``0xFFFFFFFF`` row (datasketch's empty value).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .shingle import ShingleBatch, shingle_batch

if TYPE_CHECKING:
    from .engine import DedupParams

EMPTY = np.uint32(0xFFFFFFFF)
_CHUNK_ROWS = 4096  # shingles per permutation block: [4096, 128] uint32 = 2 MB stays in cache


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The uint32 ``(a, b)`` of the ``num_perm`` permutations for ``seed``, as datasketch's affine32 draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (datasketch's pre-mix), vectorized."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    mixed: np.ndarray = h ^ (h >> np.uint32(16))
    return mixed


def shingle_values(shingles: ShingleBatch) -> np.ndarray:
    """The 32-bit value of each shingle that the permutations see (a datasketch ``hashfunc`` output)."""
    return (shingles.hashes >> np.uint64(32)).astype(np.uint32)


def _shifts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``c`` with ``a * (h + c) == a * h + b (mod 2**32)``: one broadcast add then an in-place multiply."""
    inverse = np.array([pow(int(x), -1, 2**32) for x in a], dtype=np.uint64)
    return ((b.astype(np.uint64) * inverse) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def minhash_shingles(shingles: ShingleBatch, num_perm: int, seed: int) -> np.ndarray:
    """Signatures ``[n_docs, num_perm]`` uint32 of a :class:`ShingleBatch`, in cache-sized blocks."""
    a, b = permutations(num_perm, seed)
    c = _shifts(a, b)[:, None]
    a = a[:, None]
    n = len(shingles)
    out = np.full((n, num_perm), EMPTY, dtype=np.uint32)
    offsets = shingles.offsets
    h32 = fmix32(shingle_values(shingles))
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    if len(nonempty) == 0:
        return out
    # Blocks of whole documents of about _CHUNK_ROWS shingles each (a long document is a block alone).
    # The block is permutation-major so that the per-document minimum runs over contiguous memory.
    cuts = np.searchsorted(offsets[nonempty], np.arange(0, int(offsets[-1]), _CHUNK_ROWS), side="left")
    cuts = np.unique(np.concatenate((cuts, [len(nonempty)])))
    buf = np.empty((num_perm, 0), dtype=np.uint32)
    lo_doc = 0
    for hi_doc in cuts[1:]:  # cuts[0] == 0
        docs = nonempty[lo_doc:hi_doc]
        lo, hi = int(offsets[docs[0]]), int(offsets[docs[-1] + 1])
        if buf.shape[1] < hi - lo:
            buf = np.empty((num_perm, hi - lo), dtype=np.uint32)
        block = buf[:, :hi - lo]
        np.add(h32[None, lo:hi], c, out=block)
        np.multiply(block, a, out=block)
        out[docs] = np.minimum.reduceat(block, offsets[docs] - lo, axis=1).T
        lo_doc = hi_doc
    return out


def compute_signatures(texts: Sequence[str], params: DedupParams) -> np.ndarray:
    """MinHash signatures of ``texts``: uint32 ``[len(texts), params.num_perm]``; a pure function."""
    return signatures_and_shingles(texts, params)[0]


def signatures_and_shingles(texts: Sequence[str], params: DedupParams) -> tuple[np.ndarray, ShingleBatch]:
    """:func:`compute_signatures` and the shingle hashes it was made from (for exact verification)."""
    shingles = shingle_batch(texts, params.ngram, params.char_ngrams)
    return minhash_shingles(shingles, params.num_perm, params.seed), shingles


@dataclass(frozen=True)
class MinHashBatch:
    """Signatures with the parameters that made them; comparing mismatched batches raises ``ValueError``."""

    values: np.ndarray  # uint32 [n, num_perm]
    seed: int
    ngram: int
    char_ngrams: int = 0

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.dtype != np.uint32:
            raise ValueError(f"signatures must be a 2-d uint32 array, got {self.values.dtype} {self.values.shape}")

    @classmethod
    def compute(cls, texts: Sequence[str], params: DedupParams) -> MinHashBatch:
        return cls(compute_signatures(texts, params), params.seed, params.ngram, params.char_ngrams)

    @property
    def num_perm(self) -> int:
        return int(self.values.shape[1])

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __getitem__(self, i: int) -> Signature:
        return Signature(self.values[i], self.seed, self.ngram, self.char_ngrams)

    def check_compatible(self, other: MinHashBatch | Signature) -> None:
        mine = (self.num_perm, self.seed, self.ngram, self.char_ngrams)
        theirs = (other.num_perm, other.seed, other.ngram, other.char_ngrams)
        if mine != theirs:
            raise ValueError(f"cannot compare signatures made with different parameters: (num_perm, seed, "
                             f"ngram, char_ngrams) = {mine} vs {theirs}")


@dataclass(frozen=True)
class Signature:
    """One document's MinHash with its parameters; ``jaccard`` refuses other parameters like datasketch does."""

    values: np.ndarray  # uint32 [num_perm]
    seed: int
    ngram: int
    char_ngrams: int = 0

    @property
    def num_perm(self) -> int:
        return int(self.values.shape[0])

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity: the fraction of equal minimums."""
        if (self.num_perm, self.seed, self.ngram, self.char_ngrams) != (
                other.num_perm, other.seed, other.ngram, other.char_ngrams):
            raise ValueError("cannot compare signatures made with different num_perm, seed, ngram or char_ngrams")
        return float(np.count_nonzero(self.values == other.values)) / self.num_perm

    def to_datasketch(self) -> Any:
        """This signature as a ``datasketch.LeanMinHash`` (same seed, same hash values)."""
        from datasketch import LeanMinHash, MinHash

        return LeanMinHash(MinHash(num_perm=self.num_perm, seed=self.seed, hashvalues=self.values,
                                   scheme="affine32"))

    @classmethod
    def from_datasketch(cls, minhash: Any, ngram: int, char_ngrams: int = 0) -> Signature:
        """Wrap a datasketch (Lean)MinHash's values; only meaningful for one made by :meth:`to_datasketch`."""
        if getattr(minhash, "scheme", None) != "affine32":
            raise ValueError("only datasketch MinHashes of scheme 'affine32' match cleaner signatures")
        return cls(np.asarray(minhash.hashvalues, dtype=np.uint32), int(minhash.seed), ngram, char_ngrams)


def estimate_pairs(signatures: np.ndarray, left: np.ndarray, right: np.ndarray,
                   chunk: int = 65536) -> np.ndarray:
    """Estimated Jaccard of the pairs ``(left[k], right[k])`` of rows of one signature matrix."""
    out = np.empty(len(left), dtype=np.float64)
    num_perm = signatures.shape[1]
    for lo in range(0, len(left), chunk):
        hi = lo + chunk
        eq = signatures[left[lo:hi]] == signatures[right[lo:hi]]
        out[lo:hi] = np.count_nonzero(eq, axis=1) / num_perm
    return out
