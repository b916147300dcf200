"""Bad input: every file ends as an output or a recorded skip, nothing crashes, nothing goes missing.

The corpus is generated here, in tmp dirs.  Each case says what it must become; the sweep at the
end checks the invariants that hold for all of them: one log record per input (the set of ids is
the set of inputs), spans in bounds and non-overlapping, ``removed[].text`` equal to the decoded
input at the span, output == input minus spans, and ``restore`` rebuilding every lossless input
byte for byte.
"""
from __future__ import annotations

import codecs
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cleaner.cli import cli, main
from cleaner.io.readers import DirectorySource, JsonlSource
from cleaner.text.decode import decode_bytes

ARABIC = ("أعلن وزير الخارجية الروسي، سيرغي لافروف، اليوم الجمعة، أن موسكو ستسعى إلى حوار جاد مع الغرب "
          "بشأن الضمانات الأمنية، وذلك خلال مؤتمر صحفي عقده في العاصمة بعد لقائه نظيره الفرنسي.\n")
ENGLISH = ("The city council voted on Tuesday to extend the bus network to three new districts, after "
           "months of complaints from residents about the long walk to the nearest stop.\n")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def unique_page(tag: str) -> str:
    """A page no other page near-duplicates: a line of words of its own, then shared text."""
    return f"Page {tag}.\nshort line\n" + " ".join(f"w{tag}x{j}" for j in range(40)) + "\n" + ENGLISH * 3


