"""Strip quality: site-grouped 5-fold cross-validation on wcxb-dev and daniel-dev, and seeds F1.

Usage: python benchmarks/strip_quality.py [--eval-dir /work/shared/eval] [--folds 5] [--only wcxb-dev]

For each dataset, sites are split into 5 folds (sorted site hash, deterministic).  The model for a fold is
trained on the other folds' pages plus the other datasets' pages (never on the held-out sites); site
templates are fit unsupervised over all pages of the evaluated dataset (the tool learns from its input).
Predictions are scored with eval/score.py's metric (imported from that file).  Seeds are scored with the
shipped default model (in-sample: the default model is trained on them).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import time
from pathlib import Path

from cleaner.boilerplate import StripModel, Stripper, TemplateStats
from cleaner.boilerplate.train import train_model
from cleaner.document import apply_removals


def load_score(eval_dir: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("score", eval_dir / "score.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def f1_of(score, gold_rows, preds) -> dict:  # type: ignore[no-untyped-def]
    ps, rs = [], []
    for g in gold_rows:
        p, r = score.prf(score.shingles(g["gold_text"]), score.shingles(preds.get(str(g["id"]), "")))
        ps.append(p)
        rs.append(r)
    P, R = sum(ps) / len(ps), sum(rs) / len(rs)
    return {"pages": len(ps), "precision": round(P, 4), "recall": round(R, 4), "f1": round(score.f1(P, R), 4)}


def fold_of(site: str | None, k: int) -> int:
    return int(hashlib.sha256(str(site).encode()).hexdigest(), 16) % k


def predict(model: StripModel, rows, templates: TemplateStats | None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    st = Stripper(model, templates)
    out: dict[str, str] = {}
    for b in range(0, len(rows), 64):
        chunk = rows[b:b + 64]
        done = st.strip_many([r["page_text"] for r in chunk], [r.get("site") for r in chunk])
        out.update({str(r["id"]): apply_removals(r["page_text"], o.removals) for r, o in zip(chunk, done, strict=True)})
    return out


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--only", action="append")
    ap.add_argument("--max-folds", type=int, default=None, help="run only the first N folds (quick look)")
    ap.add_argument("--write-pred", type=Path, help="write CV predictions here as JSONL per dataset")
    args = ap.parse_args(argv)
    score = load_score(args.eval_dir)
    data = {name: load(args.eval_dir / f"{name}.jsonl") for name in ("seeds", "wcxb-dev", "daniel-dev")}
    report: dict[str, dict] = {}
    for name in ("wcxb-dev", "daniel-dev"):
        if args.only and name not in args.only:
            continue
        rows = data[name]
        templates = TemplateStats()
        for r in rows:
            templates.add_page(str(r["site"]), r["page_text"])
        others = [r for other, rs in data.items() if other != name for r in rs]
        preds: dict[str, str] = {}
        scored: list[dict] = []
        t0 = time.time()
        for k in range(args.folds if args.max_folds is None else args.max_folds):
            test = [r for r in rows if fold_of(r["site"], args.folds) == k]
            train_rows = [r for r in rows if fold_of(r["site"], args.folds) != k] + others
            train_templates = TemplateStats()
            for r in train_rows:
                if r.get("site"):
                    train_templates.add_page(r["site"], r["page_text"])
            model = train_model(train_rows, templates=train_templates)
            preds.update(predict(model, test, templates))
            scored += test
            print(f"{name} fold {k}: {f1_of(score, test, preds)} ({time.time() - t0:.0f}s)", file=sys.stderr)
        report[name] = f1_of(score, scored, preds)
        if args.write_pred:
            args.write_pred.mkdir(parents=True, exist_ok=True)
            with (args.write_pred / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
                for i, t in preds.items():
                    fh.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        print(f"{name} CV: {report[name]}")
    if not args.only or "seeds" in args.only:
        report["seeds"] = f1_of(score, data["seeds"], predict(StripModel.load(None), data["seeds"], None))
        print(f"seeds (default model, in-sample): {report['seeds']}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
