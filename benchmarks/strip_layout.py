"""Strip quality when a page is spaced another way: F1 of the same pages as saved, with every line indented,
with a blank line after every line, and with no blank lines.

Scrapers differ in how they space a page's text. The labelled wcxb-dev and daniel-dev pages have no
blank lines and no indented lines, the seed pages have both, so a model that read the spacing learnt it
from five pages. Each column strips the same pages with the shipped model (or ``--model``) and scores
them with eval/score.py's metric; with the spacing left out of the line model the columns are equal.

Usage: python benchmarks/strip_layout.py [--eval-dir /work/shared/eval] [--pages 80] [--model PATH]
"""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strip_quality import f1_of, load, load_score, predict  # noqa: E402

from cleaner.boilerplate import StripModel  # noqa: E402

LAYOUTS: dict[str, Callable[[str], str]] = {
    "as saved": lambda t: t,
    "indented 4 spaces": lambda t: re.sub(r"(?m)^(?=\S)", "    ", t),
    "indented 1 tab": lambda t: re.sub(r"(?m)^(?=\S)", "\t", t),
    "blank line after each": lambda t: t.replace("\n", "\n\n"),
    "no blank lines": lambda t: re.sub(r"\n\s*\n", "\n", t),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--pages", type=int, default=80, help="pages of each dev set (all seeds)")
    ap.add_argument("--model", type=Path, default=None, help="a model file (default: the shipped model)")
    args = ap.parse_args(argv)
    score = load_score(args.eval_dir)
    model = StripModel.load(args.model)
    sets = {"seeds": load(args.eval_dir / "seeds.jsonl"),
            **{name: load(args.eval_dir / f"{name}.jsonl")[: args.pages] for name in ("wcxb-dev", "daniel-dev")}}
    print(f"| pages | {' | '.join(LAYOUTS)} |")
    print(f"|---|{'---|' * len(LAYOUTS)}")
    for name, rows in sets.items():
        cells = []
        for layout in LAYOUTS.values():
            spaced = [{**r, "page_text": layout(r["page_text"])} for r in rows]
            cells.append(f"{f1_of(score, rows, predict(model, spaced, None))['f1']:.4f}")
        print(f"| {name} ({len(rows)}) | {' | '.join(cells)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
