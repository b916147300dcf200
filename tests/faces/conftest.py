"""Fixtures of the faces tests: a small corpus of the bundled pages with a near-copy."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "fixtures" / "pages"
EXTRA = "\nThis sentence was appended to the copy so that it is a near-duplicate and not an exact one.\n"


def page_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(PAGES.glob("*.txt"))]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """tmp/corpus/site/<the five pages> plus site/zz_copy.txt, a near-copy of the second page."""
    site = tmp_path / "corpus" / "site"
    site.mkdir(parents=True)
    for p in sorted(PAGES.glob("*.txt")):
        shutil.copy(p, site / p.name)
    second = sorted(PAGES.glob("*.txt"))[1]
    (site / "zz_copy.txt").write_text(second.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    return tmp_path / "corpus"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs real external programs (pre-commit, chromium); each < 60 s")
