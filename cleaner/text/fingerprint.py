"""Fingerprint normalization: the folded form of text used by dedup and corpus statistics.

It is never written to output.  Two texts that differ only in Arabic/Persian letter forms,
diacritics, tatweel, digit scripts, case or punctuation get the same fingerprint.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

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

_PUNCT = regex.compile(r"[\p{P}\p{S}\p{Z}\s]+")
_FORMAT = regex.compile(r"\p{Cf}+")


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


def normalize(text: str) -> str:
    """Fold ``text`` for fingerprinting: NFKC, casefold, Arabic/Persian folds, digits, punctuation -> space.

    Runs of separators collapse to one space and the result is stripped.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _FORMAT.sub("", text)
    text = text.translate(translation_table())
    return _PUNCT.sub(" ", text).strip()


def line_key(line: str) -> str:
    """The normalized form used to compare lines across pages (same as :func:`normalize`)."""
    return normalize(line)
