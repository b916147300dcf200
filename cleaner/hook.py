"""The pre-commit face: ``cleaner hook check`` / ``cleaner hook fix`` / ``cleaner index update``.

``check`` reports, for each file it is given, the boilerplate the core Stripper would remove
(``path:line: reason (evidence)``) and whether the page is a near-duplicate
(``path: near-duplicate of other (similarity 0.93)``).  A page is compared with the corpus index
committed in the repository (``.cleaner/index.jsonl``, see :mod:`cleaner.corpus_index`) and with every
other staged page, whether or not pre-commit passed it in the same call: the staged list comes from
git, so the verdicts never depend on how pre-commit splits the file list.  Survivor rule: an indexed
page wins over a staged one, and among staged pages the first path in sorted order wins.

``fix`` rewrites each file with its stripped text; both return 1 when they found or changed something.
Each function here is ``main``-shaped for pre-commit; the CLI parses the arguments and calls them.
"""
from __future__ import annotations

import fnmatch
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import CleanerConfig
from .corpus_index import INDEX_DIR, CorpusIndex, Signed, make_stripper, sign_files
from .dedup import Deduper, DedupParams
from .document import Removal
from .io.readers import RawRecord
from .io.writers import atomic_write_bytes
from .pipeline import prepare
from .text.segment import lines

__all__ = ["Finding", "check", "check_main", "fix", "fix_main", "main", "staged_files", "update_index"]


@dataclass(frozen=True)
class Finding:
    """One message of the hook: ``path:line: reason (evidence)``; ``line`` is None for a whole file."""

    path: str
    reason: str
    evidence: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}" + (f" ({self.evidence})" if self.evidence else "")


def main(argv: Sequence[str] | None = None) -> int:
    """``cleaner hook ARGS``: ``main(["check", "a.txt"])`` returns the exit code (0 clean, 1 findings)."""
    from .cli import main as cli_main

    return cli_main(["hook", *(argv or [])])


def check_main(argv: Sequence[str] | None = None) -> int:
    """pre-commit entry: ``cleaner hook check FILES``."""
    return main(["check", *(argv or [])])


def fix_main(argv: Sequence[str] | None = None) -> int:
    """pre-commit entry: ``cleaner hook fix FILES``."""
    return main(["fix", *(argv or [])])


def _selected(rel: str, config: CleanerConfig) -> bool:
    """The same include/exclude glob test as the directory reader (on the path or the file name)."""
    name = rel.rsplit("/", 1)[-1]

    def hit(patterns: Sequence[str]) -> bool:
        return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in patterns)

    return hit(config.include) and not hit(config.exclude) and not rel.startswith(f"{INDEX_DIR}/")


