"""The local path never imports pyspark."""
from __future__ import annotations

import subprocess
import sys


def test_local_path_does_not_import_pyspark() -> None:
    code = ("import sys, cleaner, cleaner.cli, cleaner.pipeline, cleaner.spark, cleaner.graph; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
