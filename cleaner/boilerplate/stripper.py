"""The learned stripper: line scores from the model, then article assembly, as Removal spans."""
from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..document import Removal, apply_removals, normalize_spans
from .assemble import (
    OTHER,
    REASONS,
    glued_tail,
    main_regions,
    name_reasons_many,
    section_title,
    thread_title_lines,
    viterbi_many,
)
from .edges import attribution_after, dateline_header, edge_paragraphs_many, minor_tail
from .features import BATCH_PAGES, Batch, PageArrays, batch_arrays, group_stats, line_features, select_lines
from .model import StripModel, first_tokens
from .templates import TemplateStats, keyed_lines

#: removed lines in a row that end the main article
GAP = 8
#: a later block of body text holding less than this share of the article's is a sidebar or teaser
TAIL_SHARE = 0.1
#: a line printed again is removed whatever the model says when it has this many tokens (a headline or
#: caption); shorter repeats (a table's cells, list values) are left to the model
MIN_DUP_TOKENS = 4
#: an article's headline printed twice sits at most this many rows above its first kept line
HEADLINE_ROWS = 6
#: a second article prints its headline twice within this many lines
HEADLINE_REPEAT_SPAN = 8
#: a line this much of the site's pages share is template whatever the model says
HARD_TEMPLATE_SHARE = 0.8
#: kept prose above a related-links or comments title for it to end an article (:func:`_section_then_article`,
#: :func:`_comment_thread`)
MIN_ARTICLE_CHARS = 1000
#: passes of a page that keeps changing (real pages settle in 2-3; a crafted cascade of one line a
#: pass stops here, so stripping is idempotent for pages that settle within it)
MAX_PASSES = 48


