"""The Spark readers make the local readers' records: ids, sources, positions, meta, skip reasons."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cleaner.io.readers import open_source


def _rows(tmp_path: Path) -> Path:
    path = tmp_path / "edge.jsonl"
    lines = [json.dumps({"id": "a", "text": "first\u2028page"}), "", "{broken",
             json.dumps({"id": "a", "text": "again"}), json.dumps([1, 2]), json.dumps({"text": "no id"}),
             json.dumps({"id": "b"}),
             json.dumps({"id": "c", "text": 5}), "   ", json.dumps({"id": "line-3", "text": "clash"})]
    lines += [json.dumps({"id": f"x{i}", "text": "w " * (i % 50), "n": i}, ensure_ascii=False) for i in range(300)]
    data = "\n".join(lines).encode("utf-8") + b"\n\xff\xfe broken utf-8\n" + json.dumps({"id": "last"}).encode()
    path.write_bytes(data)  # no final line break
    return path


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_jsonl_records_equal_local(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   partitions: int) -> None:
    from cleaner.spark import sources

    monkeypatch.setattr(sources, "RANGE_BYTES", 97)  # many ranges that cut lines anywhere
    source = open_source(_rows(tmp_path))
    got = sources.records_rdd(spark.sparkContext, source, partitions).collect()
    assert got == list(source)


def test_directory_and_parquet_records_equal_local(spark: Any, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cleaner.spark.sources import records_rdd

    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    for i in range(7):
        (folder / ("sub" if i % 2 else "") / f"p{i}.txt").write_bytes(f"page {i}\n".encode() * (i + 1))
    (folder / "skip.md").write_text("not included")
    directory = open_source(folder)
    assert records_rdd(spark.sparkContext, directory, 3).collect() == list(directory)
    table = pa.table({"id": ["r", "s", "r", None], "text": ["one", "two", "three", "four"], "n": [1, 2, 3, 4]})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=3)
    parquet = open_source(tmp_path / "t.parquet")
    assert records_rdd(spark.sparkContext, parquet, 2).collect() == list(parquet)
