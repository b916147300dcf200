"""Placeholder dedup engine (exact fingerprint match); the MinHash/LSH engine replaces it."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..text.fingerprint import normalize


@dataclass(frozen=True)
class DedupParams:
    num_perm: int = 128
    ngram: int = 5
    char_ngrams: int = 0
    seed: int = 1
    threshold: float = 0.8
    exact_verify: bool = False

    @classmethod
    def from_config(cls, config: Any) -> "DedupParams":
        return cls(config.num_perm, config.ngram, config.char_ngrams, config.seed, config.threshold,
                   config.exact_verify)


@dataclass(frozen=True)
class DupInfo:
    """Dedup verdict for one document: ``duplicate_of`` is None for a survivor."""

    id: str
    duplicate_of: str | None = None
    similarity: float | None = None
    cluster: str | None = None
    cluster_min_similarity: float | None = None


def compute_signatures(texts: Sequence[str], params: DedupParams) -> np.ndarray:
    out = np.zeros((len(texts), params.num_perm), dtype=np.uint32)
    for i, t in enumerate(texts):
        h = hashlib.sha256(normalize(t).encode()).digest()
        out[i, :] = int.from_bytes(h[:4], "little")
    return out


class Deduper:
    def __init__(self, params: DedupParams, keep: str = "first", index: Path | None = None) -> None:
        self.params = params
        self.keep = keep
        self._ids: list[str] = []
        self._sigs: list[np.ndarray] = []

    def add(self, ids: Sequence[str], signatures: np.ndarray, lengths: Sequence[int],
            kept_fractions: Sequence[float], field_values: Sequence[Any] | None = None) -> None:
        self._ids.extend(ids)
        self._sigs.extend(signatures)

    def resolve(self) -> list[DupInfo]:
        seen: dict[bytes, str] = {}
        out = []
        for i, s in zip(self._ids, self._sigs):
            key = s.tobytes()
            if key in seen:
                out.append(DupInfo(i, seen[key], 1.0, seen[key], 1.0))
            else:
                seen[key] = i
                out.append(DupInfo(i))
        return out
