"""NFKC of a batch, normalized only where it can change, equals NFKC of each text."""
from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.text.fingerprint import nfkc, nfkc_many

PIECES = ["a", "e", " ", "\n", "\u0301", "\u0327", "\u0338", "<", "가", "\u1100", "\u1161", "\u11a8", "ｆ", "ﬁ",
          "\u00a0", "\u212b", "\u09c7", "\u09be", "\u0b47", "\u0b3e", "\u0915\u093c", "\u0651\u064e", "\u064e\u0651",
          "\U0001d157\U0001d165", "\U00011099\U000110ba", "，", "…", "™", "①", "\u0300" * 31, "\ud800", "ـ"]


def _batch(texts: list[str], sep: str) -> tuple[np.ndarray, np.ndarray]:
    joined = sep.join(texts) + sep
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cps, np.cumsum([len(t) + len(sep) for t in texts])


@settings(max_examples=300, deadline=None)
@example(["\u0301", "\u0300" * 31], "")  # a capped mark run crossing into the next text leaves the first as it was
@example(["e\u0301", "\u0300" * 31 + "x"], "")  # the second text's own run is capped though a run starts before it
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=40).map("".join), min_size=1, max_size=6),
       st.sampled_from(["", " "]))
def test_nfkc_of_a_batch_is_each_texts(texts: list[str], sep: str) -> None:
    cps, ends = _batch(texts, sep)
    out = nfkc_many(texts, cps, ends)
    assert out == [nfkc(t) for t in texts]
    assert all(o is t for o, t in zip(out, texts, strict=True) if o == t)


def test_nfkc_of_each_bmp_character_in_context_is_unchanged() -> None:
    chars = [chr(cp) for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF]
    for before, after in (("e", "\u0301"), ("\u1100", "\u11a8"), ("\u09c7", "x"), ("<", "\u0338"), ("x", "")):
        texts = [f"{before}{ch}{after} {ch}{ch}" for ch in chars]
        assert nfkc_many(texts, *_batch(texts, "")) == [nfkc(t) for t in texts]
