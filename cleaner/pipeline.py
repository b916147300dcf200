"""The core flow shared by every face:

    read -> decode/repair -> segment -> strip boilerplate -> fingerprint -> signatures
         -> LSH candidates -> verify + cluster -> choose survivors -> results

``prepare`` handles one raw record (pure); ``clean`` makes the passes over a re-iterable source
(learn templates, strip + sign + dedup, materialize) and yields one Outcome per input, in input
order.  Writing is the caller's job (see ``io``).

The passes hand the source to worker processes in blocks (:func:`cleaner.io.readers.blocks_of`):
the workers parse, decode, strip, sign and, in the last pass, attach texts and encode outputs;
this process only splits the input, makes ids unique, resolves dedup and keeps the order.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing as mp
import multiprocessing.pool
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

import numpy as np

from .config import CleanerConfig
from .dedup import Deduper, DedupParams, DupInfo
from .dedup.minhash import signatures_and_shingles
from .dedup.shingle import build_tables
from .dedup.spool import ShingleSpool, SpooledBatch, SpoolWriter
from .document import STATUSES, CleanResult, Document, Removal, Status, apply_removals, normalize_spans
from .errors import InputError
from .io.readers import Block, RawRecord, UniqueIds, blocks_of, renamed
from .text.decode import Decoded, Decoding, decode_bytes, decode_text

if TYPE_CHECKING:  # the stripper is imported where a run strips: a dedup-only run starts without it
    from .boilerplate import StripModel, StripOutcome, Stripper, TemplateStats

Progress = Callable[[str, int], None]
#: what a worker makes of each finished document (see :func:`clean`)
Finish = Callable[["Outcome"], Any]


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
    """The SHA-256 of the raw input (UTF-8 of a table cell), as the log's ``sha256_input``: a later
    pass compares it to tell the input changed under the run."""
    if isinstance(raw.data, bytes):
        return hashlib.sha256(raw.data).hexdigest()
    if isinstance(raw.data, str):
        return hashlib.sha256(raw.data.encode("utf-8", "surrogatepass")).hexdigest()
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
    """Per-process state for the pool: the stripper, the dedup parameters and the shingle spool writer."""

    def __init__(self, config: CleanerConfig, model: StripModel | None, templates: TemplateStats | None,
                 finish: Finish | None = None, spool: str | None = None) -> None:
        self.config = config
        self.stripper: Stripper | None = None
        self.splitter: Stripper | None = None
        if model is not None:
            from .boilerplate import Stripper

            self.stripper = Stripper(model, templates, config.split_articles)
            self.splitter = Stripper(model, None) if config.split_articles else None
        self.params = DedupParams.from_config(config)
        self.finish = finish
        self.spool = SpoolWriter(spool) if spool is not None else None

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()

    def prepare_block(self, block: Block) -> tuple[list[_Row], np.ndarray | None, SpooledBatch | None]:
        """Read, decode, strip and sign a block; ids are the records' own (the caller makes them unique).

        The shingle hashes (for exact checks near the threshold) go to this process's spool file; only
        where they are crosses back to the caller.
        """
        rows, texts = [], []
        chunk = block.records()
        field_name = self.config.keep[6:] if self.config.keep.startswith("field:") else None
        for raw, (p, cleaned) in zip(chunk, prepare_many(chunk, self.stripper, self.config), strict=True):
            p.digest = input_digest(raw)
            rows.append(_Row(p.document.id, p.status == "kept", p.length, p.kept_fraction,
                             _field_value(raw.meta, field_name) if field_name else None, _spill_line(p)))
            if p.status == "kept":
                texts.append(cleaned)
        if not (self.config.dedup and texts):
            return rows, None, None
        sigs, shingles = signatures_and_shingles(texts, self.params)
        assert self.spool is not None, "a dedup pass needs a shingle spool"
        return rows, sigs, self.spool.write(shingles)

    def finish_block(self, item: tuple[Block, list[bytes], list[DupInfo | None]]) -> list[Any]:
        """Read a block again and attach texts to its analysed results (and cut split articles); then
        ``finish`` each Outcome."""
        block, lines, verdicts = item
        out: list[Any] = []
        for line, verdict, raw in zip(lines, verdicts, block.records(), strict=True):
            analysed = _analysed(line, verdict, self.config.split_articles)
            if raw.id != analysed.id:  # made unique by the first pass
                raw = renamed(raw, analysed.id)
            digest = input_digest(raw)
            result, original = materialize(analysed, raw, digest)
            articles = (tuple(split_article(original[s:e], self.splitter) for s, e in result.articles)
                        if original else ())
            outcome = Outcome(result, original, raw, articles, digest)
            out.append(outcome if self.finish is None else self.finish(outcome))
        return out

    def fit_block(self, block: Block) -> tuple[TemplateStats, int]:
        from .boilerplate import TemplateStats

        stats = TemplateStats(self.config.min_template_pages)
        chunk = block.records()
        pages = [(raw, decoded.text) for raw in chunk if (decoded := decode_record(raw)).text]
        stats.add_pages([site_of(raw, self.config) for raw, _ in pages], [text for _, text in pages])
        return stats, len(chunk)


_WORKER: _Worker | None = None  # set only inside pool processes, by _init_worker


def _init_worker(config: CleanerConfig, model: StripModel | None, templates: TemplateStats | None,
                 finish: Finish | None, spool: str | None) -> None:
    global _WORKER
    # Ctrl-C is the main process's to handle: it stops the pool, whose terminate() sends SIGTERM, which
    # unwinds the worker (a half-written output's temp file is removed) and exits without a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    _WORKER = _Worker(config, model, templates, finish, spool)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _pool_prepare(block: Block) -> tuple[list[_Row], np.ndarray | None, SpooledBatch | None]:
    assert _WORKER is not None
    return _WORKER.prepare_block(block)


def _pool_fit(block: Block) -> tuple[TemplateStats, int]:
    assert _WORKER is not None
    return _WORKER.fit_block(block)


def _pool_finish(item: tuple[Block, list[bytes], list[DupInfo | None]]) -> list[Any]:
    assert _WORKER is not None
    return _WORKER.finish_block(item)


def _start_method() -> str:
    """``fork`` where the platform has it, unless the program chose ``spawn``; else ``spawn``."""
    if mp.get_start_method(allow_none=True) == "spawn" or "fork" not in mp.get_all_start_methods():
        return "spawn"
    return "fork"


class _Pool(multiprocessing.pool.Pool):
    """A process pool whose worker-keeping thread does not spin while a result waits in the result pipe.

    The standard pool's thread also wakes whenever that pipe is readable, and loops as long as a
    result is being read there (about 8,000 turns and 0.3 s of this process's CPU on 20k pages, while
    the workers need both cores).  A worker's exit, ``close``, ``terminate`` and the last result wake it
    anyway (process sentinels and the pool's change notifier).
    """

    def _get_sentinels(self) -> list[Any]:
        notifier = getattr(self, "_change_notifier", None)
        if notifier is None:  # a Python whose pool is built otherwise: its own wake-ups
            return super()._get_sentinels()  # type: ignore[misc,no-any-return]
        return [notifier._reader]


@dataclass
class _Engine:
    """Runs the work on blocks of input in-process (jobs=1) or in a process pool, in input order either way."""

    config: CleanerConfig
    model: StripModel | None
    templates: TemplateStats | None
    finish: Finish | None = None
    spool: str | None = None  # folder of a ShingleSpool (needed by a pass that signs for dedup)
    _pool: Any = field(default=None, init=False)
    _local: _Worker | None = field(default=None, init=False)

    def __enter__(self) -> _Engine:
        if self.templates is not None:
            self.templates.freeze()  # lookup arrays built once, shared copy-on-write by forked workers
        if self.config.jobs > 1:
            method = _start_method()
            if method == "fork":  # loaded once here and shared copy-on-write, not once per worker of each pass
                build_tables(casefold=self.config.dedup or self.config.strip)
            ctx = mp.get_context(method)
            self._pool = _Pool(self.config.jobs, _init_worker,
                               (self.config, self.model, self.templates, self.finish, self.spool), context=ctx)
        else:
            self._local = _Worker(self.config, self.model, self.templates, self.finish, self.spool)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._local is not None:
            self._local.close()
        if self._pool is not None:
            if exc[0] is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()

    def map(self, fn_name: str, items: Iterable[Any]) -> Iterator[Any]:
        if self._pool is not None:
            fn = {"prepare": _pool_prepare, "fit": _pool_fit, "finish": _pool_finish}[fn_name]
            yield from self._pool.imap(fn, items)
        else:
            assert self._local is not None
            method = getattr(self._local, f"{fn_name}_block")  # prepare_block, fit_block, finish_block
            for item in items:
                yield method(item)


def fit_templates(source: Iterable[RawRecord], config: CleanerConfig, progress: Progress = _silent) -> TemplateStats:
    """Count, per site, on how many pages each normalized line occurs (the corpus pass)."""
    from .boilerplate import TemplateStats

    stats = TemplateStats(config.min_template_pages)
    with _Engine(config.replace(dedup=False), None, None) as engine:
        for part, n in engine.map("fit", blocks_of(source, config.batch_size, config.jobs)):
            stats.merge(part)
            progress("learn", n)
    return stats


def _field_value(meta: Mapping[str, Any], name: str) -> Any:
    value = meta.get(name)
    return value if isinstance(value, (int, float)) else (str(value) if value is not None else "")


#: meta key of an analysed (text-less) result holding its input digest, checked by materialize
DIGEST_KEY = "_input_digest"


class _Row(NamedTuple):
    """What the first pass sends back about one document: its dedup inputs and its spill line."""

    id: str
    kept: bool
    length: int
    kept_fraction: float
    field: Any  # the value of the keep=field:NAME field
    line: bytes


def _spill_line(p: Prepared) -> bytes:
    """The spill line of a Prepared record: everything of it the last pass needs, without texts."""
    row = [p.position, p.document.id, p.status, p.reason, p.decoding,
           list(map(list, p.secondary)), [[r.start, r.end, r.reason, r.score, r.evidence] for r in p.removals],
           p.digest]
    return json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"


def _renamed_line(line: bytes, doc_id: str) -> bytes:
    """A spill line under the run-unique id ``doc_id``."""
    row = json.loads(line)
    row[1] = doc_id
    return json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"


def _analysed(line: bytes, v: DupInfo | None, split_articles: bool) -> CleanResult:
    """The text-less result of a spill line and the document's dedup verdict (None unless it was kept)."""
    _, doc_id, status, reason, decoding, secondary, removals, digest = json.loads(line)
    doc = Document(doc_id, "", meta={DIGEST_KEY: digest} if digest else {})
    spans = tuple(Removal(a, b, why, score, ev) for a, b, why, score, ev in removals)
    if status == "kept" and v is not None and v.duplicate_of is not None:
        return CleanResult(doc, "duplicate", "", spans, f"near-duplicate of {v.duplicate_of}", v.duplicate_of,
                           v.similarity, v.cluster, decoding)
    return CleanResult(doc, _status(status), "", spans, reason, None, None, v.cluster if v is not None else None,
                       decoding, tuple((a, b) for a, b in secondary) if split_articles else ())


@dataclass
class _Analysis:
    """The first pass over a source: one spill line per document in a temporary file (memory does not
    grow with the corpus), and the dedup verdicts of the kept documents."""

    spill: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile(mode="w+b"))
    kept: bytearray = field(default_factory=bytearray)  # per document: 1 if it was kept (it has a verdict)
    verdicts: list[DupInfo] = field(default_factory=list)  # of the kept documents, in input order

    def parts(self, blocks: Iterable[Block]) -> Iterator[tuple[Block, list[bytes], list[DupInfo | None]]]:
        """Each block of another reading of the source with its documents' spill lines and verdicts."""
        self.spill.flush()
        self.spill.seek(0)
        lines = iter(self.spill)
        doc = verdict = 0
        for block in blocks:
            size = len(block)
            part = list(islice(lines, size))
            if len(part) < size:
                raise InputError("the input changed length while it was being cleaned; rerun on a stable input")
            found: list[DupInfo | None] = []
            for k in self.kept[doc:doc + size]:
                found.append(self.verdicts[verdict] if k and self.verdicts else None)
                verdict += k
            doc += size
            yield block, part, found
        if next(lines, None) is not None:
            raise InputError("the input changed length while it was being cleaned; rerun on a stable input")

    def close(self) -> None:
        self.spill.close()


