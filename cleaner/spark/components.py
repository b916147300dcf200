"""Distributed connected components: alternating large-star and small-star (Kiveris et al., SoCC 2014).

Every edge is kept as ``(big, small)`` with ``big > small``.  Large-star links each node's larger
neighbours to the smallest node of its neighbourhood; small-star links each node and its smaller
neighbours to the smallest of them.  Both keep the components and shrink their diameter; the fixpoint
is a forest of stars whose centres are the components' smallest nodes.  The convergence test runs in
the cluster (is the edge set such a forest?); only a count comes back to the driver.  No GraphFrames (it
fetches jars from Maven at run time).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["connected_components", "large_star", "small_star"]

#: Large-star/small-star needs O(log n) rounds; far more means a bug, not a big graph.
MAX_ROUNDS = 64


def _large_star_node(item: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, Any]]:
    u, neighbours = item
    ns = set(neighbours)
    m = min(ns | {u})
    for v in ns:
        if v > u:
            yield (v, m)


def _small_star_node(item: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, Any]]:
    u, smaller = item
    ns = set(smaller)
    m = min(ns | {u})
    for v in ns | {u}:
        if v != m:
            yield (v, m)


def large_star(edges: Any, partitions: int) -> Any:
    """One large-star round over an RDD of ``(big, small)`` edges."""
    both = edges.flatMap(lambda e: ((e[0], e[1]), (e[1], e[0])))
    # no distinct here: small-star takes each node's neighbours as a set (one shuffle less per round)
    return both.groupByKey(partitions).flatMap(_large_star_node)


def small_star(edges: Any, partitions: int) -> Any:
    """One small-star round over an RDD of ``(big, small)`` edges."""
    return edges.groupByKey(partitions).flatMap(_small_star_node).distinct(partitions)


def _ordered(edge: tuple[Any, Any]) -> tuple[Any, Any]:
    a, b = edge
    return (a, b) if a > b else (b, a)


def _star_violations(edges: Any, partitions: int) -> int:
    """Nodes that break "a forest of stars centred on their smallest node": counted in the cluster.

    At the fixpoint every edge is ``(leaf, centre)``: a leaf has one edge, and a centre is nobody's leaf.
    Large-star and small-star leave such a forest unchanged, so it is also the convergence test.
    """
    roles = edges.flatMap(lambda e: ((e[0], (1, 0)), (e[1], (0, 1))))
    summed = roles.reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]), partitions)
    return int(summed.filter(lambda kv: kv[1][0] > 1 or (kv[1][0] == 1 and kv[1][1] > 0)).count())


def connected_components(edges: Any, partitions: int | None = None, *, rounds: list[int] | None = None,
                         cached: list[Any] | None = None) -> Any:
    """An RDD ``(node, smallest node of its component)`` for every node of an RDD of undirected edges.

    Self-loops are dropped (a node with only a self-loop is absent, as it has no neighbour).  When
    ``rounds`` is a list, the number of large-star + small-star rounds taken is appended to it; the
    persisted edge RDD the result depends on is appended to ``cached`` (unpersist it when done).
    """
    n_parts = partitions or edges.getNumPartitions()
    current = edges.filter(lambda e: e[0] != e[1]).map(_ordered).distinct(n_parts).persist()
    taken = 0
    while _star_violations(current, n_parts) > 0:
        if taken == MAX_ROUNDS:
            raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
        nxt = small_star(large_star(current, n_parts), n_parts).persist()
        current.unpersist(blocking=False)
        current, taken = nxt, taken + 1
    if rounds is not None:
        rounds.append(taken)
    if cached is not None:
        cached.append(current)
    # At the fixpoint every edge is (leaf, centre); a centre is its own label.
    return current.flatMap(lambda e: ((e[0], e[1]), (e[1], e[1]))).reduceByKey(min, n_parts)
