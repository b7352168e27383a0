"""The `brief` command: a thin click layer over the library."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import click

from .core.errors import ArticleError, BriefError, NoArticlesError, use_option_names
from .core.redact import one_line, redact, show_path
from .core.schema import Article, ArticleExtraction
from .ingestion.articles import RelatedMode
from .model.config import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_CONCURRENCY,
    DEFAULT_CONTEXT_TOKENS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MODE,
    DEFAULT_N_BATCH,
    DEFAULT_RATE_LIMIT_BUDGET,
    DEFAULT_SEED,
    DEFAULT_TIMEOUT,
    ENV_VARS,
    MAX_THREADS,
    OPENAI_CONTEXT_TOKENS,
    Mode,
)
from .pipeline import BOTTOM_LINES, DEFAULT_MAX_BYTES

FORMATS = ("md", "json", "html")


# How the command line names each setting in messages (see errors.option); flags not listed are derived.
_FLAG_NAMES = {"articles_dir": "--articles", "gold_dir": "--gold", "fmt": "--format", "aliases": "--aliases"}
_TOP_LEVEL = ("--help", "-h", "--version", "-V")
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


class DefaultGroup(click.Group):
    """`brief PATH...` runs the main job (`brief run PATH...`); `brief eval|schema|serve-local` are subcommands.

    Every message it prints starts with ``brief:`` (click's own start with ``Error:``), and a bad value that
    came from an environment variable is blamed on that variable, not on the flag the user never typed.
    """

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in _TOP_LEVEL:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("brief", "PATH... [OPTIONS]  |  brief COMMAND [ARGS]...")

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name or "brief", complete_var, False, **extra)
        except _NO_ARGS_IS_HELP as exc:  # bare `brief`: the top-level help
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            _echo_err(_usage_message(exc))
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            _echo_err(exc.format_message())
            sys.exit(exc.exit_code)
        except click.Abort:
            _echo_err("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _usage_message(exc: click.UsageError) -> str:
    """One line: the problem, named as the user set it, and where to read more."""
    message = exc.format_message()
    param = getattr(exc, "param", None)
    ctx = exc.ctx
    if isinstance(exc, click.BadParameter) and ctx is not None and param is not None and param.name:
        if ctx.get_parameter_source(param.name) == click.core.ParameterSource.ENVIRONMENT:
            var = next(iter(_envvars(param)), "the environment")
            value = redact(os.environ.get(var, ""), [os.environ.get("OPENAI_API_KEY"), *_SECRETS])[:200]
            why = exc.message.rstrip(".")
            message = f"{var}={value!r} (from the environment) is not valid: {why}; fix or unset {var}"
    message = message[0].lower() + message[1:] if message[:1].isupper() and message[1:2].islower() else message
    command = ctx.command_path if ctx is not None else "brief"
    if command.endswith(" run"):
        command = command[: -len(" run")]
    return f"{message} (see '{command} --help')"


def _envvars(param: click.Parameter) -> list[str]:
    env = getattr(param, "envvar", None)
    return [env] if isinstance(env, str) else list(env or [])


def _use_cli_names(ctx: click.Context) -> None:
    """Messages from the library name settings as typed here: the flag, or the variable that gave the value."""
    names = dict(_FLAG_NAMES)
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or not param.name:
            continue
        flag = max(param.opts, key=len)
        names[param.name] = names.get(param.name, flag)
        if param.name == "api_key":  # the key is best kept out of the command line (and shell history)
            names[param.name] = "OPENAI_API_KEY (or --api-key)"
        envs = _envvars(param)
        if envs and ctx.get_parameter_source(param.name) == click.core.ParameterSource.ENVIRONMENT:
            names[param.name] = envs[0]
    use_option_names(names)


_SECRETS: set[str] = set()  # keys given with --api-key, blanked like OPENAI_API_KEY


class _Redact(logging.Filter):
    """Blank credentials out of every log line: library logs at -vvv print request URLs and server error
    bodies (API keys, user:password@ in a URL, ?api-key=... parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        text = redact(text, [os.environ.get("OPENAI_API_KEY"), *_SECRETS])
        record.msg, record.args, record.exc_info, record.exc_text = text, None, None, None
        return True


def _setup_logging(verbose: int, quiet: bool) -> None:
    """-v: brief's info; -vv: brief's debug; -vvv: every library's debug too (httpx, instructor, dateparser...)."""
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="brief: %(levelname)s: %(message)s", stream=sys.stderr, force=True)
    logging.captureWarnings(True)  # a library's warnings.warn goes through the same "brief:" lines (or is held back)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Redact())
    # Other libraries (tzlocal, dateparser, httpx, instructor...) repeat what our one-line errors already say,
    # or log internals no reader asked for: below -vvv only their errors pass.
    third_party = logging.DEBUG if verbose > 2 else logging.CRITICAL
    for name in list(logging.root.manager.loggerDict) + ["httpx", "httpx2", "httpcore", "openai", "instructor",
                                                         "trafilatura", "urllib3", "tzlocal", "dateparser",
                                                         "htmldate", "courlan", "charset_normalizer", "asyncio"]:
        if name != "summarizer" and not name.startswith("summarizer."):
            logging.getLogger(name).setLevel(third_party)
    logging.getLogger("summarizer").setLevel(level)
    _Quiet.level = third_party
    if not any(isinstance(f, _Quiet) for f in logging.getLogger().handlers[0].filters):
        logging.getLogger().handlers[0].addFilter(_Quiet())


class _Quiet(logging.Filter):
    """Loggers created after set-up (a library imported later) are held to the same third-party level."""

    level = logging.CRITICAL

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".")[0] == "summarizer" or record.levelno >= self.level