def _first_pass(source: Iterable[RawRecord], config: CleanerConfig, model: StripModel | None,
                templates: TemplateStats | None, progress: Progress) -> _Analysis:
    """Strip and sign every record in the pool, then resolve dedup (the whole source is read first).

    The workers spool their shingle hashes to files in a temporary folder, removed before this returns
    or raises.
    """
    deduper = None
    if config.dedup:
        deduper = Deduper(DedupParams.from_config(config), keep=config.keep,
                          index=Path(config.index) if config.index else None)
    analysis = _Analysis()
    unique = UniqueIds()
    spool: ShingleSpool | None = None
    try:
        spool = ShingleSpool() if deduper is not None else None
        with _Engine(config, model if config.strip else None, templates,
                     spool=spool.folder if spool is not None else None) as engine:
            blocks = blocks_of(source, config.batch_size, config.jobs)
            for rows, sigs, shingles in engine.map("prepare", blocks):
                ids = [unique.name(r.id) for r in rows]
                for r, name in zip(rows, ids, strict=True):
                    analysis.spill.write(r.line if name == r.id else _renamed_line(r.line, name))
                    analysis.kept.append(r.kept)
                if deduper is not None and sigs is not None:
                    kept = [k for k, r in enumerate(rows) if r.kept]
                    deduper.add([ids[k] for k in kept], sigs, [rows[k].length for k in kept],
                                [rows[k].kept_fraction for k in kept],
                                [rows[k].field for k in kept] if config.keep.startswith("field:") else None,
                                shingles=shingles)
                progress("clean", len(rows))
        if deduper is not None:
            analysis.verdicts = deduper.resolve()
    except BaseException:
        analysis.close()
        raise
    finally:
        if deduper is not None:
            deduper.close()  # the shingle store, before its files go
        if spool is not None:
            spool.close()
    return analysis


