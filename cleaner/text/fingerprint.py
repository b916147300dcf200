"""Fingerprint normalization: the folded form of text used by dedup and corpus statistics.

It is never written to output.  Two texts that differ only in Arabic/Persian letter forms,
diacritics, tatweel, digit scripts, case or punctuation get the same fingerprint.
"""
from __future__ import annotations

import operator
import re
import unicodedata
from functools import lru_cache

import numpy as np

from .tablecache import stored_table

_ARABIC_DIACRITICS = [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD),
                      *range(0x06DF, 0x06E9), *range(0x06EA, 0x06EE)]
_TATWEEL = 0x0640

#: Letter folds applied after NFKC and casefold.
LETTER_FOLDS: dict[str, str] = {
    "\u06cc": "\u064a",  # ی Farsi yeh -> ي
    "\u0649": "\u064a",  # ى alef maksura -> ي
    "\u06d2": "\u064a",  # ے yeh barree -> ي
    "\u06a9": "\u0643",  # ک keheh -> ك
    "\u06aa": "\u0643",  # ڪ swash kaf -> ك
    "\u0629": "\u0647",  # ة teh marbuta -> ه
    "\u06c0": "\u0647",  # ۀ heh with yeh -> ه
    "\u06c1": "\u0647",  # ہ heh goal -> ه
    "\u06be": "\u0647",  # ھ heh doachashmee -> ه
    "\u0623": "\u0627",  # أ
    "\u0625": "\u0627",  # إ
    "\u0622": "\u0627",  # آ
    "\u0671": "\u0627",  # ٱ
    "\u0672": "\u0627",
    "\u0673": "\u0627",
    "\u0624": "\u0648",  # ؤ -> و
    "\u0626": "\u064a",  # ئ -> ي
}



@lru_cache(maxsize=1)
def translation_table() -> dict[int, str | None]:
    """The character-level part of the fold (after NFKC + casefold) as a ``str.translate`` table."""
    table: dict[int, str | None] = {ord(k): v for k, v in LETTER_FOLDS.items()}
    for cp in _ARABIC_DIACRITICS:
        table[cp] = None
    table[_TATWEEL] = None
    for i in range(10):
        table[0x0660 + i] = str(i)  # Arabic-Indic digits
        table[0x06F0 + i] = str(i)  # Persian digits
    return table


@lru_cache(maxsize=1)
def codepoint_table() -> np.ndarray:
    """The whole fold as a lookup table over code points (after NFKC + casefold).

    ``table[cp]`` is the folded code point, ``0x20`` for punctuation, symbols and spaces, and ``0``
    for characters that are dropped (diacritics, tatweel, format characters).  Built on first use
    (~0.1 s; then read from disk, :mod:`.tablecache`), so that folding runs as array operations.
    """
    return stored_table("codepoint", __file__, _build_codepoint_table, (0x110000,), np.uint32)


def _build_codepoint_table() -> np.ndarray:
    table = np.arange(0x110000, dtype=np.uint32)
    cps = character_codepoints(0)
    chars = cps.tobytes().decode("utf-32-le")
    # each category is two letters: read them as code point pairs
    cats = np.frombuffer("".join(map(unicodedata.category, chars)).encode("utf-32-le"), dtype=np.uint32)
    major, minor = cats[0::2], cats[1::2]
    table[cps[np.isin(major, [ord("P"), ord("S"), ord("Z")])]] = 0x20
    table[np.frombuffer("".join(filter(str.isspace, chars)).encode("utf-32-le"), dtype=np.uint32)] = 0x20
    table[cps[(major == ord("C")) & (minor == ord("f"))]] = 0
    for cp, value in translation_table().items():
        table[cp] = 0 if value is None else ord(value)
    table[0] = 0x20  # NUL separates like a space
    return table


#: in :func:`casefold_table`: the code point casefolds to several characters
EXPANDS = 0xFFFFFFFF


@lru_cache(maxsize=1)
def casefold_table() -> np.ndarray:
    """Casefold then :func:`codepoint_table` as one lookup; :data:`EXPANDS` marks code points that casefold to
    several.

    ``str.casefold`` maps each code point on its own (no context), so for code points whose casefold
    is one character the two lookups compose into one table; the rare texts holding a code
    point that casefolds to several (``ß`` -> ``ss``) are casefolded in Python instead.
    """
    return stored_table("casefold", __file__, _build_casefold_table, (0x110000,), np.uint32)