def _echo_err(message: str) -> None:
    click.echo(f"brief: {one_line(message)}", err=True)  # one message, one line: names cannot forge lines


def _check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A malformed --base-url / OPENAI_BASE_URL is a usage error (exit 2), not a traceback."""
    from .core.errors import ConfigError
    from .model.config import check_base_url

    if value is None:
        return None
    _use_cli_names(ctx)  # the message names --base-url or OPENAI_BASE_URL, as the user set it
    try:
        return check_base_url(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]}, no_args_is_help=True)
@click.version_option(None, "-V", "--version", package_name="brief-summarizer", prog_name="brief")
def main() -> None:
    """Turn a folder of news articles into one structured, source-grounded briefing.

    \b
      brief seeds/                      offline extractor (no model needed)
      brief seeds/ -o briefing.html     the format follows the extension (.md, .json, .html)
      brief https://example.com/story   a web page; `brief -` reads standard input
      brief seeds/ --model gpt-4o-mini  any OpenAI-compatible endpoint
      brief eval --offline              score against the gold fixtures
      brief run --help                  every option of the main job (`brief PATH...` is `brief run PATH...`)
    """


def _opt(*decls: str, env: str | None = None, **kw: Any) -> Any:
    """click.option that lists its environment variable in --help; ``env`` names the setting whose variable
    (model.config.ENV_VARS) gives the option's value."""
    if env is not None:
        kw["envvar"] = ENV_VARS[env]
    if kw.get("envvar"):
        kw.setdefault("show_envvar", True)
    return click.option(*decls, **kw)


