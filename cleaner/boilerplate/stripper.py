"""The learned stripper: line scores from the model, then article assembly, as Removal spans."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from ..document import Removal, apply_removals, normalize_spans
from .assemble import glued_tail, main_region, name_reasons, viterbi
from .features import PageArrays, codepoints, line_features, page_arrays
from .model import StripModel
from .templates import TemplateStats, line_keys

#: removed lines in a row that end the main article
GAP = 8
#: a line this much of the site's pages share is template whatever the model says
HARD_TEMPLATE_SHARE = 0.8
MAX_PASSES = 6


@dataclass(frozen=True)
class StripOutcome:
    removals: tuple[Removal, ...]
    secondary: tuple[tuple[int, int], ...] = field(default=())


@dataclass
class PageView:
    """A page's lines, keys, features and the model's log-odds that each non-blank line is content."""

    pa: PageArrays
    keys: np.ndarray
    idx: np.ndarray  # indices of the non-blank lines
    x: np.ndarray
    tcounts: np.ndarray | None  # site page counts of each non-blank line
    tshare: np.ndarray | None
    site_pages: int


def analyse(text: str, model: StripModel, templates: TemplateStats | None, site: str | None,
            use_fw: bool = True) -> PageView:
    cps = codepoints(text)
    keys = line_keys(text, cps)
    pa = page_arrays(text, cps)
    stats = templates.share(site, keys) if templates is not None else None
    tcounts, tshare = stats if stats is not None else (None, None)
    idx, x = line_features(pa, keys, tshare, model.function_words, use_fw)
    n = templates.site_pages(site) if templates is not None else 0
    return PageView(pa, keys, idx, x, tcounts[idx] if tcounts is not None else None,
                    tshare[idx] if tshare is not None else None, n)


class Stripper:
    """Strip one page at a time.  Deterministic and stateless between pages."""

    def __init__(self, model: StripModel, templates: TemplateStats | None = None,
                 split_articles: bool = False) -> None:
        if model.net is None:
            raise ValueError("the model has no line model; load one with StripModel.load()")
        self.model = model
        self.templates = templates if templates is not None else model.templates
        self.split_articles = split_articles

    def strip(self, text: str, site: str | None = None) -> StripOutcome:
        """Removal spans for ``text`` (normalized), repeated until a fixed point so that stripping is idempotent."""
        removals, secondary = self._once(text, site)
        for _ in range(MAX_PASSES):
            if not removals:
                break
            cleaned = apply_removals(text, removals)
            if not cleaned.strip():
                break
            more, _ = self._once(cleaned, site)
            if not more:
                break
            removals = normalize_spans([*removals, *_map_back(removals, more, len(text))], len(text))
        return StripOutcome(removals, secondary)

    def _once(self, text: str, site: str | None) -> tuple[tuple[Removal, ...], tuple[tuple[int, int], ...]]:
        model = self.model
        assert model.net is not None
        view = analyse(text, model, self.templates, site)
        m = view.idx.size
        if m == 0:
            return (), ()
        pa, idx = view.pa, view.idx
        logits = model.net.logits(view.x) + model.decoder.bias
        prob = 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))
        keep = viterbi(logits, model.decoder.switch_cost)
        starts, ends, stops = pa.starts[idx], pa.ends[idx], pa.stops[idx]
        texts = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        k = view.keys[idx]
        uniq, inv = np.unique(k, return_inverse=True)
        first_pos = np.full(uniq.size, m, dtype=np.int64)
        np.minimum.at(first_pos, inv, np.arange(m))
        first_of = first_pos[inv]
        later = first_of < np.arange(m)
        adjacent = np.zeros(m, dtype=bool)
        if m > 1:
            same = k[1:] == k[:-1]
            adjacent[1:] |= same
            adjacent[:-1] |= same
        template = np.zeros(m, dtype=bool)
        if view.tshare is not None and view.tcounts is not None:
            template = view.tshare >= HARD_TEMPLATE_SHARE
            keep &= ~template
        keep &= ~later
        ntok = np.bincount(pa.tokens.line, minlength=pa.n_lines)[idx]
        body = (ntok >= 8) | (pa.nonspace[idx] >= 40)
        lengths = ends - starts
        first, last, later_segs = main_region(keep, body, lengths, GAP)
        secondary_from = _secondary_start(keep, body, k, texts, last, later_segs, lengths)
        if secondary_from is None:
            secondary_from = _removed_second_article(k, body & pa.ends_sentence[idx], last, lengths)
        sec_spans: tuple[tuple[int, int], ...] = ()
        if secondary_from is not None:
            keep[secondary_from:] = False
            sec_spans = ((int(starts[secondary_from]), int(pa.stops[-1])),)
        glue: tuple[int, int] | None = None
        kept_main = np.flatnonzero(keep[: last + 1]) if last >= 0 else np.zeros(0, dtype=np.int64)
        if kept_main.size:
            j = int(kept_main[-1])
            off = glued_tail(texts[j])
            if off is not None:
                glue = (int(starts[j]) + off, int(ends[j]))
        first_kept = keep[first_of]
        reasons = name_reasons(texts, keep, first, last, later, adjacent, first_kept,
                               pa.bullet_start[idx], ntok)
        out: list[Removal] = []
        for i in np.flatnonzero(~keep).tolist():
            ev = None
            if template[i]:
                reason = "site_template"
                ev = {"site_pages": int(view.tcounts[i]) if view.tcounts is not None else 0}
            elif secondary_from is not None and i >= secondary_from:
                reason = "secondary_article"
            else:
                reason = reasons[i]
            out.append(Removal(int(starts[i]), int(stops[i]), reason, round(float(1.0 - prob[i]), 4), ev))
        if glue is not None:
            out.append(Removal(glue[0], glue[1], "glued_headline", 1.0))
        out.extend(_blank_lines(pa, idx, keep, out))
        return normalize_spans(out, len(text)), sec_spans


def _secondary_start(keep: np.ndarray, body: np.ndarray, keys: np.ndarray, texts: list[str], last: int,
                     later: list[tuple[int, int]], lengths: np.ndarray) -> int | None:
    """First line of a second article appended after the main one, or None.

    A later segment of body text counts as a second article when it has a headline of its own: a short
    line printed twice between the main article's end and the segment (as article pages print theirs).
    """
    for a, b in later:
        strong = np.flatnonzero(keep[a:b + 1] & body[a:b + 1])
        if strong.size < 3 or lengths[a:b + 1][strong].sum() < 400:
            continue
        seen: dict[int, int] = {}
        for i in range(last + 1, a):
            kk = int(keys[i])
            if kk == 0 or lengths[i] > 200 or lengths[i] < 10:
                continue
            if kk in seen:
                start = seen[kk]
                return start
            seen[kk] = i
    return None


def _removed_second_article(keys: np.ndarray, prose: np.ndarray, last: int, lengths: np.ndarray) -> int | None:
    """Start of a second article after the main one even when the model already removed it (so that its
    lines are named secondary_article): a short line printed twice, then a run of >= 3 prose lines."""
    if last < 0:
        return None
    m = keys.size
    seen: dict[int, int] = {}
    for i in range(last + 1, m):
        kk = int(keys[i])
        if kk == 0 or not 10 <= lengths[i] <= 200:
            continue
        if kk in seen and i - seen[kk] <= 8:
            for j in range(i + 1, min(i + 7, m - 2)):
                if prose[j:j + 3].all() and lengths[j:].sum() >= 400:
                    return seen[kk]
        seen.setdefault(kk, i)
    return None


def _blank_lines(pa: PageArrays, idx: np.ndarray, keep: np.ndarray, removals: list[Removal]) -> list[Removal]:
    """Blank lines that follow a removed line (or open the page) go with it, so blank runs do not pile up."""
    blank = np.flatnonzero(pa.nonspace == 0)
    if blank.size == 0:
        return []
    pos = np.searchsorted(idx, blank) - 1  # the non-blank line before each blank line
    out = []
    reason_at = {r.start: r.reason for r in removals}
    for b, p in zip(blank.tolist(), pos.tolist(), strict=True):
        if p < 0:
            nxt = p + 1
            reason = reason_at.get(int(pa.starts[idx[nxt]]), "other") if nxt < idx.size and not keep[nxt] else "other"
        elif not keep[p]:
            reason = reason_at.get(int(pa.starts[idx[p]]), "other")
        else:
            continue
        out.append(Removal(int(pa.starts[b]), int(pa.stops[b]), reason, 1.0))
    return out


def _map_back(done: tuple[Removal, ...], more: tuple[Removal, ...], length: int) -> list[Removal]:
    """Translate removals on the cleaned text back to offsets of the original text."""
    segs: list[tuple[int, int]] = []  # kept segments of the original
    cursor = 0
    for r in done:
        if r.start > cursor:
            segs.append((cursor, r.start))
        cursor = r.end
    if cursor < length:
        segs.append((cursor, length))
    clean_starts = []
    acc = 0
    for a, b in segs:
        clean_starts.append(acc)
        acc += b - a
    out = []
    for r in more:
        j = bisect.bisect_right(clean_starts, r.start) - 1
        pos = r.start
        while j < len(segs) and pos < r.end:
            a, b = segs[j]
            cs = clean_starts[j]
            lo, hi = pos - cs + a, min(r.end - cs + a, b)
            if hi > lo:
                out.append(Removal(lo, hi, r.reason, r.score, r.evidence))
            j += 1
            if j < len(segs):
                pos = clean_starts[j]
    return out
