"""The pipeline of :func:`cleaner.pipeline.clean` as Spark stages, with the same kernels and the same results.

    records --(executors: decode, line keys)--> reduceByKey --> TemplateStats (driver) --> broadcast
    records --(executors: prepare + compute_signatures, per batch)--> prepared (persisted, no texts)
    prepared --> LSH buckets, verified pairs, components, stars (see :mod:`.dedup`) --> verdicts
    prepared + verdicts --> analysed results, aligned to the records' partitions --> zip with records
            --(executors: materialize)--> Outcomes in input order

The records RDD is read again for each pass (files are not cached), and the digest check of
:func:`cleaner.pipeline.materialize` skips an input that changed between passes, as the local engine does.
"""
from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Iterator
from itertools import islice
from operator import add
from typing import Any

import numpy as np

from ..boilerplate import StripModel, Stripper, TemplateStats
from ..config import CleanerConfig
from ..dedup import DedupParams
from ..dedup.cluster import check_keep
from ..dedup.minhash import signatures_and_shingles
from ..document import CleanResult, Document
from ..errors import UsageError
from ..io.readers import RawRecord
from ..pipeline import (
    DIGEST_KEY,
    Outcome,
    Prepared,
    decode_record,
    input_digest,
    load_model,
    materialize,
    prepare_many,
    site_of,
    split_article,
)
from .dedup import Verdict, resolve_verdicts, sort_key

__all__ = ["SparkRun", "analyse", "fit_templates", "outcomes"]


@dataclasses.dataclass
class SparkRun:
    """What a run measured (rounds of connected components) and the RDDs it persisted.

    The persisted RDDs are needed until the results have been read; :meth:`release` frees them.
    """

    cc_rounds: list[int] = dataclasses.field(default_factory=list)
    cached: list[Any] = dataclasses.field(default_factory=list)

    def release(self) -> None:
        for rdd in self.cached:
            rdd.unpersist(blocking=False)
        self.cached.clear()


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def check_config(config: CleanerConfig) -> None:
    """Refuse what the Spark engine does not do (an index is a local SQLite file)."""
    if config.index:
        raise UsageError("--index (a SQLite index across runs) works with the local engine only; drop it "
                         "or use --engine local")
    check_keep(config.keep)


# --- templates ----------------------------------------------------------------------------------------------

def _fit_partition(records: Iterable[RawRecord], config: CleanerConfig) -> Iterator[tuple[Any, int]]:
    """The partition's TemplateStats (the same ``add_page`` as the local pass), flattened for reduceByKey."""
    stats = TemplateStats(config.min_template_pages)
    for raw in records:
        decoded = decode_record(raw)
        if decoded.text:
            stats.add_page(site_of(raw, config), decoded.text)
    data = stats.to_dict()
    for site, n in data["pages"].items():
        yield ("p", site, None), n
    for site, table in data["counts"].items():
        for key, count in table.items():
            yield ("c", site, key), count


def fit_templates(records: Any, config: CleanerConfig, partitions: int) -> TemplateStats:
    """Per-site line document frequencies of the corpus, summed with reduceByKey; returned on the driver."""
    summed = records.mapPartitions(lambda it: _fit_partition(it, config)).reduceByKey(add, partitions)
    data = TemplateStats(config.min_template_pages).to_dict()
    pages: dict[str, int] = {}
    counts: dict[str, dict[Any, int]] = {}
    for (kind, site, key), n in summed.toLocalIterator():
        if kind == "p":
            pages[site] = n
        else:
            counts.setdefault(site, {})[key] = n
    data["pages"], data["counts"] = pages, counts
    return TemplateStats.from_dict(data)


# --- prepare ------------------------------------------------------------------------------------------------

#: one prepared document: (Prepared without text, signature row or None, shingle set or None)
PreparedRow = tuple[Prepared, "np.ndarray | None", "np.ndarray | None"]


def _prepare_partition(records: Iterable[RawRecord], shared: Any) -> Iterator[PreparedRow]:
    """``prepare`` and ``compute_signatures`` per batch, as the local worker runs them."""
    config, model, templates = shared.value
    stripper = Stripper(model, templates, config.split_articles) if model is not None else None
    params = DedupParams.from_config(config)
    for chunk in _chunks(records, config.batch_size):
        prepared: list[Prepared] = []
        texts: list[str] = []
        for raw, (p, cleaned) in zip(chunk, prepare_many(chunk, stripper, config), strict=True):
            p.document = Document(p.document.id, "", p.document.source, p.document.meta)
            p.digest = input_digest(raw)
            prepared.append(p)
            if p.status == "kept":
                texts.append(cleaned)
        sigs, sets = None, None
        if config.dedup and texts:  # shingle sets verify the pairs near the threshold (cleaner.dedup.verify)
            sigs, batch = signatures_and_shingles(texts, params)
            sets = batch.sets()
        k = 0
        for p in prepared:
            if p.status == "kept" and sigs is not None:
                yield p, sigs[k], sets[k] if sets is not None else None
                k += 1
            else:
                yield p, None, None


def _field_value(meta: Any, name: str) -> Any:
    """The keep-field value as the local engine reads it (numbers stay numbers, else a string)."""
    value = meta.get(name)
    return value if isinstance(value, (int, float)) else (str(value) if value is not None else "")


