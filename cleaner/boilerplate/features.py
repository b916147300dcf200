"""Language-agnostic line features, computed with array operations over a whole page.

A page is turned into UTF-32 code points once; character classes come from a lookup table, and
per-line counts from ``np.bincount`` over a line id per character.  Tokens are runs of word
characters (each CJK ideograph is a token of its own) and are hashed with a polynomial prefix hash
mod 2**64, so that the learned function-word set can be matched without a per-token Python loop.
The one word list is the multilingual section cues of :data:`.assemble.CUES`, read only on short
lines that name a related-links or comments section.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..text.fingerprint import bmp_lookup
from ..text.polyhash import powers_mod64
from ..text.tablecache import stored_table
from .assemble import CUE_CHARS, REASONS, cues_many

# character classes
SPACE, LOWER, UPPER, DIGIT, PUNCT, SYMBOL, CJK, MARK = range(8)
N_CLASSES = 8
_SENT_END = ".!?;؟۔。！？…‼⁇⁈⁉"
_CLOSERS = "\"'”’»)]」』】›）"
_LINKY = "|»›«‹→←·•▶►>/\\~"
_BULLETS = "•·-–—*▪●◦■►▸‣⁃➤✓✔"
_COMMAS = ",،、，;؛"
_HASH_BASE = np.uint64(0x100000001B3)  # odd, hence invertible mod 2**64
#: bit mask of the character classes that make up tokens
_WORD_CLASSES = sum(1 << c for c in (LOWER, UPPER, DIGIT, CJK, MARK))


@lru_cache(maxsize=1)
def char_tables() -> tuple[np.ndarray, np.ndarray]:
    """``(cls, flags)`` lookup tables over the BMP: class per code point and flag bits.

    Flag bits: 1 sentence end, 2 closing quote/bracket, 4 link-like separator, 8 bullet, 16 comma.
    Built on first use (~0.07 s), then read from disk (:mod:`cleaner.text.tablecache`).
    """
    both = stored_table("char-classes", __file__, _build_char_tables, (2, 0x10000), np.uint8)
    return both[0], both[1]


def _build_char_tables() -> np.ndarray:
    cls = np.empty(0x10000, dtype=np.uint8)
    for cp in range(0x10000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if ch.isspace() or cat == "Zs":
            cls[cp] = SPACE
        elif cat in ("Lu", "Lt"):
            cls[cp] = UPPER
        elif cat[0] == "L":
            cls[cp] = CJK if (0x2E80 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF) \
                and cat == "Lo" else LOWER
        elif cat[0] == "N":
            cls[cp] = DIGIT
        elif cat[0] == "P":
            cls[cp] = PUNCT
        elif cat[0] == "S":
            cls[cp] = SYMBOL
        elif cat[0] == "M":
            cls[cp] = MARK
        elif cat in ("Cf", "Cc", "Co", "Cn", "Cs"):
            # format characters (bidi marks, joiners) attach to the text around them, like marks
            cls[cp] = MARK if cat == "Cf" else SPACE if cat == "Cc" else SYMBOL
        else:
            cls[cp] = SYMBOL
    flags = np.zeros(0x10000, dtype=np.uint8)
    for bit, chars in ((1, _SENT_END), (2, _CLOSERS), (4, _LINKY), (8, _BULLETS), (16, _COMMAS)):
        for ch in chars:
            flags[ord(ch)] |= bit
    return np.stack((cls, flags))


#: in :func:`lower_table`: lowercasing this code point depends on its neighbours (capital sigma) or gives
#: several characters (dotted capital I)
NOT_ONE = 0xFFFFFFFF


@lru_cache(maxsize=1)
def lower_table() -> np.ndarray:
    """``str.lower`` of each BMP code point on its own as a lookup table (uint32), :data:`NOT_ONE` where that
    is not the lowercase in every text."""
    return stored_table("lower", __file__, _build_lower_table, (0x10000,), np.uint32)


def _build_lower_table() -> np.ndarray:
    cps = np.concatenate((np.arange(1, 0xD800), np.arange(0xE000, 0x10000))).astype(np.uint32)  # NUL is itself
    spaced = np.zeros(2 * cps.size - 1, dtype=np.uint32)  # NUL between code points: one str.lower call
    spaced[::2] = cps
    low = np.frombuffer(spaced.tobytes().decode("utf-32-le").lower().encode("utf-32-le"), dtype=np.uint32)
    seps = np.flatnonzero(low == 0)
    starts = np.concatenate(([0], seps + 1))
    lengths = np.concatenate((seps, [low.size])) - starts
    table = np.arange(0x10000, dtype=np.uint32)
    table[cps] = np.where(lengths == 1, low[starts], np.uint32(NOT_ONE))
    table[0x3A3] = NOT_ONE  # capital sigma lowercases to final sigma at the end of a word
    return table


def lowercased(b: Batch) -> tuple[np.ndarray, np.ndarray]:
    """``(cps, lowered)``: the code points of the batch with each text lowercased by ``str.lower``, or left as
    it is when its lowercase has another length, and per text whether it was lowercased.

    A lookup table lowercases the texts whose characters all lowercase on their own to one character in
    the BMP (nearly all); the others go through ``str.lower``.
    """
    cps = b.cps
    lcps = bmp_lookup(lower_table(), cps)
    odd = np.flatnonzero((lcps == NOT_ONE) | (cps > 0xFFFF))
    lowered = np.ones(len(b.texts), dtype=bool)
    for p in np.unique(np.searchsorted(b.page_end, odd, side="right")).tolist():
        text, a, z = b.texts[p], int(b.page_start[p]), int(b.page_end[p])
        low = text.lower()
        lowered[p] = len(low) == len(text)
        lcps[a:z] = codepoints(low) if lowered[p] else cps[a:z]
    return lcps, lowered


@lru_cache(maxsize=16)
def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    return powers_mod64(int(_HASH_BASE), n), powers_mod64(pow(int(_HASH_BASE), -1, 1 << 64), n)


def _powers_for(n: int) -> tuple[np.ndarray, np.ndarray]:
    size = 1 << max(12, int(n).bit_length())  # grow in powers of two so the cache stays small
    pw, ipw = _powers(size)
    return pw[:n], ipw[:n]


@dataclass
class PageTokens:
    """Token hashes of a batch, the (batch-wide) line each token belongs to, and its :func:`token_groups`
    number (the same for the same hash on the same page; lines selected from a batch keep their numbers)."""

    hashes: np.ndarray  # uint64
    line: np.ndarray  # int64 line index per token
    group: np.ndarray  # int64


@dataclass
class PageArrays:
    """Per-line counts of a batch of pages (all lines, blank ones included), concatenated.

    Page ``p`` owns lines ``line_ptr[p]:line_ptr[p + 1]``; offsets (``starts``, ``ends``, ``stops``)
    are relative to the page's own text.  A batch of one page is the common single-page case.
    """

    starts: np.ndarray  # line start offsets
    ends: np.ndarray  # line end offsets (before the break)
    stops: np.ndarray  # offsets after the line break
    nonspace: np.ndarray
    cls_counts: np.ndarray  # (n_lines, N_CLASSES)
    sent_ends: np.ndarray
    linky: np.ndarray
    commas: np.ndarray
    ends_sentence: np.ndarray  # bool
    bullet_start: np.ndarray  # bool
    tokens: PageTokens
    line_ptr: np.ndarray  # (n_pages + 1,) line ranges per page
    page_len: np.ndarray  # (n_pages,) length of each page's text
    lowered: np.ndarray  # (n_pages,) bool: tokens were hashed lowercased (lowercasing kept the page's length)
    cue: np.ndarray  # per line: the :data:`.assemble.REASONS` index a short line's cue words name, -1 for none

    @property
    def n_lines(self) -> int:
        return int(self.starts.size)

    @property
    def n_pages(self) -> int:
        return int(self.page_len.size)

    @property
    def page_of_line(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_pages), np.diff(self.line_ptr))


@dataclass
class Batch:
    """A batch of texts as one code-point array with page boundaries."""

    texts: list[str]
    cps: np.ndarray
    page_start: np.ndarray  # (n_pages,) offsets into cps
    page_end: np.ndarray
    _lines: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, texts: list[str]) -> Batch:
        lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        ends = np.cumsum(lens)
        return cls(texts, codepoints("".join(texts)), ends - lens, ends)

    def lines(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:func:`batch_line_bounds` of the batch, computed once."""
        if self._lines is None:
            self._lines = batch_line_bounds(self.cps, self.page_start, self.page_end)
        return self._lines

    def boundary(self) -> np.ndarray:
        """Bool per position 0..n: True where a page starts or ends."""
        out = np.zeros(self.cps.size + 1, dtype=bool)
        out[self.page_start] = True
        out[self.page_end] = True
        return out


