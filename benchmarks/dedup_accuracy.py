"""Dedup accuracy: the engine's verified pairs vs brute-force exact Jaccard on a sample.

    python benchmarks/dedup_accuracy.py --docs 3000

Truth: every pair of pages whose exact Jaccard on word 5-gram shingle sets is >= the threshold
(all pairs, computed with a sparse matrix product).  Modes: the signature estimate alone (no
shingles given), the default (exact Jaccard for candidates whose estimate is near the threshold,
:mod:`cleaner.dedup.verify`), and ``exact_verify`` (exact for every candidate).  Reported per mode:

- LSH recall: share of true pairs that LSH proposes as candidates;
- exact checks: candidates whose similarity was computed exactly (estimate inside the exact window);
- pair recall / precision: of the engine's verified pairs (candidates kept at >= threshold);
- link precision: share of (duplicate, survivor) links in the verdicts whose exact Jaccard >= threshold;
- estimate error: mean |signature estimate - exact| over candidate pairs.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import generate  # noqa: E402

from cleaner.dedup import Deduper, DedupParams, compute_signatures  # noqa: E402
from cleaner.dedup.engine import find_pairs  # noqa: E402
from cleaner.dedup.minhash import estimate_pairs  # noqa: E402
from cleaner.dedup.shingle import exact_jaccard, shingle_sets  # noqa: E402
from cleaner.dedup.verify import exact_window  # noqa: E402


def exact_pairs(sets: list[np.ndarray], threshold: float) -> tuple[set[tuple[int, int]], sparse.csr_matrix]:
    """All pairs with exact Jaccard >= threshold (sparse co-occurrence counts)."""
    sizes = np.array([len(s) for s in sets])
    values, inverse = np.unique(np.concatenate(sets), return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), sizes)
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, inverse)), shape=(len(sets), len(values)))
    inter = sparse.triu(m @ m.T, k=1).tocoo()
    jac = inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)
    keep = jac >= threshold
    return set(zip(inter.row[keep].tolist(), inter.col[keep].tolist(), strict=False)), inter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    pages = list(generate(args.docs, seed=args.seed))
    texts = [p.text for p in pages]
    base = DedupParams(threshold=args.threshold)
    sets = shingle_sets(texts, base.ngram)
    start = time.perf_counter()
    truth, _ = exact_pairs(sets, args.threshold)
    print(f"{args.docs} pages (seed {args.seed}), threshold {args.threshold}, LSH bands x rows = {base.bands}; "
          f"{len(truth)} true pairs (brute force {time.perf_counter() - start:.1f} s); "
          f"{sum(p.source is not None for p in pages)} planted near-duplicates")
    sigs = compute_signatures(texts, base)
    lo, hi = exact_window(base)
    print(f"default exact window: estimate in ({lo:.3f}, {hi:.3f})")
    print("| mode | LSH recall | candidates | exact checks | pair recall | pair precision | link precision "
          "| mean abs est. error |")
    print("|---|---|---|---|---|---|---|---|")
    exact_params = DedupParams(threshold=args.threshold, exact_verify=True)
    for name, params, given in (("signature estimate only", base, None), ("default (exact in window)", base, sets),
                                ("exact_verify", exact_params, sets)):
        live, _, left, right, sims = find_pairs(sigs, params, shingles=given)
        checks = int(np.count_nonzero((estimate_pairs(sigs, left, right) > exact_window(params)[0])
                                      & (estimate_pairs(sigs, left, right) < exact_window(params)[1]))) \
            if given is not None else 0
        candidates = set(zip(left.tolist(), right.tolist(), strict=False))
        found = {(int(i), int(j)) for i, j, s in zip(left, right, sims, strict=False) if s >= params.threshold}
        lsh_recall = len(truth & candidates) / max(1, len(truth))
        recall = len(truth & found) / max(1, len(truth))
        precision = len(truth & found) / max(1, len(found))
        d = Deduper(params)
        d.add([str(i) for i in range(len(texts))], sigs, [len(t) for t in texts], [1.0] * len(texts),
              shingle_sets=given)
        links = [(i, int(v.duplicate_of)) for i, v in enumerate(d.resolve()) if v.duplicate_of is not None]
        link_precision = np.mean([exact_jaccard(sets[i], sets[j]) >= params.threshold for i, j in links])
        est = estimate_pairs(sigs, left, right)
        exact = np.array([exact_jaccard(sets[i], sets[j]) for i, j in zip(left.tolist(), right.tolist(), strict=False)])
        print(f"| {name} | {lsh_recall:.4f} | {len(candidates)} | {checks} | {recall:.4f} | {precision:.4f} | "
              f"{link_precision:.4f} ({len(links)} links) | {np.abs(est - exact).mean():.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
