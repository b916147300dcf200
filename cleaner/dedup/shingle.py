"""Shingles over fingerprint-normalized text, hashed for a whole batch of documents at once.

A shingle is ``n`` consecutive tokens of :func:`cleaner.text.fingerprint.normalize` (word n-grams),
or ``n`` consecutive characters of it (character n-grams, for short texts and scripts without
spaces).  A document with fewer than ``n`` units but at least one has one shingle: all its units.
A document with no units has no shingles.

The hot path never loops over tokens in Python: the batch is joined, mapped to UTF-32 code points,
folded through :func:`cleaner.text.fingerprint.codepoint_table`, split at separators with array
operations, and each token gets a polynomial hash by a segment sum.  :func:`reference_shingles`
is the slow string spelling of the same definition, kept for tests.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..text import fingerprint
from ..text.fingerprint import EXPANDS as _EXPANDS
from ..text.fingerprint import casefold_table as _casefold_table
from ..text.fingerprint import codepoint_table, normalize
from ..text.polyhash import powers_mod64

_SPACE = 0x20
_CHAR_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier for the per-token polynomial
_GRAM_MULT = np.uint64(0xC2B2AE3D27D4EB4F)  # odd multiplier combining units into an n-gram
_LEN_MULT = np.uint64(0x165667B19E3779F9)
# Characters shingled in one pass.  The pass's per-character arrays (8 MB each at most) then come from
# the heap and reuse its pages; a batch of 1000 pages (4.5M characters) in one pass got each of its
# 36 MB arrays as fresh mmapped memory, page-faulted 450 MB per 20k pages and lost 40% of its speed.
_PASS_CHARS = 1 << 20


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer, vectorized (wrapping uint64 arithmetic)."""
    shift = np.uint64(33)
    mixed: np.ndarray = h ^ (h >> shift)  # a new array; the rest works in place on it
    mixed *= np.uint64(0xFF51AFD7ED558CCD)
    mixed ^= mixed >> shift
    mixed *= np.uint64(0xC4CEB9FE1A85EC53)
    mixed ^= mixed >> shift
    return mixed


@dataclass(frozen=True)
class ShingleBatch:
    """The shingle hashes of a batch: ``hashes[offsets[i]:offsets[i + 1]]`` belong to document ``i``.

    Hashes are 64-bit; a document's hashes may repeat (use :meth:`sets` for sets).
    """

    hashes: np.ndarray  # uint64 [total shingles]
    offsets: np.ndarray  # int64 [n_docs + 1]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def concat(cls, parts: Sequence[ShingleBatch]) -> ShingleBatch:
        """The batches one after another, as one batch of all their documents."""
        if len(parts) == 1:
            return parts[0]
        bases = np.cumsum([0] + [int(p.offsets[-1]) for p in parts[:-1]])
        tails = [p.offsets[1:] + base for p, base in zip(parts, bases, strict=True)]
        offsets = np.concatenate([np.zeros(1, dtype=np.int64), *tails])
        return cls(np.concatenate([p.hashes for p in parts]), offsets)

    def sets(self) -> list[np.ndarray]:
        """One sorted, duplicate-free uint64 array per document."""
        return [np.unique(self.hashes[self.offsets[i]:self.offsets[i + 1]]) for i in range(len(self))]


def build_tables(casefold: bool = True) -> None:
    """Load this process's fold tables now (:func:`codepoint_table`, NFKC's stable characters and the casefold
    table of shingling and line keys: a few milliseconds from their stored copies, about 0.2 s to build the
    first time, :mod:`cleaner.text.tablecache`), e.g. before forking workers that would each load their own."""
    codepoint_table()
    fingerprint.nfkc_stable_table()
    if casefold:
        _casefold_table()


def _nfkc_batch(texts: Sequence[str]) -> tuple[list[str], np.ndarray | None]:
    """``[nfkc(t) for t in texts]``, with the mark-run cap (a slow regex) run only where a run is long.

    ``nfkc`` cuts runs of more than 30 combining marks before NFKC; a text without such a run is
    plain NFKC, so one vectorized look at the batch's code points finds the few texts that need it.
    Also returns ``_utf32`` of the result when NFKC changed no text (the usual case), else None.
    """
    raw = _utf32(list(texts))  # texts joined by spaces: a mark run never spans two
    out = fingerprint.nfkc_many(list(texts), raw, np.cumsum([len(t) + 1 for t in texts]))
    # normalize() returns its argument itself when the text is already NFKC
    unchanged = all(o is t for o, t in zip(out, texts, strict=True))
    return out, raw if unchanged else None


