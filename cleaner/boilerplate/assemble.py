"""Structural decisions after line scores: decoding, duplicates, main body, second article, glued tail, reasons."""
from __future__ import annotations

import bisect
import re

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
    return viterbi_many(logits, np.array([0, logits.size]), switch_cost)


def viterbi_many(logits: np.ndarray, row_ptr: np.ndarray, switch_cost: float) -> np.ndarray:
    """:func:`viterbi` of each page of a batch (page ``p`` owns rows ``row_ptr[p]:row_ptr[p + 1]``)."""
    if switch_cost <= 0:
        return logits > 0
    m = logits.size
    half = (logits / 2.0).tolist()
    back0 = bytearray(m)  # best previous state when in state 0 / 1
    back1 = bytearray(b"\x01") * m
    out = bytearray(m)  # 1 where the best path keeps the line
    cost = switch_cost
    bounds = row_ptr.tolist()
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if a == b:
            continue
        s0, s1 = -half[a], half[a]
        for i in range(a + 1, b):
            # at most one state switches: s0 < s1 - cost implies s1 >= s0 - cost (cost >= 0); ties stay
            m0 = s1 - cost
            if s0 < m0:
                s0 = m0
                back0[i] = 1
            else:
                m1 = s0 - cost
                if s1 < m1:
                    s1 = m1
                    back1[i] = 0
            h = half[i]
            s0 -= h
            s1 += h
        state = 1 if s1 > s0 else 0
        for i in range(b - 1, a - 1, -1):
            out[i] = state
            state = back1[i] if state else back0[i]
    return np.frombuffer(out, dtype=np.uint8).astype(bool)


# plain literal alternations: the standard engine scans them several times faster than ``regex``
_CUE_RES = {reason: re.compile("|".join(re.escape(w) for w in words)) for reason, words in CUES.items()}
#: a short line: cue words are looked for in lines of at most this many characters
CUE_CHARS = 80
#: a comment thread's title quotes the article's title: it is looked for in lines up to this long
THREAD_TITLE_CHARS = 200


def cue_of(line: str) -> str | None:
    """The reason a short line's cue words name (comments, related_links, footer, navigation), or None."""
    if len(line) > CUE_CHARS:
        return None
    low = line.lower()
    for reason, pattern in _CUE_RES.items():
        if pattern.search(low):
            return reason
    return None


def section_title(line: str) -> str | None:
    """The reason (``related_links`` or ``comments``) when ``line`` is a bare section title ("مقالات ذات صلة",
    "Related articles", "Read more", "التعليقات"): at most 40 characters, and at most one word besides
    its cue words."""
    if len(line) > 40:
        return None
    low = line.lower()
    for reason in ("comments", "related_links"):
        found = _CUE_RES[reason].search(low)
        if found:  # the words the cue is part of ("التعليقات" holds "تعليق") are the title's
            before = re.sub(r"\w+$", "", low[:found.start()])
            after = re.sub(r"^\w+", "", low[found.end():])
            if len(re.findall(r"\w+", before + " " + after)) <= 1:
                return reason
    return None


# A line that titles a comment thread under an article, as blog engines print it: a count, the comments
# word and the word before the article's title ("59 Comments on “…”", "15 Replies to “…”", "6 thoughts
# on “…”", "3 Gedanken zu „…“", "12 commentaires sur « … »", "3 تعليقات على …"); or the title of the form
# where readers post comments ("Leave a Reply", "Post a Comment", "Comments are closed", "Laisser un
# commentaire", "Добавить комментарий", "اترك تعليقا").  Matched from the line break before the line, so
# that a scan of a page jumps from line break to line break; ``_`` stands for a space within the line.
_THREAD_TITLE = re.compile(
    (r"\n_*(?:(?P<count>(?:\d+|one|no)_+(?:(?:comments?|thoughts?|repl(?:y|ies)|responses?)_+(?:on|to)"
     r"|(?:kommentare?|gedanken)_+(?:zu|auf)|(?:commentaires?|réflexions?)_+(?:sur|à)"
     r"|(?:comentarios?|respuestas?)_+(?:en|a|sobre)|комментари\w*_+к|تعليقا?ت?_+على)_)"
     r"|leave_+a_+(?:reply|comment)|(?:post|add|write|submit)_+a_+comment|comments_+are_+closed"
     r"|you_+must_+be_+logged_+in_+to_+post|join_+the_+(?:discussion|conversation)"
     r"|schreibe?_+einen_+kommentar|laisser_+un_+commentaire|dej(?:a|ar)_+un_+comentario"
     r"|(?:добавить|оставить|оставьте)_+комментарий|dodaj_+komentarz|αφήστε_+(?:ένα_+)?σχόλιο"
     r"|(?:اترك|أترك|أضف|اضف|اكتب)_+(?:تعليق|ردا?))").replace("_", r"[^\S\n]"), re.IGNORECASE)


