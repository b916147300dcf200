"""Readers: a directory of text files, a JSONL file, or a Parquet file, as a stream of RawRecords.

A reader never raises for one bad record: it yields a RawRecord with ``error`` set, so the
pipeline records a skip and nothing is lost.  Sources are re-iterable (the pipeline makes passes).
"""
from __future__ import annotations

import fnmatch
import io
import json
import math
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from ..errors import InputError, UsageError


@dataclass(frozen=True)
class RawRecord:
    """One input item before decoding: ``data`` is bytes (files) or str (tables)."""

    id: str
    source: str
    data: bytes | str | None
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    position: int = 0  # order in the input, for deterministic output order


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


class DirectorySource:
    """Text files under ``root`` (recursively) selected by include/exclude globs; id = relative path."""

    kind = "dir"

    def __init__(self, root: Path, include: Sequence[str] = ("*.txt",), exclude: Sequence[str] = ()) -> None:
        self.root = root
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self._listing: list[tuple[str, str | None]] | None = None

    def listing(self) -> list[tuple[str, str | None]]:
        """Sorted ``(relative path, listing error)``; symlink loops and unreadable folders are recorded."""
        if self._listing is None:
            found: list[tuple[str, str | None]] = []
            seen_dirs: set[tuple[int, int]] = set()

            def walk(folder: Path, rel: str) -> None:
                try:
                    st = folder.stat()
                except OSError as exc:
                    found.append((rel or ".", f"unreadable folder: {exc.strerror}"))
                    return
                if (st.st_dev, st.st_ino) in seen_dirs:
                    found.append((rel, "symlink loop: folder already visited"))
                    return
                seen_dirs.add((st.st_dev, st.st_ino))
                try:
                    entries = sorted(os.scandir(folder), key=lambda e: e.name)
                except OSError as exc:
                    found.append((rel or ".", f"unreadable folder: {exc.strerror}"))
                    return
                for entry in entries:
                    child_rel = f"{rel}/{entry.name}" if rel else entry.name
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if is_dir:
                        walk(Path(entry.path), child_rel)
                        continue
                    if not _matches(child_rel, self.include) or _matches(child_rel, self.exclude):
                        continue
                    try:
                        entry.stat()
                    except OSError as exc:
                        found.append((child_rel, f"unreadable: {exc.strerror}"))
                        continue
                    found.append((child_rel, None))

            walk(self.root, "")
            self._listing = sorted(found)
        return self._listing

    def __iter__(self) -> Iterator[RawRecord]:
        for block in self.blocks(256):
            yield from block.records()

    def blocks(self, size: int, workers: int = 1) -> Iterator[DirBlock]:
        """The listing in blocks of ``size`` files, each read by :meth:`DirBlock.records` (ids are unique).

        For ``workers`` > 1 the last blocks are smaller (:func:`block_size`).
        """
        listing = self.listing()
        lo = 0
        while lo < len(listing):
            hi = lo + block_size(size, len(listing) - lo, workers)
            yield DirBlock(self.root, lo, tuple(listing[lo:hi]))
            lo = hi


@dataclass(frozen=True)
class DirBlock:
    """Files of a directory input, to be read where the work is done (e.g. in a worker process)."""

    root: Path
    first: int  # position of the first file
    files: tuple[tuple[str, str | None], ...]  # (relative path, listing error)

    def __len__(self) -> int:
        return len(self.files)

    def records(self) -> list[RawRecord]:
        return [self._record(pos, rel, error) for pos, (rel, error) in enumerate(self.files, self.first)]

    def _record(self, pos: int, rel: str, error: str | None) -> RawRecord:
        source = str(self.root / rel)
        if error:
            return RawRecord(rel, source, None, error=error, position=pos)
        try:
            data = (self.root / rel).read_bytes()
        except FileNotFoundError:
            return RawRecord(rel, source, None, error="vanished: file removed after listing", position=pos)
        except OSError as exc:
            return RawRecord(rel, source, None, error=f"unreadable: {exc.strerror}", position=pos)
        return RawRecord(rel, source, data, meta={"path": rel}, position=pos)


