"""Second-article detection: a headline printed twice close together, not a listicle's far-apart names."""
from __future__ import annotations

import numpy as np

from cleaner.boilerplate.stripper import HEADLINE_REPEAT_SPAN, _removed_second_article, _secondary_start


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
