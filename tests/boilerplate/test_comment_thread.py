"""Comment threads: below an article, the thread's title ("59 Comments on “…”", "Leave a Reply") ends it."""
from __future__ import annotations

import numpy as np
import pytest

from cleaner.boilerplate import StripModel, Stripper
from cleaner.boilerplate.assemble import thread_title_lines
from cleaner.boilerplate.stripper import MIN_ARTICLE_CHARS, _comment_thread
from cleaner.document import apply_removals

TITLES = ["59 Comments on “The December Comfort Watches 2025, Day Eighteen: Starship Troopers and the long title”",
          "15 Replies to “Open-sourcing CORE One CAD Files Under the New Open Community License (OCL)”",
          "6 thoughts on “Top 10: Best Language Learning App”", "One Response to “The Income Penalty”",
          "5 comments on this story", "3 Kommentare zu „Der Titel“", "12 commentaires sur « Le titre »",
          "3 تعليقات على المقال", "Leave a Reply Cancel reply", "Post a Comment", "Comments are closed.",
          "Join the conversation", "Laisser un commentaire", "Добавить комментарий", "اترك تعليقاً", "اكتب تعليقك"]
NOT_TITLES = ["14 Comments", "Comments", "Posted on December 20, 2025 by Jean-Luc - 5 Comments on Do you need it?",
              "10 thoughts about life that I learned the hard way", "Related articles",
              "The comments on this page were written by readers of the magazine over many years of publishing.",
              "59 Comments on “" + "a very long quoted title " * 8 + "”"]


def thread_title(line: str) -> bool:
    """Whether one line, alone on a page after a line break, titles a comment thread or form."""
    return thread_title_lines("\n" + line, np.ones(1, dtype=np.int64), np.array([len(line) + 1])).size > 0


@pytest.mark.parametrize("line", TITLES)
def test_thread_and_form_titles(line: str) -> None:
    assert thread_title(line), line


@pytest.mark.parametrize("line", NOT_TITLES)
def test_counts_in_bylines_and_sentences_are_not_thread_titles(line: str) -> None:
    assert not thread_title(line), line


def _lines(article: int, title: str, comments: int) -> list[str]:
    prose = "This paragraph of the article says something complete about the subject at hand, at length."
    comment = "A reader wrote a long comment that reads like prose, with a point."
    return [prose] * article + [title] + [comment] * comments


def _thread(lines: list[str]) -> int | None:
    """:func:`_comment_thread` of a page of ``lines``, all kept; prose lines end with a period."""
    starts = np.cumsum([0] + [len(t) + 1 for t in lines[:-1]])
    ends = starts + np.array([len(t) for t in lines])
    prose = np.array([t.endswith(".") for t in lines])
    return _comment_thread("\n".join(lines), starts, ends, np.ones(len(lines), dtype=bool), prose, 0)


def test_the_thread_starts_at_its_title_below_enough_article() -> None:
    lines = _lines(12, TITLES[0], 5)
    assert sum(len(t) for t in lines[:12]) >= MIN_ARTICLE_CHARS
    assert _thread(lines) == 12
    assert _thread(_lines(12, "  " + TITLES[8], 5)) == 12  # indented
    # a comment count above less article than that is a byline's
    assert _thread(_lines(3, TITLES[0], 5)) is None
    # a title split over two lines is no title
    assert _thread(_lines(12, "59", 0) + ["Comments on “The title”"]) is None


def test_titles_are_found_at_line_starts_of_a_page() -> None:
    lines = ["Intro line", "14 Comments", "the 5 comments on “x” inside a line", TITLES[2], "", TITLES[9]]
    text = "\n".join(lines)
    starts = np.cumsum([0] + [len(t) + 1 for t in lines[:-1]])
    ends = starts + np.array([len(t) for t in lines])
    assert thread_title_lines(text, starts, ends).tolist() == [3, 5]


def test_stripping_cuts_the_thread_as_comments() -> None:
    article = ["A Long Day at the Harbour", "",
               *[f"Paragraph {i} of the story tells how the boats came in late, how the nets were mended on the "
                 f"quay, and what the harbour master said about the season that is now ending for everyone."
                 for i in range(8)]]
    comments = [f"Reader {i} replied that the story reminded them of their own summers by the sea, and that the "
                f"harbour master was right about the season, which was a hard one for the boats." for i in range(6)]
    text = "\n".join([*article, "", "6 thoughts on “A Long Day at the Harbour”", *comments]) + "\n"
    stripper = Stripper(StripModel.load(None))
    outcome = stripper.strip(text)
    cleaned = apply_removals(text, outcome.removals)
    assert "Paragraph 7" in cleaned and "Reader" not in cleaned and "thoughts on" not in cleaned
    thread_start = text.index("6 thoughts on")
    assert all(r.reason == "comments" for r in outcome.removals if r.start >= thread_start)
    assert stripper.strip(cleaned).removals == ()  # idempotent: the article alone has no thread
    batch = stripper.strip_many([text, text.replace("6 thoughts on", "Leave a Reply\n6 thoughts on")])
    assert batch[0].removals == outcome.removals  # a batch strips each page as alone
    assert "Reader" not in apply_removals(text.replace("6 thoughts on", "Leave a Reply\n6 thoughts on"),
                                          batch[1].removals)
