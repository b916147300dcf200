"""Throughput of the Spark engine (local[2] by default) against the local engine on the same corpus.

Both engines run the whole flow of ``cleaner clean`` (or ``dedup``) and hand every Outcome, with its
text, to this process; writing files is left out of both.  The corpus is the synthetic news-like
corpus of ``benchmarks/corpus.py`` (planted near-duplicates), written to a JSONL file.  Each figure is
the median of ``--runs`` runs; the Spark session is started once and its start-up time is reported
apart (it is paid once per job, not per document).  The Spark run also checks that its results equal
the local engine's.

    python benchmarks/spark_throughput.py --docs 4000 --master 'local[2]' --jobs 2
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _corpus_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_corpus", HERE / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def write_corpus(path: Path, docs: int, seed: int) -> int:
    corpus = _corpus_module()
    size = 0
    with path.open("w", encoding="utf-8") as fh:
        for page in corpus.remixed(docs, seed=seed, base=max(10, docs // 2), dup_rate=0.2):
            line = json.dumps({"id": page.id, "text": page.text, "site": page.site}, ensure_ascii=False) + "\n"
            size += len(page.text.encode("utf-8"))
            fh.write(line)
    return size


def _summary(results: list[Any]) -> list[tuple[Any, ...]]:
    return [(o.result.id, o.result.status, o.result.duplicate_of, o.result.cluster, o.result.text) for o in results]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--jobs", type=int, default=2, help="processes of the local engine")
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--command", choices=["clean", "dedup"], default="clean")
    ap.add_argument("--model", default=None, help="strip model JSON (default: the shipped model)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    from cleaner.config import CleanerConfig
    from cleaner.io.readers import open_source
    from cleaner.pipeline import clean

    config = CleanerConfig(jobs=args.jobs, model=args.model, site_field="site", strip=args.command == "clean")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        size = write_corpus(path, args.docs, args.seed)
        source = open_source(path, text_field="text", id_field="id")
        print(f"corpus: {args.docs} docs, {size / 1e6:.1f} MB of text; command {args.command}; "
              f"{args.runs} runs each", flush=True)

        local_times, expected = [], None
        for _ in range(args.runs):
            t = time.perf_counter()
            results = list(clean(source, config))
            local_times.append(time.perf_counter() - t)
            expected = _summary(results)

        from cleaner.spark import get_session, outcomes
        from cleaner.spark.sources import records_rdd

        t = time.perf_counter()
        spark = get_session(args.master)
        spark.sparkContext.setLogLevel("ERROR")
        startup = time.perf_counter() - t
        spark_times, same = [], True
        for _ in range(args.runs):
            t = time.perf_counter()
            records = records_rdd(spark.sparkContext, source, args.partitions)
            results = list(outcomes(records, config, partitions=args.partitions).toLocalIterator())
            spark_times.append(time.perf_counter() - t)
            same &= _summary(results) == expected
        spark.stop()

    for name, times in (("local", local_times), (f"spark {args.master}", spark_times)):
        med = statistics.median(times)
        print(f"{name:>18}: median {med:7.2f} s  {args.docs / med:8.1f} docs/s  {size / 1e6 / med:6.2f} MB/s  "
              f"(runs: {', '.join(f'{x:.2f}' for x in times)})")
    print(f"spark session start-up: {startup:.1f} s (once per job); results equal to the local engine: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
