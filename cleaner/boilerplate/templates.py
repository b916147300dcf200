"""Per-site document frequency of normalized lines, learned from the corpus (unsupervised).

Lines are keyed by a 64-bit polynomial hash of ``cleaner.text.fingerprint.normalize(line)``; each
site keeps a ``{key: pages}`` table.  Memory is bounded by ``max_keys`` entries over all sites: when
the tables grow past it, the rarest keys (seen on one page, then two, ...) are dropped until half the
budget is free.  A template line recurs on most of its site's pages, so it is counted again at once;
what the budget loses is the first sightings of rare lines.  Pruning depends only on the order of the
pages, so results do not depend on ``--jobs``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import ModelError
from ..text.fingerprint import EXPANDS, casefold_table, nfkc_many, normalize
from .features import BATCH_PAGES, Batch, batch_line_bounds, codepoints, line_bounds, token_hashes

#: A line is a template line when at least this share of the site's pages hold it ...
TEMPLATE_SHARE = 0.5


def key_of(normalized: str) -> int:
    """The 64-bit key of an already normalized line (0 is reserved for blank lines)."""
    if not normalized:
        return 0
    cps = codepoints(normalized)
    h = int(token_hashes(cps, np.array([0]), np.array([cps.size]))[0])
    return h or 1


def line_keys(text: str) -> np.ndarray:
    """Keys of every line of ``text`` (as split by :func:`cleaner.text.segment.lines`), 0 for blank lines.

    Equal to ``key_of(normalize(line))`` per line, computed for the whole page with array operations.
    """
    return keyed_lines([text])[0]


def keyed_lines(texts: list[str] | Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(keys, line_ptr, by_line)``: :func:`line_keys` of each text, concatenated (page p owns
    ``keys[line_ptr[p]:line_ptr[p + 1]]``), and per page whether its keys were computed line by line
    (NFKC created or removed a line break in it)."""
    batch = texts if isinstance(texts, Batch) else Batch.of(texts)
    texts = batch.texts
    line_ptr = batch.lines()[3]
    pre = nfkc_many(texts, batch.cps, batch.page_end)
    # casefold and fold as one lookup; NFKC returns a text already in NFKC itself, so the code points are
    # read again only when it changed a text, and only a text with a code point that casefolds to several
    # (ß -> ss) is casefolded in Python
    nbatch = _with_texts(batch, pre)
    fold = _line_fold_table()
    mapped = np.take(fold, nbatch.cps)  # faster than indexing with uint32
    expanding = np.flatnonzero(mapped == EXPANDS)
    if expanding.size:
        redo = set(np.searchsorted(nbatch.page_end, expanding, side="right").tolist())
        nbatch = Batch.of([t.casefold() if p in redo else t for p, t in enumerate(pre)])
        mapped = np.take(fold, nbatch.cps)  # faster than indexing with uint32
    # characters the fold drops (diacritics, format characters) are rare: positions shift past them
    dropped = np.flatnonzero(mapped == 0)
    folded = np.delete(mapped, dropped) if dropped.size else mapped
    f_start = nbatch.page_start - np.searchsorted(dropped, nbatch.page_start)
    f_end = nbatch.page_end - np.searchsorted(dropped, nbatch.page_end)
    fst, _, _, fptr = batch_line_bounds(folded, f_start, f_end)
    n_lines = np.diff(line_ptr)
    mismatch = np.flatnonzero(np.diff(fptr) != n_lines)
    keep = _key_chars(folded, fst, f_start, f_end)
    pos = np.flatnonzero(keep)
    bounds = np.append(np.searchsorted(pos, fst), pos.size)  # each line's kept characters
    counts = np.diff(bounds)
    h = token_hashes(folded[pos], bounds[:-1], bounds[1:])
    h[counts == 0] = 0
    h[(counts > 0) & (h == 0)] = 1
    by_line = np.zeros(len(texts), dtype=bool)
    by_line[mismatch] = True
    if mismatch.size == 0:
        return h, line_ptr, by_line
    # NFKC created or removed a line break in these pages: key them line by line
    parts = []
    redo = set(mismatch.tolist())
    for p in range(len(texts)):
        if p in redo:
            cps = codepoints(texts[p])
            parts.append(np.fromiter((key_of(normalize(texts[p][a:b]))
                                      for a, b in zip(*line_bounds(cps)[:2], strict=True)),
                                     dtype=np.uint64, count=int(n_lines[p])))
        else:
            parts.append(h[fptr[p]:fptr[p + 1]])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64), line_ptr, by_line


