"""CleanerConfig: one vocabulary for library kwargs, ``[tool.cleaner]`` keys and CLI ``--flag-names``."""
from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import UsageError

KEEP_POLICIES = ("first", "longest", "cleanest")


@dataclass(frozen=True)
class CleanerConfig:
    """Every setting of a run.  Field names are the pyproject keys; ``--a-b`` on the CLI is field ``a_b``."""

    # stripping
    strip: bool = True
    model: str | None = None  # path of a model JSON; None = the model shipped in the package
    learn_templates: bool = True  # learn site templates from the input corpus itself
    site_field: str | None = None  # JSONL/Parquet field naming the site; default: URL domain or parent folder
    min_template_pages: int = 3  # a line on at least this many pages of a site is template
    split_articles: bool = False  # write a second appended article as a document of its own
    # dedup
    dedup: bool = True
    threshold: float = 0.8
    num_perm: int = 128
    ngram: int = 5
    char_ngrams: int = 0  # >0: character n-grams instead of word n-grams
    seed: int = 1
    keep: str = "first"  # first | longest | cleanest | field:NAME
    exact_verify: bool = False  # verify candidates by exact Jaccard on shingle sets
    index: str | None = None  # SQLite index for incremental dedup across runs
    # input / output
    include: tuple[str, ...] = ("*.txt",)
    exclude: tuple[str, ...] = ()
    text_field: str = "text"
    id_field: str = "id"
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    batch_size: int = 1024

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise UsageError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.num_perm < 2:
            raise UsageError(f"num-perm must be at least 2, got {self.num_perm}")
        if self.ngram < 1:
            raise UsageError(f"ngram must be at least 1, got {self.ngram}")
        if self.char_ngrams < 0:
            raise UsageError(f"char-ngrams must be 0 (off) or positive, got {self.char_ngrams}")
        if self.jobs < 1:
            raise UsageError(f"jobs must be at least 1, got {self.jobs}")
        if self.keep not in KEEP_POLICIES and not (self.keep.startswith("field:") and len(self.keep) > 6):
            raise UsageError(f"keep must be one of {', '.join(KEEP_POLICIES)} or field:NAME, got {self.keep!r}")
        if self.min_template_pages < 2:
            raise UsageError("min-template-pages must be at least 2")

    def replace(self, **changes: Any) -> CleanerConfig:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> CleanerConfig:
        """Build from a mapping whose keys may use dashes or underscores; unknown keys are an error."""
        names = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            name = key.replace("-", "_")
            if name not in names:
                raise UsageError(f"unknown setting {key!r}; known settings: {', '.join(sorted(names))}")
            if name in ("include", "exclude") and isinstance(value, str):
                value = (value,)
            if isinstance(value, list):
                value = tuple(value)
            kwargs[name] = value
        return cls(**kwargs)


def load_pyproject(start: Path) -> dict[str, Any]:
    """Return ``[tool.cleaner]`` from the nearest pyproject.toml at or above ``start`` (empty if none)."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else start.parents:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise UsageError(f"cannot read {candidate}: {exc}") from exc
            section = data.get("tool", {}).get("cleaner", {})
            return dict(section) if isinstance(section, dict) else {}
    return {}
