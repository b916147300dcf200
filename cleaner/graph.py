"""Connected components of an undirected graph, in pure Python: the reference the Spark engine is tested against.

A component is named by its smallest node, so two correct routines give equal answers (no arbitrary
labels to match up).  Nodes are any mutually comparable hashable values (the Spark engine uses input
positions).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

N = TypeVar("N", bound=Hashable)

__all__ = ["UnionFind", "connected_components"]


class UnionFind:
    """Disjoint sets with path halving and union by size."""

    def __init__(self) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._size: dict[Hashable, int] = {}

    def add(self, x: Hashable) -> None:
        if x not in self._parent:
            self._parent[x] = x
            self._size[x] = 1

    def find(self, x: Hashable) -> Hashable:
        self.add(x)
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size[rb]

    def nodes(self) -> list[Hashable]:
        return list(self._parent)


def connected_components(edges: Iterable[tuple[N, N]], nodes: Iterable[N] = ()) -> dict[N, N]:
    """``{node: smallest node of its component}`` for every node of ``edges`` (and every extra node)."""
    uf = UnionFind()
    for node in nodes:
        uf.add(node)
    for a, b in edges:
        uf.union(a, b)
    smallest: dict[Any, Any] = {}
    for member in uf.nodes():
        root = uf.find(member)
        if root not in smallest or member < smallest[root]:
            smallest[root] = member
    return {member: smallest[uf.find(member)] for member in uf.nodes()}  # type: ignore[misc]