#: a page's removals and its second-article spans
_Decision = tuple[tuple[Removal, ...], tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class StripOutcome:
    removals: tuple[Removal, ...]
    secondary: tuple[tuple[int, int], ...] = field(default=())


@dataclass
class PageView:
    """A batch of pages: lines, keys, features, and corpus statistics of each non-blank line.

    Page ``p`` owns lines ``pa.line_ptr[p]:pa.line_ptr[p + 1]`` and feature rows ``row_ptr[p]:row_ptr[p + 1]``
    (``idx`` maps rows to lines).  A single page is a batch of one.
    """

    pa: PageArrays
    keys: np.ndarray  # per line (0 for blank)
    idx: np.ndarray  # lines of the rows (the non-blank lines)
    x: np.ndarray  # feature rows, then any spare columns (see :meth:`.StripModel.line_logits`)
    row_ptr: np.ndarray
    tcounts: np.ndarray  # per row: pages of the site holding the line (0 when unknown)
    tshare: np.ndarray  # per row: share of the site's pages holding the line (0 when unknown)
    known: np.ndarray  # per page: whether the site had enough pages for statistics
    kcnt: np.ndarray  # per row: how often the page holds the line
    first_row: np.ndarray  # per row: the row where the page first holds the line
    exact: np.ndarray  # per page: its kept lines can be analysed from these arrays (see :func:`analyse_kept`)


def analyse_many(texts: list[str], model: StripModel, templates: TemplateStats | None,
                 sites: list[str | None], use_fw: bool | np.ndarray = True, spare: int = 0) -> PageView:
    """Lines, keys and the feature matrix of a batch of pages, with array operations over the whole batch
    (``spare``: columns left after the features, see :meth:`.StripModel.line_logits`)."""
    batch = Batch.of(texts)  # code points and line bounds shared by the keys and the arrays
    keys, _, by_line = keyed_lines(batch)
    pa = batch_arrays(batch)
    return _view(pa, keys, model, templates, sites, use_fw, pa.lowered & ~by_line, spare)


def analyse_kept(view: PageView, pages: np.ndarray, lines: np.ndarray, model: StripModel,
                 templates: TemplateStats | None, sites: list[str | None], spare: int = 0) -> PageView:
    """:func:`analyse_many` of the texts made of whole lines of ``view``'s pages (text ``q`` joins the sorted
    ``lines`` of page ``pages[q]``, line breaks included), without reading the texts again.

    Only for ``view.exact`` pages: a line's counts, tokens and key then depend on the line alone.
    """
    pa = select_lines(view.pa, pages, lines)
    return _view(pa, view.keys[lines], model, templates, sites, True, view.exact[pages], spare)


def _view(pa: PageArrays, keys: np.ndarray, model: StripModel, templates: TemplateStats | None,
          sites: list[str | None], use_fw: bool | np.ndarray, exact: np.ndarray, spare: int) -> PageView:
    """Template statistics, duplicate statistics and the feature matrix of a batch's line arrays and keys."""
    n_lines = pa.n_lines
    tcounts = np.zeros(n_lines, dtype=np.int64)
    tshare = np.zeros(n_lines)
    known = np.zeros(pa.n_pages, dtype=bool)
    if templates is not None:
        ptr = pa.line_ptr.tolist()
        for p, site in enumerate(sites):
            stats = templates.share(site, keys[ptr[p]:ptr[p + 1]])
            if stats is not None:
                tcounts[ptr[p]:ptr[p + 1]], tshare[ptr[p]:ptr[p + 1]] = stats
                known[p] = True
    rows = np.flatnonzero(pa.nonspace > 0)
    dups = group_stats(pa.page_of_line[rows], keys[rows])
    idx, x, row_ptr = line_features(pa, keys, tshare if known.any() else None, model.function_words, use_fw,
                                    known, dups, spare)
    return PageView(pa, keys, idx, x, row_ptr, tcounts[idx], tshare[idx], known, *dups, exact)


class Stripper:
    """Strip pages, one at a time or in batches.  Deterministic and stateless between pages."""

    def __init__(self, model: StripModel, templates: TemplateStats | None = None,
                 split_articles: bool = False) -> None:
        if model.net is None:
            raise ValueError("the model has no line model; load one with StripModel.load()")
        self.model = model
        self.templates = templates if templates is not None else model.templates
        self.split_articles = split_articles

    def strip(self, text: str, site: str | None = None) -> StripOutcome:
        """Removal spans for ``text`` (normalized), repeated until a fixed point so that stripping is idempotent."""
        return self.strip_many([text], [site])[0]

    def strip_many(self, texts: list[str], sites: list[str | None] | None = None) -> list[StripOutcome]:
        """:meth:`strip` of each text; the batch shares the array work, the result is the same."""
        sites = sites if sites is not None else [None] * len(texts)
        if len(texts) > BATCH_PAGES:
            return [out for lo in range(0, len(texts), BATCH_PAGES)
                    for out in self.strip_many(texts[lo:lo + BATCH_PAGES], sites[lo:lo + BATCH_PAGES])]
        view = analyse_many(texts, self.model, self.templates, sites, spare=self.model.spare_columns)
        first = self._decide_many(texts, view)
        removals = [r for r, _ in first]
        # the pages still being stripped: the view holding a page's current text, its page there, and the
        # spans the last pass removed from that text
        state = {p: _Current(view, p, r) for p, r in enumerate(removals) if r}
        for _ in range(MAX_PASSES):
            cleaned = {p: apply_removals(texts[p], removals[p]) for p in state}
            state = {p: cur for p, cur in state.items() if cleaned[p].strip()}
            if not state:
                break
            nxt: dict[int, _Current] = {}
            for pages, new_view in self._next_views(state, cleaned, sites):
                more = self._decide_many([cleaned[p] for p in pages], new_view)
                for q, (p, (extra, _)) in enumerate(zip(pages, more, strict=True)):
                    if extra:
                        n = len(texts[p])
                        removals[p] = normalize_spans([*removals[p], *_map_back(removals[p], extra, n)], n)
                        nxt[p] = _Current(new_view, q, extra)
            state = dict(sorted(nxt.items()))
        return [StripOutcome(r, sec) for r, (_, sec) in zip(removals, first, strict=True)]

    def _next_views(self, state: dict[int, _Current], cleaned: dict[int, str], sites: list[str | None]
                    ) -> list[tuple[list[int], PageView]]:
        """Views of the cleaned texts of the pages in ``state`` (ascending), as ``(pages, view)`` groups.

        A text that is whole lines of its previous text is analysed from the previous view's arrays
        (:func:`analyse_kept`); the others (a glued headline cut a line) from the text.
        """
        groups: dict[int, tuple[PageView, list[int], list[int], list[np.ndarray]]] = {}
        full: list[int] = []
        for p, cur in state.items():
            lines = _kept_lines(cur.view, cur.page, cur.removed, cleaned[p])
            if lines is None:
                full.append(p)
                continue
            _, pages, qs, kept = groups.setdefault(id(cur.view), (cur.view, [], [], []))
            pages.append(p)
            qs.append(cur.page)
            kept.append(lines)
        out = [(pages, analyse_kept(view, np.array(qs), np.concatenate(kept), self.model, self.templates,
                                    [sites[p] for p in pages], self.model.spare_columns))
               for view, pages, qs, kept in groups.values()]
        if full:
            out.append((full, analyse_many([cleaned[p] for p in full], self.model, self.templates,
                                           [sites[p] for p in full], spare=self.model.spare_columns)))
        return out

    def _decide_many(self, texts: list[str], view: PageView) -> list[_Decision]:
        """One stripping pass over a batch: line scores for all pages of ``view``, each page's keep decisions,
        then the reasons and spans of all pages at once."""
        model = self.model
        assert model.net is not None
        first = first_tokens(view.pa, view.idx) if model.net2 is not None else None
        logits = model.line_logits(view.x, view.row_ptr, first) + model.decoder.bias if view.idx.size else np.zeros(0)
        prob = 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))
        pa, idx = view.pa, view.idx
        m, n_pages = idx.size, pa.n_pages
        k = view.keys[idx]
        page = pa.page_of_line[idx]
        later = view.first_row < np.arange(m)
        twice = (view.kcnt == 2) & (k != 0)
        adjacent = np.zeros(m, dtype=bool)
        if m > 1:
            same = (k[1:] == k[:-1]) & (page[1:] == page[:-1])
            adjacent[1:] |= same
            adjacent[:-1] |= same
        template = view.tshare >= HARD_TEMPLATE_SHARE  # zero share where the site is unknown
        starts, ends = pa.starts[idx], pa.ends[idx]
        ntok = np.bincount(pa.tokens.line, minlength=pa.n_lines)[idx]
        body = (ntok >= 8) | (pa.nonspace[idx] >= 40)
        prose = body & pa.ends_sentence[idx]
        secondary = np.full(n_pages, m, dtype=np.int64)  # page-local first line of a second article
        thread = np.full(n_pages, m, dtype=np.int64)  # page-local title line of a comment thread
        sec_spans: list[tuple[tuple[int, int], ...]] = [()] * n_pages
        glue: dict[int, Removal] = {}
        header: list[int] = []  # rows of dateline blocks under headlines
        rptr, last_stop = view.row_ptr.tolist(), pa.stops[pa.line_ptr[1:] - 1].tolist()
        keep = _decoded(logits, view.row_ptr, page, template | (later & (ntok >= MIN_DUP_TOKENS)), prose,
                        model.decoder.switch_cost)
        pages = {p: _Page(text, starts[r0:r1], ends[r0:r1], logits[r0:r1], k[r0:r1], later[r0:r1], twice[r0:r1],
                          template[r0:r1], body[r0:r1], prose[r0:r1], ntok[r0:r1])
                 for p, (text, r0, r1) in enumerate(zip(texts, rptr[:-1], rptr[1:], strict=True)) if r0 < r1}
        first, last, later_segs = main_regions(keep, body, ends - starts, view.row_ptr, GAP)
        for p, pg in pages.items():
            r0, r1 = rptr[p], rptr[p + 1]
            decided = _keep_page(pg, keep[r0:r1].copy(), int(first[p]), int(last[p]), later_segs[p])
            keep[r0:r1], last[p], sec, g = decided.keep, decided.last, decided.secondary, decided.glue
            header += [r0 + i for i in decided.header]
            if decided.thread is not None:
                thread[p] = decided.thread
            if sec is not None:
                secondary[p] = sec
                sec_spans[p] = ((int(pg.starts[sec]), int(last_stop[p])),)
            if g is not None:
                glue[p] = Removal(g[0], g[1], "glued_headline", 1.0)
        row_start = view.row_ptr[page]
        codes = name_reasons_many(texts, page, starts, ends, row_start, first, last, keep,
                                  later & keep[view.first_row], adjacent, pa.bullet_start[idx], ntok, pa.cue[idx])
        codes[header] = REASONS.index("page_header")
        local = np.arange(m) - row_start  # each row's line on its page
        codes[local >= thread[page]] = REASONS.index("comments")
        codes[local >= secondary[page]] = REASONS.index("secondary_article")
        codes[template] = REASONS.index("site_template")
        evidence = np.where(template, view.tcounts, -1)
        spans = _spans_many(pa, view.row_ptr, idx, keep, codes, evidence, prob)
        for p, glued in glue.items():
            spans[p].append(glued)
            spans[p].sort(key=lambda r: r.start)
        return [(tuple(sp), sec) for sp, sec in zip(spans, sec_spans, strict=True)]


