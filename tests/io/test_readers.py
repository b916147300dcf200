from __future__ import annotations

import io
import json
import os
import pickle
import threading
from pathlib import Path

import pytest

from cleaner.errors import InputError, UsageError
from cleaner.io.readers import (
    DirectorySource,
    JsonlRange,
    JsonlSource,
    RawRecord,
    UniqueIds,
    blocks_of,
    jsonl_record,
    line_ends,
    open_source,
)
from cleaner.io.writers import confined_path


def test_directory_ids_are_relative_paths_sorted_and_globs_apply(tmp_path: Path) -> None:
    (tmp_path / "b" / "c").mkdir(parents=True)
    for rel in ["z.txt", "a.txt", "b/c/d.txt", "b/skip.txt", "notes.md"]:
        (tmp_path / rel).write_text(rel, encoding="utf-8")
    src = DirectorySource(tmp_path, include=("*.txt", "*.md"), exclude=("skip*",))
    records = list(src)
    assert [r.id for r in records] == ["a.txt", "b/c/d.txt", "notes.md", "z.txt"]
    assert [r.data for r in records] == [b"a.txt", b"b/c/d.txt", b"notes.md", b"z.txt"]
    assert [r.position for r in records] == [0, 1, 2, 3]


def test_jsonl_bad_records_become_errors_not_exceptions(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    lines = [json.dumps({"id": "a", "text": "hello"}), "{oops", json.dumps({"id": "b"}),
             json.dumps({"id": "a", "text": "again"}), json.dumps({"id": "c", "text": 42}), json.dumps([1, 2])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(JsonlSource(path))
    assert [r.id for r in records] == ["a", "line-2", "b", "a#2", "c", "line-6"]
    assert [r.error is None for r in records] == [True, False, False, True, False, False]
    assert records[3].meta["original_id"] == "a"
    assert "missing text field" in (records[2].error or "")
    assert "not a string" in (records[4].error or "")


def test_open_source_refuses_unknown_or_missing(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        open_source(tmp_path / "missing")
    (tmp_path / "x.csv").write_text("a,b")
    with pytest.raises(UsageError, match="don't know how to read"):
        open_source(tmp_path / "x.csv")


@pytest.mark.parametrize("rel", ["../escape.txt", "/etc/passwd", "a/../../b.txt", "", "C:/x.txt"])
def test_output_paths_are_confined(tmp_path: Path, rel: str) -> None:
    with pytest.raises(UsageError):
        confined_path(tmp_path, rel)


def test_confined_path_accepts_nested(tmp_path: Path) -> None:
    assert confined_path(tmp_path, "a/b.txt") == (tmp_path / "a" / "b.txt").resolve()


def _tricky_jsonl(path: Path) -> None:
    """Repeated ids far apart, a default id taken by a later record, blank and broken lines."""
    lines = [json.dumps({"id": "a", "text": "one"}), "", "{oops", json.dumps({"id": "line-3", "text": "x"}),
             json.dumps({"id": "a", "text": "two", "original_id": "mine"}), "   ", json.dumps({}),
             json.dumps({"id": "a", "text": "three"}), json.dumps({"id": "line-7", "text": "y"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_blocks_parsed_apart_name_records_as_one_reading(tmp_path: Path, size: int) -> None:
    """Workers parse blocks without seeing each other; UniqueIds over the blocks gives the reader's ids."""
    path = tmp_path / "x.jsonl"
    _tricky_jsonl(path)
    source = JsonlSource(path)
    unique = UniqueIds()
    apart = [unique(r) for block in blocks_of(source, size) for r in block.records()]
    assert apart == list(source)
    assert [r.id for r in apart] == ["a", "line-3", "line-3#2", "a#2", "line-7", "a#3", "line-7#2"]
    assert [r.position for r in apart] == [1, 3, 4, 5, 7, 8, 9]
    assert apart[3].meta["original_id"] == "a"  # the reader's name wins over a field of that name
    assert "original_id" not in apart[1].meta  # a broken line has no fields
    assert apart[4].meta == {} and "missing text field" in (apart[4].error or "")
    assert apart[6].meta["original_id"] == "line-7"
    assert sum(len(b) for b in blocks_of(source, size)) == 7


def test_blocks_of_any_iterable_carry_its_records(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for name in ("b.txt", "a.txt", "c.txt"):
        (tmp_path / "d" / name).write_text(name, encoding="utf-8")
    folder = DirectorySource(tmp_path / "d")
    assert [r for b in blocks_of(folder, 2) for r in b.records()] == list(folder)
    records = list(folder)
    blocks = list(blocks_of(iter(records), 2))
    assert [len(b) for b in blocks] == [2, 1]
    assert [r for b in blocks for r in b.records()] == records


@pytest.mark.parametrize("workers", [2, 4])
def test_blocks_for_several_workers_shrink_at_the_end_and_keep_the_records(tmp_path: Path, workers: int) -> None:
    """More workers: the same records in the same order, the last blocks smaller (never below size // 16)."""
    path = tmp_path / "x.jsonl"
    path.write_text("".join(f'{{"id": "r{i}", "text": "{"t" * (i % 13)}"}}\n' + ("\n" if i % 7 == 0 else "")
                            for i in range(1000)), encoding="utf-8")
    folder = tmp_path / "d"
    folder.mkdir()
    for i in range(300):
        (folder / f"{i:04d}.txt").write_text(f"page {i}", encoding="utf-8")
    for source, size in ((JsonlSource(path), 64), (DirectorySource(folder), 32)):
        one = list(blocks_of(source, size))
        many = list(blocks_of(source, size, workers))
        assert [r for b in many for r in b.records()] == [r for b in one for r in b.records()]
        sizes = [len(b) for b in many]
        assert sizes[0] == size and max(sizes) == size
        assert len(many) > len(one) and sizes[-2] < size
        assert min(sizes[:-1]) >= size // 16
        assert sizes[:-1] == sorted(sizes[:-1], reverse=True)


#: lines a scan must cut right: CRLF, blank and white-space lines (one of them CR only, which is not a
#: line end), broken JSON, an error at the end of a line (its position counts the line end), a non-object
#: line, a long line, and a last line without a newline
_AWKWARD = [json.dumps({"id": "a", "text": "one"}).encode() + b"\r", b"", b"  \t", b"\r",
            b'{"id": "b", "text": "two" ', b"{oops", json.dumps({"id": "c", "text": "x" * 5000}).encode(),
            b"\x0b\x0c", b"[1, 2]", json.dumps({"text": "no id", "n": 1}, ensure_ascii=False).encode() + b"\r",
            b"\r\n", b"\xff\xfe not UTF-8",
            json.dumps({"id": "a", "text": "th\u00e9 end"}, ensure_ascii=False).encode()]


def _by_line(data: bytes, path: Path) -> list[RawRecord]:
    """The records of a JSONL file's bytes read line by line, in one process (the reference)."""
    unique = UniqueIds()
    out = []
    for lineno, raw in enumerate(io.BytesIO(data), 1):
        record = jsonl_record(raw, str(path), lineno, "text", "id", {})
        if record is not None:
            out.append(unique(record))
    return out


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 22])
def test_line_ends_cut_at_newlines_only_whatever_the_chunk(chunk: int) -> None:
    data = b"\n".join(_AWKWARD)
    ends = list(line_ends(io.BytesIO(data), chunk))
    expected, offset = [], 0
    for n, raw in enumerate(io.BytesIO(data), 1):
        offset += len(raw)
        expected.append((n, offset, raw.isspace()))
    assert ends == expected
    assert ends[-1][1] == len(data) and not ends[-1][2]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("tail", [b"", b"\n", b"\n\n  \n"])
def test_byte_ranges_give_the_records_of_a_reading_line_by_line(tmp_path: Path, size: int, workers: int,
                                                                tail: bytes) -> None:
    """Blocks are byte ranges read apart (as in worker processes): across their boundaries, the same
    records as one reading line by line; broken lines are records with an error (recorded skips)."""
    path = tmp_path / "x.jsonl"
    data = b"\n".join(_AWKWARD * 3) + tail
    path.write_bytes(data)
    blocks = list(blocks_of(JsonlSource(path), size, workers))
    assert all(isinstance(b, JsonlRange) for b in blocks)
    assert [b.start for b in blocks[1:]] == [b.end for b in blocks[:-1]] and blocks[0].start == 0
    unique = UniqueIds()
    apart = [unique(r) for b in pickle.loads(pickle.dumps(blocks)) for r in b.records()]
    assert apart == _by_line(data, path) == list(JsonlSource(path))
    assert len(apart) == sum(len(b) for b in blocks) == 3 * 8
    assert sum("broken JSON line" in (r.error or "") for r in apart) == 3 * 3
    assert [r.id for r in apart[:3]] == ["a", "line-5", "line-6"]
    assert apart[0].data == "one" and apart[0].source == f"{path}:1"


def test_a_range_read_after_the_file_changed_length_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps({"id": f"r{i}", "text": f"page {i}"}) + "\n" for i in range(10)))
    blocks = list(blocks_of(JsonlSource(path), 4))
    path.write_text("".join(json.dumps({"id": f"r{i}", "text": f"page {i}!"}) + "\n" for i in range(10)))
    with pytest.raises(InputError, match="changed length"):
        for block in blocks:
            block.records()


def test_a_pipe_is_read_once_with_its_lines_carried_by_the_blocks(tmp_path: Path) -> None:
    path = tmp_path / "fifo.jsonl"
    os.mkfifo(path)
    data = b"\n".join(_AWKWARD)
    writer = threading.Thread(target=path.write_bytes, args=(data,))
    writer.start()
    try:
        unique = UniqueIds()
        records = [unique(r) for b in blocks_of(JsonlSource(path), 4, 2) for r in b.records()]
    finally:
        writer.join()
    assert records == _by_line(data, path)
