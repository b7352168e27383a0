"""The `brief` command: a thin click layer over the library."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterator
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


_KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9_\-]{4,}")
_SECRETS: set[str] = set()  # keys given with --api-key, blanked like OPENAI_API_KEY


class _Redact(logging.Filter):
    """Blank API keys out of every log line: library logs at -vv echo server error bodies."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        for key in {os.environ.get("OPENAI_API_KEY", ""), *_SECRETS} - {""}:
            text = text.replace(key, "***")
        record.msg, record.args, record.exc_info, record.exc_text = _KEY_PATTERN.sub("sk-***", text), None, None, None
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
      brief run --help                  every option of the main job
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
        click.option("--timeout", type=float, envvar="BRIEF_TIMEOUT", help="Seconds to wait for one answer [120]."),
        click.option("--context-tokens", type=int, envvar="BRIEF_CONTEXT_TOKENS",
                     help="The model's context window [8192; 128000 for api.openai.com]."),
        click.option("--max-tokens", type=click.IntRange(1), envvar="BRIEF_MAX_TOKENS",
                     help="Cap on each answer's length in tokens (small local models can loop)."),
        click.option("--max-retries", type=click.IntRange(0, 20), envvar="BRIEF_MAX_RETRIES",
                     help="Retries of a failed HTTP call [4]."),
        click.option("--backoff", type=float, envvar="BRIEF_BACKOFF", hidden=True,
                     help="Backoff multiplier in seconds (tests use a tiny one)."),
        click.option("--local", "local_model", metavar="NAME",
                     help="Run on a local model (brief models list), starting and stopping its server."),
        click.option("--gguf", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="With --local (or alone): serve this GGUF file."),
        click.option("--server", "backend", type=click.Choice(["python", "cpp"]),
                     help="Local server: llama-cpp-python's, or llama.cpp's C++ llama-server [python]."),
        click.option("--threads", type=click.IntRange(1), help="Local server CPU threads [cores, at most 4]."),
        click.option("--seed", type=int, envvar="BRIEF_SEED", help="Sampling seed sent with each request "
                     "[1234 with --local]."),
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
        "seed": kw.get("seed"),
    }


@contextlib.contextmanager
def _maybe_local(kw: dict[str, Any], options: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """With --local/--gguf, a local server runs for the duration and the options point at it."""
    if not (kw.get("local_model") or kw.get("gguf")):
        yield options
        return
    if kw.get("base_url") or kw.get("replay"):
        raise click.UsageError("--local/--gguf start their own server: drop --base-url/--replay")
    from .local import local_run

    with local_run(kw.get("local_model"), options, gguf=kw.get("gguf"), backend=kw.get("backend") or "python",
                   n_threads=kw.get("threads")) as local_options:
        yield local_options


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
    if options.get("replay") and (Path(options["replay"]) / "config.json").is_file():
        # The options that shape a request (max_tokens, seed, ...) as recorded, unless given: a replay then hits.
        from .evalrun import recording_config

        for key, value in recording_config(Path(options["replay"])).items():
            if options.get(key) is None:
                options[key] = value
    bar = _ProgressBar(enabled=sys.stderr.isatty() and not quiet)
    try:
        with _maybe_local(kw, options) as options:
            result = run_brief(list(paths), title=title, aliases=aliases, max_bytes=max_bytes, related=related,
                               progress=bar.update, on_loaded=bar.start, **options)
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
                _echo_err(f"{art.path or art.id}: dropped boilerplate: {line}")
    for failed in briefing.run.failed:
        _echo_err(f"{failed.path}: {failed.reason}")
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
@click.option("--all", "run_all", is_flag=True, help="The offline extractor and every set in evals/recordings/.")
@click.option("--gold", "gold_dir", type=click.Path(file_okay=False, path_type=Path), help="Gold folder [evals/gold].")
@click.option("--articles", "articles_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the gold was annotated from [seeds].")
@click.option("--name", help="Row name in the report [offline, the recording folder's name, or the model].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--check", is_flag=True, help="Exit 1 when a score is below evals/thresholds.json.")
@click.option("--thresholds", type=click.Path(dir_okay=False, path_type=Path), help="[evals/thresholds.json]")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), help="[evals/reports]")
@click.option("-v", "--verbose", count=True)
def eval_cmd(run_all: bool, gold_dir: Path | None, articles_dir: Path | None, name: str | None, as_json: bool,
             check: bool, thresholds: Path | None, report_dir: Path | None, verbose: int, **kw: Any) -> None:
    """Score extractors against the hand-made gold fixtures (replayed recordings cost nothing)."""
    from . import evalrun

    _setup_logging(verbose, quiet=False)
    evals = evalrun.default_evals_dir()
    gold_dir = gold_dir or evals / "gold"
    articles_dir = articles_dir or (Path("seeds") if Path("seeds").is_dir() else evals.parent / "seeds")
    gold_briefing = gold_dir.parent / "gold_briefing.json"
    options = _model_kwargs(kw)
    options["cache"] = False if not kw.get("record") else options["cache"]
    jobs: list[tuple[str, str, dict[str, Any]]] = []
    local = bool(kw.get("local_model") or kw.get("gguf"))
    if run_all or options["offline"] or not (kw.get("model") or kw.get("base_url") or kw.get("replay") or local):
        jobs.append(("offline", "offline", {"offline": True}))
    if run_all:
        for folder in evalrun.recording_sets(evals):
            cfg = evalrun.recording_config(folder)
            jobs.append((folder.name, "recorded", {**cfg, "replay": folder, "cache": False}))
    if kw.get("replay") and not run_all:
        folder = Path(kw["replay"])
        cfg = evalrun.recording_config(folder)
        cfg.update({k: v for k, v in options.items() if v is not None and k in ("model", "mode")})
        jobs.append((name or folder.name, "recorded", {**cfg, "replay": folder, "cache": False}))
    elif (kw.get("model") or kw.get("base_url") or local) and not options["offline"]:
        jobs.append((name or str(kw.get("local_model") or kw.get("model") or "model"), "model",
                     {**options, "offline": False}))
    rows = []
    try:
        for row_name, kind, opts in jobs:
            if kind == "model" and local:
                with _maybe_local(kw, opts) as local_opts:
                    rows.append(evalrun.run_one(row_name, kind, articles_dir, gold_dir, gold_briefing, **local_opts))
                continue
            rows.append(evalrun.run_one(row_name, kind, articles_dir, gold_dir, gold_briefing, **opts))
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