def _bad_corpus(src: Path) -> dict[str, str]:
    """Write the bad-input corpus into ``src``; returns ``{id: expected status or 'any'}``."""
    src.mkdir(parents=True)
    expect: dict[str, str] = {}

    def eng(tag: str, k: int = 3) -> str:
        return f"Report {tag}: " + " ".join(f"{tag}{i}" for i in range(12)) + ".\n" + ENGLISH * k

    def ara(tag: str, k: int = 3) -> str:
        return f"تقرير {tag}: " + " ".join(f"{tag}{i}" for i in range(12)) + ".\n" + ARABIC * k

    def put(name: str, data: bytes, status: str) -> None:
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expect[name] = status

    put("invalid_utf8.txt", eng("e711", 3).encode() + b"\xff\xfe\xc3(" + eng("e755", 3).encode(), "kept")
    put("arabic_cp1256.txt", ara("a818", 4).encode("cp1256"), "kept")
    put("utf16_bom.txt", codecs.BOM_UTF16_LE + ara("a904", 4).encode("utf-16-le"), "kept")
    put("utf16_be_bom.txt", codecs.BOM_UTF16_BE + eng("e994", 4).encode("utf-16-be"), "kept")
    put("utf16_nobom_latin.txt", eng("e1070", 4).encode("utf-16-le"), "kept")
    put("utf16_nobom_arabic.txt", ara("a1152", 4).encode("utf-16-le"), "kept")
    put("nul_bytes.txt", eng("e1214", 2).encode() + b"\x00" * 50 + eng("e1254", 2).encode(), "skipped")
    put("one_nul.txt", eng("e1312", 6).encode() + b"\x00" + eng("e1347", 6).encode(), "any")
    put("binary.txt", bytes(range(256)) * 64, "skipped")
    put("png.txt", b"\x89PNG\r\n\x1a\n" + bytes((i * 37) % 256 for i in range(8000)), "skipped")
    put("empty.txt", b"", "empty")
    put("whitespace.txt", b" \n\t\r\n  \n\xc2\xa0\n", "empty")
    put("crlf.txt", eng("e1650", 4).replace("\n", "\r\n").encode(), "kept")
    put("lone_cr.txt", eng("e1727", 4).replace("\n", "\r").encode(), "kept")
    put("mixed_breaks.txt", ("a\r\nb\rc\n\r" + eng("x1850", 3) + "\u2028x\u2029y\x85z\x0c").encode(), "kept")
    bidi = "\u202b" + ARABIC.replace(" ", " \u200d\u200c", 5) + "\u202c\u200f\u2066" + ARABIC + "\u2069\u061c"
    # a line of its own first: its sentence is on other pages of the folder too (a site template there)
    own = "\u202b" + ara("a1985", 0).replace(" ", " \u200d", 4).rstrip("\n") + "\u202c\n"
    put("bidi_zwj.txt", (own + bidi * 3).encode(), "kept")
    put("bom_only.txt", codecs.BOM_UTF8, "empty")
    put("nested/deeper/page.txt", eng("e2133", 3).encode(), "kept")
    put("name with spaces & ünïcödé.txt", eng("e2207", 3).encode(), "kept")
    put("10:30 news.txt", eng("e2265", 3).encode(), "kept")
    put("lone_surrogate_bytes.txt", eng("e2333", 3).encode() + b"\xed\xa0\x80" + eng("e2376", 3).encode(), "kept")
    # A 10 MB single line (no line break at all), of the prose's words sorted: not a near-duplicate of a
    # page whose stripped text is that prose
    words = (" ".join(sorted(ENGLISH.split())) + " ").encode()
    put("huge_one_line.txt", (words * (10_000_000 // len(words) + 1))[:10_000_000], "any")
    # A symlink loop of folders and of files, and a dangling symlink.
    (src / "loop").mkdir()
    os.symlink("..", src / "loop" / "up")
    os.symlink("self.txt", src / "self.txt")
    expect["self.txt"] = "skipped"
    os.symlink("missing-target.txt", src / "dangling.txt")
    expect["dangling.txt"] = "skipped"
    return expect


def _check_record_invariants(rec: dict[str, Any], src: Path, out: Path) -> None:
    """Spans in bounds, sorted, non-overlapping; output == decoded input minus exactly the spans."""
    spans = [(r["start"], r["end"]) for r in rec["removed"]]
    assert all(0 <= s < e for s, e in spans), rec["id"]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), rec["id"]
    if rec["status"] == "skipped":
        assert rec["reason"] and rec["output"] is None and not spans
        return
    decoded = decode_bytes((src / rec["id"]).read_bytes()).text
    assert decoded is not None and rec["chars_in"] == len(decoded)
    assert all(e <= len(decoded) for _, e in spans)
    for r in rec["removed"]:
        assert decoded[r["start"]:r["end"]] == r["text"]
    cleaned, cursor = [], 0
    for s, e in spans:
        cleaned.append(decoded[cursor:s])
        cursor = e
    cleaned.append(decoded[cursor:])
    expected = "".join(cleaned)
    if rec["status"] == "kept":
        assert (out / rec["output"]["path"]).read_bytes() == expected.encode("utf-8"), rec["id"]
        assert rec["chars_out"] == len(expected)
    else:
        assert expected == "" and rec["output"] is None, rec["id"]


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str], dict[str, Any]]:
    base = tmp_path_factory.mktemp("bad")
    src, out = base / "src", base / "out"
    expect = _bad_corpus(src)
    result = CliRunner().invoke(cli, ["clean", str(src), "-o", str(out), "--jobs", "2", "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    records = {}
    lines = (out / "provenance.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        rec = json.loads(line)
        assert rec["id"] not in records, f"two records for {rec['id']}"
        records[rec["id"]] = rec
    return src, out, expect, records


def test_every_input_has_exactly_one_record(bad_run: tuple[Path, Path, dict[str, str], dict[str, Any]]) -> None:
    src, out, expect, records = bad_run
    # the folder symlink loop is recorded as a listing skip of its own
    assert set(records) - {"loop/up"} == set(expect)
    assert records["loop/up"]["status"] == "skipped" and "loop" in records["loop/up"]["reason"]


def test_each_bad_input_ends_as_expected(bad_run: tuple[Path, Path, dict[str, str], dict[str, Any]]) -> None:
    _, _, expect, records = bad_run
    wrong = {k: (records[k]["status"], records[k].get("reason")) for k, v in expect.items()
             if v != "any" and records[k]["status"] != v}
    assert not wrong
    for k, rec in records.items():
        if rec["status"] != "kept":
            assert rec.get("reason"), f"{k} dropped without a reason"


def test_encodings_are_detected(bad_run: tuple[Path, Path, dict[str, str], dict[str, Any]]) -> None:
    records = bad_run[3]
    enc = {k: r.get("encoding", {}).get("encoding") for k, r in records.items()}
    assert enc["arabic_cp1256.txt"] == "cp1256"
    assert enc["utf16_bom.txt"] == "utf-16-le" and records["utf16_bom.txt"]["encoding"]["bom"]
    assert enc["utf16_be_bom.txt"] == "utf-16-be"
    assert enc["utf16_nobom_latin.txt"] == "utf-16-le"
    assert enc["utf16_nobom_arabic.txt"] == "utf-16-le"
    # a few bad bytes in ASCII text: read as UTF-8 with replacements, or as a legacy 8-bit
    # encoding that round-trips; either way it is kept and the log says which
    assert records["invalid_utf8.txt"]["status"] == "kept" and enc["invalid_utf8.txt"]


def test_spans_and_outputs_obey_the_invariant(bad_run: tuple[Path, Path, dict[str, str], dict[str, Any]]) -> None:
    src, out, _, records = bad_run
    for rec in records.values():
        _check_record_invariants(rec, src, out)


def test_bidi_and_joiners_survive_untouched(bad_run: tuple[Path, Path, dict[str, str], dict[str, Any]]) -> None:
    src, out, _, records = bad_run
    rec = records["bidi_zwj.txt"]
    assert rec["status"] == "kept"
    written = (out / rec["output"]["path"]).read_text(encoding="utf-8")
    # whatever stripping did, the kept text carries the control characters of its spans verbatim
    assert not rec["repairs"] and rec["encoding"]["lossless"]
    assert "\u200d" in written or any("\u200d" in r["text"] for r in rec["removed"])


def test_no_temp_files_or_stray_outputs(bad_run: tuple[Path, Path, dict[str, str], dict[str, Any]]) -> None:
    _, out, _, records = bad_run
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    kept = {r["output"]["path"] for r in records.values() if r["status"] == "kept"}
    assert files == kept | {"provenance.jsonl", ".cleaner-run.json"}


def test_restore_rebuilds_every_lossless_input(bad_run: tuple[Path, Path, dict[str, str], dict[str, Any]],
                                               tmp_path: Path) -> None:
    src, out, _, records = bad_run
    back = tmp_path / "back"
    result = CliRunner().invoke(cli, ["restore", str(out), "-o", str(back)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for rec in records.values():
        if rec["status"] == "skipped":
            assert not (back / rec["id"]).exists()
            continue
        restored = (back / rec["id"]).read_bytes()
        if rec["encoding"]["lossless"] and not rec["repairs"]:
            assert restored == (src / rec["id"]).read_bytes(), rec["id"]
        else:
            assert restored == decode_bytes((src / rec["id"]).read_bytes()).text.encode("utf-8"), rec["id"]


def test_unreadable_file_is_a_recorded_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_text(ENGLISH * 3, encoding="utf-8")
    locked = src / "locked.txt"
    locked.write_text(ENGLISH * 3, encoding="utf-8")
    locked.chmod(0)
    locked_dir = src / "closed"
    locked_dir.mkdir()
    (locked_dir / "inner.txt").write_text(ENGLISH * 3, encoding="utf-8")
    locked_dir.chmod(0)
    try:
        records = {r.id: r for r in DirectorySource(src)}
        if IS_ROOT:
            # root reads through chmod 000: only the "no crash, one record each" part can be checked
            # for real; the unreadable branch is exercised below by simulating EACCES.
            assert set(records) == {"ok.txt", "locked.txt", "closed/inner.txt"}
        else:
            assert records["locked.txt"].error and "unreadable" in records["locked.txt"].error
            assert records["closed"].error and "unreadable folder" in records["closed"].error
    finally:
        locked.chmod(0o644)
        locked_dir.chmod(0o755)

    real_read = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["clean", str(src), "-o", str(out), "--jobs", "1", "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = {json.loads(x)["id"]: json.loads(x) for x in (out / "provenance.jsonl").read_text().splitlines()[1:]}
    assert set(log) == {"ok.txt", "locked.txt", "closed/inner.txt"}
    assert log["locked.txt"]["status"] == "skipped" and "Permission denied" in log["locked.txt"]["reason"]


@pytest.mark.skipif(not IS_ROOT, reason="only meaningful when chmod 000 does not stop the reader")
def test_chmod_000_is_readable_as_root_note() -> None:
    pytest.skip("running as root: chmod 000 files are readable, so the real EACCES path is simulated "
                "(test_unreadable_file_is_a_recorded_skip monkeypatches Path.read_bytes)")


@pytest.mark.parametrize("when", ["listing", "learn", "clean"])
def test_file_vanishing_during_the_run_is_a_recorded_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          when: str) -> None:
    """Delete a file after the folder was listed: before the first read, between passes, or before writing."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(6):
        (src / f"p{i}.txt").write_text(unique_page(str(i)), encoding="utf-8")
    victim = src / "p4.txt"
    import cleaner.cli as cli_module
    from cleaner.config import CleanerConfig

    monkeypatch.setattr(CleanerConfig, "__init__", _small_batches(CleanerConfig.__init__))
    if when == "listing":
        real_listing = DirectorySource.listing

        def listing_then_delete(self: DirectorySource) -> list[tuple[str, str | None]]:
            found = real_listing(self)
            victim.unlink(missing_ok=True)
            return found

        monkeypatch.setattr(DirectorySource, "listing", listing_then_delete)
    else:
        def progress(quiet: bool) -> tuple[Any, Any]:
            def update(stage: str, n: int) -> None:
                if stage == when:
                    victim.unlink(missing_ok=True)
            return update, (lambda: None)

        monkeypatch.setattr(cli_module, "_progress", progress)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["clean", str(src), "-o", str(out), "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = {json.loads(x)["id"]: json.loads(x) for x in (out / "provenance.jsonl").read_text().splitlines()[1:]}
    assert set(log) == {f"p{i}.txt" for i in range(6)}
    assert log["p4.txt"]["status"] == "skipped" and "vanish" in log["p4.txt"]["reason"]
    assert not (out / "p4.txt").exists()
    for k, rec in log.items():
        if k != "p4.txt":
            assert rec["status"] == "kept"


def _small_batches(init: Any) -> Any:
    """Wrap CleanerConfig.__init__ so every run works in batches of 2 (progress fires mid-pass)."""
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["batch_size"] = 2
        init(self, *args, **kwargs)
    return wrapped


def test_file_changing_between_passes_never_breaks_the_invariant(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A file rewritten while the run reads it again: either its new text is used consistently, or it is
    skipped, but the log never holds spans of one version applied to another."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(6):
        (src / f"p{i}.txt").write_text(unique_page(str(i)), encoding="utf-8")
    victim = src / "p4.txt"
    import cleaner.cli as cli_module
    from cleaner.config import CleanerConfig

    monkeypatch.setattr(CleanerConfig, "__init__", _small_batches(CleanerConfig.__init__))
    done = []

    def progress(quiet: bool) -> tuple[Any, Any]:
        def update(stage: str, n: int) -> None:
            # the third batch holds p4: rewrite it after it was analysed, before it is written
            done.append(stage)
            if done.count("clean") == 3:
                victim.write_text("Shorter.\n", encoding="utf-8")
        return update, (lambda: None)

    monkeypatch.setattr(cli_module, "_progress", progress)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["clean", str(src), "-o", str(out), "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = {json.loads(x)["id"]: json.loads(x) for x in (out / "provenance.jsonl").read_text().splitlines()[1:]}
    rec = log["p4.txt"]
    # it changed after its spans were computed: the only honest outcome is a recorded skip
    assert rec["status"] == "skipped" and "changed" in rec["reason"] and rec["removed"] == []
    assert not (out / "p4.txt").exists()
    assert all(log[f"p{i}.txt"]["status"] == "kept" for i in (0, 1, 2, 3, 5))


def test_jsonl_bad_rows_each_get_one_record(tmp_path: Path) -> None:
    src = tmp_path / "rows.jsonl"
    def uniq(tag: str) -> str:
        return f"Story {tag}: " + " ".join(f"{tag}{i}" for i in range(12)) + ".\n" + ENGLISH * 2

    rows: list[str] = [
        json.dumps({"id": "good", "text": uniq("good")}),
        '{"id": "broken", "text": "unterminated',
        json.dumps({"id": "notext", "body": ENGLISH}),
        json.dumps({"id": "dup", "text": uniq("one")}),
        json.dumps({"id": "dup", "text": ARABIC * 2 + "two"}),
        json.dumps({"id": "number", "text": 42}),
        json.dumps({"id": "list", "text": ["a", "b"]}),
        json.dumps({"id": "null", "text": None}),
        json.dumps({"id": "../../escape", "text": uniq("escape")}),
        json.dumps({"id": "/etc/passwd", "text": uniq("abs")}),
        json.dumps({"id": "C:\\Windows\\x", "text": uniq("drive")}),
        json.dumps({"id": "nul\u0000id", "text": uniq("nul")}),
        json.dumps({"id": 7, "text": uniq("int_id")}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "lone", "text": "half a surrogate \ud800 here " + uniq("lone")}),
        "",
        "\xff\xfe not utf-8",
        json.dumps({"id": "last", "text": ARABIC * 3}),
    ]
    data = "\n".join(rows).encode("utf-8").replace("\xff\xfe".encode(), b"\xff\xfe") + b"\n"
    src.write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["clean", str(src), "-o", str(out), "--jobs", "2", "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    expected_ids = {r.id for r in JsonlSource(src)}
    lines = (out / "provenance.jsonl").read_text(encoding="utf-8").splitlines()[1:]
    log = [json.loads(x) for x in lines]
    assert len(log) == len(expected_ids) == 17  # every non-blank line
    assert {r["id"] for r in log} == expected_ids
    by_id = {r["id"]: r for r in log}
    assert by_id["broken" if "broken" in by_id else "line-2"]["status"] == "skipped"
    assert "missing text field" in by_id["notext"]["reason"]
    assert by_id["dup"]["status"] == "kept" and by_id["dup#2"]["status"] == "kept"
    for k in ("number", "list", "null"):
        assert by_id[k]["status"] == "skipped" and "not a string" in by_id[k]["reason"]
    # hostile ids stay data: one output file, nothing written outside OUT
    assert sorted(p.name for p in out.iterdir()) == [".cleaner-run.json", "provenance.jsonl", "rows.jsonl"]
    assert not (tmp_path.parent / "escape").exists()
    out_rows = [json.loads(x) for x in (out / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["id"] for r in out_rows} >= {"../../escape", "/etc/passwd", "nul\u0000id"}
    back = tmp_path / "back"
    result = CliRunner().invoke(cli, ["restore", str(out), "-o", str(back)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in back.iterdir()) == ["rows.jsonl"]


def test_wrong_text_field_says_why_every_row_was_skipped(tmp_path: Path) -> None:
    """Rows under another field name are each a recorded skip, and the summary names the cause and the option."""
    src = tmp_path / "gold.jsonl"
    src.write_text("\n".join(json.dumps({"id": f"p{i}", "page_text": unique_page(str(i)), "lang": "en"})
                             for i in range(3)) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["strip", str(src), "-o", str(out), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    log = [json.loads(x) for x in (out / "provenance.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert [r["status"] for r in log] == ["skipped"] * 3
    assert log[0]["reason"] == "missing text field 'text' (its string fields: page_text, lang)"
    assert "most common skip (3 of 3): missing text field 'text'" in result.output
    assert "--text-field" in result.output
    fixed = CliRunner().invoke(cli, ["strip", str(src), "-o", str(out), "-q", "--text-field", "page_text",
                                     "--overwrite"], catch_exceptions=False)
    assert fixed.exit_code == 0 and "3 kept" in fixed.output and "most common skip" not in fixed.output


def test_unreadable_jsonl_is_exit_3_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "looks.jsonl"
    folder.mkdir()  # a directory named like a JSONL file is read as a folder, so use a dangling link
    link = tmp_path / "gone.jsonl"
    os.symlink(tmp_path / "nowhere.jsonl", link)
    code = main(["clean", str(link), "-o", str(tmp_path / "out"), "-q", "--jobs", "1"])
    err = capsys.readouterr().err
    assert code in (2, 3) and "Traceback" not in err and "gone.jsonl" in err
