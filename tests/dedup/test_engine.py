"""Deduper: duplicates found, non-duplicates kept apart, chaining guard, survivor policies, batch invariance."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cleaner.dedup import Deduper, DedupParams, DupInfo, compute_signatures
from cleaner.dedup.cluster import assign_stars, survivor_order
from cleaner.dedup.lsh import candidate_probability, optimal_bands
from cleaner.dedup.shingle import exact_jaccard, shingle_sets
from cleaner.errors import UsageError


def page(seed_pages: dict[str, str], prefix: str) -> str:
    return next(t for name, t in seed_pages.items() if name.startswith(prefix))


def run(texts: list[str], params: DedupParams | None = None, keep: str = "first", batch: int = 1000,
        field_values: list[Any] | None = None, **kwargs: Any) -> list[DupInfo]:
    params = params or DedupParams()
    d = Deduper(params, keep=keep, **kwargs)
    for lo in range(0, len(texts), batch):
        part = texts[lo:lo + batch]
        d.add([f"doc{i}" for i in range(lo, lo + len(part))], compute_signatures(part, params),
              [len(t) for t in part], [1.0] * len(part),
              field_values[lo:lo + batch] if field_values is not None else None,
              texts=part if params.exact_verify else None)
    return d.resolve()


def test_persian_copy_in_arabic_letters_is_a_duplicate(seed_pages: dict[str, str]) -> None:
    persian = page(seed_pages, "000_")
    arabic = persian.replace("\u06cc", "\u064a").replace("\u06a9", "\u0643").replace("\u0647 ", "\u0629 ")
    verdicts = run([persian, page(seed_pages, "001_"), arabic])
    assert verdicts[2].duplicate_of == "doc0" and verdicts[2].similarity == 1.0
    assert verdicts[0].duplicate_of is None and verdicts[1].duplicate_of is None


def test_pages_sharing_a_wire_sentence_are_not_duplicates(seed_pages: dict[str, str]) -> None:
    verdicts = run([page(seed_pages, "001_"), page(seed_pages, "002_")])
    assert all(v.duplicate_of is None for v in verdicts)


def test_different_articles_in_the_same_chrome_are_not_duplicates(seed_pages: dict[str, str]) -> None:
    header = "Home | World | Politics | Sport | Contact us | Subscribe to our newsletter today\n" * 3
    footer = "\nAll rights reserved. Privacy policy. Terms of use. Follow us on social media.\n" * 3
    bodies = [page(seed_pages, p) for p in ("001_", "002_", "003_", "004_")]
    verdicts = run([header + b + footer for b in bodies])
    assert all(v.duplicate_of is None for v in verdicts)


def test_edited_copy_is_found_and_similarity_reported(seed_pages: dict[str, str]) -> None:
    words = page(seed_pages, "003_").split()
    edited = " ".join(words[:-len(words) // 40])  # drop the last 2.5%
    for params in (DedupParams(), DedupParams(exact_verify=True)):
        verdicts = run([page(seed_pages, "003_"), edited], params)
        assert verdicts[1].duplicate_of == "doc0" and verdicts[1].cluster == "doc0"
        assert params.threshold <= verdicts[1].similarity < 1.0
        assert verdicts[0].cluster_min_similarity == verdicts[1].similarity


def test_verdicts_do_not_depend_on_batch_split(seed_pages: dict[str, str]) -> None:
    texts = []
    for t in seed_pages.values():
        words = t.split()
        texts += [t, " ".join(words[5:]), " ".join(words[: len(words) // 2])]
    whole = run(texts)
    for batch in (1, 2, 5):
        assert run(texts, batch=batch) == whole
    assert sum(v.duplicate_of is not None for v in whole) >= len(seed_pages)


def _chain() -> tuple[list[str], float]:
    """Texts A, B, C with J(A,B) = J(B,C) ~ 0.82 and J(A,C) ~ 0.67, around a threshold of 0.75."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.integers(0, 10**6, 400)]
    a = words[:300]
    b = words[30:330]
    c = words[60:360]
    return [" ".join(a), " ".join(b), " ".join(c)], 0.75