def _build_casefold_table() -> np.ndarray:
    table = codepoint_table()
    fold = table.copy()
    cps = character_codepoints(0x80)
    # Casefold every code point in one call: NUL separators keep them apart (NUL folds to itself).
    spaced = np.zeros(2 * len(cps) - 1, dtype=np.uint32)
    spaced[::2] = cps
    folded = np.frombuffer(spaced.tobytes().decode("utf-32-le").casefold().encode("utf-32-le"), dtype=np.uint32)
    seps = np.flatnonzero(folded == 0)
    starts = np.concatenate(([0], seps + 1))
    lengths = np.concatenate((seps, [len(folded)])) - starts
    fold[cps] = np.where(lengths == 1, table[folded[starts]], np.uint32(EXPANDS))
    fold[0x41:0x5B] = table[0x61:0x7B]  # ASCII capitals
    return fold


def character_codepoints(start: int) -> np.ndarray:
    """uint32 code points from ``start`` whose properties may differ from an unassigned code point's.

    Planes 4-13 hold no characters and planes 15-16 only private use in every Unicode version to date
    (16.0): no case, no category the fold maps, no NFKC change.  So the tables scan planes 0-3 and 14
    (surrogates left out) and leave the rest as it is; a test checks them against every code point.
    """
    return np.concatenate((np.arange(start, 0xD800), np.arange(0xE000, 0x40000),
                           np.arange(0xE0000, 0xF0000))).astype(np.uint32)


def fold_codepoints(codepoints: np.ndarray) -> np.ndarray:
    """Fold an array of code points: map through :func:`codepoint_table` and drop deleted ones.

    Separators become ``0x20`` but are not collapsed; tokenizers split on them.
    """
    mapped: np.ndarray = codepoint_table()[codepoints]
    kept: np.ndarray = mapped[mapped != 0]
    return kept


# Combining marks of the scripts pages use; a run longer than UAX #15's stream-safe limit (30) is
# cut to 30 before NFKC, whose canonical reordering is quadratic in the run length.
_MARK_RANGES = ((0x0300, 0x036F), (0x0483, 0x0489), (0x0591, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F),
                (0x0670, 0x0670), (0x06D6, 0x06ED), (0x0900, 0x0903), (0x093A, 0x094F), (0x0E31, 0x0E4E),
                (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
_MARK_CLASS = "[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _MARK_RANGES) + "]"
_MARK_RUN = re.compile(f"({_MARK_CLASS}{{30}}){_MARK_CLASS}+")
MAX_MARK_RUN = 30


@lru_cache(maxsize=1)
def mark_table() -> np.ndarray:
    """bool per BMP code point: in the combining-mark class that :func:`nfkc` caps at runs of 30."""
    table = np.zeros(0x10000, dtype=bool)
    for a, b in _MARK_RANGES:
        table[a:b + 1] = True
    return table


def bmp_lookup(table: np.ndarray, cps: np.ndarray) -> np.ndarray:
    """``table`` (one entry per BMP code point) at each code point of ``cps``; code points past the BMP read
    U+FFFF's entry.  ``np.take`` is several times faster than indexing with a uint32 array."""
    out: np.ndarray = np.take(table, cps, mode="clip")
    return out


def long_mark_runs(cps: np.ndarray, page_end: np.ndarray | None = None) -> np.ndarray:
    """Start offsets of the runs of more than 30 combining marks in ``cps`` (what :func:`nfkc` caps).

    With ``page_end`` (each joined text's end), a run stops where a text ends, so a text's runs are the
    ones it has on its own, whatever texts it is joined with.
    """
    mask = bmp_lookup(mark_table(), cps) & (cps <= 0xFFFF)
    pos = np.flatnonzero(mask)  # marks are few: runs are found among their positions
    if pos.size <= MAX_MARK_RUN:
        return np.zeros(0, dtype=np.int64)
    new = np.diff(pos) != 1
    if page_end is not None:  # a text's first mark starts a run even when the text before ends in marks
        new |= np.isin(pos[1:], page_end)
    heads = np.flatnonzero(np.concatenate(([True], new)))
    lengths = np.diff(np.append(heads, pos.size))
    return pos[heads[lengths > MAX_MARK_RUN]]


def nfkc(text: str) -> str:
    """NFKC with runs of combining marks capped at 30 (stream-safe), so hostile input stays linear."""
    if text.isascii():  # already NFKC, and no marks to cap
        return text
    return unicodedata.normalize("NFKC", _MARK_RUN.sub(r"\1", text))


@lru_cache(maxsize=1)
def nfkc_stable_table() -> np.ndarray:
    """bool per BMP code point: NFKC leaves the character as it is, and nothing on either side of it changes
    because of it (NFKC quick check Yes, canonical combining class 0).

    A mark cannot reorder past such a character, and it composes with no character before it: it is not
    the second of any canonical decomposition pair (nor a Hangul vowel or trailing consonant).  Built on
    first use (~0.05 s; then read from disk).
    """
    return stored_table("nfkc-stable", __file__, _build_nfkc_stable_table, (0x10000,), np.bool_)


def _build_nfkc_stable_table() -> np.ndarray:
    cps = np.concatenate((np.arange(1, 0xD800), np.arange(0xE000, 0x10000))).astype(np.uint32)
    chars = cps.tobytes().decode("utf-32-le")
    # NUL (stable itself) composes with nothing and no mark reorders past it: NFKC of the NUL-joined
    # characters is the NUL-join of each character's NFKC, so one call normalizes them all.
    unchanged = map(operator.eq, unicodedata.normalize("NFKC", "\0".join(chars)).split("\0"), chars)
    starter = np.fromiter(map(unicodedata.combining, chars), dtype=np.int32, count=len(chars)) == 0
    table = np.ones(0x10000, dtype=bool)
    table[0xD800:0xE000] = False
    table[cps] = starter & np.fromiter(unchanged, dtype=bool, count=len(chars))
    second = {*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)}  # Hangul syllables compose algorithmically
    for decomposition in filter(None, map(unicodedata.decomposition, chars)):
        parts = decomposition.split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            second.add(int(parts[1], 16))
    table[sorted(second)] = False
    return table


