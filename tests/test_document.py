from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaner.document import Removal, apply_removals, normalize_spans, restore_text


def test_unknown_reason_is_refused() -> None:
    with pytest.raises(ValueError):
        Removal(0, 1, "because")


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[Removal]]:
    text = draw(st.text(max_size=200))
    n = len(text)
    spans = draw(st.lists(st.tuples(st.integers(0, n + 3), st.integers(0, 50)), max_size=8))
    return text, [Removal(s, s + w, "other") for s, w in spans]


@given(text_and_spans())
def test_spans_normalize_in_bounds_and_restore(case: tuple[str, list[Removal]]) -> None:
    text, spans = case
    norm = normalize_spans(spans, len(text))
    for a, b in zip(norm, norm[1:], strict=False):
        assert a.end <= b.start
    assert all(0 <= r.start < r.end <= len(text) for r in norm)
    cleaned = apply_removals(text, norm)
    assert len(cleaned) == len(text) - sum(r.end - r.start for r in norm)
    assert restore_text(cleaned, [(r.start, r.end, text[r.start:r.end]) for r in norm]) == text
