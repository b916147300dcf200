"""MinHash signatures: purity, batch invariance, parameters carried, datasketch interop."""
from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup import DedupParams, compute_signatures
from cleaner.dedup.minhash import EMPTY, MinHashBatch, Signature, shingle_values
from cleaner.dedup.shingle import exact_jaccard, shingle_batch, shingle_sets

words = st.lists(st.sampled_from("alpha beta gamma delta سلام خبر کتاب یک epsilon zeta".split()),
                 min_size=0, max_size=40).map(" ".join)


def test_shape_dtype_and_empty_rows(seed_pages: dict[str, str]) -> None:
    params = DedupParams(num_perm=64)
    sigs = compute_signatures(list(seed_pages.values()) + ["", "?!"], params)
    assert sigs.shape == (len(seed_pages) + 2, 64) and sigs.dtype == np.uint32
    assert (sigs[-2:] == EMPTY).all() and not (sigs[:-2] == EMPTY).all(axis=1).any()


def test_seed_and_num_perm_change_the_signature(seed_pages: dict[str, str]) -> None:
    text = [next(iter(seed_pages.values()))]
    base = compute_signatures(text, DedupParams())
    assert not np.array_equal(base, compute_signatures(text, DedupParams(seed=2)))
    assert compute_signatures(text, DedupParams(num_perm=16)).shape == (1, 16)


@settings(max_examples=40, deadline=None)
@given(st.lists(words, min_size=1, max_size=10), st.integers(1, 9))
def test_batch_split_invariance(texts: list[str], cut: int) -> None:
    params = DedupParams(num_perm=32, ngram=2)
    whole = compute_signatures(texts, params)
    cut = min(cut, len(texts))
    parts = np.concatenate([compute_signatures(texts[:cut], params), compute_signatures(texts[cut:], params)])
    singles = np.concatenate([compute_signatures([t], params) for t in texts])
    assert np.array_equal(whole, parts) and np.array_equal(whole, singles)


@settings(max_examples=60, deadline=None)
@given(words, words)
def test_jaccard_estimate_symmetric_and_one_for_identical(a: str, b: str) -> None:
    batch = MinHashBatch.compute([a, b, a], DedupParams(num_perm=64, ngram=2))
    assert batch[0].jaccard(batch[1]) == batch[1].jaccard(batch[0])
    if shingle_sets([a], 2)[0].size:
        assert batch[0].jaccard(batch[2]) == 1.0


def test_estimate_tracks_exact_jaccard(seed_pages: dict[str, str]) -> None:
    page = next(iter(seed_pages.values())).split()
    variants = [" ".join(page), " ".join(page[: len(page) * 3 // 4]), " ".join(page[len(page) // 3:])]
    batch = MinHashBatch.compute(variants, DedupParams(num_perm=256))
    sets = shingle_sets(variants, 5)
    for j in (1, 2):
        assert abs(batch[0].jaccard(batch[j]) - exact_jaccard(sets[0], sets[j])) < 0.12


def test_mismatched_parameters_raise() -> None:
    a = MinHashBatch.compute(["one two three four five six"], DedupParams(num_perm=32))
    b = MinHashBatch.compute(["one two three four five six"], DedupParams(num_perm=32, seed=9))
    c = MinHashBatch.compute(["one two three four five six"], DedupParams(num_perm=64))
    for other in (b, c):
        with pytest.raises(ValueError):
            a[0].jaccard(other[0])
        with pytest.raises(ValueError):
            a.check_compatible(other)


def test_datasketch_interop(seed_pages: dict[str, str]) -> None:
    texts = list(seed_pages.values())
    words_ = texts[1].split()
    texts.append(" ".join(words_[: len(words_) * 4 // 5]))
    params = DedupParams(num_perm=128, seed=3)
    batch = MinHashBatch.compute(texts, params)
    lean = [batch[i].to_datasketch() for i in range(len(batch))]
    assert all(isinstance(m, LeanMinHash) and m.seed == 3 for m in lean)
    for i in range(len(batch)):
        for j in range(len(batch)):
            assert lean[i].jaccard(lean[j]) == pytest.approx(batch[i].jaccard(batch[j]))
    plain = MinHash(num_perm=128, seed=3, hashvalues=batch.values[1], scheme="affine32")
    assert plain.jaccard(lean[-1]) == pytest.approx(batch[1].jaccard(batch[-1]))
    back = Signature.from_datasketch(lean[0], params.ngram)
    assert np.array_equal(back.values, batch.values[0]) and back.jaccard(batch[0]) == 1.0
    with pytest.raises(ValueError):  # datasketch also refuses other seeds
        lean[0].jaccard(MinHash(num_perm=128, seed=4))


def test_rows_equal_datasketch_fed_the_same_shingle_values(seed_pages: dict[str, str]) -> None:
    texts = list(seed_pages.values())[:3]
    params = DedupParams(num_perm=64, seed=11)
    values = shingle_values(shingle_batch(texts, params.ngram))
    offsets = shingle_batch(texts, params.ngram).offsets
    sigs = compute_signatures(texts, params)
    for i in range(len(texts)):
        m = MinHash(num_perm=64, seed=11, hashfunc=int)
        m.update_batch(values[offsets[i]:offsets[i + 1]].tolist())
        assert np.array_equal(m.hashvalues, sigs[i])


def test_params_pickle_and_signatures_are_pure(seed_pages: dict[str, str]) -> None:
    import pickle

    params = DedupParams(num_perm=32, char_ngrams=4)
    clone = pickle.loads(pickle.dumps(params))
    texts = list(seed_pages.values())
    assert clone == params and np.array_equal(compute_signatures(texts, clone), compute_signatures(texts, params))
