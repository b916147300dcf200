"""Unicode lookup tables kept on disk between runs.

The fold and character-class tables come from the Unicode database of the running Python, in places
one code point at a time: about 0.3 s of every process's start, which a pre-commit hook run on a few
files pays in full. Loading a stored copy takes milliseconds.

A stored table's file name holds all it depends on: the table's name, the Unicode version of this
Python and a digest of the module that builds it, so a new Python or a changed builder builds it anew;
storing a copy removes the other versions' copies of that table.
The folder is ``$CLEANER_CACHE_DIR`` (set it empty to keep nothing on disk), else
``$XDG_CACHE_HOME/cleaner`` or ``~/.cache/cleaner``. A folder that cannot be written, or a damaged
file, only costs the build.
"""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np

from ..io.writers import atomic_write_bytes

#: environment variable naming the folder of stored tables ("" keeps none)
CACHE_ENV = "CLEANER_CACHE_DIR"


def cache_dir() -> Path | None:
    """The folder of stored tables, or None when the user turned storing off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner"


@cache
def _digest(source: str) -> str:
    return hashlib.sha256(Path(source).read_bytes()).hexdigest()[:16]


def stored_table(name: str, source: str, build: Callable[[], np.ndarray], shape: tuple[int, ...],
                 dtype: type) -> np.ndarray:
    """``build()``, read from the copy an earlier run stored when there is one of this ``shape`` and ``dtype``.

    ``source`` is the file of the module whose code builds the table.
    """
    folder = cache_dir()
    try:
        path = None if folder is None else folder / f"{name}-u{unicodedata.unidata_version}-{_digest(source)}.npy"
    except OSError:  # the builder's source is not readable (a frozen app): nothing to key the copy on
        path = None
    if path is not None:
        try:
            table: np.ndarray = np.load(path, allow_pickle=False)
            if table.shape == shape and table.dtype == dtype:
                return table
        except (OSError, ValueError, EOFError):
            pass
    table = build()
    if path is not None:
        _store(path, name, table)
    return table


def _store(path: Path, name: str, table: np.ndarray) -> None:
    """Write ``table`` to ``path`` whole or not at all (several processes may store it at once), then remove
    the copies other versions stored under the same table name."""
    data = io.BytesIO()
    np.save(data, table, allow_pickle=False)
    try:
        atomic_write_bytes(path, data.getvalue())
    except OSError:
        return
    for old in path.parent.glob(f"{name}-u*.npy"):  # copies of other versions: the folder keeps one of each table
        if old != path:
            try:
                old.unlink()
            except OSError:
                pass
