"""Helpers of the hardening suite: a seeded page generator, CLI runners, log readers.

Everything a test reads is generated into pytest's tmp dirs; nothing here touches the repo.
Imported by the tests as ``hardening_helpers`` (conftest puts this folder on ``sys.path``).
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

_LATIN = ("the minister said on monday that the government would review the budget for schools "
          "hospitals and roads after weeks of protests in the capital where thousands gathered to "
          "demand lower prices and better services while officials promised new measures").split()
_ARABIC = ("أعلن وزير الخارجية اليوم أن الحكومة ستراجع الميزانية بعد أسابيع من الاحتجاجات في العاصمة "
           "حيث تجمع الآلاف للمطالبة بخفض الأسعار وتحسين الخدمات بينما وعد المسؤولون بإجراءات جديدة").split()
_TEMPLATE = ("Home | World | Politics | Sport | Contact", "Share on Facebook", "Follow us on Twitter",
             "© 2024 Example News. All rights reserved.", "اقرأ أيضا", "الرئيسية | أخبار | رياضة")


def page(rng: random.Random, n: int, size: int = 2500) -> str:
    """A news-like page of about ``size`` characters: template lines, a headline, paragraphs, a footer."""
    words = _ARABIC if n % 3 == 0 else _LATIN
    head = [rng.choice(_TEMPLATE[:3]), f"Headline number {n} " + " ".join(rng.choices(words, k=6))]
    body: list[str] = []
    total = 0
    while total < size:
        para = f"{n} " + " ".join(rng.choices(words, k=rng.randint(20, 60))) + "."
        body.append(para)
        total += len(para) + 1
    return "\n".join([*head, "", *body, "", rng.choice(_TEMPLATE[3:])]) + "\n"


def corpus(n: int, seed: int = 7, dup_every: int = 10) -> Iterator[tuple[str, str]]:
    """``n`` (id, text) pairs; every ``dup_every``-th page repeats an earlier one (exact duplicate)."""
    rng = random.Random(seed)
    texts: list[str] = []
    for i in range(n):
        if dup_every and i % dup_every == dup_every - 1 and texts:
            text = texts[rng.randrange(len(texts))]
        else:
            text = page(rng, i, rng.randint(600, 1500))
            texts.append(text)
        yield f"doc{i:06d}", text


def write_dir(root: Path, items: Iterator[tuple[str, str]] | list[tuple[str, str]],
              order: list[int] | None = None) -> Path:
    """Write pages as ``root/<id>.txt`` (in ``order`` of creation if given, to vary directory order)."""
    root.mkdir(parents=True, exist_ok=True)
    items = list(items)
    for i in order if order is not None else range(len(items)):
        doc_id, text = items[i]
        (root / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    return root


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_log(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def run_cli(args: list[str], timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    """``python -m cleaner ARGS`` in a subprocess (the real entry point, real signals)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cleaner", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, **kw)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), dot files included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def near_dup_corpus(n: int, seed: int = 13) -> list[tuple[str, str]]:
    """``n`` pages where about a third are near-duplicates of another page (a few words changed, plus a
    tail of distinct length, so "longest" never ties) and some are exact copies with a longer tail."""
    rng = random.Random(seed)
    items: list[tuple[str, str]] = []
    for i in range(n):
        if items and i % 3 == 2:
            base = items[rng.randrange(len(items))][1]
            words = base.split(" ")
            for _ in range(3):
                words[rng.randrange(len(words))] = rng.choice(_LATIN)
            text = " ".join(words) + " tail" * (i % 50 + 1) + "\n"
        else:
            text = page(rng, i, rng.randint(800, 2500))
        items.append((f"d{i:05d}", text))
    return items
