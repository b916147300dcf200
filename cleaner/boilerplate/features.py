"""Language-agnostic line features, computed with array operations over a whole page.

A page is turned into UTF-32 code points once; character classes come from a lookup table, and
per-line counts from ``np.bincount`` over a line id per character.  Tokens are runs of word
characters (each CJK ideograph is a token of its own) and are hashed with a polynomial prefix hash
mod 2**64, so that the learned function-word set can be matched without a per-token Python loop.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# character classes
SPACE, LOWER, UPPER, DIGIT, PUNCT, SYMBOL, CJK, MARK = range(8)
N_CLASSES = 8
_SENT_END = ".!?;؟۔。！？…‼⁇⁈⁉"
_CLOSERS = "\"'”’»)]」』】›）"
_LINKY = "|»›«‹→←·•▶►>/\\~"
_BULLETS = "•·-–—*▪●◦■►▸‣⁃➤✓✔"
_COMMAS = ",،、，;؛"
_HASH_BASE = np.uint64(0x100000001B3)  # odd, hence invertible mod 2**64


@lru_cache(maxsize=1)
def char_tables() -> tuple[np.ndarray, np.ndarray]:
    """``(cls, flags)`` lookup tables over the BMP: class per code point and flag bits.

    Flag bits: 1 sentence end, 2 closing quote/bracket, 4 link-like separator, 8 bullet, 16 comma.
    """
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
    return cls, flags


@lru_cache(maxsize=4)
def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    inv = pow(int(_HASH_BASE), -1, 1 << 64)
    with np.errstate(over="ignore"):
        pw = np.cumprod(np.full(n, _HASH_BASE, dtype=np.uint64), dtype=np.uint64)
        ipw = np.cumprod(np.full(n, np.uint64(inv), dtype=np.uint64), dtype=np.uint64)
    one = np.ones(1, dtype=np.uint64)
    return np.concatenate((one, pw[:-1])), np.concatenate((one, ipw[:-1]))


def _powers_for(n: int) -> tuple[np.ndarray, np.ndarray]:
    size = 1 << max(12, int(n).bit_length())  # grow in powers of two so the cache stays small
    pw, ipw = _powers(size)
    return pw[:n], ipw[:n]


@dataclass
class PageTokens:
    """Token hashes of a page and the line each token belongs to."""

    hashes: np.ndarray  # uint64
    line: np.ndarray  # int64 line index per token


@dataclass
class PageArrays:
    """Per-line counts of one page (all lines, blank ones included)."""

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
    indent: np.ndarray
    tokens: PageTokens

    @property
    def n_lines(self) -> int:
        return int(self.starts.size)


def line_bounds(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(starts, ends, stops)`` of the lines, as :func:`cleaner.text.segment.lines` splits them."""
    n = cps.size
    is_n = cps == 10
    is_r = cps == 13
    next_n = np.concatenate((is_n[1:], [False]))
    prev_r = np.concatenate(([False], is_r[:-1]))
    brk = np.flatnonzero(is_r | (is_n & ~prev_r))
    stops = brk + np.where(is_r[brk] & next_n[brk], 2, 1)
    ends = brk
    starts = np.concatenate(([0], stops[:-1])).astype(np.int64) if brk.size else np.zeros(0, dtype=np.int64)
    if brk.size == 0 or stops[-1] < n:
        last = int(stops[-1]) if brk.size else 0
        starts = np.append(starts, last)
        ends = np.append(ends, n)
        stops = np.append(stops, n)
    return starts.astype(np.int64), ends.astype(np.int64), stops.astype(np.int64)


def codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def token_hashes(word_cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Polynomial hashes (mod 2**64) of ``word_cps[s:e]`` for each token, from prefix sums."""
    n = word_cps.size
    pw, ipw = _powers_for(n + 1)
    with np.errstate(over="ignore"):
        prefix = np.concatenate((np.zeros(1, dtype=np.uint64),
                                 np.cumsum(word_cps.astype(np.uint64) * pw[:n], dtype=np.uint64)))
        h = (prefix[ends] - prefix[starts]) * ipw[starts]
        h ^= (ends - starts).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return h


def hash_token(token: str) -> int:
    """The hash :func:`page_arrays` gives a token (lowercased), for building function-word sets."""
    cps = codepoints(token.lower())
    return int(token_hashes(cps, np.array([0]), np.array([cps.size]))[0])


def page_arrays(text: str, cps: np.ndarray | None = None) -> PageArrays:
    """Split ``text`` into lines and count character classes, sentence ends and tokens per line."""
    if cps is None:
        cps = codepoints(text)
    starts, ends, stops = line_bounds(cps)
    n_lines = starts.size
    low = text.lower()
    lcps = codepoints(low) if len(low) == len(text) else cps
    cls_t, flag_t = char_tables()
    bmp = np.minimum(cps, 0xFFFF)
    cls = cls_t[bmp]
    astral = cps > 0xFFFF
    if astral.any():
        cls = cls.copy()
        cls[astral] = np.where((cps[astral] >= 0x20000) & (cps[astral] <= 0x3FFFF), CJK, SYMBOL)
    flags = flag_t[bmp]
    marker = np.zeros(cps.size + 1, dtype=np.int64)
    marker[starts[1:]] = 1
    line_of = np.cumsum(marker[:-1])
    inside = np.ones(cps.size, dtype=bool)  # excludes the line-break characters
    if cps.size:
        inside[(cps == 10) | (cps == 13)] = False
    lid = line_of[inside]
    c = cls[inside]
    f = flags[inside]
    cls_counts = np.bincount(lid * N_CLASSES + c, minlength=n_lines * N_CLASSES).reshape(n_lines, N_CLASSES)
    nonspace = cls_counts[:, 1:].sum(axis=1)
    sent = (f & 1) > 0
    sent_ends = np.bincount(lid, weights=sent, minlength=n_lines)
    linky = np.bincount(lid, weights=(f & 4) > 0, minlength=n_lines)
    commas = np.bincount(lid, weights=(f & 16) > 0, minlength=n_lines)
    pos = np.arange(cps.size, dtype=np.int64)[inside]
    significant = (c != SPACE) & ((f & 2) == 0)
    last = np.full(n_lines, -1, dtype=np.int64)
    np.maximum.at(last, lid[significant], pos[significant])
    ends_sentence = np.zeros(n_lines, dtype=bool)
    ok = last >= 0
    ends_sentence[ok] = (flags[last[ok]] & 1) > 0
    nonsp = c != SPACE
    first = np.full(n_lines, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, lid[nonsp], pos[nonsp])
    has = first < np.iinfo(np.int64).max
    bullet_start = np.zeros(n_lines, dtype=bool)
    bullet_start[has] = (flags[first[has]] & 8) > 0
    indent = np.where(has, first - starts, 0)
    # tokens: runs of word characters; every CJK character is a token of its own
    word = (cls == LOWER) | (cls == UPPER) | (cls == DIGIT) | (cls == CJK) | (cls == MARK)
    is_cjk = cls == CJK
    prev_word = np.concatenate(([False], word[:-1]))
    prev_cjk = np.concatenate(([False], is_cjk[:-1]))
    tstart = word & (~prev_word | is_cjk | prev_cjk)
    next_word = np.concatenate((word[1:], [False]))
    next_cjk = np.concatenate((is_cjk[1:], [False]))
    tend = word & (~next_word | is_cjk | next_cjk)
    ts = np.flatnonzero(tstart)
    te = np.flatnonzero(tend) + 1
    hashes = token_hashes(lcps, ts, te) if ts.size else np.zeros(0, dtype=np.uint64)
    toks = PageTokens(hashes, line_of[ts] if ts.size else np.zeros(0, dtype=np.int64))
    return PageArrays(starts, ends, stops, nonspace, cls_counts, sent_ends, linky, commas, ends_sentence,
                      bullet_start, indent, toks)


BASE_NAMES: tuple[str, ...] = (
    "log_chars", "log_tokens", "letter_ratio", "upper_ratio", "digit_ratio", "punct_ratio", "symbol_ratio",
    "cjk_ratio", "ends_sentence", "log_sent_ends", "sent_per_token", "log_linky", "bullet", "fw_density",
    "page_tok_freq", "log_dup", "later_dup", "adjacent_dup", "rel_index", "rel_offset", "template_share",
    "indent", "log_tok_len", "comma_ratio", "blank_before", "blank_after", "rel_len", "cum_chars",
    "same_as_first_long", "pad",
)
PAGE_NAMES: tuple[str, ...] = ("page_fw_coverage", "page_log_lines", "page_log_chars", "templates_known")
OFFSETS: tuple[int, ...] = (-2, -1, 1, 2)
WINDOW = 5


def feature_names() -> list[str]:
    names = list(BASE_NAMES)
    for off in OFFSETS:
        names += [f"{n}@{off:+d}" for n in BASE_NAMES]
    names += [f"{n}@mean{WINDOW}" for n in BASE_NAMES]
    names += [f"{n}@before" for n in ("log_chars", "ends_sentence", "fw_density")]
    names += [f"{n}@after" for n in ("log_chars", "ends_sentence", "fw_density")]
    return names + list(PAGE_NAMES)


def _shift(m: np.ndarray, off: int) -> np.ndarray:
    out = np.zeros_like(m)
    n = m.shape[0]
    pad = BASE_NAMES.index("pad")
    if off < 0:
        out[-off:] = m[: n + off]
        out[: min(n, -off), pad] = 1.0
    else:
        out[: n - off] = m[off:]
        out[max(0, n - off):, pad] = 1.0
    return out


def line_features(pa: PageArrays, keys: np.ndarray, tshare: np.ndarray | None,
                  fw_sorted: np.ndarray, use_fw: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix over the non-blank lines of a page: ``(line_indices, X)``.

    ``keys`` are the normalized-line hashes (0 for blank), ``tshare`` the share of the site's pages
    holding each line (None when no corpus statistics are known), ``fw_sorted`` the sorted hashes of
    the learned function words.
    """
    idx = np.flatnonzero(pa.nonspace > 0)
    m = idx.size
    names = feature_names()
    if m == 0:
        return idx, np.zeros((0, len(names)))
    cc = pa.cls_counts[idx].astype(np.float64)
    nons = np.maximum(pa.nonspace[idx].astype(np.float64), 1.0)
    letters = cc[:, LOWER] + cc[:, UPPER] + cc[:, CJK]
    n_lines = pa.n_lines
    tok_line = pa.tokens.line
    ntok_all = np.bincount(tok_line, minlength=n_lines).astype(np.float64)
    if use_fw and fw_sorted.size and pa.tokens.hashes.size:
        pos = np.searchsorted(fw_sorted, pa.tokens.hashes)
        pos = np.minimum(pos, fw_sorted.size - 1)
        is_fw = fw_sorted[pos] == pa.tokens.hashes
    else:
        is_fw = np.zeros(pa.tokens.hashes.size, dtype=bool)
    fw_all = np.bincount(tok_line, weights=is_fw, minlength=n_lines)
    if pa.tokens.hashes.size:
        _, inv, cnt = np.unique(pa.tokens.hashes, return_inverse=True, return_counts=True)
        tf = np.bincount(tok_line, weights=np.log(cnt[inv]), minlength=n_lines)
    else:
        tf = np.zeros(n_lines)
    ntok = ntok_all[idx]
    k = keys[idx]
    uniq, kinv, kcnt = np.unique(k, return_inverse=True, return_counts=True)
    first_pos = np.full(uniq.size, m, dtype=np.int64)
    np.minimum.at(first_pos, kinv, np.arange(m))
    later = (first_pos[kinv] < np.arange(m)).astype(np.float64)
    adj = np.zeros(m)
    if m > 1:
        same = k[1:] == k[:-1]
        adj[1:] += same
        adj[:-1] += same
    chars = pa.nonspace[idx].astype(np.float64)
    long_mask = chars >= 20
    first_long = k[np.argmax(long_mask)] if long_mask.any() else np.uint64(0)
    total_chars = max(chars.sum(), 1.0)
    blank = pa.nonspace == 0
    prev_blank = np.concatenate(([True], blank[:-1]))[idx]
    next_blank = np.concatenate((blank[1:], [True]))[idx]
    starts = pa.starts[idx].astype(np.float64)
    text_len = max(float(pa.stops[-1]), 1.0)
    base = np.column_stack((
        np.log1p(chars), np.log1p(ntok), letters / nons, cc[:, UPPER] / np.maximum(letters, 1.0),
        cc[:, DIGIT] / nons, cc[:, PUNCT] / nons, cc[:, SYMBOL] / nons, cc[:, CJK] / nons,
        pa.ends_sentence[idx], np.log1p(pa.sent_ends[idx]), pa.sent_ends[idx] / (ntok + 1.0),
        np.log1p(pa.linky[idx]), pa.bullet_start[idx], fw_all[idx] / np.maximum(ntok, 1.0),
        tf[idx] / np.maximum(ntok, 1.0), np.log(kcnt[kinv]), later, adj,
        np.arange(m) / max(m - 1, 1), starts / text_len,
        tshare[idx] if tshare is not None else np.zeros(m),
        np.log1p(pa.indent[idx]), np.log1p(chars / np.maximum(ntok, 1.0)), pa.commas[idx] / (ntok + 1.0),
        prev_blank, next_blank, chars / max(chars.max(), 1.0), (np.cumsum(chars) - chars) / total_chars,
        (k == first_long) & (np.arange(m) > np.argmax(long_mask)), np.zeros(m),
    )).astype(np.float64)
    parts = [base] + [_shift(base, off) for off in OFFSETS]
    csum = np.cumsum(np.vstack((np.zeros((1, base.shape[1])), base)), axis=0)
    lo = np.maximum(np.arange(m) - WINDOW, 0)
    hi = np.minimum(np.arange(m) + WINDOW + 1, m)
    parts.append((csum[hi] - csum[lo]) / (hi - lo)[:, None])
    sel = [BASE_NAMES.index(n) for n in ("log_chars", "ends_sentence", "fw_density")]
    bsum = np.cumsum(base[:, sel], axis=0)
    cnt = np.arange(1, m + 1, dtype=np.float64)[:, None]
    before = np.vstack((np.zeros((1, len(sel))), bsum[:-1] / cnt[:-1]))
    rsum = np.cumsum(base[::-1, sel], axis=0)[::-1]
    after = np.vstack(((rsum[1:] / cnt[::-1][1:]), np.zeros((1, len(sel)))))
    parts += [before, after]
    page_cov = float(is_fw.mean()) if is_fw.size else 0.0
    page = np.tile([page_cov, np.log1p(m), np.log1p(total_chars), float(tshare is not None)], (m, 1))
    parts.append(page)
    return idx, np.hstack(parts)
