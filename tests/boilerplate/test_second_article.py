"""Second-article detection: a headline printed twice close together, not a listicle's far-apart names."""
from __future__ import annotations

import numpy as np

from cleaner.boilerplate.assemble import section_title
from cleaner.boilerplate.stripper import (
    HEADLINE_REPEAT_SPAN,
    _removed_second_article,
    _secondary_start,
    _section_then_article,
)


def keys_of(names: list[str]) -> np.ndarray:
    table = {n: k + 1 for k, n in enumerate(dict.fromkeys(names))}
    return np.array([table[n] for n in names], dtype=np.uint64)


def twice_of(keys: np.ndarray) -> np.ndarray:
    """Whether each line's key occurs exactly twice on the page."""
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse] == 2


def page(gap: list[str], segment: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]:
    """Main body (3 lines), a removed gap, then a kept body segment."""
    names = [f"body{i}" for i in range(3)] + gap + [f"later{i}" for i in range(segment)]
    n, g = len(names), len(gap)
    keep = np.array([True] * 3 + [False] * g + [True] * segment)
    body = np.array([True] * 3 + [False] * g + [True] * segment)
    lengths = np.array([300] * 3 + [30] * g + [300] * segment)
    return keep, body, keys_of(names), lengths, [(3 + g, n - 1)]


def test_headline_printed_twice_close_starts_a_second_article() -> None:
    keep, body, keys, lengths, later = page(["Second headline", "caption", "Second headline"])
    assert _secondary_start(keep, body, keys, twice_of(keys), 2, later, lengths) == 3


def test_names_printed_far_apart_are_a_listicle() -> None:
    far = ["Item name"] + [f"menu{i}" for i in range(HEADLINE_REPEAT_SPAN)] + ["Item name"]
    keep, body, keys, lengths, later = page(far)
    assert _secondary_start(keep, body, keys, twice_of(keys), 2, later, lengths) is None


def test_removed_second_article_needs_removed_prose() -> None:
    names = ["body0", "Table header", "Table header", "row a", "row b", "row c", "row d"]
    keys = keys_of(names)
    prose = np.array([True, False, False, True, True, True, True])
    lengths = np.array([300, 20, 20, 200, 200, 200, 200])
    removed = np.array([True, False, False, False, False, False, False])
    assert _removed_second_article(keys, twice_of(keys), prose, removed, 0, lengths) == 1
    kept = np.array([True, False, False, True, True, True, True])
    assert _removed_second_article(keys, twice_of(keys), prose, kept, 0, lengths) is None


def _section_page(after_title: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                   np.ndarray]:
    """A kept article of 4 prose lines, a section title, then ``after_title``; every line kept (as a model that
    failed would), prose = the long lines."""
    lines = [f"Article paragraph {i} " + "word " * 60 + "end." for i in range(4)] + ["مقالات ذات صلة"] + after_title
    ntok = np.array([len(t.split()) for t in lines])
    prose = np.array([len(t) > 100 for t in lines])
    keys = keys_of(lines)
    lengths = np.array([len(t) for t in lines])
    return lines, np.ones(len(lines), dtype=bool), prose, ntok, keys, lengths


def test_related_title_then_a_second_headline_ends_the_article() -> None:
    headline = "أرمينيا تعلن اعترافها بدولة فلسطينية"
    body = ["Second article paragraph " + "text " * 40 + f"{i}." for i in range(4)]
    lines, keep, prose, ntok, keys, lengths = _section_page(
        ["Related item title one two three", "Item summary line", headline, "caption (AFP)", headline, *body])
    assert _section_then_article(lines, keep, prose, ntok, keys, twice_of(keys), lengths, 0) == (4, 7)


def test_related_box_inside_an_article_is_not_its_end() -> None:
    """A related box mid-article, then a date printed twice and the article going on (a news site's layout)."""
    more = ["Article goes on " + "text " * 40 + f"{i}." for i in range(4)]
    for after in (["Related item title one two three", "12 Jan 2012", "12 Jan 2012", *more],
                  ["Blogs", "Second headline of four words", "x", "Second headline of four words", *more]):
        lines, keep, prose, ntok, keys, lengths = _section_page(after)
        assert _section_then_article(lines, keep, prose, ntok, keys, twice_of(keys), lengths, 0) is None


def test_bare_section_titles() -> None:
    for title in ("مقالات ذات صلة", "اقرأ أيضاً", "التعليقات", "أفكارك وتعليقاتك", "Related Articles", "Read more ->",
                  "You may also like", "Comments"):
        assert section_title(title) in ("related_links", "comments"), title
    for line in ("Recommended Posting Frequency", "Read more about the visit on Tuesday", "Home",
                 "Comments are closed for this story, see the editors' note"):
        assert section_title(line) is None, line
