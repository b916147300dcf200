"""Shingles spooled to per-process files: read back equal to the stored ones, removed after every run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from dedup_helpers import variants

from cleaner.config import CleanerConfig
from cleaner.dedup import Deduper, DedupParams
from cleaner.dedup.minhash import signatures_and_shingles
from cleaner.dedup.spool import ShingleSpool, SpoolWriter, remove_orphans
from cleaner.dedup.verify import ShingleStore
from cleaner.io.readers import JsonlSource
from cleaner.pipeline import clean


def test_spooled_batches_read_back_as_the_stored_sets(tmp_path: Path) -> None:
    params = DedupParams()
    texts = variants(9) + ["", "one two"]
    _, first = signatures_and_shingles(texts[:5], params)
    _, second = signatures_and_shingles(texts[5:], params)
    spooled, kept = ShingleStore(), ShingleStore()
    with ShingleSpool(str(tmp_path)) as spool:
        writers = [SpoolWriter(spool.folder), SpoolWriter(spool.folder)]  # two processes' files
        spooled.add_missing(2)
        kept.add_missing(2)
        for writer, batch in zip(writers, (first, second), strict=True):
            spooled.add_spooled(writer.write(batch))
            kept.add_batch(batch)
        assert len(os.listdir(spool.folder)) == 2
        assert len(spooled) == len(kept) == 2 + len(texts)
        rows = np.arange(len(texts) + 3)
        assert spooled.has(rows).tolist() == kept.has(rows).tolist()
        for i in range(2, 2 + len(texts)):
            assert np.array_equal(spooled.get(i), kept.get(i))
        assert np.array_equal(spooled.get(2), np.unique(first.hashes[first.offsets[0]:first.offsets[1]]))
        spooled.close()
        kept.close()
        for writer in writers:
            writer.close()
    assert not Path(spool.folder).exists()


def test_deduper_verdicts_equal_with_spooled_or_passed_shingles(tmp_path: Path) -> None:
    params = DedupParams(exact_verify=True)
    texts = variants(24, seed=3)
    verdicts = []
    with ShingleSpool(str(tmp_path)) as spool:
        writer = SpoolWriter(spool.folder)
        for spooled in (False, True):
            d = Deduper(params)
            for lo in range(0, len(texts), 7):
                part = texts[lo:lo + 7]
                sigs, batch = signatures_and_shingles(part, params)
                d.add([f"d{lo + k}" for k in range(len(part))], sigs, [len(t) for t in part], [1.0] * len(part),
                      shingles=writer.write(batch) if spooled else batch)
            verdicts.append(d.resolve())
            assert d.exact_pairs > 0
        writer.close()
    assert verdicts[0] == verdicts[1]
    assert any(v.duplicate_of for v in verdicts[0]) and any(v.duplicate_of is None for v in verdicts[0][1:])


def test_orphan_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f"cleaner-shingles-{int(dead.stdout)}-abc123"
    live = tmp_path / f"cleaner-shingles-{os.getppid()}-def456"
    other = tmp_path / "cleaner-shingles-notapid"
    recent = tmp_path / f"cleaner-shingles-{int(dead.stdout)}-recent"  # a run in another PID namespace?
    hour_ago = time.time() - 3700
    for folder in (orphan, live, other, recent):
        folder.mkdir()
        (folder / "x.u64").write_bytes(b"\0" * 8)
        if folder is not recent:
            os.utime(folder / "x.u64", (hour_ago, hour_ago))
            os.utime(folder, (hour_ago, hour_ago))
    assert remove_orphans(str(tmp_path)) == 1
    assert not orphan.exists() and live.exists() and other.exists() and recent.exists()


def _corpus(path: Path, n: int = 300) -> Path:
    texts = variants(40, seed=5)
    rows = [{"id": f"p{i}", "text": texts[i % len(texts)] + f" page {i}"} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _spool_folders(root: Path) -> list[str]:
    return [name for name in os.listdir(root) if name.startswith("cleaner-shingles-")]


def _verdicts(src: Path, jobs: int) -> list[tuple[str, str, str | None, float | None]]:
    config = CleanerConfig(strip=False, jobs=jobs, batch_size=64)
    return [(o.result.document.id, o.result.status, o.result.duplicate_of, o.result.similarity)
            for o in clean(JsonlSource(src), config)]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_runs_leave_no_spool_and_give_the_same_verdicts_for_any_jobs(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      jobs: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    src = _corpus(tmp_path / "pages.jsonl")
    got = _verdicts(src, jobs)
    assert _spool_folders(temp) == []
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert got == _verdicts(src, 1)
    assert sum(status == "duplicate" for _, status, _, _ in got) > 50


def test_spawned_workers_spool_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the folder's path crosses to the workers: a spawned pool (no fork) gives the same verdicts."""
    from cleaner import pipeline

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(pipeline, "_start_method", lambda: "spawn")
    src = _corpus(tmp_path / "pages.jsonl", 200)
    got = _verdicts(src, 2)
    assert _spool_folders(temp) == []
    monkeypatch.undo()
    assert got == _verdicts(src, 1)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("error", [_Stop, KeyboardInterrupt])
def test_a_failed_run_leaves_no_spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int,
                                      error: type[BaseException]) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    src = _corpus(tmp_path / "pages.jsonl")
    seen: list[int] = []

    def progress(stage: str, n: int) -> None:
        seen.append(n)
        if stage == "clean" and len(seen) == 2:  # mid first pass: spool files exist by now
            assert any(os.listdir(temp / name) for name in _spool_folders(temp))
            raise error()

    with pytest.raises(error):
        list(clean(JsonlSource(src), CleanerConfig(strip=False, jobs=jobs, batch_size=64), progress))
    assert _spool_folders(temp) == []
