"""Site templates learned across pages of a synthetic site."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.boilerplate import StripModel, Stripper, TemplateStats
from cleaner.boilerplate.templates import key_of, line_keys
from cleaner.document import apply_removals
from cleaner.text.fingerprint import normalize
from cleaner.text.segment import lines

HEADER = "Example Times — Home | World | Sport | Subscribe now"
FOOTER = "© 2024 Example Media Group. All rights reserved. Terms · Privacy"


def page(n: int) -> str:
    body = "\n".join(f"Paragraph {k} of story {n}: the council met on Tuesday and discussed the budget "
                     f"for the coming year, with {n * 7 + k} members present and several objections." for k in range(4))
    return f"{HEADER}\nStory number {n} makes the news today\n{body}\n{FOOTER}\n"


def test_counts_and_share() -> None:
    t = TemplateStats(min_pages=3)
    for n in range(6):
        t.add_page("example.com", page(n))
    assert t.pages["example.com"] == 6
    assert t.count("example.com", HEADER) == 6
    assert t.count("example.com", HEADER.upper() + "  ") == 6  # normalized
    assert t.count("example.com", "Story number 1 makes the news today") == 1
    assert t.count("other.org", HEADER) == 0


def test_template_lines_removed_with_evidence() -> None:
    t = TemplateStats(min_pages=3)
    for n in range(6):
        t.add_page("example.com", page(n))
    out = Stripper(StripModel.load(None), t).strip(page(9), "example.com")
    cleaned = apply_removals(page(9), out.removals)
    assert HEADER not in cleaned and FOOTER not in cleaned
    assert "Paragraph 2 of story 9" in cleaned
    tmpl = [r for r in out.removals if r.reason == "site_template"]
    assert tmpl and all(r.evidence and r.evidence["site_pages"] == 6 for r in tmpl)


def test_merge_and_round_trip() -> None:
    a, b = TemplateStats(), TemplateStats()
    for n in range(3):
        a.add_page("s", page(n))
        b.add_page("s", page(n + 10))
    a.merge(b)
    assert a.pages["s"] == 6 and a.count("s", HEADER) == 6
    c = TemplateStats.from_dict(a.to_dict())
    assert c.pages == a.pages and c.counts == a.counts


def test_pruning_bounds_memory() -> None:
    t = TemplateStats(max_keys=50)
    for n in range(40):
        t.add_page("s", page(n))
    assert len(t.counts["s"]) <= 50
    assert t.count("s", HEADER) == 40


def test_the_budget_covers_all_sites_and_keeps_each_sites_template_lines() -> None:
    t = TemplateStats(max_keys=100)  # pages of 5 sites interleaved; each page brings 6 new lines
    for n in range(300):
        t.add_page(f"site{n % 5}", page(n))
    assert sum(len(table) for table in t.counts.values()) <= 100
    assert all(t.count(f"site{k}", HEADER) == 60 for k in range(5))
    shares = t.share("site3", line_keys(page(3)))
    assert shares is not None and shares[1].max() == 1.0  # the header: on every page of the site


def test_pruning_follows_page_order_only_so_chunked_merges_agree() -> None:
    whole = TemplateStats(max_keys=120)
    merged = TemplateStats(max_keys=120)
    for start in range(0, 90, 10):
        part = TemplateStats(max_keys=120)
        for n in range(start, start + 10):
            whole.add_page(f"s{n % 3}", page(n))
            part.add_page(f"s{n % 3}", page(n))
        merged.merge(part)
    again = TemplateStats(max_keys=120)
    for start in range(0, 90, 10):
        part = TemplateStats(max_keys=120)
        for n in range(start, start + 10):
            part.add_page(f"s{n % 3}", page(n))
        again.merge(part)
    assert merged.counts == again.counts  # merging the same chunks in the same order is deterministic
    assert all(merged.count(f"s{k}", HEADER) == whole.count(f"s{k}", HEADER) == 30 for k in range(3))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ,.\n\r\tأبـًﻻＡ١ ")), max_size=60))
def test_line_keys_match_normalize(text: str) -> None:
    keys = line_keys(text)
    lns = lines(text)
    assert keys.size == len(lns)
    assert [int(k) for k in keys] == [key_of(normalize(ln.text)) for ln in lns]
    assert keys.dtype == np.uint64
