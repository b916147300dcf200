from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.io.writers import HOLE, json_line, json_pieces, json_text

texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60) | st.sampled_from(
    ['\x00hole:', '"\\u0000hole:0123\\u0000"', "\u2028\x85", ""])


@settings(max_examples=200, deadline=None)
@given(texts, st.lists(texts, max_size=3), st.integers(0, 10**6))
def test_pieces_joined_around_the_holes_are_the_line_with_the_values(text: str, articles: list[str], row: int
                                                                       ) -> None:
    record = {"id": text, "removed": [{"text": text}], "output": HOLE,
              "articles": [{"id": a, "output": HOLE} for a in articles], "chars_in": len(text)}
    pieces = json_pieces(record, 1 + len(articles))
    outputs = [{"file": text, "row": row + k} for k in range(1 + len(articles))]
    joined = pieces[0] + b"".join(json_text(o).encode() + p
                                  for o, p in zip(outputs, pieces[1:], strict=True))
    filled = {**record, "output": outputs[0],
              "articles": [{"id": a, "output": o} for a, o in zip(articles, outputs[1:], strict=True)]}
    assert joined == json_line(filled).encode("utf-8")
    assert joined.count(b"\n") == 1 and json.loads(joined) == filled


def test_a_record_without_holes_is_one_piece() -> None:
    assert json_pieces({"a": "b\u2029"}, 0) == (json_line({"a": "b\u2029"}).encode(),)
