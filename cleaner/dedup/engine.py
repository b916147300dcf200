"""The dedup engine: parameters, verdicts, and the Deduper that LSH-matches, verifies and clusters.

``Deduper.add`` only stores what it is given (signatures, lengths, ...), so the verdicts depend on
the documents and their order, never on how they were split into batches.  ``resolve`` does the work:

1. band keys of every non-empty signature; candidate pairs from shared buckets (:mod:`.lsh`), and
   from the SQLite index when one is given (:mod:`.index`);
2. each candidate pair is verified (:mod:`.verify`): by the full-signature estimate when it is far
   from the threshold, by exact Jaccard on the stored shingle sets when it is near (every pair with
   ``exact_verify``); pairs below the threshold are dropped;
3. star clustering in survivor order (:mod:`.cluster`): indexed documents first, then the keep policy
   with ties broken by document id.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from .cluster import assign_stars, check_keep, cluster_minimums, survivor_order
from .index import SignatureIndex
from .lsh import band_keys, candidate_pairs, optimal_bands, stored_keys
from .minhash import EMPTY, MinHashBatch, compute_signatures, estimate_pairs
from .shingle import ShingleBatch, shingle_batch
from .spool import SpooledBatch
from .verify import ShingleStore, verify_pairs

__all__ = ["DedupParams", "DupInfo", "Deduper", "compute_signatures", "find_pairs"]


@dataclass(frozen=True)
class DedupParams:
    """What shapes a signature and a match.  Frozen and picklable (it crosses process pools)."""

    num_perm: int = 128
    ngram: int = 5
    char_ngrams: int = 0
    seed: int = 1
    threshold: float = 0.8
    exact_verify: bool = False

    def __post_init__(self) -> None:
        if self.num_perm < 2 or self.ngram < 1 or self.char_ngrams < 0 or not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"invalid dedup parameters: {self}")

    @classmethod
    def from_config(cls, config: Any) -> DedupParams:
        return cls(config.num_perm, config.ngram, config.char_ngrams, config.seed, config.threshold,
                   config.exact_verify)

    @property
    def bands(self) -> tuple[int, int]:
        """LSH ``(bands, rows)`` for this threshold and number of permutations (see :mod:`.lsh`)."""
        return optimal_bands(self.threshold, self.num_perm)

    def layout(self) -> dict[str, Any]:
        """The parameters an index must share to be reused."""
        bands, rows = self.bands
        return {"num_perm": self.num_perm, "ngram": self.ngram, "char_ngrams": self.char_ngrams,
                "seed": self.seed, "bands": bands, "rows": rows, "hash": "fmix64-poly/affine32-v1"}


@dataclass(frozen=True)
class DupInfo:
    """Dedup verdict for one document: ``duplicate_of`` is None for a survivor.

    ``similarity`` is to the survivor (1.0 for a survivor), ``cluster`` is the survivor's id, and
    ``cluster_min_similarity`` is the lowest similarity of any member of the cluster to the survivor.
    """

    id: str
    duplicate_of: str | None = None
    similarity: float | None = None
    cluster: str | None = None
    cluster_min_similarity: float | None = None


class Deduper:
    """Collect documents batch by batch, then :meth:`resolve` them into one ``DupInfo`` each.

    ``keep`` is first | longest | cleanest | field:NAME (ties: smaller document id first, then input
    order).  With ``index``, a SQLite file: documents indexed by earlier runs count as survivors earlier
    than any new document, and the new survivors are added to it when :meth:`resolve` finishes.

    Shingles given to :meth:`add` go to a temporary file (:class:`.verify.ShingleStore`) and are read
    back only for candidate pairs near the threshold; documents added without them are verified by the
    signature estimate alone (``exact_verify`` requires them).
    """

    def __init__(self, params: DedupParams, keep: str = "first", index: Path | None = None) -> None:
        check_keep(keep)
        self.params = params
        self.keep = keep
        self.index_path = Path(index) if index is not None else None
        self._ids: list[str] = []
        self._sigs: list[np.ndarray] = []
        self._lengths: list[int] = []
        self._fractions: list[float] = []
        self._fields: list[Any] = []
        self._store: ShingleStore | None = None
        self._verdicts_cache: list[DupInfo] | None = None
        self.exact_pairs = 0  # candidate pairs decided by exact Jaccard in resolve
        if self.index_path is not None:  # fail early on a bad or mismatched index
            SignatureIndex(self.index_path, params.layout()).close()

    def add(self, ids: Sequence[str], signatures: np.ndarray | MinHashBatch, lengths: Sequence[int],
            kept_fractions: Sequence[float], field_values: Sequence[Any] | None = None, *,
            texts: Sequence[str] | None = None, shingle_sets: Sequence[np.ndarray] | None = None,
            shingles: ShingleBatch | SpooledBatch | None = None) -> None:
        """Add a batch in input order.

        The shingles (``shingles`` as made with the signatures or as spooled to a file by the process
        that made them, ``shingle_sets``, or ``texts`` to shingle again) let pairs near the threshold be
        verified exactly; ``exact_verify`` requires one of them.  A spooled batch's file must stay until
        :meth:`resolve` returns.
        """
        if self._verdicts_cache is not None:
            raise ValueError("this Deduper was resolved (its shingle store is gone); add to a new Deduper")
        values = self._check_signatures(signatures)
        n = len(ids)
        if values.shape[0] != n or len(lengths) != n or len(kept_fractions) != n:
            raise ValueError("ids, signatures, lengths and kept_fractions must have one entry per document")
        if shingles is None and shingle_sets is None and texts is None and self.params.exact_verify:
            raise UsageError("exact-verify needs the document texts: this caller passes only signatures to "
                             "Deduper.add (texts=..., shingles=... or shingle_sets=... are required); run "
                             "without exact-verify")
        if self.keep.startswith("field:") and (field_values is None or len(field_values) != n):
            raise ValueError(f"keep={self.keep!r} needs field_values, one per document")
        self._add_shingles(n, texts, shingle_sets, shingles)
        self._ids.extend(str(i) for i in ids)
        self._sigs.append(values)
        self._lengths.extend(int(x) for x in lengths)
        self._fractions.extend(float(x) for x in kept_fractions)
        if field_values is not None and self.keep.startswith("field:"):
            self._fields.extend(field_values)

    def _add_shingles(self, n: int, texts: Sequence[str] | None, sets: Sequence[np.ndarray] | None,
                      batch: ShingleBatch | SpooledBatch | None) -> None:
        if batch is None and sets is None and texts is not None:
            batch = shingle_batch(texts, self.params.ngram, self.params.char_ngrams)
        if batch is None and sets is None:
            if self._store is not None:
                self._store.add_missing(n)
            return
        if self._store is None:
            self._store = ShingleStore()
            self._store.add_missing(len(self._ids))
        if batch is not None:
            if len(batch) != n:
                raise ValueError("need one text or shingle set per document")
            if isinstance(batch, SpooledBatch):
                self._store.add_spooled(batch)
            else:
                self._store.add_batch(batch)
        else:
            assert sets is not None
            if len(sets) != n:
                raise ValueError("need one text or shingle set per document")
            self._store.add_sets(sets)

    def _check_signatures(self, signatures: np.ndarray | MinHashBatch) -> np.ndarray:
        if isinstance(signatures, MinHashBatch):
            if (signatures.num_perm, signatures.seed, signatures.ngram, signatures.char_ngrams) != (
                    self.params.num_perm, self.params.seed, self.params.ngram, self.params.char_ngrams):
                raise ValueError("signatures were made with other parameters than this Deduper's")
            return signatures.values
        values = np.asarray(signatures)
        if values.ndim != 2 or values.shape[1] != self.params.num_perm or values.dtype != np.uint32:
            raise ValueError(f"signatures must be uint32 [n, {self.params.num_perm}], got {values.dtype} "
                             f"{values.shape}")
        return values

    def close(self) -> None:
        """Free the shingle store without resolving (``resolve`` frees it too); safe to call twice."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def resolve(self) -> list[DupInfo]:
        """One verdict per added document, in the order added.

        The first call does the work and frees the shingle store; later calls return the same verdicts.
        """
        if self._verdicts_cache is None:
            self._verdicts_cache = self._resolve()
        return list(self._verdicts_cache)

    def _resolve(self) -> list[DupInfo]:
        n = len(self._ids)
        sigs = np.concatenate(self._sigs) if self._sigs else np.zeros((0, self.params.num_perm), np.uint32)
        self._sigs = [sigs]  # free the per-batch arrays: the peak holds one copy of the signatures
        order = survivor_order(self.keep, self._lengths, self._fractions, self._fields or None, self._ids)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        try:
            live, keys, left, right = lsh_candidates(sigs, self.params, rank)
            sims, self.exact_pairs = verify_pairs(sigs, left, right, self.params, self._store)
        finally:
            self.close()
        if self.index_path is None:
            return self._verdicts(n, order, left, right, sims, [], np.zeros(0, dtype=np.int64))
        with SignatureIndex(self.index_path, self.params.layout()) as index:
            return self._resolve_with_index(index, sigs, order, live, keys, left, right, sims)

    def _resolve_with_index(self, index: SignatureIndex, sigs: np.ndarray, order: np.ndarray, live: np.ndarray,
                            keys: np.ndarray, left: np.ndarray, right: np.ndarray,
                            sims: np.ndarray) -> list[DupInfo]:
        n = len(self._ids)
        stored = stored_keys(keys)
        # A document whose id is already indexed is that indexed survivor: not matched to itself, not re-added.
        known = index.rowids_of(self._ids)
        probe_rows, rowids = index.candidates(stored)
        probe_rows = live[probe_rows]
        old_rowids = np.unique(np.concatenate((rowids, np.array(sorted(known.values()), dtype=np.int64))))
        old_ids, old_sigs = index.signatures(old_rowids)
        slot = {int(r): n + k for k, r in enumerate(old_rowids)}
        old_left = np.array([slot[int(r)] for r in rowids], dtype=np.int64)
        not_self = np.array([known.get(self._ids[i]) != int(r) for i, r in zip(probe_rows, rowids, strict=True)],
                            dtype=bool)
        probe_rows, old_left = probe_rows[not_self], old_left[not_self]
        all_sigs = np.concatenate((sigs, old_sigs))
        old_sims = estimate_pairs(all_sigs, old_left, probe_rows)
        # Indexed documents come before any new one; a new document that is indexed goes with its entry.
        m = len(old_rowids)
        full_order = np.concatenate((np.arange(n, n + m), order))
        alias = [(i, slot[known[doc_id]]) for i, doc_id in enumerate(self._ids) if doc_id in known]
        a_left = np.array([a for a, _ in alias], dtype=np.int64)
        a_right = np.array([b for _, b in alias], dtype=np.int64)
        verdicts = self._verdicts(n + m, full_order, np.concatenate((left, old_left, a_right)),
                                  np.concatenate((right, probe_rows, a_left)),
                                  np.concatenate((sims, old_sims, np.full(len(alias), 2.0))), old_ids, old_rowids)
        aliased = {i for i, _ in alias}
        new_survivors = [i for i in live.tolist() if verdicts[i].duplicate_of is None and i not in aliased]
        position = {int(d): k for k, d in enumerate(live)}
        index.insert([self._ids[i] for i in new_survivors], sigs[new_survivors],
                     stored[[position[i] for i in new_survivors]] if new_survivors else stored[:0])
        return verdicts

    def _verdicts(self, total: int, order: np.ndarray, left: np.ndarray, right: np.ndarray, sims: np.ndarray,
                  old_ids: list[str], old_rowids: np.ndarray) -> list[DupInfo]:
        """Cluster the verified pairs; documents past the added ones are indexed survivors."""
        keep = sims >= self.params.threshold
        assignment = assign_stars(total, order, left[keep], right[keep], np.minimum(sims[keep], 1.0))
        minimum = cluster_minimums(assignment)
        names = self._ids + old_ids
        out = []
        for i in range(len(self._ids)):
            s = int(assignment.survivor[i])
            if s == i or (s >= len(self._ids) and names[s] == self._ids[i]):
                out.append(DupInfo(self._ids[i], None, 1.0, names[s], float(minimum[i])))
            else:
                out.append(DupInfo(self._ids[i], names[s], float(assignment.similarity[i]), names[s],
                                   float(minimum[i])))
        return out


