"""Strip quality: site-grouped 5-fold cross-validation on wcxb-dev and daniel-dev, and seeds F1.

Usage: python benchmarks/strip_quality.py [--eval-dir /work/shared/eval] [--folds 5] [--only wcxb-dev]
       [--save-models DIR | --load-models DIR] [--decoder 0.5:0.45] [--per-page out.jsonl]

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_default_model import ENSEMBLE  # noqa: E402

from cleaner.boilerplate import StripModel, Stripper, TemplateStats  # noqa: E402
from cleaner.boilerplate.model import Decoder  # noqa: E402
from cleaner.boilerplate.train import train_model  # noqa: E402
from cleaner.document import apply_removals  # noqa: E402


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


def site_templates(rows: list[dict]) -> TemplateStats:
    """Site templates fit over the pages of ``rows`` that name a site, as ``cleaner clean`` learns them."""
    with_site = [r for r in rows if r.get("site")]
    templates = TemplateStats()
    templates.add_pages([str(r["site"]) for r in with_site], [r["page_text"] for r in with_site])
    return templates


def fold_model(args: argparse.Namespace, name: str, k: int, train_rows: list[dict]) -> StripModel:
    """The model of fold ``k``: trained (site templates fit over its training pages), or loaded with
    ``--load-models``; saved with ``--save-models``; decoded as ``--decoder`` says."""
    if args.load_models:
        model = StripModel.load(args.load_models / f"{name}-{k}.json")
    else:
        model = train_model(train_rows, hidden=args.hidden, epochs=args.epochs, ensemble=args.ensemble,
                            stacked=not args.no_stacked)
        if args.save_models:
            args.save_models.mkdir(parents=True, exist_ok=True)
            model.save(args.save_models / f"{name}-{k}.json")
    if args.decoder:
        switch_cost, bias = map(float, args.decoder.split(":"))
        model.decoder = Decoder(switch_cost, bias)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--only", action="append")
    ap.add_argument("--max-folds", type=int, default=None, help="run only the first N folds (quick look)")
    ap.add_argument("--write-pred", type=Path, help="write CV predictions here as JSONL per dataset")
    ap.add_argument("--per-page", type=Path, help="write each page's precision, recall and prediction (JSONL)")
    ap.add_argument("--save-models", type=Path, help="keep each fold's model here ({dataset}-{fold}.json)")
    ap.add_argument("--load-models", type=Path, help="reuse saved fold models: measures a change after the line "
                    "scores (decoding, structural rules) without training; valid while features and training stay")
    ap.add_argument("--decoder", help="switch_cost:bias to decode with (default: the model's)")
    ap.add_argument("--hidden", type=int, default=48)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--ensemble", type=int, default=ENSEMBLE, help="nets averaged per stage (default: the shipped "
                    "model's, so the CV measures the shipped recipe)")
    ap.add_argument("--no-stacked", action="store_true", help="train the single-stage model")
    args = ap.parse_args(argv)
    score = load_score(args.eval_dir)
    data = {name: load(args.eval_dir / f"{name}.jsonl") for name in ("seeds", "wcxb-dev", "daniel-dev")}
    report: dict[str, dict] = {}
    per_page: list[dict] = []
    for name in ("wcxb-dev", "daniel-dev"):
        if args.only and name not in args.only:
            continue
        rows = data[name]
        templates = site_templates(rows)
        others = [r for other, rs in data.items() if other != name for r in rs]
        preds: dict[str, str] = {}
        scored: list[dict] = []
        t0 = time.time()
        for k in range(args.folds if args.max_folds is None else args.max_folds):
            test = [r for r in rows if fold_of(r["site"], args.folds) == k]
            train_rows = [r for r in rows if fold_of(r["site"], args.folds) != k] + others
            preds.update(predict(fold_model(args, name, k, train_rows), test, templates))
            scored += test
            print(f"{name} fold {k}: {f1_of(score, test, preds)} ({time.time() - t0:.0f}s)", file=sys.stderr)
        report[name] = f1_of(score, scored, preds)
        if args.write_pred:
            args.write_pred.mkdir(parents=True, exist_ok=True)
            with (args.write_pred / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
                for i, t in preds.items():
                    fh.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        for g in scored:
            p, r = score.prf(score.shingles(g["gold_text"]), score.shingles(preds[str(g["id"])]))
            per_page.append({"id": g["id"], "dataset": name, "fold": fold_of(g["site"], args.folds),
                             "p": p, "r": r, "pred": preds[str(g["id"])]})
        print(f"{name} CV: {report[name]}")
    if args.per_page:
        with args.per_page.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in per_page)
    if not args.only or "seeds" in args.only:
        report["seeds"] = f1_of(score, data["seeds"], predict(StripModel.load(None), data["seeds"], None))
        print(f"seeds (default model, in-sample): {report['seeds']}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
