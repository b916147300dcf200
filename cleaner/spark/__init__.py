"""The Spark engine: the same pipeline, kernels and verdicts as the local engine, scaled out on Spark.

Library::

    from cleaner.spark import clean, dedup
    out = clean(df, text_col="text", id_col="id", config=CleanerConfig(keep="longest"))

``clean`` and ``dedup`` return a DataFrame with every input column (the text column now holds the
cleaned text, "" for a dropped row) plus ``cleaner_id``, ``cleaner_position`` (1-based row order),
``cleaner_status``, ``cleaner_reason``, ``cleaner_removed`` (the removed spans ``start, end,
reason, score``), ``cleaner_duplicate_of``, ``cleaner_similarity`` and ``cleaner_cluster``.

Command line: ``cleaner clean --engine spark [--master local[2]] SRC -o OUT`` writes the same files
and provenance log as the local engine (see :mod:`.run`).  Importing this package does not import
pyspark; a session is started only when needed (:func:`.session.get_session`).
"""
from __future__ import annotations

from typing import Any

from ..config import CleanerConfig
from .engine import SparkRun, analyse, fit_templates, outcomes
from .session import check_spark, get_session

__all__ = ["SparkRun", "analyse", "check_spark", "clean", "dedup", "fit_templates", "get_session", "outcomes"]

PREFIX = "cleaner_"


def _config(config: CleanerConfig | None, text_col: str, id_col: str, changes: dict[str, Any]) -> CleanerConfig:
    base = config or CleanerConfig()
    return base.replace(text_field=text_col, id_field=id_col, **changes)


def clean(df: Any, text_col: str = "text", id_col: str = "id", config: CleanerConfig | None = None, *,
          partitions: int | None = None, prefix: str = PREFIX, **settings: Any) -> Any:
    """Strip and deduplicate the pages of a DataFrame; returns a DataFrame with the cleaned text and verdicts.

    ``settings`` are CleanerConfig fields (``keep="longest"``, ``threshold=0.9`` ...) applied over ``config``.
    Row ``n`` of ``df`` (in its current order) has position ``n``; the default id of a row with no id
    is ``row-n``, and a repeated id gets ``#2``, ``#3``... as in the local readers.
    """
    from .frames import clean_frame

    return clean_frame(df, _config(config, text_col, id_col, settings), partitions=partitions, prefix=prefix)


def dedup(df: Any, text_col: str = "text", id_col: str = "id", config: CleanerConfig | None = None, *,
          partitions: int | None = None, prefix: str = PREFIX, **settings: Any) -> Any:
    """Deduplicate only (texts of kept rows are unchanged); same columns as :func:`clean`."""
    return clean(df, text_col, id_col, config, partitions=partitions, prefix=prefix, **{**settings, "strip": False})
