"""The SQLite index: incremental dedup across runs, persistence, parameter checks, corrupt files."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cleaner.dedup import Deduper, DedupParams, DupInfo, compute_signatures
from cleaner.errors import ModelError


def run(texts: dict[str, str], index: Path, params: DedupParams | None = None) -> list[DupInfo]:
    params = params or DedupParams()
    d = Deduper(params, index=index)
    values = list(texts.values())
    d.add(list(texts), compute_signatures(values, params), [len(t) for t in values], [1.0] * len(values))
    return d.resolve()


def test_incremental_dedup_across_runs(tmp_path: Path, seed_pages: dict[str, str]) -> None:
    index = tmp_path / "dedup.sqlite"
    pages = list(seed_pages.values())
    first = run({"a": pages[0], "b": pages[1], "b2": pages[1]}, index)
    assert [v.duplicate_of for v in first] == [None, None, "b"]
    size_after_first = index.stat().st_size
    assert sqlite3.connect(index).execute("SELECT count(*) FROM docs").fetchone()[0] == 2  # survivors only
    # A later run: copies of indexed pages are duplicates of them, new pages are survivors.
    second = run({"c": pages[2], "a-copy": pages[0], "b-copy": pages[1] + " tail"}, index)
    assert [v.duplicate_of for v in second] == [None, "a", "b"]
    assert second[1].similarity == 1.0 and second[2].cluster == "b"
    assert index.stat().st_size >= size_after_first
    # Third run: the page indexed in the second run is found; a rerun of an indexed id is itself.
    third = run({"c-copy": pages[2], "a": pages[0]}, index)
    assert [v.duplicate_of for v in third] == ["c", None]
    assert sqlite3.connect(index).execute("SELECT count(*) FROM docs").fetchone()[0] == 3


def test_params_mismatch_is_a_clear_error(tmp_path: Path, seed_pages: dict[str, str]) -> None:
    index = tmp_path / "i.sqlite"
    run({"a": next(iter(seed_pages.values()))}, index)
    for params in (DedupParams(num_perm=64), DedupParams(seed=2), DedupParams(ngram=3), DedupParams(threshold=0.5)):
        with pytest.raises(ModelError, match="other parameters"):
            Deduper(params, index=index)


def test_corrupt_or_crafted_files_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ModelError):
        Deduper(DedupParams(), index=garbage)
    crafted = tmp_path / "crafted.sqlite"
    conn = sqlite3.connect(crafted)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("CREATE TABLE docs (rowid INTEGER PRIMARY KEY, idkey INTEGER NOT NULL, id TEXT NOT NULL, "
                 "sig BLOB NOT NULL)")
    conn.execute("CREATE INDEX docs_idkey ON docs (idkey)")
    conn.execute("CREATE TABLE bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) "
                 "WITHOUT ROWID")
    conn.execute("CREATE TRIGGER t AFTER INSERT ON docs BEGIN DELETE FROM meta; END")
    conn.commit()
    conn.close()
    with pytest.raises(ModelError, match="schema"):
        Deduper(DedupParams(), index=crafted)


def test_malformed_signature_blob_is_refused(tmp_path: Path, seed_pages: dict[str, str]) -> None:
    index = tmp_path / "i.sqlite"
    page = next(iter(seed_pages.values()))
    run({"a": page}, index)
    conn = sqlite3.connect(index)
    conn.execute("UPDATE docs SET sig = x'00'")
    conn.commit()
    conn.close()
    with pytest.raises(ModelError, match="malformed"):
        run({"b": page}, index)


def test_failed_write_leaves_the_index_unchanged(tmp_path: Path, seed_pages: dict[str, str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "i.sqlite"
    pages = list(seed_pages.values())
    run({"a": pages[0]}, index)
    from cleaner.dedup import index as index_module

    def boom(*args: object) -> None:
        raise RuntimeError("crash while writing bands")

    original = index_module.np.lexsort
    monkeypatch.setattr(index_module.np, "lexsort", boom)
    with pytest.raises(RuntimeError):
        run({"b": pages[1]}, index)
    monkeypatch.setattr(index_module.np, "lexsort", original)
    conn = sqlite3.connect(index)
    assert conn.execute("SELECT id FROM docs").fetchall() == [("a",)]
    assert conn.execute("SELECT count(DISTINCT doc) FROM bands").fetchone()[0] == 1
