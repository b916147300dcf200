"""DataFrame in, DataFrame out: the library face of the Spark engine."""
from __future__ import annotations

from typing import Any

from ..config import CleanerConfig
from ..pipeline import Outcome
from .engine import outcomes
from .sources import rows_to_records

__all__ = ["clean_frame", "verdict_fields"]


def verdict_fields(prefix: str) -> list[Any]:
    from pyspark.sql.types import ArrayType, DoubleType, LongType, StringType, StructField, StructType

    span = StructType([StructField("start", LongType()), StructField("end", LongType()),
                       StructField("reason", StringType()), StructField("score", DoubleType())])
    return [StructField(prefix + "id", StringType()), StructField(prefix + "position", LongType()),
            StructField(prefix + "status", StringType()), StructField(prefix + "reason", StringType()),
            StructField(prefix + "removed", ArrayType(span)), StructField(prefix + "duplicate_of", StringType()),
            StructField(prefix + "similarity", DoubleType()), StructField(prefix + "cluster", StringType())]


def _row(outcome: Outcome, names: list[str], text_col: str) -> tuple[Any, ...]:
    r, meta = outcome.result, outcome.raw.meta
    values = [r.text if name == text_col else meta.get(name) for name in names]
    removed = [(x.start, x.end, x.reason, float(x.score)) for x in r.removals]
    return (*values, r.id, outcome.raw.position, r.status, r.reason, removed, r.duplicate_of,
            r.similarity, r.cluster)


def clean_frame(df: Any, config: CleanerConfig, *, partitions: int | None = None, prefix: str = "cleaner_") -> Any:
    """The verdict columns of :func:`cleaner.spark.clean` added to ``df`` (rows kept, text column cleaned)."""
    from pyspark.sql.types import StringType, StructField, StructType

    text_col = config.text_field
    if text_col not in df.columns:
        raise ValueError(f"no column {text_col!r} in the DataFrame (columns: {', '.join(df.columns)})")
    clash = [f.name for f in verdict_fields(prefix) if f.name in df.columns]
    if clash:
        raise ValueError(f"the DataFrame already has columns {clash}; pass another prefix=")
    records = rows_to_records(df, text_col, config.id_field).persist()  # df may not be deterministic
    fields = [StructField(f.name, StringType(), True) if f.name == text_col else f for f in df.schema.fields]
    names = [f.name for f in fields]
    schema = StructType(fields + verdict_fields(prefix))
    rows = outcomes(records, config, partitions=partitions).map(lambda o: _row(o, names, text_col))
    return df.sparkSession.createDataFrame(rows, schema)
