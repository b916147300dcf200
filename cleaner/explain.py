"""``cleaner explain ID``: why a document, or a line of it, was removed — read from a run's log and outputs.

For a near-duplicate: the similarity, and the text the dedup compared (the page minus its boilerplate)
side by side with the kept text of the document it matched, shared passages marked ``⟦…⟧``.  Shared
passages are the runs of words covered by word n-grams (the run's ``ngram``) present in both texts.
For a kept or empty page: each removed span with its line, reason, score and evidence (for a site
template line, on how many pages of the site it was found).  Nothing is recomputed: the log says what
the run decided; this module only reads it back.
"""
from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

import regex

from .document import Removal, apply_removals
from .errors import UsageError
from .io.provenance import read_log, rebuild
from .io.writers import confined_path
from .text.segment import lines

__all__ = ["Explanation", "LogRun", "explain", "shared_passages"]

_WORD = regex.compile(r"\S+")
OPEN, CLOSE = "⟦", "⟧"


class LogRun:
    """A run read back from its provenance log (header + records by id) and its output folder."""

    def __init__(self, log: Path, out: Path | None = None) -> None:
        self.log = Path(log)
        self.out = Path(out) if out is not None else self.log.parent
        head, records = read_log(self.log)
        self.header = head
        self.records: dict[str, dict[str, Any]] = {}
        for rec in records:
            if isinstance(rec, dict) and "id" in rec:
                self.records[str(rec["id"])] = rec
        config = head.get("config") if isinstance(head.get("config"), dict) else {}
        self.config: dict[str, Any] = config or {}
        self._rows: dict[str, list[dict[str, Any]]] = {}

    def output_text(self, rec: dict[str, Any]) -> str | None:
        """The kept text of a record as written in the output folder (None if not kept or unreadable)."""
        output = rec.get("output")
        if rec.get("status") != "kept" or not isinstance(output, dict):
            return None
        try:
            if "path" in output:
                return confined_path(self.out, output["path"]).read_bytes().decode("utf-8")
            name, row = output["file"], int(output["row"])
            if name not in self._rows:
                path = confined_path(self.out, name)
                if path.suffix.lower() in (".parquet", ".pq"):
                    import pyarrow.parquet as pq

                    self._rows[name] = pq.read_table(path).to_pylist()
                else:
                    with path.open(encoding="utf-8") as fh:
                        self._rows[name] = [json.loads(line) for line in fh if line.strip()]
            value = self._rows[name][row].get(self.config.get("text_field", "text"))
            return value if isinstance(value, str) else None
        except (OSError, KeyError, IndexError, ValueError, UsageError):
            return None

    def original_text(self, rec: dict[str, Any]) -> str | None:
        """The decoded input of a record: its output with the removed spans put back (None if unknown)."""
        if rec.get("status") == "skipped":
            return None
        cleaned = self.output_text(rec) if rec.get("status") == "kept" else ""
        return None if cleaned is None else rebuild(rec, cleaned)

    def get(self, doc_id: str) -> dict[str, Any]:
        if doc_id in self.records:
            return self.records[doc_id]
        near = [k for k in self.records if k.endswith(doc_id) or doc_id in k][:5]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise UsageError(f"no document {doc_id!r} in {self.log}{hint}")


def removals_of(rec: dict[str, Any]) -> list[Removal]:
    """The Removal spans of a log record (evidence included)."""
    return [Removal(int(r["start"]), int(r["end"]), r["reason"], float(r.get("score", 1.0)), r.get("evidence"))
            for r in rec.get("removed", [])]


def shared_passages(a: str, b: str, n: int = 5) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character spans of ``a`` and of ``b`` covered by word n-grams that both texts contain (case-folded)."""
    wa, wb = list(_WORD.finditer(a)), list(_WORD.finditer(b))
    n = max(1, min(n, len(wa), len(wb))) if wa and wb else n

    def grams(words: list[regex.Match[str]]) -> list[tuple[str, ...]]:
        toks = [w.group().casefold() for w in words]
        return [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]

    ga, gb = grams(wa), grams(wb)
    common = set(ga) & set(gb)

    def spans(words: list[regex.Match[str]], gs: list[tuple[str, ...]]) -> list[tuple[int, int]]:
        covered = [False] * len(words)
        for i, g in enumerate(gs):
            if g in common:
                for k in range(i, i + n):
                    covered[k] = True
        out: list[tuple[int, int]] = []
        for w, c in zip(words, covered, strict=True):
            if c:
                if out and not a_gap(out[-1][1], w.start(), words):
                    out[-1] = (out[-1][0], w.end())
                else:
                    out.append((w.start(), w.end()))
        return out

    def a_gap(prev_end: int, start: int, words: list[regex.Match[str]]) -> bool:
        # consecutive covered words merge into one passage; an uncovered word in between splits it
        return any(prev_end <= w.start() < start for w in words)

    return spans(wa, ga), spans(wb, gb)


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span wrapped in ``⟦…⟧``."""
    parts, cursor = [], 0
    for s, e in spans:
        parts += [text[cursor:s], OPEN, text[s:e], CLOSE]
        cursor = e
    parts.append(text[cursor:])
    return "".join(parts)


