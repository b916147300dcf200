"""Invariants: spans in bounds, sorted and non-overlapping; stripping idempotent; bounded time on adversarial lines."""
from __future__ import annotations

import random
import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.boilerplate import StripModel, Stripper
from cleaner.boilerplate.features import codepoints, line_bounds
from cleaner.document import apply_removals

LINES = [
    "Home | News | Sport | Contact", "Login", "", "  • Menu item", "Related articles", "Comments (12)",
    "The council approved the budget on Tuesday after a long debate about schools and roads.",
    "لافروف: روسيا منفتحة على الحوار مع الغرب بشأن الاستقرار الاستراتيجي",
    "أكد وزير الخارجية الروسي أن موسكو تظل منفتحة على الحوار مع الغرب، ولكن ليس من موقع قوة.",
    "北京时间昨天，中国队在决赛中以三比一战胜对手，获得冠军。", "© 2024 Example", "Photo: Reuters",
    "Он сказал, что переговоры продолжатся на следующей неделе в Женеве.",
    "the end.Glued headline without a stop", "\r", "...", "\u200f\u200f\u200f", "12:30",
    "12 Comments on “The council approved the budget”", "Leave a Reply", "3 تعليقات على المقال",
]


def check(stripper: Stripper, text: str) -> None:
    out = stripper.strip(text)
    prev = 0
    for r in out.removals:
        assert prev <= r.start < r.end <= len(text)
        prev = r.end
    cleaned = apply_removals(text, out.removals)
    again = stripper.strip(cleaned)
    assert again.removals == (), (cleaned, again.removals)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), max_size=40), st.sampled_from(["\n", "\r\n", "\n\n"]))
def test_spans_and_idempotence(stripper: Stripper, parts: list[str], sep: str) -> None:
    check(stripper, sep.join(parts))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text(stripper: Stripper, text: str) -> None:
    check(stripper, text)


def test_adversarial_lines_bounded_time(stripper: Stripper) -> None:
    nasty = [
        "." * 200_000, " " * 200_000, "\u200f" * 100_000, ("a." * 100_000), ("( " * 50_000),
        ("word " * 40_000) + "end", "!" * 1000 + "a" * 100_000, "\n" * 100_000, "| " * 100_000,
    ]
    for text in nasty:
        t0 = time.perf_counter()
        check(stripper, text)
        mb = len(text.encode()) / 1e6
        assert time.perf_counter() - t0 < 2.0 + 4.0 * mb, text[:20]


# pieces that end or start a page with half a CRLF, an empty page, a lone mark: batch boundaries
EDGES = ["", "\r", "\n", "\r\n", "a\r", "\nb", "\u064b" * 35, "x", " "]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.sampled_from(LINES + EDGES), max_size=12),
                          st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from([None, "a.example", "b"])),
                max_size=8))
def test_a_batch_strips_each_page_as_alone(stripper: Stripper, pages: list[tuple[list[str], str, str | None]]) -> None:
    """strip_many shares array work across pages; no page may see its neighbours (line breaks,
    tokens, repeated lines, positions), so each outcome equals stripping the page by itself."""
    texts = [sep.join(parts) for parts, sep, _ in pages]
    sites = [site for _, _, site in pages]
    assert stripper.strip_many(texts, sites) == [stripper.strip(t, s) for t, s in zip(texts, sites, strict=True)]


def test_a_batch_with_site_templates_strips_each_page_as_alone(default_model: StripModel) -> None:
    from cleaner.boilerplate import TemplateStats

    pages = [f"Home | News | Sport\nStory {n}: " + "the council met again and approved the plan. " * (n + 3)
             + "\n© 2024 Example" for n in range(6)]
    stats = TemplateStats()
    for p in pages[:4]:
        stats.add_page("s", p)
    stripper = Stripper(default_model, stats)
    sites: list[str | None] = ["s", "s", None, "s", "other", "s"]
    batch = stripper.strip_many(pages, sites)
    assert batch == [stripper.strip(t, s) for t, s in zip(pages, sites, strict=True)]
    assert any(r.reason == "site_template" for r in batch[0].removals)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.sampled_from(LINES + EDGES + ["İSTANBUL ΟΔΟΣ", "ΟΔΟΣ", "ﬁne ＡＢＣ"]),
                                   max_size=12),
                          st.sampled_from(["\n", "\r\n", "\r", "\n\n"])), min_size=1, max_size=6),
       st.randoms(use_true_random=False))
