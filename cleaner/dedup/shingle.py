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

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from ..text.fingerprint import codepoint_table, normalize

_SPACE = 0x20
_CHAR_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier for the per-token polynomial
_GRAM_MULT = np.uint64(0xC2B2AE3D27D4EB4F)  # odd multiplier combining units into an n-gram
_LEN_MULT = np.uint64(0x165667B19E3779F9)


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer, vectorized (wrapping uint64 arithmetic)."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@dataclass(frozen=True)
class ShingleBatch:
    """The shingle hashes of a batch: ``hashes[offsets[i]:offsets[i + 1]]`` belong to document ``i``.

    Hashes are 64-bit; a document's hashes may repeat (use :meth:`sets` for sets).
    """

    hashes: np.ndarray  # uint64 [total shingles]
    offsets: np.ndarray  # int64 [n_docs + 1]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def sets(self) -> list[np.ndarray]:
        """One sorted, duplicate-free uint64 array per document."""
        return [np.unique(self.hashes[self.offsets[i]:self.offsets[i + 1]]) for i in range(len(self))]


@lru_cache(maxsize=1)
def _casefold_tables() -> tuple[np.ndarray, np.ndarray]:
    """``(fold, expands)``: casefold then :func:`codepoint_table` as one lookup, and which code points casefold to several.

    ``str.casefold`` maps each code point on its own (no context), so for code points whose casefold
    is one character the two lookups compose into one table; the rare documents holding a code
    point that casefolds to several (``ß`` -> ``ss``) are casefolded in Python instead.
    """
    table = codepoint_table()
    fold = table.copy()
    expands = np.zeros(0x110000, dtype=bool)
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        folded = chr(cp).casefold()
        if len(folded) == 1:
            fold[cp] = table[ord(folded)]
        else:
            expands[cp] = True
    fold[0x41:0x5B] = table[0x61:0x7B]  # ASCII capitals
    return fold, expands


def _folded_batch(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points of the batch joined by single spaces, and each document's start in it.

    Equal to ``normalize(text)`` per document up to separator runs (tokens are the same).
    """
    fold, expands = _casefold_tables()
    pre = [unicodedata.normalize("NFKC", t) for t in texts]  # C-speed per document; the rest is array work
    raw = _utf32(pre)
    if expands[raw].any():
        lengths = np.fromiter((len(p) + 1 for p in pre), dtype=np.int64, count=len(pre))
        bad = np.unique(np.searchsorted(np.cumsum(lengths), np.flatnonzero(expands[raw]), side="right"))
        for i in bad.tolist():
            pre[i] = pre[i].casefold()
        raw = _utf32(pre)
    lengths = np.fromiter((len(p) + 1 for p in pre), dtype=np.int64, count=len(pre))
    starts = np.zeros(len(pre), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    mapped = fold[raw]
    keep = mapped != 0
    if keep.all():
        return mapped, starts
    kept_before = np.concatenate(([0], np.cumsum(keep)))
    return mapped[keep], kept_before[starts]


def _utf32(parts: list[str]) -> np.ndarray:
    joined = " ".join(parts) + " "
    return np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _tokens(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token starts and ends (half-open) in the folded code points: maximal runs of non-spaces."""
    word = (cps != _SPACE).view(np.int8)
    edges = np.diff(word, prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _token_hashes(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """One 64-bit hash per token: a polynomial in the code points, finalized, with the length mixed in."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64)
    lengths = ends - starts
    chars = cps[cps != _SPACE].astype(np.uint64)
    first = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    offset_in_token = np.arange(len(chars), dtype=np.int64) - np.repeat(first, lengths)
    powers = np.cumprod(np.full(int(lengths.max()), _CHAR_MULT, dtype=np.uint64))
    sums = np.add.reduceat(chars * powers[offset_in_token], first)
    return fmix64(sums + lengths.astype(np.uint64) * _LEN_MULT)


def _units(texts: Sequence[str], char_ngrams: int) -> tuple[np.ndarray, np.ndarray]:
    """The units that shingles are made of (token hashes, or code points) and units per document."""
    cps, doc_starts = _folded_batch(texts)
    starts, ends = _tokens(cps)
    token_doc = np.searchsorted(doc_starts, starts, side="right") - 1
    if not char_ngrams:
        return _token_hashes(cps, starts, ends), np.bincount(token_doc, minlength=len(texts))
    # Characters of normalize(): the tokens' characters with one space between tokens of a document.
    same_doc_next = np.zeros(len(starts), dtype=bool)
    same_doc_next[:-1] = token_doc[1:] == token_doc[:-1]
    keep = cps != _SPACE
    keep[ends[same_doc_next]] = True  # the separator right after a token that is not its doc's last
    units = cps[keep].astype(np.uint64)
    unit_doc = np.searchsorted(doc_starts, np.flatnonzero(keep), side="right") - 1
    return units, np.bincount(unit_doc, minlength=len(texts))


def _ngrams(units: np.ndarray, counts: np.ndarray, n: int) -> ShingleBatch:
    """Combine each document's consecutive units into n-gram hashes (all units if fewer than n)."""
    per_doc = np.where(counts >= n, counts - n + 1, np.minimum(counts, 1))
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=offsets[1:])
    total = int(offsets[-1])
    if total == 0:
        return ShingleBatch(np.zeros(0, dtype=np.uint64), offsets)
    unit_start = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=unit_start[1:])
    doc = np.repeat(np.arange(len(counts)), per_doc)
    pos = unit_start[doc] + (np.arange(total, dtype=np.int64) - offsets[:-1][doc])
    size = np.minimum(counts[doc], n)
    short = bool((size < n).any())
    acc = units[pos].copy()
    last = len(units) - 1
    for m in range(1, n):
        nxt = acc * _GRAM_MULT + units[np.minimum(pos + m, last)]
        acc = np.where(size > m, nxt, acc) if short else nxt
    return ShingleBatch(fmix64(acc + size.astype(np.uint64) * _LEN_MULT), offsets)


def shingle_batch(texts: Sequence[str], ngram: int, char_ngrams: int = 0) -> ShingleBatch:
    """Hash the shingles of every text: word ``ngram``-grams, or ``char_ngrams``-grams of characters if > 0."""
    if ngram < 1 or char_ngrams < 0:
        raise ValueError(f"ngram must be >= 1 and char_ngrams >= 0, got {ngram} and {char_ngrams}")
    if not texts:
        return ShingleBatch(np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64))
    units, counts = _units(texts, char_ngrams)
    return _ngrams(units, counts, char_ngrams or ngram)


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
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 0.0
