"""Rebuild every input of a run from its outputs and provenance log."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelError, UsageError
from ..text.decode import encode_like
from .provenance import read_log, rebuild, sha256
from .writers import AtomicLines, atomic_write_bytes, confined_path


@dataclass
class RestoreReport:
    restored: int = 0
    byte_identical: int = 0
    repaired_text: int = 0  # inputs that needed decoding repair: rebuilt as the repaired text
    not_restorable: list[str] = field(default_factory=list)  # skipped inputs (no text was read)
    mismatched: list[str] = field(default_factory=list)  # lossless inputs whose sha256 differs

    def line(self) -> str:
        return (f"{self.restored} restored ({self.byte_identical} byte-identical, {self.repaired_text} as repaired "
                f"text); {len(self.not_restorable)} skipped inputs not restorable; "
                f"{len(self.mismatched)} mismatches")


def restore(out: Path, dest: Path, log: Path | None = None) -> RestoreReport:
    """Rebuild the inputs of the run in ``out`` into ``dest``."""
    log = log or out / "provenance.jsonl"
    head, records = read_log(log)
    fmt = head.get("format")
    config: dict[str, Any] = head["config"] if isinstance(head.get("config"), dict) else {}
    text_field = config.get("text_field", "text")
    default_name = Path(str(head.get("input", "restored.jsonl"))).name
    report = RestoreReport()
    try:
        if fmt == "dir":
            for rec in records:
                _restore_file(rec, out, dest, report)
            return report
        if fmt in ("jsonl", "parquet"):
            _restore_table(records, out, dest, text_field, fmt, default_name, report)
            return report
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        # A log is data: a record without the fields restore needs is a corrupt log, not a crash.
        raise ModelError(f"{log}: malformed provenance record ({type(exc).__name__}: {exc}); "
                         "was the log edited?") from exc
    raise ModelError(f"{log}: unknown input format {fmt!r}")


def _cleaned_of(rec: dict[str, Any], read_output: Any) -> str:
    return read_output(rec["output"]) if rec.get("status") == "kept" else ""


def _check(rec: dict[str, Any], text: str, data: bytes, report: RestoreReport) -> None:
    report.restored += 1
    enc = rec.get("encoding", {})
    if enc.get("lossless", True) and not rec.get("repairs"):
        if sha256(data) == rec.get("sha256_input"):
            report.byte_identical += 1
        else:
            report.mismatched.append(rec["id"])
    else:
        report.repaired_text += 1


def _restore_file(rec: dict[str, Any], out: Path, dest: Path, report: RestoreReport) -> None:
    if rec.get("status") == "skipped":
        report.not_restorable.append(rec["id"])
        return

    def read_output(output: dict[str, Any]) -> str:
        try:
            return confined_path(out, output["path"]).read_bytes().decode("utf-8")
        except (OSError, KeyError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the output of {rec['id']}: {exc}") from exc

    text = rebuild(rec, _cleaned_of(rec, read_output))
    enc = rec.get("encoding", {})
    lossless = enc.get("lossless", True) and not rec.get("repairs")
    data = encode_like(text, enc) if lossless else text.encode("utf-8")
    atomic_write_bytes(confined_path(dest, rec["id"]), data)
    _check(rec, text, data, report)


def _restore_table(records: Any, out: Path, dest: Path, text_field: str, fmt: str, default_name: str,
                   report: RestoreReport) -> None:
    rows_by_file: dict[str, list[dict[str, Any]]] = {}

    def load(name: str) -> list[dict[str, Any]]:
        if name not in rows_by_file:
            path = confined_path(out, name)
            if fmt == "parquet":
                import pyarrow.parquet as pq

                rows_by_file[name] = pq.read_table(path).to_pylist()
            else:
                with path.open(encoding="utf-8") as fh:
                    rows_by_file[name] = [json.loads(line) for line in fh if line.strip()]
        return rows_by_file[name]

    restored: list[dict[str, Any]] = []
    name = default_name
    for rec in records:
        if rec.get("status") == "skipped":
            report.not_restorable.append(rec["id"])
            continue
        if rec.get("status") == "kept":
            name = rec["output"]["file"]
            row = dict(load(name)[rec["output"]["row"]])
            cleaned = row.pop(text_field)
        else:
            row, cleaned = dict(rec.get("meta", {})), ""
        text = rebuild(rec, cleaned)
        restored.append({**row, text_field: text})
        _check(rec, text, text.encode("utf-8"), report)
    target = dest / name
    if fmt == "parquet":
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(restored), buf)
        atomic_write_bytes(target, buf.getvalue())
    else:
        lines = AtomicLines(target)
        for row in restored:
            lines.write_json(row)
        lines.commit()