def test_no_chaining_through_a_middle_document() -> None:
    texts, threshold = _chain()
    sets = shingle_sets(texts, 5)
    assert exact_jaccard(sets[0], sets[1]) > threshold and exact_jaccard(sets[1], sets[2]) > threshold
    assert exact_jaccard(sets[0], sets[2]) < threshold
    verdicts = run(texts, DedupParams(threshold=threshold, exact_verify=True))
    assert verdicts[1].duplicate_of == "doc0"
    assert verdicts[2].duplicate_of is None and verdicts[2].cluster == "doc2"
    # The middle document first: it takes both ends, which are each similar to it.
    verdicts = run([texts[1], texts[0], texts[2]], DedupParams(threshold=threshold, exact_verify=True))
    assert [v.duplicate_of for v in verdicts] == [None, "doc0", "doc0"]
    assert verdicts[0].cluster_min_similarity == min(v.similarity for v in verdicts[1:])


def test_star_assignment_only_links_to_the_survivor() -> None:
    # 0~1, 1~2 only: 2 must not join 0's cluster through 1.
    a = assign_stars(3, np.arange(3), np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.9]))
    assert a.survivor.tolist() == [0, 0, 2]


@pytest.mark.parametrize("keep, expected", [
    ("first", [0, 1, 2, 3]),
    ("longest", [1, 3, 0, 2]),
    ("cleanest", [2, 0, 1, 3]),
    ("field:date", [3, 1, 0, 2]),
])
def test_survivor_order_and_tie_breaks(keep: str, expected: list[int]) -> None:
    lengths, fractions, dates = [5, 9, 5, 9], [0.5, 0.5, 0.9, 0.1], ["2024-01", "2024-02", None, "2024-03"]
    assert survivor_order(keep, lengths, fractions, dates).tolist() == expected
    # with ids, ties break by id (0 and 2 tie on length; 0 and 1 on cleanliness)
    ids = ["d", "c", "b", "a"]
    by_id = {"first": [0, 1, 2, 3], "longest": [3, 1, 2, 0], "cleanest": [2, 1, 0, 3], "field:date": [3, 1, 0, 2]}
    assert survivor_order(keep, lengths, fractions, dates, ids).tolist() == by_id[keep]


def test_keep_policy_picks_the_survivor(seed_pages: dict[str, str]) -> None:
    base = page(seed_pages, "004_")
    texts = [base, base + " extra words appended at the end", base]
    assert [v.duplicate_of for v in run(texts, keep="longest")] == ["doc1", None, "doc1"]
    assert [v.duplicate_of for v in run(texts)] == [None, "doc0", "doc0"]
    verdicts = run(texts, keep="field:score", field_values=[1, 1, 2])
    assert [v.duplicate_of for v in verdicts] == ["doc2", "doc2", None]


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError):
        Deduper(DedupParams(), keep="biggest")
    d = Deduper(DedupParams(num_perm=16))
    with pytest.raises(ValueError):
        d.add(["a"], np.zeros((1, 32), np.uint32), [1], [1.0])
    with pytest.raises(UsageError, match="exact-verify"):
        Deduper(DedupParams(exact_verify=True)).add(["a"], np.zeros((1, 128), np.uint32), [1], [1.0])


def test_empty_documents_are_never_duplicates() -> None:
    verdicts = run(["", "...", "", "one two three four five six"])
    assert all(v.duplicate_of is None for v in verdicts)


def test_lsh_layout_keeps_recall_at_the_threshold() -> None:
    for threshold in (0.5, 0.7, 0.8, 0.9):
        bands, rows = optimal_bands(threshold, 128)
        assert bands * rows <= 128 and candidate_probability(threshold, bands, rows) >= 0.995


def test_band_areas_match_numerical_integration() -> None:
    quad = pytest.importorskip("scipy.integrate").quad
    from cleaner.dedup.lsh import false_negative_area, false_positive_area

    for threshold, bands, rows in [(0.8, 9, 13), (0.5, 20, 6), (0.9, 1, 1), (0.7, 42, 3), (0.95, 4, 32), (0.3, 128, 1)]:
        fp = quad(candidate_probability, 0.0, threshold, args=(bands, rows))[0]
        fn = 1.0 - threshold - quad(candidate_probability, threshold, 1.0, args=(bands, rows))[0]
        assert false_positive_area(threshold, bands, rows) == pytest.approx(fp, rel=1e-9, abs=1e-12)
        assert false_negative_area(threshold, bands, rows) == pytest.approx(fn, rel=1e-9, abs=1e-12)
