"""Placeholder stripper: drops short lines and repeated lines; replaced by the learned stripper."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..document import Removal, normalize_spans
from ..text.segment import lines
from .model import StripModel
from .templates import TemplateStats


@dataclass(frozen=True)
class StripOutcome:
    removals: tuple[Removal, ...]
    secondary: tuple[tuple[int, int], ...] = field(default=())


class Stripper:
    def __init__(self, model: StripModel, templates: TemplateStats | None = None,
                 split_articles: bool = False) -> None:
        self.model = model
        self.templates = templates
        self.split_articles = split_articles

    def strip(self, text: str, site: str | None = None) -> StripOutcome:
        seen: set[str] = set()
        out = []
        for ln in lines(text):
            s = ln.text.strip()
            if ln.blank:
                continue
            if s in seen:
                out.append(Removal(ln.start, ln.stop, "repeated_headline"))
            elif len(s.split()) < self.model.min_words and len(s) < 40:
                out.append(Removal(ln.start, ln.stop, "other"))
            seen.add(s)
        return StripOutcome(normalize_spans(out, len(text)))
