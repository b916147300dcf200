"""Invariants under hypothesis, at the library level (no files): restore(clean(x)) == x, spans in
bounds and non-overlapping, stripping idempotent.

Jaccard estimates (symmetric, 1 for identical texts) are covered in
``tests/dedup/test_minhash.py::test_jaccard_estimate_symmetric_and_one_for_identical``; not repeated here.
"""
from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.boilerplate import StripModel, Stripper
from cleaner.config import CleanerConfig
from cleaner.document import apply_removals
from cleaner.io.provenance import rebuild, record
from cleaner.io.readers import RawRecord
from cleaner.pipeline import clean


@lru_cache(maxsize=1)
def _model() -> StripModel:
    return StripModel.load(None)  # loaded on first use, so collection never depends on the model file

# Page-like text: lines of words (Latin, Arabic, digits), short menu lines, repeated lines, odd
# characters (bidi marks, joiners, NUL, CR) and every kind of line break.
_word = st.sampled_from(["the", "news", "minister", "said", "Home", "Share", "©", "2024", "وزير", "الخارجية",
                         "أن", "اليوم", "\u200f", "\u200d", "\u0640", "—", "|", "...", "١٢", "x" * 30])
_sep = st.sampled_from([" ", " ", " ", "  ", "\t", "\u00a0"])
_line = st.lists(st.tuples(_word, _sep), min_size=0, max_size=25).map(lambda ws: "".join(w + s for w, s in ws))
_break = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r", "\n\n", "\u2028", "\x85"])
page_text = st.lists(st.tuples(_line, _break), min_size=0, max_size=30).map(
    lambda ls: "".join(a + b for a, b in ls))
any_text = st.one_of(page_text, st.text(max_size=400),
                     st.lists(page_text, min_size=1, max_size=3).map(lambda ps: "".join(p * 2 for p in ps)))


def _strip(text: str) -> str:
    return apply_removals(text, Stripper(_model()).strip(text).removals)


def _check_spans(removals: tuple, length: int) -> None:
    cursor = 0
    for r in removals:
        assert cursor <= r.start < r.end <= length, (r, length)
        cursor = r.end


@settings(max_examples=150, deadline=None)
@given(any_text)
def test_stripper_spans_are_in_bounds_and_disjoint(text: str) -> None:
    outcome = Stripper(_model()).strip(text)
    _check_spans(outcome.removals, len(text))
    for s, e in outcome.secondary:
        assert 0 <= s <= e <= len(text)


@settings(max_examples=150, deadline=None)
@given(any_text)
def test_stripping_is_idempotent(text: str) -> None:
    once = _strip(text)
    assert _strip(once) == once


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_text, min_size=1, max_size=6), st.booleans())
def test_restore_of_clean_is_identity(texts: list[str], as_table: bool) -> None:
    """Through the whole pipeline (strip + dedup + split articles): every non-skipped input rebuilds."""
    texts = texts + texts[:1]  # an exact duplicate, so dedup spans are exercised too
    source = [RawRecord(f"d{i}", f"d{i}", t if as_table else t.encode("utf-8", "surrogatepass"),
                        meta={"path": f"site/d{i}"}, position=i) for i, t in enumerate(texts)]
    config = CleanerConfig(jobs=1, batch_size=3, min_template_pages=2, split_articles=True)
    outcomes = list(clean(source, config))
    assert [o.result.id for o in outcomes] == [r.id for r in source]
    for o in outcomes:
        result = o.result
        if result.status == "skipped":
            assert o.original is None and result.reason
            continue
        assert o.original is not None
        _check_spans(result.removals, len(o.original))
        assert result.text == apply_removals(o.original, result.removals)
        if result.status != "kept":
            assert result.text == ""
        rec = record(result, output=None, sha_in=None, sha_out=None, original=o.original)
        assert rebuild(rec, result.text) == o.original
