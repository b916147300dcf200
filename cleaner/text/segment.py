"""Split text into lines and blocks, keeping offsets into the original text."""
from __future__ import annotations

from dataclasses import dataclass

import regex

_NEWLINE = regex.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Line:
    """One line of the text: ``text[start:end]`` without its line break; ``stop`` includes the break."""

    index: int
    start: int
    end: int
    stop: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def lines(text: str) -> list[Line]:
    """Split on ``\\n``, ``\\r\\n`` or a lone ``\\r``; offsets refer to ``text``."""
    out: list[Line] = []
    pos = 0
    for m in _NEWLINE.finditer(text):
        out.append(Line(len(out), pos, m.start(), m.end(), text[pos : m.start()]))
        pos = m.end()
    if pos < len(text) or not out:
        out.append(Line(len(out), pos, len(text), len(text), text[pos:]))
    return out


def blocks(text_lines: list[Line]) -> list[list[Line]]:
    """Group consecutive non-blank lines into blocks (paragraph groups separated by blank lines)."""
    out: list[list[Line]] = []
    cur: list[Line] = []
    for ln in text_lines:
        if ln.blank:
            if cur:
                out.append(cur)
                cur = []
        else:
            cur.append(ln)
    if cur:
        out.append(cur)
    return out