def _decoded(logits: np.ndarray, row_ptr: np.ndarray, page: np.ndarray, forced: np.ndarray, prose: np.ndarray,
             switch_cost: float) -> np.ndarray:
    """The rows of a batch the decoder keeps: each page's best path of the line scores without the rows
    ``forced`` out (site template, repeats), and the pages' edge paragraphs."""
    best = viterbi_many(logits, row_ptr, switch_cost) & ~forced
    # where the switch costs left a page nothing: the lines that score as content on their own
    empty = np.bincount(page, weights=best, minlength=row_ptr.size - 1) == 0
    keep: np.ndarray = np.where(empty[page], (logits > 0) & ~forced, best)
    keep[edge_paragraphs_many(keep, prose & ~forced, row_ptr)] = True
    return keep


@dataclass(frozen=True)
class _Current:
    """Where a page being stripped stands: the view of its current text, its page there, the spans removed
    from that text by the last pass."""

    view: PageView
    page: int
    removed: tuple[Removal, ...]


def _kept_lines(view: PageView, page: int, removed: tuple[Removal, ...], cleaned: str) -> np.ndarray | None:
    """The lines (indices into ``view``) left when ``removed`` is cut from ``page``'s text, or None unless
    each span is whole lines, the page is ``view.exact`` and the kept lines are the lines of ``cleaned``
    (a line ending in a bare CR followed by an empty LF line would read as one CRLF break)."""
    if not view.exact[page]:
        return None
    pa = view.pa
    l0, l1 = int(pa.line_ptr[page]), int(pa.line_ptr[page + 1])
    starts, stops = pa.starts[l0:l1], pa.stops[l0:l1]
    n = l1 - l0
    a = np.fromiter((r.start for r in removed), dtype=np.int64, count=len(removed))
    b = np.fromiter((r.end for r in removed), dtype=np.int64, count=len(removed))
    i = np.searchsorted(starts, a)
    j = np.searchsorted(stops, b)
    if (i >= n).any() or (j >= n).any() or (starts[i] != a).any() or (stops[j] != b).any():
        return None
    cut = np.zeros(n + 1, dtype=np.int64)
    np.add.at(cut, i, 1)
    np.add.at(cut, j + 1, -1)
    kept = np.flatnonzero(np.cumsum(cut[:n]) == 0)
    if kept.size == 0 or int((stops[kept] - starts[kept]).sum()) != len(cleaned):
        return None
    if "\r" in cleaned and cleaned.count("\r\n") != int(np.count_nonzero(stops[kept] - pa.ends[l0:l1][kept] == 2)):
        return None
    return kept + l0


