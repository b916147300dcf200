"""The article-edge rules: paragraphs at the page's edges, dateline block, source line after the body."""
from __future__ import annotations

import numpy as np
import pytest

from cleaner.boilerplate.edges import attribution_after, dateline_header, edge_paragraphs, minor_tail


def arr(*bits: int) -> np.ndarray:
    return np.array(bits, dtype=bool)


HEADLINE = "A headline of the story"
BODY = "The first paragraph of the article holds many words and ends with a full stop."


@pytest.mark.parametrize("dateline", ["World 1-2-2022 | 21:14", "2024/05/01", "updated 09:30",
                                      "عرب وعالم1-2-2022 | 21:14", "٢١:١٤ بتوقيت"])
def test_dateline_and_lines_after_it_go(dateline: str) -> None:
    texts = [HEADLINE, "A caption line", dateline, "Publisher", BODY, BODY]
    keep, body = arr(1, 1, 1, 1, 1, 1), arr(0, 0, 0, 0, 1, 1)
    assert dateline_header(texts, keep, body, body, 0) == [2, 3]


@pytest.mark.parametrize("date", ["السبت 1 يونيو 2024", "Saturday, June 1, 2024", "OCTOBER 13, 2025", "Сегодня, 2:18",
                                  "1 июня 2024", "2024年6月1日", "01.06.2024"])
def test_a_date_line_above_the_headline_goes_with_the_dateline_block(date: str) -> None:
    texts = [date, HEADLINE, "A caption line", "عرب وعالم1-2-2022 | 21:14", "Publisher", BODY, BODY]
    keep, body = arr(1, 1, 1, 1, 1, 1, 1), arr(0, 0, 0, 0, 0, 1, 1)
    assert dateline_header(texts, keep, body, body, 0) == [0, 3, 4]
    assert dateline_header(texts[:3] + texts[5:], arr(1, 1, 1, 1, 1), arr(0, 0, 0, 1, 1), arr(0, 0, 0, 1, 1),
                           0) == [0]  # no dateline under the headline


@pytest.mark.parametrize("line", ["MSI Sword 15 (2022)", "Top 10 phones of 2024", "Budget 2024: what changes",
                                  "2015年陇药销售额要超100亿元", "The 1 June 2024 election results and what they mean"])
def test_a_headline_with_a_year_is_not_a_date_line(line: str) -> None:
    texts = [line, "A subtitle under it", BODY, BODY]
    assert dateline_header(texts, arr(1, 1, 1, 1), arr(0, 0, 1, 1), arr(0, 0, 1, 1), 0) == []


@pytest.mark.parametrize("case", [
    ([HEADLINE, "A subtitle without digits", "Publisher", BODY], "1111", "0001", 0),  # no dateline
    (["1 June 2024", BODY, BODY], "111", "011", 0),  # under the date line is the body, not a headline
    ([HEADLINE, "2024-01-02", BODY], "101", "001", 0),  # the dateline was removed already
    ([HEADLINE] + ["menu 10:00"] + ["x"] * 8 + [BODY], "1" * 11, "0" * 10 + "1", 0),  # zone too long
    ([HEADLINE, "12:30", "more"], "111", "000", 0),  # no body after the headline
    ([BODY, "12:30", BODY], "111", "101", 0),  # the first kept line is prose, not a headline
])
def test_dateline_header_leaves(case: tuple[list[str], str, str, int]) -> None:
    texts, keep, body, first = case
    b = arr(*map(int, body))
    got = dateline_header(texts, arr(*map(int, keep)), b, b, first)
    assert got == []


@pytest.mark.parametrize("line, kept", [
    ("المصدر: نوفوستي", True), ("Источник: АиФ", True), ("来源: 法制网", True), ("Πηγή: e-diet.gr", True),
    ("Tags: Helena, smart thermostat", False), ("Pages: 1 2 3", False), ("Last Updated: June 2022", False),
    ("Share:FacebookXRedditPinterestEmailLinkedInWhatsApp", False), ("Comments", False),
    ("A sentence that happens to have a colon: and goes on for quite a while longer.", False),
])
def test_attribution_after(line: str, kept: bool) -> None:
    texts = [BODY, BODY, line, "Comments"]
    got = attribution_after(texts, arr(1, 1, 0, 0), arr(0, 0, 0, 0), 1)
    assert got == (2 if kept else None)


def test_attribution_needs_the_line_right_after_the_kept_body() -> None:
    texts = [BODY, "Menu", "Source: Reuters"]
    assert attribution_after(texts, arr(1, 0, 0), arr(0, 0, 0), 0) is None  # not adjacent
    assert attribution_after(texts[::2], arr(1, 0), arr(0, 1), 0) is None  # a site template line
    assert attribution_after(texts[::2], arr(1, 0), arr(0, 0), 0) == 1
    assert attribution_after(texts[::2], arr(1, 0), arr(0, 0), 1) is None  # nothing after the last line


def test_minor_tail_drops_small_blocks_past_the_gap() -> None:
    # article 0-2, a kept byline right after it, 4 removed lines, a small teaser block, 4 removed, a big block
    keep = arr(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1)
    body = arr(1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1)
    lengths = np.array([500, 500, 500, 20, 9, 9, 9, 9, 30, 100, 9, 9, 9, 9, 400, 400])
    later = [(9, 9), (14, 15)]
    assert minor_tail(keep, body, lengths, 2, later, 1500.0, 0.1, 4) == [8, 9]
    assert minor_tail(keep, body, lengths, 2, later, 1500.0, 0.05, 4) == []  # the teaser is big enough
    assert minor_tail(keep, body, lengths, 2, later, 1500.0, 0.1, 5) == []  # too few removed lines between


def test_minor_tail_drops_stray_kept_lines_after_the_last_block() -> None:
    keep = arr(1, 1, 0, 0, 0, 1)
    body = arr(1, 1, 0, 0, 0, 0)
    assert minor_tail(keep, body, np.full(6, 100), 1, [], 200.0, 0.1, 3) == [5]
    assert minor_tail(keep, body, np.full(6, 100), 1, [], 200.0, 0.1, 4) == []


def test_edge_paragraphs_are_kept_next_to_kept_paragraphs() -> None:
    prose = arr(1, 1, 1, 1, 1)
    assert edge_paragraphs(arr(0, 1, 1, 1, 1), prose) == [0]
    assert edge_paragraphs(arr(1, 1, 1, 1, 0), prose) == [4]
    assert edge_paragraphs(arr(0, 1, 1, 1, 0), prose) == [0, 4]


@pytest.mark.parametrize("keep, prose", [
    ("11111", "11111"),  # kept already
    ("00111", "11111"),  # the next paragraph was removed too: not a run of kept paragraphs
    ("01011", "11111"),
    ("01110", "11011"),  # a caption or subheading next to the line
    ("01111", "01111"),  # the first line is not prose (a menu)
    ("11110", "11110"),  # nor the last (a footer link)
    ("01", "11"),  # fewer than three lines
    ("00000", "00000"),
])
def test_edge_paragraphs_leave(keep: str, prose: str) -> None:
    assert edge_paragraphs(arr(*map(int, keep)), arr(*map(int, prose))) == []
