"""The Spark engine gives the local engine's results: same statuses, spans, clusters, survivors and texts."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cleaner.config import CleanerConfig
from cleaner.io.readers import open_source
from cleaner.pipeline import clean as local_clean

from .corpus import model_path, planted_pages, synthetic_pages, write_dir, write_jsonl


def _local(source: Any, config: CleanerConfig) -> list[tuple[Any, ...]]:
    return [(o.result, o.original, o.articles) for o in local_clean(source, config)]


def _spark(spark: Any, source: Any, config: CleanerConfig, partitions: int = 3) -> list[tuple[Any, ...]]:
    from cleaner.spark import SparkRun, outcomes
    from cleaner.spark.sources import records_rdd

    run = SparkRun()
    records = records_rdd(spark.sparkContext, source, partitions)
    out = [(o.result, o.original, o.articles) for o in outcomes(records, config, run=run).toLocalIterator()]
    assert len(run.cc_rounds) == (1 if config.dedup else 0)
    return out


def _clusters(results: list[tuple[Any, ...]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for r, _, _ in results:
        if r.cluster is not None and r.status in ("kept", "duplicate"):
            groups.setdefault(r.cluster, []).append(r.id)
    return {k: v for k, v in groups.items() if len(v) > 1}


@pytest.fixture(scope="module")
def planted_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dir(tmp_path_factory.mktemp("planted") / "pages", planted_pages())


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> str | None:
    return model_path(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def synthetic_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pages = synthetic_pages(90)
    rows = [{"id": p.id, "text": p.text, "site": p.site, "score": (i * 7) % 5} for i, p in enumerate(pages)]
    rows.insert(3, {"id": rows[0]["id"], "text": rows[0]["text"], "site": "copy", "score": 9})  # repeated id
    rows.insert(10, {"id": "no-text", "score": 1})
    return write_jsonl(tmp_path_factory.mktemp("synthetic") / "pages.jsonl", rows)


def test_clean_directory_same_as_local(spark: Any, planted_dir: Path, model: str | None) -> None:
    config = CleanerConfig(model=model, jobs=1, batch_size=7)
    source = open_source(planted_dir)
    local, remote = _local(source, config), _spark(spark, source, config)
    assert [r.id for r, _, _ in remote] == [r.id for r, _, _ in local]
    assert remote == local
    statuses = Counter(r.status for r, _, _ in local)
    assert statuses["duplicate"] >= 5, statuses  # the planted copies were found, so the test means something
    assert _clusters(remote) == _clusters(local)


@pytest.mark.parametrize("keep", ["first", "longest", "cleanest", "field:score"])
def test_dedup_jsonl_keep_policies_same_as_local(spark: Any, synthetic_jsonl: Path, keep: str) -> None:
    config = CleanerConfig(strip=False, keep=keep, jobs=1, batch_size=16)
    source = open_source(synthetic_jsonl)
    local, remote = _local(source, config), _spark(spark, source, config, partitions=4)
    assert remote == local
    assert sum(r.status == "duplicate" for r, _, _ in local) >= 10


def test_dedup_exact_verify_same_as_deduper(spark: Any, synthetic_jsonl: Path) -> None:
    """exact_verify: the verdicts of a local Deduper given the texts (the pipeline does not pass them yet)."""
    from cleaner.dedup import Deduper, DedupParams, compute_signatures
    from cleaner.pipeline import decode_record

    config = CleanerConfig(strip=False, exact_verify=True, threshold=0.7, jobs=1)
    source = open_source(synthetic_jsonl)
    remote = _spark(spark, source, config, partitions=2)
    kept = [(raw.id, text) for raw in source if (text := decode_record(raw).text) and text.strip()]
    params = DedupParams.from_config(config)
    deduper = Deduper(params, keep="first")
    texts = [t for _, t in kept]
    deduper.add([i for i, _ in kept], compute_signatures(texts, params), [len(t) for t in texts], [1.0] * len(texts),
                texts=texts)
    expected = {v.id: (v.duplicate_of, v.similarity if v.duplicate_of else None, v.cluster) for v in deduper.resolve()}
    got = {r.id: (r.duplicate_of, r.similarity, r.cluster) for r, _, _ in remote if r.status in ("kept", "duplicate")}
    assert got == expected
    assert any(v[0] for v in got.values())


def test_dataframe_api_same_verdicts(spark: Any, synthetic_jsonl: Path) -> None:
    import json

    from cleaner.spark import dedup

    rows = [json.loads(line) for line in synthetic_jsonl.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if "text" in r]
    df = spark.createDataFrame([(r["id"], r["text"], r["score"]) for r in rows], "id string, text string, score long")
    out = dedup(df, config=CleanerConfig(keep="longest")).orderBy("cleaner_position").collect()
    jsonl = synthetic_jsonl.with_name("rows.jsonl")
    write_jsonl(jsonl, [{"id": r["id"], "text": r["text"], "score": r["score"]} for r in rows])
    local = _local(open_source(jsonl), CleanerConfig(strip=False, keep="longest", jobs=1))
    assert [row.cleaner_id for row in out] == [r.id for r, _, _ in local]
    assert [(row.cleaner_status, row.cleaner_duplicate_of, row.cleaner_similarity, row.cleaner_cluster, row.text)
            for row in out] == [(r.status, r.duplicate_of, r.similarity, r.cluster, r.text) for r, _, _ in local]
    assert [row.score for row in out] == [r["score"] for r in rows]