def staged_files(cwd: Path | None = None) -> list[Path] | None:
    """Absolute paths of the files added, copied, modified or renamed in git's index (None outside git)."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True,
                             check=True).stdout.strip()
        out = subprocess.run(["git", "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"], cwd=cwd,
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [Path(top) / name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]


def _read(index: CorpusIndex, paths: Sequence[Path]) -> list[RawRecord]:
    """Raw records keyed by their index path; the site is the parent folder, as in ``cleaner clean``."""
    out = []
    for n, path in enumerate(paths):
        rel = index.relative(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            out.append(RawRecord(rel, str(path), None, {"path": rel}, error=f"unreadable: {exc.strerror}",
                                 position=n))
            continue
        out.append(RawRecord(rel, str(path), data, {"path": rel}, position=n))
    return out


def _line_of(starts: list[int], offset: int) -> int:
    """1-based line number of a character offset, given the start offsets of the lines."""
    lo, hi = 0, len(starts)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid
    return lo + 1


def _evidence(r: Removal) -> str:
    parts = [f"score {r.score:.2f}"]
    ev = dict(r.evidence or {})
    if "site_pages" in ev:
        parts.append(f"on {ev['site_pages']} pages of the site")
    parts += [f"{k} {v}" for k, v in ev.items() if k != "site_pages" and isinstance(v, (int, float, str))]
    return ", ".join(parts)


def boilerplate_findings(label: str, signed: Signed) -> list[Finding]:
    """One finding per removed span (at its first line), or one for a page that is all boilerplate."""
    p = signed.prepared
    if p.status == "skipped":
        return [Finding(label, "skipped", p.reason or "")]
    if p.status == "empty":
        return [Finding(label, "empty", p.reason or "")]
    text = p.document.text
    starts = [ln.start for ln in lines(text)]
    out = []
    for r in p.removals:
        first, last = _line_of(starts, r.start), _line_of(starts, max(r.start, r.end - 1))
        evidence = _evidence(r) + (f", lines {first}-{last}" if last > first else "")
        out.append(Finding(label, r.reason, evidence, first))
    return out


def _params(config: CleanerConfig) -> DedupParams:
    return DedupParams.from_config(config)


def duplicate_findings(index: CorpusIndex, targets: list[Signed], others: list[Signed],
                       params: DedupParams) -> dict[str, Finding]:
    """Near-duplicate verdicts of the targets, by index path, from the core Deduper.

    Order of survival: indexed entries (by path) first, then staged pages (by path).  A staged page
    whose bytes equal its indexed entry is that entry; a changed one replaces it.
    """
    staged = {s.entry.path: s.entry for s in [*targets, *others] if s.entry is not None}
    fresh = {k: e for k, e in staged.items() if k not in index.entries or index.entries[k].sha256 != e.sha256}
    old = [e for k, e in sorted(index.entries.items()) if k not in fresh]
    entries = old + [fresh[k] for k in sorted(fresh)]
    if len(entries) < 2:
        return {}
    import numpy as np

    deduper = Deduper(params, keep="first")
    deduper.add([e.path for e in entries], np.stack([e.signature for e in entries]).astype(np.uint32),
                [e.chars for e in entries], [1.0] * len(entries))
    wanted = {s.record.id for s in targets}
    out = {}
    for info in deduper.resolve():
        if info.id in wanted and info.duplicate_of is not None:
            sim = f"similarity {info.similarity:.2f}" if info.similarity is not None else ""
            out[info.id] = Finding(info.id, f"near-duplicate of {info.duplicate_of}", sim)
    return out


def _setup(paths: Sequence[str], config: CleanerConfig, index_dir: str | Path | None
           ) -> tuple[CorpusIndex, dict[Path, str], DedupParams]:
    """The index, the files to look at (path -> label as given), and the dedup parameters."""
    params = _params(config)
    index = CorpusIndex.load(Path(index_dir or INDEX_DIR), params)
    files: dict[Path, str] = {}
    for p in paths:
        path = Path(p)
        try:
            rel = index.relative(path)
        except ValueError:
            continue  # outside the indexed tree
        if not rel.startswith(f"{INDEX_DIR}/") and path.is_file():
            files[path] = str(p)
    return index, files, params


def check(paths: Sequence[str], config: CleanerConfig, index_dir: str | Path | None = None,
          staged: Sequence[Path] | None = None) -> list[Finding]:
    """Boilerplate and near-duplicate findings for ``paths`` (``staged``: git's staged list by default)."""
    index, files, params = _setup(paths, config, index_dir)
    stripper = make_stripper(config, index.templates)
    targets = sign_files(_read(index, list(files)), stripper, config, params)
    labels = {index.relative(f): label for f, label in files.items()}
    findings: list[Finding] = []
    for s in targets:
        findings += boilerplate_findings(labels.get(s.record.id, s.record.id), s)
    if config.dedup:
        mine = {f.resolve() for f in files}
        staged_list = staged if staged is not None else (staged_files() or [])
        other_paths = []
        for f in staged_list:
            try:
                rel = index.relative(f)
            except ValueError:
                continue
            if f.resolve() not in mine and f.is_file() and _selected(rel, config):
                other_paths.append(f)
        # An unchanged staged page is already its index entry: no need to strip and sign it again.
        other_paths = [f for f in other_paths if not _unchanged(index, f)]
        others = sign_files(_read(index, other_paths), stripper, config, params)
        for doc_id, finding in duplicate_findings(index, targets, others, params).items():
            findings.append(Finding(labels.get(doc_id, doc_id), finding.reason, finding.evidence))
    return findings


def _unchanged(index: CorpusIndex, path: Path) -> bool:
    import hashlib

    entry = index.entries.get(index.relative(path))
    return entry is not None and entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def fix(paths: Sequence[str], config: CleanerConfig, index_dir: str | Path | None = None) -> list[Finding]:
    """Rewrite each file with its stripped text (``apply_removals`` of the core's spans); what changed."""
    index, files, _ = _setup(paths, config, index_dir)
    stripper = make_stripper(config, index.templates)
    out = []
    for raw, (path, label) in zip(_read(index, list(files)), files.items(), strict=True):
        p, cleaned = prepare(raw, stripper, config)
        if p.status == "empty":
            out.append(Finding(label, "empty", "nothing of an article would be left; not rewritten"))
            continue
        if p.status != "kept" or not p.removals:
            continue
        atomic_write_bytes(path, cleaned.encode("utf-8"))  # cleaned = apply_removals(text, removals)
        counts: dict[str, int] = {}
        for r in p.removals:
            counts[r.reason] = counts.get(r.reason, 0) + 1
        what = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        out.append(Finding(label, "fixed", f"removed {len(p.removals)} spans: {what}"))
    return out


def update_index(paths: Sequence[str], config: CleanerConfig, index_dir: str | Path | None = None) -> bool:
    """Add or refresh the index entries of ``paths`` (drop those of deleted files); True if it changed."""
    params = _params(config)
    index = CorpusIndex.load(Path(index_dir or INDEX_DIR), params)
    changed = False
    present = []
    for p in paths:
        path = Path(p)
        try:
            rel = index.relative(path)
        except ValueError:
            continue
        if rel.startswith(f"{INDEX_DIR}/"):
            continue
        if path.is_file():
            present.append(path)
        elif index.entries.pop(rel, None) is not None:
            changed = True
    stripper = make_stripper(config, index.templates)
    changed |= index.add(sign_files(_read(index, present), stripper, config, params))
    if changed or not index.path.exists():
        index.save()
    return changed
