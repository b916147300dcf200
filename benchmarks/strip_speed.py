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
    rows: dict[str, tuple[list[float], list[float]]] = {f"strip_many (batch {args.batch})": ([], []),
                                                         "strip (one page)": ([], [])}
    for _ in range(args.runs):
        for name, run in zip(rows, (lambda: [stripper.strip_many(texts[i:i + args.batch])
                                             for i in range(0, len(texts), args.batch)],
                                    lambda: [stripper.strip(t) for t in texts]), strict=True):
            w0, c0 = time.perf_counter(), time.process_time()
            run()
            rows[name][0].append(size / (time.perf_counter() - w0))
            rows[name][1].append(size / (time.process_time() - c0))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(texts)} pages, {size:.2f} MB, {args.runs} runs, load average {load:.1f}")
    print("MB/s of wall time, and of this process's CPU time (per core; steadier on a busy machine)")
    print(f"{'path':<28}{'wall MB/s':>10}{'CPU MB/s':>10}   CPU runs")
    for name, (wall, cpu) in rows.items():
        print(f"{name:<28}{statistics.median(wall):>10.2f}{statistics.median(cpu):>10.2f}   "
              f"{', '.join(f'{r:.2f}' for r in cpu)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