class JsonlSource:
    """One record per line; ``text_field`` holds the page, ``id_field`` its id (default: line number)."""

    kind = "jsonl"

    def __init__(self, path: Path, text_field: str = "text", id_field: str = "id") -> None:
        self.path = path
        self.text_field = text_field
        self.id_field = id_field

    def __iter__(self) -> Iterator[RawRecord]:
        unique = UniqueIds()
        for block in self.blocks(256):
            yield from map(unique, block.records())

    def blocks(self, size: int, workers: int = 1) -> Iterator[JsonlRange | JsonlBlock]:
        """The non-blank lines in blocks of ``size``, parsed by the blocks' ``records()``.

        A regular file is only scanned here for line ends: its blocks are byte ranges
        (:class:`JsonlRange`), read where they are parsed.  Their ids are not yet unique across
        blocks: pass the records through one :class:`UniqueIds`.  For ``workers`` > 1 the last blocks
        of a regular file are smaller (:func:`block_size`; the lines left are estimated from the bytes
        left).
        """
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot open {self.path}: {exc.strerror}") from exc
        with fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):  # a pipe can be read once only: its lines travel with the blocks
                yield from self._carried_blocks(fh, size)
                return
            total = st.st_size if workers > 1 else 0
            start = end = 0
            first, count, want = 1, 0, size
            for lineno, end, blank in line_ends(fh):
                if blank:
                    continue
                count += 1
                if count == want:
                    yield JsonlRange(str(self.path), self.text_field, self.id_field, start, end, first, count)
                    start, first, count = end, lineno + 1, 0
                    if total > end:
                        want = block_size(size, (total - end) * lineno / end, workers)
            if count:
                yield JsonlRange(str(self.path), self.text_field, self.id_field, start, end, first, count)

    def _carried_blocks(self, fh: IO[bytes], size: int) -> Iterator[JsonlBlock]:
        lines: list[tuple[int, bytes]] = []
        for lineno, raw in enumerate(fh, 1):
            if not raw.isspace():
                lines.append((lineno, raw))
                if len(lines) == size:
                    yield JsonlBlock(str(self.path), self.text_field, self.id_field, tuple(lines))
                    lines = []
        if lines:
            yield JsonlBlock(str(self.path), self.text_field, self.id_field, tuple(lines))


#: a byte that ``bytes.isspace`` does not take as white space: a line without one is blank
_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def line_ends(fh: IO[bytes], chunk: int = 1 << 22) -> Iterator[tuple[int, int, bool]]:
    """``(line number, offset past the line, blank)`` of each line of ``fh`` from where it stands.

    Lines end after ``\\n`` (a ``\\r`` before it belongs to the line), the last one at the end of the
    file; the bytes are read in chunks and never copied line by line.
    """
    buf = bytearray()
    base = lineno = 0  # file offset of buf[0]; lines ended so far
    search = _NOT_SPACE.search
    while data := fh.read(chunk):
        look = len(buf)  # buf holds a line's start, searched already
        buf += data
        pos = 0
        while (nl := buf.find(b"\n", look)) >= 0:
            lineno += 1
            yield lineno, base + nl + 1, search(buf, pos, nl) is None
            pos = look = nl + 1
        del buf[:pos]
        base += pos
    if buf:
        yield lineno + 1, base + len(buf), search(buf) is None


def _jsonl_records(lines: Iterable[tuple[int, bytes]], path: str, text_field: str, id_field: str
                   ) -> list[RawRecord]:
    out = []
    for lineno, raw in lines:
        record = jsonl_record(raw, path, lineno, text_field, id_field, {})
        assert record is not None  # blank lines are not in a block
        out.append(record)
    return out


