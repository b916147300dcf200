"""Verification: exact Jaccard inside the window near the threshold, the estimate outside; survivor tie-breaks."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dedup_helpers import variants
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup import Deduper, DedupParams, DupInfo, compute_signatures
from cleaner.dedup.engine import find_pairs
from cleaner.dedup.minhash import estimate_pairs, signatures_and_shingles
from cleaner.dedup.shingle import exact_jaccard, shingle_batch, shingle_sets
from cleaner.dedup.verify import ShingleStore, exact_window, verified_similarity


def _add(d: Deduper, texts: list[str], ids: list[str] | None = None, with_shingles: bool = True, **kw: Any) -> None:
    sigs, batch = signatures_and_shingles(texts, d.params)
    d.add(ids or [f"doc{i}" for i in range(len(texts))], sigs, [len(t) for t in texts], [1.0] * len(texts),
          shingles=batch if with_shingles else None, **kw)


def test_window_is_centred_on_the_threshold_and_exact_verify_covers_everything() -> None:
    lo, hi = exact_window(DedupParams())
    assert 0.6 < lo < 0.7 and 0.9 < hi < 0.95
    lo2, hi2 = exact_window(DedupParams(num_perm=512))
    assert lo < lo2 < 0.8 < hi2 < hi  # more permutations, a tighter estimate, a narrower window
    assert exact_window(DedupParams(exact_verify=True)) == (-np.inf, np.inf)


def test_default_decides_pairs_near_the_threshold_by_exact_jaccard() -> None:
    texts = variants(40)
    params = DedupParams()
    sets = shingle_sets(texts, params.ngram)
    sigs = compute_signatures(texts, params)
    _, _, left, right, sims = find_pairs(sigs, params, shingles=sets)
    est = estimate_pairs(sigs, left, right)
    exact = np.array([exact_jaccard(sets[i], sets[j]) for i, j in zip(left.tolist(), right.tolist(), strict=True)])
    lo, hi = exact_window(params)
    inside = (est > lo) & (est < hi)
    assert inside.any() and (~inside).any()
    assert np.array_equal(sims[inside], exact[inside]) and np.array_equal(sims[~inside], est[~inside])
    # the verdicts at the threshold are the exact ones wherever the estimate was close
    assert np.array_equal(sims[inside] >= 0.8, exact[inside] >= 0.8)
    assert ((est >= 0.8) != (exact >= 0.8)).any(), "the corpus must hold pairs the estimate gets wrong"


def test_deduper_default_matches_exact_verify_and_estimate_without_shingles() -> None:
    texts = variants(40, seed=3)
    verdicts = {}
    for name, params, shingles in (("default", DedupParams(), True), ("exact", DedupParams(exact_verify=True), True),
                                   ("estimate", DedupParams(), False)):
        d = Deduper(params)
        _add(d, texts, with_shingles=shingles)
        verdicts[name] = d.resolve()
        if name == "default":
            assert 0 < d.exact_pairs
    assert [v.duplicate_of for v in verdicts["default"]] == [v.duplicate_of for v in verdicts["exact"]]
    assert [v.duplicate_of for v in verdicts["default"]] != [v.duplicate_of for v in verdicts["estimate"]]
    sets = shingle_sets(texts, 5)
    for i, v in enumerate(verdicts["default"]):
        if v.duplicate_of is not None:
            assert exact_jaccard(sets[i], sets[int(v.duplicate_of[3:])]) >= 0.8


def test_shingles_given_by_texts_sets_or_batch_agree_and_batches_may_lack_them() -> None:
    texts = variants(20, seed=5)
    params = DedupParams()
    results = []
    for how in ("batch", "texts", "sets"):
        d = Deduper(params)
        for lo in range(0, len(texts), 7):
            part = texts[lo:lo + 7]
            kw: dict[str, Any] = {"texts": part} if how == "texts" else \
                {"shingle_sets": shingle_sets(part, 5)} if how == "sets" else {"shingles": shingle_batch(part, 5)}
            d.add([f"doc{i}" for i in range(lo, lo + len(part))], compute_signatures(part, params),
                  [1] * len(part), [1.0] * len(part), **kw)
        results.append(d.resolve())
    assert results[0] == results[1] == results[2]
    # the first batch without shingles: its pairs fall back to the estimate, the rest stay exact
    d = Deduper(params)
    _add(d, texts[:7], [f"doc{i}" for i in range(7)], with_shingles=False)
    _add(d, texts[7:], [f"doc{i}" for i in range(7, len(texts))])
    mixed = d.resolve()
    assert len(mixed) == len(texts)


def test_store_reads_back_sorted_unique_sets() -> None:
    texts = ["a b c d e f g a b c d e f g", "", "one two three", "x y z w v u t s r"]
    batch = shingle_batch(texts, 2)
    store = ShingleStore()
    store.add_missing(2)
    store.add_batch(batch)
    store.add_sets([np.array([3, 1], dtype=np.uint64)])
    assert store.has(np.array([0, 1, 2, 3, 4, 5, 6, 7])).tolist() == [False, False, True, True, True, True, True,
                                                                      False]
    for k, want in enumerate(batch.sets()):
        assert np.array_equal(store.get(2 + k), want)
    assert store.get(6).tolist() == [1, 3]
    store.close()


def test_verified_similarity_is_the_rule_of_verify_pairs() -> None:
    texts = variants(30, seed=8)
    params = DedupParams()
    sigs, batch = signatures_and_shingles(texts, params)
    sets = batch.sets()
    _, _, left, right, sims = find_pairs(sigs, params, shingles=sets)
    for i, j, s in zip(left.tolist(), right.tolist(), sims.tolist(), strict=True):
        assert verified_similarity(sigs[i], sigs[j], sets[i], sets[j], params) == s
        assert verified_similarity(sigs[i], sigs[j], None, sets[j], params) == \
            float(np.count_nonzero(sigs[i] == sigs[j])) / 128


def test_indexed_documents_are_verified_by_the_estimate(tmp_path: Path) -> None:
    texts = variants(12, seed=9)
    params = DedupParams()
    index = tmp_path / "i.sqlite"
    d = Deduper(params, index=index)
    _add(d, texts[:1], ["base"])
    d.resolve()
    d = Deduper(params, index=index)
    _add(d, texts[1:], [f"doc{i}" for i in range(1, len(texts))])
    sigs = compute_signatures(texts, params)
    for i, v in enumerate(d.resolve(), start=1):
        if v.duplicate_of == "base":
            assert v.similarity == float(np.count_nonzero(sigs[0] == sigs[i])) / 128


# --- survivor tie-breaks ------------------------------------------------------------------------------------

def _clusters(texts: list[str], ids: list[str], keep: str, lengths: list[int], fractions: list[float],
              fields: list[Any] | None) -> dict[str, tuple[str | None, str | None]]:
    d = Deduper(DedupParams(), keep=keep)
    sigs, batch = signatures_and_shingles(texts, d.params)
    d.add(ids, sigs, lengths, fractions, fields, shingles=batch)
    return {v.id: (v.duplicate_of, v.cluster) for v in d.resolve()}


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_shuffled_input_gives_the_same_survivors_for_order_free_policies(seed: int) -> None:
    groups = [variants(6, seed=g) for g in range(4)]
    texts = [t for g in groups for t in g] + [groups[0][0], groups[1][0]]  # exact copies: every key ties
    n = len(texts)
    ids = [f"p{(k * 37) % n:02d}" for k in range(n)]
    lengths = [100 + k % 2 for k in range(n)]  # many ties
    fractions = [0.5 + 0.25 * (k % 2) for k in range(n)]
    fields: list[Any] = [["b", "a"][k % 2] for k in range(n)]
    order = list(range(n))
    random.Random(seed).shuffle(order)
    for keep, values in (("longest", None), ("cleanest", None), ("field:date", fields)):
        want = _clusters(texts, ids, keep, lengths, fractions, values)
        got = _clusters([texts[k] for k in order], [ids[k] for k in order], keep, [lengths[k] for k in order],
                        [fractions[k] for k in order], [values[k] for k in order] if values else None)
        assert got == want, keep
        assert sum(v[0] is not None for v in want.values()) >= 8


def test_ties_break_by_id_not_position() -> None:
    base = variants(1)[0]
    verdicts: list[DupInfo] = []
    for keep in ("longest", "cleanest", "field:x"):
        d = Deduper(DedupParams(), keep=keep)
        _add(d, [base, base, base], ["c", "a", "b"], field_values=[1, 1, 1] if keep == "field:x" else None)
        verdicts = d.resolve()
        assert [v.duplicate_of for v in verdicts] == ["a", None, "a"], keep
    d = Deduper(DedupParams(), keep="first")  # first: input order is the policy
    _add(d, [base, base], ["z", "a"])
    assert [v.duplicate_of for v in d.resolve()] == [None, "z"]


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(st.integers(0, 3), min_size=1, max_size=25), data=st.data())
def test_spark_sort_key_orders_like_survivor_order_with_ids(lengths: list[int], data: st.DataObject) -> None:
    from cleaner.dedup.cluster import survivor_order
    from cleaner.spark.dedup import sort_key  # pure Python: no Spark session needed

    n = len(lengths)
    fractions = data.draw(st.lists(st.sampled_from([0.1, 0.5, 1.0]), min_size=n, max_size=n))
    numbers = data.draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n))
    words = data.draw(st.lists(st.text("abز", max_size=2), min_size=n, max_size=n))
    ids = data.draw(st.lists(st.text("ab\x00z", max_size=2), min_size=n, max_size=n))
    for keep, values in [("first", None), ("longest", None), ("cleanest", None), ("field:x", numbers),
                         ("field:x", words)]:
        want = survivor_order(keep, lengths, fractions, values, ids).tolist()
        got = sorted(range(n), key=lambda i: sort_key(keep, i, lengths[i], fractions[i],
                                                       values[i] if values else None, ids[i]))
        assert got == want, keep


def test_resolve_is_final() -> None:
    texts = variants(6, seed=2)
    d = Deduper(DedupParams())
    _add(d, texts)
    first = d.resolve()
    assert d.resolve() == first
    with pytest.raises(ValueError, match="resolved"):
        _add(d, texts)
