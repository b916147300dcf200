"""The pre-commit face: messages, the committed corpus index, split calls, and a real pre-commit run."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import REASONS
from cleaner.hook import main

from .conftest import PAGES, ROOT

EXPECTED = ROOT / "fixtures" / "expected"
BOILERPLATE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): (?P<reason>[a-z_]+) \(score [0-9.]+.*\)$")
DUPLICATE = re.compile(r"^(?P<path>[^:\s]+): near-duplicate of (?P<of>\S+) \(similarity (?P<sim>[0-9.]+)\)$")


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data repo: news/a.txt and news/b.txt (clean articles) committed with their corpus index."""
    root = tmp_path / "data"
    (root / "news").mkdir(parents=True)
    gold = sorted(EXPECTED.glob("*.txt"))
    shutil.copy(gold[0], root / "news" / "a.txt")
    shutil.copy(gold[1], root / "news" / "b.txt")
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    assert main_cli(["index", "build", ".", "--jobs", "1"]) == 0
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "corpus")
    return root


def main_cli(argv: list[str]) -> int:
    from cleaner.cli import main as cli_main

    return cli_main(argv)


def findings(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.strip()]


def dups(lines: list[str]) -> dict[str, str]:
    return {m["path"]: m["of"] for m in map(DUPLICATE.match, lines) if m}


def test_index_is_sorted_text_one_line_per_page(repo: Path) -> None:
    rows = (repo / ".cleaner" / "index.jsonl").read_text(encoding="utf-8").splitlines()
    head = json.loads(rows[0])
    assert head["cleaner_index"] == 1 and head["params"]["num_perm"] == 128
    entries = [json.loads(r) for r in rows[1:]]
    assert [e["path"] for e in entries] == ["news/a.txt", "news/b.txt"]
    assert all(len(e["sha256"]) == 64 and len(e["minhash"]) == 684 for e in entries)
    assert (repo / ".cleaner" / "templates.json").is_file()


def test_copy_of_an_indexed_page_is_reported(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(repo / "news" / "a.txt", repo / "news" / "copy.txt")
    git(repo, "add", "news/copy.txt")
    assert main(["check", "news/copy.txt"]) == 1
    lines = findings(capsys)
    assert "news/copy.txt: near-duplicate of news/a.txt (similarity 1.00)" in lines


def test_staged_pages_split_over_calls_give_the_same_verdicts(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = sorted(PAGES.glob("*.txt"))[2].read_text(encoding="utf-8")
    for name in ("x1.txt", "x2.txt", "x3.txt"):
        (repo / "news" / name).write_text(page, encoding="utf-8")
    git(repo, "add", "news")
    files = ["news/x1.txt", "news/x2.txt", "news/x3.txt"]
    main(["check", *files])
    together = dups(findings(capsys))
    split = {}
    for f in files:  # as pre-commit may do: one call per file
        main(["check", f])
        split.update(dups(findings(capsys)))
    assert together == split == {"news/x2.txt": "news/x1.txt", "news/x3.txt": "news/x1.txt"}


def test_unchanged_indexed_pages_are_not_their_own_duplicates(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "news/a.txt", "news/b.txt"])
    assert dups(findings(capsys)) == {}


def test_boilerplate_messages_and_fix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = sorted(PAGES.glob("*.txt"))[3]
    shutil.copy(page, repo / "news" / "page.txt")
    git(repo, "add", "news/page.txt")
    assert main(["check", "news/page.txt"]) == 1
    lines = findings(capsys)
    hits = [m for m in map(BOILERPLATE.match, lines) if m]
    assert hits and all(m["path"] == "news/page.txt" and m["reason"] in REASONS for m in hits)
    n_lines = page.read_text(encoding="utf-8").count("\n") + 1
    assert all(1 <= int(m["line"]) <= n_lines for m in hits)
    before = (repo / "news" / "page.txt").read_text(encoding="utf-8")
    assert main(["fix", "news/page.txt"]) == 1
    assert re.match(r"^news/page\.txt: fixed \(removed \d+ spans: ", findings(capsys)[0])
    after = (repo / "news" / "page.txt").read_text(encoding="utf-8")
    assert after != before and len(after) < len(before)
    assert main(["fix", "news/page.txt"]) == 0  # stripping is idempotent: nothing left to fix
    assert main(["check", "news/page.txt"]) == 0


def test_index_update_is_a_hook_that_fails_when_it_changes_the_index(repo: Path) -> None:
    shutil.copy(sorted(PAGES.glob("*.txt"))[4], repo / "news" / "c.txt")
    assert main_cli(["index", "update", "news/c.txt"]) == 1
    assert main_cli(["index", "update", "news/c.txt"]) == 0
    paths = [json.loads(r)["path"] for r in (repo / ".cleaner" / "index.jsonl").read_text().splitlines()[1:]]
    assert paths == ["news/a.txt", "news/b.txt", "news/c.txt"]
    (repo / "news" / "c.txt").unlink()
    assert main_cli(["index", "update", "news/c.txt"]) == 1
    assert "news/c.txt" not in (repo / ".cleaner" / "index.jsonl").read_text()


def test_an_index_of_other_parameters_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "news/a.txt", "--num-perm", "64"]) == 4
    assert "rebuild it with `cleaner index build`" in capsys.readouterr().err


def test_hooks_file_declares_the_hooks() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    for hook_id, entry in (("cleaner-check", "cleaner hook check"), ("cleaner-fix", "cleaner hook fix"),
                           ("cleaner-index", "cleaner index update")):
        assert f"- id: {hook_id}" in text and f"entry: {entry}" in text


@pytest.mark.slow
def test_real_pre_commit_refuses_then_fix_cleans(repo: Path, tmp_path: Path) -> None:
    """pre-commit itself, in a git repo, with the hooks as `repo: local` / `language: system`."""
    py = sys.executable
    config = f"""repos:
- repo: local
  hooks:
  - id: cleaner-fix
    name: cleaner fix
    entry: {py} -m cleaner hook fix
    language: system
    files: \\.txt$
    require_serial: true
  - id: cleaner-check
    name: cleaner check
    entry: {py} -m cleaner hook check
    language: system
    files: \\.txt$
    require_serial: true
"""
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "hooks")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           "PYTHONPATH": str(ROOT)}
    env.pop("SKIP", None)

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=repo, env={**env, **extra}, capture_output=True, text=True,
                              timeout=120)

    assert run(py, "-m", "pre_commit", "install").returncode == 0
    shutil.copy(repo / "news" / "a.txt", repo / "news" / "copy.txt")
    shutil.copy(sorted(PAGES.glob("*.txt"))[3], repo / "news" / "page.txt")
    git(repo, "add", "news")
    refused = run("git", "commit", "-m", "new pages", SKIP="cleaner-fix")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "news/copy.txt: near-duplicate of news/a.txt (similarity 1.00)" in output
    assert re.search(r"^news/page\.txt:\d+: [a-z_]+ \(score ", output, re.M), output
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"  # nothing was committed

    before = (repo / "news" / "page.txt").read_text(encoding="utf-8")
    fixed = run(py, "-m", "pre_commit", "run", "cleaner-fix", "--files", "news/page.txt")
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout, fixed.stdout
    after = (repo / "news" / "page.txt").read_text(encoding="utf-8")
    assert len(after) < len(before)

    git(repo, "rm", "-q", "--cached", "news/copy.txt")
    (repo / "news" / "copy.txt").unlink()
    git(repo, "add", "news/page.txt")
    done = run("git", "commit", "-m", "clean page")
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(repo, "show", "HEAD:news/page.txt") == after
