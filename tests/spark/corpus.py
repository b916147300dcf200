"""The test corpus: the fixture pages, planted near-duplicates of them, and synthetic news-like pages."""
from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "fixtures" / "pages"
EXPECTED = ROOT / "fixtures" / "expected"
PERSIAN = str.maketrans({"ي": "ی", "ك": "ک"})


def _edit(text: str, rng: random.Random, words: int) -> str:
    """Replace a few words of the text's longest line (the article), keeping every other byte."""
    lines = text.split("\n")
    k = max(range(len(lines)), key=lambda i: len(lines[i]))
    tokens = lines[k].split(" ")
    for _ in range(words):
        tokens[rng.randrange(len(tokens))] = rng.choice(["edited", "تعديل", "word", "خبر"])
    lines[k] = " ".join(tokens)
    return "\n".join(lines)


def planted_pages(seed: int = 5) -> dict[str, str]:
    """Fixture pages plus, per page, a Persian-letter copy, a lightly edited copy and an edited Persian copy."""
    rng = random.Random(seed)
    pages = {p.name: p.read_text(encoding="utf-8") for p in sorted(PAGES.glob("*.txt"))}
    out = dict(pages)
    for name, text in pages.items():
        stem = name[:-4]
        out[f"{stem}_fa.txt"] = text.translate(PERSIAN)
        out[f"{stem}_ed.txt"] = _edit(text, rng, 2)
        out[f"{stem}_fa_ed.txt"] = _edit(text.translate(PERSIAN), rng, 4)
    out["zz_unrelated_empty.txt"] = "\n\n"
    return out


def synthetic_pages(n: int, seed: int = 11) -> list[Any]:
    """Synthetic pages with planted near-duplicates (benchmarks/corpus.py), as its Page records."""
    spec = importlib.util.spec_from_file_location("cleaner_bench_corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    if spec.name not in sys.modules:
        sys.modules[spec.name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return list(module.remixed(n, seed=seed, base=max(10, n // 3), dup_rate=0.35))


def write_dir(folder: Path, pages: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def model_path(tmp: Path) -> str | None:
    """None when the shipped model loads; else a model trained on the fixtures (while it is being rebuilt)."""
    from cleaner.boilerplate import StripModel, train
    from cleaner.errors import ModelError

    try:
        StripModel.load(None)
        return None
    except ModelError:
        rows = [{"page_text": p.read_text(encoding="utf-8"),
                 "gold_text": (EXPECTED / p.name).read_text(encoding="utf-8")} for p in sorted(PAGES.glob("*.txt"))]
        path = tmp / "fixture-model.json"
        train(rows).save(path)
        return str(path)
