"""The library face: ``Cleaner(config).clean(iterable)`` streams CleanResults, ``strip_text`` cleans one page.

Every step is the core's: records are decoded and stripped by :func:`cleaner.pipeline.prepare`,
texts attached by :func:`cleaner.pipeline.materialize`, templates learned by
:func:`cleaner.pipeline.fit_templates`, signatures made by :func:`cleaner.dedup.minhash.signatures_and_shingles`
and duplicates decided by :class:`cleaner.dedup.Deduper`.  This module only feeds them a stream.

Streaming dedup: each document is compared with every *kept* document seen before it, and the first
one seen survives.  Each chunk of ``batch_size`` documents goes to a ``Deduper`` backed by a SQLite
signature index (``config.index``, or a temporary file for the duration of ``clean``): the engine
compares the chunk with the indexed survivors and adds the chunk's survivors to the index.  Memory
holds one chunk of texts; the index holds ``num_perm * 4`` bytes (512 B at the default 128) plus the
band keys and the id per kept document, on disk.  With ``config.index`` dedup also spans calls and
runs (give documents stable ids then: an indexed id is taken as the same document).  Pairs within a
chunk near the threshold are verified by exact Jaccard; pairs with an indexed document by the
signature estimate (the index stores no shingles).
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .boilerplate import StripModel, Stripper, TemplateStats
from .config import CleanerConfig
from .dedup import Deduper, DedupParams, DupInfo
from .dedup.minhash import signatures_and_shingles
from .document import CleanResult, Document
from .io.readers import RawRecord, no_text_reason
from .pipeline import Prepared, fit_templates, load_model, materialize, prepare, prepare_many

Item = str | bytes | Mapping[str, Any] | Document
__all__ = ["CleanStream", "Cleaner", "Item", "strip_text", "to_record"]


def to_record(item: Item, position: int, config: CleanerConfig) -> RawRecord:
    """Turn a library input into the core's RawRecord: a string, bytes, a dict or a Document.

    A dict gives its text in ``config.text_field`` and its id in ``config.id_field`` (default: the
    position); its other fields are carried in ``meta`` (a ``url`` or ``config.site_field`` names the site).
    """
    if isinstance(item, Document):
        return RawRecord(item.id, item.source, item.text, dict(item.meta), position=position)
    if isinstance(item, (str, bytes)):
        return RawRecord(str(position), "", item, {}, position=position)
    if isinstance(item, Mapping):
        raw_id = item.get(config.id_field)
        doc_id = str(position) if raw_id is None or raw_id == "" else str(raw_id)
        meta = {k: v for k, v in item.items() if k != config.text_field}
        text = item.get(config.text_field)
        if not isinstance(text, (str, bytes)):
            return RawRecord(doc_id, "", None, meta, error=no_text_reason(item, config.text_field, config.id_field),
                             position=position)
        return RawRecord(doc_id, "", text, meta, position=position)
    raise TypeError(f"cannot clean a {type(item).__name__}: give str, bytes, a dict or a Document")


class Cleaner:
    """Strip boilerplate and drop near-duplicates from a stream of pages, with the core's steps.

    ``Cleaner(config)`` or ``Cleaner(**kwargs)`` (the CleanerConfig keys, as in ``[tool.cleaner]``).
    Templates come from ``fit()``, else from the model, else (``learn_templates`` and a re-iterable
    input such as a list) from a first pass over the input inside ``clean``.
    """

    def __init__(self, config: CleanerConfig | None = None, *, model: StripModel | None = None,
                 templates: TemplateStats | None = None, **kwargs: Any) -> None:
        base = config or CleanerConfig()
        self.config = base.replace(**kwargs) if kwargs else base
        self._model = model
        self.templates = templates  # fitted templates; None = not fitted

    @property
    def model(self) -> StripModel:
        if self._model is None:
            self._model = load_model(self.config)
        return self._model

    def fit(self, items: Iterable[Item], progress: Callable[[str, int], None] | None = None) -> Cleaner:
        """Learn site templates from ``items`` (one pass) on top of the model's; returns self."""
        stats = fit_templates((to_record(x, i, self.config) for i, x in enumerate(items)),
                              self.config, progress or (lambda stage, n: None))
        shipped = getattr(self.model, "templates", None)
        if shipped is not None:
            stats.merge(shipped)
        self.templates = stats
        return self

    def stripper(self) -> Stripper | None:
        """The core Stripper with this cleaner's templates (None when ``strip`` is off)."""
        if not self.config.strip:
            return None
        return Stripper(self.model, self.templates if self.templates is not None
                        else getattr(self.model, "templates", None), self.config.split_articles)

    def clean(self, items: Iterable[Item]) -> Iterator[CleanResult]:
        """Yield one CleanResult per input, in input order, holding one chunk of texts at a time."""
        config = self.config
        if (config.strip and config.learn_templates and self.templates is None
                and iter(items) is not items):  # re-iterable: a first pass learns templates
            self.fit(items)
        it = iter(items)
        with self.stream() as stream:
            while chunk := _take(it, config.batch_size):
                yield from stream.clean_batch(chunk)

    def stream(self) -> CleanStream:
        """A stream to feed batch by batch (dedup spans the batches); use it as a context manager."""
        return CleanStream(self)


