"""Shared test fixtures: the bundled seed pages, and a folder of the session's stored Unicode tables."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cleaner.text.tablecache import CACHE_ENV

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def stored_tables(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session's Unicode tables (and those of the CLI runs it starts) go to a folder of its own."""
    folder = tmp_path_factory.mktemp("tables")
    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    yield folder
    if before is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = before


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    return FIXTURES / "pages"


@pytest.fixture(scope="session")
def expected_dir() -> Path:
    return FIXTURES / "expected"


@pytest.fixture(scope="session")
def seed_pages(pages_dir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(pages_dir.glob("*.txt"))}
