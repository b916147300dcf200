"""Soak test: one long ``cleaner clean`` run over generated pages, with memory sampled over time.

    python benchmarks/soak.py --docs 200000 [--jobs 2] [--keep-dir DIR]

Pages (~2-4 KB, Latin and Arabic words, per-site template lines, ~5% near-duplicates) are generated
from a seeded RNG straight into a JSONL file in a temp dir.  The CLI runs in a subprocess (the real
``cleaner.cli.main``; only its progress callback is swapped for one that appends counts to a file,
since the tqdm bar needs a terminal).  A background thread reads ``VmRSS`` from
``/proc/<pid>/status`` of the CLI process and of its pool workers every 0.5 s.

Reported: RSS of the main process and of all processes at 10/50/90% of the documents of the
strip+dedup pass, the slope in MB per 10k documents (least squares over 10-90%), and for the write
pass the same; if memory grows, the bytes per document.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_LATIN = ("the minister said on monday that the government would review the budget for schools hospitals "
          "and roads after weeks of protests in the capital where thousands gathered to demand lower prices "
          "and better services while officials promised new measures before the elections next spring").split()
_ARABIC = ("أعلن وزير الخارجية اليوم أن الحكومة ستراجع الميزانية بعد أسابيع من الاحتجاجات في العاصمة حيث تجمع "
           "الآلاف للمطالبة بخفض الأسعار وتحسين الخدمات بينما وعد المسؤولون بإجراءات جديدة قبل الانتخابات").split()
_HEADERS = ("Home | World | Politics | Sport | Contact", "الرئيسية | أخبار | رياضة | اتصل بنا", "Menu  Search  Login")
_FOOTERS = ("Share on Facebook  Follow us on Twitter", "© 2024 Example News. All rights reserved.", "اقرأ أيضا")

# The progress callback of the CLI, swapped for one that appends "stage count" lines to a file.
_RUNNER = r'''
import sys
import cleaner.cli as cli
path = sys.argv[1]
def _progress(quiet):
    fh = open(path, "a", buffering=1)
    done = {}
    def update(stage, n):
        done[stage] = done.get(stage, 0) + n
        fh.write(f"{stage} {done[stage]}\n")
    return update, fh.close
cli._progress = _progress
sys.exit(cli.main(sys.argv[2:]))
'''


def generate(path: Path, n: int, seed: int = 20240501) -> int:
    """Write ``n`` pages as JSONL, streaming; returns the byte size."""
    rng = random.Random(seed)
    recent: list[str] = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            site = rng.randrange(40)
            words = _ARABIC if site % 3 == 0 else _LATIN
            if recent and rng.random() < 0.05:  # a near-duplicate of a recent page
                body = recent[rng.randrange(len(recent))].replace(" the ", " a ", 2)
            else:
                target = rng.randint(2000, 4000)
                paras, size = [], 0
                while size < target:
                    p = " ".join(rng.choices(words, k=rng.randint(25, 70))) + "."
                    paras.append(p)
                    size += len(p) + 1
                body = "\n".join(paras)
                recent = (recent + [body])[-500:]
            text = f"{_HEADERS[site % 3]}\nSite {site} headline {i}\n\n{body}\n\n{_FOOTERS[site % 3]}\n"
            fh.write(json.dumps({"id": f"p{i:07d}", "text": text, "url": f"https://site{site}.example/{i}"},
                                ensure_ascii=False) + "\n")
    return path.stat().st_size


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def _last_progress(path: Path) -> tuple[str, int]:
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - 200))
            last = fh.read().decode(errors="replace").strip().splitlines()
        stage, n = last[-1].split()
        return stage, int(n)
    except (OSError, IndexError, ValueError):
        return "start", 0


def _written(out: Path) -> int:
    """Rows of the provenance log written so far (the write pass; the log is a dot temp file until done)."""
    best = 0
    for p in out.glob(".provenance.jsonl.*.tmp"):
        try:
            with p.open("rb") as fh:
                best = max(best, sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1)
        except OSError:
            pass
    return max(best, 0)


def sample(proc: subprocess.Popen[bytes], progress: Path, out: Path, samples: list[dict[str, float]],
           every: float = 0.5) -> None:
    t0 = time.monotonic()
    tick = 0
    written = 0
    while proc.poll() is None:
        kids = _children(proc.pid)
        main = _rss_kb(proc.pid)
        total = main + sum(_rss_kb(k) for k in kids)
        stage, n = _last_progress(progress)
        tick += 1
        if stage == "clean" and tick % 4 == 0:  # counting lines is cheap but not free: every 2 s
            written = _written(out)
        samples.append({"t": time.monotonic() - t0, "rss_main_mb": main / 1024, "rss_total_mb": total / 1024,
                        "stage": stage, "n": n, "written": written})
        time.sleep(every)


def _at(points: list[tuple[float, float]], frac: float, n: int) -> float | None:
    target = frac * n
    for x, y in points:
        if x >= target:
            return y
    return None


def _slope(points: list[tuple[float, float]], n: int) -> float | None:
    """Least-squares MB per 10k docs over the 10-90% part of a pass."""
    sel = [(x, y) for x, y in points if 0.1 * n <= x <= 0.9 * n]
    if len(sel) < 3:
        return None
    mx = sum(x for x, _ in sel) / len(sel)
    my = sum(y for _, y in sel) / len(sel)
    var = sum((x - mx) ** 2 for x, _ in sel)
    return None if var == 0 else sum((x - mx) * (y - my) for x, y in sel) / var * 10_000


def summarize(samples: list[dict[str, float]], n: int) -> dict[str, object]:
    report: dict[str, object] = {}
    passes = {
        "learn (template pass)": [(s["n"], s) for s in samples if s["stage"] == "learn"],
        "clean (strip + sign + dedup pass)": [(s["n"], s) for s in samples if s["stage"] == "clean" and s["n"] < n],
        "write (materialize + write pass)": [(s["written"], s) for s in samples
                                             if s["stage"] == "clean" and s["n"] >= n and s["written"] > 0],
    }
    for name, pts in passes.items():
        entry: dict[str, object] = {"samples": len(pts)}
        for key in ("rss_main_mb", "rss_total_mb"):
            series = [(x, s[key]) for x, s in pts]
            entry[key] = {f"at_{int(f * 100)}pct": (round(v, 1) if (v := _at(series, f, n)) is not None else None)
                          for f in (0.1, 0.5, 0.9)}
            slope = _slope(series, n)
            entry[key]["slope_mb_per_10k_docs"] = None if slope is None else round(slope, 2)
            entry[key]["bytes_per_doc"] = None if slope is None else round(slope * 2**20 / 10_000)
        report[name] = entry
    report["peak_rss_main_mb"] = round(max(s["rss_main_mb"] for s in samples), 1) if samples else None
    report["peak_rss_total_mb"] = round(max(s["rss_total_mb"] for s in samples), 1) if samples else None
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--command", default="clean", choices=("clean", "strip", "dedup"))
    ap.add_argument("--keep-dir", type=Path, help="work here and keep the files (default: a temp dir, removed)")
    ap.add_argument("--json", type=Path, help="also write the report and the samples as JSON here")
    args = ap.parse_args(argv)
    work = args.keep_dir or Path(tempfile.mkdtemp(prefix="cleaner-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        src, out, progress = work / "pages.jsonl", work / "out", work / "progress.txt"
        t = time.monotonic()
        size = generate(src, args.docs)
        print(f"generated {args.docs} pages, {size / 2**20:.0f} MB in {time.monotonic() - t:.0f} s", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
        progress.unlink(missing_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-c", _RUNNER, str(progress), args.command, str(src), "-o", str(out),
               "--jobs", str(args.jobs)]
        samples: list[dict[str, float]] = []
        t = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
        thread = threading.Thread(target=sample, args=(proc, progress, out, samples), daemon=True)
        thread.start()
        _, err = proc.communicate()
        thread.join()
        elapsed = time.monotonic() - t
        report = {"docs": args.docs, "input_mb": round(size / 2**20, 1), "jobs": args.jobs, "exit": proc.returncode,
                  "seconds": round(elapsed, 1), "docs_per_s": round(args.docs / elapsed, 1),
                  "summary": err.decode(errors="replace").strip().splitlines()[-1:],
                  **summarize(samples, args.docs)}
        print(json.dumps(report, indent=2))
        if args.json:
            args.json.write_text(json.dumps({"report": report, "samples": samples}, indent=1))
        return 0 if proc.returncode == 0 else 1
    finally:
        if not args.keep_dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
