"""Placeholder corpus template statistics; replaced by the real implementation."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ..text.fingerprint import normalize
from ..text.segment import lines


class TemplateStats:
    def __init__(self, min_pages: int = 3) -> None:
        self.min_pages = min_pages
        self.pages: Counter[str] = Counter()
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)

    def add_page(self, site: str, text: str) -> None:
        self.pages[site] += 1
        for key in {normalize(ln.text) for ln in lines(text) if not ln.blank}:
            self.counts[site][key] += 1

    def count(self, site: str, line: str) -> int:
        return self.counts.get(site, Counter())[normalize(line)]

    def merge(self, other: "TemplateStats") -> None:
        self.pages.update(other.pages)
        for site, c in other.counts.items():
            self.counts[site].update(c)

    def to_dict(self) -> dict[str, Any]:
        return {"min_pages": self.min_pages, "pages": dict(self.pages),
                "counts": {s: dict(c) for s, c in self.counts.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TemplateStats":
        t = cls(data.get("min_pages", 3))
        t.pages.update(data.get("pages", {}))
        for s, c in data.get("counts", {}).items():
            t.counts[s].update(c)
        return t
