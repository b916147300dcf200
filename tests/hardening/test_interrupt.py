"""Interruption: SIGKILL or Ctrl-C in the middle of a run, then the same command again.

What must hold: no output is ever visible half-written (a file under its final name is complete);
leftover temp files are dot-prefixed ``.name.XXXXXXXX.tmp`` and a rerun removes them; the rerun
gives byte-identical outputs and log to an uninterrupted run; Ctrl-C exits 130 with a message and
no traceback, and leaves no temp files behind.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hardening_helpers import ROOT, corpus, snapshot, write_dir, write_jsonl  # type: ignore[import-not-found]

N_DOCS = 1200
TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


def _args(src: Path, out: Path) -> list[str]:
    return ["clean", str(src), "-o", str(out), "--jobs", "2", "-q"]


def _start(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Ctrl-C reaches a foreground program with SIGINT at its default; a runner started in the
    # background (nohup, `&`) ignores SIGINT, and that would be inherited here, so reset it.
    return subprocess.Popen([sys.executable, "-m", "cleaner", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
                            preexec_fn=_default_sigint)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _finish(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cleaner", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def _wait_for(out: Path, predicate: str, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    """Wait until the run is in the given phase: 'writing' (some outputs exist) or 'started'."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.stderr.read() if proc.stderr else ''}")
        names = [p.name for p in out.iterdir()] if out.is_dir() else []
        outputs = [n for n in names if not n.startswith(".")]
        if predicate == "started" and ".cleaner-run.json" in names:
            return
        if predicate == "writing" and len(outputs) >= 20:
            return
        time.sleep(0.01)
    pytest.fail("timed out waiting for the run")


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Reap the run and any pool worker it left (workers exit on their own when the parent dies)."""
    try:
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, bytes]]:
    base = tmp_path_factory.mktemp("interrupt")
    src = write_dir(base / "src", corpus(N_DOCS, seed=3))
    ref = base / "ref"
    done = _finish(_args(src, ref))
    assert done.returncode == 0, done.stderr
    return base, src, snapshot(ref)


def _visible_outputs_are_complete(out: Path, ref: dict[str, bytes]) -> list[str]:
    """Every non-temp file is byte-identical to the uninterrupted run's; returns the temp files."""
    temps = []
    for rel, data in snapshot(out).items():
        name = rel.rsplit("/", 1)[-1]
        if TEMP.match(name):
            temps.append(rel)
            continue
        assert rel in ref, f"unexpected file {rel}"
        if rel != ".cleaner-run.json":
            assert data == ref[rel], f"{rel} is visible but not complete"
    return temps


def test_sigkill_while_writing_then_rerun_is_identical(reference: tuple[Path, Path, dict[str, bytes]]) -> None:
    base, src, ref = reference
    out = base / "killed"
    proc = _start(_args(src, out))
    _wait_for(out, "writing", proc)
    os.kill(proc.pid, signal.SIGKILL)
    _kill_group(proc)
    assert proc.returncode == -signal.SIGKILL
    temps = _visible_outputs_are_complete(out, ref)
    assert "provenance.jsonl" not in snapshot(out), "the log must not appear before the run ends"
    assert any(t.startswith(".provenance.jsonl.") for t in temps)  # the unfinished log, dot-prefixed
    again = _finish(_args(src, out))
    assert again.returncode == 0, again.stderr
    assert snapshot(out) == ref  # temp files gone, outputs and log byte-identical


def test_sigkill_jsonl_run_then_rerun_is_identical(tmp_path: Path) -> None:
    rows = [{"id": i, "text": t, "url": f"https://s{int(i[-1]) % 3}.example/{i}"} for i, t in corpus(800, seed=5)]
    src = write_jsonl(tmp_path / "pages.jsonl", rows)
    ref = tmp_path / "ref"
    assert _finish(_args(src, ref)).returncode == 0
    out = tmp_path / "killed"
    proc = _start(_args(src, out))
    _wait_for(out, "started", proc)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    _kill_group(proc)
    temps = _visible_outputs_are_complete(out, snapshot(ref))
    assert "pages.jsonl" not in snapshot(out)
    again = _finish(_args(src, out))
    assert again.returncode == 0, again.stderr
    assert snapshot(out) == snapshot(ref), temps


@pytest.mark.parametrize("phase", ["started", "writing"])
def test_ctrl_c_exits_130_cleanly_and_rerun_finishes(reference: tuple[Path, Path, dict[str, bytes]],
                                                     phase: str) -> None:
    base, src, ref = reference
    out = base / f"interrupted-{phase}"
    proc = _start(_args(src, out))
    _wait_for(out, phase, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group gets SIGINT
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        _kill_group(proc)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    temps = _visible_outputs_are_complete(out, ref)
    assert temps == [], "Ctrl-C must not leave temp files"
    assert "provenance.jsonl" not in snapshot(out)
    again = _finish(_args(src, out))
    assert again.returncode == 0, again.stderr
    assert snapshot(out) == ref
