"""Shingle hashes written where they are made: per-process files in one temporary folder per run.

Worker processes shingle their own blocks.  Sending every kept page's shingle hashes back to the
main process (about 3.6 KB per page) only to store them in a file costs pipe traffic and main-process
CPU, and only the few documents of candidate pairs near the threshold are ever read again.  So each
process appends its batches to its own file in the run's :class:`ShingleSpool` folder and returns a
:class:`SpooledBatch` (file name, start, offsets: a few bytes per document); the main process's
:class:`.verify.ShingleStore` reads back only what it needs.

The folder goes away when the spool is closed (the caller closes it in a ``finally``, so an exception
or Ctrl-C removes it).  A run killed outright (SIGKILL) cannot clean up: its folder is named after its
process id, and the next spool removes folders of processes that no longer exist.  Only a folder path
crosses to the workers, so this works under any multiprocessing start method.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .shingle import ShingleBatch

__all__ = ["ShingleSpool", "SpoolWriter", "SpooledBatch"]

_PREFIX = "cleaner-shingles-"
_FOLDER = re.compile(re.escape(_PREFIX) + r"(\d+)-\w+")


@dataclass(frozen=True)
class SpooledBatch:
    """Where a batch's shingle hashes were written: document ``i`` is uint64 values
    ``start + offsets[i]`` to ``start + offsets[i + 1]`` of file ``path``."""

    path: str
    start: int  # in uint64 values from the start of the file
    offsets: np.ndarray  # int64 [n_docs + 1], as in the ShingleBatch

    def __len__(self) -> int:
        return len(self.offsets) - 1


class SpoolWriter:
    """Appends batches to one file of a spool folder; one writer per process (it opens its file lazily)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._fh: io.FileIO | None = None
        self._path = ""
        self._written = 0  # uint64 values

    def write(self, batch: ShingleBatch) -> SpooledBatch:
        """Append ``batch`` to this process's file; the data is in the file (not a buffer) on return."""
        if self._fh is None:
            fd, self._path = tempfile.mkstemp(suffix=".u64", dir=self.folder)
            self._fh = io.FileIO(fd, "wb")  # unbuffered: a pool worker may end by os._exit
        hashes = np.ascontiguousarray(batch.hashes, dtype=np.uint64)
        view = hashes.data.cast("B")
        while view:  # a raw write may write less than asked
            view = view[self._fh.write(view) or 0:]
        spooled = SpooledBatch(self._path, self._written, np.asarray(batch.offsets, dtype=np.int64))
        self._written += len(hashes)
        return spooled

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class ShingleSpool:
    """A temporary folder for one run's spooled shingles; :meth:`close` removes it with its files."""

    def __init__(self, parent: str | None = None) -> None:
        parent = parent or tempfile.gettempdir()
        remove_orphans(parent)
        self.folder = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=parent)

    def __enter__(self) -> ShingleSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


#: a folder is an orphan only when nothing in it changed for this long: a process id says nothing about a
#: run in another PID namespace (a container) sharing the temporary folder
ORPHAN_AGE_S = 3600.0


def remove_orphans(parent: str, min_age_s: float = ORPHAN_AGE_S) -> int:
    """Remove spool folders under ``parent`` whose process no longer runs (left by a killed run) and whose
    files have not changed for ``min_age_s`` seconds.

    POSIX only: elsewhere a process cannot be probed harmlessly, and nothing is removed.
    """
    removed = 0
    if os.name != "posix":
        return 0
    try:
        names = os.listdir(parent)
    except OSError:
        return 0
    for name in names:
        match = _FOLDER.fullmatch(name)
        if match is None or _running(int(match.group(1))):
            continue
        path = Path(parent, name)
        try:
            if path.is_dir() and not path.is_symlink() and path.stat().st_uid == os.getuid() \
                    and time.time() - _last_change(path) >= min_age_s:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def _last_change(folder: Path) -> float:
    """The latest modification time of ``folder`` and the files in it."""
    return max([folder.stat().st_mtime, *(f.stat().st_mtime for f in folder.iterdir())])


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (``True`` when that cannot be told, so nothing is removed)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True