@dataclass
class _Page:
    """One page's slice of a batch's rows (its non-blank lines)."""

    text: str
    starts: np.ndarray
    ends: np.ndarray
    logits: np.ndarray
    keys: np.ndarray
    later: np.ndarray  # the page held the line before
    twice: np.ndarray  # the page holds the (non-empty) line exactly twice
    template: np.ndarray  # a line most of the site's pages hold
    body: np.ndarray  # a line long enough to be article text
    prose: np.ndarray  # body text ending a sentence
    ntok: np.ndarray  # tokens of the line


class _LineTexts(Sequence[str]):
    """The text of a page's rows, sliced when asked for (the edge rules read a few lines)."""

    def __init__(self, pg: _Page) -> None:
        self._pg = pg

    def __len__(self) -> int:
        return len(self._pg.starts)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self._pg.text[int(self._pg.starts[i]):int(self._pg.ends[i])]


class _PageKeep(NamedTuple):
    """One page's structural decisions (:func:`_keep_page`)."""

    keep: np.ndarray  # the lines kept
    secondary: int | None  # the first line of a second article
    glue: tuple[int, int] | None  # the span of a headline glued to the article's last line
    header: list[int]  # the dateline block removed from under the headline
    last: int  # the main region's last line (earlier when the article ends at a section or thread title)
    thread: int | None  # the title line of the comment thread under the article