def server_options(f: Any) -> Any:
    """Options that pick and tune a local model server (serve-local, and the main job with --local)."""
    opts = [
        click.option("--gguf", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Serve this GGUF file instead of the named model's."),
        click.option("--server", "backend", type=click.Choice(["python", "cpp"]), default="python",
                     show_default=True, help="llama-cpp-python's server, or llama.cpp's C++ llama-server "
                     "(scripts/build-llama-server.sh)."),
        click.option("--threads", type=click.IntRange(1), help="CPU threads for the model [cores, at most 4]."),
        click.option("--n-batch", type=click.IntRange(1), default=512, show_default=True,
                     help="Prompt tokens evaluated per step."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@main.command("serve-local")
@click.option("--model", "name", default="smollm2", show_default=True,
              help="Local model (brief models list); its name is also the model name clients send.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--n-ctx", default=8192, show_default=True, type=int, help="Context window in tokens.")
@server_options
def serve_local_cmd(name: str, host: str, port: int, n_ctx: int, gguf: Path | None, backend: str,
                    threads: int | None, n_batch: int) -> None:
    """Serve a local model (SmolLM2 from '.[local]', or one from `brief models pull`) over the OpenAI API."""
    from .local import serve_local
    from .models import lookup

    try:
        canonical = name if gguf is not None else lookup(name).name
        serve_local(host=host, port=port, n_ctx=n_ctx, foreground=True, name=canonical, gguf=gguf, backend=backend,
                    n_threads=threads, n_batch=n_batch)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group("models")
def models_cmd() -> None:
    """Local model files: list them, or download one (brief models pull qwen2.5-coder-1.5b)."""


@models_cmd.command("list")
def models_list_cmd() -> None:
    """Each known local model, whether it is on this machine, and where."""
    from .models import status_lines

    for line in status_lines():
        click.echo(line)


@models_cmd.command("pull")
@click.argument("name")
@click.option("--force", is_flag=True, help="Download again even if a verified copy is present.")
def models_pull_cmd(name: str, force: bool) -> None:
    """Download NAME into the user cache folder and verify its size and sha256 (prints the path)."""
    from .models import pull

    try:
        path = pull(name, force=force)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(path))


if __name__ == "__main__":  # pragma: no cover
    main()
