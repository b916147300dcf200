"""The CLI end to end on the bundled fixtures, through click's CliRunner and the real entry point."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.cli import cli, main


def _records(log: Path) -> list[dict]:
    lines = log.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["cleaner_provenance"] == 1
    return [json.loads(line) for line in lines[1:]]


def _invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.output


def test_clean_writes_one_output_per_kept_page_and_one_record_per_page(pages_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _invoke(["clean", str(pages_dir), "-o", str(out), "--jobs", "1", "-q"])
    assert code == 0, output
    records = _records(out / "provenance.jsonl")
    inputs = sorted(p.name for p in pages_dir.glob("*.txt"))
    assert sorted(r["id"] for r in records) == inputs
    kept = [r for r in records if r["status"] == "kept"]
    assert sorted(p.name for p in out.glob("*.txt")) == sorted(r["output"]["path"] for r in kept)
    for r in records:
        original = (pages_dir / r["id"]).read_text(encoding="utf-8")
        assert r["chars_in"] == len(original)
        for span in r["removed"]:
            assert original[span["start"]:span["end"]] == span["text"]
    assert "documents in" in output


def test_restore_rebuilds_inputs_byte_identically(pages_dir: Path, tmp_path: Path) -> None:
    out, back = tmp_path / "out", tmp_path / "back"
    assert _invoke(["clean", str(pages_dir), "-o", str(out), "--jobs", "1", "-q"])[0] == 0
    code, output = _invoke(["restore", str(out), "-o", str(back)])
    assert code == 0, output
    for page in pages_dir.glob("*.txt"):
        assert (back / page.name).read_bytes() == page.read_bytes()


def test_cp1256_and_bom_inputs_restore_byte_identically(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    body = "أعلن وزير الخارجية الروسي، سيرغي لافروف، اليوم الجمعة، أن موسكو ستسعى إلى حوار جاد مع الغرب.\n"
    (src / "a" / "legacy.txt").write_bytes((body * 3).encode("cp1256"))
    (src / "a" / "bom.txt").write_bytes(b"\xef\xbb\xbf" + ("Another page with some text in it.\n" * 3).encode())
    (src / "bin.txt").write_bytes(bytes(range(256)) * 20)
    out, back = tmp_path / "out", tmp_path / "back"
    assert _invoke(["strip", str(src), "-o", str(out), "--jobs", "1", "-q"])[0] == 0
    records = {r["id"]: r for r in _records(out / "provenance.jsonl")}
    assert records["bin.txt"]["status"] == "skipped" and "binary" in records["bin.txt"]["reason"]
    assert records["a/legacy.txt"]["encoding"]["encoding"] == "cp1256"
    assert _invoke(["restore", str(out), "-o", str(back)])[0] == 0
    assert (back / "a" / "legacy.txt").read_bytes() == (src / "a" / "legacy.txt").read_bytes()
    assert (back / "a" / "bom.txt").read_bytes() == (src / "a" / "bom.txt").read_bytes()


def test_jsonl_in_jsonl_out_with_fields_carried(tmp_path: Path, seed_pages: dict[str, str]) -> None:
    src = tmp_path / "pages.jsonl"
    rows = [{"doc": f"d{i}", "body": text, "url": f"https://example.com/{i}"}
            for i, text in enumerate(seed_pages.values())]
    rows.append({"doc": "d0", "body": rows[0]["body"], "url": "https://example.com/again"})
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    out, back = tmp_path / "out", tmp_path / "back"
    code, output = _invoke(["clean", str(src), "-o", str(out), "--text-field", "body", "--id-field", "doc",
                            "--jobs", "1", "-q"])
    assert code == 0, output
    records = _records(out / "provenance.jsonl")
    assert len(records) == len(rows) + 1
    statuses = {r["id"]: r["status"] for r in records}
    assert statuses["d0#2"] == "duplicate"  # a repeated id is made unique and the copy found
    assert any(r["status"] == "skipped" and "broken JSON" in r["reason"] for r in records)
    out_rows = [json.loads(line) for line in (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("url" in r and "body" in r for r in out_rows)
    assert _invoke(["restore", str(out), "-o", str(back)])[0] == 0
    restored = [json.loads(line) for line in (back / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["body"] for r in restored] == [r["body"] for r in rows]


def test_parquet_in_parquet_out(tmp_path: Path, seed_pages: dict[str, str]) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "pages.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": k, "text": v} for k, v in seed_pages.items()]), src)
    out = tmp_path / "out"
    assert _invoke(["strip", str(src), "-o", str(out), "--jobs", "1", "-q"])[0] == 0
    table = pq.read_table(out / "pages.parquet").to_pylist()
    assert len(table) == len([r for r in _records(out / "provenance.jsonl") if r["status"] == "kept"])


@pytest.mark.parametrize("make_args,code,message", [
    (lambda t, p: ["clean", str(t / "nope"), "-o", str(t / "o")], 2, "not found"),
    (lambda t, p: ["clean", str(p), "-o", str(p / "inside")], 2, "inside the input"),
    (lambda t, p: ["clean", str(p), "-o", str(t), "--threshold", "3"], 2, "threshold"),
])
def test_user_mistakes_give_a_message_not_a_traceback(tmp_path: Path, pages_dir: Path, make_args, code: int,
                                                      message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(make_args(tmp_path, pages_dir) + ["-q"]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_output_of_another_run_is_refused_unless_overwrite(pages_dir: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.txt").write_text("someone else's file")
    assert main(["strip", str(pages_dir), "-o", str(out), "-q", "--jobs", "1"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["strip", str(pages_dir), "-o", str(out), "-q", "--jobs", "1", "--overwrite"]) == 0
    # the same run again may rewrite its own outputs
    assert main(["strip", str(pages_dir), "-o", str(out), "-q", "--jobs", "1"]) == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300), min_size=1, max_size=4))
def test_restore_of_clean_is_identity_on_generated_texts(tmp_path_factory: pytest.TempPathFactory,
                                                         texts: list[str]) -> None:
    base = tmp_path_factory.mktemp("gen")
    src = base / "src"
    src.mkdir()
    for i, text in enumerate(texts):
        (src / f"{i}.txt").write_bytes(text.encode("utf-8"))
    assert main(["clean", str(src), "-o", str(base / "out"), "-q", "--jobs", "1"]) == 0
    assert main(["restore", str(base / "out"), "-o", str(base / "back")]) == 0
    records = _records(base / "out" / "provenance.jsonl")
    for r in records:
        if r["status"] == "skipped":
            continue
        original = (src / r["id"]).read_bytes()
        restored = (base / "back" / r["id"]).read_bytes()
        if not r["repairs"] and r["encoding"]["lossless"]:
            assert restored == original


def test_exact_verify_finds_the_same_duplicate(tmp_path: Path, seed_pages: dict[str, str]) -> None:
    src = tmp_path / "pages.jsonl"
    texts = list(seed_pages.values())
    rows = [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)] + [{"id": "copy", "text": texts[1]}]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    code, output = _invoke(["clean", str(src), "-o", str(out), "--exact-verify", "--jobs", "1", "-q"])
    assert code == 0, output
    statuses = {r["id"]: (r["status"], r.get("duplicate_of")) for r in _records(out / "provenance.jsonl")}
    assert statuses["copy"] == ("duplicate", "d1")
    assert sum(s == "duplicate" for s, _ in statuses.values()) == 1
