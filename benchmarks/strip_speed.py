"""Stripping speed in MB/s (UTF-8 input bytes per second, one process), median of several runs.

Pages go through ``Stripper.strip_many`` in batches of ``--batch`` (the pipeline's path; the array
work is shared by the batch) and, for comparison, one at a time through ``Stripper.strip``.

Usage: python benchmarks/strip_speed.py [--eval-dir /work/shared/eval] [--runs 5] [--pages 300] [--batch 64]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from cleaner.boilerplate import StripModel, Stripper


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args(argv)
    texts: list[str] = []
    for name in ("seeds", "wcxb-dev", "daniel-dev"):
        with (args.eval_dir / f"{name}.jsonl").open(encoding="utf-8") as fh:
            texts += [json.loads(line)["page_text"] for line in fh if line.strip()][: args.pages]
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    stripper = Stripper(StripModel.load(None))
    stripper.strip(texts[0])  # build lookup tables outside the timing
    batched, single = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for i in range(0, len(texts), args.batch):
            stripper.strip_many(texts[i:i + args.batch])
        batched.append(size / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        for t in texts:
            stripper.strip(t)
        single.append(size / (time.perf_counter() - t0))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(texts)} pages, {size:.2f} MB, {args.runs} runs, load average {load:.1f}")
    print(f"{'path':<28}{'median MB/s':>12}   runs")
    for name, rates in ((f"strip_many (batch {args.batch})", batched), ("strip (one page)", single)):
        print(f"{name:<28}{statistics.median(rates):>12.2f}   {', '.join(f'{r:.2f}' for r in rates)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
