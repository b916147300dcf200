"""The library face: Cleaner streams CleanResults with the core's verdicts; strip_text cleans one page."""
from __future__ import annotations

import pytest

from cleaner import Cleaner, CleanerConfig, Document, strip_text
from cleaner.document import apply_removals

from .conftest import EXTRA, page_texts


def items() -> list[str]:
    pages = page_texts()
    return [*pages, pages[1] + EXTRA, pages[3]]


def verdicts(results: list) -> list[tuple[str, str, str | None]]:
    return [(r.id, r.status, r.duplicate_of) for r in results]


def test_clean_strings_first_seen_survives() -> None:
    results = list(Cleaner(jobs=1).clean(items()))
    assert [r.id for r in results] == [str(i) for i in range(7)]
    assert [r.status for r in results[:5]] == ["kept"] * 5
    assert verdicts(results)[5:] == [("5", "duplicate", "1"), ("6", "duplicate", "3")]
    assert results[5].similarity is not None and results[5].similarity >= 0.8
    assert results[6].text == "" and results[5].reason == "near-duplicate of 1"
    for r in results:  # the invariant of the whole project holds for the library face too
        assert apply_removals(r.document.text, r.removals) == r.text


def test_verdicts_do_not_depend_on_the_chunk_size() -> None:
    one = verdicts(list(Cleaner(jobs=1, batch_size=1000).clean(items())))
    for size in (1, 2, 3):
        assert verdicts(list(Cleaner(jobs=1, batch_size=size).clean(items()))) == one


def test_one_shot_iterator_streams_without_a_template_pass() -> None:
    gen = (t for t in items())
    results = list(Cleaner(jobs=1, batch_size=2).clean(gen))
    assert len(results) == 7 and results[6].status == "duplicate"


def test_dicts_and_documents_carry_ids_and_fields() -> None:
    pages = page_texts()
    cfg = CleanerConfig(jobs=1, text_field="body", id_field="key")
    rows = [{"key": "a", "body": pages[0], "lang": "ar"}, Document("b", pages[0], "src"),
            {"key": "c", "text": "the text, under another field"}, {"key": "d", "body": 3}]
    results = list(Cleaner(cfg).clean(rows))
    assert verdicts(results)[:2] == [("a", "kept", None), ("b", "duplicate", "a")]
    assert results[0].document.meta["lang"] == "ar"
    assert results[2].status == "skipped"
    assert results[2].reason == "missing text field 'body' (its string fields: text)"  # the likely text_field
    assert results[3].status == "skipped" and "int" in (results[3].reason or "")


def test_kwargs_are_config_keys() -> None:
    c = Cleaner(CleanerConfig(threshold=0.9), num_perm=64)
    assert (c.config.threshold, c.config.num_perm) == (0.9, 64)
    with pytest.raises(TypeError):
        Cleaner(no_such_key=1)


def test_strip_text_is_the_stripping_of_the_cleaner() -> None:
    page = page_texts()[3]
    one = strip_text(page)
    assert one.status == "kept" and one.text == apply_removals(page, one.removals)
    assert one.text.strip() and len(one.text) <= len(page)
    streamed = next(iter(Cleaner(jobs=1, learn_templates=False, dedup=False).clean([page])))
    assert streamed.text == one.text and streamed.removals == one.removals


def test_stream_batches_share_dedup_state() -> None:
    pages = page_texts()
    with Cleaner(jobs=1, learn_templates=False).stream() as stream:
        first = stream.clean_batch([pages[0], pages[1]])
        second = stream.clean_batch([pages[2], pages[1]])
    assert [r.status for r in first + second] == ["kept", "kept", "kept", "duplicate"]
    assert second[1].id == "3" and second[1].duplicate_of == "1"
