"""Deterministic synthetic corpus for the dedup benchmarks: news-like pages with planted near-duplicates.

Each page is ~4.5 KB of UTF-8: a site's chrome (header and footer lines shared by every page of the
site) around an article of sentences mixing Arabic-script and Latin words drawn from synthetic Zipf
vocabularies.  About ``dup_rate`` of the pages are near-duplicates of an earlier page: 5-20% of the
article's words edited in one to three contiguous blocks (replaced, deleted or inserted) plus a few
scattered word swaps, 30% re-wrapped in another site's chrome, and often with Persian letter forms
(ی ک) swapped for Arabic ones (ي ك) or back.  Nothing is downloaded; the same seed gives the same corpus.

    python benchmarks/corpus.py 100000 corpus.jsonl truth.tsv     # streaming, any size
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

_ARABIC = list("ابتثجحخدذرسشصضطظعغفقكلمنهويةأإآىءؤئ") + ["ی", "ک"]
_LATIN = list("abcdefghijklmnopqrstuvwxyz")
_TO_PERSIAN = str.maketrans({"ي": "ی", "ك": "ک"})
_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})


@dataclass(frozen=True)
class Page:
    id: str
    text: str
    site: str
    source: str | None  # id of the page this one was derived from (None: original)
    edit: float  # fraction of article words edited (0 for originals)


def _vocabulary(rng: np.random.Generator, letters: list[str], size: int) -> np.ndarray:
    lengths = np.clip(rng.poisson(4.5, size) + 2, 2, 12)
    codes = rng.integers(0, len(letters), lengths.sum())
    alphabet = np.array(letters)
    words, pos = [], 0
    for n in lengths:
        words.append("".join(alphabet[codes[pos:pos + n]]))
        pos += n
    unique = np.array(sorted(set(words)), dtype=object)
    return unique[rng.permutation(len(unique))]  # Zipf rank independent of spelling


class CorpusGenerator:
    """Streams pages; keeps only a bounded pool of recent articles to derive duplicates from."""

    def __init__(self, seed: int = 7, sites: int = 50, dup_rate: float = 0.2, pool: int = 2000,
                 target_bytes: int = 4500) -> None:
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        self.vocab = [_vocabulary(rng, _ARABIC, 30000), _vocabulary(rng, _LATIN, 20000)]
        self.cdfs = [np.cumsum(self._zipf(len(v))) for v in self.vocab]
        self.dup_rate, self.pool_size, self.target_bytes = dup_rate, pool, target_bytes
        self.sites = [f"site{i:03d}.example" for i in range(sites)]
        self.chrome = [self._chrome(name) for name in self.sites]
        self.pool: list[tuple[str, list[str], int]] = []  # (id, article words, site) of recent originals

    @staticmethod
    def _zipf(n: int) -> np.ndarray:
        p = 1.0 / np.arange(1, n + 1) ** 1.05
        return p / p.sum()

    def _words(self, n: int, latin_share: float = 0.25) -> list[str]:
        latin = self.rng.random() < latin_share
        vocab, cdf = self.vocab[int(latin)], self.cdfs[int(latin)]
        picks = np.minimum(np.searchsorted(cdf, self.rng.random(n)), len(vocab) - 1)
        return list(vocab[picks])

    def _chrome(self, name: str) -> tuple[str, str]:
        head = [name.upper() + " | " + " ".join(self._words(6)) for _ in range(3)]
        head.append(" - ".join(" ".join(self._words(2)) for _ in range(8)))
        foot = [" ".join(self._words(10)) + " ©2026 " + name, " | ".join(" ".join(self._words(2)) for _ in range(6))]
        return "\n".join(head), "\n".join(foot)

    def _article(self) -> list[str]:
        words: list[str] = []
        budget = self.target_bytes - 900  # chrome takes about 900 bytes
        size = 0
        while size < budget:
            sentence = self._words(int(self.rng.integers(8, 25)))
            sentence[-1] += "."
            words.extend(sentence)
            size += sum(len(w.encode()) + 1 for w in sentence)
        return words

    def _edit(self, words: list[str], rate: float) -> list[str]:
        out = list(words)
        blocks = int(self.rng.integers(1, 4))
        total = max(1, int(rate * len(out)))
        for size in np.diff(np.sort(np.concatenate(([0, total], self.rng.integers(0, total, blocks - 1))))):
            if size == 0:
                continue
            start = int(self.rng.integers(0, max(1, len(out) - size)))
            kind = self.rng.integers(0, 3)
            if kind == 0:
                out[start:start + size] = self._words(int(size))
            elif kind == 1:
                del out[start:start + size]
            else:
                out[start:start] = self._words(int(size))
        swaps = self.rng.random(len(out)) < 0.002
        for i in np.flatnonzero(swaps):
            out[i] = self._words(1)[0]
        return out

    @staticmethod
    def _layout(words: list[str], rng: np.random.Generator) -> str:
        lines, pos = [], 0
        while pos < len(words):
            n = int(rng.integers(30, 90))
            lines.append(" ".join(words[pos:pos + n]))
            pos += n
        return "\n".join(lines)

    def pages(self, n: int) -> Iterator[Page]:
        rng = self.rng
        for k in range(n):
            doc_id = f"d{k:07d}"
            site = int(rng.integers(0, len(self.sites)))
            if self.pool and rng.random() < self.dup_rate:
                src_id, src_words, src_site = self.pool[int(rng.integers(0, len(self.pool)))]
                edit = float(rng.uniform(0.05, 0.20))
                words, source = self._edit(src_words, edit), src_id
                if rng.random() < 0.7:  # most copies stay on the source's site; the others get other chrome
                    site = src_site
            else:
                words, source, edit = self._article(), None, 0.0
                self.pool.append((doc_id, words, site))
                if len(self.pool) > self.pool_size:
                    self.pool.pop(int(rng.integers(0, len(self.pool))))
            head, foot = self.chrome[site]
            text = f"{head}\n{self._layout(words, rng)}\n{foot}\n"
            swap = rng.random()
            if source is not None and swap < 0.3:
                text = text.translate(_TO_PERSIAN)
            elif source is not None and swap < 0.6:
                text = text.translate(_TO_ARABIC)
            yield Page(doc_id, text, self.sites[site], source, edit)


def generate(n: int, seed: int = 7, **kwargs: float) -> Iterator[Page]:
    """The first ``n`` pages of the corpus for ``seed`` (streaming)."""
    return CorpusGenerator(seed, **kwargs).pages(n)  # type: ignore[arg-type]


def remixed(n: int, seed: int = 7, base: int = 5000, dup_rate: float = 0.2) -> Iterator[Page]:
    """A fast stream for scaling runs: pages assembled from random lines of a ``base``-page corpus.

    :func:`generate` costs ~0.6 ms a page; this costs a few microseconds, so 1M pages fit a benchmark.
    Lines are shared across pages (as chrome and wire copy are), and ``dup_rate`` of the pages copy an
    earlier remixed page with one line replaced and one dropped.
    """
    rng = np.random.default_rng(seed + 1)
    lines = [line for page in generate(base, seed) for line in page.text.split("\n") if line]
    source: str | None
    pool: list[tuple[str, list[int]]] = []
    for k in range(n):
        if pool and rng.random() < dup_rate:
            source, picks = pool[int(rng.integers(0, len(pool)))]
            picks = list(picks)
            picks[int(rng.integers(0, len(picks)))] = int(rng.integers(0, len(lines)))
            del picks[int(rng.integers(0, len(picks)))]
        else:
            picks, source = rng.integers(0, len(lines), int(rng.integers(10, 16))).tolist(), None
        if len(pool) < 20000:
            pool.append((f"r{k:07d}", picks))
        else:
            pool[int(rng.integers(0, len(pool)))] = (f"r{k:07d}", picks)
        yield Page(f"r{k:07d}", "\n".join(lines[i] for i in picks), "remix", source, 0.0)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3:
        print(__doc__)
        return 2
    n, out, truth = int(args[0]), args[1], args[2]
    seed = int(args[3]) if len(args) > 3 else 7
    with open(out, "w", encoding="utf-8") as f, open(truth, "w", encoding="utf-8") as t:
        t.write("source\tduplicate\tedit\n")
        for page in generate(n, seed):
            f.write(json.dumps({"id": page.id, "text": page.text, "site": page.site}, ensure_ascii=False) + "\n")
            if page.source is not None:
                t.write(f"{page.source}\t{page.id}\t{page.edit:.3f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