def side_by_side(left: str, right: str, width: int, titles: tuple[str, str]) -> Iterator[str]:
    """Two texts in two wrapped columns, paragraph by paragraph."""
    col = max(20, (width - 3) // 2)

    def wrap(text: str) -> list[str]:
        out: list[str] = []
        for para in text.splitlines():
            out += textwrap.wrap(para, col) or [""]
        return out

    yield f"{titles[0][:col]:<{col}} | {titles[1][:col]}"
    yield f"{'-' * col}-+-{'-' * col}"
    for a, b in zip_longest(wrap(left), wrap(right), fillvalue=""):
        yield f"{a:<{col}} | {b}".rstrip()


@dataclass
class Explanation:
    """What ``cleaner explain`` prints, and the facts behind it (for tests and other faces)."""

    id: str
    status: str
    lines: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    similarity: float | None = None
    shared: float | None = None  # fraction of the duplicate's compared words inside shared passages
    removals: list[dict[str, Any]] = field(default_factory=list)

    def render(self) -> str:
        return "\n".join(self.lines)


def _line_number(text: str | None, offset: int) -> int | None:
    if text is None:
        return None
    return text.count("\n", 0, offset) + 1


def _evidence(ev: Any) -> str:
    if not isinstance(ev, dict) or not ev:
        return ""
    parts = []
    if "site_pages" in ev:
        parts.append(f"on {ev['site_pages']} pages of the site")
    parts += [f"{k}: {v}" for k, v in ev.items() if k != "site_pages"]
    return "; ".join(parts)


def explain(log: Path, doc_id: str, out: Path | None = None, *, line: int | None = None,
            width: int = 120) -> Explanation:
    """Explain what became of ``doc_id`` in the run logged in ``log`` (outputs in ``out``, default its folder)."""
    run = LogRun(log, out)
    rec = run.get(doc_id)
    status = str(rec.get("status"))
    ex = Explanation(str(rec["id"]), status)
    ex.lines.append(f"{ex.id}: {status}" + (f" ({rec['reason']})" if rec.get("reason") else ""))
    original = run.original_text(rec)
    if status == "duplicate":
        _explain_duplicate(run, rec, original, ex, width)
    shown = [x for x in rec.get("removed", []) if x.get("reason") != "duplicate"]
    if line is not None:
        if original is None:
            raise UsageError(f"cannot find line {line} of {doc_id}: its text could not be rebuilt")
        starts = [ln.start for ln in lines(original)]
        if not 1 <= line <= len(starts):
            raise UsageError(f"{doc_id} has {len(starts)} lines, not {line}")
        lo = starts[line - 1]
        hi = max(starts[line] if line < len(starts) else len(original), lo + 1)
        shown = [x for x in shown if x["start"] < hi and x["end"] > lo]
        if not shown:
            ex.lines.append(f"line {line} was kept: no removal covers it")
    if shown:
        ex.lines.append(f"removed spans ({len(shown)}):" if line is None else f"line {line}:")
    for x in shown:
        where = _line_number(original, int(x["start"]))
        text = str(x.get("text", "")).strip().replace("\n", " ⏎ ")
        preview = text if len(text) <= 90 else text[:87] + "..."
        score = float(x.get("score", 1.0))
        ev = _evidence(x.get("evidence"))
        ex.lines.append(f"  {ex.id}:{where if where is not None else '?'}: {x['reason']} (score {score:.2f}"
                        + (f"; {ev}" if ev else "") + f") {preview!r}")
        ex.removals.append({"line": where, "reason": x["reason"], "score": score, "evidence": x.get("evidence"),
                            "text": x.get("text", "")})
    return ex


def _explain_duplicate(run: LogRun, rec: dict[str, Any], original: str | None, ex: Explanation,
                       width: int) -> None:
    ex.duplicate_of = rec.get("duplicate_of")
    ex.similarity = rec.get("similarity")
    sim = f"{ex.similarity:.2f}" if isinstance(ex.similarity, (int, float)) else "?"
    ex.lines.append(f"near-duplicate of {ex.duplicate_of} (estimated Jaccard similarity {sim}, "
                    f"threshold {run.config.get('threshold', '?')})")
    other = run.records.get(str(ex.duplicate_of)) if ex.duplicate_of is not None else None
    kept = run.output_text(other) if other is not None else None
    if original is None or kept is None:
        ex.lines.append("(the texts could not be read back from the output folder; pass --out)")
        return
    # what the dedup compared: the page minus its boilerplate (the "duplicate" fill is not boilerplate)
    compared = apply_removals(original, [r for r in removals_of(rec) if r.reason != "duplicate"])
    a_spans, b_spans = shared_passages(compared, kept, int(run.config.get("ngram", 5) or 5))
    covered = sum(e - s for s, e in a_spans)
    total = sum(len(w.group()) for w in _WORD.finditer(compared)) or 1
    words_cov = sum(len(w.group()) for w in _WORD.finditer(compared)
                    if any(s <= w.start() < e for s, e in a_spans))
    ex.shared = words_cov / total
    ex.lines.append(f"shared passages: {len(a_spans)}, covering {ex.shared:.0%} of the removed text "
                    f"({covered} characters); marked {OPEN}…{CLOSE}")
    ex.lines += list(side_by_side(mark(compared, a_spans), mark(kept, b_spans), width,
                                  (f"removed: {ex.id}", f"kept: {ex.duplicate_of}")))
