"""``cleaner clean|strip|dedup --engine spark``: read in the executors, write on the driver like the local run.

The outputs and the provenance log are written by :func:`cleaner.io.output.write_run`, fed with the
Outcomes streamed back partition by partition (``toLocalIterator``); only per-document results travel
to the driver, never pairs or components.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..config import CleanerConfig
from ..pipeline import Outcome
from .engine import SparkRun, check_config, outcomes
from .session import check_spark, get_session
from .sources import records_rdd

__all__ = ["check_spark_run", "spark_clean"]


def check_spark_run(config: CleanerConfig) -> None:
    """UsageError when pyspark or Java is missing or the config asks for what the engine does not do."""
    check_spark()
    check_config(config)


def spark_clean(source: Any, config: CleanerConfig, master: str | None = None,
                progress: Callable[[str, int], None] | None = None, partitions: int | None = None,
                run: SparkRun | None = None) -> Iterator[Outcome]:
    """The Outcomes of a run over a local reader's source (directory, JSONL, Parquet), in input order."""
    check_config(config)
    spark = get_session(master)
    run = run if run is not None else SparkRun()
    records = records_rdd(spark.sparkContext, source, partitions)
    try:
        for outcome in outcomes(records, config, partitions=partitions, run=run).toLocalIterator():
            if progress is not None:
                progress("clean", 1)
            yield outcome
    finally:
        run.release()