def _keep_page(pg: _Page, keep: np.ndarray, first: int, last: int, later_segs: list[tuple[int, int]]) -> _PageKeep:
    """One page's decisions from its :func:`_decoded` lines and their main region (:func:`.assemble.main_regions`)."""
    lengths = pg.ends - pg.starts
    texts = _LineTexts(pg)
    thread = _comment_thread(pg.text, pg.starts, pg.ends, keep, pg.prose, first)
    if thread is not None:  # the thread and all below it go, whatever the model kept there
        last = min(last, _end_article(keep, thread))
    secondary = _secondary_start(keep, pg.body, pg.keys, pg.twice, last, later_segs, lengths)
    if secondary is None:
        secondary = _removed_second_article(pg.keys, pg.twice, pg.prose, keep, last, lengths)
    if secondary is not None and thread is not None and secondary > thread:
        secondary = None  # a headline printed twice in the comments is someone quoting
    if secondary is None:
        cut = _section_then_article(texts, keep, pg.prose, pg.ntok, pg.keys, pg.twice, lengths, first)
        if cut is not None:
            last, secondary = _end_article(keep, cut[0]), cut[1]
    if secondary is not None:
        keep[secondary:] = False
    if last >= first >= 0:
        main_size = 0.0  # only later segments are compared with it
        if later_segs:
            strong = keep[first:last + 1] & pg.body[first:last + 1]
            main_size = float(lengths[first:last + 1][strong].sum())
        keep[minor_tail(keep, pg.body, lengths, last, later_segs, main_size, TAIL_SHARE, GAP)] = False
    headline = _headline_above(pg.keys, pg.twice, keep, pg.prose, pg.ntok, lengths, first)
    if headline is not None:  # the article starts at its headline's first print, with the lead under it
        between = np.arange(headline + 1, first)
        keep[headline] = True
        keep[between[pg.prose[between] & (pg.keys[between] != pg.keys[headline])]] = True
        first = headline
    header = dateline_header(texts, keep, pg.body, pg.prose, first)
    keep[header] = False
    source = attribution_after(texts, keep, pg.template | pg.later, last)
    if source is not None and (secondary is None or source < secondary):
        keep[source] = True
    glue: tuple[int, int] | None = None
    kept_main = np.flatnonzero(keep[: last + 1]) if last >= 0 else np.zeros(0, dtype=np.int64)
    if kept_main.size:
        j = int(kept_main[-1])
        off = glued_tail(texts[j])
        if off is not None:
            glue = (int(pg.starts[j]) + off, int(pg.ends[j]))
    return _PageKeep(keep, secondary, glue, header, last, thread)


def _headline_above(keys: np.ndarray, twice: np.ndarray, keep: np.ndarray, prose: np.ndarray, ntok: np.ndarray,
                    lengths: np.ndarray, first: int) -> int | None:
    """The first print of the article's headline when the model removed both prints just above the article: a
    headline (:func:`_headline_prints`) of 4+ tokens that does not end a sentence, both prints within the
    :data:`HEADLINE_ROWS` rows above the first kept one and prose between them (a news page prints its
    headline, the lead, then the headline again with the photo's caption)."""
    lo = max(0, first - HEADLINE_ROWS)
    candidates = sorted(_headline_prints(keys, twice, lengths, lo, first))  # in the order of the first print
    for i, second in candidates:
        if not keep[i] and not prose[i] and ntok[i] >= MIN_DUP_TOKENS and prose[i + 1:second].any():
            return i
    return None


