"""The faster ways of computing the stripper's arrays give what the plain definitions give."""
from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.boilerplate import StripModel
from cleaner.boilerplate.assemble import main_region, main_regions, viterbi, viterbi_many
from cleaner.boilerplate.edges import edge_paragraphs, edge_paragraphs_many
from cleaner.boilerplate.features import (
    CJK,
    N_CLASSES,
    NOT_ONE,
    SPACE,
    SYMBOL,
    Batch,
    batch_arrays,
    char_tables,
    codepoints,
    group_stats,
    line_bounds,
    lower_table,
    lowercased,
    token_groups,
)
from cleaner.boilerplate.model import first_tokens
from cleaner.boilerplate.stripper import HEADLINE_REPEAT_SPAN, _removed_second_article, analyse_many
from cleaner.boilerplate.templates import key_of, keyed_lines
from cleaner.text.fingerprint import normalize
from cleaner.text.segment import lines


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6)), max_size=80), st.booleans())
def test_group_counts_are_counts_per_page(pairs: list[tuple[int, int]], ordered: bool) -> None:
    if ordered:
        pairs = sorted(pairs, key=lambda pv: pv[0])
    page = np.array([p for p, _ in pairs], dtype=np.int64)
    values = np.array([(v * 0x9E3779B97F4A7C15) % 2**64 for _, v in pairs], dtype=np.uint64)
    seen = Counter(zip(page.tolist(), values.tolist(), strict=True))
    want = [seen[pv] for pv in zip(page.tolist(), values.tolist(), strict=True)]
    assert group_stats(page, values)[0].tolist() == want
    groups = token_groups(page, values)
    assert np.bincount(groups)[groups].tolist() == want
    named = dict(zip(zip(page.tolist(), values.tolist(), strict=True), groups.tolist(), strict=False))
    assert len(set(named.values())) == len(named)  # one number per (page, value)


def test_token_groups_when_values_share_the_mixed_high_bits() -> None:
    # 0 and the inverse of the mix's multiplier mix to 0 and 1: the same high bits, so the exact path is taken
    page = np.array([0, 0, 0, 1, 1], dtype=np.int64)
    inverse = pow(0x9E3779B97F4A7C15, -1, 2**64)
    values = np.array([0, inverse, 0, inverse, inverse], dtype=np.uint64)
    assert token_groups(page, values).tolist() == [0, 1, 0, 2, 2]


def test_line_scores_with_spare_columns_equal_the_copying_path(default_model: StripModel,
                                                               seed_pages: dict[str, str]) -> None:
    texts = list(seed_pages.values())[:6]
    view = analyse_many(texts, default_model, None, [None] * len(texts))
    wide = analyse_many(texts, default_model, None, [None] * len(texts), spare=default_model.spare_columns)
    n = view.x.shape[1]
    assert wide.x.shape[1] == n + default_model.spare_columns > n
    assert np.array_equal(wide.x[:, :n], view.x)
    first = first_tokens(view.pa, view.idx)
    want = default_model.line_logits(view.x, view.row_ptr, first)
    assert np.array_equal(default_model.line_logits(wide.x, wide.row_ptr, first), want)


def _char_class(cp: int) -> tuple[int, int]:
    cls, flags = char_tables()
    if cp > 0xFFFF:
        return (CJK if 0x20000 <= cp <= 0x3FFFF else SYMBOL), 0
    return int(cls[cp]), int(flags[cp])


def _line_reference(line: str) -> tuple[list[int], int, int, int, bool, bool]:
    """A line's class counts, sentence ends, link-like and comma characters, whether it ends a sentence,
    and whether it opens with a bullet, character by character."""
    classes = [_char_class(ord(ch)) for ch in line]
    counts = [sum(1 for c, _ in classes if c == k) for k in range(N_CLASSES)]
    significant = [f for c, f in classes if c != SPACE and not f & 2]
    nonspace = [f for c, f in classes if c != SPACE]
    return (counts, sum(1 for _, f in classes if f & 1), sum(1 for _, f in classes if f & 4),
            sum(1 for _, f in classes if f & 16), bool(significant and significant[-1] & 1),
            bool(nonspace and nonspace[0] & 8))


