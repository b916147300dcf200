"""The core flow shared by every face:

    read -> decode/repair -> segment -> strip boilerplate -> fingerprint -> signatures
         -> LSH candidates -> verify + cluster -> choose survivors -> results

``prepare`` handles one raw record (pure); ``clean`` makes the passes over a re-iterable source
(learn templates, strip + sign + dedup, materialize) and yields one Outcome per input, in input
order.  Writing is the caller's job (see ``io``).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing as mp
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice, zip_longest
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from .boilerplate import StripModel, StripOutcome, Stripper, TemplateStats
from .config import CleanerConfig
from .dedup import Deduper, DedupParams
from .dedup.minhash import signatures_and_shingles
from .dedup.shingle import ShingleBatch, build_tables
from .document import STATUSES, CleanResult, Document, Removal, Status, apply_removals, normalize_spans
from .errors import InputError
from .io.readers import RawRecord
from .text.decode import Decoded, decode_bytes, decode_text

Progress = Callable[[str, int], None]


def _silent(stage: str, n: int) -> None:
    """Default progress callback: the library stays quiet."""


def site_of(raw: RawRecord, config: CleanerConfig) -> str:
    """The site a page belongs to: a named field, the domain of a ``url`` field, or the parent folder."""
    meta = raw.meta
    if config.site_field and meta.get(config.site_field) not in (None, ""):
        return str(meta[config.site_field])
    url = meta.get("url")
    if isinstance(url, str) and "//" in url:
        host = urlsplit(url).hostname or ""
        return host.removeprefix("www.")
    if "path" in meta:
        parent = str(meta["path"]).rpartition("/")[0]
        return parent
    return ""


def decode_record(raw: RawRecord) -> Decoded:
    """Decode one raw record, or say why it is skipped."""
    if raw.error is not None:
        return Decoded(None, None, raw.error)
    if isinstance(raw.data, bytes):
        return decode_bytes(raw.data)
    if isinstance(raw.data, str):
        return decode_text(raw.data)
    return Decoded(None, None, "no data")


@dataclass
class Prepared:
    """Everything the dedup and write stages need about one document, without its text."""

    position: int
    document: Document  # text is dropped ("") after preparation to bound memory
    status: str  # kept | empty | skipped (dedup may turn kept into duplicate)
    reason: str | None
    removals: tuple[Removal, ...]
    decoding: dict[str, Any]
    length: int = 0  # length of the stripped text
    kept_fraction: float = 0.0
    secondary: tuple[tuple[int, int], ...] = ()
    digest: str | None = None  # of the input as read in this pass (see input_digest)


def input_digest(raw: RawRecord) -> str | None:
    """A short hash of the raw input, so a later pass can tell the input changed under the run."""
    if isinstance(raw.data, bytes):
        return hashlib.blake2b(raw.data, digest_size=16).hexdigest()
    if isinstance(raw.data, str):
        return hashlib.blake2b(raw.data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return None


def _fill_removals(text: str, removals: tuple[Removal, ...], reason: str) -> tuple[Removal, ...]:
    """Cover every char not yet removed with a ``reason`` span, so the log alone can rebuild the text."""
    extra: list[Removal] = []
    cursor = 0
    for r in (*removals, Removal(len(text), len(text), reason)):
        if r.start > cursor:
            extra.append(Removal(cursor, r.start, reason))
        cursor = r.end
    return normalize_spans([*removals, *extra], len(text))


def prepare(raw: RawRecord, stripper: Stripper | None, config: CleanerConfig) -> tuple[Prepared, str]:
    """Decode and strip one record.  Returns the Prepared record and the stripped text."""
    return prepare_many([raw], stripper, config)[0]


def prepare_many(raws: list[RawRecord], stripper: Stripper | None, config: CleanerConfig
                 ) -> list[tuple[Prepared, str]]:
    """:func:`prepare` of each record; the stripper works on the batch at once (same results)."""
    decoded = [decode_record(raw) for raw in raws]
    outcomes: dict[int, StripOutcome] = {}
    todo = [i for i, d in enumerate(decoded) if d.text is not None and d.text.strip()]
    if stripper is not None and todo:
        done = stripper.strip_many([str(decoded[i].text) for i in todo], [site_of(raws[i], config) for i in todo])
        outcomes = dict(zip(todo, done, strict=True))
    return [_prepared(raw, d, outcomes.get(i)) for i, (raw, d) in enumerate(zip(raws, decoded, strict=True))]


def _prepared(raw: RawRecord, decoded: Decoded, outcome: StripOutcome | None) -> tuple[Prepared, str]:
    if decoded.text is None:
        doc = Document(raw.id, "", raw.source, raw.meta)
        return Prepared(raw.position, doc, "skipped", decoded.skip_reason, (), {}), ""
    text = decoded.text
    decoding = decoded.decoding.to_dict() if decoded.decoding else {}
    doc = Document(raw.id, text, raw.source, raw.meta)
    removals: tuple[Removal, ...] = outcome.removals if outcome is not None else ()
    secondary: tuple[tuple[int, int], ...] = outcome.secondary if outcome is not None else ()
    cleaned = apply_removals(text, removals)
    if not cleaned.strip():
        why = "no text in the input" if not text.strip() else "nothing of an article was left after stripping"
        filled = _fill_removals(text, removals, "empty")
        return Prepared(raw.position, doc, "empty", why, filled, decoding), ""
    kept_fraction = len(cleaned) / max(1, len(text))
    return Prepared(raw.position, doc, "kept", None, removals, decoding, len(cleaned), kept_fraction,
                    secondary), cleaned


class _Worker:
    """Per-process state for the pool: the stripper and the dedup parameters."""

    def __init__(self, config: CleanerConfig, model: StripModel | None, templates: TemplateStats | None) -> None:
        self.config = config
        self.stripper = Stripper(model, templates, config.split_articles) if model is not None else None
        self.params = DedupParams.from_config(config)

    def prepare_chunk(self, chunk: list[RawRecord]) -> tuple[list[Prepared], np.ndarray | None,
                                                             ShingleBatch | None]:
        prepared, texts = [], []
        for raw, (p, cleaned) in zip(chunk, prepare_many(chunk, self.stripper, self.config), strict=True):
            p.document = Document(p.document.id, "", p.document.source, p.document.meta)
            p.digest = input_digest(raw)
            prepared.append(p)
            if p.status == "kept":
                texts.append(cleaned)
        if not (self.config.dedup and texts):
            return prepared, None, None
        sigs, shingles = signatures_and_shingles(texts, self.params)  # shingles: exact checks near the threshold
        return prepared, sigs, shingles

    def fit_chunk(self, chunk: list[RawRecord]) -> tuple[TemplateStats, int]:
        stats = TemplateStats(self.config.min_template_pages)
        for raw in chunk:
            decoded = decode_record(raw)
            if decoded.text:
                stats.add_page(site_of(raw, self.config), decoded.text)
        return stats, len(chunk)


_WORKER: _Worker | None = None  # set only inside pool processes, by _init_worker


def _init_worker(config: CleanerConfig, model: StripModel | None, templates: TemplateStats | None) -> None:
    global _WORKER
    _WORKER = _Worker(config, model, templates)


def _pool_prepare(chunk: list[RawRecord]) -> tuple[list[Prepared], np.ndarray | None, ShingleBatch | None]:
    assert _WORKER is not None
    return _WORKER.prepare_chunk(chunk)


def _pool_fit(chunk: list[RawRecord]) -> tuple[TemplateStats, int]:
    assert _WORKER is not None
    return _WORKER.fit_chunk(chunk)


def _chunks(items: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass
class _Engine:
    """Runs chunk work in-process (jobs=1) or in a process pool, in input order either way."""

    config: CleanerConfig
    model: StripModel | None
    templates: TemplateStats | None
    _pool: Any = field(default=None, init=False)
    _local: _Worker | None = field(default=None, init=False)

    def __enter__(self) -> _Engine:
        if self.templates is not None:
            self.templates.freeze()  # lookup arrays built once, shared copy-on-write by forked workers
        if self.config.dedup and self.config.jobs > 1:
            build_tables()  # the same for the shingle lookup tables
        if self.config.jobs > 1:
            ctx = mp.get_context("spawn" if mp.get_start_method(allow_none=True) == "spawn" else "fork")
            self._pool = ctx.Pool(self.config.jobs, _init_worker, (self.config, self.model, self.templates))
        else:
            self._local = _Worker(self.config, self.model, self.templates)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            if exc[0] is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()

    def map(self, fn_name: str, chunks: Iterable[list[RawRecord]]) -> Iterator[Any]:
        if self._pool is not None:
            fn = {"prepare": _pool_prepare, "fit": _pool_fit}[fn_name]
            yield from self._pool.imap(fn, chunks)
        else:
            assert self._local is not None
            method = {"prepare": self._local.prepare_chunk, "fit": self._local.fit_chunk}[fn_name]
            for chunk in chunks:
                yield method(chunk)


def fit_templates(source: Iterable[RawRecord], config: CleanerConfig, progress: Progress = _silent) -> TemplateStats:
    """Count, per site, on how many pages each normalized line occurs (the corpus pass)."""
    stats = TemplateStats(config.min_template_pages)
    with _Engine(config.replace(dedup=False), None, None) as engine:
        for part, n in engine.map("fit", _chunks(source, config.batch_size)):
            stats.merge(part)
            progress("learn", n)
    return stats


def _field_value(meta: Mapping[str, Any], name: str) -> Any:
    value = meta.get(name)
    return value if isinstance(value, (int, float)) else (str(value) if value is not None else "")


#: meta key of an analysed (text-less) result holding its input digest, checked by materialize
DIGEST_KEY = "_input_digest"


class _Spill:
    """Prepared records of a run in a temporary file, so memory does not grow with the corpus."""

    def __init__(self) -> None:
        self._fh = tempfile.TemporaryFile(mode="w+b")

    def write(self, p: Prepared) -> None:
        row = [p.position, p.document.id, p.status, p.reason, p.decoding, list(map(list, p.secondary)),
               [[r.start, r.end, r.reason, r.score, r.evidence] for r in p.removals], p.digest]
        self._fh.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")

    def __iter__(self) -> Iterator[tuple[str, str, str | None, dict[str, Any], tuple[tuple[int, int], ...],
                                         tuple[Removal, ...], str | None]]:
        self._fh.flush()
        self._fh.seek(0)
        for line in self._fh:
            _, doc_id, status, reason, decoding, secondary, removals, digest = json.loads(line)
            yield (doc_id, status, reason, decoding, tuple((a, b) for a, b in secondary),
                   tuple(Removal(a, b, why, score, ev) for a, b, why, score, ev in removals), digest)

    def close(self) -> None:
        self._fh.close()


def analyse(source: Iterable[RawRecord], config: CleanerConfig, *, model: StripModel | None = None,
            templates: TemplateStats | None = None, progress: Progress = _silent) -> Iterator[CleanResult]:
    """Strip and deduplicate every record of ``source``; yields results in input order, texts omitted.

    The whole source is processed before the first result is yielded (dedup needs every document).
    Per-document results wait in a temporary file; memory holds only the dedup state.  Results carry
    statuses, removals and dedup verdicts with ``text=""``: :func:`materialize` adds the texts.
    """
    deduper = None
    if config.dedup:
        deduper = Deduper(DedupParams.from_config(config), keep=config.keep,
                          index=Path(config.index) if config.index else None)
    field_name = config.keep[6:] if config.keep.startswith("field:") else None
    spill = _Spill()
    try:
        with _Engine(config, model if config.strip else None, templates) as engine:
            for batch, sigs, shingles in engine.map("prepare", _chunks(source, config.batch_size)):
                for p in batch:
                    spill.write(p)
                if deduper is not None and sigs is not None:
                    kept = [p for p in batch if p.status == "kept"]
                    deduper.add([p.document.id for p in kept], sigs, [p.length for p in kept],
                                [p.kept_fraction for p in kept],
                                [_field_value(p.document.meta, field_name) for p in kept] if field_name else None,
                                shingles=shingles)
                progress("clean", len(batch))
        # Only verdicts that say something are kept: memory grows with duplicates, not documents.
        verdicts = {v.id: v for v in (deduper.resolve() if deduper is not None else ())
                    if v.duplicate_of is not None or v.cluster is not None}
        for doc_id, status, reason, decoding, secondary, removals, digest in spill:
            doc = Document(doc_id, "", meta={DIGEST_KEY: digest} if digest else {})
            v = verdicts.get(doc_id)
            if status == "kept" and v is not None and v.duplicate_of is not None:
                yield CleanResult(doc, "duplicate", "", removals, f"near-duplicate of {v.duplicate_of}",
                                  v.duplicate_of, v.similarity, v.cluster, decoding)
            else:
                yield CleanResult(doc, _status(status), "", removals, reason, None, None,
                                  v.cluster if v is not None else None, decoding,
                                  secondary if config.split_articles else ())
    finally:
        spill.close()


def _status(value: str) -> Status:
    if value not in STATUSES:
        raise ValueError(f"unknown status {value!r}")
    return value  # type: ignore[return-value]


def materialize(result: CleanResult, raw: RawRecord) -> tuple[CleanResult, str | None]:
    """Attach texts to an analysed result: returns (result with cleaned text, decoded original)."""
    decoded = decode_record(raw)
    expected = result.document.meta.get(DIGEST_KEY)
    if decoded.text is not None and expected is not None and expected != input_digest(raw):
        # The spans were computed on another version of this input: applying them would log garbage.
        return CleanResult(Document(raw.id, "", raw.source, raw.meta), "skipped", "", (),
                           "changed during the run (read again, it differed); rerun to clean it"), None
    if decoded.text is None:
        return dataclasses.replace(result, document=Document(raw.id, "", raw.source, raw.meta)), None
    original = decoded.text
    doc = Document(raw.id, original, raw.source, raw.meta)
    removals = result.removals
    if result.status == "duplicate":
        removals = _fill_removals(original, removals, "duplicate")
    cleaned = apply_removals(original, removals)
    return dataclasses.replace(result, document=doc, text=cleaned, removals=removals), original


def split_article(text: str, stripper: Stripper | None) -> str:
    """The text of a second article cut from a page, itself stripped of its own boilerplate."""
    if stripper is None:
        return text.strip()
    return apply_removals(text, stripper.strip(text).removals).strip()


def load_model(config: CleanerConfig) -> StripModel:
    """The strip model of a run: the one named in the config, or the one shipped in the package."""
    return StripModel.load(config.model)


@dataclass(frozen=True)
class Outcome:
    """One input's result with what the writers need: its decoded text, raw record and split articles."""

    result: CleanResult
    original: str | None
    raw: RawRecord
    articles: tuple[str, ...] = ()


def clean(source: Sequence[RawRecord] | Iterable[RawRecord], config: CleanerConfig,
          progress: Progress = _silent) -> Iterator[Outcome]:
    """Run the whole flow over a re-iterable source; yields one Outcome per input, in input order."""
    model = load_model(config) if config.strip else None
    templates = None
    if config.strip:
        templates = getattr(model, "templates", None)
        if config.learn_templates:
            learned = fit_templates(source, config, progress)
            if templates is not None:
                learned.merge(templates)
            templates = learned
    results = analyse(source, config, model=model, templates=templates, progress=progress)
    splitter = Stripper(model, None) if model is not None and config.split_articles else None
    for result, raw in zip_longest(results, source):
        if result is None or raw is None:
            raise InputError("the input changed length while it was being cleaned; rerun on a stable input")
        result, original = materialize(result, raw)
        articles = tuple(split_article(original[s:e], splitter) for s, e in result.articles) if original else ()
        yield Outcome(result, original, raw, articles)