def _end_article(keep: np.ndarray, line: int) -> int:
    """Remove ``line`` and all below it (in place); the last line kept above it, which :func:`_article_above`
    guarantees."""
    keep[line:] = False
    return int(np.flatnonzero(keep[:line])[-1])


def _article_above(keep: np.ndarray, prose: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per line: at least three kept prose lines and ``MIN_ARTICLE_CHARS`` of them up to it, so that a title
    there closes an article rather than heads one."""
    kept_prose = keep & prose
    return (np.cumsum(kept_prose) >= 3) & (np.cumsum(np.where(kept_prose, lengths, 0)) >= MIN_ARTICLE_CHARS)


def _comment_thread(text: str, starts: np.ndarray, ends: np.ndarray, keep: np.ndarray, prose: np.ndarray,
                    first: int) -> int | None:
    """The first comment thread title (:func:`.assemble.thread_title_lines`, "59 Comments on “…”") below at
    least three kept prose lines and ``MIN_ARTICLE_CHARS`` of the article, or None.  Above that much article
    it is a byline's comment count."""
    if first < 0:
        return None
    titles = thread_title_lines(text, starts, ends, first + 1)  # one scan; most pages have none
    if titles.size == 0:
        return None
    titles = titles[_article_above(keep, prose, ends - starts)[titles]]
    return int(titles[0]) if titles.size else None


def _section_then_article(texts: Sequence[str], keep: np.ndarray, prose: np.ndarray, ntok: np.ndarray,
                          keys: np.ndarray, twice: np.ndarray, lengths: np.ndarray, first: int
                          ) -> tuple[int, int] | None:
    """``(title, secondary)`` when the article is followed by a bare related-links or comments section title
    (:func:`.assemble.section_title`) that opens a list of items (the next line has 4+ tokens: not a menu
    of single words) and, after it, a second article with a headline of its own (4+ tokens, printed twice
    within ``HEADLINE_REPEAT_SPAN`` lines, then three prose lines).  The article, at least three kept prose
    lines and ``MIN_ARTICLE_CHARS`` above the title, ended there, even where the model kept what follows.
    """
    if first < 0:
        return None
    above = _article_above(keep, prose, lengths)
    for j in np.flatnonzero((ntok <= 4) & ~prose)[:-1].tolist():
        if j > first and above[j] and ntok[j + 1] >= 4 and section_title(texts[j]) is not None:
            # the second article's prose counts whether or not the model kept it: no line is taken as kept
            start = _removed_second_article(keys, twice, prose, np.zeros_like(keep), j, lengths)
            return (j, start) if start is not None and ntok[start] >= 4 else None
    return None


def _spans_many(pa: PageArrays, row_ptr: np.ndarray, idx: np.ndarray, keep: np.ndarray, codes: np.ndarray,
                evidence: np.ndarray, prob: np.ndarray) -> list[list[Removal]]:
    """Each page's Removal spans of the removed lines, with the blank lines that follow them (or open the page).

    Consecutive lines removed for the same reason (and evidence) make one span scored by its highest
    line score; blank lines score 1.0 and take the reason of the removed line before them.  Blank lines
    opening a page go with its first line's reason when that is removed, else as "other".  Pages without
    non-blank lines have no spans.
    """
    out: list[list[Removal]] = [[] for _ in range(pa.n_pages)]
    n = pa.n_lines
    if idx.size == 0:
        return out
    page = pa.page_of_line
    first_row = row_ptr[page]
    has_rows = row_ptr[page + 1] > first_row
    # each line's row: its own for a non-blank line, the previous non-blank line's for a blank one
    # (the page's first row for blank lines opening the page)
    row_of = np.searchsorted(idx, np.arange(n), side="right") - 1
    opening = row_of < first_row
    src = np.minimum(np.where(opening, first_row, row_of), idx.size - 1)
    blank = np.ones(n, dtype=bool)
    blank[idx] = False
    removed = ~keep[src] | opening
    code = np.where(opening & keep[src], OTHER, codes[src])
    ev = np.where(blank, -1, evidence[src])
    score = np.where(blank, 1.0, 1.0 - prob[src])
    lines = np.flatnonzero(removed & has_rows & (pa.stops > pa.starts))
    if lines.size == 0:
        return out
    new_run = np.ones(lines.size, dtype=bool)
    new_run[1:] = (lines[1:] != lines[:-1] + 1) | (code[lines[1:]] != code[lines[:-1]]) \
        | (ev[lines[1:]] != ev[lines[:-1]]) | (page[lines[1:]] != page[lines[:-1]])
    heads = np.flatnonzero(new_run)
    tails = np.append(heads[1:], lines.size) - 1
    best = np.maximum.reduceat(score[lines], heads)
    hl, tl = lines[heads], lines[tails]
    for p, a, b, c, e, s in zip(page[hl].tolist(), pa.starts[hl].tolist(), pa.stops[tl].tolist(),
                                code[hl].tolist(), ev[hl].tolist(), best.tolist(), strict=True):
        out[p].append(Removal(a, b, REASONS[c], 1.0 if s >= 1.0 else round(s, 4),
                              {"site_pages": e} if e >= 0 else None))
    return out


def _secondary_start(keep: np.ndarray, body: np.ndarray, keys: np.ndarray, twice: np.ndarray, last: int,
                     later: list[tuple[int, int]], lengths: np.ndarray) -> int | None:
    """First line of a second article appended after the main one, or None.

    A later segment of body text counts as a second article when it has a headline of its own: a short
    line printed twice, and only twice on the page, in the gap before the segment (as article pages
    print theirs) at most ``HEADLINE_REPEAT_SPAN`` lines apart.  Lines repeated more often ("Get the
    Recipe", photo credits) are page furniture, and so are two prints of a name far apart (a listicle's
    summary list naming the items that head its later sections).  ``twice``: the line's (non-empty) key
    occurs exactly twice on the page.
    """
    gap_start = last + 1
    for a, b in later:
        strong = np.flatnonzero(keep[a:b + 1] & body[a:b + 1])
        if strong.size >= 3 and lengths[a:b + 1][strong].sum() >= 400:
            pair = next(_headline_prints(keys, twice, lengths, gap_start, a), None)
            if pair is not None:
                return pair[0]
        gap_start = b + 1
    return None


def _headline_prints(keys: np.ndarray, twice: np.ndarray, lengths: np.ndarray, lo: int, hi: int
                     ) -> Iterator[tuple[int, int]]:
    """The two prints ``(first, second)`` of each headline among lines ``lo:hi``, in the order of the second: a
    line of 10 to 200 characters printed twice, and only twice on the page (``twice``), at most
    ``HEADLINE_REPEAT_SPAN`` lines apart, as article pages print theirs."""
    rows = np.flatnonzero(twice[lo:hi] & (lengths[lo:hi] >= 10) & (lengths[lo:hi] <= 200)) + lo
    seen: dict[int, int] = {}
    for i, kk in zip(rows.tolist(), keys[rows].tolist(), strict=True):
        if kk in seen and i - seen[kk] <= HEADLINE_REPEAT_SPAN:
            yield seen[kk], i
        seen.setdefault(kk, i)


def _removed_second_article(keys: np.ndarray, twice: np.ndarray, prose: np.ndarray, keep: np.ndarray, last: int,
                            lengths: np.ndarray) -> int | None:
    """Start of a second article after the main one even when the model already removed it (so that its
    lines are named secondary_article): a short line printed twice (only twice on the page), then a run
    of >= 3 prose lines the model removed (kept prose there is a table header repeated, not an article).
    ``twice``: the line's (non-empty) key occurs exactly twice on the page."""
    if last < 0 or not twice[last + 1:].any():
        return None
    m = keys.size
    for first_print, second in _headline_prints(keys, twice, lengths, last + 1, m):
        for j in range(second + 1, min(second + 7, m - 2)):
            if prose[j:j + 3].all() and not keep[j:j + 3].any() and lengths[j:].sum() >= 400:
                return first_print
    return None


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