def _folded_batch(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points of the batch joined by single spaces, and each document's start in it.

    Equal to ``normalize(text)`` per document up to separator runs (tokens are the same).
    """
    fold = _casefold_table()
    pre, raw = _nfkc_batch(texts)  # C-speed per document; the rest is array work
    mapped = fold[raw if raw is not None else _utf32(pre)]
    lengths = np.fromiter((len(p) + 1 for p in pre), dtype=np.int64, count=len(pre))
    expanding = mapped == _EXPANDS
    if expanding.any():
        bad = np.unique(np.searchsorted(np.cumsum(lengths), np.flatnonzero(expanding), side="right"))
        for i in bad.tolist():
            pre[i] = pre[i].casefold()
        mapped = fold[_utf32(pre)]
        lengths = np.fromiter((len(p) + 1 for p in pre), dtype=np.int64, count=len(pre))
    starts = np.zeros(len(pre), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    keep = mapped != 0
    if keep.all():
        return mapped, starts
    kept_before = np.concatenate(([0], np.cumsum(keep)))
    return mapped[keep], kept_before[starts]


def _utf32(parts: list[str]) -> np.ndarray:
    joined = " ".join(parts) + " "
    return np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _tokens(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token starts and ends (half-open) in the folded code points, maximal runs of non-spaces; and the mask."""
    word = cps != _SPACE
    if not len(word):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, word
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1  # alternately a token's start and end
    if word[0]:
        edges = np.concatenate(([0], edges))
    if word[-1]:
        edges = np.append(edges, len(word))
    return edges[0::2], edges[1::2], word


class _PowerTables:
    """``M**(k+1)`` and ``M**-k`` mod 2**64 for ``k < len``; grows to the next power of two when asked for more.

    A smaller batch after a larger one takes a prefix (the tables' prefixes do not depend on their length).
    """

    def __init__(self) -> None:
        self.powers: np.ndarray = np.zeros(0, dtype=np.uint64)
        self.inverses: np.ndarray = np.zeros(0, dtype=np.uint64)

    def upto(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.powers) < n:
            size = 1 << max(16, int(n).bit_length())
            self.powers = powers_mod64(int(_CHAR_MULT), size, 1)
            self.inverses = powers_mod64(pow(int(_CHAR_MULT), -1, 2**64), size)
        return self.powers[:n], self.inverses[:n]


@lru_cache(maxsize=1)
def _power_tables() -> _PowerTables:
    return _PowerTables()


def _token_hashes(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """One 64-bit hash per token: ``sum c[k] * M**(k - start + 1)``, finalized, with the length mixed in.

    Computed from one prefix sum over the batch, ``P[end] - P[start]`` rescaled by ``M**-start``, so no
    step runs per token or per segment.
    """
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64)
    powers, inverses = _power_tables().upto(len(cps))
    prefix = np.empty(len(cps) + 1, dtype=np.uint64)
    prefix[0] = 0
    np.multiply(cps, powers, out=prefix[1:])  # casts on the fly: no uint64 copy of cps
    np.cumsum(prefix[1:], out=prefix[1:])  # in place: one batch-sized uint64 array, not two
    sums = prefix[ends]
    sums -= prefix[starts]
    del prefix
    sums *= inverses[starts]
    lengths = (ends - starts).astype(np.uint64)
    lengths *= _LEN_MULT
    sums += lengths
    return fmix64(sums)


def _per_doc(doc_starts: np.ndarray, positions: np.ndarray, total: int) -> np.ndarray:
    """How many of the sorted ``positions`` fall in each document's range."""
    bounds = np.searchsorted(positions, np.append(doc_starts, total))
    return np.diff(bounds)


def _units(texts: Sequence[str], char_ngrams: int) -> tuple[np.ndarray, np.ndarray]:
    """The units that shingles are made of (token hashes, or code points) and units per document."""
    cps, doc_starts = _folded_batch(texts)
    starts, ends, word = _tokens(cps)
    if not char_ngrams:
        return _token_hashes(cps, starts, ends), _per_doc(doc_starts, starts, len(cps))
    # Characters of normalize(): the tokens' characters with one space between tokens of a document.
    token_doc = np.searchsorted(doc_starts, starts, side="right") - 1
    same_doc_next = np.zeros(len(starts), dtype=bool)
    same_doc_next[:-1] = token_doc[1:] == token_doc[:-1]
    keep = word.copy()
    keep[ends[same_doc_next]] = True  # the separator right after a token that is not its doc's last
    units = cps[keep].astype(np.uint64)
    return units, _per_doc(doc_starts, np.flatnonzero(keep), len(cps))


def _ngrams(units: np.ndarray, counts: np.ndarray, n: int) -> ShingleBatch:
    """Combine each document's consecutive units into n-gram hashes (all units if fewer than n)."""
    per_doc = np.where(counts >= n, counts - n + 1, np.minimum(counts, 1))
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=offsets[1:])
    total = int(offsets[-1])
    if total == 0:
        return ShingleBatch(np.zeros(0, dtype=np.uint64), offsets)
    if bool((counts >= n).all()):
        return ShingleBatch(fmix64(_rolling(units, n)[_valid_starts(counts, n)] + np.uint64(n) * _LEN_MULT), offsets)
    unit_start = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=unit_start[1:])
    doc = np.repeat(np.arange(len(counts)), per_doc)
    pos = unit_start[doc] + (np.arange(total, dtype=np.int64) - offsets[:-1][doc])
    size = np.minimum(counts[doc], n)
    acc = units[pos].copy()
    last = len(units) - 1
    for m in range(1, n):
        nxt = acc * _GRAM_MULT + units[np.minimum(pos + m, last)]
        acc = np.where(size > m, nxt, acc)
    return ShingleBatch(fmix64(acc + size.astype(np.uint64) * _LEN_MULT), offsets)


