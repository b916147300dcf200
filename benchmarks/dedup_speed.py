"""Dedup speed: our signatures vs datasketch and rensa on one corpus, and a scaling run.

    python benchmarks/dedup_speed.py                  # table, 20k pages, medians of 3 repeats
    python benchmarks/dedup_speed.py --docs 5000 --repeats 5
    python benchmarks/dedup_speed.py --scale 10000,100000,1000000   # time and peak RSS per size
    python benchmarks/dedup_speed.py --index-size 20000             # SQLite index bytes per document
    python benchmarks/dedup_speed.py --ab 2225bd8 --docs 10000 --repeats 5  # signatures: then vs now

Peers get the cheapest Python tokenization (lowercase, ``re`` ``\\w+``, ``' '.join`` of word 5-grams,
as in MEASURED.md), so their rates are upper bounds.  Slow peers run on a subsample and their rate
is extrapolated.  Every row reports MB/s of UTF-8 input and documents/s in one process.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import generate, remixed  # noqa: E402

from cleaner.dedup import Deduper, DedupParams, compute_signatures  # noqa: E402
from cleaner.dedup.minhash import signatures_and_shingles  # noqa: E402

WORD = re.compile(r"\w+")
BATCH = 1000


def python_shingles(text: str, n: int = 5) -> list[str]:
    tokens = WORD.findall(text.lower())
    if len(tokens) < n:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def ours(texts: Sequence[str], params: DedupParams) -> None:
    for lo in range(0, len(texts), BATCH):
        compute_signatures(texts[lo:lo + BATCH], params)


def engine(texts: Sequence[str], params: DedupParams) -> None:
    """The full engine in one process: signatures + shingles, Deduper.add per batch, resolve (default verify)."""
    d = Deduper(params)
    for lo in range(0, len(texts), BATCH):
        part = texts[lo:lo + BATCH]
        sigs, shingles = signatures_and_shingles(part, params)
        d.add([str(i) for i in range(lo, lo + len(part))], sigs, [len(t) for t in part], [1.0] * len(part),
              shingles=shingles)
    d.resolve()


def datasketch_update(texts: Sequence[str], params: DedupParams) -> None:
    from datasketch import MinHash

    for t in texts:
        m = MinHash(num_perm=params.num_perm, seed=params.seed)
        for s in python_shingles(t):
            m.update(s.encode("utf-8"))


def datasketch_bulk(texts: Sequence[str], params: DedupParams) -> None:
    from datasketch import MinHash

    MinHash.bulk([[s.encode("utf-8") for s in python_shingles(t)] for t in texts], num_perm=params.num_perm,
                 seed=params.seed)


def rensa_update(texts: Sequence[str], params: DedupParams) -> None:
    from rensa import RMinHash

    for t in texts:
        m = RMinHash(num_perm=params.num_perm, seed=params.seed)
        m.update(python_shingles(t))
        m.digest()


def cli_hook(jsonl: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds (children included) of the full ``cleaner dedup`` CLI on a JSONL corpus.

    It reads, decodes, signs, verifies, clusters, and writes the kept rows and the provenance log.
    """
    out = jsonl.parent / f"out{jobs}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cleaner", "dedup", str(jsonl), "-o", str(out), "--jobs", str(jobs),
                    "--overwrite", "--quiet"], check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _write_jsonl(texts: Sequence[str], path: Path) -> Path:
    import json

    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": f"p{i:07d}", "text": t}, ensure_ascii=False) + "\n")
    return path