class CleanStream:
    """Cleans batches one after another; each document is deduplicated against all kept before it."""

    def __init__(self, cleaner: Cleaner) -> None:
        self.config = cleaner.config
        self._stripper = cleaner.stripper()
        self._params = DedupParams.from_config(self.config)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if self.config.index:
            self.index = Path(self.config.index)
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="cleaner-stream-")
            self.index = Path(self._tmp.name) / "seen.sqlite"
        self.count = 0

    def __enter__(self) -> CleanStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the temporary index (a ``config.index`` file is kept)."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def clean_batch(self, items: Sequence[Item]) -> list[CleanResult]:
        """CleanResults of one batch, in order; a dict or string without id gets its stream position."""
        chunk = [to_record(x, self.count + i, self.config) for i, x in enumerate(items)]
        self.count += len(chunk)
        prepared = prepare_many(chunk, self._stripper, self.config)
        verdicts = self._dedup(prepared) if self.config.dedup else {}
        out = []
        for raw, (p, cleaned) in zip(chunk, prepared, strict=True):
            v = verdicts.get(p.position)
            if v is not None and v.duplicate_of is not None:
                result = CleanResult(p.document, "duplicate", "", p.removals, f"near-duplicate of {v.duplicate_of}",
                                     v.duplicate_of, v.similarity, v.cluster, p.decoding)
                out.append(materialize(result, raw)[0])  # the core fills the rest with "duplicate" spans
            else:
                out.append(CleanResult(p.document, p.status, cleaned, p.removals, p.reason,  # type: ignore[arg-type]
                                       None, None, v.cluster if v is not None else None, p.decoding,
                                       p.secondary if self.config.split_articles else ()))
        return out

    def _dedup(self, prepared: list[tuple[Prepared, str]]) -> dict[int, DupInfo]:
        """Resolve one chunk against the index of earlier survivors; the engine adds the new survivors."""
        kept = [(p, text) for p, text in prepared if p.status == "kept"]
        if not kept:
            return {}
        if self._tmp is None and self.config.index is None:
            raise ValueError("this stream is closed")
        params = self._params
        texts = [text for _, text in kept]
        deduper = Deduper(params, keep="first", index=self.index)  # streaming: what was yielded must survive
        sigs, shingles = signatures_and_shingles(texts, params)
        deduper.add([p.document.id for p, _ in kept], sigs, [p.length for p, _ in kept],
                    [p.kept_fraction for p, _ in kept], shingles=shingles)
        return {p.position: info for (p, _), info in zip(kept, deduper.resolve(), strict=True)}


def _take(it: Iterator[Item], n: int) -> list[Item]:
    out = []
    for x in it:
        out.append(x)
        if len(out) >= n:
            break
    return out


def strip_text(text: str, config: CleanerConfig | None = None, *, site: str | None = None,
               cleaner: Cleaner | None = None) -> CleanResult:
    """Strip the boilerplate of one page (no dedup) with the model's templates, or ``cleaner``'s."""
    c = cleaner or Cleaner(config)
    meta = {"site": site} if site else {}
    cfg = c.config.replace(site_field="site") if site else c.config
    p, cleaned = prepare(RawRecord("0", "", text, meta), c.stripper(), cfg)
    return CleanResult(p.document, p.status, cleaned, p.removals, p.reason,  # type: ignore[arg-type]
                       decoding=p.decoding, articles=p.secondary if c.config.split_articles else ())
