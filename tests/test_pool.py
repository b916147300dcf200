"""The local engine's process pool: its worker-keeping thread waits instead of spinning on results."""
from __future__ import annotations

import multiprocessing as mp
import multiprocessing.pool
import threading
import time

import pytest

from cleaner.pipeline import _Pool


def _big(k: int) -> bytes:
    return bytes([k % 256]) * (8 << 20)


def _slow(k: int) -> int:
    time.sleep(0.05)
    return k


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_large_results_do_not_wake_the_worker_thread(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """The standard pool's worker thread loops while a result waits in the pipe (thousands of turns here)."""
    if method not in mp.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    turns = [0]
    wait = multiprocessing.pool.Pool._wait_for_updates

    def counted(*args: object, **kwargs: object) -> None:
        turns[0] += 1
        wait(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(multiprocessing.pool.Pool, "_wait_for_updates", staticmethod(counted))
    with _Pool(2, context=mp.get_context(method)) as pool:
        sizes = [len(r) for r in pool.imap(_big, range(12))]
        pool.close()
        pool.join()
    assert sizes == [8 << 20] * 12
    assert turns[0] < 20


def test_close_join_and_terminate_end_the_pool() -> None:
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    pool = _Pool(2, context=ctx)
    assert list(pool.imap(_slow, range(10))) == list(range(10))
    pool.close()
    done = threading.Thread(target=pool.join)
    done.start()
    done.join(10)
    assert not done.is_alive()
    pool = _Pool(2, context=ctx)
    results = pool.imap(_slow, range(1000))
    next(results)
    pool.terminate()
    done = threading.Thread(target=pool.join)
    done.start()
    done.join(10)
    assert not done.is_alive()


def _tables_in_worker() -> tuple[int, int]:
    from cleaner.dedup.shingle import _casefold_table
    from cleaner.text.fingerprint import codepoint_table

    return codepoint_table.cache_info().currsize, _casefold_table.cache_info().currsize


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="no fork start method here")
def test_forked_workers_share_the_fold_tables_built_before_the_fork() -> None:
    from cleaner.config import CleanerConfig
    from cleaner.dedup.shingle import _casefold_table
    from cleaner.pipeline import _Engine
    from cleaner.text.fingerprint import codepoint_table

    codepoint_table.cache_clear()
    _casefold_table.cache_clear()
    with _Engine(CleanerConfig(jobs=2, strip=False), None, None) as engine:
        assert engine._pool.apply(_tables_in_worker) == (1, 1)  # built: the worker need not build them


def test_without_fork_the_pool_spawns(monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner import pipeline

    monkeypatch.setattr(pipeline.mp, "get_all_start_methods", lambda: ["spawn"])
    assert pipeline._start_method() == "spawn"