def nfkc_islands(text: str, unstable: np.ndarray) -> str:
    """NFKC of ``text`` given the (ascending) offsets of its characters that :func:`nfkc_stable_table` does
    not mark stable: each run of them is normalized with the stable character before it (which a run may
    compose with), and the text between runs is kept as it is.  Returns ``text`` itself when nothing
    changed."""
    if unstable.size == 0:
        return text
    new_run = np.flatnonzero(np.diff(unstable) != 1) + 1
    heads = unstable[np.concatenate(([0], new_run))].tolist()
    tails = (unstable[np.append(new_run - 1, unstable.size - 1)] + 1).tolist()
    parts, done = [], 0
    for a, b in zip(heads, tails, strict=True):
        start = max(a - 1, done)
        parts.append(text[done:start])
        parts.append(unicodedata.normalize("NFKC", text[start:b]))
        done = b
    parts.append(text[done:])
    out = "".join(parts)
    return text if out == text else out


def nfkc_many(texts: list[str], cps: np.ndarray, page_end: np.ndarray) -> list[str]:
    """:func:`nfkc` of each text, given the texts' code points joined (``page_end``: each text's end; a
    separator may follow each text).

    Only texts holding a long mark run pay for the capping regex.  The others are normalized where they
    hold a character that NFKC may change (:func:`nfkc_islands`), or whole when such characters are many.
    A text NFKC leaves as it is is returned itself.
    """
    capped = set(np.searchsorted(page_end, long_mark_runs(cps, page_end), side="right").tolist())
    stable = bmp_lookup(nfkc_stable_table(), cps) & (cps <= 0xFFFF)
    unstable = np.flatnonzero(~stable)
    cut = np.searchsorted(unstable, page_end).tolist()
    starts = [0, *page_end[:-1].tolist()]
    out = []
    for p, t in enumerate(texts):
        at = unstable[(cut[p - 1] if p else 0):cut[p]]
        if p in capped:
            capped_text = nfkc(t)
            out.append(t if capped_text == t else capped_text)
        elif at.size == 0:
            out.append(t)
        elif at.size * 64 > len(t):  # many: one call over the whole text
            whole = unicodedata.normalize("NFKC", t)
            out.append(t if whole == t else whole)
        else:
            out.append(nfkc_islands(t, at - starts[p]))
    return out


def normalize(text: str) -> str:
    """Fold ``text`` for fingerprinting: NFKC, casefold, Arabic/Persian folds, digits, punctuation -> space.

    Runs of separators collapse to one space and the result is stripped.
    """
    text = nfkc(text).casefold()
    if not text:
        return ""
    cps = fold_codepoints(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    space = cps == 0x20
    drop = space & np.concatenate(([True], space[:-1]))  # leading spaces and repeats
    cps = cps[~drop]
    if cps.size and cps[-1] == 0x20:
        cps = cps[:-1]
    return str(cps.tobytes().decode("utf-32-le", "surrogatepass"))


def line_key(line: str) -> str:
    """The normalized form used to compare lines across pages (same as :func:`normalize`)."""
    return normalize(line)
