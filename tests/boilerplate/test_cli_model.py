"""`cleaner fit` and `cleaner train` end to end: the saved model is data and changes what `strip` does."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.boilerplate import StripModel
from cleaner.cli import cli, main

FOOTER = "Subscribe to the Harbour Gazette newsletter for the morning briefing"
NAV = "Home | World | Business | Sport | Culture"

TOPICS = ["the port authority", "the city council", "the regional hospital", "the rail operator",
          "the fishing cooperative", "the university board", "the water utility", "the ferry company"]


def _page(n: int) -> str:
    topic = TOPICS[n % len(TOPICS)]
    body = "\n\n".join(
        f"Paragraph {k} on {topic}: officials said on day {n * 7 + k} that the plan for {topic} would "
        f"take {k + 2} more months, and residents asked for public hearings before any vote was held."
        for k in range(4))
    return f"{NAV}\n\nNews about {topic} number {n}\n\n{body}\n\n{FOOTER}\n"


def _invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.output


def _reasons_of(log: Path, doc_id: str, text: str) -> set[str]:
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()[1:]]
    rec = next(r for r in records if r["id"] == doc_id)
    return {r["reason"] for r in rec["removed"] if text in r["text"]}


def test_fit_saves_site_templates_that_strip_uses_on_an_unseen_page(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus" / "gazette"
    corpus.mkdir(parents=True)
    for n in range(6):
        (corpus / f"p{n}.txt").write_text(_page(n), encoding="utf-8")
    model_path = tmp_path / "model.json"
    code, output = _invoke(["fit", str(tmp_path / "corpus"), "-o", str(model_path)])
    assert code == 0, output
    assert "6 pages" in output
    model = StripModel.load(model_path)  # plain JSON, loaded without pickle
    assert model.templates is not None and model.templates.site_pages("gazette") == 6
    assert model.templates.count("gazette", FOOTER) == 6

    new = tmp_path / "new" / "gazette"
    new.mkdir(parents=True)
    (new / "fresh.txt").write_text(_page(42), encoding="utf-8")
    out_with, out_without = tmp_path / "with", tmp_path / "without"
    code, output = _invoke(["strip", str(tmp_path / "new"), "-o", str(out_with), "--model", str(model_path), "-q"])
    assert code == 0, output
    code, output = _invoke(["strip", str(tmp_path / "new"), "-o", str(out_without), "-q"])
    assert code == 0, output
    # one page alone teaches nothing about its site; the fitted model knows the footer is template
    assert _reasons_of(out_with / "provenance.jsonl", "gazette/fresh.txt", FOOTER) == {"site_template"}
    assert "site_template" not in _reasons_of(out_without / "provenance.jsonl", "gazette/fresh.txt", FOOTER)
    cleaned = (out_with / "gazette" / "fresh.txt").read_text(encoding="utf-8")
    assert FOOTER not in cleaned and "Paragraph 3 on" in cleaned


def test_train_writes_a_model_that_strip_loads(tmp_path: Path, pages_dir: Path) -> None:
    pinned = Path(__file__).parent / "data" / "pinned_dev.jsonl"
    rows = [json.loads(line) for line in pinned.read_text(encoding="utf-8").splitlines()[:24]]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    model_path = tmp_path / "trained.json"
    code, output = _invoke(["train", str(gold), "-o", str(model_path)])
    assert code == 0, output
    assert "trained on 24 pages" in output
    data = json.loads(model_path.read_text(encoding="utf-8"))
    assert data["format"] == "cleaner-strip-model"
    model = StripModel.load(model_path)
    assert model.net is not None and model.training_digest  # the training data is recorded
    out = tmp_path / "out"
    code, output = _invoke(["strip", str(pages_dir), "-o", str(out), "--model", str(model_path), "-q"])
    assert code == 0, output
    assert len(list(out.glob("*.txt"))) == len(list(pages_dir.glob("*.txt")))


def test_train_refuses_rows_without_gold_text_with_a_usage_error(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"page_text": "a page"}) + "\n", encoding="utf-8")
    assert main(["train", str(gold), "-o", str(tmp_path / "m.json")]) == 2
    err = capsys.readouterr().err
    assert "gold.jsonl:1: each line needs string fields page_text and gold_text" in err
    assert "Traceback" not in err
    assert not (tmp_path / "m.json").exists()
