"""The records that flow through the pipeline: Document, Removal, CleanResult."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: Why a span was removed.  The vocabulary is closed: every Removal uses one of these.
REASONS: tuple[str, ...] = (
    "repeated_headline",  # the headline (or a caption) printed again
    "caption",  # photo caption / credit line
    "navigation",  # menus, section lists, breadcrumbs, bullet menus
    "page_header",  # date, section, timestamp and publisher lines above the article
    "related_links",  # "Related", "Read more", "اقرأ أيضا" blocks and their items
    "comments",  # comment sections and the most-read lists that follow them
    "secondary_article",  # a second article appended after the main one
    "glued_headline",  # headlines glued to the end of the last paragraph
    "site_template",  # a line that recurs across many pages of the same site
    "footer",  # share/follow prompts, logos, copyright, footers
    "duplicate",  # the whole document is a near-duplicate of another one
    "empty",  # nothing of an article was left
    "other",  # boilerplate that fits none of the above
)

Status = Literal["kept", "duplicate", "empty", "skipped"]
STATUSES: tuple[str, ...] = ("kept", "duplicate", "empty", "skipped")


@dataclass(frozen=True)
class Document:
    """One input page: an id unique within the run, its decoded text, where it came from, and extra fields."""

    id: str
    text: str
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Removal:
    """A half-open span ``[start, end)`` of the decoded input text that the cleaner removed."""

    start: int
    end: int
    reason: str
    score: float = 1.0
    evidence: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown removal reason {self.reason!r}; expected one of {REASONS}")
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span [{self.start}, {self.end})")


@dataclass(frozen=True)
class CleanResult:
    """What became of one Document.

    ``text`` is the cleaned text: the input minus exactly the ``removals`` spans.
    A document that is dropped (duplicate, empty, skipped) is still a CleanResult, with ``reason`` set.
    """

    document: Document
    status: Status
    text: str
    removals: tuple[Removal, ...] = ()
    reason: str | None = None
    duplicate_of: str | None = None
    similarity: float | None = None
    cluster: str | None = None
    decoding: Mapping[str, Any] = field(default_factory=dict)
    #: ``(start, end)`` spans of a second article appended to the page (written out with --split-articles)
    articles: tuple[tuple[int, int], ...] = ()

    @property
    def id(self) -> str:
        return self.document.id

    @property
    def chars_removed(self) -> int:
        return sum(r.end - r.start for r in self.removals)


def normalize_spans(removals: list[Removal] | tuple[Removal, ...], length: int) -> tuple[Removal, ...]:
    """Sort spans, clip them to ``[0, length)``, drop empty ones and resolve overlaps (earlier span wins)."""
    out: list[Removal] = []
    cursor = 0
    for r in sorted(removals, key=lambda r: (r.start, -r.end)):
        start, end = max(r.start, cursor), min(r.end, length)
        if end <= start:
            continue
        if out and out[-1].end == start and out[-1].reason == r.reason and out[-1].evidence == r.evidence:
            prev = out.pop()
            out.append(Removal(prev.start, end, r.reason, max(prev.score, r.score), r.evidence))
        else:
            out.append(Removal(start, end, r.reason, r.score, r.evidence))
        cursor = end
    return tuple(out)


def apply_removals(text: str, removals: tuple[Removal, ...] | list[Removal]) -> str:
    """Return ``text`` minus the (normalized, non-overlapping) spans."""
    parts: list[str] = []
    cursor = 0
    for r in removals:
        parts.append(text[cursor : r.start])
        cursor = r.end
    parts.append(text[cursor:])
    return "".join(parts)


def restore_text(cleaned: str, removals: list[tuple[int, int, str]]) -> str:
    """Rebuild the input from the cleaned text and the removed spans ``(start, end, removed_text)``."""
    parts: list[str] = []
    pos_in = 0  # position in the original
    pos_clean = 0
    for start, end, removed in sorted(removals):
        keep = start - pos_in
        parts.append(cleaned[pos_clean : pos_clean + keep])
        pos_clean += keep
        parts.append(removed)
        pos_in = end
    parts.append(cleaned[pos_clean:])
    return "".join(parts)
