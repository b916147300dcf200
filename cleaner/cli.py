"""The ``cleaner`` command line: a thin face on the library.

Exit codes: 0 success; 1 the hook found something to report or fix; 2 usage error (bad option,
missing path, unsafe output folder); 3 unreadable input; 4 bad model, index or log file;
130 interrupted (Ctrl-C).  Library errors become click errors in one place: :func:`main`.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from .config import CleanerConfig, load_pyproject
from .errors import CleanerError, Interrupted, UsageError

EXIT_CODES = {"ok": 0, "findings": 1, "usage": 2, "input": 3, "model": 4, "interrupted": 130}


def _progress(quiet: bool) -> tuple[Callable[[str, int], None], Callable[[], None]]:
    """A tqdm bar per stage on stderr; silent when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return (lambda stage, n: None), (lambda: None)
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(stage: str, n: int) -> None:
        if stage not in bars:
            for bar in bars.values():
                bar.close()
            bars[stage] = tqdm(desc=stage, unit="doc", file=sys.stderr, leave=False)
        bars[stage].update(n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close


_CONFIG_OPTIONS = [
    click.option("--jobs", type=int, help="Worker processes (default: all cores)."),
    click.option("--threshold", type=float, help="Jaccard similarity for near-duplicates (default 0.8)."),
    click.option("--num-perm", type=int, help="MinHash permutations (default 128)."),
    click.option("--ngram", type=int, help="Word n-gram size of shingles (default 5)."),
    click.option("--char-ngrams", type=int, help="Use character n-grams of this size instead of words."),
    click.option("--seed", type=int, help="MinHash seed (default 1)."),
    click.option("--keep", help="Survivor of a duplicate cluster: first|longest|cleanest|field:NAME."),
    click.option("--exact-verify/--no-exact-verify", default=None, help="Verify candidates by exact Jaccard."),
    click.option("--index", type=click.Path(dir_okay=False), help="SQLite index for incremental dedup."),
    click.option("--model", type=click.Path(dir_okay=False), help="Strip model JSON (default: shipped model)."),
    click.option("--learn-templates/--no-learn-templates", default=None,
                 help="Learn site templates from the input (default on)."),
    click.option("--site-field", help="JSONL/Parquet field that names the site of a page."),
    click.option("--min-template-pages", type=int, help="Pages of a site a template line must be on."),
    click.option("--split-articles/--no-split-articles", default=None,
                 help="Write an appended second article as its own document."),
    click.option("--include", multiple=True, help="Glob of files to read from a directory (default *.txt)."),
    click.option("--exclude", multiple=True, help="Glob of files to skip."),
    click.option("--text-field", help="JSONL/Parquet field with the page text (default text)."),
    click.option("--id-field", help="JSONL/Parquet field with the document id (default id)."),
]


def _config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_CONFIG_OPTIONS):
        fn = option(fn)
    return fn


def build_config(cli_values: dict[str, Any], **fixed: Any) -> CleanerConfig:
    """Defaults, then ``[tool.cleaner]`` of the nearest pyproject.toml, then CLI flags, then ``fixed``."""
    names = {f.name for f in dataclasses.fields(CleanerConfig)}
    values = dict(load_pyproject(Path.cwd()))
    for key, value in cli_values.items():
        if key in names and value is not None and value != ():
            values[key] = value
    values.update(fixed)
    return CleanerConfig.from_mapping(values)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cleaner")
def cli() -> None:
    """Clean scraped plain-text pages into single articles, find near-duplicates, log every removal."""


def _run(command: str, src: str, out: str, log: str | None, overwrite: bool, quiet: bool,
         config: CleanerConfig, engine: str = "local", master: str | None = None) -> None:
    from .io.output import Rendered, SinkSpec, check_output_dir, render, run_identity, write_run
    from .io.readers import open_source
    from .pipeline import clean

    src_path, out_path = Path(src), Path(out)
    source = open_source(src_path, include=config.include, exclude=config.exclude,
                         text_field=config.text_field, id_field=config.id_field)
    config_dict = {k: v for k, v in dataclasses.asdict(config).items() if k != "jobs"}
    identity = run_identity(src_path, command, config_dict)
    check_output_dir(src_path, out_path, identity, overwrite)
    if master is not None and engine != "spark":
        raise UsageError("--master needs --engine spark")
    if engine == "spark":
        from .spark.run import check_spark_run, spark_clean

        check_spark_run(config)  # usage errors before any output is written
    spec = SinkSpec.of(source, out_path, config.text_field, config.id_field)
    update, close = _progress(quiet)
    rendered: Iterable[Rendered]
    try:
        if engine == "spark":
            rendered = (render(o, spec) for o in spark_clean(source, config, master, update))
        else:  # the workers encode outputs and log lines; this process appends them in order
            rendered = clean(source, config, update, finish=functools.partial(render, spec=spec))
        summary = write_run(rendered, spec, source.kind, Path(log) if log else out_path / "provenance.jsonl",
                            identity, config_dict)
    except KeyboardInterrupt as exc:
        raise Interrupted("interrupted; outputs written so far are complete files. Rerun the same command "
                          "to finish (it reproduces the same outputs).") from exc
    finally:
        close()
    click.echo(summary.line(), err=True)
    note = summary.skip_note()
    if note:
        click.echo(note, err=True)


