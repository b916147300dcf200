"""Stripping speed in MB/s (UTF-8 input bytes per second, one process), median of several runs.

Usage: python benchmarks/strip_speed.py [--eval-dir /work/shared/eval] [--runs 5] [--pages 300]
"""
from __future__ import annotations

import argparse
import json
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
    args = ap.parse_args(argv)
    texts: list[str] = []
    for name in ("seeds", "wcxb-dev", "daniel-dev"):
        with (args.eval_dir / f"{name}.jsonl").open(encoding="utf-8") as fh:
            texts += [json.loads(line)["page_text"] for line in fh if line.strip()][: args.pages]
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    stripper = Stripper(StripModel.load(None))
    stripper.strip(texts[0])  # build lookup tables outside the timing
    rates = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for t in texts:
            stripper.strip(t)
        rates.append(size / (time.perf_counter() - t0))
    print(json.dumps({"pages": len(texts), "mb": round(size, 2), "runs": [round(r, 2) for r in rates],
                      "median_mb_per_s": round(statistics.median(rates), 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
