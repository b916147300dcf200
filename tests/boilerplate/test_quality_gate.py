"""Quality gate: F1 with the shipped model must not drop below the floors in benchmarks/baseline.json.

This is an *in-sample regression gate*: the default model is trained on all shared dev pages, the seeds
and the pinned subset (tests/boilerplate/data/pinned_dev.jsonl, 60 small wcxb/daniel pages) included.
Out-of-sample figures come from the site-grouped cross-validation in benchmarks/strip_quality.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from helpers import corpus_f1

from cleaner.boilerplate import Stripper
from cleaner.document import apply_removals

ROOT = Path(__file__).resolve().parents[2]
BASELINE = json.loads((ROOT / "benchmarks" / "baseline.json").read_text(encoding="utf-8"))


def test_seeds_f1_floor(stripper: Stripper) -> None:
    pairs = []
    for page in sorted((ROOT / "fixtures" / "pages").glob("*.txt")):
        text = page.read_text(encoding="utf-8")
        gold = (ROOT / "fixtures" / "expected" / page.name).read_text(encoding="utf-8")
        pairs.append((gold, apply_removals(text, stripper.strip(text).removals)))
    assert corpus_f1(pairs) >= BASELINE["gate"]["seeds_f1"]


def test_pinned_dev_f1_floor(stripper: Stripper) -> None:
    rows = [json.loads(line) for line in (Path(__file__).parent / "data" / "pinned_dev.jsonl").open(encoding="utf-8")]
    pairs = [(r["gold_text"], apply_removals(r["page_text"], stripper.strip(r["page_text"]).removals)) for r in rows]
    assert corpus_f1(pairs) >= BASELINE["gate"]["pinned_dev_f1"]