def _io_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--master", help="Spark master URL with --engine spark (default local[*] or spark-submit's).")(fn)
    fn = click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
                      help="Run in this process pool or on Spark (pip install 'cleaner[spark]'); same results.")(fn)
    fn = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")(fn)
    fn = click.option("--overwrite", is_flag=True, help="Allow an output folder that holds another run.")(fn)
    fn = click.option("--log", type=click.Path(dir_okay=False),
                      help="Provenance log (default OUT/provenance.jsonl).")(fn)
    fn = click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False),
                      help="Output folder.")(fn)
    fn = click.argument("src", type=click.Path())(fn)
    return fn


@cli.command("clean")
@_io_options
@_config_options
def clean_cmd(src: str, out: str, log: str | None, overwrite: bool, quiet: bool, **options: Any) -> None:
    """Strip boilerplate and drop near-duplicates (dedup runs on the stripped text)."""
    _run("clean", src, out, log, overwrite, quiet, build_config(options), options["engine"], options["master"])


@cli.command("strip")
@_io_options
@_config_options
def strip_cmd(src: str, out: str, log: str | None, overwrite: bool, quiet: bool, **options: Any) -> None:
    """Strip boilerplate only."""
    _run("strip", src, out, log, overwrite, quiet, build_config(options, dedup=False), options["engine"],
         options["master"])


@cli.command("dedup")
@_io_options
@_config_options
def dedup_cmd(src: str, out: str, log: str | None, overwrite: bool, quiet: bool, **options: Any) -> None:
    """Drop near-duplicates only (texts are written unchanged)."""
    _run("dedup", src, out, log, overwrite, quiet, build_config(options, strip=False), options["engine"],
         options["master"])


@cli.command("restore")
@click.argument("out", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", "dest", required=True, type=click.Path(file_okay=False), help="Folder to rebuild into.")
@click.option("--log", type=click.Path(dir_okay=False), help="Provenance log (default OUT/provenance.jsonl).")
def restore_cmd(out: str, dest: str, log: str | None) -> None:
    """Rebuild every input of a run from its outputs and provenance log."""
    from .io.restore import restore

    out_path, dest_path = Path(out), Path(dest)
    if dest_path.resolve() == out_path.resolve():
        raise UsageError("restore into another folder than the run's output")
    report = restore(out_path, dest_path, Path(log) if log else None)
    click.echo(report.line(), err=True)
    if report.mismatched:
        raise CleanerError(f"{len(report.mismatched)} inputs did not rebuild byte-identically: "
                           f"{', '.join(report.mismatched[:5])}")


@cli.command("fit")
@click.argument("corpus", type=click.Path())
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False), help="Model JSON to write.")
@_config_options
def fit_cmd(corpus: str, out: str, **options: Any) -> None:
    """Learn site templates (recurring lines) from a corpus and save them as a model."""
    from .io.readers import open_source
    from .pipeline import fit_templates, load_model

    config = build_config(options)
    source = open_source(Path(corpus), include=config.include, exclude=config.exclude,
                         text_field=config.text_field, id_field=config.id_field)
    model = load_model(config)
    stats = fit_templates(source, config)
    model.templates = stats
    model.save(Path(out))
    click.echo(f"learned templates from {sum(stats.pages.values())} pages -> {out}", err=True)


