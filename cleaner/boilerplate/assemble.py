"""Structural decisions after line scores: decoding, duplicates, main body, second article, glued tail, reasons."""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import regex

#: Multilingual cues used only to *name* the reason of lines already removed (never to decide).
CUES: dict[str, tuple[str, ...]] = {
    "comments": ("تعليق", "comment", "коммент", "评论", "留言", "σχόλι", "komentarz", "نظرات", "commentaire",
                 "comentario", "kommentar", "الأكثر قراءة", "الأكثر مشاهدة", "most read", "most popular",
                 "самое читаемое", "najczęściej", "热门", "δημοφιλ", "پربازدید", "les plus lus", "más leíd",
                 "meistgelesen", "أفكارك"),
    "related_links": ("ذات صلة", "اقرأ أيضا", "اقرأ ايضا", "اقرأ المزيد", "related", "read more", "read also",
                      "see also", "more from", "you may also like", "recommended", "читайте также", "по теме",
                      "похожие", "相关", "推荐", "延伸阅读", "σχετικ", "διαβάστε", "zobacz też", "zobacz także",
                      "czytaj też", "czytaj także", "przeczytaj", "مطالب مرتبط", "بیشتر بخوانید", "lire aussi",
                      "même sujet", "lea también", "relacionad", "mehr zum thema", "lesen sie auch"),
    "footer": ("©", "copyright", "all rights reserved", "جميع الحقوق", "حقوق", "все права", "版权", "πνευματικά",
               "wszelkie prawa", "تمامی حقوق", "droits réservés", "derechos reservados", "alle rechte",
               "follow us", "تابعونا", "تابعنا", "subscribe", "newsletter", "share", "شارك", "поделиться", "分享",
               "κοινοποίηση", "udostępnij", "اشتراک", "partager", "compartir", "teilen", "privacy", "cookie"),
    "navigation": ("home", "menu", "الرئيسية", "главная", "首页", "αρχική", "strona główna", "خانه", "accueil",
                   "inicio", "startseite", "skip to", "log in", "sign in", "login"),
}
_CAPTION = re.compile(r"\([^()\n]{1,40}\)\s*$|\s/\s[^/\n]{1,40}$|\b(?:photo|getty|reuters|afp|ap photo)\b",
                         re.IGNORECASE)
# a sentence end immediately followed by a letter: the join of a glued headline
_GLUE = regex.compile(r"[.!?؟。！？](?=[\p{L}])")
_SENT_END = regex.compile(r"[.!?؟。！？]")


def viterbi(logits: np.ndarray, switch_cost: float) -> np.ndarray:
    """Two-state (remove/keep) decoding: maximise the sum of agreeing half log-odds minus switch costs."""
    n = logits.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    if switch_cost <= 0:
        return logits > 0
    half = (logits / 2.0).tolist()
    s0, s1 = -half[0], half[0]
    back0 = bytearray(n)  # best previous state when in state 0 / 1
    back1 = bytearray(n)
    for i in range(1, n):
        h = half[i]
        m0 = s1 - switch_cost
        m1 = s0 - switch_cost
        if s0 >= m0:
            n0 = s0
        else:
            n0 = m0
            back0[i] = 1
        if s1 >= m1:
            n1 = s1
            back1[i] = 1
        else:
            n1 = m1
        s0, s1 = n0 - h, n1 + h
    out = np.zeros(n, dtype=bool)
    state = 1 if s1 > s0 else 0
    for i in range(n - 1, -1, -1):
        out[i] = state == 1
        state = back1[i] if state else back0[i]
    return out


# plain literal alternations: the standard engine scans them several times faster than ``regex``
_CUE_RES = {reason: re.compile("|".join(re.escape(w) for w in words)) for reason, words in CUES.items()}


def cue_of(line: str) -> str | None:
    """The reason a short line's cue words name (comments, related_links, footer, navigation), or None."""
    if len(line) > 80:
        return None
    low = line.lower()
    for reason, pattern in _CUE_RES.items():
        if pattern.search(low):
            return reason
    return None


