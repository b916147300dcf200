"""Helpers for dataframes and datasets: pandas, pyarrow and ``datasets.Dataset.map``.

Each helper feeds :class:`cleaner.api.Cleaner` and adds its verdicts as columns; none of them strips
or deduplicates by itself.  pandas and pyarrow are imported only inside the helper that needs them,
so ``import cleaner.integrations`` costs nothing.

Columns added (``prefix`` defaults to ``"cleaner_"``): ``text`` (the cleaned text; the input column
is replaced unless ``output_column`` names another one), ``cleaner_status`` (kept | duplicate | empty
| skipped), ``cleaner_duplicate_of``, ``cleaner_similarity`` and ``cleaner_chars_removed``.
Rows are never dropped, so the row count and order stay the same; filter on ``cleaner_status``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .api import Cleaner
from .config import CleanerConfig
from .document import CleanResult

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

__all__ = ["batch_fn", "clean_arrow_table", "clean_dataframe", "clean_series", "verdict_columns"]

VERDICTS = ("status", "duplicate_of", "similarity", "chars_removed")


def _cleaner(cleaner: Cleaner | CleanerConfig | None, kwargs: dict[str, Any]) -> Cleaner:
    if isinstance(cleaner, Cleaner):
        if kwargs:
            raise TypeError("pass settings to the Cleaner, not with an existing Cleaner")
        return cleaner
    return Cleaner(cleaner, **kwargs)


def verdict_columns(results: Iterable[CleanResult], prefix: str = "cleaner_") -> dict[str, list[Any]]:
    """Column lists ``text`` and ``<prefix>status`` ... from CleanResults, in order."""
    cols: dict[str, list[Any]] = {"text": [], **{prefix + k: [] for k in VERDICTS}}
    for r in results:
        cols["text"].append(r.text if r.status == "kept" else "")
        cols[prefix + "status"].append(r.status)
        cols[prefix + "duplicate_of"].append(r.duplicate_of)
        cols[prefix + "similarity"].append(r.similarity)
        cols[prefix + "chars_removed"].append(r.chars_removed)
    return cols


def _rows(texts: Sequence[Any], ids: Sequence[Any] | None, extra: dict[str, Sequence[Any]] | None,
          config: CleanerConfig) -> list[dict[str, Any]]:
    """Rows as the dicts the Cleaner reads: text in ``text_field``, id in ``id_field``, extra fields."""
    rows: list[dict[str, Any]] = []
    for i, text in enumerate(texts):
        row: dict[str, Any] = {config.text_field: text}
        if ids is not None:
            row[config.id_field] = ids[i]
        for name, values in (extra or {}).items():
            row[name] = values[i]
        rows.append(row)
    return rows


def clean_series(series: pd.Series, cleaner: Cleaner | CleanerConfig | None = None, *,
                 ids: Sequence[Any] | None = None, **kwargs: Any) -> pd.Series:
    """The cleaned text of each row of a pandas Series of pages ("" for a dropped row), same index."""
    import pandas as pd

    c = _cleaner(cleaner, kwargs)
    keys = list(ids) if ids is not None else [str(k) for k in series.index]
    cols = verdict_columns(c.clean(_rows(series.tolist(), keys, None, c.config)))
    return pd.Series(cols["text"], index=series.index, name=series.name, dtype=object)


def clean_dataframe(df: pd.DataFrame, cleaner: Cleaner | CleanerConfig | None = None, *,
                    text_column: str | None = None, id_column: str | None = None,
                    output_column: str | None = None, site_column: str | None = None,
                    prefix: str = "cleaner_", **kwargs: Any) -> pd.DataFrame:
    """A copy of ``df`` with the cleaned text and the verdict columns (rows are kept, in order).

    ``text_column`` defaults to the config's ``text_field``; ``id_column`` to its ``id_field`` when the
    frame has it (else the row index); ``site_column`` names the site of each page for site templates.
    """
    c = _cleaner(cleaner, kwargs)
    text_column = text_column or c.config.text_field
    if text_column not in df.columns:
        raise KeyError(f"no column {text_column!r} in the DataFrame; pass text_column=")
    id_column = id_column or (c.config.id_field if c.config.id_field in df.columns else None)
    ids = df[id_column].astype(str).tolist() if id_column else [str(k) for k in df.index]
    if site_column:
        c = Cleaner(c.config.replace(site_field="site"), model=c._model, templates=c.templates)
    extra = {"site": df[site_column].tolist()} if site_column else None
    cols = verdict_columns(c.clean(_rows(df[text_column].tolist(), ids, extra, c.config)), prefix)
    out = df.copy()
    out[output_column or text_column] = cols.pop("text")
    for name, values in cols.items():
        out[name] = values
    return out


def clean_arrow_table(table: pa.Table, cleaner: Cleaner | CleanerConfig | None = None, *,
                      text_column: str | None = None, id_column: str | None = None,
                      output_column: str | None = None, prefix: str = "cleaner_", **kwargs: Any) -> pa.Table:
    """A pyarrow Table with the cleaned text and the verdict columns; reads the text column in batches."""
    import pyarrow as pa

    c = _cleaner(cleaner, kwargs)
    text_column = text_column or c.config.text_field
    names = table.column_names
    if text_column not in names:
        raise KeyError(f"no column {text_column!r} in the table; pass text_column=")
    id_column = id_column or (c.config.id_field if c.config.id_field in names else None)

    def rows() -> Iterable[dict[str, Any]]:
        offset = 0
        for batch in table.select([n for n in (text_column, id_column) if n]).to_batches(c.config.batch_size):
            texts = batch.column(0).to_pylist()
            ids = batch.column(1).to_pylist() if id_column else [str(offset + i) for i in range(len(texts))]
            yield from _rows(texts, [str(x) for x in ids], None, c.config)
            offset += len(texts)

    cols = verdict_columns(c.clean(rows()), prefix)
    text = pa.array(cols.pop("text"), type=pa.string())
    target = output_column or text_column
    out = table.set_column(names.index(target), target, text) if target in names else table.append_column(target, text)
    types = {"status": pa.string(), "duplicate_of": pa.string(), "similarity": pa.float64(),
             "chars_removed": pa.int64()}
    for key in VERDICTS:
        values = pa.array(cols[prefix + key], type=types[key])
        name = prefix + key
        out = out.set_column(out.column_names.index(name), name, values) if name in out.column_names \
            else out.append_column(name, values)
    return out


def batch_fn(cleaner: Cleaner | CleanerConfig | None = None, *, text_column: str | None = None,
             id_column: str | None = None, output_column: str | None = None, prefix: str = "cleaner_",
             **kwargs: Any) -> Callable[[dict[str, list[Any]]], dict[str, list[Any]]]:
    """A ``datasets.Dataset.map(fn, batched=True)`` function: batch in, batch with verdict columns out.

    Dedup spans batches: the function keeps the signatures of the kept rows it has seen (first seen
    survives), in a temporary index for the life of the function.  With ``num_proc > 1`` each process
    dedups its own shard only; set ``index=PATH`` in the config for one shared, persistent index.
    Templates: call ``cleaner.fit(...)`` first, else they come from the model (a batch function
    never sees the whole dataset, so it cannot learn them itself).
    """
    c = _cleaner(cleaner, kwargs)
    stream = c.stream()  # lives as long as the function: dedup spans the batches
    text_col = text_column or c.config.text_field

    def fn(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        texts = batch[text_col]
        ids = [str(x) for x in batch[id_column]] if id_column else [str(stream.count + i) for i in range(len(texts))]
        cols = verdict_columns(stream.clean_batch(_rows(texts, ids, None, c.config)), prefix)
        out = dict(batch)
        out[output_column or text_col] = cols.pop("text")
        out.update(cols)
        return out

    fn.stream = stream  # type: ignore[attr-defined]
    return fn
