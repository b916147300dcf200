"""The provenance log: one JSON record per input document, and ``restore`` from outputs + log.

Schema (one JSON object per line of ``provenance.jsonl``; the first line is a header record
``{"cleaner_provenance": VERSION, "input": ..., "format": ...}``):

- ``id``, ``source``: the document id and where it was read from
- ``status``: kept | duplicate | empty | skipped;  ``reason``: why, for anything but kept
- ``removed``: list of ``{start, end, reason, score, text, evidence?}``, half-open spans of the
  decoded input, in order; ``text`` is the exact removed text (what ``restore`` puts back)
- ``duplicate_of``, ``similarity``, ``cluster``: for near-duplicates (cluster also on survivors)
- ``output``: ``{"path": ...}`` (directory input) or ``{"file": ..., "row": n}`` (JSONL/Parquet)
- ``encoding``: ``{encoding, bom, repairs, lossless}`` as decoded;  ``meta``: carried fields of a
  dropped table row (so restore can rebuild it)
- ``sha256_input`` (the input bytes, or UTF-8 of a table cell), ``sha256_output`` (written bytes)
- ``chars_in``, ``chars_out``
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..document import CleanResult, restore_text
from ..errors import ModelError

VERSION = 1
PREVIEW = 80


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def header(input_path: str, fmt: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"cleaner_provenance": VERSION, "input": input_path, "format": fmt, "config": config}


def record(result: CleanResult, *, output: dict[str, Any] | None, sha_in: str | None,
           sha_out: str | None, original: str | None) -> dict[str, Any]:
    """The log record of one CleanResult.  ``original`` is the decoded input text (None if skipped)."""
    doc = result.document
    rec: dict[str, Any] = {"id": doc.id, "source": doc.source, "status": result.status}
    if result.reason:
        rec["reason"] = result.reason
    removed = []
    for r in result.removals:
        item: dict[str, Any] = {"start": r.start, "end": r.end, "reason": r.reason, "score": round(r.score, 4),
                                "text": original[r.start : r.end] if original is not None else ""}
        if r.evidence:
            item["evidence"] = dict(r.evidence)
        removed.append(item)
    rec["removed"] = removed
    if result.duplicate_of is not None:
        rec["duplicate_of"] = result.duplicate_of
        rec["similarity"] = None if result.similarity is None else round(result.similarity, 4)
    if result.cluster is not None:
        rec["cluster"] = result.cluster
    rec["output"] = output
    if result.decoding:
        rec["encoding"] = dict(result.decoding)
        rec["repairs"] = list(result.decoding.get("repairs", []))
    if result.status != "kept" and doc.meta:
        rec["meta"] = {k: v for k, v in doc.meta.items() if k != "path"}
    rec["sha256_input"] = sha_in
    rec["sha256_output"] = sha_out
    rec["chars_in"] = len(original) if original is not None else None
    rec["chars_out"] = len(result.text) if result.status == "kept" else 0
    return rec


def read_log(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """Open a provenance log: its header and an iterator over its records."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"cannot open provenance log {path}: {exc.strerror}") from exc
    first = fh.readline()
    try:
        head = json.loads(first)
    except json.JSONDecodeError as exc:
        fh.close()
        raise ModelError(f"{path} is not a cleaner provenance log (bad header: {exc})") from exc
    if not isinstance(head, dict) or head.get("cleaner_provenance") != VERSION:
        fh.close()
        raise ModelError(f"{path} is not a cleaner provenance log of version {VERSION}")

    def records() -> Iterator[dict[str, Any]]:
        with fh:
            for n, line in enumerate(fh, 2):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ModelError(f"{path}:{n}: corrupt provenance record ({exc})") from exc

    return head, records()


def rebuild(record_: dict[str, Any], cleaned: str) -> str:
    """The decoded input text of one record, from its cleaned text and removed spans."""
    spans = [(r["start"], r["end"], r["text"]) for r in record_.get("removed", [])]
    return restore_text(cleaned, spans)