def _with_texts(batch: Batch, texts: list[str]) -> Batch:
    """The batch of ``texts``, where a text that is the batch's own (the same object) keeps its code points."""
    changed = [p for p, (new, old) in enumerate(zip(texts, batch.texts, strict=True)) if new is not old]
    if not changed:
        return batch
    parts = [batch.cps[a:b] for a, b in zip(batch.page_start.tolist(), batch.page_end.tolist(), strict=True)]
    for p in changed:
        parts[p] = codepoints(texts[p])
    lens = np.fromiter((part.size for part in parts), dtype=np.int64, count=len(parts))
    ends = np.cumsum(lens)
    return Batch(texts, np.concatenate(parts), ends - lens, ends)


@lru_cache(maxsize=1)
def _line_fold_table() -> np.ndarray:
    """:func:`~cleaner.text.fingerprint.casefold_table` with CR and LF kept: they end lines, not words."""
    table = casefold_table().copy()
    table[10], table[13] = 10, 13
    return table


def _key_chars(folded: np.ndarray, line_starts: np.ndarray, page_start: np.ndarray, page_end: np.ndarray
               ) -> np.ndarray:
    """The characters of a line's key in the folded code points of a batch: line breaks go, and each run of
    spaces is one space, none at the start or end of a line (a run stops at a page's end)."""
    n = folded.size
    sp = folded == 0x20
    brk = (folded == 10) | (folded == 13)
    keep: np.ndarray = ~(sp | brk)
    page_bound = np.zeros(n + 1, dtype=bool)
    page_bound[page_start] = True
    page_bound[page_end] = True
    head = sp.copy()  # first space of a run
    head[1:] &= ~sp[:-1] | page_bound[1:n]
    tail = sp.copy()  # last space of a run
    tail[:-1] &= ~sp[1:] | page_bound[1:n]
    a = np.flatnonzero(head)
    b = np.flatnonzero(tail) + 1  # what follows each run
    line_start = np.zeros(n + 1, dtype=bool)
    line_start[line_starts] = True
    ends_line = np.append(brk, True)[b] | page_bound[b]
    keep[a[~line_start[a] & ~ends_line]] = True
    return keep


