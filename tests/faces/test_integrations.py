"""pandas / pyarrow / datasets-style helpers: rows kept in order, verdict columns from the Cleaner."""
from __future__ import annotations

import subprocess
import sys

import pytest

from cleaner import Cleaner
from cleaner.integrations import batch_fn, clean_arrow_table, clean_dataframe, clean_series

from .conftest import page_texts


def test_importing_the_helpers_does_not_import_pandas_or_pyarrow() -> None:
    code = "import sys, cleaner.integrations; print('pandas' in sys.modules, 'pyarrow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_dataframe_and_series() -> None:
    pd = pytest.importorskip("pandas")
    pages = page_texts()
    df = pd.DataFrame({"id": ["a", "b", "c"], "text": [pages[0], pages[2], pages[0]], "n": [1, 2, 3]})
    out = clean_dataframe(df, jobs=1)
    assert list(out["id"]) == ["a", "b", "c"] and list(out["n"]) == [1, 2, 3]
    assert list(out["cleaner_status"]) == ["kept", "kept", "duplicate"]
    assert out["cleaner_duplicate_of"].iloc[2] == "a" and out["text"].iloc[2] == ""
    rows = [{"id": i, "text": t} for i, t in zip("abc", df["text"], strict=True)]
    expected = [r.text for r in Cleaner(jobs=1).clean(rows)]
    assert list(out["text"]) == [expected[0], expected[1], ""]
    assert list(df["text"]) == [pages[0], pages[2], pages[0]]  # the input frame is untouched
    series = clean_series(df["text"], jobs=1)
    assert list(series.index) == list(df.index) and list(series) == list(out["text"])


def test_arrow_table() -> None:
    pa = pytest.importorskip("pyarrow")
    pages = page_texts()
    table = pa.table({"doc": ["x", "y"], "body": [pages[1], pages[1]]})
    out = clean_arrow_table(table, text_column="body", id_column="doc", output_column="clean", jobs=1)
    assert out.column_names == ["doc", "body", "clean", "cleaner_status", "cleaner_duplicate_of",
                                "cleaner_similarity", "cleaner_chars_removed"]
    assert out.column("cleaner_status").to_pylist() == ["kept", "duplicate"]
    assert out.column("cleaner_duplicate_of").to_pylist() == [None, "x"]
    assert out.column("body").to_pylist() == [pages[1], pages[1]]


def test_batch_fn_dedups_across_batches() -> None:
    pages = page_texts()
    fn = batch_fn(jobs=1, learn_templates=False)
    first = fn({"text": [pages[0], pages[1]], "url": ["u0", "u1"]})
    second = fn({"text": [pages[1], pages[4]], "url": ["u2", "u3"]})
    assert first["cleaner_status"] == ["kept", "kept"] and second["cleaner_status"] == ["duplicate", "kept"]
    assert second["url"] == ["u2", "u3"] and second["text"][0] == "" and second["cleaner_duplicate_of"][0] == "1"
    assert set(first) == {"text", "url", "cleaner_status", "cleaner_duplicate_of", "cleaner_similarity",
                          "cleaner_chars_removed"}
