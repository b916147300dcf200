from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleaner.boilerplate import StripModel, Stripper  # noqa: E402


@pytest.fixture(scope="session")
def default_model() -> StripModel:
    return StripModel.load(None)


@pytest.fixture(scope="session")
def stripper(default_model: StripModel) -> Stripper:
    return Stripper(default_model)