class TemplateStats:
    """Document frequency of normalized lines per site, with bounded memory."""

    def __init__(self, min_pages: int = 3, max_keys: int = 1_000_000) -> None:
        if min_pages < 1 or max_keys < 1:
            raise ValueError("min_pages and max_keys must be >= 1")
        self.min_pages = min_pages
        self.max_keys = max_keys  # entries over all sites (about 100 bytes each while counting)
        self.pages: dict[str, int] = {}
        self.counts: dict[str, dict[int, int]] = {}
        self._entries = 0
        # per site: sorted keys and their counts, for array lookups (built on first lookup or by freeze())
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def add_page(self, site: str, text: str) -> None:
        """Count each distinct non-blank line of ``text`` once for ``site``."""
        self.add_pages([site], [text])

    def add_pages(self, sites: Sequence[str], texts: list[str]) -> None:
        """:meth:`add_page` of each page in order, with the line keys of all of them computed at once."""
        for lo in range(0, len(texts), BATCH_PAGES):
            keys, ptr, _ = keyed_lines(texts[lo:lo + BATCH_PAGES])
            bounds = ptr.tolist()
            for p, site in enumerate(sites[lo:lo + BATCH_PAGES]):
                self.add_keys(site, keys[bounds[p]:bounds[p + 1]])

    def add_keys(self, site: str, keys: np.ndarray) -> None:
        self.pages[site] = self.pages.get(site, 0) + 1
        self._arrays.pop(site, None)
        table = self.counts.setdefault(site, {})
        before = len(table)
        for k in set(keys[keys != 0].tolist()):
            table[k] = table.get(k, 0) + 1
        self._entries += len(table) - before
        if self._entries > self.max_keys:
            self._prune()

    def _prune(self) -> None:
        """Drop the rarest keys (count 1, then 2, ...) until at most half of ``max_keys`` entries remain."""
        floor = 1
        while self._entries > self.max_keys // 2:
            for site, table in self.counts.items():
                self.counts[site] = {k: c for k, c in table.items() if c > floor}
            self._arrays.clear()
            self._entries = sum(len(t) for t in self.counts.values())
            floor += 1

    def count(self, site: str, line: str) -> int:
        """Pages of ``site`` holding ``line`` (after normalization)."""
        return self.counts.get(site, {}).get(key_of(normalize(line)), 0)

    def site_pages(self, site: str | None) -> int:
        return self.pages.get(site, 0) if site is not None else 0

    def freeze(self) -> TemplateStats:
        """Build the lookup arrays of every site now (before forking workers, so that they share them)."""
        for site in self.counts:
            self._site_arrays(site)
        return self

    def _site_arrays(self, site: str) -> tuple[np.ndarray, np.ndarray]:
        arrays = self._arrays.get(site)
        if arrays is None:
            table = self.counts.get(site, {})
            keys = np.fromiter(table.keys(), dtype=np.uint64, count=len(table))
            counts = np.fromiter(table.values(), dtype=np.int64, count=len(table))
            order = np.argsort(keys)
            arrays = self._arrays[site] = (keys[order], counts[order])
        return arrays

    def lookup(self, site: str | None, keys: np.ndarray) -> np.ndarray:
        """Page counts for an array of keys (0 for unknown keys or sites)."""
        if site is None or not self.counts.get(site):
            return np.zeros(keys.size, dtype=np.int64)
        known, counts = self._site_arrays(site)
        pos = np.minimum(np.searchsorted(known, keys), known.size - 1)
        return np.where(known[pos] == keys, counts[pos], 0)

    def share(self, site: str | None, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """``(counts, share)`` of the site's pages holding each key; None when the site has < min_pages pages."""
        n = self.site_pages(site)
        if n < self.min_pages:
            return None
        counts = self.lookup(site, keys)
        return counts, np.where(counts >= self.min_pages, counts / n, 0.0)

    def merge(self, other: TemplateStats) -> None:
        for site, n in other.pages.items():
            self.pages[site] = self.pages.get(site, 0) + n
        for site, table in other.counts.items():
            self._arrays.pop(site, None)
            mine = self.counts.setdefault(site, {})
            before = len(mine)
            for k, c in table.items():
                mine[k] = mine.get(k, 0) + c
            self._entries += len(mine) - before
        if self._entries > self.max_keys:
            self._prune()

    def to_dict(self) -> dict[str, Any]:
        return {"min_pages": self.min_pages, "max_keys": self.max_keys, "pages": dict(self.pages),
                "counts": {s: {format(k, "x"): c for k, c in t.items()} for s, t in self.counts.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TemplateStats:
        """Rebuild from :meth:`to_dict` output; raises ModelError on anything malformed."""
        try:
            if not isinstance(data, Mapping):
                raise TypeError("not an object")
            min_pages = data.get("min_pages", 3)
            max_keys = data.get("max_keys", 1_000_000)
            if not isinstance(min_pages, int) or not isinstance(max_keys, int) or min_pages < 1 or max_keys < 1:
                raise TypeError("min_pages/max_keys must be positive integers")
            t = cls(min_pages, max_keys)
            pages = data.get("pages", {})
            counts = data.get("counts", {})
            if not isinstance(pages, Mapping) or not isinstance(counts, Mapping):
                raise TypeError("pages and counts must be objects")
            for s, n in pages.items():
                if not isinstance(s, str) or not isinstance(n, int) or n < 0:
                    raise TypeError(f"bad page count for site {s!r}")
                t.pages[s] = n
            for s, table in counts.items():
                if not isinstance(table, Mapping):
                    raise TypeError(f"bad table for site {s!r}")
                conv: dict[int, int] = {}
                for k, c in table.items():
                    if not isinstance(c, int) or c < 0 or not isinstance(k, str) or len(k) > 16:
                        raise TypeError(f"bad entry in the table of site {s!r}")
                    conv[int(k, 16)] = c
                t.counts[s] = conv
                t._entries += len(conv)
            return t
        except (TypeError, ValueError) as exc:
            raise ModelError(f"corrupt template statistics ({exc}); refit them with `cleaner fit`") from exc


def fit(items: Iterable[tuple[str, str]], min_pages: int = 3) -> TemplateStats:
    """TemplateStats over ``(site, text)`` pairs."""
    t = TemplateStats(min_pages)
    pairs = list(items)
    t.add_pages([site for site, _ in pairs], [text for _, text in pairs])
    return t