def _status(value: str) -> Status:
    if value not in STATUSES:
        raise ValueError(f"unknown status {value!r}")
    return value  # type: ignore[return-value]


#: the decodings (as logged) of an input that was taken as it is: a table cell's text, a UTF-8 file
_PLAIN = {str: Decoding("unicode").to_dict(), bytes: Decoding("utf-8").to_dict()}


def _decode_again(result: CleanResult, raw: RawRecord, digest: str | None) -> Decoded:
    """Decode ``raw`` again for its analysed ``result``; an input read unchanged (same digest) whose
    first decoding took it as it was is not checked and repaired a second time (same text)."""
    if digest is not None and digest == result.document.meta.get(DIGEST_KEY):
        data = raw.data
        if isinstance(data, str) and result.decoding == _PLAIN[str]:
            return Decoded(data, Decoding("unicode"))
        if isinstance(data, bytes) and result.decoding == _PLAIN[bytes]:
            return Decoded(data.decode("utf-8"), Decoding("utf-8"))
    return decode_record(raw)


def materialize(result: CleanResult, raw: RawRecord, digest: str | None = None) -> tuple[CleanResult, str | None]:
    """Attach texts to an analysed result: returns (result with cleaned text, decoded original).

    ``digest`` is ``input_digest(raw)`` when the caller has it already.
    """
    expected = result.document.meta.get(DIGEST_KEY)
    if expected is not None and digest is None:
        digest = input_digest(raw)
    decoded = _decode_again(result, raw, digest)
    if decoded.text is not None and expected is not None and expected != digest:
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
    from .boilerplate import StripModel

    return StripModel.load(config.model)


