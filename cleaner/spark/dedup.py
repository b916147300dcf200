"""Near-duplicate resolution on Spark, with the verdicts of :class:`cleaner.dedup.Deduper`.

The local Deduper makes candidate pairs from LSH buckets, verifies them, and assigns stars in survivor
order over the verified graph (:func:`cleaner.dedup.cluster.assign_stars`), which never links two
documents below the threshold through a chain.  A star assignment only looks at a document's own
edges, so running it on each connected component of the verified graph separately, visiting the
component's documents in the global survivor order, gives the same verdicts as one global run.  Here:

1. band keys per signature in the executors (:func:`cleaner.dedup.lsh.band_keys`), grouped by
   ``(band, key)`` in a shuffle; each bucket lists its pairs as :func:`cleaner.dedup.lsh.candidate_pairs`
   does (all pairs up to ``cap + 1`` members, else near neighbours plus the ``cap`` best-ranked heads);
2. candidate pairs joined to both signatures and shingle sets and verified in the executors by
   :func:`cleaner.dedup.verify.verified_similarity` (the local rule: exact Jaccard near the threshold,
   or everywhere with ``exact_verify``; the estimate elsewhere);
3. connected components of the verified edges (:mod:`.components`, large-star/small-star);
4. the verified edges grouped by component; per component, in an executor, :func:`assign_stars`
   (edges carry their ends' ids and sort keys, so no join with the documents is needed).

No pair and no component ever reaches the driver.  A document's place in the survivor order is a
sort key equal to :func:`cleaner.dedup.cluster.survivor_order`'s order: input position for ``first``;
``(-length, id, position)``, ``(-kept fraction, id, position)`` or ``(-field value, id, position)``
otherwise.
"""
from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..dedup import DedupParams
from ..dedup.cluster import assign_stars
from ..dedup.lsh import band_keys, candidate_pairs
from ..dedup.minhash import EMPTY
from ..dedup.verify import verified_similarity
from .components import connected_components

__all__ = ["BUCKET_CAP", "bucket_pairs", "resolve_component", "resolve_verdicts", "sort_key"]

#: Members of a bucket listed pairwise in full; the local engine's default (kept in step with it).
BUCKET_CAP: int = inspect.signature(candidate_pairs).parameters["cap"].default

#: A document in the dedup graph: (position, sort key, id)
Member = tuple[int, tuple[Any, ...], str]
#: A verdict: (duplicate_of id or None, similarity to the survivor, cluster id)
Verdict = tuple[str | None, float, str]


def _descending(text: str) -> tuple[int, ...]:
    """A key that sorts strings in descending code-point order (as ``sorted(..., reverse=True)``)."""
    return (*(-ord(c) for c in text), 1)


def sort_key(keep: str, position: int, length: int, kept_fraction: float, field_value: Any,
             doc_id: str = "") -> tuple[Any, ...]:
    """This document's place in the survivor order (smaller first), equal to ``survivor_order``'s ranking."""
    if keep == "first":
        return (position,)
    if keep == "longest":
        return (-float(length), doc_id, position)
    if keep == "cleanest":
        return (-float(kept_fraction), doc_id, position)
    if isinstance(field_value, str):
        return (_descending(field_value), doc_id, position)
    return (-field_value, doc_id, position)


def bucket_pairs(members: Sequence[int], cap: int = BUCKET_CAP) -> Iterator[tuple[int, int]]:
    """Pairs ``(lo, hi)`` of one LSH bucket (``members`` in survivor order), as ``candidate_pairs`` lists them."""
    size = len(members)
    for d in range(1, min(cap, size - 1) + 1):
        for i in range(size - d):
            a, b = members[i], members[i + d]
            yield (a, b) if a < b else (b, a)
    if size > cap + 1:
        for head in members[:cap]:
            for m in members:
                if m != head:
                    yield (head, m) if head < m else (m, head)


def _band_rows(rows: Iterable[tuple[int, tuple[Any, ...], Any]], bands: int, r: int) -> Iterator[Any]:
    """``((band, key), (sort key, position))`` for every band of every signature of a partition."""
    batch = list(rows)
    if not batch:
        return
    sigs = np.stack([s for _, _, s in batch])
    keys = band_keys(sigs, bands, r)
    for (pos, key, _), row in zip(batch, keys.tolist(), strict=True):
        for band, k in enumerate(row):
            yield (band, k), (key, pos)


def _bucket(item: tuple[Any, Iterable[tuple[Any, int]]]) -> Iterator[tuple[int, int]]:
    members = sorted(item[1])
    if len(members) > 1:
        yield from bucket_pairs([pos for _, pos in members])


def resolve_component(edges: Iterable[tuple[Member, Member, float]]) -> Iterator[tuple[int, Verdict]]:
    """Star clustering of one component: ``(position, verdict)`` per member, as the local Deduper decides.

    ``edges`` are the component's verified pairs ``(a, b, similarity)`` whose ends are members
    ``(position, sort key, id)``; every member has an edge.
    """
    e = list(edges)
    ordered = sorted({m for a, b, _ in e for m in (a, b)}, key=lambda m: m[1])
    index = {m[0]: i for i, m in enumerate(ordered)}
    left = np.array([index[a[0]] for a, _, _ in e], dtype=np.int64)
    right = np.array([index[b[0]] for _, b, _ in e], dtype=np.int64)
    sims = np.array([w for _, _, w in e], dtype=np.float64)
    n = len(ordered)
    assignment = assign_stars(n, np.arange(n), left, right, sims)
    for i, (pos, _, doc_id) in enumerate(ordered):
        s = int(assignment.survivor[i])
        survivor_id = ordered[s][2]
        if s == i:
            yield pos, (None, 1.0, doc_id)
        else:
            yield pos, (survivor_id, float(assignment.similarity[i]), survivor_id)


def resolve_verdicts(docs: Any, params: DedupParams, keep: str, partitions: int,
                     rounds: list[int] | None = None, cached: list[Any] | None = None) -> Any:
    """Verdicts ``(position, verdict)`` of the documents in a duplicate cluster (the others are alone).

    ``docs`` is an RDD of ``(position, sort key, id, signature, shingle set or None)`` of kept documents.
    """
    live = docs.filter(lambda d: not bool((d[3] == EMPTY).all()))
    bands, r = params.bands
    buckets = live.map(lambda d: (d[0], d[1], d[3])).mapPartitions(lambda it: _band_rows(it, bands, r))
    pairs = buckets.groupByKey(partitions).flatMap(_bucket).distinct(partitions)
    payload = live.map(lambda d: (d[0], ((d[0], d[1], d[2]), d[3], d[4])))
    threshold = params.threshold

    def verify(x: Any) -> tuple[Member, Member, float]:
        _, ((ma, sa, ta), (mb, sb, tb)) = x
        return ma, mb, verified_similarity(sa, sb, ta, tb, params)

    verified = (pairs.join(payload, partitions)
                .map(lambda x: (x[1][0], x[1][1]))
                .join(payload, partitions)
                .map(verify)
                .filter(lambda e: e[2] >= threshold)
                .map(lambda e: (e[0], e[1], min(e[2], 1.0)))
                .persist())
    if cached is not None:
        cached.append(verified)
    labels = connected_components(verified.map(lambda e: (e[0][0], e[1][0])), partitions, rounds=rounds,
                                  cached=cached)
    by_root = verified.map(lambda e: (e[0][0], e)).join(labels, partitions).map(lambda x: (x[1][1], x[1][0]))
    return by_root.groupByKey(partitions).flatMap(lambda g: resolve_component(g[1]))