def table(docs: int, repeats: int, cli: bool = True) -> None:
    import tempfile

    params = DedupParams()
    texts = [p.text for p in generate(docs)]
    compute_signatures(texts[:10], params)  # build the lookup tables outside the timings
    rows = [("ours: compute_signatures", ours, 1.0), ("ours: full engine (signatures + Deduper)", engine, 1.0),
            ("datasketch MinHash.update per shingle", datasketch_update, 0.01),
            ("datasketch MinHash.bulk", datasketch_bulk, 0.05),
            ("rensa RMinHash + Python tokenization", rensa_update, 0.25)]
    samples = [texts[: max(50, int(len(texts) * share))] for _, _, share in rows]
    runs: list[list[float]] = [[] for _ in rows]
    cpu: list[list[float]] = [[] for _ in rows]
    cli_runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []} if cli else {}
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="dedup-speed-") as tmp:
        jsonl = _write_jsonl(texts, Path(tmp) / "pages.jsonl") if cli else None
        for _ in range(repeats):  # interleaved, so that load from other processes hits every row alike
            loads.append(os.getloadavg()[0])
            for k, (_, fn, _) in enumerate(rows):
                start, start_cpu = time.perf_counter(), time.process_time()
                fn(samples[k], params)
                runs[k].append(time.perf_counter() - start)
                cpu[k].append(time.process_time() - start_cpu)
            for jobs in cli_runs:
                assert jsonl is not None
                cli_runs[jobs].append(cli_hook(jsonl, jobs))
    results = []
    for (name, _, _), sample, times, cpu_times in zip(rows, samples, runs, cpu, strict=True):
        mb = sum(len(t.encode("utf-8")) for t in sample) / 1e6
        seconds, cpu_seconds = statistics.median(times), statistics.median(cpu_times)
        results.append((name, len(sample), mb / seconds, len(sample) / seconds, mb / cpu_seconds))
    base = results[0][2]
    print(f"corpus: {docs} pages, {sum(len(t.encode()) for t in texts) / docs / 1000:.2f} KB avg; "
          f"num_perm={params.num_perm}, word {params.ngram}-grams; median of {repeats}")
    print(f"load average (1 min) at each repeat: {', '.join(f'{x:.1f}' for x in loads)}; 'CPU MB/s' divides by "
          "process CPU time (per-core rate on a shared machine)")
    print(f"| {'method':44} | {'docs timed':>10} | {'MB/s':>8} | {'docs/s':>9} | {'ours is x faster':>16} "
          f"| {'CPU MB/s':>8} | {'x (CPU)':>7} |")
    print(f"|{'-' * 46}|{'-' * 12}|{'-' * 10}|{'-' * 11}|{'-' * 18}|{'-' * 10}|{'-' * 9}|")
    for name, n, mbs, dps, cpu_mbs in results:
        print(f"| {name:44} | {n:>10} | {mbs:8.2f} | {dps:9.0f} | {base / mbs:16.1f} | {cpu_mbs:8.2f} "
              f"| {results[0][4] / cpu_mbs:7.1f} |")
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    walls = {}
    for jobs, samples_ in cli_runs.items():
        walls[jobs] = statistics.median(w for w, _ in samples_)
        cpu_s = statistics.median(c for _, c in samples_)
        name = f"cleaner dedup CLI (JSONL in/out), --jobs {jobs}"
        print(f"| {name:44} | {docs:>10} | {mb / walls[jobs]:8.2f} | {docs / walls[jobs]:9.0f} | "
              f"{base / (mb / walls[jobs]):16.1f} | {mb / cpu_s:8.2f} | {results[0][4] / (mb / cpu_s):7.1f} |")
    if len(walls) == 2:
        print(f"CLI speed-up, --jobs 2 vs --jobs 1 (median wall): {walls[1] / walls[2]:.2f}x; "
              f"all runs (wall s): {cli_runs}")


def scale_one(n: int) -> None:
    params = DedupParams()
    d = Deduper(params)
    compute_signatures(["warm up"], params)
    sig_time = sig_cpu = 0.0
    batch: list[str] = []
    mb = 0.0
    count = 0

    def flush() -> None:
        nonlocal sig_time, sig_cpu, count
        start, start_cpu = time.perf_counter(), time.process_time()
        sigs, shingles = signatures_and_shingles(batch, params)
        d.add([str(i) for i in range(count, count + len(batch))], sigs, [len(t) for t in batch], [1.0] * len(batch),
              shingles=shingles)
        sig_time += time.perf_counter() - start
        sig_cpu += time.process_time() - start_cpu
        count += len(batch)
        batch.clear()

    for page in remixed(n):
        batch.append(page.text)
        mb += len(page.text.encode()) / 1e6
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()
    start, start_cpu = time.perf_counter(), time.process_time()
    verdicts = d.resolve()
    resolve_time = time.perf_counter() - start
    resolve_cpu = time.process_time() - start_cpu
    dups = sum(v.duplicate_of is not None for v in verdicts)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| {n:>9} | {mb:8.0f} | {sig_time:11.1f} | {resolve_time:9.1f} | {sig_time + resolve_time:9.1f} | "
          f"{sig_cpu + resolve_cpu:9.1f} | {mb / sig_cpu:12.1f} | {rss:11.0f} | {dups:>10} | "
          f"{os.getloadavg()[0]:4.1f} |", flush=True)


