"""Model save/load round trip and rejection of crafted or corrupt files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cleaner.boilerplate import StripModel, Stripper, TemplateStats, train
from cleaner.document import apply_removals
from cleaner.errors import ModelError

PAGE = ("Home | News | Sport\nLogin\n\nA quiet town gets a new library\n\n"
        "The town council opened the new library on Monday, after three years of building work and debate.\n\n"
        "Residents queued from early morning, and the first books were lent before noon, the mayor said.\n\n"
        "Share this article\nComments (3)\n")


def test_default_model_loads_and_is_small() -> None:
    m = StripModel.load(None)
    assert m.net is not None and m.function_words.size > 100
    assert len(m.training_digest) == 64
    path = Path(__file__).resolve().parents[2] / "cleaner" / "models" / "default.json"
    assert path.stat().st_size < 1_000_000


def test_round_trip(tmp_path: Path) -> None:
    m = StripModel.load(None)
    t = TemplateStats()
    t.add_page("s", PAGE)
    m.templates = t
    p = tmp_path / "m.json"
    m.save(p)
    m2 = StripModel.load(p)
    assert m2.training_digest == m.training_digest
    assert m2.templates is not None and m2.templates.counts == t.counts
    a = Stripper(m).strip(PAGE, "s")
    b = Stripper(m2).strip(PAGE, "s")
    assert a == b


def test_templates_only_file_gets_default_line_model(tmp_path: Path) -> None:
    m = StripModel.load(None)
    t = TemplateStats()
    t.add_page("s", PAGE)
    data = {"format": "cleaner-strip-model", "version": 1, "templates": t.to_dict()}
    p = tmp_path / "t.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    m2 = StripModel.load(p)
    assert m2.net is not None and m2.templates is not None
    assert np.array_equal(m2.net.w1, m.net.w1)  # type: ignore[union-attr]


@pytest.mark.parametrize("payload", [
    b"", b"\x80\x81", b"[]", b"{}", b'{"format": "cleaner-strip-model", "version": 99}',
    b'{"format": "cleaner-strip-model", "version": 1, "net": {"w1": "__import__(\'os\')"}, "features": []}',
    b'{"format": "cleaner-strip-model", "version": 1, "function_words": [1, 2]}',
    b'{"format": "cleaner-strip-model", "version": 1, "templates": {"pages": {"s": -1}}}',
    b'{"format": "cleaner-strip-model", "version": 1, "decoder": {"switch_cost": "nan"}}',
    b"\x80\x04\x95pickle",
])
def test_crafted_models_rejected(tmp_path: Path, payload: bytes) -> None:
    p = tmp_path / "bad.json"
    p.write_bytes(payload)
    with pytest.raises(ModelError):
        StripModel.load(p)


def test_wrong_shapes_rejected(tmp_path: Path) -> None:
    d = StripModel.load(None).to_dict()
    d["net"]["w2"] = d["net"]["w2"][:-1]
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(ModelError, match="w2"):
        StripModel.load(p)
    d = StripModel.load(None).to_dict()
    d["net"]["mean"][0] = float("inf")
    p.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(ModelError):
        StripModel.load(p)


def test_missing_file() -> None:
    with pytest.raises(ModelError):
        StripModel.load("/nonexistent/model.json")


def test_train_small() -> None:
    rows = [{"page_text": PAGE, "gold_text": "A quiet town gets a new library\nThe town council opened the new "
             "library on Monday, after three years of building work and debate.\nResidents queued from early "
             "morning, and the first books were lent before noon, the mayor said."}] * 3
    m = train(rows, epochs=2, hidden=8)
    assert m.net is not None and len(m.training_digest) == 64
    out = Stripper(m).strip(PAGE)
    assert isinstance(apply_removals(PAGE, out.removals), str)


def test_function_words_need_enough_pages_of_a_language() -> None:
    from cleaner.boilerplate.features import page_arrays
    from cleaner.boilerplate.train import learn_function_words

    def token(word: str) -> int:
        return int(page_arrays(word).tokens.hashes[0])

    # 25 English pages share their function words, each on its own topic; five pages of another
    # language all tell one story, so what they share most is its names
    rows = [{"lang": "en", "gold_text": f"The report on topic{i} said that it is in the town of place{i}."}
            for i in range(25)]
    rows += [{"lang": "xx", "gold_text": f"lavrov moscow nato summit{i}"} for i in range(5)]
    words = set(learn_function_words(rows, per_lang=10).tolist())
    assert {token("the"), token("that"), token("in")} <= words
    assert token("topic3") not in words
    assert not {token("lavrov"), token("moscow")} & words
    assert token("lavrov") in set(learn_function_words(rows, per_lang=10, min_pages=5).tolist())
