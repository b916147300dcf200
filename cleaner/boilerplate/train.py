"""Training: line labels from gold text, learned function words, and a numpy MLP fit with Adam."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .features import page_arrays
from .model import Decoder, LineNet, StripModel, first_tokens, stacked_inputs, training_digest
from .stripper import analyse_many
from .templates import TemplateStats

_TOKEN = re.compile(r"\w+")  # the scorer's tokens


def line_labels(page_text: str, gold_text: str, line_spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """1 for lines whose 4-token shingles (or, for short lines, token sequence) the gold text holds.

    Gold shingles are consumed in order, so a headline printed twice is content only once.  A short line
    (fewer than 4 tokens) counts only where the gold text holds it between the gold positions of the
    content lines around it, so that a menu item such as "About" is not content because the article
    happens to use the word somewhere.
    """
    gtok = _TOKEN.findall(gold_text.lower())
    gold = Counter(" ".join(gtok[i:i + 4]) for i in range(len(gtok) - 3))
    first_at: dict[str, int] = {}
    for i in range(len(gtok) - 3):
        first_at.setdefault(" ".join(gtok[i:i + 4]), i)
    where: dict[str, list[int]] = {}
    for i, t in enumerate(gtok):
        where.setdefault(t, []).append(i)
    out = np.zeros(len(line_spans), dtype=np.float64)
    toks_of = [_TOKEN.findall(page_text[s:e].lower()) for s, e in line_spans]
    # gold positions (first, last token) of the long content lines
    anchor: list[tuple[int, int] | None] = [None] * len(line_spans)
    for n, toks in enumerate(toks_of):
        if len(toks) >= 4:
            sh = [" ".join(toks[i:i + 4]) for i in range(len(toks) - 3)]
            hits = [(j, x) for j, x in enumerate(sh) if gold[x] > 0]
            if len(hits) >= 0.5 * len(sh):
                out[n] = 1.0
                gold.subtract(x for _, x in hits)
                # where the line starts in the gold text: the median estimate, robust to repeated phrases
                at = int(np.median([first_at[x] - j for j, x in hits]))
                anchor[n] = (at, at + len(toks) - 1)
    lo_of = np.zeros(len(line_spans), dtype=np.int64)
    hi_of = np.full(len(line_spans), len(gtok), dtype=np.int64)
    last = 0
    for n, a in enumerate(anchor):
        lo_of[n] = last
        if a is not None:
            last = a[1]
    nxt = len(gtok)
    for n in range(len(anchor) - 1, -1, -1):
        hi_of[n] = nxt
        if anchor[n] is not None:
            nxt = anchor[n][0]  # type: ignore[index]
    used: set[int] = set()
    for n, toks in enumerate(toks_of):
        if not toks or len(toks) >= 4:
            continue
        k = len(toks)
        for i in where.get(toks[0], ()):
            if i < lo_of[n] - 3 or i in used:
                continue
            if i > hi_of[n] + 3:
                break
            if gtok[i:i + k] == toks:
                out[n] = 1.0
                used.add(i)
                break
    return out


def learn_function_words(rows: Sequence[Mapping[str, Any]], per_lang: int = 150, min_pages: int = 20) -> np.ndarray:
    """The tokens most pages of each language use in their article text (hashes, sorted).

    Only languages with at least ``min_pages`` labelled pages get words: over a few pages the most shared
    tokens are their topic (five pages on one story share its names), and a line about the same topic,
    a related link or a caption, would then read as article text.  Lines of other languages have no
    function words, as a language the model never saw.
    """
    df: dict[str, Counter[int]] = {}
    pages: Counter[str] = Counter()
    for row in rows:
        gold = str(row.get("gold_text") or "")
        if not gold.strip():
            continue
        lang = str(row.get("lang") or "unknown")
        pa = page_arrays(gold)
        df.setdefault(lang, Counter()).update(set(pa.tokens.hashes.tolist()))
        pages[lang] += 1
    words: set[int] = set()
    for lang, counter in df.items():
        if pages[lang] >= min_pages:
            words.update(h for h, _ in counter.most_common(per_lang))
    return np.sort(np.array(sorted(words), dtype=np.uint64))


def build_matrix(rows: Sequence[Mapping[str, Any]], model: StripModel, templates: TemplateStats | None,
                 fw_dropout: float = 0.2, seed: int = 0, clean_copies: bool = True, batch: int = 64,
                 owners: list[tuple[int, int, np.ndarray]] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and weights over the non-blank lines of all rows (pages analysed in batches).

    ``owners``, when given, receives for each block of feature rows (a page, or its clean copy) the index
    of its row, the block's size and its lines' first tokens (:func:`.model.first_tokens`), in the order of
    the matrix.
    """
    rng = np.random.default_rng(seed)
    xs, ys, ws = [], [], []
    for b0 in range(0, len(rows), batch):
        chunk = rows[b0:b0 + batch]
        texts = [str(row["page_text"]) for row in chunk]
        use_fw = np.array([rng.random() >= fw_dropout for _ in chunk], dtype=bool)
        sites = [str(row["site"]) if row.get("site") else None for row in chunk]
        view = analyse_many(texts, model, templates, sites, use_fw)
        ntok = np.bincount(view.pa.tokens.line, minlength=view.pa.n_lines)
        pages: list[list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = []
        copies: list[tuple[int, str, float]] = []
        for p, (row, text) in enumerate(zip(chunk, texts, strict=True)):
            r0, r1 = int(view.row_ptr[p]), int(view.row_ptr[p + 1])
            pages.append([])
            if r0 == r1:
                continue
            idx = view.idx[r0:r1]
            spans = list(zip(view.pa.starts[idx].tolist(), view.pa.ends[idx].tolist(), strict=True))
            y = line_labels(text, str(row["gold_text"]), spans)
            weight = float(row.get("weight", 1.0))
            w = np.sqrt(1.0 + ntok[idx])
            w *= np.sqrt(w.size) / w.sum() * weight
            pages[p].append((view.x[r0:r1], y, w, first_tokens(view.pa, idx)))
            if clean_copies and 0 < y.sum() < y.size:
                # the ideal output, stripped again, must stay whole: teaches the model idempotence
                stops = view.pa.stops[idx].tolist()
                kept = "".join(text[s:e] for (s, _), e, lab in zip(spans, stops, y, strict=True) if lab > 0)
                copies.append((p, kept, weight))
        if copies:
            v2 = analyse_many([c[1] for c in copies], model, None, [None] * len(copies),
                              use_fw[[c[0] for c in copies]])
            n2_all = np.bincount(v2.pa.tokens.line, minlength=v2.pa.n_lines)
            for q, (p, _, weight) in enumerate(copies):
                r0, r1 = int(v2.row_ptr[q]), int(v2.row_ptr[q + 1])
                if r0 == r1:
                    continue
                w2 = np.sqrt(1.0 + n2_all[v2.idx[r0:r1]])
                w2 *= 0.5 * np.sqrt(w2.size) / w2.sum() * weight
                pages[p].append((v2.x[r0:r1], np.ones(r1 - r0), w2, first_tokens(v2.pa, v2.idx[r0:r1])))
        for p, parts in enumerate(pages):
            for x, y, w, ft in parts:
                if owners is not None:
                    owners.append((b0 + p, x.shape[0], ft))
                xs.append(x)
                ys.append(y)
                ws.append(w)
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def fit_mlp(x: np.ndarray, y: np.ndarray, w: np.ndarray, hidden: int = 48, epochs: int = 8,
            lr: float = 2e-3, l2: float = 1e-5, batch: int = 512, seed: int = 0) -> LineNet:
    """Fit a one-hidden-layer ReLU network with weighted logistic loss (Adam, deterministic seed)."""
    rng = np.random.default_rng(seed)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std < 1e-6] = 1.0
    z = (x - mean) / std
    n, d = z.shape
    w = w / w.mean()
    params = [rng.normal(0, np.sqrt(2.0 / d), (d, hidden)), np.zeros(hidden),
              rng.normal(0, np.sqrt(1.0 / hidden), hidden), np.zeros(1)]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    t = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        rate = lr * (0.5 ** (epoch // 3))
        for s in range(0, n, batch):
            b = order[s:s + batch]
            zb, yb, wb = z[b], y[b], w[b]
            h_pre = zb @ params[0] + params[1]
            h = np.maximum(h_pre, 0.0)
            out = h @ params[2] + params[3][0]
            p = 1.0 / (1.0 + np.exp(-np.clip(out, -30, 30)))
            g_out = (p - yb) * wb / b.size
            g_w2 = h.T @ g_out + l2 * params[2]
            g_b2 = np.array([g_out.sum()])
            g_h = np.outer(g_out, params[2]) * (h_pre > 0)
            g_w1 = zb.T @ g_h + l2 * params[0]
            g_b1 = g_h.sum(axis=0)
            t += 1
            for i, g in enumerate((g_w1, g_b1, g_w2, g_b2)):
                m1[i] = 0.9 * m1[i] + 0.1 * g
                m2[i] = 0.999 * m2[i] + 0.001 * g * g
                mh = m1[i] / (1 - 0.9 ** t)
                vh = m2[i] / (1 - 0.999 ** t)
                params[i] = params[i] - rate * mh / (np.sqrt(vh) + 1e-8)
    return LineNet(mean, std, params[0], params[1], params[2], float(params[3][0]))


def fit_stacked(x: np.ndarray, y: np.ndarray, w: np.ndarray, sizes: np.ndarray, groups: np.ndarray,
                first: np.ndarray, inner: int = 3, hidden: int = 48, epochs: int = 8, seed: int = 0,
                ensemble: int = 1) -> tuple[LineNet, LineNet]:
    """A first-stage net over all rows, and a second-stage net trained on out-of-fold first-stage scores.

    ``sizes`` are the blocks' row counts (a page or its clean copy), ``groups`` each block's group (its site):
    the blocks of a group are scored by a net that did not see the group, as an unseen site is at use.
    With ``ensemble`` > 1 each stage averages that many nets (:func:`average_nets`).
    """
    blk = np.repeat(np.arange(sizes.size), sizes)
    fold = (np.asarray(groups, dtype=np.int64) % inner)[blk]
    z = np.zeros(y.size)
    for k in range(inner):
        held = fold == k
        if held.any() and (~held).any():
            z[held] = fit_mlp(x[~held], y[~held], w[~held], hidden=hidden, epochs=epochs, seed=seed + k).logits(x[held])
    nets = [fit_mlp(x, y, w, hidden=hidden, epochs=epochs, seed=seed + s) for s in range(ensemble)]
    x2 = stacked_inputs(x, z, np.concatenate(([0], np.cumsum(sizes))).astype(np.int64), first)
    nets2 = [fit_mlp(x2, y, w, hidden=hidden, epochs=epochs, seed=seed + s) for s in range(ensemble)]
    return (nets[0], nets2[0]) if ensemble == 1 else (average_nets(nets), average_nets(nets2))


def average_nets(nets: Sequence[LineNet]) -> LineNet:
    """One wider net whose logit is the mean of the nets' logits (they share the standardization)."""
    n = len(nets)
    return LineNet(nets[0].mean, nets[0].std, np.hstack([m.w1 for m in nets]), np.concatenate([m.b1 for m in nets]),
                   np.concatenate([m.w2 / n for m in nets]), float(sum(m.b2 for m in nets) / n))


def train_model(rows: list[Mapping[str, Any]], templates: TemplateStats | None = None,
                decoder: Decoder | None = None, hidden: int = 48, epochs: int = 8, seed: int = 0,
                ensemble: int = 1, stacked: bool = True) -> StripModel:
    """A StripModel from labelled rows (``page_text``, ``gold_text``, optional ``site``, ``lang``, ``weight``).

    ``templates`` are the site statistics used for the template feature while training; by default they
    are fit over the rows' own pages grouped by ``site``.  ``stacked`` adds the second stage
    (:func:`fit_stacked`) that rescores each line with its neighbours' first-stage scores.
    """
    if not rows:
        raise ValueError("no training rows")
    for n, row in enumerate(rows):
        if not isinstance(row.get("page_text"), str) or not isinstance(row.get("gold_text"), str):
            raise ValueError(f"row {n}: page_text and gold_text must be strings")
    if templates is None:
        with_site = [row for row in rows if row.get("site")]
        templates = TemplateStats()
        templates.add_pages([str(row["site"]) for row in with_site], [str(row["page_text"]) for row in with_site])
    model = StripModel(function_words=learn_function_words(rows), decoder=decoder or Decoder())
    owners: list[tuple[int, int, np.ndarray]] = []
    x, y, w = build_matrix(rows, model, templates, seed=seed, owners=owners)
    if stacked:
        sizes = np.array([n for _, n, _ in owners], dtype=np.int64)
        first = np.concatenate([ft for _, _, ft in owners])
        # inner folds by site (a page without one is its own group)
        groups = np.array([int(hashlib.sha256(str(rows[r].get("site") or f"row {r}").encode()).hexdigest()[:8], 16)
                           for r, _, _ in owners], dtype=np.int64)
        model.net, model.net2 = fit_stacked(x, y, w, sizes, groups, first, hidden=hidden, epochs=epochs,
                                            seed=seed, ensemble=ensemble)
    else:
        nets = [fit_mlp(x, y, w, hidden=hidden, epochs=epochs, seed=seed + s) for s in range(ensemble)]
        model.net = nets[0] if ensemble == 1 else average_nets(nets)
    model.training_digest = training_digest(rows)
    model.meta = {"pages": len(rows), "lines": int(y.size), "content_share": round(float(y.mean()), 4),
                  "hidden": hidden, "epochs": epochs, "seed": seed, "ensemble": ensemble, "stacked": stacked}
    return model
