"""Near-duplicate detection: shingles, MinHash signatures, LSH, verified clusters, SQLite index.

Public API used by the pipeline (stable contract):

- ``DedupParams.from_config(config)``: the parameters that shape a signature.
- ``compute_signatures(texts, params) -> numpy.ndarray``: uint32 array ``[len(texts), num_perm]``,
  fingerprint-normalized inside, vectorized over the batch.  Pure: the same texts give the same rows.
- ``minhash.signatures_and_shingles(texts, params)``: the signatures and the ``ShingleBatch`` they
  were made from, to pass to ``Deduper.add(..., shingles=...)`` so that candidates near the threshold
  are verified by exact Jaccard (:mod:`.verify`).
- ``Deduper(params, keep=..., index=None)``: ``add(...)`` batches in input order, then ``resolve()``
  returns one ``DupInfo`` per document added.
"""
from .engine import Deduper, DedupParams, DupInfo, compute_signatures

__all__ = ["DedupParams", "Deduper", "DupInfo", "compute_signatures"]
