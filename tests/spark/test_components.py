"""Large-star/small-star connected components equal union-find; bucket pairs and survivor order equal the local ones."""
from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.dedup.cluster import survivor_order
from cleaner.dedup.lsh import candidate_pairs
from cleaner.graph import connected_components as reference
from cleaner.spark.dedup import BUCKET_CAP, bucket_pairs, sort_key

edges_strategy = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=60)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=edges_strategy)
def test_spark_components_equal_union_find(spark: Any, edges: list[tuple[int, int]]) -> None:
    from cleaner.spark.components import connected_components

    rounds: list[int] = []
    got = dict(connected_components(spark.sparkContext.parallelize(edges, 2), 2, rounds=rounds).collect())
    want = {n: label for n, label in reference(edges).items()
            if any(a != b and n in (a, b) for a, b in edges)}  # nodes with only self-loops have no neighbour
    assert got == want
    assert rounds and rounds[0] <= 12


def test_long_path_converges(spark: Any) -> None:
    from cleaner.spark.components import connected_components

    rng = random.Random(3)
    nodes = list(range(300))
    rng.shuffle(nodes)
    # one path through shuffled labels: the worst case for label spreading
    edges = list(zip(nodes[:-1], nodes[1:], strict=True))
    rounds: list[int] = []
    got = dict(connected_components(spark.sparkContext.parallelize(edges, 3), 3, rounds=rounds).collect())
    assert got == reference(edges)
    assert rounds[0] <= 20


@given(edges=edges_strategy)
def test_union_find_labels_are_component_minimums(edges: list[tuple[int, int]]) -> None:
    labels = reference(edges)
    for a, b in edges:
        assert labels[a] == labels[b] <= min(a, b)


@pytest.mark.parametrize("seed", range(6))
def test_bucket_pairs_equal_candidate_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, bands = int(rng.integers(2, 160)), 3
    keys = rng.integers(0, int(rng.integers(1, 6)), size=(n, bands)).astype(np.uint64)  # few keys: big buckets
    rank = rng.permutation(n)
    left, right = candidate_pairs(keys, rank)
    want = set(zip(left.tolist(), right.tolist(), strict=True))
    got: set[tuple[int, int]] = set()
    for band in range(bands):
        for key in np.unique(keys[:, band]):
            members = sorted(np.flatnonzero(keys[:, band] == key).tolist(), key=lambda i: rank[i])
            got |= {p for p in bucket_pairs(members) if p[0] != p[1]}
    assert got == want
    assert BUCKET_CAP == 32


@given(lengths=st.lists(st.integers(0, 5), min_size=1, max_size=30), data=st.data())
def test_sort_key_orders_like_survivor_order(lengths: list[int], data: st.DataObject) -> None:
    n = len(lengths)
    fractions = data.draw(st.lists(st.sampled_from([0.1, 0.5, 0.9, 1.0]), min_size=n, max_size=n))
    numbers = data.draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    words = data.draw(st.lists(st.text("abز", max_size=3), min_size=n, max_size=n))
    for keep, values in [("first", None), ("longest", None), ("cleanest", None), ("field:x", numbers),
                         ("field:x", words)]:
        want = survivor_order(keep, lengths, fractions, values).tolist()
        got = sorted(range(n), key=lambda i: sort_key(keep, i, lengths[i], fractions[i],
                                                       values[i] if values else None))
        assert got == want, keep