PIECES = ["a", "Б", " ", "\t", "\n", "\r", "\r\n", ".", "!", "»", ")", ",", "؟", "|", "•", "-", "1", "中",
          "\u0301", "\u200f", "\U0001F600", "\U00020000", "\u3000", "‼"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), min_size=1, max_size=5))
def test_line_arrays_count_each_lines_characters(texts: list[str]) -> None:
    pa = batch_arrays(texts)
    want = []
    for text in texts:
        starts, ends, _ = line_bounds(codepoints(text))
        want += [_line_reference(text[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    got = list(zip(pa.cls_counts.tolist(), pa.sent_ends.tolist(), pa.linky.tolist(), pa.commas.tolist(),
                   pa.ends_sentence.tolist(), pa.bullet_start.tolist(), strict=True))
    assert [(list(c), int(s), int(k), int(m), e, b) for c, s, k, m, e, b in got] == want
    assert pa.nonspace.tolist() == [sum(w[0][1:]) for w in want]


KEY_PIECES = ["a", "B", " ", "  ", "\t", "\n", "\r", "\r\n", ",", "ß", "Σ", "ﻻ", "Ａ", "١", "ـ", "\u064b", "\u200f",
              "\u00a0", "\u2028", "x\u0301", "\ufb01", "\U0001F600"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(KEY_PIECES), max_size=25).map("".join), min_size=1, max_size=5))
def test_line_keys_of_a_batch_are_each_lines_normalized_key(texts: list[str]) -> None:
    keys, ptr, _ = keyed_lines(texts)
    want = [key_of(normalize(ln.text)) for text in texts for ln in lines(text)]
    assert keys.tolist() == want
    assert np.diff(ptr).tolist() == [len(lines(text)) for text in texts]


CASE_PIECES = ["A", "b", " ", "Σ", "ΑΣ", "ς", "İ", "I", "ẞ", "Ꭰ", "ǅ", "\x00", "\U0001F600", "\U00010400", "中", "\n"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(CASE_PIECES), max_size=12).map("".join), min_size=1, max_size=5))
def test_lowercased_code_points_are_str_lower(texts: list[str]) -> None:
    cps, lowered = lowercased(Batch.of(texts))
    want = [t.lower() if len(t.lower()) == len(t) else t for t in texts]
    assert cps.tolist() == codepoints("".join(want)).tolist()
    assert lowered.tolist() == [len(t.lower()) == len(t) for t in texts]


def test_the_lower_table_lowercases_each_code_point_as_str_lower() -> None:
    table = lower_table()
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF or table[cp] == NOT_ONE:
            continue
        assert chr(int(table[cp])) == chr(cp).lower(), hex(cp)


def _main_region_reference(keep: np.ndarray, body: np.ndarray, lengths: np.ndarray, gap: int
                           ) -> tuple[int, int, list[tuple[int, int]]]:
    """The main region by lists: segments of strong lines, the first holding half the largest one's text."""
    strong = [i for i in range(keep.size) if keep[i] and body[i]]
    if not strong:
        kept = [i for i in range(keep.size) if keep[i]]
        return (kept[0], kept[-1], []) if kept else (0, -1, [])
    segs = [[strong[0], strong[0]]]
    for a, b in zip(strong, strong[1:], strict=False):
        if sum(1 for i in range(a + 1, b) if not keep[i]) >= gap:
            segs.append([b, b])
        else:
            segs[-1][1] = b
    sizes = [sum(int(lengths[i]) for i in range(a, b + 1) if keep[i]) for a, b in segs]
    j = next(n for n, size in enumerate(sizes) if size >= 0.5 * max(sizes))
    first, last = segs[j]
    start = segs[j - 1][1] + 1 if j else 0
    first = next((i for i in range(start, first) if keep[i]), first)
    return first, last, [(a, b) for a, b in segs[j + 1:]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(1, 300)), max_size=60), st.integers(1, 4))
