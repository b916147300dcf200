"""The scorer's shingle metric (eval/score.py), copied so the tests run without ../shared."""
from __future__ import annotations

import re
from collections import Counter

TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[str]:
    t = TOKEN.findall((text or "").lower())
    return Counter(" ".join(t[i:i + n]) for i in range(max(1, len(t) - n + 1)) if t)


def prf(gold: str, pred: str) -> tuple[float, float]:
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    fp, fn = sum(p.values()) - tp, sum(g.values()) - tp
    if fp == fn == 0:
        return 1.0, 1.0
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def corpus_f1(pairs: list[tuple[str, str]]) -> float:
    """F1 of the mean precision and mean recall over ``(gold, pred)`` pages, as score.py computes it."""
    ps, rs = zip(*(prf(g, p) for g, p in pairs), strict=True)
    return f1(sum(ps) / len(ps), sum(rs) / len(rs))
