"""The faster ways of computing the stripper's arrays give what the plain definitions give."""
from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.boilerplate import StripModel
from cleaner.boilerplate.features import group_counts, group_stats
from cleaner.boilerplate.model import first_tokens
from cleaner.boilerplate.stripper import analyse_many


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6)), max_size=80), st.booleans())
def test_group_counts_are_counts_per_page(pairs: list[tuple[int, int]], ordered: bool) -> None:
    if ordered:
        pairs = sorted(pairs, key=lambda pv: pv[0])
    page = np.array([p for p, _ in pairs], dtype=np.int64)
    values = np.array([(v * 0x9E3779B97F4A7C15) % 2**64 for _, v in pairs], dtype=np.uint64)
    seen = Counter(zip(page.tolist(), values.tolist(), strict=True))
    want = [seen[pv] for pv in zip(page.tolist(), values.tolist(), strict=True)]
    assert group_counts(page, values).tolist() == want
    assert group_stats(page, values)[0].tolist() == want


def test_line_scores_with_spare_columns_equal_the_copying_path(default_model: StripModel,
                                                               seed_pages: dict[str, str]) -> None:
    texts = list(seed_pages.values())[:6]
    view = analyse_many(texts, default_model, None, [None] * len(texts))
    wide = analyse_many(texts, default_model, None, [None] * len(texts), spare=default_model.spare_columns)
    n = view.x.shape[1]
    assert wide.x.shape[1] == n + default_model.spare_columns > n
    assert np.array_equal(wide.x[:, :n], view.x)
    first = first_tokens(view.pa, view.idx)
    want = default_model.line_logits(view.x, view.row_ptr, first)
    assert np.array_equal(default_model.line_logits(wide.x, wide.row_ptr, first), want)