def test_kept_lines_analyse_as_their_text(default_model: StripModel, pages: list[tuple[list[str], str]],
                                          rnd: random.Random) -> None:
    """Later stripping passes analyse whole kept lines from the previous pass's arrays: the view must equal
    the analysis of the cleaned text."""
    from cleaner.boilerplate import TemplateStats
    from cleaner.boilerplate.stripper import analyse_kept, analyse_many

    texts = [sep.join(parts) for parts, sep in pages]
    stats = TemplateStats()
    for t in texts * 3:
        stats.add_page("s", t)
    sites: list[str | None] = ["s" if i % 2 else None for i in range(len(texts))]
    view = analyse_many(texts, default_model, stats, sites)
    chosen, lines, cleaned = [], [], []
    for q, text in enumerate(texts):
        l0, l1 = int(view.pa.line_ptr[q]), int(view.pa.line_ptr[q + 1])
        kept = [i for i in range(l0, l1) if rnd.random() < 0.6]
        joined = "".join(text[view.pa.starts[i]:view.pa.stops[i]] for i in kept)
        # the precondition the stripper checks (_kept_lines): the kept lines are the lines of the joined
        # text (a bare CR line followed by an empty LF line would join into one CRLF break)
        if view.exact[q] and kept and len(line_bounds(codepoints(joined))[0]) == len(kept):
            chosen.append(q)
            lines += kept
            cleaned.append(joined)
    if not chosen:
        return
    got = analyse_kept(view, np.array(chosen), np.array(lines, dtype=np.int64), default_model, stats,
                       [sites[q] for q in chosen])
    want = analyse_many(cleaned, default_model, stats, [sites[q] for q in chosen])
    for name in ("keys", "idx", "x", "row_ptr", "tcounts", "tshare", "known", "kcnt", "first_row", "exact"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    for name in ("starts", "ends", "stops", "nonspace", "cls_counts", "ends_sentence", "bullet_start", "line_ptr",
                 "page_len", "lowered"):
        assert np.array_equal(getattr(got.pa, name), getattr(want.pa, name)), name
    assert np.array_equal(got.pa.tokens.hashes, want.pa.tokens.hashes)
    assert np.array_equal(got.pa.tokens.line, want.pa.tokens.line)


CUE_PIECES = [*"ab İΣς ©|", "Share", "HOME", "Most Read", "read more", "Comments", "İstanbul", "ΟΔΟΣ", "x" * 79]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(CUE_PIECES), max_size=12).map("".join), max_size=20))
def test_cues_of_many_lines_are_each_lines_cue(lines: list[str]) -> None:
    from cleaner.boilerplate.assemble import REASONS, cue_of, cues_many

    assert [REASONS[c] if c >= 0 else None for c in cues_many(lines).tolist()] == [cue_of(t) for t in lines]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=60, unique=True),
       st.lists(st.integers(0, 2**64 - 1), max_size=60), st.integers(0, 60))
def test_function_word_lookup_is_membership(table: list[int], other: list[int], take: int) -> None:
    from cleaner.boilerplate.features import _members

    tab = np.array(sorted(table), dtype=np.uint64)
    hashes = np.array(other + table[:take], dtype=np.uint64)
    assert np.array_equal(_members(tab, hashes), np.isin(hashes, tab))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from([0, 5, 30, 45, 100, 300]), st.booleans()), max_size=30),
                min_size=1, max_size=6))
def test_long_range_of_a_batch_is_each_pages(pages: list[list[tuple[int, bool]]]) -> None:
    from cleaner.boilerplate.features import LONG_NAMES, long_range, long_range_many

    rows = [r for page in pages for r in page]
    chars = np.array([c for c, _ in rows], dtype=np.float64)
    ends = np.array([e for _, e in rows], dtype=bool)
    ptr = np.cumsum([0] + [len(page) for page in pages])
    each = [long_range(chars[a:b], ends[a:b]) for a, b in zip(ptr[:-1], ptr[1:], strict=True)]
    want = np.vstack(each) if rows else np.zeros((0, len(LONG_NAMES)))
    assert np.array_equal(long_range_many(chars, ends, ptr), want)