def scale(sizes: list[int]) -> None:
    print("remixed corpus (benchmarks/corpus.py:remixed), one process; generation time excluded")
    print("wall seconds, and CPU seconds of the process (the per-core cost on a shared machine)")
    print("|      docs |       MB | signature s | resolve s |   total s |   CPU s   | sig CPU MB/s | peak RSS MB | "
          "duplicates | load |")
    print("|-----------|----------|-------------|-----------|-----------|-----------|--------------|-------------|"
          "------------|------|")
    for n in sizes:  # a fresh process per size, so that peak RSS is that size's own
        subprocess.run([sys.executable, __file__, "--scale-one", str(n)], check=True)


def index_size(n: int) -> None:
    """Bytes per indexed document of the SQLite index after two incremental runs of ``n / 2`` pages each."""
    import tempfile

    params = DedupParams()
    texts = [p.text for p in remixed(n)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite"
        for offset in (0, n // 2):
            half = texts[offset:offset + n // 2] if offset == 0 else texts[offset:]
            d = Deduper(params, index=path)
            for lo in range(0, len(half), BATCH):
                part = half[lo:lo + BATCH]
                ids = [f"https://site{k % 50:03d}.example/news/2026/{k:07d}.html"  # URL-sized ids
                       for k in range(offset + lo, offset + lo + len(part))]
                d.add(ids, compute_signatures(part, params),
                      [len(t) for t in part], [1.0] * len(part))
            start = time.perf_counter()
            d.resolve()
            seconds = time.perf_counter() - start
        import sqlite3

        docs = sqlite3.connect(path).execute("SELECT count(*) FROM docs").fetchone()[0]
        size = path.stat().st_size
        print(f"index: {docs} documents indexed of {n}, {size / 1e6:.1f} MB, {size / docs:.0f} bytes/document "
              f"(bands x rows = {params.bands}); second run's resolve {seconds:.1f} s")


def ab(commit: str, docs: int, repeats: int) -> None:
    """MB per CPU second of signatures with ``cleaner/dedup/shingle.py`` as of ``commit`` vs now, interleaved."""
    import importlib.util
    import tempfile

    import numpy as np

    from cleaner.dedup import shingle as current
    from cleaner.dedup.minhash import minhash_shingles

    source = subprocess.run(["git", "show", f"{commit}:cleaner/dedup/shingle.py"], check=True, capture_output=True,
                            text=True, cwd=Path(__file__).resolve().parent.parent).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location("cleaner.dedup._shingle_then", fh.name)
    assert spec is not None and spec.loader is not None
    then = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(then)
    os.unlink(fh.name)
    texts = [p.text for p in generate(docs)]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    mods = {commit: then, "now": current}
    for mod in mods.values():  # tables outside the timings; the same signatures or the comparison is void
        assert np.array_equal(minhash_shingles(mod.shingle_batch(texts[:500], 5), 128, 1),
                              minhash_shingles(current.shingle_batch(texts[:500], 5), 128, 1))
    rates: dict[str, list[float]] = {name: [] for name in mods}
    loads = []
    for _ in range(repeats):
        loads.append(os.getloadavg()[0])
        for name, mod in mods.items():
            start = time.process_time()
            for lo in range(0, len(texts), BATCH):
                minhash_shingles(mod.shingle_batch(texts[lo:lo + BATCH], 5), 128, 1)
            rates[name].append(mb / (time.process_time() - start))
    for name, values in rates.items():
        print(f"{name}: median {statistics.median(values):.1f} MB per CPU second; runs "
              f"{', '.join(f'{v:.1f}' for v in values)}")
    print(f"load average at each repeat: {', '.join(f'{x:.1f}' for x in loads)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=str, default=None)
    parser.add_argument("--index-size", type=int, default=None, help="measure index bytes per document")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI rows (--jobs 1 and 2)")
    parser.add_argument("--ab", metavar="COMMIT", help="signatures with shingle.py of COMMIT vs now (CPU MB/s)")
    parser.add_argument("--scale-one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ab:
        ab(args.ab, args.docs, args.repeats)
    elif args.index_size:
        index_size(args.index_size)
    elif args.scale_one:
        scale_one(args.scale_one)
    elif args.scale:
        scale([int(x) for x in args.scale.split(",")])
    else:
        table(args.docs, args.repeats, cli=not args.no_cli)
    return 0


if __name__ == "__main__":
    sys.exit(main())