def model_options(f: Any) -> Any:
    """Options shared by the main command and `brief eval`."""
    opts = [
        _opt("--model", env="model", help="Model name; giving one (or --base-url) turns the model on."),
        _opt("--base-url", env="base_url", callback=_check_base_url,
             help="OpenAI-compatible endpoint [api.openai.com]."),
        _opt("--api-key", env="api_key", help="API key; prefer the environment variable."),
        _opt("--mode", type=click.Choice([m.value for m in Mode]), env="mode",
             help=f"Structured-output mode [{DEFAULT_MODE}]."),
        _opt("--concurrency", type=click.IntRange(1, 256), env="concurrency",
             help=f"Requests in flight [{DEFAULT_CONCURRENCY}]."),
        _opt("--offline", is_flag=True, help="Use the offline extractor even if a model is configured."),
        _opt("--no-cache", is_flag=True, help="Do not read or write the response cache."),
        _opt("--cache-dir", type=click.Path(file_okay=False), env="cache_dir",
             help="Response cache folder [the user cache folder]."),
        _opt("--timeout", type=float, env="timeout", help=f"Seconds to wait for one answer [{DEFAULT_TIMEOUT:g}]."),
        _opt("--context-tokens", type=click.IntRange(1), env="context_tokens",
             help=f"The model's context window [{DEFAULT_CONTEXT_TOKENS}; {OPENAI_CONTEXT_TOKENS} for "
             "api.openai.com]."),
        _opt("--max-tokens", type=click.IntRange(1), env="max_tokens",
             help="Cap on each answer's length in tokens (small local models can loop)."),
        _opt("--max-retries", type=click.IntRange(0, 20), env="max_retries",
             help=f"Retries of a failed HTTP call [{DEFAULT_MAX_RETRIES}]."),
        _opt("--rate-limit-budget", type=click.FloatRange(0), env="rate_limit_budget",
             help=f"Seconds to keep waiting on a server that paces us with HTTP 429 [{DEFAULT_RATE_LIMIT_BUDGET:g}]."),
        _opt("--prices", type=click.Path(exists=True, dir_okay=False), env="prices",
             help="Extra model prices (JSON) for the cost line."),
        _opt("--backoff", type=float, env="backoff", hidden=True,
             help="Backoff multiplier in seconds (tests use a tiny one)."),
        _opt("--local", "local_model", metavar="NAME",
             help="Run on a local model (brief models list), starting and stopping its server."),
        _opt("--gguf", type=click.Path(exists=True, dir_okay=False, path_type=Path),
             help="Serve this GGUF file as the local model (with or without --local)."),
        _opt("--server", "backend", type=click.Choice(BACKENDS),
             help=f"Local server: llama-cpp-python's, or llama.cpp's C++ llama-server [{DEFAULT_BACKEND}]."),
        _opt("--threads", type=click.IntRange(1),
             help=f"Local server CPU threads [the idle cores, at most {MAX_THREADS}]."),
        _opt("--seed", type=int, env="seed",
             help=f"Sampling seed sent with each request [{DEFAULT_SEED} with --local]."),
        _opt("--models-dir", type=click.Path(file_okay=False, path_type=Path), env="models_dir",
             help="Where `brief models pull` keeps models [the user cache folder/models]."),
        _opt("--llama-server", "binary", type=click.Path(dir_okay=False, path_type=Path), env="binary",
             help="llama.cpp's llama-server binary for --server cpp [the build of scripts/build-llama-server.sh]."),
        _opt("--record", type=click.Path(file_okay=False), help="Write every model exchange to DIR."),
        _opt("--replay", type=click.Path(file_okay=False), help="Answer only from recordings in DIR."),
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
        "rate_limit_budget": kw.get("rate_limit_budget"),
        "prices": kw.get("prices"),
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
    from .model.local import local_run

    with local_run(kw.get("local_model"), options, gguf=kw.get("gguf"), backend=kw.get("backend") or "python",
                   n_threads=kw.get("threads"), models_dir=kw.get("models_dir"),
                   binary=kw.get("binary")) as local_options:
        yield local_options


_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def _output_format(fmt: str | None, output: Path | None) -> str:
    """--format, else the format the -o file's extension names, else Markdown; a contradiction is a usage error."""
    suffix = output.suffix.lower() if output is not None else ""
    implied = _SUFFIX_FORMATS.get(suffix)
    if fmt and implied and fmt != implied:
        raise click.UsageError(f"--format {fmt} contradicts -o {output} (a {suffix} file is {implied}): drop "
                               "--format, or change the file name")
    return fmt or implied or "md"


def _prepare_output(output: Path) -> None:
    """Fail before any work when -o cannot be written; create its folder when missing."""
    if output.is_dir():
        raise click.UsageError(f"-o {output} is a folder: give a file name, e.g. -o {output / 'briefing.md'}")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot create the folder {output.parent} for -o ({exc.strerror}): "
                                   "give another path") from exc
    if not os.access(output.parent, os.W_OK):
        raise click.ClickException(f"cannot write into {output.parent} (permission denied): give another -o path")


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and os.replace: readers see the old file or the new one,
    never half of one, and an interrupted run leaves the old file as it was."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _short(line: str, limit: int = 100) -> str:
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _extractor_note(kw: dict[str, Any], ctx: click.Context) -> str:
    """Why the offline extractor was used: nothing configured, or --offline overriding a configured model."""
    configured = [(p.name, kw.get(p.name)) for p in ctx.command.params
                  if p.name in ("model", "base_url", "replay") and kw.get(p.name)]
    if kw.get("offline") and configured:
        name, value = configured[0]
        source = ctx.get_parameter_source(name)
        where = (next(iter(_envvars(next(p for p in ctx.command.params if p.name == name))), "")
                 if source == click.core.ParameterSource.ENVIRONMENT else "--" + name.replace("_", "-"))
        return f"using the offline extractor: --offline overrides the model configured by {where} ({value})"
    if kw.get("offline"):
        return "using the offline extractor (--offline)"
    return ("no model configured: using the offline extractor (give --model, or set BRIEF_MODEL and "
            "OPENAI_API_KEY, for a model run)")