@cli.command("train")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False), help="Model JSON to write.")
def train_cmd(gold: str, out: str) -> None:
    """Train the line model from labelled pages (JSONL with page_text and gold_text)."""
    from .boilerplate import train

    rows = []
    with open(gold, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{gold}:{n}: not JSON ({exc})") from exc
            if not isinstance(row, dict) or not isinstance(row.get("page_text"), str) \
                    or not isinstance(row.get("gold_text"), str):
                raise UsageError(f"{gold}:{n}: each line needs string fields page_text and gold_text")
            rows.append(row)
    if not rows:
        raise UsageError(f"{gold} holds no labelled pages")
    model = train(rows)
    model.save(Path(out))
    click.echo(f"trained on {len(rows)} pages -> {out}", err=True)


# --- faces: pre-commit hook, corpus index, explain, report (thin wrappers on hook/report/explain) ---

_INDEX_DIR_OPTION = click.option("--index-dir", type=click.Path(file_okay=False), default=None,
                                 help="Corpus index folder (default .cleaner in the current folder).")


@cli.group("hook")
def hook_group() -> None:
    """pre-commit hooks: report or fix boilerplate and near-duplicates in the files given."""


@hook_group.command("check")
@click.argument("files", nargs=-1, type=click.Path())
@_INDEX_DIR_OPTION
@_config_options
@click.pass_context
def hook_check_cmd(ctx: click.Context, /, files: tuple[str, ...], index_dir: str | None, **options: Any) -> None:
    """Report boilerplate (path:line: reason) and near-duplicates of staged files; exit 1 if any."""
    from .hook import check

    findings = check(files, build_config(options, jobs=1), index_dir)
    for finding in findings:
        click.echo(str(finding))
    ctx.exit(EXIT_CODES["findings"] if findings else 0)


@hook_group.command("fix")
@click.argument("files", nargs=-1, type=click.Path())
@_INDEX_DIR_OPTION
@_config_options
@click.pass_context
def hook_fix_cmd(ctx: click.Context, /, files: tuple[str, ...], index_dir: str | None, **options: Any) -> None:
    """Rewrite files with their stripped text; exit 1 if a file changed."""
    from .hook import fix

    findings = fix(files, build_config(options, jobs=1), index_dir)
    for finding in findings:
        click.echo(str(finding))
    ctx.exit(EXIT_CODES["findings"] if findings else 0)


@cli.group("index")
def index_group() -> None:
    """The corpus index committed in a data repository (.cleaner/index.jsonl), used by the hook."""


@index_group.command("build")
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False))
@_INDEX_DIR_OPTION
@_config_options
def index_build_cmd(data_dir: str, index_dir: str | None, **options: Any) -> None:
    """Learn the site templates and sign every page of DATA_DIR into DATA_DIR/.cleaner (or --index-dir)."""
    from .corpus_index import build_index

    index = build_index(Path(data_dir), build_config(options), Path(index_dir) if index_dir else None)
    click.echo(f"indexed {len(index.entries)} pages -> {index.path}", err=True)


@index_group.command("update")
@click.argument("files", nargs=-1, type=click.Path())
@_INDEX_DIR_OPTION
@_config_options
@click.pass_context
def index_update_cmd(ctx: click.Context, /, files: tuple[str, ...], index_dir: str | None, **options: Any) -> None:
    """Add or refresh the index entries of FILES (a pre-commit hook: exit 1 when the index changed)."""
    from .hook import update_index

    if update_index(files, build_config(options, jobs=1), index_dir):
        click.echo("corpus index updated: stage .cleaner/index.jsonl", err=True)
        ctx.exit(EXIT_CODES["findings"])


@cli.command("explain")
@click.argument("doc_id", metavar="ID")
@click.option("--log", required=True, type=click.Path(exists=True, dir_okay=False), help="OUT/provenance.jsonl.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder (default: the log's).")
@click.option("--line", type=int, help="Explain only this line (1-based) of the input page.")
@click.option("--width", type=int, default=None, help="Width of the side-by-side view (default: terminal).")
def explain_cmd(doc_id: str, log: str, out_dir: str | None, line: int | None, width: int | None) -> None:
    """Why a document (or a line of it) was removed: reasons, evidence, and the matched duplicate side by side."""
    import shutil

    from .explain import explain

    ex = explain(Path(log), doc_id, Path(out_dir) if out_dir else None, line=line,
                 width=width or shutil.get_terminal_size((120, 40)).columns)
    click.echo(ex.render())


@cli.command("report")
@click.argument("log", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder (default: the log's).")
@click.option("--samples", type=int, default=4, show_default=True, help="Before/after pages to show.")
def report_cmd(log: str, output: str, out_dir: str | None, samples: int) -> None:
    """Write one self-contained HTML report of a run (summary, reasons, clusters, templates, samples)."""
    from .report import write_report

    stats = write_report(Path(log), Path(output), Path(out_dir) if out_dir else None, samples)
    click.echo(f"report of {stats.documents} documents -> {output}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map library errors to messages and exit codes (no tracebacks)."""
    try:
        code = cli.main(args=argv, prog_name="cleaner", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return EXIT_CODES["interrupted"]
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except CleanerError as exc:
        click.echo(f"cleaner: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_CODES["interrupted"]
    except OSError as exc:
        click.echo(f"cleaner: error: {exc.strerror or exc}: {exc.filename or ''}", err=True)
        return EXIT_CODES["input"]
    return code if isinstance(code, int) else 0  # ctx.exit(n) of a command, e.g. the hook's 1


if __name__ == "__main__":
    sys.exit(main())
