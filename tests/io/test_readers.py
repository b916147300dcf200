from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.errors import UsageError
from cleaner.io.readers import DirectorySource, JsonlSource, open_source
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
