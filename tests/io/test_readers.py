from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.errors import UsageError
from cleaner.io.readers import DirectorySource, JsonlSource, UniqueIds, blocks_of, open_source
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
