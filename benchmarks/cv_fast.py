"""Site-grouped CV as strip_quality.py (same folds, rows, training and metric), with fold models kept.

Usage: python benchmarks/cv_fast.py --only wcxb-dev [--save-models DIR | --load-models DIR] [--per-page out.jsonl]

``--save-models`` writes each fold's model ({dataset}-{fold}.json); ``--load-models`` reuses them, so that a
change after the line scores (decoding, structural rules) is measured without retraining (only valid while
features and training are unchanged).  ``--per-page`` writes per-page precision/recall and prediction.
Not used by the package.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strip_quality import f1_of, fold_of, load, load_score, predict  # noqa: E402

from cleaner.boilerplate import StripModel, TemplateStats  # noqa: E402
from cleaner.boilerplate.model import Decoder  # noqa: E402
from cleaner.boilerplate.train import train_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--only", action="append")
    ap.add_argument("--save-models", type=Path)
    ap.add_argument("--load-models", type=Path)
    ap.add_argument("--per-page", type=Path)
    ap.add_argument("--hidden", type=int, default=48)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--ensemble", type=int, default=1)
    ap.add_argument("--no-stacked", action="store_true", help="train the single-stage model")
    ap.add_argument("--decoder", help="switch_cost:bias to decode with (default: the model's)")
    args = ap.parse_args(argv)
    score = load_score(args.eval_dir)
    data = {name: load(args.eval_dir / f"{name}.jsonl") for name in ("seeds", "wcxb-dev", "daniel-dev")}
    report: dict[str, dict] = {}
    per_page = []
    t0 = time.time()
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
        for k in range(args.folds):
            test = [r for r in rows if fold_of(r["site"], args.folds) == k]
            if args.load_models:
                model = StripModel.load(args.load_models / f"{name}-{k}.json")
            else:
                train_rows = [r for r in rows if fold_of(r["site"], args.folds) != k] + others
                train_templates = TemplateStats()
                for r in train_rows:
                    if r.get("site"):
                        train_templates.add_page(r["site"], r["page_text"])
                model = train_model(train_rows, templates=train_templates, hidden=args.hidden, epochs=args.epochs,
                                    ensemble=args.ensemble, stacked=not args.no_stacked)
                if args.save_models:
                    args.save_models.mkdir(parents=True, exist_ok=True)
                    model.save(args.save_models / f"{name}-{k}.json")
            if args.decoder:
                sc, bias = map(float, args.decoder.split(":"))
                model.decoder = Decoder(sc, bias)
            preds.update(predict(model, test, templates))
            scored += test
            print(f"{name} fold {k}: {f1_of(score, test, preds)} ({time.time() - t0:.0f}s)", file=sys.stderr)
        report[name] = f1_of(score, scored, preds)
        print(f"{name} CV: {report[name]}")
        for g in scored:
            p, r = score.prf(score.shingles(g["gold_text"]), score.shingles(preds[str(g["id"])]))
            per_page.append({"id": g["id"], "dataset": name, "fold": fold_of(g["site"], args.folds),
                             "p": p, "r": r, "pred": preds[str(g["id"])]})
    if args.per_page:
        with args.per_page.open("w", encoding="utf-8") as fh:
            for rec in per_page:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