@dataclass(frozen=True)
class JsonlRange:
    """Lines of a JSONL file between two byte offsets, to be read and parsed where the work is done
    (e.g. in a worker process): only the offsets travel there."""

    path: str
    text_field: str
    id_field: str
    start: int  # offset of the first line
    end: int  # offset past the last line
    first_line: int  # line number of the first line
    count: int  # non-blank lines

    def __len__(self) -> int:
        return self.count

    def lines(self) -> list[tuple[int, bytes]]:
        """``(line number, raw line)`` of the non-blank lines, as the scan that made the range found them."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.start)
                data = fh.read(self.end - self.start)
        except OSError as exc:
            raise InputError(f"cannot read {self.path}: {exc.strerror}") from exc
        lines = [(n, raw) for n, raw in enumerate(io.BytesIO(data), self.first_line) if not raw.isspace()]
        if len(data) != self.end - self.start or len(lines) != self.count:
            raise InputError("the input changed length while it was being cleaned; rerun on a stable input")
        return lines

    def records(self) -> list[RawRecord]:
        """One record per line, with the line's own id (see :class:`UniqueIds`)."""
        return _jsonl_records(self.lines(), self.path, self.text_field, self.id_field)


@dataclass(frozen=True)
class JsonlBlock:
    """Lines of a JSONL input read already (from a pipe), to be parsed where the work is done."""

    path: str
    text_field: str
    id_field: str
    lines: tuple[tuple[int, bytes], ...]  # (line number, raw line), blank lines left out

    def __len__(self) -> int:
        return len(self.lines)

    def records(self) -> list[RawRecord]:
        """One record per line, with the line's own id (see :class:`UniqueIds`)."""
        return _jsonl_records(self.lines, self.path, self.text_field, self.id_field)


@dataclass(frozen=True)
class RecordsBlock:
    """Records already read (a table's rows, a caller's iterable): a block only carries them."""

    items: tuple[RawRecord, ...]

    def __len__(self) -> int:
        return len(self.items)

    def records(self) -> list[RawRecord]:
        return list(self.items)


#: a run of input records that can be read (or parsed) wherever the work is done
Block = DirBlock | JsonlRange | JsonlBlock | RecordsBlock


