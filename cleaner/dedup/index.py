"""A SQLite index of survivor signatures and their band keys, for dedup across runs.

Layout (format ``cleaner-dedup-index`` version 1):

- ``meta(key, value)``: format, version, and the parameters that shape signatures and bands.
- ``docs(rowid, idkey, id, sig BLOB)``: one row per indexed survivor; ``sig`` is ``num_perm``
  little-endian uint32; ``idkey`` (indexed) is a 64-bit hash of ``id``, smaller than an index on
  the id text itself.
- ``bands(key, doc) WITHOUT ROWID``: one row per band of each document; ``key`` is 31 bits so it is
  stored in 4 bytes.  Key collisions only add candidates, which are verified.

Nothing in the file is executed: the schema is checked against the expected tables before use (a
file with triggers or views is refused), ``trusted_schema`` is off, and signatures are plain blobs.
Every write happens in one transaction, so an interrupted run leaves the index as it was.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError

FORMAT = "cleaner-dedup-index"
VERSION = 1
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE docs (rowid INTEGER PRIMARY KEY, idkey INTEGER NOT NULL, id TEXT NOT NULL, sig BLOB NOT NULL)",
    "CREATE INDEX docs_idkey ON docs (idkey)",
    "CREATE TABLE bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID",
)
_EXPECTED_OBJECTS = {("table", "meta"), ("table", "docs"), ("table", "bands"),
                     ("index", "sqlite_autoindex_meta_1"), ("index", "docs_idkey")}
_CHUNK = 20000


class SignatureIndex:
    """An open index file; use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path, layout: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.layout = dict(layout)
        self.num_perm = int(self.layout["num_perm"])
        existed = self.path.exists() and self.path.stat().st_size > 0
        try:
            self._conn = sqlite3.connect(str(self.path), isolation_level=None)
        except sqlite3.Error as exc:
            raise ModelError(f"cannot open dedup index {self.path}: {exc}") from exc
        try:
            self._conn.execute("PRAGMA trusted_schema = OFF")
            if existed:
                self._check()
            else:
                self._create()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise ModelError(f"{self.path} is not a readable dedup index ({exc}); "
                             "point --index at another file or delete this one") from exc
        except ModelError:
            self._conn.close()
            raise

    def __enter__(self) -> SignatureIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def _create(self) -> None:
        with self._transaction():
            for statement in _SCHEMA:
                self._conn.execute(statement)
            meta = {"format": FORMAT, "version": str(VERSION), "params": json.dumps(self.layout, sort_keys=True)}
            self._conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())

    def _check(self) -> None:
        objects = {(t, n) for t, n in self._conn.execute("SELECT type, name FROM sqlite_master")}
        if objects != _EXPECTED_OBJECTS:
            raise ModelError(f"{self.path} is not a cleaner dedup index (unexpected schema objects: "
                             f"{sorted(objects ^ _EXPECTED_OBJECTS)}); use another --index file")
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT or meta.get("version") != str(VERSION):
            raise ModelError(f"{self.path} is not a version-{VERSION} cleaner dedup index "
                             f"(format {meta.get('format')!r}, version {meta.get('version')!r})")
        try:
            stored = json.loads(meta.get("params", ""))
        except ValueError as exc:
            raise ModelError(f"{self.path}: unreadable parameters in the dedup index") from exc
        if stored != self.layout:
            diff = {k: (stored.get(k) if isinstance(stored, dict) else None, v) for k, v in self.layout.items()
                    if not isinstance(stored, dict) or stored.get(k) != v}
            raise ModelError(f"dedup index {self.path} was built with other parameters (index vs now: {diff}); "
                             "rerun with the index's parameters or start a new index file")

    def _transaction(self) -> _Tx:
        return _Tx(self._conn)

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    def rowids_of(self, ids: Iterable[str]) -> dict[str, int]:
        """The rowids of those ``ids`` that are indexed."""
        wanted = {_idkey(i): i for i in ids}
        found: dict[str, int] = {}
        keys = list(wanted)
        for lo in range(0, len(keys), 500):
            part = keys[lo:lo + 500]
            query = f"SELECT idkey, id, rowid FROM docs WHERE idkey IN ({','.join('?' * len(part))})"
            for key, doc_id, rowid in self._conn.execute(query, part):
                if wanted.get(key) == doc_id:
                    found[str(doc_id)] = int(rowid)
        return found

    def candidates(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs ``(row of keys, indexed rowid)`` sharing a stored band key; ``keys`` is int64 ``[n, bands]``."""
        rows, docs = [], []
        cur = self._conn.cursor()
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS probe (key INTEGER NOT NULL, row INTEGER NOT NULL)")
        flat_rows = np.repeat(np.arange(keys.shape[0], dtype=np.int64), keys.shape[1])
        flat_keys = keys.reshape(-1)
        for lo in range(0, len(flat_keys), _CHUNK * 10):
            with self._transaction():  # one transaction, not one per probe row
                cur.execute("DELETE FROM probe")
                cur.executemany("INSERT INTO probe VALUES (?, ?)",
                                zip(flat_keys[lo:lo + _CHUNK * 10].tolist(), flat_rows[lo:lo + _CHUNK * 10].tolist(),
                                    strict=True))
                query = "SELECT DISTINCT probe.row, bands.doc FROM probe JOIN bands ON bands.key = probe.key"
                for r, d in cur.execute(query):
                    rows.append(r)
                    docs.append(d)
        cur.execute("DROP TABLE probe")
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        codes = np.unique(np.array(rows, dtype=np.int64) << 32 | np.array(docs, dtype=np.int64))
        return codes >> 32, codes & 0xFFFFFFFF

    def signatures(self, rowids: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Ids and signatures ``[len(rowids), num_perm]`` of indexed documents, in the order given."""
        rowids = np.asarray(rowids, dtype=np.int64)
        out = np.empty((len(rowids), self.num_perm), dtype=np.uint32)
        ids: list[str] = [""] * len(rowids)
        position = {int(r): k for k, r in enumerate(rowids)}
        plain = rowids.tolist()
        for lo in range(0, len(plain), 500):
            part = plain[lo:lo + 500]
            query = f"SELECT rowid, id, sig FROM docs WHERE rowid IN ({','.join('?' * len(part))})"
            for rowid, doc_id, sig in self._conn.execute(query, part):
                if not isinstance(sig, bytes) or len(sig) != 4 * self.num_perm or not isinstance(doc_id, str):
                    raise ModelError(f"dedup index {self.path} holds a malformed signature (row {rowid}); "
                                     "the file is corrupt, start a new index")
                k = position[int(rowid)]
                out[k] = np.frombuffer(sig, dtype="<u4")
                ids[k] = doc_id
        return ids, out

    def insert(self, ids: list[str], signatures: np.ndarray, keys: np.ndarray) -> None:
        """Add documents (ids not yet indexed) with their signatures and stored band keys, atomically."""
        if not ids:
            return
        sigs = np.ascontiguousarray(signatures, dtype="<u4")
        with self._transaction():
            cur = self._conn.cursor()
            start = int(cur.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0]) + 1
            rowids = list(range(start, start + len(ids)))
            cur.executemany("INSERT INTO docs (rowid, idkey, id, sig) VALUES (?, ?, ?, ?)",
                            zip(rowids, (_idkey(i) for i in ids), ids, (row.tobytes() for row in sigs), strict=False))
            flat_docs = np.repeat(np.array(rowids, dtype=np.int64), keys.shape[1])
            flat_keys = keys.reshape(-1)
            order = np.lexsort((flat_docs, flat_keys))  # sorted inserts keep the B-tree pages full
            cur.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                            zip(flat_keys[order].tolist(), flat_docs[order].tolist(), strict=False))


def _idkey(doc_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "little", signed=True)


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on an exception (the connection is in autocommit mode)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")
