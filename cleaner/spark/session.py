"""Starting a SparkSession that runs this package's code on its executors.

Workers must run the same interpreter (and so the same installed ``cleaner``) as the driver unless
told otherwise: ``PYSPARK_PYTHON`` defaults to ``sys.executable``.  A local master binds to
127.0.0.1 (a machine without a resolvable hostname otherwise stalls).  The web UI is off.
"""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from typing import Any

from ..errors import UsageError

__all__ = ["check_spark", "get_session"]


def check_spark() -> None:
    """Raise UsageError saying what to install when pyspark or Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise UsageError("the Spark engine needs the extra: pip install 'cleaner[spark]'") from exc
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise UsageError("the Spark engine needs Java 17 or newer (java on PATH or JAVA_HOME)")


def get_session(master: str | None = None, app_name: str = "cleaner",
                conf: Mapping[str, str] | None = None) -> Any:
    """The active SparkSession, or a new one on ``master`` (default: ``local[*]`` unless spark-submit set one)."""
    check_spark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master is None or master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name).config("spark.ui.enabled", "false")
    if master is not None:
        builder = builder.master(master)
    elif "SPARK_HOME" not in os.environ and not os.environ.get("PYSPARK_SUBMIT_ARGS"):
        builder = builder.master("local[*]")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