def batch_line_bounds(cps: np.ndarray, page_start: np.ndarray, page_end: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(starts, ends, stops, line_ptr)`` of every page's lines (absolute offsets into ``cps``).

    Per page this is :func:`line_bounds`: CR, LF and CRLF end a line, a page always has one line,
    and no line or CRLF pair spans two pages.
    """
    n = cps.size
    n_pages = page_start.size
    bound = np.zeros(n + 1, dtype=bool)
    bound[page_start] = True
    bound[page_end] = True
    # the few CR and LF positions; an LF right after a CR of the same page is part of its break
    cand = np.flatnonzero((cps == 10) | (cps == 13))
    is_r = cps[cand] == 13
    prev = np.maximum(cand - 1, 0)
    lf_of_crlf = ~is_r & (cand > 0) & (cps[prev] == 13) & ~bound[cand]
    brk = cand[~lf_of_crlf]
    nxt = np.minimum(brk + 1, max(n - 1, 0))
    crlf = (cps[brk] == 13) & (brk + 1 < n) & (cps[nxt] == 10) & ~bound[brk + 1]
    bstops = brk + np.where(crlf, 2, 1)
    inner = bstops[~bound[bstops]]  # line starts that are not page starts
    page_of_inner = np.searchsorted(page_end, inner, side="right")
    starts = np.concatenate((page_start, inner))
    pages = np.concatenate((np.arange(n_pages), page_of_inner))
    order = np.lexsort((starts, pages))
    starts, pages = starts[order], pages[order]
    j = np.searchsorted(brk, starts)
    pend = page_end[pages]
    has = j < brk.size
    jj = np.minimum(j, max(brk.size - 1, 0))
    in_page = has & (brk[jj] < pend) if brk.size else np.zeros(starts.size, dtype=bool)
    ends = np.where(in_page, brk[jj] if brk.size else 0, pend)
    stops = np.where(in_page, bstops[jj] if brk.size else 0, pend)
    line_ptr = np.concatenate(([0], np.cumsum(np.bincount(pages, minlength=n_pages))))
    return starts.astype(np.int64), ends.astype(np.int64), stops.astype(np.int64), line_ptr


def line_bounds(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(starts, ends, stops)`` of the lines, as :func:`cleaner.text.segment.lines` splits them."""
    starts, ends, stops, _ = batch_line_bounds(cps, np.zeros(1, dtype=np.int64),
                                               np.array([cps.size], dtype=np.int64))
    return starts, ends, stops


def codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def token_hashes(word_cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Polynomial hashes (mod 2**64) of ``word_cps[s:e]`` for each token, from prefix sums."""
    n = word_cps.size
    pw, ipw = _powers_for(n + 1)
    with np.errstate(over="ignore"):
        prefix = np.empty(n + 1, dtype=np.uint64)
        prefix[0] = 0
        np.multiply(word_cps, pw[:n], out=prefix[1:], dtype=np.uint64)  # no temporary arrays
        np.cumsum(prefix[1:], out=prefix[1:])
        h: np.ndarray = (prefix[ends] - prefix[starts]) * ipw[starts]
        h ^= (ends - starts).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return h


def hash_token(token: str) -> int:
    """The hash :func:`page_arrays` gives a token (lowercased), for building function-word sets."""
    cps = codepoints(token.lower())
    return int(token_hashes(cps, np.array([0]), np.array([cps.size]))[0])


def _positions(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions of the (ascending, disjoint) ranges ``[starts, ends)``, concatenated."""
    lengths = ends - starts
    offsets = np.cumsum(lengths) - lengths
    pos: np.ndarray = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - offsets, lengths)
    return pos


def _edge_set(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray, last: bool) -> np.ndarray:
    """Per line ``[starts, ends)``: its first (``last``: its last) position where ``mask`` is set, -1 where it has
    none.  A line whose first (last) character is set takes it; only the other lines are read character by
    character."""
    out = np.full(starts.size, -1, dtype=np.int64)
    nonempty = np.flatnonzero(ends > starts)
    edge = (ends if last else starts + 1)[nonempty] - 1
    direct = mask[edge]
    out[nonempty[direct]] = edge[direct]
    rest = nonempty[~direct]
    lo, hi = starts[rest], ends[rest]
    pos = _positions(lo, hi)
    pos = pos[mask[pos]]
    if pos.size:
        j = np.searchsorted(pos, hi) - 1 if last else np.searchsorted(pos, lo)
        at = pos[np.clip(j, 0, pos.size - 1)]
        out[rest] = np.where((j >= 0) & (j < pos.size) & (at >= lo) & (at < hi), at, -1)
    return out


def page_arrays(text: str) -> PageArrays:
    """:func:`batch_arrays` of one page."""
    return batch_arrays([text])


def batch_arrays(texts: list[str] | Batch) -> PageArrays:
    """Split each text into lines and count character classes, sentence ends and tokens per line."""
    b = texts if isinstance(texts, Batch) else Batch.of(texts)
    texts = b.texts
    cps = b.cps
    astarts, aends, astops, line_ptr = b.lines()
    n_lines = astarts.size
    lcps, lowered = lowercased(b)
    cls_t, flag_t = char_tables()
    cls = bmp_lookup(cls_t, cps)
    astral = cps > 0xFFFF
    if astral.any():
        cls = cls.copy()
        cls[astral] = np.where((cps[astral] >= 0x20000) & (cps[astral] <= 0x3FFFF), CJK, SYMBOL)
    flags = bmp_lookup(flag_t, cps)
    # every character belongs to a line (its break characters, CR and LF, included: they are spaces)
    line_of = np.repeat(np.arange(n_lines), np.diff(np.append(astarts, cps.size)))
    code = line_of * N_CLASSES
    code += cls
    cls_counts = np.bincount(code, minlength=n_lines * N_CLASSES).reshape(n_lines, N_CLASSES)
    cls_counts[:, SPACE] -= astops - aends  # the breaks are no part of the line
    nonspace = cls_counts[:, 1:].sum(axis=1)
    # the few characters that end sentences, link or separate (flatnonzero is fast on bools, slow on uint8)
    marked = np.flatnonzero((flags & (1 | 4 | 16)) != 0)
    mflags, mline = flags[marked], line_of[marked]
    sent_ends = np.bincount(mline, weights=(mflags & 1) > 0, minlength=n_lines)
    linky = np.bincount(mline, weights=(mflags & 4) > 0, minlength=n_lines)
    commas = np.bincount(mline, weights=(mflags & 16) > 0, minlength=n_lines)
    nonsp = cls != SPACE
    last = _edge_set(nonsp & ((flags & 2) == 0), astarts, aends, last=True)  # closers aside
    ends_sentence = np.zeros(n_lines, dtype=bool)
    ok = last >= 0
    ends_sentence[ok] = (flags[last[ok]] & 1) > 0
    first = _edge_set(nonsp, astarts, aends, last=False)
    has = first >= 0
    bullet_start = np.zeros(n_lines, dtype=bool)
    bullet_start[has] = (flags[first[has]] & 8) > 0
    # tokens: runs of word characters; every CJK character is a token of its own; none spans two pages
    bound = b.boundary()
    word = ((np.uint8(_WORD_CLASSES) >> cls) & 1).view(bool)  # bit ``cls`` of the mask: one pass, no gather
    is_cjk = cls == CJK
    cut = is_cjk | bound[:-1]  # a token starts here whatever precedes it
    prev_word = np.zeros(cps.size, dtype=bool)
    prev_word[1:] = word[:-1] & ~is_cjk[:-1]
    tstart = word & (~prev_word | cut)
    next_word = np.zeros(cps.size, dtype=bool)
    next_word[:-1] = word[1:] & ~is_cjk[1:] & ~bound[1:-1]
    tend = word & (~next_word | is_cjk)
    ts = np.flatnonzero(tstart)
    te = np.flatnonzero(tend) + 1
    hashes = token_hashes(lcps, ts, te) if ts.size else np.zeros(0, dtype=np.uint64)
    tok_line = line_of[ts] if ts.size else np.zeros(0, dtype=np.int64)
    tok_page = _segment_ids(line_ptr)[tok_line]
    toks = PageTokens(hashes, tok_line, token_groups(tok_page, hashes))
    page_off = np.repeat(b.page_start, np.diff(line_ptr))
    starts, ends = astarts - page_off, aends - page_off
    return PageArrays(starts, ends, astops - page_off, nonspace, cls_counts, sent_ends,
                      linky, commas, ends_sentence, bullet_start, toks, line_ptr,
                      b.page_end - b.page_start, lowered, _cues("".join(texts), astarts, aends, nonspace))


def _cues(joined: str, starts: np.ndarray, ends: np.ndarray, nonspace: np.ndarray) -> np.ndarray:
    """Per line: the reason a short line's cue words name ("Related", "اقرأ أيضا", "Комментарии", "©";
    :func:`.assemble.cues_many`) as a :data:`.assemble.REASONS` index, -1 for none.  Read by the section
    features and, for removed lines, by :func:`.assemble.name_reasons_many`.  ``starts`` and ``ends`` are
    offsets in ``joined``, the batch's texts joined."""
    out = np.full(starts.size, -1, dtype=np.int8)
    short = np.flatnonzero((nonspace > 0) & (ends - starts <= CUE_CHARS))
    if short.size == 0:
        return out
    out[short] = cues_many(list(map(joined.__getitem__, map(slice, starts[short].tolist(), ends[short].tolist()))))
    return out


def select_lines(pa: PageArrays, pages: np.ndarray, lines: np.ndarray) -> PageArrays:
    """The arrays of new texts made of whole lines of ``pa``: text ``q`` joins (line breaks included) the
    ``lines`` (sorted line indices) of page ``pages[q]`` (``pages`` sorted; each keeps at least one line).

    Every per-line count and token depends on its line alone, so this equals :func:`batch_arrays` of the
    new texts for pages whose tokens were hashed lowercased (``pa.lowered``): lowercasing keeps the length
    of their lines too, and line by line it is the same as over the page.
    """
    new_page = np.searchsorted(pages, pa.page_of_line[lines])
    n_pages = pages.size
    line_ptr = np.concatenate(([0], np.cumsum(np.bincount(new_page, minlength=n_pages))))
    size = pa.stops[lines] - pa.starts[lines]
    csum = np.concatenate(([0], np.cumsum(size)))
    starts = csum[:-1] - csum[line_ptr[:-1]][new_page]
    new_line = np.full(pa.n_lines, -1, dtype=np.int64)
    new_line[lines] = np.arange(lines.size)
    tok_line = new_line[pa.tokens.line]
    kept_tok = tok_line >= 0
    toks = PageTokens(pa.tokens.hashes[kept_tok], tok_line[kept_tok], pa.tokens.group[kept_tok])
    return PageArrays(starts, starts + (pa.ends[lines] - pa.starts[lines]), starts + size, pa.nonspace[lines],
                      pa.cls_counts[lines], pa.sent_ends[lines], pa.linky[lines], pa.commas[lines],
                      pa.ends_sentence[lines], pa.bullet_start[lines], toks, line_ptr,
                      csum[line_ptr[1:]] - csum[line_ptr[:-1]], pa.lowered[pages], pa.cue[lines])


BASE_NAMES: tuple[str, ...] = (
    "log_chars", "log_tokens", "letter_ratio", "upper_ratio", "digit_ratio", "punct_ratio", "symbol_ratio",
    "cjk_vs_page", "ends_sentence", "log_sent_ends", "sent_per_token", "log_linky", "bullet", "fw_density",
    "page_tok_freq", "log_dup", "later_dup", "adjacent_dup", "rel_index", "template_share",
    "log_tok_len", "comma_ratio", "first_row", "last_row", "rel_len", "cum_chars",
    "same_as_first_long", "section_cue", "below_section_cue", "pad",
)
PAGE_NAMES: tuple[str, ...] = ("page_fw_coverage", "page_log_lines", "page_log_chars", "templates_known")
#: where a line sits relative to the page's prose (long lines ending a sentence), not shifted or averaged
LONG_NAMES: tuple[str, ...] = ("prose_before", "prose_after", "in_main", "before_main", "after_main",
                               "gap_prev_prose", "gap_next_prose")
#: a prose line has at least this many non-space characters and ends a sentence
PROSE_CHARS = 40
SECTION_CODES = (REASONS.index("related_links"), REASONS.index("comments"))
#: prose lines at most this many lines apart belong to one block
PROSE_GAP = 6
#: pages whose arrays are built at once: larger batches outgrow the CPU caches and run slower per page
#: (775 wcxb pages stripped at once took 20-30% longer than in batches of 64)
BATCH_PAGES = 64
OFFSETS: tuple[int, ...] = (-2, -1, 1, 2)
WINDOW = 5


def feature_names() -> list[str]:
    """The columns of :func:`line_features`, in order."""
    return list(_feature_names())


@lru_cache(maxsize=1)
def _feature_names() -> tuple[str, ...]:
    names = list(BASE_NAMES)
    for off in OFFSETS:
        names += [f"{n}@{off:+d}" for n in BASE_NAMES]
    names += [f"{n}@mean{WINDOW}" for n in BASE_NAMES]
    names += [f"{n}@before" for n in ("log_chars", "ends_sentence", "fw_density")]
    names += [f"{n}@after" for n in ("log_chars", "ends_sentence", "fw_density")]
    return (*names, *PAGE_NAMES, *LONG_NAMES)


def long_range(chars: np.ndarray, ends_sentence: np.ndarray) -> np.ndarray:
    """:func:`long_range_many` of one page."""
    return long_range_many(chars, ends_sentence, np.array([0, chars.size]))


def long_range_many(chars: np.ndarray, ends_sentence: np.ndarray, row_ptr: np.ndarray) -> np.ndarray:
    """``LONG_NAMES`` features over the non-blank lines of a batch, from their non-space counts and sentence
    ends (page ``p`` owns rows ``row_ptr[p]:row_ptr[p + 1]``).

    Prose lines at most ``PROSE_GAP`` lines apart form blocks; the main block is the first one holding at
    least half as many prose characters as the largest (as :func:`.assemble.main_region` chooses).
    Character counts are whole numbers, so sums over the batch are exact and equal to per-page sums.
    """
    m = chars.size
    out = np.zeros((len(LONG_NAMES), m)).T  # column-major, as the feature matrix
    if m == 0:
        return out
    page = _segment_ids(row_ptr)
    size = np.diff(row_ptr)[page]
    i = np.arange(m)
    pc = np.where((chars >= PROSE_CHARS) & ends_sentence, chars, 0.0)
    p = np.flatnonzero(pc)
    if p.size == 0:
        out[:, 5:] = np.log1p(size)[:, None]
        return out
    n_pages = row_ptr.size - 1
    total = np.bincount(page, weights=pc, minlength=n_pages)[page]
    csum = np.cumsum(pc)
    csum -= np.concatenate(([0.0], csum))[row_ptr[:-1]][page]  # running sum within the page
    has = total > 0
    out[has, 0] = (csum[has] - pc[has]) / total[has]
    out[has, 1] = (total[has] - csum[has]) / total[has]
    # blocks of prose lines: a new block after a gap or at a new page
    pp = page[p]
    new_block = np.ones(p.size, dtype=bool)
    new_block[1:] = (np.diff(p) > PROSE_GAP) | (pp[1:] != pp[:-1])
    heads = np.flatnonzero(new_block)
    tails = np.append(heads[1:], p.size) - 1
    bsize = np.add.reduceat(pc[p], heads)
    bpage = pp[heads]  # blocks are in page order
    page_head = np.flatnonzero(np.concatenate(([True], bpage[1:] != bpage[:-1])))
    pmax = np.repeat(np.maximum.reduceat(bsize, page_head), np.append(page_head[1:], bsize.size) - page_head)
    ok = np.flatnonzero(bsize >= 0.5 * pmax)
    okp = bpage[ok]
    chosen = ok[np.concatenate(([True], okp[1:] != okp[:-1]))]  # the first qualifying block of each page
    first = np.zeros(n_pages, dtype=np.int64)
    last = np.zeros(n_pages, dtype=np.int64)
    first[bpage[chosen]] = p[heads[chosen]]
    last[bpage[chosen]] = p[tails[chosen]]
    f, la = first[page], last[page]
    out[:, 2] = has & (i >= f) & (i <= la)
    out[:, 3] = np.where(has, np.log1p(np.maximum(f - i, 0)), 0.0)
    out[:, 4] = np.where(has, np.log1p(np.maximum(i - la, 0)), 0.0)
    start, stop = row_ptr[:-1][page], row_ptr[1:][page]
    prev = np.searchsorted(p, i, side="right") - 1  # last prose line at or before i
    pprev = p[np.maximum(prev, 0)]
    out[:, 5] = np.log1p(np.where((prev >= 0) & (pprev >= start), i - pprev, size))
    nxt = np.searchsorted(p, i, side="left")  # first prose line at or after i
    pnext = p[np.minimum(nxt, p.size - 1)]
    out[:, 6] = np.log1p(np.where((nxt < p.size) & (pnext < stop), pnext - i, size))
    return out


def _mix_bucket(h: np.ndarray) -> np.ndarray:
    """16 bits of a multiplicative mix of each hash."""
    return ((h * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(48)).astype(np.int64)


@lru_cache(maxsize=4)
def _buckets(table_bytes: bytes) -> tuple[np.ndarray, np.ndarray, int]:
    """``(entries, start, most)`` of a uint64 table: its entries ordered by :func:`_mix_bucket` (with the
    last repeated as padding), where each bucket starts, and the most entries a bucket holds."""
    table = np.frombuffer(table_bytes, dtype=np.uint64)
    table_bucket = _mix_bucket(table)
    order = np.argsort(table_bucket, kind="stable")
    start = np.zeros(65537, dtype=np.int64)
    np.cumsum(np.bincount(table_bucket, minlength=65536), out=start[1:])
    return np.append(table[order], table[order[-1]]), start, int((start[1:] - start[:-1]).max())


def _members(table: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """``np.isin(hashes, table)`` for uint64 arrays (``table`` not empty): a hash is compared with the (few)
    entries of its bucket, a gather per entry instead of a binary search."""
    by_bucket, start, most = _buckets(table.astype(np.uint64).tobytes())
    b = _mix_bucket(hashes)
    first, count = start[b], start[b + 1] - start[b]
    found = np.zeros(hashes.size, dtype=bool)
    for k in range(most):
        found |= (count > k) & (by_bucket[np.minimum(first + k, table.size)] == hashes)
    return found


def _segment_ids(ptr: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(ptr.size - 1), np.diff(ptr))


def group_stats(page: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per element: how often its value (uint64) occurs on its page, and the index of its page's first
    occurrence."""
    order, head = _grouped(page, values)
    group = np.cumsum(head) - 1
    counts = np.bincount(group)
    first = order[head]
    out_count = np.empty(values.size, dtype=np.int64)
    out_first = np.empty(values.size, dtype=np.int64)
    out_count[order] = counts[group]
    out_first[order] = first[group]
    return out_count, out_first


def token_groups(page: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per element a group number (0, 1, ...), the same for elements with the same value (uint64) on the same
    page."""
    order, head = _grouped(page, values)
    out = np.empty(values.size, dtype=np.int64)
    out[order] = np.cumsum(head) - 1
    return out


def _grouped(page: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, head)``: an order of the elements in which those with the same value on the same page are
    adjacent and in index order, and whether each element of that order starts a group.

    With ``page`` ascending (a batch's rows and tokens) this is one sort of plain 64-bit integers, several
    times faster than an argsort: a bijective mix of the value in the high bits, the element's index in the
    low bits.  The elements of a value are then adjacent and in page order, unless two values share the
    mix's high bits (about one batch in 10**5), which the exact path below handles.
    """
    n = values.size
    order: np.ndarray | None = None
    if n and (page[1:] >= page[:-1]).all():
        bits = np.uint64(max(n - 1, 1).bit_length())
        with np.errstate(over="ignore"):
            key = values * np.uint64(0x9E3779B97F4A7C15)  # odd, hence a bijection mod 2**64
        key >>= bits
        key <<= bits
        key |= np.arange(n, dtype=np.uint64)
        key.sort()
        order = (key & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
        key >>= bits
        sv = values[order]
        if ((sv[1:] != sv[:-1]) & (key[1:] == key[:-1])).any():
            order = None
    if order is None:
        order = np.lexsort((values, page))  # stable: ties keep their order
    sv, sp = values[order], page[order]
    head = np.ones(n, dtype=bool)
    head[1:] = (sv[1:] != sv[:-1]) | (sp[1:] != sp[:-1])
    return order, head


def _shift(m: np.ndarray, off: int, local: np.ndarray, size: np.ndarray, out: np.ndarray) -> None:
    """Rows shifted by ``off`` within their page, written to ``out``; rows with no neighbour there are
    zeros with ``pad`` set."""
    n = m.shape[0]
    pad = BASE_NAMES.index("pad")
    lo, hi = max(-off, 0), n - max(off, 0)  # rows whose neighbour is inside the batch
    out[:lo] = 0.0
    out[hi:] = 0.0
    out[lo:hi] = m[lo + off:hi + off]
    outside = np.flatnonzero((local + off < 0) | (local + off >= size))  # the neighbour is another page's
    out[outside] = 0.0
    out[outside, pad] = 1.0


def line_features(pa: PageArrays, keys: np.ndarray, tshare: np.ndarray | None,
                  fw_sorted: np.ndarray, use_fw: bool | np.ndarray = True,
                  known: np.ndarray | None = None, dups: tuple[np.ndarray, np.ndarray] | None = None,
                  spare: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature matrix over the non-blank lines of a batch: ``(line_indices, X, row_ptr)``.

    ``keys`` are the normalized-line hashes (0 for blank), ``tshare`` the share of the site's pages
    holding each line (zeros for a page whose site has no statistics), ``known`` per page whether
    corpus statistics were known (default: ``tshare is not None``), ``fw_sorted`` the sorted hashes of
    the learned function words, ``use_fw`` whether to use them (one flag, or one per page), ``dups`` the
    :func:`group_stats` of the rows' keys when the caller has them.  Page ``p`` owns rows
    ``row_ptr[p]:row_ptr[p + 1]``.  ``X`` has ``spare`` more columns after the features, left for the
    caller to fill (the line model's second stage writes its inputs there).
    """
    n_pages = pa.n_pages
    idx = np.flatnonzero(pa.nonspace > 0)
    m = idx.size
    names = _feature_names()
    page_of_line = pa.page_of_line
    row_ptr = np.searchsorted(idx, pa.line_ptr)
    if m == 0:
        return idx, np.zeros((0, len(names) + spare)), row_ptr
    page = page_of_line[idx]
    size = np.diff(row_ptr)[page]
    local = np.arange(m) - row_ptr[page]
    cc = pa.cls_counts[idx].T.astype(np.float64, order="C")  # one row per class
    nons = np.maximum(pa.nonspace[idx].astype(np.float64), 1.0)
    letters = cc[LOWER] + cc[UPPER] + cc[CJK]
    n_lines = pa.n_lines
    tok_line = pa.tokens.line
    hashes = pa.tokens.hashes
    ntok_all = np.bincount(tok_line, minlength=n_lines).astype(np.float64)
    tok_page = page_of_line[tok_line]
    if fw_sorted.size and hashes.size:
        is_fw = _members(fw_sorted, hashes)
        if isinstance(use_fw, np.ndarray):
            is_fw &= use_fw[tok_page]
        elif not use_fw:
            is_fw[:] = False
    else:
        is_fw = np.zeros(hashes.size, dtype=bool)
    fw_all = np.bincount(tok_line, weights=is_fw, minlength=n_lines)
    tok_count = np.bincount(pa.tokens.group)[pa.tokens.group]  # the page's tokens with this hash
    tf = np.bincount(tok_line, weights=np.log(tok_count), minlength=n_lines) if hashes.size else np.zeros(n_lines)
    ntok = ntok_all[idx]
    k = keys[idx]
    kcnt, first_pos = dups if dups is not None else group_stats(page, k)
    later = (first_pos < np.arange(m)).astype(np.float64)
    adj = np.zeros(m)
    same = (k[1:] == k[:-1]) & (page[1:] == page[:-1])
    adj[1:] += same
    adj[:-1] += same
    chars = pa.nonspace[idx].astype(np.float64)
    long_idx = np.flatnonzero(chars >= 20)
    j = np.searchsorted(long_idx, row_ptr[:-1])
    has_long = j < long_idx.size
    has_long[has_long] = long_idx[j[has_long]] < row_ptr[1:][has_long]
    first_long_row = np.where(has_long, long_idx[np.minimum(j, max(long_idx.size - 1, 0))] if long_idx.size
                              else 0, row_ptr[:-1])  # no long line: the page's first row, key 0
    first_long_key = np.where(has_long, k[np.minimum(first_long_row, m - 1)], np.uint64(0)).astype(np.uint64)
    csum_chars = np.concatenate(([0.0], np.cumsum(chars)))
    page_chars = csum_chars[row_ptr[1:]] - csum_chars[row_ptr[:-1]]
    total_chars = np.maximum(page_chars, 1.0)
    max_chars = np.zeros(n_pages)
    nonempty = row_ptr[1:] > row_ptr[:-1]
    if nonempty.any():
        max_chars[nonempty] = np.maximum.reduceat(chars, row_ptr[:-1][nonempty])
    # ideographs relative to the page: a Chinese line on an English page is a language menu, on a Chinese
    # page it is the article (an absolute share would not carry over to a script the training lacked)
    page_cjk = np.bincount(page, weights=cc[CJK], minlength=n_pages) / np.maximum(page_chars, 1.0)
    # a related-links or comments section opened after the page's first prose line (cue words only name
    # a section: the model learns how far it reaches)
    cue_code = pa.cue[idx]
    # a section's title does not end a sentence
    cue = np.logical_or.reduce([cue_code == c for c in SECTION_CODES]) & ~pa.ends_sentence[idx]
    prose_row = np.flatnonzero((chars >= PROSE_CHARS) & pa.ends_sentence[idx])
    first_prose = np.full(n_pages, m)
    np.minimum.at(first_prose, page[prose_row], prose_row)
    opened = cue & (np.arange(m) > first_prose[page])
    seen = np.cumsum(opened) - opened
    below_cue = seen - seen[row_ptr[page]] > 0  # an opened section earlier on the same page
    ts = tshare[idx] if tshare is not None else np.zeros(m)
    columns = (
        np.log1p(chars), np.log1p(ntok), letters / nons, cc[UPPER] / np.maximum(letters, 1.0),
        cc[DIGIT] / nons, cc[PUNCT] / nons, cc[SYMBOL] / nons, np.abs(cc[CJK] / nons - page_cjk[page]),
        pa.ends_sentence[idx], np.log1p(pa.sent_ends[idx]), pa.sent_ends[idx] / (ntok + 1.0),
        np.log1p(pa.linky[idx]), pa.bullet_start[idx], fw_all[idx] / np.maximum(ntok, 1.0),
        tf[idx] / np.maximum(ntok, 1.0), np.log(kcnt), later, adj,
        local / np.maximum(size - 1, 1), ts,
        np.log1p(chars / np.maximum(ntok, 1.0)), pa.commas[idx] / (ntok + 1.0),
        local == 0, local == size - 1, chars / np.maximum(max_chars, 1.0)[page],
        (csum_chars[:-1] - csum_chars[row_ptr[page]]) / total_chars[page],
        (k == first_long_key[page]) & (np.arange(m) > first_long_row[page]), cue, below_cue, np.zeros(m),
    )
    # the blocks of the feature matrix are written in place, in feature_names() order; the matrix is
    # column-major, so that each feature is written (and shifted, summed) as one contiguous column
    x = np.empty((len(names) + spare, m)).T
    x[:, len(names):] = 0.0
    nbase = len(columns)
    for q, column in enumerate(columns):
        x[:, q] = column
    base = x[:, :nbase]
    for blk, off in enumerate(OFFSETS, start=1):
        _shift(base, off, local, size, x[:, blk * nbase:(blk + 1) * nbase])
    col = (len(OFFSETS) + 1) * nbase
    csum = np.empty((nbase, m + 1)).T
    csum[0] = 0.0
    np.cumsum(base, axis=0, out=csum[1:])
    p0 = row_ptr[page]
    p1 = row_ptr[page + 1]
    lo = np.maximum(local - WINDOW, 0) + p0
    hi = np.minimum(local + WINDOW + 1, size) + p0
    width = (hi - lo).astype(np.float64)
    for q in range(nbase):
        c = csum[:, q]
        np.subtract(c[hi], c[lo], out=x[:, col + q])
        x[:, col + q] /= width
    col += nbase
    nb = local.astype(np.float64)
    na = (size - 1 - local).astype(np.float64)
    for q, name in enumerate(("log_chars", "ends_sentence", "fw_density")):
        c = csum[:, BASE_NAMES.index(name)]
        x[:, col + q] = np.where(nb > 0, (c[:-1] - c[p0]) / np.maximum(nb, 1.0), 0.0)
        x[:, col + 3 + q] = np.where(na > 0, (c[p1] - c[1:]) / np.maximum(na, 1.0), 0.0)
    col += 6
    fw_cov = np.bincount(tok_page, weights=is_fw, minlength=n_pages)
    ntok_page = np.bincount(tok_page, minlength=n_pages)
    page_cov = np.where(ntok_page > 0, fw_cov / np.maximum(ntok_page, 1), 0.0)
    if known is None:
        known = np.full(n_pages, tshare is not None)
    for q, per_page in enumerate((page_cov, np.log1p(np.diff(row_ptr)), np.log1p(total_chars),
                                  known.astype(np.float64))):
        x[:, col + q] = per_page[page]
    col += len(PAGE_NAMES)
    x[:, col:col + len(LONG_NAMES)] = long_range_many(chars, pa.ends_sentence[idx], row_ptr)
    return idx, x, row_ptr