def lsh_candidates(signatures: np.ndarray, params: DedupParams, rank: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(live, keys, left, right)``: the rows with shingles, their band keys, and the candidate pairs
    (row indices, ``left < right``) that share a band."""
    n = signatures.shape[0]
    rank = np.arange(n) if rank is None else rank
    live = np.flatnonzero(~(signatures == EMPTY).all(axis=1)) if n else np.zeros(0, dtype=np.int64)
    bands, rows = params.bands
    keys = band_keys(signatures[live], bands, rows)
    left, right = candidate_pairs(keys, rank[live])
    return live, keys, live[left], live[right]


def find_pairs(signatures: np.ndarray, params: DedupParams, rank: np.ndarray | None = None,
               shingles: ShingleStore | Sequence[np.ndarray] | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """LSH candidates among the rows of ``signatures``, each with its verified similarity.

    Returns ``(live, keys, left, right, sims)`` as :func:`lsh_candidates`, with the similarity of
    each pair decided by :func:`.verify.verify_pairs` (exact Jaccard of the ``shingles`` near the
    threshold, or everywhere with ``exact_verify``; the estimate without ``shingles``).  Callers keep
    pairs with ``sims >= threshold``.
    """
    live, keys, left, right = lsh_candidates(signatures, params, rank)
    if shingles is None or isinstance(shingles, ShingleStore):
        sims, _ = verify_pairs(signatures, left, right, params, shingles)
        return live, keys, left, right, sims
    store = ShingleStore()
    try:
        store.add_sets(shingles)
        sims, _ = verify_pairs(signatures, left, right, params, store)
    finally:
        store.close()
    return live, keys, left, right, sims
