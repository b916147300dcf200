"""Layout: how a scraper spaced a page (indented lines, blank lines between them or none) does not change
which lines are kept. The labelled pages of the shared dev sets have neither, so the line model has no
feature that sees them, and a page saved by another scraper reads the same."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.boilerplate import Stripper
from cleaner.document import apply_removals

ROOT = Path(__file__).resolve().parents[2]
INDENTS = ["", " ", "  ", "    ", "\t", "\u00a0", "\u3000"]
BLANKS = ["", "\n", "\n\n", "\n   \n"]


def _pages() -> list[str]:
    pages = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures" / "pages").glob("*.txt"))]
    with (ROOT / "tests" / "boilerplate" / "data" / "pinned_dev.jsonl").open(encoding="utf-8") as fh:
        pages += [json.loads(line)["page_text"] for line in fh][:6]
    return pages


PAGES = _pages()


def kept_lines(stripper: Stripper, text: str) -> list[str]:
    """The kept lines, without their spacing."""
    cleaned = apply_removals(text, stripper.strip(text).removals)
    return [line.strip() for line in cleaned.split("\n") if line.strip()]


def respaced(text: str, indents: list[str], blanks: list[str]) -> str:
    """``text``'s non-blank lines, the ``k``-th indented by ``indents[k]`` and followed by ``blanks[k]``."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return "".join(f"{indents[k % len(indents)]}{line}\n{blanks[k % len(blanks)]}" for k, line in enumerate(lines))


@pytest.mark.parametrize("page", range(len(PAGES)))
def test_uniform_respacing_keeps_the_same_lines(stripper: Stripper, page: int) -> None:
    text = PAGES[page]
    want = kept_lines(stripper, text)
    assert want, "the page keeps an article"
    for indent, blank in [("", ""), ("    ", ""), ("\t", "\n"), ("", "\n"), ("  ", "\n\n")]:
        assert kept_lines(stripper, respaced(text, [indent], [blank])) == want, (indent, blank)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.integers(0, len(PAGES) - 1), indents=st.lists(st.sampled_from(INDENTS), min_size=1, max_size=7),
       blanks=st.lists(st.sampled_from(BLANKS), min_size=1, max_size=5))
def test_any_respacing_keeps_the_same_lines(stripper: Stripper, page: int, indents: list[str],
                                            blanks: list[str]) -> None:
    text = PAGES[page]
    assert kept_lines(stripper, respaced(text, indents, blanks)) == kept_lines(stripper, text)
