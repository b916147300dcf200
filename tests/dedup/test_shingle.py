"""Shingles: the vectorized path equals the string definition; Persian and Arabic letter forms agree."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup import shingle
from cleaner.dedup.shingle import exact_jaccard, reference_shingles, shingle_batch, shingle_sets

# Letters, Arabic/Persian forms, diacritics, tatweel, digits, case, punctuation, ß (casefolds to two).
ALPHABET = "abcAB ßİ\u00a0.,-\n\u064a\u06cc\u0643\u06a9\u0647\u0629\u0627\u0623\u064e\u0640\u0661\u06f1\u200c1"
texts = st.text(alphabet=ALPHABET, max_size=60)


def _hashed_counts(batch: list[str], ngram: int, char_ngrams: int = 0) -> list[int]:
    return [len(s) for s in shingle_sets(batch, ngram, char_ngrams)]


@settings(max_examples=150, deadline=None)
@given(st.lists(texts, min_size=1, max_size=6), st.integers(1, 4))
def test_hashed_shingles_match_the_string_definition(batch: list[str], n: int) -> None:
    assert _hashed_counts(batch, n) == [len(reference_shingles(t, n)) for t in batch]
    assert _hashed_counts(batch, n, n + 1) == [len(reference_shingles(t, n, n + 1)) for t in batch]


@settings(max_examples=100, deadline=None)
@given(texts, texts, st.integers(1, 3))
def test_hashed_jaccard_equals_string_jaccard(a: str, b: str, n: int) -> None:
    sa, sb = shingle_sets([a, b], n)
    assert exact_jaccard(sa, sb) == exact_jaccard(reference_shingles(a, n), reference_shingles(b, n))


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=2, max_size=8), st.integers(1, 7))
def test_shingles_do_not_depend_on_the_batch(batch: list[str], cut: int) -> None:
    cut = min(cut, len(batch) - 1)
    whole = shingle_sets(batch, 3)
    parts = shingle_sets(batch[:cut], 3) + shingle_sets(batch[cut:], 3)
    assert all(np.array_equal(x, y) for x, y in zip(whole, parts, strict=False))


def to_arabic_forms(text: str) -> str:
    """The same text written with Arabic letter forms instead of Persian ones."""
    return text.replace("\u06cc", "\u064a").replace("\u06a9", "\u0643")


def test_persian_and_arabic_letter_forms_give_the_same_shingles(seed_pages: dict[str, str]) -> None:
    persian = next(t for name, t in seed_pages.items() if name.startswith("000_"))
    arabic = to_arabic_forms(persian).replace("\u0647 ", "\u0629 ")  # and teh marbuta at word ends
    assert arabic != persian
    for ngram, chars in ((5, 0), (3, 0), (1, 4)):
        a, b = shingle_sets([persian, arabic], ngram, chars)
        assert len(a) > 0 and np.array_equal(a, b)


def test_empty_and_short_documents() -> None:
    empty, punct, short = shingle_batch(["", " ... ", "one two"], 5).sets()
    assert len(empty) == 0 and len(punct) == 0 and len(short) == 1
    assert exact_jaccard(empty, punct) == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(["a", "e", "\u0627", " ", "\ufb01"]),
                                   st.sampled_from(["\u0301", "\u064e", "\u0651", "\u0308\u0323"]),
                                   st.integers(0, 40)), max_size=4), min_size=1, max_size=5))
def test_batch_nfkc_caps_long_mark_runs_like_nfkc(parts: list[list[tuple[str, str, int]]]) -> None:
    """The batch NFKC skips the mark-run regex only for texts without a run over 30 marks."""
    from cleaner.dedup.shingle import _nfkc_batch
    from cleaner.text.fingerprint import nfkc

    batch = ["".join(base + mark * k for base, mark, k in doc) for doc in parts]
    assert _nfkc_batch(batch)[0] == [nfkc(t) for t in batch]
    for n in (1, 3):
        assert _hashed_counts(batch, n) == [len(reference_shingles(t, n)) for t in batch]


@pytest.mark.parametrize("size", [1, 2, 5, 1 << 16, (1 << 16) + 3])
def test_power_tables_equal_the_running_product(size: int) -> None:
    from cleaner.dedup.shingle import _CHAR_MULT, _PowerTables

    powers, inverses = _PowerTables().upto(size)
    assert np.array_equal(powers, np.cumprod(np.full(size, _CHAR_MULT, dtype=np.uint64)))
    steps = np.full(size, pow(int(_CHAR_MULT), -1, 2**64), dtype=np.uint64)
    steps[0] = 1
    assert np.array_equal(inverses, np.cumprod(steps))
    assert set((powers * inverses).tolist()) == {int(_CHAR_MULT)}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=12), st.integers(1, 80))
def test_passes_cover_the_batch_in_order_within_the_budget(lengths: list[int], budget: int) -> None:
    ranges = shingle._passes(lengths, budget)
    assert [lo for lo, _ in ranges] == [0] + [hi for _, hi in ranges[:-1]] and ranges[-1][1] == len(lengths)
    for lo, hi in ranges:
        assert hi - lo == 1 or sum(n + 1 for n in lengths[lo:hi]) <= budget


def test_a_batch_shingled_in_several_passes_equals_one_pass(monkeypatch: pytest.MonkeyPatch,
                                                            seed_pages: dict[str, str]) -> None:
    batch = list(seed_pages.values()) + ["", "one two three four five six"] + list(seed_pages.values())
    one_pass = shingle_batch(batch, 5)
    monkeypatch.setattr(shingle, "_PASS_CHARS", 5000)  # a seed page is 2-5k characters: several passes
    assert len(shingle._passes([len(t) for t in batch], shingle._PASS_CHARS)) > 3
    passes = shingle_batch(batch, 5)
    assert np.array_equal(passes.offsets, one_pass.offsets) and np.array_equal(passes.hashes, one_pass.hashes)
