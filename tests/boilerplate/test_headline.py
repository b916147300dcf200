"""The headline printed twice above the article (headline, lead, headline again with the photo's caption):
when the model removed both prints, the article starts at the first."""
from __future__ import annotations

import numpy as np
import pytest

from cleaner.boilerplate.stripper import HEADLINE_ROWS, _headline_above

# rows: menu, headline, lead, headline again, caption, body, body
KEYS = np.array([1, 2, 3, 2, 4, 5, 6], dtype=np.uint64)
TWICE = KEYS == 2
PROSE = np.array([0, 0, 1, 0, 0, 1, 1], dtype=bool)
NTOK = np.array([2, 9, 30, 9, 12, 40, 40])


def chars(ntok: np.ndarray) -> np.ndarray:
    """Line lengths of about six characters a token."""
    return ntok * 6


def test_the_first_print_is_the_headline() -> None:
    keep = np.array([0, 0, 0, 0, 0, 1, 1], dtype=bool)
    assert _headline_above(KEYS, TWICE, keep, PROSE, NTOK, chars(NTOK), 5) == 1


@pytest.mark.parametrize("why, keys, prose, ntok, keep, first", [
    ("no prose between the prints (a menu line printed twice)", KEYS, np.array([0, 0, 0, 0, 0, 1, 1], dtype=bool),
     NTOK, [0, 0, 0, 0, 0, 1, 1], 5),
    ("the model kept the first print", KEYS, PROSE, NTOK, [0, 1, 1, 0, 0, 1, 1], 1),
    ("too short to be a headline", KEYS, PROSE, np.array([2, 3, 30, 3, 12, 40, 40]), [0, 0, 0, 0, 0, 1, 1], 5),
    ("the second print is below the article's start", np.array([1, 2, 3, 7, 4, 5, 2], dtype=np.uint64), PROSE,
     NTOK, [0, 0, 0, 0, 0, 1, 1], 5),
])
def test_no_headline(why: str, keys: np.ndarray, prose: np.ndarray, ntok: np.ndarray, keep: list[int],
                     first: int) -> None:
    twice = np.isin(keys, [k for k in keys if (keys == k).sum() == 2])
    assert _headline_above(keys, twice, np.array(keep, dtype=bool), prose, ntok, chars(ntok), first) is None, why


def test_only_rows_just_above_the_article_are_looked_at() -> None:
    pad = HEADLINE_ROWS
    keys = np.concatenate((KEYS[:5], np.arange(100, 100 + pad, dtype=np.uint64), KEYS[5:]))
    prose = np.concatenate((PROSE[:5], np.ones(pad, dtype=bool), PROSE[5:]))
    ntok = np.concatenate((NTOK[:5], np.full(pad, 30), NTOK[5:]))
    keep = np.zeros(keys.size, dtype=bool)
    keep[5 + pad:] = True
    assert _headline_above(keys, keys == 2, keep, prose, ntok, chars(ntok), 5 + pad) is None
