"""``cleaner report LOG -o report.html``: one self-contained HTML page about a run.

Inline CSS and SVG only: no script, no font, no image or style fetched from anywhere.  Every text from
the corpus goes through :func:`html.escape`.  The log is read once, as a stream; only the aggregates
and the few sample records are kept, and the sample texts are read back from the output folder.
"""
from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .explain import LogRun
from .io.provenance import read_log
from .io.writers import atomic_write_bytes

__all__ = ["RunStats", "collect", "render_html", "write_report"]

SAMPLES = 4
SAMPLE_CHARS = 3000
TOP_LINES = 8


@dataclass
class RunStats:
    """Aggregates of a provenance log."""

    header: dict[str, Any] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    chars_in: int = 0
    chars_out: int = 0
    reason_spans: Counter[str] = field(default_factory=Counter)
    reason_chars: Counter[str] = field(default_factory=Counter)
    clusters: Counter[str] = field(default_factory=Counter)  # cluster id -> members
    similarities: list[float] = field(default_factory=list)
    template_lines: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    template_pages: dict[tuple[str, str], int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return sum(self.statuses.values())


def _site(rec: dict[str, Any], removal: dict[str, Any]) -> str:
    ev = removal.get("evidence") or {}
    if isinstance(ev, dict) and ev.get("site"):
        return str(ev["site"])
    meta = rec.get("meta") or {}
    if isinstance(meta, dict) and meta.get("url"):
        from urllib.parse import urlsplit

        return (urlsplit(str(meta["url"])).hostname or "").removeprefix("www.")
    return str(rec.get("id", "")).rpartition("/")[0] or "(top folder)"


def collect(records: Iterable[dict[str, Any]], samples: int = SAMPLES) -> RunStats:
    """One pass over the log records: counts, clusters, similarities, template lines, sample records."""
    st = RunStats()
    for rec in records:
        status = str(rec.get("status", "?"))
        st.statuses[status] += 1
        st.chars_in += int(rec.get("chars_in") or 0)
        st.chars_out += int(rec.get("chars_out") or 0)
        if rec.get("cluster") is not None:
            st.clusters[str(rec["cluster"])] += 1
        if status == "duplicate" and isinstance(rec.get("similarity"), (int, float)):
            st.similarities.append(float(rec["similarity"]))
        for r in rec.get("removed", []):
            reason = str(r.get("reason"))
            st.reason_spans[reason] += 1
            st.reason_chars[reason] += int(r.get("end", 0)) - int(r.get("start", 0))
            if reason == "site_template":
                site, line = _site(rec, r), " ".join(str(r.get("text", "")).split())
                st.template_lines[site][line] += 1
                ev = r.get("evidence") or {}
                if isinstance(ev, dict) and isinstance(ev.get("site_pages"), int):
                    key = (site, line)
                    st.template_pages[key] = max(st.template_pages.get(key, 0), ev["site_pages"])
        if status == "kept" and rec.get("removed") and len(st.samples) < samples:
            st.samples.append(rec)
    return st


# --- rendering -------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Naskh Arabic",sans-serif;
 margin:24px auto;max-width:1140px;color:#1d2733;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #dfe6ee;padding-bottom:4px}
.muted{color:#5b6b7c}table{border-collapse:collapse;margin:6px 0}
td,th{border:1px solid #d5dde6;padding:4px 10px;text-align:left;vertical-align:top}th{background:#eef3f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#f3f7fb;border:1px solid #d5dde6;border-radius:8px;
 padding:10px 16px;min-width:120px}.card b{display:block;font-size:22px}
.kept{color:#1b7f3b}.duplicate{color:#b35900}.empty{color:#7a5cc2}.skipped{color:#b3261e}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px}.pair pre{white-space:pre-wrap;word-wrap:break-word;
 background:#fafbfc;border:1px solid #d5dde6;border-radius:6px;padding:8px;margin:0;max-height:420px;overflow:auto;
 font:13px/1.5 system-ui,"Noto Naskh Arabic",sans-serif}
del{background:#fde2e1;color:#8a1c14;text-decoration:line-through}
svg text{font:11px system-ui,sans-serif;fill:#33414f}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _bars(labels: Sequence[str], values: Sequence[float], *, width: int = 640, color: str = "#3b7dd8",
          fmt: str = "{:,.0f}") -> str:
    """Horizontal bars as inline SVG (one row per label)."""
    if not values:
        return '<p class="muted">nothing to show</p>'
    row, label_w, top = 22, 170, max(values) or 1
    height = row * len(values) + 6
    parts = [f'<svg width="{width}" height="{height}" role="img">']
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        w = (width - label_w - 70) * v / top
        y = i * row + 3
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{_e(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{_e(fmt.format(v))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _histogram(labels: Sequence[str], counts: Sequence[int], *, color: str, x_title: str) -> str:
    """Vertical bars as inline SVG with the labels under the bars."""
    if not counts or not any(counts):
        return '<p class="muted">nothing to show</p>'
    n, h, bottom, left = len(counts), 170, 40, 36
    bw = max(14, min(60, 600 // n))
    width = left + n * bw + 20
    top = max(counts)
    parts = [f'<svg width="{width}" height="{h + bottom}" role="img">',
             f'<line x1="{left}" y1="{h}" x2="{width - 10}" y2="{h}" stroke="#8796a5"/>']
    for i, (label, c) in enumerate(zip(labels, counts, strict=True)):
        bh = (h - 20) * c / top
        x = left + i * bw
        parts.append(f'<rect x="{x + 2}" y="{h - bh:.1f}" width="{bw - 4}" height="{bh:.1f}" fill="{color}"/>')
        if c:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{h - bh - 3:.1f}" text-anchor="middle">{c}</text>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{h + 14}" text-anchor="middle">{_e(label)}</text>')
    parts.append(f'<text x="{left + n * bw / 2:.1f}" y="{h + 32}" text-anchor="middle">{_e(x_title)}</text></svg>')
    return "".join(parts)


def _similarity_bins(values: list[float], threshold: float) -> tuple[list[str], list[int]]:
    lo = min([threshold, *values]) if values else threshold
    lo = max(0.0, int(lo * 50) / 50)  # bins of 0.02 from just under the lowest value to 1.0
    edges = [round(lo + 0.02 * i, 2) for i in range(int(round((1.0 - lo) / 0.02)) + 1)] or [lo]
    counts = [0] * len(edges)
    for v in values:
        counts[min(len(edges) - 1, max(0, int((v - lo) / 0.02 + 1e-9)))] += 1
    return [f"{e:.2f}" for e in edges], counts


def _marked_before(original: str, removed: list[dict[str, Any]]) -> str:
    parts, cursor = [], 0
    for r in removed:
        s, e = int(r["start"]), int(r["end"])
        if s >= SAMPLE_CHARS:
            break
        parts.append(_e(original[cursor:s]))
        parts.append(f'<del title="{_e(r.get("reason"))}">{_e(original[s:e])}</del>')
        cursor = e
    parts.append(_e(original[cursor:SAMPLE_CHARS]))
    if len(original) > SAMPLE_CHARS:
        parts.append('<span class="muted"> […]</span>')
    return "".join(parts)


def render_html(stats: RunStats, run: LogRun | None = None, title: str = "cleaner report") -> str:
    """The report page as a string."""
    head = stats.header
    config: dict[str, Any] = head["config"] if isinstance(head.get("config"), dict) else {}
    threshold = float(config.get("threshold", 0.8)) if config else 0.8
    removed = stats.chars_in - stats.chars_out
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{_e(title)}</h1>",
           f'<p class="muted">input {_e(head.get("input", "?"))} ({_e(head.get("format", "?"))}); '
           f"threshold {_e(threshold)}, num_perm {_e(config.get('num_perm', '?'))}, "
           f"ngram {_e(config.get('ngram', '?'))}, keep {_e(config.get('keep', '?'))}</p>"]
    # summary
    out.append("<h2>Summary</h2><div class=\"cards\">")
    out.append(f'<div class="card">documents<b>{stats.documents:,}</b></div>')
    for status in ("kept", "duplicate", "empty", "skipped"):
        out.append(f'<div class="card {status}">{status}<b>{stats.statuses.get(status, 0):,}</b></div>')
    share = removed / stats.chars_in if stats.chars_in else 0.0
    out.append(f'<div class="card">characters removed<b>{share:.1%}</b></div></div>')
    out.append("<table><tr><th>measure</th><th>value</th></tr>"
               f'<tr><td>characters in</td><td class="n">{stats.chars_in:,}</td></tr>'
               f'<tr><td>characters out</td><td class="n">{stats.chars_out:,}</td></tr>'
               f'<tr><td>characters removed</td><td class="n">{removed:,}</td></tr>'
               f'<tr><td>duplicate clusters (2+ members)</td><td class="n">'
               f"{sum(1 for c in stats.clusters.values() if c > 1):,}</td></tr></table>")
    # removals by reason
    reasons = sorted(stats.reason_chars, key=lambda r: -stats.reason_chars[r])
    out.append("<h2>Removals by reason</h2><table><tr><th>reason</th><th>spans</th><th>characters</th></tr>")
    out += [f'<tr><td>{_e(r)}</td><td class="n">{stats.reason_spans[r]:,}</td>'
            f'<td class="n">{stats.reason_chars[r]:,}</td></tr>' for r in reasons]
    out.append("</table>")
    out.append(_bars(reasons, [stats.reason_chars[r] for r in reasons]))
    # clusters and similarities
    sizes = Counter(c for c in stats.clusters.values() if c > 1)
    size_labels = [str(s) for s in range(2, max(sizes) + 1)] if sizes else []
    out.append("<h2>Duplicate clusters</h2><p class=\"muted\">clusters by number of members (survivor included)</p>")
    out.append(_histogram(size_labels, [sizes.get(int(s), 0) for s in size_labels], color="#d9822b",
                          x_title="cluster size"))
    out.append(f"<h2>Similarity of duplicates to their survivor</h2><p class=\"muted\">{len(stats.similarities)} "
               f"duplicates; estimated Jaccard, bins of 0.02; threshold {threshold}</p>")
    labels, counts = _similarity_bins(stats.similarities, threshold)
    out.append(_histogram(labels if stats.similarities else [], counts if stats.similarities else [],
                          color="#2f9e77", x_title="similarity"))
    # template lines
    out.append("<h2>Most common template lines per site</h2>")
    if not stats.template_lines:
        out.append('<p class="muted">no site_template removals in this run</p>')
    for site in sorted(stats.template_lines):
        out.append(f"<h3>{_e(site)}</h3><table><tr><th>line</th><th>pages in this run</th>"
                   "<th>pages of the site (evidence)</th></tr>")
        for line, n in stats.template_lines[site].most_common(TOP_LINES):
            pages = stats.template_pages.get((site, line))
            out.append(f'<tr><td dir="auto">{_e(line)}</td><td class="n">{n}</td>'
                       f'<td class="n">{"" if pages is None else pages}</td></tr>')
        out.append("</table>")
    # before / after
    out.append(f"<h2>Before and after (a sample of {len(stats.samples)} pages)</h2>"
               '<p class="muted">removed spans are struck through; hover for the reason</p>')
    for rec in stats.samples:
        after = run.output_text(rec) if run is not None else None
        before = run.original_text(rec) if run is not None else None
        out.append(f"<h3>{_e(rec.get('id'))}</h3>")
        if before is None or after is None:
            out.append('<p class="muted">outputs not found next to the log</p>')
            continue
        cut = after[:SAMPLE_CHARS] + (" […]" if len(after) > SAMPLE_CHARS else "")
        out.append(f'<div class="pair"><pre dir="auto">{_marked_before(before, rec.get("removed", []))}</pre>'
                   f'<pre dir="auto">{_e(cut)}</pre></div>')
    out.append('<p class="muted">written by cleaner report</p></body></html>')
    return "\n".join(out)


def write_report(log: Path, output: Path, out_dir: Path | None = None, samples: int = SAMPLES) -> RunStats:
    """Read the log (and sample outputs from ``out_dir``, default the log's folder); write the HTML file."""
    head, records = read_log(Path(log))
    stats = collect(records, samples)
    stats.header = head
    run = _SampleReader(Path(log), out_dir, head)
    page = render_html(stats, run)
    atomic_write_bytes(Path(output), page.encode("utf-8"))
    return stats


class _SampleReader(LogRun):
    """A LogRun that does not load every record: the report needs only the sampled ones' texts."""

    def __init__(self, log: Path, out: Path | None, header: dict[str, Any]) -> None:
        self.log = log
        self.out = Path(out) if out is not None else log.parent
        self.header = header
        self.records = {}
        config = header.get("config") if isinstance(header.get("config"), dict) else {}
        self.config = config or {}
        self._rows = {}
