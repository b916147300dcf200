"""Placeholder line model; replaced by the trained model."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from .templates import TemplateStats


@dataclass
class StripModel:
    min_words: int = 8
    templates: TemplateStats | None = None

    @classmethod
    def load(cls, path: str | Path | None = None) -> "StripModel":
        if path is None:
            return cls()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        t = TemplateStats.from_dict(data["templates"]) if data.get("templates") else None
        return cls(data.get("min_words", 8), t)

    def save(self, path: str | Path) -> None:
        data: dict[str, Any] = {"min_words": self.min_words,
                                "templates": self.templates.to_dict() if self.templates else None}
        Path(path).write_text(json.dumps(data), encoding="utf-8")


def train(rows: Iterable[Mapping[str, Any]]) -> StripModel:
    return StripModel()
