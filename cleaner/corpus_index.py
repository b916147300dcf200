"""The corpus index committed in a data repository, for the pre-commit hook: ``.cleaner/`` by default.

``index.jsonl`` is text that diffs well in git: a header line, then one line per document sorted by
path, ``{"path", "sha256", "chars", "minhash"}``.  ``minhash`` is the base64 of the document's MinHash
signature (``num_perm`` little-endian uint32, 684 characters at 128) made by
:func:`cleaner.dedup.compute_signatures` on the *stripped* text, as the pipeline does; ``sha256`` is of
the file bytes, so an unchanged file is not signed again.  Adding a page adds one line; changing one
changes one line.  ``templates.json`` holds the site templates learned from the corpus
(:meth:`TemplateStats.to_dict`), so the hook strips a new page with the counts of the whole corpus.

Why the hook compares through the core ``Deduper`` (LSH band keys, then verification by signature
agreement ≥ threshold) rather than by brute force: it is the one dedup step of the project, and it
stays near-linear for large repositories; loading the index costs about 1 KB of text per document.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .boilerplate import Stripper, TemplateStats
from .config import CleanerConfig
from .dedup import DedupParams, compute_signatures
from .errors import ModelError
from .io.readers import DirectorySource, RawRecord
from .io.writers import atomic_write_bytes
from .pipeline import fit_templates, load_model, prepare

INDEX_DIR = ".cleaner"
INDEX_FILE = "index.jsonl"
TEMPLATES_FILE = "templates.json"
VERSION = 1

__all__ = ["INDEX_DIR", "CorpusIndex", "Entry", "build_index", "make_stripper", "sign_files", "signature_params"]


def signature_params(params: DedupParams) -> dict[str, Any]:
    """What must match for signatures to be comparable (the threshold may change freely)."""
    out: dict[str, Any] = {"num_perm": params.num_perm, "ngram": params.ngram, "char_ngrams": params.char_ngrams,
                           "seed": params.seed}
    layout = getattr(params, "layout", None)
    if callable(layout):
        out["hash"] = layout().get("hash")
    return out


@dataclass(frozen=True)
class Entry:
    """One indexed document: its path (relative to the index root), file sha256, stripped length, signature."""

    path: str
    sha256: str
    chars: int
    signature: np.ndarray

    def to_json(self) -> dict[str, Any]:
        sig = base64.b64encode(np.asarray(self.signature, dtype="<u4").tobytes()).decode("ascii")
        return {"path": self.path, "sha256": self.sha256, "chars": self.chars, "minhash": sig}

    @classmethod
    def from_json(cls, row: dict[str, Any], num_perm: int) -> Entry:
        sig = np.frombuffer(base64.b64decode(row["minhash"]), dtype="<u4").astype(np.uint32)
        if sig.shape != (num_perm,):
            raise ValueError(f"signature of {len(sig)} values, expected {num_perm}")
        return cls(str(row["path"]), str(row["sha256"]), int(row["chars"]), sig)


class CorpusIndex:
    """The entries of ``DIR/index.jsonl`` by path, and the templates of ``DIR/templates.json``."""

    def __init__(self, directory: Path, params: DedupParams) -> None:
        self.directory = Path(directory)
        self.root = self.directory.resolve().parent
        self.params = params
        self.entries: dict[str, Entry] = {}
        self.templates: TemplateStats | None = None

    @property
    def path(self) -> Path:
        return self.directory / INDEX_FILE

    @classmethod
    def load(cls, directory: Path, params: DedupParams) -> CorpusIndex:
        """Read the index (an absent one is empty); refuse one made with other signature parameters."""
        index = cls(directory, params)
        if index.path.is_file():
            index._read()
        templates = index.directory / TEMPLATES_FILE
        if templates.is_file():
            try:
                index.templates = TemplateStats.from_dict(json.loads(templates.read_text(encoding="utf-8")))
            except (ValueError, KeyError, TypeError) as exc:
                raise ModelError(f"{templates} is corrupt ({exc}); rebuild it with `cleaner index build`") from exc
        return index

    def _read(self) -> None:
        with self.path.open(encoding="utf-8") as fh:
            try:
                head = json.loads(fh.readline())
            except json.JSONDecodeError as exc:
                raise ModelError(f"{self.path}: bad header ({exc}); rebuild it with `cleaner index build`") from exc
            if not isinstance(head, dict) or head.get("cleaner_index") != VERSION:
                raise ModelError(f"{self.path} is not a cleaner corpus index of version {VERSION}")
            if head.get("params") != signature_params(self.params):
                raise ModelError(f"{self.path} was built with {head.get('params')}, not "
                                 f"{signature_params(self.params)}; rebuild it with `cleaner index build`")
            for n, line in enumerate(fh, 2):
                if not line.strip():
                    continue
                try:
                    entry = Entry.from_json(json.loads(line), self.params.num_perm)
                except (ValueError, KeyError, TypeError) as exc:
                    raise ModelError(f"{self.path}:{n}: corrupt entry ({exc}); rebuild the index") from exc
                self.entries[entry.path] = entry

    def save(self) -> None:
        """Write ``index.jsonl`` sorted by path (atomically), and ``templates.json`` if any."""
        head = {"cleaner_index": VERSION, "params": signature_params(self.params)}
        lines = [json.dumps(head, sort_keys=True)]
        lines += [json.dumps(self.entries[p].to_json(), ensure_ascii=False) for p in sorted(self.entries)]
        atomic_write_bytes(self.path, ("\n".join(lines) + "\n").encode("utf-8"))
        if self.templates is not None:
            data = json.dumps(self.templates.to_dict(), sort_keys=True, indent=0, ensure_ascii=False)
            atomic_write_bytes(self.directory / TEMPLATES_FILE, (data + "\n").encode("utf-8"))

    def add(self, signed: Iterable[Signed]) -> bool:
        """Put (or replace) the entries of signed files; a file with nothing left is dropped.  Changed?"""
        changed = False
        for s in signed:
            old = self.entries.get(s.record.id)
            if s.entry is None:
                changed |= self.entries.pop(s.record.id, None) is not None
            elif old is None or old.sha256 != s.entry.sha256 or not np.array_equal(old.signature, s.entry.signature):
                self.entries[s.entry.path] = s.entry
                changed = True
        return changed

    def relative(self, path: Path) -> str:
        """``path`` as an index key: POSIX, relative to the index root."""
        return path.resolve().relative_to(self.root).as_posix()


def make_stripper(config: CleanerConfig, templates: TemplateStats | None) -> Stripper | None:
    """The core Stripper with the model's templates merged with the corpus's (None when strip is off)."""
    if not config.strip:
        return None
    model = load_model(config)
    shipped = getattr(model, "templates", None)
    if templates is not None and shipped is not None:
        merged = TemplateStats(config.min_template_pages)
        merged.merge(templates)
        merged.merge(shipped)
        templates = merged
    return Stripper(model, templates or shipped, config.split_articles)


@dataclass(frozen=True)
class Signed:
    """A file read, stripped and signed: the index entry (None if nothing was left) and the strip verdict."""

    record: RawRecord
    entry: Entry | None
    prepared: Any  # pipeline.Prepared
    cleaned: str


def sign_files(records: Iterable[RawRecord], stripper: Stripper | None, config: CleanerConfig,
               params: DedupParams) -> list[Signed]:
    """Strip (``pipeline.prepare``) and sign (``compute_signatures``) files, one batch for the signatures."""
    done = []
    for raw in records:
        p, cleaned = prepare(raw, stripper, config)
        done.append((raw, p, cleaned))
    kept = [i for i, (_, p, _) in enumerate(done) if p.status == "kept"]
    sigs = compute_signatures([done[i][2] for i in kept], params) if kept else np.zeros((0, params.num_perm))
    by_row = dict(zip(kept, sigs, strict=True))
    out = []
    for i, (raw, p, cleaned) in enumerate(done):
        data = raw.data if isinstance(raw.data, bytes) else (raw.data or "").encode("utf-8")
        entry = Entry(raw.id, hashlib.sha256(data).hexdigest(), len(cleaned), by_row[i]) if i in by_row else None
        out.append(Signed(raw, entry, p, cleaned))
    return out


def build_index(data_dir: Path, config: CleanerConfig, directory: Path | None = None) -> CorpusIndex:
    """Learn the corpus templates and sign every page under ``data_dir``; writes ``DATA_DIR/.cleaner``."""
    directory = directory or data_dir / INDEX_DIR
    params = DedupParams.from_config(config)
    index = CorpusIndex(directory, params)
    exclude = (*config.exclude, f"{INDEX_DIR}/*", f"{directory.name}/*")
    source = DirectorySource(data_dir, config.include, exclude)
    if config.strip:
        index.templates = fit_templates(source, config)
    stripper = make_stripper(config, index.templates)
    batch: list[RawRecord] = []
    for raw in source:
        batch.append(raw)
        if len(batch) >= config.batch_size:
            index.add(sign_files(batch, stripper, config, params))
            batch = []
    index.add(sign_files(batch, stripper, config, params))
    index.save()
    return index
