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
from ..pipeline import Outcome
from .provenance import header, record, sha256
from .readers import DirectorySource, JsonlSource, ParquetSource, RawRecord
from .writers import AtomicLines, atomic_write_bytes, confined_path, remove_stale_temps

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

    def line(self) -> str:
        return (f"{self.documents} documents in: {self.kept} kept, {self.duplicates} duplicates, "
                f"{self.empty} empty, {self.skipped} skipped; {self.chars_removed:,} of "
                f"{self.chars_in:,} characters removed")


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


class _Sink:
    """Where kept texts go; returns the ``output`` field of the log record and the written bytes' sha."""

    id_field = "id"

    def put(self, result: CleanResult, raw: RawRecord) -> tuple[dict[str, Any], str]:
        raise NotImplementedError

    def row(self, result: CleanResult, raw: RawRecord, text_field: str) -> dict[str, Any]:
        """The output row: the input's fields with the cleaned text (and a new id for a split article)."""
        row = {k: v for k, v in raw.meta.items() if k != "original_id"}
        row[text_field] = result.text
        if "#article" in result.id:
            row[self.id_field] = result.id
        return row

    def commit(self) -> None:
        """Make the outputs visible."""

    def abort(self) -> None:
        """Drop partial outputs."""


class _DirSink(_Sink):
    def __init__(self, out: Path) -> None:
        self.out = out

    def put(self, result: CleanResult, raw: RawRecord) -> tuple[dict[str, Any], str]:
        path = confined_path(self.out, result.id)
        data = result.text.encode("utf-8")
        atomic_write_bytes(path, data)
        return {"path": result.id}, sha256(data)


class _JsonlSink(_Sink):
    def __init__(self, out: Path, name: str, text_field: str) -> None:
        self.name = name
        self.text_field = text_field
        self.lines = AtomicLines(out / name)

    def put(self, result: CleanResult, raw: RawRecord) -> tuple[dict[str, Any], str]:
        n = self.lines.write_json(self.row(result, raw, self.text_field))
        return {"file": self.name, "row": n}, sha256(result.text.encode("utf-8"))

    def commit(self) -> None:
        self.lines.commit()

    def abort(self) -> None:
        self.lines.abort()


class _ParquetSink(_Sink):
    def __init__(self, out: Path, name: str, text_field: str) -> None:
        self.path = out / name
        self.name = name
        self.text_field = text_field
        self.rows: list[dict[str, Any]] = []

    def put(self, result: CleanResult, raw: RawRecord) -> tuple[dict[str, Any], str]:
        self.rows.append(self.row(result, raw, self.text_field))
        return {"file": self.name, "row": len(self.rows) - 1}, sha256(result.text.encode("utf-8"))

    def commit(self) -> None:
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(self.rows), buf)
        atomic_write_bytes(self.path, buf.getvalue())


def make_sink(source: Any, out: Path, text_field: str, id_field: str = "id") -> _Sink:
    sink: _Sink
    if isinstance(source, DirectorySource):
        sink = _DirSink(out)
    elif isinstance(source, JsonlSource):
        sink = _JsonlSink(out, source.path.name, text_field)
    elif isinstance(source, ParquetSource):
        sink = _ParquetSink(out, source.path.name, text_field)
    else:
        raise TypeError(f"unsupported source {source!r}")
    sink.id_field = id_field
    return sink


def write_run(results: Iterable[Outcome], source: Any, out: Path, log: Path,
              identity: dict[str, Any], config: dict[str, Any]) -> Summary:
    """Write outputs and the provenance log for the Outcomes of a run."""
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out)  # left by a killed run of the same command
    remove_stale_temps(log.parent, log.name)
    atomic_write_bytes(out / MANIFEST, json.dumps(identity, sort_keys=True).encode())
    summary = Summary()
    sink: _Sink | None = None
    prov: AtomicLines | None = None
    try:
        sink = make_sink(source, out, config.get("text_field", "text"), config.get("id_field", "id"))
        prov = AtomicLines(log)
        prov.write_json(header(identity["input"], getattr(source, "kind", "?"), config))
        for outcome in results:
            raw, original = outcome.raw, outcome.original
            result, sha_in = _input_sha(outcome.result, raw, original)
            output, sha_out = None, None
            splits: list[dict[str, Any]] = []
            if result.status == "kept":
                try:
                    output, sha_out = sink.put(result, raw)
                    pairs = zip(outcome.articles, result.articles, strict=True)
                    splits = [_put_article(sink, result, raw, n, text, span)
                              for n, (text, span) in enumerate(pairs, 2) if text]
                except UsageError as exc:
                    result = CleanResult(result.document, "skipped", "", (), f"unsafe id: {exc}",
                                         decoding=result.decoding)
                    original = None
            rec = record(result, output=output, sha_in=sha_in, sha_out=sha_out, original=original)
            if splits:
                rec["articles"] = splits
            prov.write_json(rec)
            _count(summary, result, original)
        sink.commit()
        prov.commit()
    except BaseException:
        # An interrupt can land anywhere, even inside mkstemp before a handle exists: abort what
        # was opened, then sweep this run's temp names so Ctrl-C leaves nothing behind.
        for part in (sink, prov):
            if part is not None:
                part.abort()
        remove_stale_temps(out)
        remove_stale_temps(log.parent, log.name)
        raise
    return summary


def _put_article(sink: _Sink, result: CleanResult, raw: RawRecord, n: int, text: str,
                 span: tuple[int, int]) -> dict[str, Any]:
    """Write a second article cut from a page as a document of its own (``--split-articles``)."""
    stem, dot, ext = result.id.rpartition(".") if "/" not in result.id.rpartition(".")[2] else ("", "", "")
    doc_id = f"{stem}.article{n}.{ext}" if dot and stem else f"{result.id}#article{n}"
    doc = Document(doc_id, text, result.document.source, result.document.meta)
    output, sha = sink.put(CleanResult(doc, "kept", text), raw)
    return {"id": doc_id, "start": span[0], "end": span[1], "output": output, "sha256_output": sha}


def _input_sha(result: CleanResult, raw: RawRecord, original: str | None) -> tuple[CleanResult, str | None]:
    if isinstance(raw.data, bytes):
        sha = sha256(raw.data)
    elif isinstance(raw.data, str):
        sha = sha256(raw.data.encode("utf-8", errors="surrogatepass"))
    else:
        sha = None
    if original is None and result.status != "skipped":
        result = CleanResult(result.document, "skipped", "", (), "vanished or changed during the run")
    return result, sha


def _count(summary: Summary, result: CleanResult, original: str | None) -> None:
    summary.documents += 1
    if result.status == "kept":
        summary.kept += 1
    elif result.status == "duplicate":
        summary.duplicates += 1
    elif result.status == "empty":
        summary.empty += 1
    else:
        summary.skipped += 1
    if original is not None:
        summary.chars_in += len(original)
        summary.chars_removed += len(original) - len(result.text)
    for r in result.removals:
        summary.by_reason[r.reason] = summary.by_reason.get(r.reason, 0) + (r.end - r.start)
