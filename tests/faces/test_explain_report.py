"""explain and report read a run back from its log and outputs; the report is one self-contained page."""
from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.explain import explain, shared_passages
from cleaner.report import write_report

HOSTILE = '<script>alert("x")</script> & <img src=http://example.com/a.png>'


@pytest.fixture()
def run_out(corpus: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    assert main(["clean", str(corpus), "-o", str(out), "--jobs", "1", "--quiet"]) == 0
    return out


def test_explain_a_duplicate_side_by_side(run_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ex = explain(run_out / "provenance.jsonl", "site/zz_copy.txt", width=100)
    assert ex.status == "duplicate" and ex.duplicate_of == "site/001_6f1d71e3aa0d6208.txt"
    assert ex.similarity is not None and ex.similarity >= 0.8
    assert ex.shared is not None and ex.shared >= 0.8
    text = ex.render()
    assert "near-duplicate of site/001_6f1d71e3aa0d6208.txt (estimated Jaccard similarity" in text
    assert "removed: site/zz_copy.txt" in text and "kept: site/001_6f1d71e3aa0d6208.txt" in text
    assert "⟦" in text and "⟧" in text
    rows = text.splitlines()
    columns = rows[5 : next((i for i, r in enumerate(rows) if r.startswith("removed spans")), len(rows))]
    assert columns and all(" | " in line or line.endswith(" |") for line in columns)
    assert main(["explain", "site/zz_copy.txt", "--log", str(run_out / "provenance.jsonl"), "--width", "90"]) == 0
    assert "shared passages:" in capsys.readouterr().out


def test_explain_lines_of_a_kept_page(run_out: Path) -> None:
    log = run_out / "provenance.jsonl"
    rec = next(json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()[1:]
               if json.loads(x)["id"] == "site/003_242a72b632553440.txt")
    assert rec["removed"], "the stripper removes something from this page"
    ex = explain(log, rec["id"])
    assert len(ex.removals) == len(rec["removed"])
    original = (Path(__file__).resolve().parents[2] / "fixtures/pages/003_242a72b632553440.txt").read_text()
    first = rec["removed"][0]
    line = original.count("\n", 0, first["start"]) + 1
    assert ex.removals[0]["line"] == line and ex.removals[0]["reason"] == first["reason"]
    only = explain(log, rec["id"], line=line)
    assert [r["line"] for r in only.removals] == [line]
    kept_lines = [i + 1 for i in range(original.count("\n") + 1)
                  if all(original.count("\n", 0, r["start"]) + 1 > i + 1
                         or original.count("\n", 0, max(r["start"], r["end"] - 1)) + 1 < i + 1
                         for r in rec["removed"])]
    assert "was kept" in explain(log, rec["id"], line=kept_lines[0]).render()
    assert main(["explain", "no/such/id", "--log", str(log)]) == 2


def test_shared_passages_mark_common_word_ngrams() -> None:
    a = "one two three four five six seven. unrelated words here"
    b = "zero one two three four five six seven eight"
    sa, sb = shared_passages(a, b, n=3)
    assert [a[s:e] for s, e in sa] == ["one two three four five six"]  # "seven." != "seven"
    assert [b[s:e] for s, e in sb] == ["one two three four five six"]
    sa, _ = shared_passages("a b c d x a b c d", "a b c d", n=2)
    assert len(sa) == 2  # an unshared word splits passages


def hand_made_run(tmp_path: Path) -> Path:
    """A run of two pages whose log holds a site_template removal with corpus evidence, and hostile text."""
    out = tmp_path / "hand"
    (out / "s").mkdir(parents=True)
    kept = f"The article body stays. {HOSTILE}\n"
    menu = "Home | World | Sport\n"
    (out / "s" / "p.txt").write_text(kept, encoding="utf-8")
    head = {"cleaner_provenance": 1, "input": "/in", "format": "dir", "config": {"threshold": 0.8, "ngram": 5}}
    p = {"id": "s/p.txt", "source": "/in/s/p.txt", "status": "kept", "output": {"path": "s/p.txt"},
         "removed": [{"start": 0, "end": len(menu), "reason": "site_template", "score": 0.97, "text": menu,
                      "evidence": {"site_pages": 42}}],
         "cluster": "s/p.txt", "chars_in": len(menu + kept), "chars_out": len(kept)}
    q_text = menu + kept
    q = {"id": "s/q.txt", "source": "/in/s/q.txt", "status": "duplicate", "output": None,
         "duplicate_of": "s/p.txt", "similarity": 0.93, "cluster": "s/p.txt",
         "removed": [{"start": 0, "end": len(menu), "reason": "site_template", "score": 0.97, "text": menu,
                      "evidence": {"site_pages": 42}},
                     {"start": len(menu), "end": len(q_text), "reason": "duplicate", "score": 1.0, "text": kept}],
         "chars_in": len(q_text), "chars_out": 0}
    lines = [json.dumps(x, ensure_ascii=False) for x in (head, p, q)]
    (out / "provenance.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_explain_a_template_line_gives_its_site_count(tmp_path: Path) -> None:
    out = hand_made_run(tmp_path)
    ex = explain(out / "provenance.jsonl", "s/p.txt", line=1)
    assert "s/p.txt:1: site_template (score 0.97; on 42 pages of the site) 'Home | World | Sport'" in ex.render()
    dup = explain(out / "provenance.jsonl", "s/q.txt")
    assert dup.similarity == 0.93 and "(estimated Jaccard similarity 0.93, threshold 0.8)" in dup.render()


def test_report_is_self_contained_and_escaped(tmp_path: Path) -> None:
    out = hand_made_run(tmp_path)
    html_path = tmp_path / "report.html"
    assert main(["report", str(out / "provenance.jsonl"), "-o", str(html_path)]) == 0
    page = html_path.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert not re.search(r"<[a-z]+[^>]*\s(src|href)\s*=", page)  # no tag loads anything
    assert "@import" not in page and "url(" not in page
    for section in ("Summary", "Removals by reason", "Duplicate clusters", "Similarity of duplicates",
                    "Most common template lines per site", "Before and after"):
        assert f">{section}" in page
    assert "Home | World | Sport" in page and ">42<" in page  # the template line and its site count
    assert page.count("<svg") >= 3 and "<del" in page


def test_report_of_a_real_run(run_out: Path, tmp_path: Path) -> None:
    stats = write_report(run_out / "provenance.jsonl", tmp_path / "r.html")
    assert stats.documents == 6 and stats.statuses["duplicate"] == 1 and len(stats.similarities) == 1


def png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Decode an 8-bit RGB/RGBA/gray PNG (no interlace): (width, height, channels, raw pixel bytes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and color in (0, 2, 4, 6)
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    out = bytearray(height * stride)
    prev = bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if f == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif f == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = prev[i], prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out[y * stride : (y + 1) * stride] = line
        prev = line
    return width, height, channels, bytes(out)


@pytest.mark.slow
def test_report_renders_in_headless_chromium(run_out: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    html_path, png = tmp_path / "report.html", tmp_path / "shot.png"
    write_report(run_out / "provenance.jsonl", html_path)
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'chrome'}", f"--screenshot={png}", "--window-size=1200,1600",
                    html_path.resolve().as_uri()], capture_output=True, timeout=60, check=False)
    assert png.is_file(), "chromium wrote no screenshot"
    width, height, channels, pixels = png_pixels(png.read_bytes())
    assert (width, height) == (1200, 1600)
    sample = pixels[:: channels * 7]  # every 7th pixel, first channel
    mean = sum(sample) / len(sample)
    variance = sum((v - mean) ** 2 for v in sample) / len(sample)
    dark = sum(1 for v in sample if v < 128) / len(sample)
    assert variance > 100, f"blank screenshot (variance {variance:.1f})"
    assert 0.005 < dark < 0.6, f"{dark:.1%} dark pixels: not a page of text and charts"
