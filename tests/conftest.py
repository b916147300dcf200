"""Shared test fixtures: the bundled seed pages."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    return FIXTURES / "pages"


@pytest.fixture(scope="session")
def expected_dir() -> Path:
    return FIXTURES / "expected"


@pytest.fixture(scope="session")
def seed_pages(pages_dir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(pages_dir.glob("*.txt"))}