@dataclass(frozen=True)
class Outcome:
    """One input's result with what the writers need: its decoded text, raw record and split articles."""

    result: CleanResult
    original: str | None
    raw: RawRecord
    articles: tuple[str, ...] = ()
    digest: str | None = None  # input_digest(raw), when it was computed already


def clean(source: Sequence[RawRecord] | Iterable[RawRecord], config: CleanerConfig,
          progress: Progress = _silent, finish: Finish | None = None) -> Iterator[Any]:
    """Run the whole flow over a re-iterable source; yields one Outcome per input, in input order.

    With ``finish`` (a picklable function of an Outcome, e.g. one that encodes it for a writer),
    yields ``finish(outcome)`` instead, computed in the worker processes with the texts.
    """
    model = load_model(config) if config.strip else None
    templates = None
    if config.strip:
        templates = getattr(model, "templates", None)
        if config.learn_templates:
            learned = fit_templates(source, config, progress)
            if templates is not None:
                learned.merge(templates)
            templates = learned
    analysis = _first_pass(source, config, model, templates, progress)
    try:
        with _Engine(config.replace(dedup=False), model, None, finish) as engine:
            blocks = analysis.parts(blocks_of(source, config.batch_size, config.jobs))
            for done in engine.map("finish", blocks):
                yield from done
    finally:
        analysis.close()
