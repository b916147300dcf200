"""Write a run: outputs that mirror the input, the provenance log and a run manifest.

Directory input gives ``OUT/<relative path>`` per kept document; JSONL and Parquet give one file
of the same format with the cleaned text.  Every file is written atomically.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..document import CleanResult, Document
from ..errors import UsageError
from ..pipeline import Outcome, input_digest
from .provenance import header, record, sha256
from .readers import DirectorySource, JsonlSource, ParquetSource, RawRecord
from .writers import (
    HOLE,
    AtomicLines,
    atomic_write_bytes,
    confined_path,
    json_line,
    json_pieces,
    json_text,
    remove_stale_temps,
)

MANIFEST = ".cleaner-run.json"


@dataclass
class Summary:
    """Counts for the one-line summary at the end of a run."""

    documents: int = 0
    kept: int = 0
    duplicates: int = 0
    empty: int = 0
    skipped: int = 0
    chars_in: int = 0
    chars_removed: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    #: skipped documents per skip reason (the provenance log's ``reason``)
    skips: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (f"{self.documents} documents in: {self.kept} kept, {self.duplicates} duplicates, "
                f"{self.empty} empty, {self.skipped} skipped; {self.chars_removed:,} of "
                f"{self.chars_in:,} characters removed")

    def skip_note(self) -> str | None:
        """Why documents were skipped (the most common reason), so that a wrong option is not a silent no-op."""
        if not self.skips:
            return None
        reason, n = max(self.skips.items(), key=lambda kv: (kv[1], kv[0]))
        hint = "; choose the field with --text-field" if reason.startswith("missing text field") else ""
        return f"most common skip ({n} of {self.skipped}): {reason}{hint}"


def run_identity(input_path: Path, command: str, config: dict[str, Any]) -> dict[str, Any]:
    """What makes two runs 'the same run' (so a rerun may overwrite its own outputs)."""
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
    return {"input": str(input_path.resolve()), "command": command, "config_sha256": digest}


def check_output_dir(input_path: Path, out: Path, identity: dict[str, Any], overwrite: bool) -> None:
    """Refuse an OUT inside the input, or an OUT that holds a different run (unless overwrite)."""
    src, dst = input_path.resolve(), out.resolve()
    if src.is_dir() and (dst == src or dst.is_relative_to(src)):
        raise UsageError(f"the output folder {out} is inside the input {input_path}; choose another -o")
    if dst.exists() and not dst.is_dir():
        raise UsageError(f"the output {out} exists and is not a folder")
    if dst.is_dir() and any(dst.iterdir()) and not overwrite:
        manifest = dst / MANIFEST
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            previous = None
        if previous != identity:
            raise UsageError(f"the output folder {out} already holds other files or a different run; "
                             "pass --overwrite or choose an empty folder")


@dataclass(frozen=True)
class SinkSpec:
    """Where a run's kept texts go: a folder of files, or one JSONL/Parquet file mirroring the input.

    Picklable, so that worker processes can render outputs (:func:`render`) while the run's writer
    appends them in input order (:func:`write_run`).
    """

    kind: str  # dir | jsonl | parquet
    out: Path
    name: str = ""  # the output file of jsonl/parquet
    text_field: str = "text"
    id_field: str = "id"

    @classmethod
    def of(cls, source: Any, out: Path, text_field: str = "text", id_field: str = "id") -> SinkSpec:
        if isinstance(source, DirectorySource):
            return cls("dir", out)
        if isinstance(source, (JsonlSource, ParquetSource)):
            return cls(source.kind, out, source.path.name, text_field, id_field)
        raise TypeError(f"unsupported source {source!r}")


@dataclass(frozen=True)
class Rendered:
    """One input document ready to be appended: its output rows and its provenance line.

    ``rows`` are JSON lines (jsonl) or row dicts (parquet), and empty for a folder, whose files
    :func:`render` has written itself.  ``log`` is the provenance line cut where each row's
    ``{"file", "row"}`` goes, since row numbers are known only when rows are appended in order.
    """

    rows: tuple[Any, ...]
    log: tuple[bytes, ...]
    status: str
    chars_in: int
    chars_out: int
    by_reason: tuple[tuple[str, int], ...]
    skip_reason: str | None = None


def render(outcome: Outcome, spec: SinkSpec) -> Rendered:
    """Encode one Outcome for the writer: output rows (a folder's files are written here) and its log line."""
    raw, original = outcome.raw, outcome.original
    result, sha_in = _input_sha(outcome.result, raw, original, outcome.digest)
    rows: list[Any] = []
    output: Any = None
    sha_out = None
    splits: list[dict[str, Any]] = []
    if result.status == "kept":
        # a text written as it was read has the input's bytes (a table cell's UTF-8): no second hash
        unchanged = sha_in if isinstance(raw.data, str) and result.text == raw.data else None
        try:
            output, sha_out = _put(spec, result, raw, rows, unchanged)
            pairs = zip(outcome.articles, result.articles, strict=True)
            splits = [_put_article(spec, result, raw, rows, n, text, span)
                      for n, (text, span) in enumerate(pairs, 2) if text]
        except UsageError as exc:
            result = CleanResult(result.document, "skipped", "", (), f"unsafe id: {exc}", decoding=result.decoding)
            original, rows = None, []
    rec = record(result, output=output, sha_in=sha_in, sha_out=sha_out, original=original)
    if splits:
        rec["articles"] = splits
    by_reason: dict[str, int] = {}
    for r in result.removals:
        by_reason[r.reason] = by_reason.get(r.reason, 0) + (r.end - r.start)
    return Rendered(tuple(rows), json_pieces(rec, len(rows) if spec.kind != "dir" else 0), result.status,
                    len(original) if original is not None else 0,
                    len(result.text) if original is not None else 0, tuple(by_reason.items()),
                    result.reason if result.status == "skipped" else None)


def _put(spec: SinkSpec, result: CleanResult, raw: RawRecord, rows: list[Any],
         sha: str | None = None) -> tuple[Any, str]:
    """Write (folder) or queue (file) one kept text; returns its ``output`` log field and the written bytes' sha
    (``sha`` when the caller knows it)."""
    if spec.kind == "dir":
        data = result.text.encode("utf-8")
        atomic_write_bytes(confined_path(spec.out, result.id), data)
        return {"path": result.id}, sha256(data)
    row = {k: v for k, v in raw.meta.items() if k != "original_id"}
    row[spec.text_field] = result.text
    if "#article" in result.id:
        row[spec.id_field] = result.id
    rows.append(json_line(row).encode("utf-8") if spec.kind == "jsonl" else row)
    return HOLE, sha if sha is not None else sha256(result.text.encode("utf-8"))


def _put_article(spec: SinkSpec, result: CleanResult, raw: RawRecord, rows: list[Any], n: int, text: str,
                 span: tuple[int, int]) -> dict[str, Any]:
    """Write a second article cut from a page as a document of its own (``--split-articles``)."""
    stem, dot, ext = result.id.rpartition(".") if "/" not in result.id.rpartition(".")[2] else ("", "", "")
    doc_id = f"{stem}.article{n}.{ext}" if dot and stem else f"{result.id}#article{n}"
    doc = Document(doc_id, text, result.document.source, result.document.meta)
    output, sha = _put(spec, CleanResult(doc, "kept", text), raw, rows)
    return {"id": doc_id, "start": span[0], "end": span[1], "output": output, "sha256_output": sha}


class _Rows:
    """The parent's half of a JSONL or Parquet output: rows appended in input order, numbered as they come."""

    def __init__(self, spec: SinkSpec) -> None:
        self.spec = spec
        self.count = 0
        self._lines = AtomicLines(spec.out / spec.name) if spec.kind == "jsonl" else None
        self._table: list[dict[str, Any]] = []
        self._where = f'{{"file": {json_text(spec.name)}, "row": '.encode()

    def append(self, row: Any) -> bytes:
        """Append one rendered row; returns its ``output`` log field as JSON."""
        if self._lines is not None:
            self._lines.write_line(row)
        else:
            self._table.append(row)
        self.count += 1
        return b"%s%d}" % (self._where, self.count - 1)

    def commit(self) -> None:
        if self._lines is not None:
            self._lines.commit()
        elif self.spec.kind == "parquet":
            import io

            import pyarrow as pa
            import pyarrow.parquet as pq

            buf = io.BytesIO()
            pq.write_table(pa.Table.from_pylist(self._table), buf)
            atomic_write_bytes(self.spec.out / self.spec.name, buf.getvalue())

    def abort(self) -> None:
        if self._lines is not None:
            self._lines.abort()


def write_run(rendered: Iterable[Rendered], spec: SinkSpec, source_kind: str, log: Path,
              identity: dict[str, Any], config: dict[str, Any]) -> Summary:
    """Write outputs and the provenance log of a run, from its documents rendered in input order.

    Rendering (:func:`render`) may run in worker processes; here the rows are appended and numbered.
    """
    out = spec.out
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out)  # left by a killed run of the same command
    remove_stale_temps(log.parent, log.name)
    atomic_write_bytes(out / MANIFEST, json.dumps(identity, sort_keys=True).encode())
    summary = Summary()
    rows: _Rows | None = None
    prov: AtomicLines | None = None
    try:
        rows = _Rows(spec)
        prov = AtomicLines(log)
        prov.write_json(header(identity["input"], source_kind, config))
        for item in rendered:
            pieces = [item.log[0]]
            for row, piece in zip(item.rows, item.log[1:], strict=True):
                pieces += (rows.append(row), piece)
            prov.write_line(b"".join(pieces))
            _count(summary, item)
        rows.commit()
        prov.commit()
    except BaseException:
        # An interrupt can land anywhere, even inside mkstemp before a handle exists: abort what
        # was opened, then sweep this run's temp names so Ctrl-C leaves nothing behind.
        for part in (rows, prov):
            if part is not None:
                part.abort()
        remove_stale_temps(out)
        remove_stale_temps(log.parent, log.name)
        raise
    return summary


def _input_sha(result: CleanResult, raw: RawRecord, original: str | None,
               digest: str | None) -> tuple[CleanResult, str | None]:
    """The input's SHA-256 (``digest`` when the caller has it: see :func:`input_digest`)."""
    sha = digest if digest is not None else input_digest(raw)
    if original is None and result.status != "skipped":
        result = CleanResult(result.document, "skipped", "", (), "vanished or changed during the run")
    return result, sha


def _count(summary: Summary, item: Rendered) -> None:
    summary.documents += 1
    if item.status == "kept":
        summary.kept += 1
    elif item.status == "duplicate":
        summary.duplicates += 1
    elif item.status == "empty":
        summary.empty += 1
    else:
        summary.skipped += 1
        why = item.skip_reason or "unknown"
        summary.skips[why] = summary.skips.get(why, 0) + 1
    summary.chars_in += item.chars_in
    summary.chars_removed += item.chars_in - item.chars_out
    for reason, n in item.by_reason:
        summary.by_reason[reason] = summary.by_reason.get(reason, 0) + n
