from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.cli import build_config
from cleaner.config import CleanerConfig, load_pyproject
from cleaner.errors import UsageError


def test_pyproject_keys_then_cli_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.cleaner]\nthreshold = 0.7\nnum-perm = 64\ninclude = ['*.md']\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_pyproject(tmp_path) == {"threshold": 0.7, "num-perm": 64, "include": ["*.md"]}
    config = build_config({"threshold": 0.9, "keep": None, "include": ()})
    assert config.threshold == 0.9  # the flag wins
    assert config.num_perm == 64  # the file fills what flags leave unset
    assert config.include == ("*.md",)


def test_unknown_and_invalid_settings_are_clear_errors() -> None:
    with pytest.raises(UsageError, match="unknown setting 'tresh'"):
        CleanerConfig.from_mapping({"tresh": 0.5})
    with pytest.raises(UsageError, match="keep"):
        CleanerConfig(keep="biggest")
    assert CleanerConfig(keep="field:score").keep == "field:score"
