"""Train the shipped default model, cleaner/models/default.json, on all shared dev data (deterministic).

Usage: python benchmarks/train_default_model.py [--eval-dir /work/shared/eval] [-o cleaner/models/default.json]

Rows: seeds (weight 5: the only Arabic pages), wcxb-dev, daniel-dev.  Site templates for the template
feature are fit over the rows' pages grouped by ``site``; the shipped model holds no templates.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from cleaner.boilerplate.train import train_model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("-o", "--output", type=Path, default=Path(__file__).resolve().parent.parent
                    / "cleaner" / "models" / "default.json")
    ap.add_argument("--ensemble", type=int, default=3, help="nets averaged into the shipped one")
    args = ap.parse_args(argv)
    rows = []
    for name, weight in (("seeds", 5.0), ("wcxb-dev", 1.0), ("daniel-dev", 1.0)):
        for line in (args.eval_dir / f"{name}.jsonl").open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                row["weight"] = weight
                rows.append(row)
    t0 = time.time()
    model = train_model(rows, ensemble=args.ensemble)
    model.meta["trained_on"] = "seeds(x5) + wcxb-dev + daniel-dev"
    model.save(args.output)
    print(f"trained on {len(rows)} pages in {time.time() - t0:.0f}s -> {args.output} "
          f"({args.output.stat().st_size} bytes, digest {model.training_digest[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