def thread_title_lines(text: str, starts: np.ndarray, ends: np.ndarray, from_line: int = 0) -> np.ndarray:
    """The lines of ``text`` from ``from_line`` on (``starts``/``ends``: each line's offsets, sorted) that
    title a comment thread or a comment form: a count of comments followed by the word that introduces the
    article's title (in a line of at most :data:`THREAD_TITLE_CHARS` characters), or the form's title (at
    most :data:`CUE_CHARS`).  The page's first line is never one (a thread comes after an article)."""
    if from_line >= starts.size:
        return np.zeros(0, dtype=np.int64)
    found = []
    for m in _THREAD_TITLE.finditer(text, max(int(starts[from_line]) - 1, 0)):
        j = int(np.searchsorted(starts, m.start() + 1))
        if j < starts.size and starts[j] == m.start() + 1 and \
                ends[j] - starts[j] <= (THREAD_TITLE_CHARS if m.group("count") else CUE_CHARS):
            found.append(j)
    return np.array(found, dtype=np.int64)


def segments(keep: np.ndarray, body: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs of strong kept lines separated by fewer than ``gap`` removed lines (isolated kept lines
    inside a removed run do not break it), as ``(first, last)`` non-blank line indices."""
    heads, tails = _segment_bounds(keep, body, gap)
    return list(zip(heads.tolist(), tails.tolist(), strict=True))


def _segment_bounds(keep: np.ndarray, body: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`segments` as arrays of first and last lines."""
    strong = np.flatnonzero(keep & body)
    if strong.size == 0:
        return strong, strong
    removed = np.cumsum(~keep)  # removed lines up to each line
    # a segment ends where at least ``gap`` lines were removed between two strong lines
    cut = np.flatnonzero(removed[strong[1:]] - removed[strong[:-1]] >= gap)
    return strong[np.concatenate(([0], cut + 1))], strong[np.append(cut, strong.size - 1)]


def main_region(keep: np.ndarray, body: np.ndarray, lengths: np.ndarray, gap: int
                ) -> tuple[int, int, list[tuple[int, int]]]:
    """``(first, last, later_segments)``: the main article is the first segment holding at least half as
    much text as the largest one; kept lines before it (headline, lead) belong to it."""
    first, last, later = main_regions(keep, body, lengths, np.array([0, keep.size]), gap)
    return int(first[0]), int(last[0]), later[0]


def main_regions(keep: np.ndarray, body: np.ndarray, lengths: np.ndarray, row_ptr: np.ndarray, gap: int
                 ) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
    """:func:`main_region` of each page of a batch (page ``p`` owns rows ``row_ptr[p]:row_ptr[p + 1]``), with
    array operations over the batch: ``first`` and ``last`` per page and the later segments, page-local
    (a page without kept lines has ``(0, -1)``)."""
    n_pages = row_ptr.size - 1
    page = np.repeat(np.arange(n_pages), np.diff(row_ptr))
    kept = np.flatnonzero(keep)
    # pages without strong lines: their first and last kept lines
    k0 = np.searchsorted(kept, row_ptr[:-1])
    k1 = np.searchsorted(kept, row_ptr[1:]) - 1
    has_kept = k1 >= k0
    first = np.where(has_kept, kept[np.minimum(k0, kept.size - 1)] - row_ptr[:-1] if kept.size else 0, 0)
    last = np.where(has_kept, kept[np.maximum(k1, 0)] - row_ptr[:-1] if kept.size else 0, -1)
    later: list[list[tuple[int, int]]] = [[] for _ in range(n_pages)]
    strong = np.flatnonzero(keep & body)
    if strong.size == 0:
        return first, last, later
    # segments: a new one at a new page or after at least ``gap`` removed lines between two strong lines
    removed = np.cumsum(~keep)
    spage = page[strong]
    new_seg = np.ones(strong.size, dtype=bool)
    new_seg[1:] = (spage[1:] != spage[:-1]) | (removed[strong[1:]] - removed[strong[:-1]] >= gap)
    heads, tails = strong[new_seg], strong[np.append(new_seg[1:], True)]
    kept_chars = np.cumsum(np.where(keep, lengths, 0))
    sizes = kept_chars[tails] - kept_chars[heads] + lengths[heads]  # a segment's first line is kept
    seg_page = page[heads]
    page_seg = np.flatnonzero(np.concatenate(([True], seg_page[1:] != seg_page[:-1])))  # first of each page
    page_end = np.append(page_seg[1:], sizes.size)
    largest = np.repeat(np.maximum.reduceat(sizes, page_seg), page_end - page_seg)
    large = np.flatnonzero(sizes >= 0.5 * largest)
    chosen = large[np.concatenate(([True], seg_page[large[1:]] != seg_page[large[:-1]]))]  # first of each page
    pages = seg_page[chosen]
    r0 = row_ptr[pages]
    # kept lines after the page's previous segment (or from its top) lead into this one
    start = np.where(chosen > page_seg, tails[np.maximum(chosen - 1, 0)] + 1, r0)
    lead = kept[np.searchsorted(kept, start)]  # the first kept line from there (the segment's head at the latest)
    first[pages] = lead - r0
    last[pages] = tails[chosen] - r0
    local_heads = (heads - row_ptr[seg_page]).tolist()
    local_tails = (tails - row_ptr[seg_page]).tolist()
    for p, a, b in zip(pages.tolist(), (chosen + 1).tolist(), page_end.tolist(), strict=True):
        later[p] = list(zip(local_heads[a:b], local_tails[a:b], strict=True))
    return first, last, later


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


#: reason names; :func:`name_reasons_many` gives their indices
REASONS: tuple[str, ...] = ("other", "navigation", "page_header", "footer", "repeated_headline", "caption",
                            "comments", "related_links", "site_template", "secondary_article")
OTHER, NAVIGATION, PAGE_HEADER, FOOTER, REPEATED, CAPTION = range(6)
_CUE_CODE = {reason: REASONS.index(reason) for reason in CUES}
_ASCII_CUES = {reason: tuple(w for w in words if w.isascii()) for reason, words in CUES.items()}


def cues_many(lines: list[str]) -> np.ndarray:
    """:func:`cue_of` of each line as a :data:`REASONS` index (-1 for none).

    The short lines are joined and lowercased once and each word looked for in the joined text; a line
    takes the first reason (in ``CUES`` order) with a word in it, as :func:`cue_of` does.  Lines whose
    lowercase has another length are looked at one by one.  A line printed several times (a menu on every
    page of a site) is looked at once.
    """
    distinct = list(dict.fromkeys(lines))
    index = dict(zip(distinct, range(len(distinct)), strict=True))
    return _distinct_cues(distinct)[np.fromiter(map(index.__getitem__, lines), dtype=np.int64, count=len(lines))]


def _distinct_cues(lines: list[str]) -> np.ndarray:
    """:func:`cues_many` of lines that are all different.  ASCII lines are looked at apart, for the ASCII
    words only (a word with another character cannot be in them, and the search in ASCII text is faster)."""
    out = np.full(len(lines), -1, dtype=np.int64)
    short = [i for i, t in enumerate(lines) if len(t) <= CUE_CHARS]
    ascii_lines = [i for i in short if lines[i].isascii()]
    other = [i for i in short if not lines[i].isascii()]
    for group, cues in ((ascii_lines, _ASCII_CUES), (other, CUES)):
        if group:
            out[np.array(group, dtype=np.int64)] = _find_cues([lines[i] for i in group], cues)
    return out


def _find_cues(pieces: list[str], cues: dict[str, tuple[str, ...]]) -> list[int]:
    """The first reason of ``cues`` (a :data:`REASONS` index, -1 for none) with a word in each piece."""
    joined = "\n".join(pieces)
    low = joined.lower()
    if len(low) != len(joined):  # a case mapping changed lengths: those lines one by one
        odd = {j for j, t in enumerate(pieces) if len(t.lower()) != len(t)}
        rest = [j for j in range(len(pieces)) if j not in odd]
        out = [-1] * len(pieces)
        for j in odd:
            cue = cue_of(pieces[j])
            out[j] = _CUE_CODE[cue] if cue is not None else -1
        for j, code in zip(rest, _find_cues([pieces[j] for j in rest], cues) if rest else [], strict=True):
            out[j] = code
        return out
    starts = np.cumsum([0] + [len(t) + 1 for t in pieces]).tolist()  # offsets of the pieces in ``low``
    found = [-1] * len(pieces)
    for reason, words in cues.items():  # str.find of each word: about twice as fast as the regex alternations
        code = _CUE_CODE[reason]
        for word in words:
            at = low.find(word)
            while at >= 0:
                j = bisect.bisect_right(starts, at) - 1
                if found[j] < 0:
                    found[j] = code
                at = low.find(word, starts[j + 1])  # the next line: one hit a line is enough
    return found


def name_reasons_many(texts: list[str], page: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                      row_start: np.ndarray, first: np.ndarray, last: np.ndarray, keep: np.ndarray,
                      repeated: np.ndarray, adjacent_dup: np.ndarray, bullet: np.ndarray, ntok: np.ndarray,
                      cues: np.ndarray) -> np.ndarray:
    """Reason (a :data:`REASONS` index) of each non-blank line of a batch (meaningful for removed ones).

    Per line: its page, offsets in the page's text, the first row of its page (``row_start``) and its
    :func:`cues_many` code (``cues``, computed with the line arrays); per
    page: the main region's ``first`` and ``last`` line (page-local).  Lines before the main region are
    navigation, page header, footer or repeated headlines; after it starts, a removed line with a cue
    opens a section (navigation cues only after the region) that lasts until a kept line of the region.
    """
    m = keep.size
    local = np.arange(m) - row_start
    f, la = first[page], last[page]
    removed = ~keep
    before = local < f
    cue = np.where(removed, cues.astype(np.int64), -1)
    has_cue = cue >= 0
    pre = np.where((cue == FOOTER) & (local > 0), FOOTER,
                   np.where(repeated, REPEATED,
                            np.where(bullet | (cue == NAVIGATION) | ((ntok <= 3) & (f - local > 6)), NAVIGATION,
                                     np.where(f - local <= 6, PAGE_HEADER, NAVIGATION))))
    # the section in force at each line: the latest cue that opened one, unless a kept line of the region
    # came after it (a page's first row bounds the search)
    opens = removed & ~before & has_cue & ((local > la) | (cue != NAVIGATION))
    closes = keep & (local <= la)
    latest = np.maximum.accumulate(np.where(opens | closes, np.arange(m), -1))
    section = np.where(latest >= row_start, np.where(opens, cue, -1)[np.maximum(latest, 0)], -1)
    in_section = section >= 0
    sec_ok = ~in_section | (local <= la)
    caption = adjacent_dup.copy()
    ask = np.flatnonzero(removed & ~before & ~repeated & ~adjacent_dup & sec_ok)
    if ask.size:
        caption[ask] = [_CAPTION.search(texts[p][a:b]) is not None for p, a, b in
                        zip(page[ask].tolist(), starts[ask].tolist(), ends[ask].tolist(), strict=True)]
    post = np.where(repeated, REPEATED,
                    np.where(caption & sec_ok, CAPTION,
                             np.where(in_section & (local >= la), section,
                                      np.where(has_cue, cue,
                                               np.where((local <= la) & (ntok >= 3), CAPTION, OTHER)))))
    out: np.ndarray = np.where(keep, OTHER, np.where(before, pre, post))
    return out