def segments(keep: np.ndarray, body: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs of strong kept lines separated by fewer than ``gap`` removed lines (isolated kept lines
    inside a removed run do not break it), as ``(first, last)`` non-blank line indices."""
    strong = np.flatnonzero(keep & body)
    out: list[tuple[int, int]] = []
    if strong.size == 0:
        return out
    removed_before = np.concatenate(([0], np.cumsum(~keep)))
    seg_start = prev = int(strong[0])
    for i in strong[1:].tolist():
        if removed_before[i] - removed_before[prev + 1] >= gap:
            out.append((seg_start, prev))
            seg_start = i
        prev = i
    out.append((seg_start, prev))
    return out


def main_region(keep: np.ndarray, body: np.ndarray, lengths: np.ndarray, gap: int
                ) -> tuple[int, int, list[tuple[int, int]]]:
    """``(first, last, later_segments)``: the main article is the first segment holding at least half as
    much text as the largest one; kept lines before it (headline, lead) belong to it."""
    segs = segments(keep, body, gap)
    if not segs:
        kept = np.flatnonzero(keep)
        return (int(kept[0]), int(kept[-1]), []) if kept.size else (0, -1, [])
    csum = np.concatenate(([0], np.cumsum(np.where(keep, lengths, 0))))
    sizes = [int(csum[b + 1] - csum[a]) for a, b in segs]
    big = max(sizes)
    j = next(n for n, size in enumerate(sizes) if size >= 0.5 * big)
    first, last = segs[j]
    if j == 0:
        kept_before = np.flatnonzero(keep[:first])
        first = int(kept_before[0]) if kept_before.size else first
    else:
        prev_end = segs[j - 1][1]
        kept_before = np.flatnonzero(keep[prev_end + 1:first]) + prev_end + 1
        first = int(kept_before[0]) if kept_before.size else first
    return first, last, segs[j + 1:]


def glued_tail(line: str) -> int | None:
    """Offset in ``line`` where a glued headline starts, or None.

    The last sentence end immediately followed by a letter, when the rest holds no sentence end.
    """
    if _SENT_END.search(line[-1:] or "."):
        return None
    last: int | None = None
    for m in _GLUE.finditer(line):
        last = int(m.end())
    if last is None or last < 20:
        return None
    rest = line[last:]
    if _SENT_END.search(rest) or len(rest.strip()) < 8:
        return None
    return last


class Lines(Sequence[str]):
    """The texts of a page's lines, sliced from the page only when asked for."""

    def __init__(self, text: str, starts: list[int], ends: list[int]) -> None:
        self.text, self.starts, self.ends = text, starts, ends

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self.text[self.starts[i]:self.ends[i]]


def cues_of(texts: Lines, rows: list[int]) -> dict[int, str]:
    """:func:`cue_of` of the given lines at once, as ``{row: reason}`` for the lines that hold a cue.

    The short lines are joined and lowercased once and each reason's words scanned in one pass; a line
    takes the first reason (in ``CUES`` order) with a word in it, as :func:`cue_of` does.
    """
    text, st, en = texts.text, texts.starts, texts.ends
    short = [i for i in rows if en[i] - st[i] <= 80]
    if not short:
        return {}
    pieces = [text[st[i]:en[i]] for i in short]
    joined = "\n".join(pieces)
    low = joined.lower()
    if len(low) != len(joined):  # a case mapping changed lengths: fall back to line by line
        return {i: c for i, t in zip(short, pieces, strict=True) if (c := cue_of(t)) is not None}
    sizes = np.fromiter((len(t) + 1 for t in pieces), dtype=np.int64, count=len(pieces))
    offsets = np.cumsum(sizes) - sizes
    found: dict[int, str] = {}
    for reason, pattern in _CUE_RES.items():
        hits = [m.start() for m in pattern.finditer(low)]
        if hits:
            for j in np.searchsorted(offsets, hits, side="right").tolist():
                found.setdefault(short[j - 1], reason)
    return found


def name_reasons(texts: Lines, keep: np.ndarray, first: int, last: int, later_dup: np.ndarray,
                 adjacent_dup: np.ndarray, first_kept_of_dup: np.ndarray, bullet: np.ndarray,
                 ntok: np.ndarray) -> list[str]:
    """Reason for each non-blank line (meaningful for removed ones)."""
    n = len(texts)
    reasons = ["other"] * n
    kept = keep.tolist()
    cues = cues_of(texts, [i for i in range(n) if not kept[i]])
    repeated = (later_dup & first_kept_of_dup).tolist()
    adjacent, bullets, ntoks = adjacent_dup.tolist(), bullet.tolist(), ntok.tolist()
    section: str | None = None
    for i in range(n):
        if kept[i]:
            if i <= last:  # a kept line after the article keeps the current section
                section = None
            continue
        cue = cues.get(i)
        if i < first:
            if cue == "footer" and i > 0:
                reasons[i] = "footer"
            elif repeated[i]:
                reasons[i] = "repeated_headline"
            elif bullets[i] or cue == "navigation" or (ntoks[i] <= 3 and first - i > 6):
                reasons[i] = "navigation"
            elif first - i <= 6:
                reasons[i] = "page_header"
            else:
                reasons[i] = "navigation"
            continue
        if cue is not None:
            section = cue if i > last or cue != "navigation" else section
        if repeated[i]:
            reasons[i] = "repeated_headline"
        elif (adjacent[i] or _CAPTION.search(texts[i])) and (section is None or i <= last):
            reasons[i] = "caption"
        elif section is not None and i >= min(last, n):
            reasons[i] = section
        elif cue is not None:
            reasons[i] = cue
        elif i <= last:
            reasons[i] = "caption" if ntoks[i] >= 3 else "other"
        else:
            reasons[i] = "other"
    return reasons
