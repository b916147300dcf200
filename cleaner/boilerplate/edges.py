"""The article's edges: paragraphs at the page's top and bottom, a date line above the headline and a
dateline block between headline and body, and a source line after the body.

The rules look only at punctuation and digit patterns, counts of words (never which words; the one
exception is the Chinese date characters 年 and 月) and where a line sits relative to the main body, so
they carry over to any language.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# a clock time (21:14) or a numeric date (1-2-2022, 2024/05/01, 01.06.24); \d matches any script's digits
_DATELINE = re.compile(r"\d{1,2}[:：]\d{2}|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
# "label: value": one or two words, a colon, one to three words; no digits, lists or links
_ATTRIBUTION = re.compile(r"^\s*[^\W\d_]+(?:[ \-][^\W\d_]+)?\s?[:：]\s*[^\W\d_]+(?:[ \-.][^\W\d_]+){0,2}\s*$")
# a line above the headline that dates the page: a clock time, a numeric date, or a day, a month name and a
# year in either order ("1 يونيو 2024", "October 13, 2025", "2024年6月1日"); a year alone may be a headline's
_DATE_ABOVE = re.compile(_DATELINE.pattern + r"|(?<!\d)\d{1,2}(?!\d)[\s,.]+[^\W\d_]+\.?[\s,]+(?:19|20)\d{2}(?!\d)"
                         r"|[^\W\d_]+\.?\s+\d{1,2}(?!\d),?\s+(?:19|20)\d{2}(?!\d)|\d{4}\s*年\s*\d{1,2}\s*月")
_WORD = re.compile(r"[^\W_]+")
#: a date line above the headline has at most this many words (digits included): "السبت 1 يونيو 2024"
MAX_DATE_WORDS = 5
#: and at most this many characters (which also bounds the pattern's backtracking on a hostile line)
MAX_DATE_CHARS = 60
#: the header zone between headline and body holds at most this many lines
MAX_HEADER_LINES = 8


def dateline_header(texts: Sequence[str], keep: np.ndarray, body: np.ndarray, prose: np.ndarray,
                    first: int) -> list[int]:
    """Kept lines to remove as ``page_header``: from a short dateline below the headline to the body.

    ``first`` is the article's first kept line, its headline (not ``prose``: a body line ending a
    sentence).  When a kept line between it and the first kept body line holds a clock time or a numeric
    date, that line and the kept lines after it (section, publisher) are page furniture, not the article.
    """
    if first < 0 or prose[first]:  # a headline does not end a sentence
        return []
    above: list[int] = []
    if _dates_only(texts[first]):  # a date line above the headline: the next kept line, if not prose
        after = np.flatnonzero(keep[first + 1:first + 1 + MAX_HEADER_LINES])
        if after.size and not prose[first + 1 + int(after[0])]:
            above, first = [first], first + 1 + int(after[0])
    strong = np.flatnonzero(keep[first + 1:] & body[first + 1:])
    if strong.size == 0:
        return above
    start = first + 1 + int(strong[0])
    if start - first > MAX_HEADER_LINES:
        return above
    for i in range(first + 1, start):
        if keep[i] and _DATELINE.search(texts[i]):
            return above + [j for j in range(i, start) if keep[j]]
    return above


def _dates_only(line: str) -> bool:
    """A short line holding a date or time and few words besides (a line that dates the page, above its headline)."""
    return len(line) <= MAX_DATE_CHARS and len(_WORD.findall(line)) <= MAX_DATE_WORDS \
        and bool(_DATE_ABOVE.search(line))


def edge_paragraphs(keep: np.ndarray, prose: np.ndarray) -> list[int]:
    """The page's first and last lines when the model removed them but kept the two lines next to them
    and all three are prose: a paragraph that opens or closes a run of kept paragraphs is the article's.

    The model scores a page's top and bottom lines low (pages open with menus and end with footers), and
    stripping repeats until nothing changes: without this rule a page whose text opens or ends on its
    article could lose a paragraph to each pass, until a line scored high enough stopped it.
    """
    rows: list[int] = edge_paragraphs_many(keep, prose, np.array([0, keep.size])).tolist()
    return rows


def edge_paragraphs_many(keep: np.ndarray, prose: np.ndarray, row_ptr: np.ndarray) -> np.ndarray:
    """The rows :func:`edge_paragraphs` keeps on each page of a batch (page ``p`` owns rows
    ``row_ptr[p]:row_ptr[p + 1]``), ascending."""
    r0, r1 = row_ptr[:-1], row_ptr[1:]
    r0, r1 = r0[r1 - r0 >= 3], r1[r1 - r0 >= 3]
    top = prose[r0] & prose[r0 + 1] & prose[r0 + 2] & ~keep[r0] & keep[r0 + 1] & keep[r0 + 2]
    bottom = prose[r1 - 1] & prose[r1 - 2] & prose[r1 - 3] & ~keep[r1 - 1] & keep[r1 - 2] & keep[r1 - 3]
    rows: np.ndarray = np.sort(np.concatenate((r0[top], r1[bottom] - 1)))
    return rows


def attribution_after(texts: Sequence[str], keep: np.ndarray, blocked: np.ndarray, last: int) -> int | None:
    """The removed line right after the body's last line when it reads "label: value" (a source line)."""
    i = last + 1
    if last < 0 or i >= keep.size or keep[i] or blocked[i] or not keep[last]:
        return None
    line = texts[i]
    return i if len(line) <= 40 and _ATTRIBUTION.match(line) else None


def minor_tail(keep: np.ndarray, body: np.ndarray, lengths: np.ndarray, last: int,
               later: list[tuple[int, int]], main_size: float, share: float, gap: int) -> list[int]:
    """Kept lines after the article, past ``gap`` removed lines, in blocks holding little body text.

    A later segment of body text holding less than ``share`` of the main segment's text is a teaser
    or a sidebar; so are kept lines past the last segment that hold no body text at all.
    """
    if not keep[last + 1:].any():  # nothing kept after the article (most pages)
        return []
    removed = np.concatenate(([0], np.cumsum(~keep)))
    drop: list[int] = []
    prev_end = last  # end of the last block kept: removed lines are counted from here
    scan = last + 1  # first line not looked at yet
    for a, b in [*later, (keep.size, keep.size - 1)]:
        if a < keep.size:
            strong = keep[a:b + 1] & body[a:b + 1]
            if lengths[a:b + 1][strong].sum() >= share * main_size:
                prev_end, scan = b, b + 1
                continue
        rows = np.flatnonzero(keep[scan:b + 1]) + scan
        drop += rows[removed[rows] - removed[prev_end + 1] >= gap].tolist()
        scan = b + 1
    return drop