def block_size(size: int, remaining: float, workers: int) -> int:
    """How many records the next block holds: ``size``, or near the end of the input (``remaining``
    records, estimated) a ``2 * workers``-th of what is left, so that ``workers`` processes that take
    blocks as they come finish at about the same time; at least ``size // 16``."""
    if workers <= 1:
        return size
    return min(size, max(1, size // 16, math.ceil(remaining / (2 * workers))))


def blocks_of(source: Iterable[RawRecord], size: int, workers: int = 1) -> Iterator[Block]:
    """A source's records in blocks of about ``size``: read and parsed by workers where the source allows.

    With ``workers`` > 1 (the processes that share the blocks), the last blocks of a directory or a
    JSONL file are smaller, so that no process works alone on a large last block.
    """
    if isinstance(source, (DirectorySource, JsonlSource)):
        yield from source.blocks(size, workers)
        return
    it = iter(source)
    while items := tuple(islice(it, size)):
        yield RecordsBlock(items)


class UniqueIds:
    """Make ids unique within a run, in input order: a repeated id becomes ``id#2``, ``id#3``...

    The renamed record keeps its own id as ``meta["original_id"]`` (a broken line has no fields to
    keep it in).
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def name(self, doc_id: str) -> str:
        """The run-unique name of the next record with ``doc_id``."""
        return _unique(doc_id, self._seen)

    def __call__(self, record: RawRecord) -> RawRecord:
        new = self.name(record.id)
        return record if new == record.id else renamed(record, new)


def renamed(record: RawRecord, new_id: str) -> RawRecord:
    """``record`` under the run-unique id ``new_id`` (see :class:`UniqueIds`)."""
    broken = record.error is not None and record.error.startswith(LINE_ERRORS)
    meta = record.meta if broken else {**record.meta, "original_id": record.id}
    return RawRecord(new_id, record.source, record.data, meta, record.error, record.position)


class ParquetSource:
    """Rows of a Parquet file (needs the ``parquet`` extra); fields as in JSONL."""

    kind = "parquet"

    def __init__(self, path: Path, text_field: str = "text", id_field: str = "id") -> None:
        self.path = path
        self.text_field = text_field
        self.id_field = id_field

    def __iter__(self) -> Iterator[RawRecord]:
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise UsageError("reading Parquet needs the extra: pip install 'cleaner[parquet]'") from exc
        try:
            pf = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise InputError(f"cannot read {self.path} as Parquet: {exc}") from exc
        seen: dict[str, int] = {}
        row = 0
        for batch in pf.iter_batches(batch_size=4096):
            for rec in batch.to_pylist():
                row += 1
                yield table_record(rec, self.text_field, self.id_field, f"row-{row}",
                                    f"{self.path}:{row}", row, seen)


#: the errors of a JSONL line that is not a record at all (it has no fields to carry an original id)
LINE_ERRORS = ("broken JSON line", "JSON line is not an object")


def jsonl_record(raw: bytes, path: str, lineno: int, text_field: str, id_field: str,
                 seen: dict[str, int]) -> RawRecord | None:
    """The RawRecord of one JSONL line (None for a blank line); a bad line is a record with ``error``."""
    if not raw.strip():
        return None
    source = f"{path}:{lineno}"
    try:
        rec = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return RawRecord(_unique(f"line-{lineno}", seen), source, None, error=f"{LINE_ERRORS[0]}: {exc}",
                         position=lineno)
    if not isinstance(rec, dict):
        return RawRecord(_unique(f"line-{lineno}", seen), source, None, error=LINE_ERRORS[1], position=lineno)
    return table_record(rec, text_field, id_field, f"line-{lineno}", source, lineno, seen)


def _unique(doc_id: str, seen: dict[str, int]) -> str:
    """Make ids unique within a run: a repeated id gets ``#2``, ``#3``... (recorded in meta)."""
    n = seen.get(doc_id, 0) + 1
    seen[doc_id] = n
    return doc_id if n == 1 else f"{doc_id}#{n}"


def table_record(rec: dict[str, Any], text_field: str, id_field: str, default_id: str, source: str,
                  position: int, seen: dict[str, int]) -> RawRecord:
    raw_id = rec.get(id_field)
    base_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
    doc_id = _unique(base_id, seen)
    meta = {k: v for k, v in rec.items() if k != text_field}
    if doc_id != base_id:
        meta["original_id"] = base_id
    text = rec.get(text_field)
    if not isinstance(text, str):
        return RawRecord(doc_id, source, None, meta, error=no_text_reason(rec, text_field, id_field),
                         position=position)
    return RawRecord(doc_id, source, text, meta, position=position)


def no_text_reason(rec: Mapping[str, Any], text_field: str, id_field: str) -> str:
    """Why a record gives no text in ``text_field``: the field is missing (the reason lists the record's
    string fields, the likely ``--text-field``), or its value is not a string."""
    if text_field not in rec:
        strings = [k for k, v in rec.items() if isinstance(v, str) and k != id_field]
        hint = f" (its string fields: {', '.join(strings[:6])})" if strings else ""
        return f"missing text field {text_field!r}{hint}"
    return f"text field {text_field!r} is {type(rec[text_field]).__name__}, not a string"


def open_source(path: Path, *, include: Sequence[str] = ("*.txt",), exclude: Sequence[str] = (),
                text_field: str = "text", id_field: str = "id") -> DirectorySource | JsonlSource | ParquetSource:
    """Pick the reader for ``path``: a directory, ``*.jsonl``/``*.json``, or ``*.parquet``."""
    if not path.exists():
        raise UsageError(f"input not found: {path}")
    if path.is_dir():
        return DirectorySource(path, include, exclude)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return JsonlSource(path, text_field, id_field)
    if suffix in (".parquet", ".pq"):
        return ParquetSource(path, text_field, id_field)
    raise UsageError(f"don't know how to read {path}: give a directory, a .jsonl file or a .parquet file")
