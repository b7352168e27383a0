"""Model settings, prices and token estimates: everything about a model run that needs no network library.

Kept apart from client.py so that `import summarizer` and offline runs never import openai or instructor.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..core.errors import ConfigError, option, reset_option_names, use_option_names
from ..core.redact import redact
from ..core.resources import data_path
from ..core.schema import Sections, model_facing_schema


class Mode(StrEnum):
    """How the model is asked for structured output (instructor's modes of the same names)."""

    TOOLS = "tools"  # a function/tool call whose arguments are the answer (the default: most servers have it)
    JSON = "json"  # response_format json_object, the schema in the system message
    JSON_SCHEMA = "json_schema"  # response_format json_schema (OpenAI, vLLM, llama.cpp)
    # instructor's json_schema, sent as llama-cpp-python's server spells it: response_format {"type": "json_object",
    # "schema": ...}. That server enforces the schema as a grammar and, unlike a tool, does not put it in the prompt.
    JSON_OBJECT_SCHEMA = "json_object_schema"
    MD_JSON = "md_json"  # plain text holding a fenced JSON block: for servers with no structured output


# Each default is defined here once: ModelConfig, the command line's --help, the recordings and the local
# servers read these names.
DEFAULT_MODE = Mode.TOOLS.value
DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = 120.0  # seconds for one answer
DEFAULT_MAX_RETRIES = 4
DEFAULT_MAX_REASKS = 2
DEFAULT_CONTEXT_TOKENS = 8192  # local servers' context too (SmolLM2's training context; Qwen's served one)
OPENAI_CONTEXT_TOKENS = 128_000  # from_options' default for api.openai.com (every model in prices.json has >= 128k)
DEFAULT_RATE_LIMIT_BUDGET = 600.0  # seconds of HTTP 429 pacing a run accepts
NO_KEY = "not-needed"
LOCAL_MODEL = "local"
# Local model runs (--local, serve-local): the server program, and the sampling seed a local run sends.
BACKENDS = ("python", "cpp")
DEFAULT_BACKEND = "python"
DEFAULT_SEED = 1234
DEFAULT_N_BATCH = 512  # prompt tokens a local server evaluates per step
MAX_THREADS = 4  # a local server's CPU threads: the idle cores, at most this many


def default_cache_dir() -> Path:
    """The platform's user cache folder for brief (responses, answers, pulled models, the llama-server build)."""
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # pragma: no cover - platformdirs is a declared dependency
        return Path.home() / ".cache" / "brief"
    return Path(user_cache_dir("brief"))


def _seconds(text: str) -> float:
    return float(text)


def _tokens(text: str) -> int:
    return int(text)


def _count(text: str) -> int:
    return int(text)


# (option, environment variable, conversion): the only table of BRIEF_* / OPENAI_* variables. from_env reads
# the ModelConfig ones; the command line passes every name to click (envvar=).
ENV_OPTIONS: tuple[tuple[str, str, Any], ...] = (
    ("model", "BRIEF_MODEL", str),
    ("base_url", "OPENAI_BASE_URL", str),
    ("api_key", "OPENAI_API_KEY", str),
    ("mode", "BRIEF_MODE", str),
    ("concurrency", "BRIEF_CONCURRENCY", _count),
    ("cache_dir", "BRIEF_CACHE_DIR", Path),
    ("timeout", "BRIEF_TIMEOUT", _seconds),
    ("context_tokens", "BRIEF_CONTEXT_TOKENS", _tokens),
    ("max_tokens", "BRIEF_MAX_TOKENS", _tokens),
    ("max_retries", "BRIEF_MAX_RETRIES", _count),
    ("rate_limit_budget", "BRIEF_RATE_LIMIT_BUDGET", _seconds),
    ("prices", "BRIEF_PRICES", Path),
    ("backoff", "BRIEF_BACKOFF", _seconds),
    ("seed", "BRIEF_SEED", _count),
)
# Command-line settings that are not ModelConfig fields (the local model's files).
LOCAL_ENV = {"models_dir": "BRIEF_MODELS_DIR", "binary": "BRIEF_LLAMA_SERVER"}
ENV_VARS = {name: var for name, var, _ in ENV_OPTIONS} | LOCAL_ENV


@dataclass
class ModelConfig:
    """Where and how to call the model: ``from_options`` builds one from arguments, ``from_env`` also reads
    BRIEF_* / OPENAI_* variables."""

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str = DEFAULT_MODE  # a Mode's value
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    max_reasks: int = DEFAULT_MAX_REASKS
    temperature: float = 0.0
    context_tokens: int = DEFAULT_CONTEXT_TOKENS
    cache: bool = True
    cache_dir: Path | None = None
    record: Path | None = None
    replay: Path | None = None
    backoff: float = 1.0
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    rate_limit_budget: float = DEFAULT_RATE_LIMIT_BUDGET
    max_tokens: int | None = None  # cap on the answer's length (sent only when set)
    seed: int | None = None  # sampling seed (sent only when set; local servers honour it)
    frequency_penalty: float | None = None  # sent only when set
    repeat_penalty: float | None = None  # llama.cpp's repetition penalty (sent only when set)
    max_tokens_per_article: bool = False  # size max_tokens from the article's length (local models)
    prices: Path | None = None

    @property
    def extractor_name(self) -> str:
        """What an extraction made with this model is labelled (its ``extractor``), and its grounding keyed on."""
        return f"model:{self.model}"

    def __post_init__(self) -> None:
        if self.mode not in Mode.__members__.values():
            raise ConfigError(f"unknown mode: {option('mode', self.mode)}; use one of {', '.join(Mode)} "
                              f"(default {DEFAULT_MODE})")
        self.mode = Mode(self.mode).value  # a plain str: it is written to recordings and RunInfo
        if self.concurrency < 1:
            raise ConfigError(f"{option('concurrency', self.concurrency)}: give at least 1")
        for name in ("cache_dir", "record", "replay", "prices"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                setattr(self, name, Path(value).expanduser())
        if self.record is not None and self.replay is not None:
            raise ConfigError(f"{option('record')} and {option('replay')} exclude each other; pick one")
        if self.base_url is not None:
            check_base_url(self.base_url)

    @classmethod
    def from_options(cls, **options: Any) -> ModelConfig | None:
        """A config from keyword arguments alone (None values mean unset); reads no environment variable.

        Returns None when neither a model nor a base URL is given: the caller then uses the offline extractor.
        """
        given = {k: v for k, v in options.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown model option(s): {', '.join(sorted(unknown))}")
        model = given.pop("model", None) or None
        base_url = given.pop("base_url", None) or None
        if model is None and base_url is None:
            return None
        api_key = given.pop("api_key", None) or None
        mode = given.pop("mode", None) or DEFAULT_MODE
        if base_url is None and "context_tokens" not in given:
            given["context_tokens"] = OPENAI_CONTEXT_TOKENS
        if api_key is None and base_url is None and given.get("replay") is None:
            raise ConfigError(
                f"model {model!r} is set but no API key is: give {option('api_key')}, or {option('base_url')} for "
                "a local server that needs no key"
            )
        return cls(model=model or LOCAL_MODEL, base_url=base_url, api_key=api_key, mode=mode, **given)

    @classmethod
    def from_env(cls, **overrides: Any) -> ModelConfig | None:
        """:meth:`from_options` with unset options read from the environment variables the command line uses.

        The variables are those of :data:`ENV_OPTIONS` (BRIEF_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY,
        BRIEF_MODE, ...). ``summarizer.brief()`` never calls this: pass it ``config=ModelConfig.from_env()``
        to opt in. The one place in the package that reads the environment.
        """
        env = os.environ
        given = {k: v for k, v in overrides.items() if v is not None}
        for name, var, convert in ENV_OPTIONS:
            if name not in given and env.get(var):
                try:
                    given[name] = convert(env[var])
                except ValueError as exc:
                    raise ConfigError(f"{var}={env[var]!r} is not valid: {exc}; fix or unset it") from exc
        token = use_option_names({name: var for name, var, _ in ENV_OPTIONS})  # messages name the variables
        try:
            return cls.from_options(**given)
        finally:
            reset_option_names(token)
    def endpoint(self) -> tuple[str | None, dict[str, str]]:
        """The base URL without its query string, and the query's parameters (sent with every request)."""
        if self.base_url is None:
            return None, {}
        parts = urlsplit(self.base_url)
        return urlunsplit((*parts[:3], "", "")), dict(parse_qsl(parts.query, keep_blank_values=True))

    def safe_base_url(self) -> str | None:
        """The base URL without user:password or query string (safe to print or record)."""
        if self.base_url is None:
            return None
        parts = urlsplit(self.base_url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def check_base_url(url: str) -> str:
    """``url`` if it can be a model endpoint, else ConfigError saying why (credentials never echoed).

    The rule for credentials: the API key is the only one brief sends (``Authorization: Bearer``), so a
    user name or password in the URL is refused rather than sent in place of the key.
    """
    shown = redact(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number in 0-65535)
    except ValueError as exc:
        raise ConfigError(f"{option('base_url')} {shown!r} is not a valid URL ({exc}): write it like "
                          "http://127.0.0.1:8080/v1") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{option('base_url')} {shown!r} must start with http:// or https:// and name a host, "
                          "e.g. http://127.0.0.1:8080/v1")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{option('base_url')} {shown!r} holds a user name or password: brief sends only the API key "
                          f"(as 'Authorization: Bearer'), so remove 'user:password@' from the URL and set "
                          f"{option('api_key')} instead")
    return url


# ---------------------------------------------------------------- usage and cost


@lru_cache(maxsize=8)
def _load_prices(extra: str | None) -> dict[str, dict[str, float]]:
    prices: dict[str, dict[str, float]] = {}
    for path in filter(None, [str(data_path("prices.json")), extra]):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"price file {path} cannot be read ({exc}); fix it or unset BRIEF_PRICES") from exc
        prices.update({k: v for k, v in data.get("models", {}).items() if isinstance(v, dict)})
    return prices


def price_for(model: str, extra: Path | None = None) -> tuple[float, float] | None:
    """USD per 1M (input, output) tokens: exact name, else the longest known prefix (dated snapshots)."""
    prices = _load_prices(str(extra) if extra else None)
    name = model.lower()
    if name not in prices:
        prefixes = [k for k in prices if name.startswith(k + "-") or name.startswith(k + ":")]
        if not prefixes:
            return None
        name = max(prefixes, key=len)
    p = prices[name]
    return float(p["input"]), float(p["output"])


def estimate_tokens(text: str) -> int:
    """Tokens in text: tiktoken's cl100k_base when installed, else characters / 4."""
    enc = _encoding()
    return len(enc.encode(text)) if enc is not None else (len(text) + 3) // 4


@lru_cache(maxsize=1)
def _encoding() -> Any:
    try:
        import tiktoken

        return tiktoken.get_encoding("cl100k_base")
    except Exception:  # not installed or no encoding data offline
        return None


def schema_json(mode: str = DEFAULT_MODE) -> str:
    """The JSON Schema of Sections about as the mode sends it: compact as a tool/response_format, indented
    inside the system message for json and md_json (instructor's layout), which costs about twice the tokens."""
    schema = model_facing_schema(Sections.model_json_schema())
    return json.dumps(schema, indent=2) if mode in ("json", "md_json") else json.dumps(schema, separators=(",", ":"))