def _dedup_docs(prepared: Any, config: CleanerConfig) -> Any:
    """``(position, sort key, id, signature, shingle set)`` of every kept document with a signature."""
    keep = config.keep
    name = keep[6:] if keep.startswith("field:") else None

    def row(item: PreparedRow) -> tuple[Any, ...]:
        p, sig, sset = item
        value = _field_value(p.document.meta, name) if name else None
        key = sort_key(keep, p.position, p.length, p.kept_fraction, value, p.document.id)
        return (p.position, key, p.document.id, sig, sset)

    docs = prepared.filter(lambda item: item[1] is not None).map(row)
    if name:
        kinds = docs.map(lambda d: isinstance(d[1][0], tuple)).distinct().collect()
        if len(kinds) > 1:
            raise ValueError(f"keep={keep!r}: field values cannot be compared (numbers and strings mixed)")
    return docs


# --- analyse and materialize --------------------------------------------------------------------------------

def _analysed(p: Prepared, verdict: Verdict | None, config: CleanerConfig) -> CleanResult:
    """The text-less result of one document, as the first pass of :func:`cleaner.pipeline.clean` builds it."""
    doc = Document(p.document.id, "", meta={DIGEST_KEY: p.digest} if p.digest else {})
    if config.dedup and p.status == "kept" and verdict is None:
        verdict = (None, 1.0, p.document.id)  # a document alone is its own cluster
    if p.status == "kept" and verdict is not None and verdict[0] is not None:
        return CleanResult(doc, "duplicate", "", p.removals, f"near-duplicate of {verdict[0]}", verdict[0],
                           verdict[1], verdict[2], p.decoding)
    status = p.status if p.status in ("kept", "empty", "skipped") else "skipped"
    return CleanResult(doc, status, "", p.removals, p.reason, None, None,  # type: ignore[arg-type]
                       verdict[2] if verdict is not None else None, p.decoding,
                       p.secondary if config.split_articles else ())


def _partition_bounds(prepared: Any) -> list[int]:
    """The first position of each partition (partitions hold increasing, disjoint position ranges)."""
    firsts = prepared.mapPartitionsWithIndex(
        lambda i, it: [(i, next((row[0].position for row in it), None))]).collect()
    bounds: list[int] = []
    following = 2**62
    for _, first in sorted(firsts, reverse=True):
        # an empty partition takes the next partition's bound: bisect_right then skips it
        following = first if first is not None else following
        bounds.append(following)
    return bounds[::-1]


def analyse(records: Any, config: CleanerConfig, *, model: StripModel | None = None,
            templates: TemplateStats | None = None, partitions: int | None = None,
            run: SparkRun | None = None) -> Any:
    """An RDD of text-less CleanResults aligned with ``records`` (same partitions, same order)."""
    check_config(config)
    sc = records.context
    parts = partitions or records.getNumPartitions()
    shared = sc.broadcast((config, model if config.strip else None, templates))
    prepared = records.mapPartitions(lambda it: _prepare_partition(it, shared)).persist()
    if run is not None:
        run.cached.append(prepared)
    verdicts = None
    if config.dedup:
        docs = _dedup_docs(prepared, config)
        verdicts = resolve_verdicts(docs, DedupParams.from_config(config), config.keep, parts,
                                    run.cc_rounds if run is not None else None, run.cached if run is not None else None)
    bounds = _partition_bounds(prepared)
    # One shuffle puts each document's Prepared and verdict in the partition of its record (range of
    # positions), sorted by position, so the result zips with the records without moving any text.
    tagged = prepared.map(lambda row: (row[0].position, (0, row[0])))
    if verdicts is not None:
        tagged = tagged.union(verdicts.mapValues(lambda v: (1, v)))
    aligned = tagged.partitionBy(len(bounds), lambda pos: max(0, bisect.bisect_right(bounds, pos) - 1))
    return aligned.mapPartitions(lambda it: _analysed_partition(it, config), preservesPartitioning=True)


def _analysed_partition(items: Iterable[tuple[int, tuple[int, Any]]], config: CleanerConfig) -> Iterator[CleanResult]:
    docs: dict[int, Prepared] = {}
    verdicts: dict[int, Verdict] = {}
    for pos, (tag, value) in items:
        (verdicts if tag else docs)[pos] = value
    for pos in sorted(docs):
        yield _analysed(docs[pos], verdicts.get(pos), config)


def _materialize_partition(pairs: Iterable[tuple[RawRecord, CleanResult]], shared: Any) -> Iterator[Outcome]:
    model = shared.value
    splitter = Stripper(model, None) if model is not None else None
    for raw, result in pairs:
        result, original = materialize(result, raw)
        articles = tuple(split_article(original[s:e], splitter) for s, e in result.articles) if original else ()
        yield Outcome(result, original, raw, articles)


def outcomes(records: Any, config: CleanerConfig, *, partitions: int | None = None,
             run: SparkRun | None = None) -> Any:
    """The whole flow of :func:`cleaner.pipeline.clean` on an RDD of RawRecords: an RDD of Outcomes, in input order.

    ``records`` must hold each position once, in increasing order across and within partitions (the
    readers of :mod:`.sources` make such RDDs).
    """
    check_config(config)
    model = load_model(config) if config.strip else None
    templates = None
    if config.strip:
        templates = getattr(model, "templates", None)
        if config.learn_templates:
            learned = fit_templates(records, config, partitions or records.getNumPartitions())
            if templates is not None:
                learned.merge(templates)
            templates = learned
    results = analyse(records, config, model=model, templates=templates, partitions=partitions, run=run)
    splitter_model = model if config.split_articles else None
    shared = records.context.broadcast(splitter_model)
    return records.zip(results).mapPartitions(lambda it: _materialize_partition(it, shared))
