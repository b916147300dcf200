"""``cleaner clean --engine spark`` writes the local engine's files, byte for byte (JSONL, Parquet, a folder)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cleaner.cli import cli

from .conftest import spark_env, spark_missing
from .corpus import model_path, planted_pages, synthetic_pages, write_dir, write_jsonl


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _invoke(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_cli_tables_same_files_as_local(spark: Any, tmp_path: Path, fmt: str) -> None:
    rows = [{"id": p.id, "text": p.text, "site": p.site} for p in synthetic_pages(40, seed=4)]
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet", row_group_size=15)
        src = tmp_path / "in.parquet"
    common = [str(src), "--site-field", "site", "--keep", "longest", "-q"]
    _invoke(["dedup", *common, "-o", str(tmp_path / "local")])
    _invoke(["dedup", *common, "-o", str(tmp_path / "spark"), "--engine", "spark", "--master", "local[2]"])
    local, remote = _files(tmp_path / "local"), _files(tmp_path / "spark")
    assert remote == local
    assert b'"status": "duplicate"' in local["provenance.jsonl"]


def test_cli_usage_errors(tmp_path: Path) -> None:
    src = write_dir(tmp_path / "src", {"a.txt": "text"})
    result = CliRunner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "o"), "--master", "local[2]"])
    assert result.exit_code != 0 and "--engine spark" in str(result.exception or result.output)
    if spark_missing() is None:
        result = CliRunner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "p"), "--engine", "spark",
                                          "--index", str(tmp_path / "i.sqlite")])
        assert result.exit_code != 0 and "local engine only" in str(result.exception or result.output)
        assert not (tmp_path / "p").exists()


def test_cli_local_cluster_same_files_as_local(tmp_path: Path) -> None:
    """Real executor JVMs (local-cluster[2,1,1024]) in a fresh process: same outputs as the local engine."""
    reason = spark_missing()
    if reason:
        pytest.skip(reason)
    src = write_dir(tmp_path / "pages", planted_pages())
    model = model_path(tmp_path)
    extra = ["--model", model] if model else []
    env = {**os.environ, **spark_env()}
    base = [sys.executable, "-m", "cleaner", "clean", str(src), "-q", *extra]
    subprocess.run([*base, "-o", str(tmp_path / "local")], check=True, env=env, capture_output=True)
    run = subprocess.run([*base, "-o", str(tmp_path / "spark"), "--engine", "spark", "--master",
                          "local-cluster[2,1,1024]"], env=env, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stderr[-3000:]
    local, remote = _files(tmp_path / "local"), _files(tmp_path / "spark")
    assert remote == local
    assert b'"status": "duplicate"' in local["provenance.jsonl"]
