"""Reading a directory, a JSONL file or a Parquet file into an RDD of RawRecords, in the executors.

The records are the ones the local readers (:mod:`cleaner.io.readers`) make: same ids, sources,
positions, meta and skip reasons.  The driver only lists (file names, byte ranges, row groups); the
executors read.  A JSONL file is cut into byte ranges: a line belongs to the range where it starts,
and a first pass counts the line breaks before each range so that line numbers (positions, default
ids ``line-N``) come out as in the local reader.  Repeated ids get ``#2``, ``#3``... in input order,
as :func:`cleaner.io.readers._unique` does, through a groupBy on the id.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from ..errors import InputError, UsageError
from ..io.readers import (
    DirectorySource,
    JsonlSource,
    ParquetSource,
    RawRecord,
    jsonl_record,
    renamed,
    table_record,
)

__all__ = ["records_rdd", "rows_to_records"]

#: Target size of a JSONL byte range (one task each).
RANGE_BYTES = 16 * 1024 * 1024


def records_rdd(sc: Any, source: DirectorySource | JsonlSource | ParquetSource, partitions: int | None = None) -> Any:
    """An RDD of the source's RawRecords, partitions in input order (so the RDD's order is the input order)."""
    slices = partitions or max(2, sc.defaultParallelism * 2)
    if isinstance(source, DirectorySource):
        rdd = _directory(sc, source, slices)
    elif isinstance(source, JsonlSource):
        rdd = _jsonl(sc, source, slices)
    elif isinstance(source, ParquetSource):
        rdd = _parquet(sc, source, slices)
    else:
        raise TypeError(f"unsupported source {source!r}")
    return rdd if isinstance(source, DirectorySource) else unique_ids(rdd)


# --- directory -------------------------------------------------------------------------------------------

def _directory(sc: Any, source: DirectorySource, slices: int) -> Any:
    blocks = list(source.blocks(1))  # one file per element: Spark slices them
    return sc.parallelize(blocks, max(1, min(slices, len(blocks)))).map(lambda block: block.records()[0])


# --- JSONL -----------------------------------------------------------------------------------------------

def _jsonl(sc: Any, source: JsonlSource, slices: int) -> Any:
    path = str(source.path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputError(f"cannot open {source.path}: {exc.strerror}") from exc
    n = max(1, min(max(slices, -(-size // RANGE_BYTES)), max(1, size // 4096)))
    cuts = [size * k // n for k in range(n + 1)]
    ranges = list(zip(cuts[:-1], cuts[1:], strict=True))
    breaks = sc.parallelize(ranges, len(ranges)).map(lambda r: _count_breaks(path, *r)).collect()
    before = [0]
    for b in breaks[:-1]:
        before.append(before[-1] + b)
    tasks = [(a, b, k) for (a, b), k in zip(ranges, before, strict=True)]
    text_field, id_field = source.text_field, source.id_field
    return sc.parallelize(tasks, len(tasks)).flatMap(
        lambda t: _read_range(path, t[0], t[1], t[2], text_field, id_field))


def _count_breaks(path: str, start: int, end: int) -> int:
    count = 0
    with open(path, "rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


def _read_range(path: str, start: int, end: int, breaks_before: int, text_field: str,
                id_field: str) -> Iterator[RawRecord]:
    """The records of the lines that start in ``[start, end)``, as :meth:`JsonlSource.__iter__` makes them."""
    with open(path, "rb") as fh:
        lineno = breaks_before + 1  # number of the line holding byte `start`
        offset = start
        if start > 0:
            fh.seek(start - 1)
            if fh.read(1) != b"\n":  # `start` is inside a line that began in the previous range
                rest = fh.readline()
                offset += len(rest)
                lineno += 1 if rest.endswith(b"\n") else 0
                if not rest.endswith(b"\n"):
                    return
        while offset < end:
            raw = fh.readline()
            if not raw:
                return
            offset += len(raw)
            yield from _jsonl_record(raw, path, lineno, text_field, id_field)
            lineno += 1


def _jsonl_record(raw: bytes, path: str, lineno: int, text_field: str, id_field: str) -> Iterator[RawRecord]:
    record = jsonl_record(raw, path, lineno, text_field, id_field, {})
    if record is not None:
        yield record


# --- Parquet ---------------------------------------------------------------------------------------------

def _parquet(sc: Any, source: ParquetSource, slices: int) -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise UsageError("reading Parquet needs the extra: pip install 'cleaner[parquet]'") from exc
    try:
        meta = pq.ParquetFile(source.path).metadata
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise InputError(f"cannot read {source.path} as Parquet: {exc}") from exc
    tasks, first = [], 0
    for g in range(meta.num_row_groups):
        tasks.append((g, first))
        first += meta.row_group(g).num_rows
    path, text_field, id_field = str(source.path), source.text_field, source.id_field
    return sc.parallelize(tasks, max(1, len(tasks))).flatMap(
        lambda t: _read_row_group(path, t[0], t[1], text_field, id_field))


def _read_row_group(path: str, group: int, first: int, text_field: str, id_field: str) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(path).read_row_group(group).to_pylist()
    for k, rec in enumerate(rows, first + 1):
        yield table_record(rec, text_field, id_field, f"row-{k}", f"{path}:{k}", k, {})


# --- rows of a DataFrame, and ids -------------------------------------------------------------------------

def rows_to_records(df: Any, text_field: str, id_field: str) -> Any:
    """An RDD of RawRecords from a DataFrame's rows; position and default id (``row-N``) follow its order."""
    indexed = df.rdd.zipWithIndex()

    def convert(item: tuple[Any, int]) -> RawRecord:
        row, k = item
        n = k + 1
        return table_record(row.asDict(recursive=True), text_field, id_field, f"row-{n}", f"row-{n}", n, {})

    return unique_ids(indexed.map(convert))


def unique_ids(records: Any) -> Any:
    """Rename the 2nd, 3rd... record of an id to ``id#2``, ``id#3``... in input order, as the local readers do."""
    groups = records.map(lambda r: (r.id, r.position)).groupByKey()
    renames = groups.filter(lambda g: len(g[1]) > 1).flatMap(
        lambda g: ((pos, f"{g[0]}#{n}") for n, pos in enumerate(sorted(g[1]), 1) if n > 1))
    # Repeated ids are rare: their new names go to the executors as a broadcast, not a join of every record.
    table = dict(renames.collect())
    if not table:
        return records
    names = records.context.broadcast(table)

    def rename(r: RawRecord) -> RawRecord:
        new = names.value.get(r.position)
        return r if new is None else renamed(r, new)

    return records.map(rename)