def test_main_region_is_the_first_large_segment(lines: list[tuple[bool, bool, int]], gap: int) -> None:
    keep = np.array([k for k, _, _ in lines], dtype=bool)
    body = np.array([b for _, b, _ in lines], dtype=bool)
    lengths = np.array([n for _, _, n in lines], dtype=np.int64)
    assert main_region(keep, body, lengths, gap) == _main_region_reference(keep, body, lengths, gap)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(1, 300)), max_size=20), max_size=6),
       st.integers(1, 4))
def test_main_regions_of_a_batch_are_those_of_its_pages(pages: list[list[tuple[bool, bool, int]]], gap: int) -> None:
    lines = [line for page in pages for line in page]
    keep = np.array([k for k, _, _ in lines], dtype=bool)
    body = np.array([b for _, b, _ in lines], dtype=bool)
    lengths = np.array([n for _, _, n in lines], dtype=np.int64)
    row_ptr = np.concatenate(([0], np.cumsum([len(page) for page in pages]))).astype(np.int64)
    first, last, later = main_regions(keep, body, lengths, row_ptr, gap)
    for p, (a, b) in enumerate(zip(row_ptr[:-1], row_ptr[1:], strict=True)):
        want = _main_region_reference(keep[a:b], body[a:b], lengths[a:b], gap)
        assert (int(first[p]), int(last[p]), later[p]) == want


def _removed_second_article_reference(keys: np.ndarray, twice: np.ndarray, prose: np.ndarray, keep: np.ndarray,
                                      last: int, lengths: np.ndarray) -> int | None:
    """The second-article rule line by line."""
    if last < 0:
        return None
    seen: dict[int, int] = {}
    for i in range(last + 1, keys.size):
        if not twice[i] or not 10 <= lengths[i] <= 200:
            continue
        if int(keys[i]) in seen and i - seen[int(keys[i])] <= HEADLINE_REPEAT_SPAN:
            for j in range(i + 1, min(i + 7, keys.size - 2)):
                if prose[j:j + 3].all() and not keep[j:j + 3].any() and lengths[j:].sum() >= 400:
                    return seen[int(keys[i])]
        seen.setdefault(int(keys[i]), i)
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.booleans(), st.booleans(),
                          st.sampled_from([5, 10, 50, 200, 201])), max_size=40), st.integers(-1, 10))
def test_removed_second_article_reads_the_short_lines_printed_twice(
        lines: list[tuple[int, bool, bool, bool, int]], last: int) -> None:
    keys = np.array([k for k, *_ in lines], dtype=np.uint64)
    twice, prose, keep = (np.array([row[n] for row in lines], dtype=bool) for n in (1, 2, 3))
    lengths = np.array([row[4] for row in lines], dtype=np.int64)
    args = (keys, twice, prose, keep, min(last, keys.size - 1), lengths)
    assert _removed_second_article(*args) == _removed_second_article_reference(*args)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(-6, 6), st.booleans(), st.booleans()), max_size=12), max_size=6))
def test_batch_decoding_is_that_of_each_page(pages: list[list[tuple[int, bool, bool]]]) -> None:
    rows = [row for page in pages for row in page]
    logits = np.array([v / 4 for v, _, _ in rows], dtype=np.float64)
    keep = np.array([k for _, k, _ in rows], dtype=bool)
    prose = np.array([p for _, _, p in rows], dtype=bool)
    row_ptr = np.concatenate(([0], np.cumsum([len(page) for page in pages]))).astype(np.int64)
    bounds = list(zip(row_ptr[:-1].tolist(), row_ptr[1:].tolist(), strict=True))
    want = np.concatenate([viterbi(logits[a:b], 0.5) for a, b in bounds]) if rows else np.zeros(0, dtype=bool)
    assert np.array_equal(viterbi_many(logits, row_ptr, 0.5), want)
    edges = [a + i for a, b in bounds for i in edge_paragraphs(keep[a:b], prose[a:b])]
    assert edge_paragraphs_many(keep, prose, row_ptr).tolist() == edges
