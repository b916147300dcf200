"""Leave-one-language-out: how the stripper does on a language its line model never saw.

For each language of daniel-dev (and Arabic, the seeds), a model is trained on every other page of
seeds + wcxb-dev + daniel-dev (with site templates from its training pages) and scored on the pages of
the held-out language, with site templates fit unsupervised over daniel-dev as ``cleaner clean`` would.
English is not held out: wcxb-dev is English.  Scores use eval/score.py's metric.

``ar-seed`` asks how the shipped model does on an Arabic site it never saw: each seed page in turn is
left out of the shipped model's training rows (``train_default_model.recipe_rows``, the other four
seeds included) and scored.

Usage: python benchmarks/strip_lolo.py [--eval-dir /work/shared/eval] [--lang zh --lang ar-seed] [--ensemble 3]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strip_quality import f1_of, load, load_score, predict, site_templates  # noqa: E402
from train_default_model import ENSEMBLE, recipe_rows  # noqa: E402

from cleaner.boilerplate.train import train_model  # noqa: E402

LANGS = ("zh", "ru", "el", "pl", "ar", "ar-seed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--lang", action="append", choices=LANGS)
    ap.add_argument("--ensemble", type=int, default=ENSEMBLE,
                    help="nets averaged per stage (default: the shipped model's)")
    args = ap.parse_args(argv)
    score = load_score(args.eval_dir)
    data = {name: load(args.eval_dir / f"{name}.jsonl") for name in ("seeds", "wcxb-dev", "daniel-dev")}
    templates = site_templates(data["daniel-dev"])
    report = {}
    for lang in args.lang or LANGS:
        t0 = time.time()
        if lang == "ar-seed":
            test, preds = data["seeds"], {}
            recipe = recipe_rows(args.eval_dir)
            for held in test:
                model = train_model([r for r in recipe if r["id"] != held["id"]], ensemble=args.ensemble)
                preds.update(predict(model, [held], None))
                print(f"  {held['id']}: {f1_of(score, [held], preds)}", file=sys.stderr)
        else:
            model = train_model([r for rs in data.values() for r in rs if r.get("lang") != lang],
                                ensemble=args.ensemble)
            test = [r for rs in data.values() for r in rs if r.get("lang") == lang]
            preds = predict(model, test, templates)
        report[lang] = f1_of(score, test, preds)
        print(f"{lang}: {report[lang]} ({time.time() - t0:.0f}s)", file=sys.stderr)
    print("| held-out language | pages | precision | recall | F1 |")
    print("|---|---|---|---|---|")
    for lang, r in report.items():
        print(f"| {lang} | {r['pages']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
