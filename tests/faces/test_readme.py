"""The python examples of the README section on the faces run as written."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Library, pre-commit hook, explain and report"


def blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    assert HEADING in text
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_section_has_examples() -> None:
    assert len(blocks()) >= 2


def test_readme_python_blocks_run() -> None:
    pytest.importorskip("pandas")
    namespace: dict[str, object] = {}
    for code in blocks():  # blocks share a namespace, like a reader's session
        exec(compile(code, str(README), "exec"), namespace)
