"""Atomic writers: every output file appears complete or not at all (temp file + rename)."""
from __future__ import annotations

import functools
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import UsageError


def _file_mode() -> int:
    """The mode a plainly created file gets under the current umask (mkstemp would give 0600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


# The temp files made here: ".<final name>.<8 mkstemp chars>.tmp", next to their final file.
_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def remove_stale_temps(folder: Path, name: str | None = None) -> int:
    """Delete temp files a killed run left under ``folder`` (only ``.<name>.*.tmp`` if name is given).

    A SIGKILL'd run cannot clean up after itself; its temp files are never visible under an output's
    name, and the next run of the same command removes them here before it writes.
    """
    removed = 0
    if not folder.is_dir():
        return 0
    for dirpath, _, files in os.walk(folder):
        for fname in files:
            if _TEMP.fullmatch(fname) and (name is None or fname.startswith(f".{name}.")):
                try:
                    os.unlink(os.path.join(dirpath, fname))
                    removed += 1
                except FileNotFoundError:
                    pass
        if name is not None:
            break
    return removed


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder, fsync'd, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


_DRIVE = re.compile(r"[A-Za-z]:")  # "C:", "c:x": a Windows drive; "10:30 news.txt" is a plain name


def confined_path(root: Path, rel: str) -> Path:
    """``root / rel``, refusing anything that would land outside ``root`` (``..``, absolute, drive)."""
    # A backslash is a separator only on Windows; on POSIX it is an ordinary character of a file
    # name, and translating it would map "a\\b.txt" and "a/b.txt" onto the same output.
    parts = PurePosixPath(rel.replace("\\", "/") if os.sep == "\\" else rel).parts
    if (not parts or "\x00" in rel or rel.startswith(("/", "\\")) or any(p in ("..", "") for p in parts)
            or _DRIVE.match(parts[0])):
        raise UsageError(f"refusing to write outside the output folder: {rel!r}")
    target = (root / Path(*parts)).resolve()
    if not target.is_relative_to(root.resolve()):
        raise UsageError(f"refusing to write outside the output folder: {rel!r}")
    return target


# Line breaks that str.splitlines() and some JSON readers honour but json.dumps leaves raw with
# ensure_ascii=False: escaped so that one record is always exactly one line for every reader.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_text(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` as JSON: UTF-8 text kept readable, but no character any reader takes as a line break."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, default=default)
    if "\x85" in text or "\u2028" in text or "\u2029" in text:  # rare; translate scans slowly
        text = text.translate(_LINE_BREAKS)
    return text


def json_line(record: dict[str, Any], default: Callable[[Any], Any] | None = None) -> str:
    """One JSON Lines record (see :func:`json_text`), with its newline."""
    return json_text(record, default) + "\n"


class _Hole:
    """A value of a JSON record that only the writer can fill in (see :func:`json_pieces`)."""

    def __repr__(self) -> str:
        return "HOLE"


HOLE = _Hole()


def json_pieces(record: dict[str, Any], holes: int) -> tuple[bytes, ...]:
    """``json_line(record)`` in UTF-8, cut at its ``holes`` HOLE values: ``holes + 1`` pieces to join around them.

    Each HOLE is encoded as a random marker string, checked to occur in the line exactly where the
    holes are (a page's text could hold anything), then the line is split at the markers.
    """
    if not holes:
        return (json_line(record).encode("utf-8"),)
    while True:
        marker = f"\x00hole:{secrets.token_hex(16)}\x00"
        line = json_line(record, default=functools.partial(_encode_hole, marker)).encode("utf-8")
        pieces = tuple(line.split(json.dumps(marker).encode("ascii")))
        if len(pieces) == holes + 1:
            return pieces


def _encode_hole(marker: str, value: Any) -> Any:
    if value is HOLE:
        return marker
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class AtomicLines:
    """A text file written line by line into a temp file and renamed into place on ``commit()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, _file_mode())
        self._fh = os.fdopen(fd, "wb")
        self.count = 0

    def write_json(self, record: dict[str, Any]) -> int:
        """Append one JSON record; returns its 0-based row number."""
        self._fh.write(json_line(record).encode("utf-8"))
        self.count += 1
        return self.count - 1

    def write_line(self, line: bytes) -> None:
        """Append one line as :func:`json_line` makes it, UTF-8 encoded (with its newline)."""
        self._fh.write(line)
        self.count += 1

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass
