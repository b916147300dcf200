"""Survivor order and chaining-safe clustering of verified near-duplicate pairs.

Union-find over similar pairs chains: A~B and B~C put A and C together even when A and C are far
apart.  Here clusters are stars instead.  Documents are visited in survivor order (the keep policy,
ties broken by document id, then input order); an unassigned document becomes a survivor and takes every still
unassigned document whose verified similarity *to it* is at least the threshold.  So every duplicate
is similar to its own survivor, the result is deterministic, and it depends only on the pairs, the
order and the similarities, never on batch boundaries.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

KEEP_POLICIES = ("first", "longest", "cleanest")


def check_keep(keep: str) -> str | None:
    """Validate a keep policy; return the field name of ``field:NAME`` (else None)."""
    if keep in KEEP_POLICIES:
        return None
    if keep.startswith("field:") and len(keep) > 6:
        return keep[6:]
    raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)} or field:NAME, got {keep!r}")


def survivor_order(keep: str, lengths: Sequence[int], kept_fractions: Sequence[float],
                   field_values: Sequence[Any] | None, ids: Sequence[str] | None = None) -> np.ndarray:
    """Document indices, best survivor first.

    first: input order (order is the policy).  longest: largest length.  cleanest: largest kept
    fraction.  field:NAME: largest field value, documents without a value (None) last.  Ties in those
    three break by the smaller ``ids`` (code-point order), so that shuffling the input does not change
    the survivors; equal ids (or no ``ids``) then keep input order.
    """
    n = len(lengths)
    index = np.arange(n)
    if keep == "first":
        return index
    if ids is not None and len(ids) != n:
        raise ValueError("survivor_order needs one id per document")
    tie = _id_rank(ids) if ids is not None else index
    if keep == "longest":
        return np.lexsort((index, tie, -np.asarray(lengths, dtype=np.float64)))
    if keep == "cleanest":
        return np.lexsort((index, tie, -np.asarray(kept_fractions, dtype=np.float64)))
    check_keep(keep)
    if field_values is None or len(field_values) != n:
        raise ValueError(f"keep={keep!r} needs one field value per document")
    present = sorted((i for i in range(n) if field_values[i] is not None), key=lambda i: (tie[i], i))
    try:
        ranked = sorted(present, key=lambda i: field_values[i], reverse=True)  # stable: ties stay in tie order
    except TypeError as exc:
        raise ValueError(f"keep={keep!r}: field values cannot be compared ({exc})") from exc
    absent = sorted((i for i in range(n) if field_values[i] is None), key=lambda i: (tie[i], i))
    return np.array(ranked + absent, dtype=np.int64)


def _id_rank(ids: Sequence[str]) -> np.ndarray:
    """Each id's rank in code-point order (equal ids share a rank); Python's ``str`` order, as Spark's keys use."""
    rank: np.ndarray = np.unique(np.array(list(ids), dtype=object), return_inverse=True)[1].reshape(-1)
    return rank


@dataclass(frozen=True)
class Assignment:
    """Per document: its survivor's index (itself for a survivor) and the similarity to it."""

    survivor: np.ndarray  # int64 [n]
    similarity: np.ndarray  # float64 [n]; 1.0 for survivors


def assign_stars(n: int, order: np.ndarray, left: np.ndarray, right: np.ndarray,
                 sims: np.ndarray) -> Assignment:
    """Greedy star clustering over the verified pairs ``(left, right, sims)``, visiting ``order``.

    Only pairs passed in link documents: the caller drops pairs below the threshold first.
    """
    survivor = np.full(n, -1, dtype=np.int64)
    similarity = np.ones(n, dtype=np.float64)
    if len(left):
        src = np.concatenate((left, right))
        dst = np.concatenate((right, left))
        w = np.concatenate((sims, sims))
        by_src = np.argsort(src, kind="stable")
        src, dst, w = src[by_src], dst[by_src], w[by_src]
        ptr = np.searchsorted(src, np.arange(n + 1))
        has_edges = ptr[1:] > ptr[:-1]
        for u in order[has_edges[order]]:
            if survivor[u] != -1:
                continue
            survivor[u] = u
            nb, nw = dst[ptr[u]:ptr[u + 1]], w[ptr[u]:ptr[u + 1]]
            free = survivor[nb] == -1
            survivor[nb[free]] = u
            similarity[nb[free]] = nw[free]
    alone = survivor == -1
    survivor[alone] = np.flatnonzero(alone)
    return Assignment(survivor, similarity)


def cluster_minimums(assignment: Assignment) -> np.ndarray:
    """For each document, the minimum similarity of its cluster's members to their survivor."""
    minimum = np.ones(len(assignment.survivor), dtype=np.float64)
    np.minimum.at(minimum, assignment.survivor, assignment.similarity)
    result: np.ndarray = minimum[assignment.survivor]
    return result