@main.command("run")
@click.argument("paths", nargs=-1, required=True)
@model_options
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format: md (Markdown), json or html [from the -o file's extension, else md].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (atomically) instead of stdout; a missing folder is created.")
@click.option("--title", help="Briefing title.")
@_opt("--aliases", type=click.Path(exists=True, dir_okay=False), multiple=True, envvar="BRIEF_ALIASES",
      help="Extra aliases file (repeatable; in the variable, separate files with ':').")
@click.option("--max-bytes", type=click.IntRange(1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Largest article accepted.")
@click.option("--related", type=click.Choice(get_args(RelatedMode)), default="drop", show_default=True,
              help="A page's 'Related Articles' block: drop it (listed with -v) or brief each story too.")
@_opt("--deadline", type=click.FloatRange(min=0, min_open=True), envvar="BRIEF_DEADLINE",
      help="Seconds for the whole run; then write the briefing of what finished, marked partial.")
@_opt("--bottom-line", "bottom_line", type=click.Choice(BOTTOM_LINES), default="template",
      show_default=True, envvar="BRIEF_BOTTOM_LINE",
      help="Who writes the bottom line: templates, or the model (sentences whose numbers no cited item states "
           "are dropped).")
@click.option("-v", "--verbose", count=True, help="More detail (rejected items, dropped lines); -vv debug.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def run_cmd(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, output: Path | None, title: str | None,
            aliases: tuple[str, ...], max_bytes: int, related: str, deadline: float | None, bottom_line: str,
            verbose: int, quiet: bool, **kw: Any) -> None:
    """Brief the articles in PATH... : folders, .txt/.md/.html/.json/.jsonl files, web addresses (http/https),
    or - for standard input.

    Exit status: 0 when every article was briefed (a skipped duplicate is only a note), 1 when any article
    failed (the others are still briefed) or none could be, 2 for a usage error.
    """
    from .pipeline import run_brief
    from .rendering.render import render_html, render_json, render_markdown

    _setup_logging(verbose, quiet)
    _use_cli_names(ctx)
    fmt = _output_format(fmt, output)
    options = _model_kwargs(kw)
    from .model.recordings import CONFIG_FILE, recording_config

    if options.get("replay") and (Path(options["replay"]) / CONFIG_FILE).is_file():
        # The options that shape a request (max_tokens, seed, ...) as recorded, unless given: a replay then hits.
        for key, value in recording_config(Path(options["replay"])).items():
            if options.get(key) is None:
                options[key] = value
    if output is not None:
        _prepare_output(output)
    bar = _ProgressBar(enabled=sys.stderr.isatty() and not quiet)
    nothing = False
    try:
        with _maybe_local(kw, options) as options:
            result = run_brief(list(paths), title=title, aliases=[Path(a) for a in aliases] or None,
                               max_bytes=max_bytes, related=related, bottom_line=bottom_line, progress=bar.update,
                               on_loaded=bar.start, deadline=deadline, **options)
    except NoArticlesError as exc:
        bar.close()
        if exc.run is None:  # nothing could be read: no briefing to show
            _echo_failures([(err.path, err.reason) if isinstance(err, ArticleError) else ("", str(err))
                            for err in exc.errors], verbose)
            kept = f"; {output} was left as it was" if output is not None and output.exists() else ""
            n = len(exc.errors)
            _echo_err(f"nothing was briefed: {'the' if n == 1 else 'all'} {n} input{'s' * (n != 1)} failed{kept}"
                      if n else f"{exc}{kept}")
            sys.exit(1)
        result, nothing = exc.run, True  # every article failed: the briefing only lists why
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
        _echo_err(_extractor_note(kw, ctx))
    if verbose:
        for art in result.articles:
            for line in art.dropped_lines:
                _echo_err(f"{show_path(art.path or art.id)}: dropped boilerplate: {_short(line)}")
    for dup in result.duplicates:
        if not quiet:
            _echo_err(f"note: {dup}")
    _echo_failures([(f.path, f.reason) for f in briefing.run.failed], verbose)
    if not quiet:
        for note in briefing.run.notes:
            _echo_err(f"note: {note}")
        where = {a.id: show_path(a.path or a.url or a.id) for a in result.articles}
        for found in briefing.run.instructions:
            _echo_err(f"warning: instructions found in article {where.get(found.article_id, found.article_id)}, "
                      f"never used as evidence: “{_short(found.text)}”")
    if fmt == "json":
        text = render_json(briefing)
    elif fmt == "html":
        text = render_html(briefing, result.articles)
    else:
        text = render_markdown(briefing, verbose=bool(verbose))
    if output and nothing and output.exists():
        _echo_err(f"nothing was briefed, so {output} was left as it was")
    elif output:
        try:
            write_atomic(output, text)
        except OSError as exc:
            raise click.ClickException(f"cannot write {output} ({exc.strerror}); the briefing was not saved: "
                                       "give another -o path or write to stdout") from exc
        if not quiet:
            _echo_err(f"wrote {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))
    if not quiet:
        u = briefing.run.usage
        n = len(briefing.sources)
        _echo_err(f"{n} article{'s' if n != 1 else ''} briefed, {len(result.errors)} failed; "
                  f"{u.calls} model call{'s' if u.calls != 1 else ''}, {u.cached_calls} from cache, "
                  f"{u.total_tokens} tokens")
    if briefing.run.partial:
        _echo_err(f"the --deadline of {deadline:g} s ran out: the briefing is partial; run the same command "
                  "again to brief the rest (answers received so far are cached)")
    if nothing:
        _echo_err(f"nothing was briefed: {'the' if len(result.errors) == 1 else 'all'} {len(result.errors)} "
                  f"article{'s' * (len(result.errors) != 1)} failed")
    if result.errors:
        sys.exit(1)


MAX_FAILURE_LINES = 20  # without -v: a folder of thousands of bad lines must not bury the summary


def _echo_failures(failures: list[tuple[str, str]], verbose: int = 0) -> None:
    """One line per failed input, naming it and saying why; past MAX_FAILURE_LINES, a count (all with -v)."""
    shown = failures if verbose else failures[:MAX_FAILURE_LINES]
    for path, reason in shown:
        _echo_err(f"{show_path(path)}: {reason}" if path else reason)
    if len(shown) < len(failures):
        _echo_err(f"... and {len(failures) - len(shown)} more failed inputs (-v lists them all; the briefing's "
                  "run.failed has each one)")


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
@click.option("--write-report", is_flag=True, help="Also write latest.json and latest.md into the report folder.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Report folder for --write-report [evals/reports].")
@click.option("-v", "--verbose", count=True)
@click.pass_context
def eval_cmd(ctx: click.Context, run_all: bool, corpus: str | None, gold_dir: Path | None, articles_dir: Path | None,
             name: str | None, as_json: bool, check: bool, thresholds: Path | None, write_report: bool,
             report_dir: Path | None, verbose: int, **kw: Any) -> None:
    """Score extractors against the hand-made gold: seed and dev corpora, reported separately.

    Run it in a checkout (it reads evals/ and seeds/ from the current folder), or give --gold and
    --articles. It prints the report; --write-report also saves it.
    """
    from .evaluation import rows_json, rows_markdown, threshold_failures
    from .evaluation import run as eval_run

    _setup_logging(verbose, quiet=False)
    _use_cli_names(ctx)
    evals = eval_run.default_evals_dir()
    options = _model_kwargs(kw)
    options["cache"] = False if not kw.get("record") else options["cache"]
    local = bool(kw.get("local_model") or kw.get("gguf"))
    if local:  # a live model run: plan it like --model, then start the server around it
        options["model"] = kw.get("local_model") or Path(kw["gguf"]).stem
    try:
        jobs = eval_run.plan_jobs(evals, options, run_all=run_all, corpus=corpus, gold=gold_dir, articles=articles_dir,
                                  name=name)
        eval_run.check_folders(jobs)
        rows = eval_run.run_jobs(jobs, live=(lambda opts: _maybe_local(kw, opts)) if local else None)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc
    text = rows_json(rows) if as_json else rows_markdown(rows)
    click.echo(text, nl=False)
    if write_report or report_dir is not None:
        report_dir = report_dir or evals / "reports"
        report_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(report_dir / "latest.json", rows_json(rows))
        write_atomic(report_dir / "latest.md", rows_markdown(rows))
        _echo_err(f"wrote {report_dir / 'latest.json'} and latest.md")
    for row in rows:
        for failure in row.failed:
            _echo_err(f"{row.name}: failed article {failure}")
    if check:
        failures = threshold_failures(rows, thresholds or evals / "thresholds.json")
        for failure in failures:
            _echo_err(f"below threshold: {failure}")
        if failures:
            sys.exit(1)
        _echo_err(f"all {len(rows)} runs meet evals/thresholds.json")


@main.command("schema")
@click.option("--check", is_flag=True, help="Fail when schemas/ differs from the models instead of writing.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Target folder [./schemas, in the current folder].")
def schema_cmd(check: bool, folder: Path | None) -> None:
    """Write the JSON Schemas of ArticleExtraction and Briefing into ./schemas (or --dir)."""
    from .core.schema_files import check_schemas, write_schemas

    if folder is None and (not check or Path("schemas").is_dir()):
        folder = Path("schemas")  # never the installed package's own copy: write where the user is
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
        click.option("--server", "backend", type=click.Choice(BACKENDS), default=DEFAULT_BACKEND,
                     show_default=True, help="llama-cpp-python's server, or llama.cpp's C++ llama-server "
                     "(scripts/build-llama-server.sh)."),
        click.option("--threads", type=click.IntRange(1),
                     help=f"CPU threads for the model [the idle cores, at most {MAX_THREADS}]."),
        _opt("--models-dir", type=click.Path(file_okay=False, path_type=Path), env="models_dir",
             help="Where `brief models pull` keeps models [the user cache folder/models]."),
        _opt("--llama-server", "binary", type=click.Path(dir_okay=False, path_type=Path), env="binary",
             help="llama.cpp's llama-server binary for --server cpp [the build of scripts/build-llama-server.sh]."),
        click.option("--n-batch", type=click.IntRange(1), default=DEFAULT_N_BATCH, show_default=True,
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
@click.option("--n-ctx", default=DEFAULT_CONTEXT_TOKENS, show_default=True, type=int, help="Context window in tokens.")
@server_options
def serve_local_cmd(name: str, host: str, port: int, n_ctx: int, gguf: Path | None, backend: str,
                    threads: int | None, n_batch: int, models_dir: Path | None, binary: Path | None) -> None:
    """Serve a local model (SmolLM2 from '.[local]', or one from `brief models pull`) over the OpenAI API."""
    from .model.catalog import lookup
    from .model.local import serve_local

    try:
        canonical = name if gguf is not None else lookup(name).name
        serve_local(host=host, port=port, n_ctx=n_ctx, foreground=True, name=canonical, gguf=gguf, backend=backend,
                    n_threads=threads, n_batch=n_batch, models_dir=models_dir, binary=binary)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group("models")
def models_cmd() -> None:
    """Local model files: list them, or download one (brief models pull qwen2.5-coder-1.5b)."""


_MODELS_DIR = _opt("--models-dir", type=click.Path(file_okay=False, path_type=Path), env="models_dir",
                   help="Where models are kept [the user cache folder/models].")


@models_cmd.command("list")
@_MODELS_DIR
def models_list_cmd(models_dir: Path | None) -> None:
    """Each known local model, whether it is on this machine, and where."""
    from .model.catalog import status_lines

    for line in status_lines(models_dir):
        click.echo(line)


@models_cmd.command("pull")
@click.argument("name")
@click.option("--force", is_flag=True, help="Download again even if a verified copy is present.")
@_MODELS_DIR
def models_pull_cmd(name: str, force: bool, models_dir: Path | None) -> None:
    """Download NAME into the user cache folder and verify its size and sha256 (prints the path)."""
    from .model.catalog import pull

    try:
        path = pull(name, force=force, folder=models_dir)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(path))


if __name__ == "__main__":  # pragma: no cover
    main(prog_name="brief")