def _rolling(units: np.ndarray, n: int) -> np.ndarray:
    """The polynomial of every window of ``n`` consecutive units of the whole stream (slices, no gathers)."""
    width = len(units) - n + 1
    acc = units[:width].copy()
    for m in range(1, n):
        acc *= _GRAM_MULT
        acc += units[m:m + width]
    return acc


def _valid_starts(counts: np.ndarray, n: int) -> np.ndarray:
    """Mask over stream windows: those that lie inside one document (every document has >= n units)."""
    width = int(counts.sum()) - n + 1
    ok = np.ones(width, dtype=bool)
    ends = np.cumsum(counts)
    for back in range(1, n):  # windows starting in the last n-1 units of a document cross into the next
        cross = ends - back
        ok[cross[cross < width]] = False
    return ok


def shingle_batch(texts: Sequence[str], ngram: int, char_ngrams: int = 0) -> ShingleBatch:
    """Hash the shingles of every text: word ``ngram``-grams, or ``char_ngrams``-grams of characters if > 0."""
    if ngram < 1 or char_ngrams < 0:
        raise ValueError(f"ngram must be >= 1 and char_ngrams >= 0, got {ngram} and {char_ngrams}")
    if not texts:
        return ShingleBatch(np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64))
    return ShingleBatch.concat([_ngrams(*_units(texts[lo:hi], char_ngrams), char_ngrams or ngram)
                                for lo, hi in _passes([len(t) for t in texts], _PASS_CHARS)])


def _passes(lengths: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Consecutive ``[lo, hi)`` ranges of documents of at most ``budget`` characters each (or one document)."""
    ranges, lo, used = [], 0, 0
    for i, n in enumerate(lengths):
        if i > lo and used + n + 1 > budget:
            ranges.append((lo, i))
            lo, used = i, 0
        used += n + 1
    ranges.append((lo, len(lengths)))
    return ranges


def shingle_sets(texts: Sequence[str], ngram: int, char_ngrams: int = 0) -> list[np.ndarray]:
    """Sorted unique 64-bit shingle hashes per text: the sets that :func:`exact_jaccard` compares."""
    return shingle_batch(texts, ngram, char_ngrams).sets()


def reference_shingles(text: str, ngram: int, char_ngrams: int = 0) -> set[str]:
    """The shingles of ``text`` as strings (slow; the definition that the hashed path follows)."""
    folded = normalize(text)
    units: list[str] = list(folded) if char_ngrams else folded.split()
    n = char_ngrams or ngram
    if not units:
        return set()
    joiner = "" if char_ngrams else " "
    if len(units) < n:
        return {joiner.join(units)}
    return {joiner.join(units[i:i + n]) for i in range(len(units) - n + 1)}


def exact_jaccard(a: np.ndarray | set[str], b: np.ndarray | set[str]) -> float:
    """Exact Jaccard similarity of two shingle sets (sorted unique hash arrays, or Python sets).

    Two empty sets have similarity 0.0: an empty document is nobody's duplicate.
    """
    if isinstance(a, set) and isinstance(b, set):
        union = len(a | b)
        return len(a & b) / union if union else 0.0
    a, b = np.asarray(a), np.asarray(b)
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    inter = 0
    if len(small):  # binary search of the smaller sorted set in the larger: no sort, no concatenation
        pos = np.minimum(np.searchsorted(large, small), len(large) - 1)
        inter = int(np.count_nonzero(large[pos] == small))
    union = len(a) + len(b) - inter
    return inter / union if union else 0.0
