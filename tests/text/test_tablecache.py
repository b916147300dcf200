"""Lookup tables stored on disk: built once, read back equal, rebuilt when damaged or when their builder changes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cleaner.boilerplate import features
from cleaner.text import fingerprint, tablecache
from cleaner.text.tablecache import CACHE_ENV, cache_dir, stored_table


class Builder:
    """Counts its builds."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        return np.arange(1000, dtype=np.uint32) * 3


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "tables"))
    return tmp_path / "tables"


def _table(build: Builder, source: Path = Path(fingerprint.__file__)) -> np.ndarray:
    return stored_table("t", str(source), build, (1000,), np.uint32)


def test_a_table_is_built_once_then_read_back_equal(folder: Path) -> None:
    build = Builder()
    first, second = _table(build), _table(build)
    assert build.calls == 1
    assert np.array_equal(first, second) and second.dtype == np.uint32
    assert len(list(folder.glob("t-u*.npy"))) == 1
    assert not list(folder.glob(".*"))  # no temporary file left


@pytest.mark.parametrize("damage", [b"", b"\x93NUMPY garbage", None])
def test_a_damaged_or_foreign_file_is_rebuilt(folder: Path, damage: bytes | None) -> None:
    build = Builder()
    _table(build)
    (path,) = folder.glob("t-u*.npy")
    if damage is None:
        np.save(path, np.zeros(5, dtype=np.float64))  # a valid file of another shape and type
    else:
        path.write_bytes(damage)
    assert np.array_equal(_table(build), Builder()())
    assert build.calls == 2
    assert np.array_equal(np.load(path), Builder()())  # stored again, whole


def test_a_changed_builder_builds_anew(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "builder.py"
    source.write_text("VERSION = 1\n")
    build = Builder()
    _table(build, source)
    source.write_text("VERSION = 2\n")
    tablecache._digest.cache_clear()
    _table(build, source)
    assert build.calls == 2
    assert len(list(folder.glob("t-u*.npy"))) == 1  # the other version's copy is gone


def test_storing_turned_off_or_impossible_only_costs_the_build(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_dir() is None
    build = Builder()
    _table(build)
    _table(build)
    assert build.calls == 2
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "tables"))
    assert np.array_equal(_table(build), Builder()())
    assert build.calls == 3


def test_default_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "cleaner"


@pytest.mark.parametrize("get,build", [
    (fingerprint.codepoint_table, fingerprint._build_codepoint_table),
    (fingerprint.casefold_table, fingerprint._build_casefold_table),
    (fingerprint.nfkc_stable_table, fingerprint._build_nfkc_stable_table),
    (lambda: np.stack(features.char_tables()), features._build_char_tables),
    (features.lower_table, features._build_lower_table),
])
def test_the_tables_in_use_equal_a_fresh_build(get, build) -> None:  # type: ignore[no-untyped-def]
    assert np.array_equal(get(), build())


def test_a_new_process_reads_the_stored_tables(folder: Path) -> None:
    code = ("from cleaner.text import fingerprint as f; from cleaner.boilerplate import features as b; "
            "f.casefold_table(); f.nfkc_stable_table(); b.char_tables(); b.lower_table()")
    env_run = {**os.environ, CACHE_ENV: str(folder)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env_run)
    stored = {p.name.split("-u")[0] for p in folder.glob("*.npy")}
    assert stored == {"codepoint", "casefold", "nfkc-stable", "char-classes", "lower"}
    stamp = {p: p.stat().st_mtime_ns for p in folder.glob("*.npy")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env_run)
    assert {p: p.stat().st_mtime_ns for p in folder.glob("*.npy")} == stamp  # read, not written again
