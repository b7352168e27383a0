"""The model client: ModelConfig, instructor over openai, HTTP-level store and retries, usage and cost.

The only module that imports openai and instructor. Every HTTP exchange goes through
:class:`StoreTransport`, so the cache, recordings, replay, retries (tenacity), the
concurrency bound and token accounting see the real requests that openai and instructor
build, re-asks included.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import email.utils
import json
import logging
import os
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import httpx2
import instructor
import openai
from pydantic import BaseModel, ConfigDict, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_random_exponential

from ..core.errors import BriefError, ModelError, ModeRefusedError, ReplayMissError, option
from ..core.redact import redact
from ..core.schema import Article, Sections, Usage, model_facing_schema
from .config import (  # noqa: F401  (re-exported: summarizer.model.client.ModelConfig etc. keep working)
    DEFAULT_MODE,
    LOCAL_MODEL,
    NO_KEY,
    Mode,
    ModelConfig,
    default_cache_dir,
    estimate_tokens,
    price_for,
    schema_json,
)
from .store import ResponseStore, canonical, completion_problem, request_key, request_key_of

log = logging.getLogger(__name__)
_M = TypeVar("_M", bound=BaseModel)
_REFUSAL_WORDS = ("response_format", "json_schema", "json_object", "grammar", "schema", "tool")

# Our Mode (config.py, no instructor import) to instructor's.
INSTRUCTOR_MODES: dict[Mode, instructor.Mode] = {
    Mode.TOOLS: instructor.Mode.TOOLS,
    Mode.JSON: instructor.Mode.JSON,
    Mode.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
    Mode.JSON_OBJECT_SCHEMA: instructor.Mode.JSON_SCHEMA,  # the request reshaped by _as_json_object
    Mode.MD_JSON: instructor.Mode.MD_JSON,
}

# ---------------------------------------------------------------- per-article call state


@dataclass
class CallState:
    """What one article's calls have cost and how they went; shared by its chunks."""

    article_id: str
    label: str
    usage: Usage = field(default_factory=Usage)
    attempts: int = 0
    # Answers waiting for validation: cached only once the call they belong to succeeds, so a failed
    # article is asked again on the next run instead of replaying its invalid answers.
    pending: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = field(default_factory=list)


_STATE: contextvars.ContextVar[CallState | None] = contextvars.ContextVar("brief_call_state", default=None)


def describe(article: Article) -> str:
    """How messages name an article: its title and path."""
    where = f" ({article.path})" if article.path else ""
    return f"{article.title!r}{where}"


class _Retryable(Exception):
    """A transient failure: 429, 5xx, timeout, connection error or an unreadable body."""

    def __init__(self, reason: str, *, response: tuple[int, list[tuple[str, str]], bytes] | None = None,
                 retry_after: float | None = None, cause: Exception | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.response = response
        self.retry_after = retry_after
        self.cause = cause


def _retry_after(headers: httpx2.Headers) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if ms := headers.get("retry-after-ms"):
        with contextlib.suppress(ValueError):
            return max(float(ms) / 1000, 0.0)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    with contextlib.suppress(TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(value)
        return max(when.timestamp() - time.time(), 0.0)
    return None


def _error_text(content: bytes) -> str:
    """The server's error message, one line."""
    text = content.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        err = data.get("error", data) if isinstance(data, dict) else data
        text = str(err.get("message", err)) if isinstance(err, dict) else str(err)
    return " ".join(text.split())[:300]


_Exchange = tuple[int, list[tuple[str, str]], bytes, Any]  # status, headers, content, the JSON of a 200's content


@dataclass
class _Ask:
    """One structured call's first ask, seen by the transport (a context variable: chunks of one article are
    asked concurrently). ``learn``: the ask goes through openai and instructor and its request may become a
    template; ``fetched``: the direct request's body and what came of it (an exchange or an exception)."""

    messages: list[dict[str, str]]
    max_tokens: int | None
    options: frozenset[str]
    learn: bool = False
    fetched: tuple[bytes, _Exchange | Exception] | None = None


_ASK: contextvars.ContextVar[_Ask | None] = contextvars.ContextVar("brief_ask", default=None)


@dataclass
class _Template:
    """A request that openai and instructor built: what the direct requests with the same options reuse."""

    url: httpx2.URL
    headers: list[tuple[bytes, bytes]]  # as sent (Content-Length is set per request)
    extensions: dict[str, Any]
    body: dict[str, Any]
    encoding: _Encoding = field(init=False)

    def __post_init__(self) -> None:
        self.encoding = _Encoding(self.body)


class _Encoding:
    """A template body's JSON, made once value by value, both as sent (:func:`_dumps`) and in the cache key's
    canonical form (:func:`~summarizer.model.store.canonical`).

    A direct request's body is the template's with its own messages and max_tokens; its tools schema and system
    message (about three quarters of its 10 KB) are the template's, so only the rest is encoded per request
    (:meth:`encode`). JSON encodes an object as its members in turn, so the result is the same bytes as
    encoding the whole body (tests/test_direct_requests.py compares them on random bodies)."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.values = {k: (_dumps(v), canonical(v)) for k, v in body.items() if k != "messages"}
        messages = body.get("messages")
        self.messages: list[Any] = messages if type(messages) is list else []
        self.message_json = [(_dumps(m), canonical(m)) for m in self.messages]

    def encode(self, body: dict[str, Any]) -> tuple[bytes, bytes]:
        """(``_dumps(body)``, ``canonical(body)``) for a body made from the template (:func:`_direct_body`)."""
        if not all(type(k) is str for k in body):  # json turns other keys into strings: encoded whole
            return _dumps(body), canonical(body)
        sent: list[bytes] = []
        canon: dict[str, bytes] = {}
        for k, v in body.items():
            if k == "messages" and type(v) is list:
                value, sorted_value = self._messages(v)
            elif k in self.values and v is self.body[k]:
                value, sorted_value = self.values[k]
            else:
                value, sorted_value = _dumps(v), canonical(v)
            name = _dumps(k) + b":"
            sent.append(name + value)
            canon[k] = name + sorted_value
        return b"{" + b",".join(sent) + b"}", b"{" + b",".join(canon[k] for k in sorted(canon)) + b"}"

    def _messages(self, messages: list[Any]) -> tuple[bytes, bytes]:
        sent: list[bytes] = []
        canon: list[bytes] = []
        for i, m in enumerate(messages):
            if i < len(self.messages) and _same_message(m, self.messages[i]):
                value, sorted_value = self.message_json[i]
            else:
                value, sorted_value = _dumps(m), canonical(m)
            sent.append(value)
            canon.append(sorted_value)
        return b"[" + b",".join(sent) + b"]", b"[" + b",".join(canon) + b"]"


def _same_message(m: Any, t: Any) -> bool:
    """Two messages that JSON encodes alike: dicts of the same string keys, in the same order, with equal strings."""
    if type(m) is not dict or type(t) is not dict or len(m) != len(t):
        return False
    return all(type(a) is str and a == b and type(x) is str and type(y) is str and x == y
               for (a, x), (b, y) in zip(m.items(), t.items(), strict=True))


def _direct_body(template: dict[str, Any], messages: list[dict[str, str]], max_tokens: int | None) -> dict[str, Any]:
    """The template's body with these messages and max_tokens (every key keeps its place)."""
    body = {**template, "messages": messages}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    return body


def _dumps(body: Any) -> bytes:
    """JSON as openai encodes a request body (openai._utils._json.openapi_dumps, for plain JSON values)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _direct_bytes(template: dict[str, Any], messages: list[dict[str, str]], max_tokens: int | None) -> bytes:
    return _dumps(_direct_body(template, messages, max_tokens))


def _as_json_object(request: httpx2.Request, body: dict[str, Any]) -> tuple[httpx2.Request, dict[str, Any]]:
    """A json_schema request reshaped for llama-cpp-python's server (Mode.JSON_OBJECT_SCHEMA): its response_format
    becomes {"type": "json_object", "schema": S}, the form that server turns into a grammar; all else is as built."""
    fmt = body.get("response_format")
    if not (isinstance(fmt, dict) and fmt.get("type") == "json_schema" and isinstance(fmt.get("json_schema"), dict)):
        return request, body
    body = {**body, "response_format": {"type": "json_object", "schema": fmt["json_schema"].get("schema") or {}}}
    raw = _dumps(body)
    headers = [(k, str(len(raw)).encode() if k.lower() == b"content-length" else v) for k, v in request.headers.raw]
    return httpx2.Request(request.method, request.url, content=raw, headers=headers,
                          extensions=dict(request.extensions)), body


def _json_response(status: int, body: bytes, request: httpx2.Request, headers: Any = None) -> httpx2.Response:
    kept = [(k, v) for k, v in (headers or []) if k.lower() not in ("content-encoding", "content-length",
                                                                     "transfer-encoding", "connection")]
    if not any(k.lower() == "content-type" for k, _ in kept):
        kept.append(("content-type", "application/json"))
    return httpx2.Response(status, headers=kept, content=body, request=request)


class StoreTransport(httpx2.AsyncBaseTransport):
    """Looks up the store before sending; retries transient failures; counts usage per article."""

    def __init__(self, config: ModelConfig, inner: httpx2.AsyncBaseTransport | None) -> None:
        self.config = config
        self.inner = inner
        self.replay = ResponseStore("replay", config.replay) if config.replay else None
        self.cache = ResponseStore("cache", config.cache_dir or default_cache_dir()) if config.cache else None
        self.record = ResponseStore("record", config.record) if config.record else None
        self.semaphore = asyncio.Semaphore(config.concurrency)
        # Rate-limit gate (time.monotonic): after a 429 with Retry-After nobody sends before this time.
        # Requests that have not been sent yet wait here too, instead of each collecting its own 429
        # and a later, rounded-up Retry-After; when the gate opens they go together, which is what a
        # sliding-window limit allows.
        self.not_before = 0.0
        self.price = price_for(config.model, config.prices)
        self._expo = wait_random_exponential(multiplier=config.backoff, max=config.backoff_max)
        # Set once max_retries + 1 connection attempts (from any articles) have failed while no request has ever
        # been answered: the server is not there, so every article fails at once instead of each spending its
        # own retries (1,000 articles would otherwise cost 5,000 connection attempts and minutes of backoff).
        self.down: str | None = None
        self.answered = False
        self.connect_failures = 0
        self._scope: dict[str, Any] | None = None
        self._scope_lock = asyncio.Lock()
        # Direct requests (LLMClient._direct): templates by the set of request options, and whether the
        # requests openai and instructor built so far were exactly the direct ones.
        self.templates: dict[frozenset[str], _Template] = {}
        self.direct = Mode(config.mode) == Mode.TOOLS
        # Set once the ask that is to become a template has reached this transport (or ended): the run's
        # first asks, all started together, wait for it instead of each going through openai and instructor.
        self.learning: dict[frozenset[str], asyncio.Event] = {}

    async def cache_scope(self, request: httpx2.Request) -> dict[str, Any]:
        """What the cache key adds to the request body: the endpoint (no credentials) and the served model.

        The model name identifies the model, except for the placeholder "local" used when only a base URL
        is given: then the server is asked once per run (GET /models) which models it serves.
        """
        if self._scope is not None:  # known after the first request: no lock to queue for
            return self._scope
        async with self._scope_lock:
            if self._scope is None:
                served = None
                if self.config.model == LOCAL_MODEL and self.config.base_url and self.inner is not None:
                    served = await self._served_models(request)
                self._scope = {"base_url": self.config.safe_base_url() or "https://api.openai.com/v1",
                               "served_model": served}
            return self._scope

    async def _served_models(self, request: httpx2.Request) -> str:
        """The model ids the server lists at /models, or "unknown" when it does not answer."""
        assert self.inner is not None
        path = request.url.path.rsplit("/chat/completions", 1)[0] + "/models"
        auth = {k: v for k, v in request.headers.items() if k.lower() == "authorization"}
        get = httpx2.Request("GET", request.url.copy_with(path=path), headers=auth)  # the query string is kept
        try:
            async with asyncio.timeout(min(self.config.timeout, 10.0)):
                response = await self.inner.handle_async_request(get)
                try:
                    content = await response.aread()
                finally:
                    await response.aclose()
            data = json.loads(content) if response.status_code == 200 else None
            ids = sorted(str(m.get("id")) for m in data.get("data", []) if isinstance(m, dict)) \
                if isinstance(data, dict) and isinstance(data.get("data"), list) else []
        except (TimeoutError, httpx2.TransportError, ValueError) as exc:
            log.info("could not ask the server which model it serves (%s); cache entries are keyed by the "
                     "base URL only", type(exc).__name__)
            return "unknown"
        return ",".join(ids) or "unknown"

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        state = _STATE.get() or CallState(article_id="-", label="(no article)")
        raw = await request.aread()
        ask = _ASK.get()
        if ask is not None and ask.fetched is not None:
            sent, outcome = ask.fetched
            ask.fetched = None
            if sent == raw:  # the direct request's exchange (LLMClient._direct), handed to openai as it happened
                if isinstance(outcome, BaseException):
                    raise outcome
                return _json_response(outcome[0], outcome[2], request, outcome[1])
            self.direct = False  # openai and instructor built another body: every request goes through them
            log.debug("the direct request differs from the one openai builds; not sending directly any more")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ModelError(state.article_id, f"unexpected non-JSON request to {request.url.path}")
        if self.config.mode == Mode.JSON_OBJECT_SCHEMA:
            request, body = _as_json_object(request, body)
        if ask is not None and ask.learn:
            self._learn(request, raw, body, ask)
        status, headers, content, _ = await self.exchange(request, body, state)
        return _json_response(status, content, request, headers)

    async def exchange(self, request: httpx2.Request, body: dict[str, Any], state: CallState, *,
                       canonical_body: bytes | None = None) -> _Exchange:
        """One request's answer from the replay folder, the cache or the server (with retries), the answer
        recorded and (once it validates, :meth:`commit`) cached: status, headers, content and, for a 200,
        the content's JSON. ``canonical_body``: the body's canonical JSON when the caller has it already
        (the store keys are hashes of it)."""
        meta = {"article_id": state.article_id, "article": state.label, "mode": self.config.mode,
                "base_url": self.config.safe_base_url(), "path": request.url.path}
        plain_key = None  # the key of replay and record (no scope)
        if canonical_body is not None and (self.replay is not None or self.record is not None):
            plain_key = request_key_of(canonical_body)
        if self.replay is not None:
            stored = self.replay.get(body, key=plain_key)
            if stored is None:
                raise ReplayMissError(
                    state.article_id,
                    f"{state.label}: the replay folder {self.config.replay} has no response for request key "
                    f"{request_key(body)}; record it first ({option('record')}) or run without {option('replay')}",
                )
            state.usage.cached_calls += 1
            return 200, [], json.dumps(stored).encode(), stored
        scope = await self.cache_scope(request) if self.cache is not None else None
        key = "" if self.cache is None else \
            self.cache.key(body, scope) if canonical_body is None else request_key_of(canonical_body, scope)
        if self.cache is not None and (stored := self.cache.get(body, scope, key=key)) is not None:
            state.usage.cached_calls += 1
            if self.record is not None:
                self.record.put(body, stored, {**meta, "from_cache": True}, key=plain_key)
            return 200, [], json.dumps(stored).encode(), stored
        status, headers, content, data = await self._send(request, state)
        if status == 200:
            if self.record is not None:
                self.record.put(body, data, meta, key=plain_key)
            if self.cache is not None:
                state.pending.append((key, body, data, meta))
        return status, headers, content, data

    def _learn(self, request: httpx2.Request, raw: bytes, body: dict[str, Any], ask: _Ask) -> None:
        """Keep the request openai and instructor built as the template of the direct requests with the same
        options, when its body is exactly what :meth:`LLMClient._direct` would send for the same messages."""
        if not self.direct or ask.options in self.templates:
            return
        if "cookie" in request.headers or _direct_bytes(body, ask.messages, ask.max_tokens) != raw:
            self.direct = False
            log.debug("openai and instructor changed the messages or the body's form; not sending directly")
        else:
            self.templates[ask.options] = _Template(request.url, list(request.headers.raw),
                                                    dict(request.extensions), body)
        self.learnt(ask)

    def learnt(self, ask: _Ask) -> None:
        """The ask meant to become a template has reached the transport or ended: the asks waiting go on."""
        if (event := self.learning.pop(ask.options, None)) is not None:
            event.set()

    def commit(self, state: CallState) -> None:
        """Cache the answers of a call that validated."""
        if self.cache is not None:
            for key, body, data, meta in state.pending:
                self.cache.put(body, data, meta, self._scope, key=key)
        state.pending.clear()

    def _count(self, state: CallState, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        u = state.usage
        try:
            prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
            total = int(usage.get("total_tokens") or prompt + completion)
        except (TypeError, ValueError, OverflowError):
            log.warning("the server reported usage that is not a number of tokens (%.200r); not counted", usage)
            return
        u.prompt_tokens += prompt
        u.completion_tokens += completion
        u.total_tokens += total
        if self.price is not None:
            u.cost_usd = (u.cost_usd or 0.0) + (prompt * self.price[0] + completion * self.price[1]) / 1e6

    def _stop(self, rs: RetryCallState) -> bool:
        """Give up after max_retries failures; a 429 that says when to come back (Retry-After) is not a
        failure of the request but the server pacing us: it is retried until rate_limit_budget seconds."""
        exc = rs.outcome.exception() if rs.outcome is not None else None
        if isinstance(exc, _Retryable) and _paced(exc):
            return (rs.seconds_since_start or 0.0) >= self.config.rate_limit_budget
        failures = getattr(rs, "brief_failures", 0) + 1
        rs.brief_failures = failures  # type: ignore[attr-defined]
        return failures > self.config.max_retries

    def _wait(self, rs: RetryCallState) -> float:
        exc = rs.outcome.exception() if rs.outcome is not None else None
        if isinstance(exc, _Retryable) and _paced(exc):
            # The gate (see _hold) holds the retry until Retry-After has passed; a few milliseconds of
            # jitter keep the waiting requests from reaching the server in the same instant.
            return random.uniform(0, 0.02 * self.config.backoff)
        if isinstance(exc, _Retryable) and exc.retry_after is not None:  # a 5xx that says when to come back
            return min(exc.retry_after, self.config.retry_after_max) + random.uniform(0, 0.25 * self.config.backoff)
        return float(self._expo(rs))

    async def _hold(self) -> None:
        """Wait while the rate-limit gate is closed (it may move later while we wait)."""
        while (delay := self.not_before - time.monotonic()) > 0:
            await asyncio.sleep(delay)

    def _close_gate(self, seconds: float) -> None:
        self.not_before = max(self.not_before, time.monotonic() + min(seconds, self.config.retry_after_max))

    async def _send(self, request: httpx2.Request, state: CallState) -> _Exchange:
        retrying = AsyncRetrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._send_once(request, state)
        except _Retryable as exc:
            tries = attempt.retry_state.attempt_number
            if exc.response is not None and exc.response[0] >= 500 and self.config.mode != Mode.TOOLS:
                raise self._refused(state, exc.response[0], exc.reason) from None
            raise ModelError(state.article_id, f"{exc.reason} (gave up after {tries} attempt(s)); "
                             f"{self._advice(exc)}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_once(self, request: httpx2.Request, state: CallState) -> _Exchange:
        if self.inner is None:
            raise ModelError(state.article_id, "no network transport (replay mode)")
        if self.down is not None:
            raise ModelError(state.article_id, self.down)
        await self._hold()
        async with self.semaphore:
            if self.down is not None:  # found while this request waited for a slot
                raise ModelError(state.article_id, self.down)
            state.usage.calls += 1
            state.attempts += 1
            try:
                # httpx's timeout applies to each read; this bounds the whole answer, so a server that
                # trickles one byte at a time cannot hold a request (and the run) forever.
                async with asyncio.timeout(self.config.timeout):
                    response = await self.inner.handle_async_request(request)
                    try:
                        content = await _read_capped(response)
                    finally:
                        await response.aclose()
            except _TooLarge:
                raise ModelError(state.article_id, f"the server's answer is over {MAX_ANSWER_BYTES // 2**20} MB, "
                                 f"far more than any briefing answer: check {option('base_url')} and the "
                                 "server") from None
            except (httpx2.TimeoutException, TimeoutError) as exc:
                raise _Retryable(f"the server did not answer within {self.config.timeout:g} s", cause=exc) from None
            except httpx2.TransportError as exc:
                where = self.config.safe_base_url() or "https://api.openai.com/v1"
                self.connect_failures += 1
                if not self.answered and self.connect_failures > self.config.max_retries:
                    self.down = (f"cannot reach {where} ({type(exc).__name__}): {self.connect_failures} connection "
                                 f"attempts failed and none has ever succeeded, so no more are made; check that "
                                 f"a server is running there, or set {option('base_url')} to the right URL")
                    raise ModelError(state.article_id, self.down) from None
                raise _Retryable(f"cannot reach {where} ({type(exc).__name__})", cause=exc) from None
        self.answered = True
        status, headers = response.status_code, list(response.headers.multi_items())
        if status == 200:
            try:
                data = json.loads(content)
            except (ValueError, RecursionError):
                data = None
            if isinstance(data, dict):
                self._count(state, data.get("usage"))  # a paid answer counts even when it is unusable
            problem = "not a JSON object" if data is None else completion_problem(data)
            if problem is not None:
                # Transient: a proxy or an overloaded server; the same request usually works when repeated.
                raise _Retryable(f"the server answered HTTP 200 with a body that is not a usable chat completion "
                                 f"({problem})", response=None)
            return status, headers, content, data
        message = _error_text(content)
        if status in (400, 422, 500, 501) and self.config.mode != Mode.TOOLS and _mentions_mode(message):
            raise self._refused(state, status, message)
        if status == 400 and self.config.mode == Mode.TOOLS and "tool" in message.lower():
            raise self._refused(state, status, message)
        if status == 429 or status >= 500:
            retry_after = _retry_after(response.headers)
            if status == 429 and retry_after is not None:
                self._close_gate(retry_after)
            raise _Retryable(f"HTTP {status}: {message}", response=(status, headers, content),
                             retry_after=retry_after)
        return status, headers, content, None

    def _advice(self, exc: _Retryable) -> str:
        if exc.response is not None and exc.response[0] == 429:
            return f"the server is rate-limiting: lower {option('concurrency')} or try again later"
        if isinstance(exc.cause, (httpx2.TimeoutException, TimeoutError)):
            return f"raise {option('timeout')} or check that the server is not overloaded"
        if exc.cause is not None:
            return f"check that a server is running there, or set {option('base_url')} to the right URL"
        return "check the server's logs"

    def _refused(self, state: CallState, status: int, message: str) -> ModeRefusedError:
        mode = self.config.mode
        others = (f"{option('mode', 'json')} or {option('mode', 'md_json')}" if mode == "tools"
                  else f"{option('mode', 'tools')} (or {option('mode', 'md_json')})")
        return ModeRefusedError(
            state.article_id,
            f"the server answered HTTP {status} to structured-output mode {mode!r} ({message}); "
            f"it may not support that mode: try {others}",
        )


POOL_SIZE = 16  # requests in flight per connection pool


class _Pools(httpx2.AsyncBaseTransport):
    """Requests spread in turn over several connection pools.

    httpcore's pool scans every one of its connections each time a request starts or ends (and probes the
    socket of each idle one): with 64 requests in flight that was a few hundred calls per request. Pools of
    ``POOL_SIZE`` keep each scan short; every request is still sent as it would be by one pool.
    """

    def __init__(self, n: int) -> None:
        # One TLS context for all (each pool would otherwise load the certificate store again: 35 ms each).
        context = httpx2.create_ssl_context()
        self.pools = [httpx2.AsyncHTTPTransport(verify=context) for _ in range(n)]
        self.turn = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.turn = (self.turn + 1) % len(self.pools)
        return await self.pools[self.turn].handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self.pools:
            await pool.aclose()


def _pools(concurrency: int) -> httpx2.AsyncBaseTransport:
    n = -(-concurrency // POOL_SIZE)
    return httpx2.AsyncHTTPTransport() if n <= 1 else _Pools(n)


MAX_ANSWER_BYTES = 32 * 2**20
"""A larger HTTP answer is refused while it arrives (an answer of a few thousand tokens is kilobytes)."""


class _TooLarge(Exception):
    pass


async def _read_capped(response: httpx2.Response) -> bytes:
    """The (decoded) body, read in pieces; _TooLarge past MAX_ANSWER_BYTES so a server cannot fill memory."""
    parts: list[bytes] = []
    size = 0
    async for piece in response.aiter_bytes():
        size += len(piece)
        if size > MAX_ANSWER_BYTES:
            raise _TooLarge
        parts.append(piece)
    return b"".join(parts)


def _paced(exc: _Retryable) -> bool:
    return exc.response is not None and exc.response[0] == 429 and exc.retry_after is not None


def _mentions_mode(message: str) -> bool:
    low = message.lower()
    return any(w in low for w in _REFUSAL_WORDS)


class _RedactLog(logging.Filter):
    """On the HTTP and openai loggers: request lines and error bodies lose keys and secret URL parameters,
    whatever handler a library user attaches (the CLI's handler redacts too)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = redact(text, self.secrets)
        if clean != text:
            record.msg, record.args = clean, None
        return True


_LOG_FILTER = _RedactLog()
# Filters run only for records created on the logger itself, so each logger that prints URLs is named.
_URL_LOGGERS = ("httpx2", "httpx", "openai", "openai._base_client", "instructor")


def _guard_logs(api_key: str | None) -> None:
    if api_key and api_key != NO_KEY:
        _LOG_FILTER.secrets.add(api_key)
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)


# ---------------------------------------------------------------- the client


class _ModelSections(Sections):
    """What the model fills for one article: five lists, each possibly empty."""

    model_config = ConfigDict(title="Sections")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return model_facing_schema(super().model_json_schema(*args, **kwargs))


# Prepared once: instructor wraps a plain model in a new class on every call, which rebuilds its schema.
RESPONSE_MODEL = instructor.openai_schema(_ModelSections)


def _cache_async_validator_check() -> None:
    """Remember instructor's async-validator check per class.

    instructor walks the response model's whole type tree several times per call to reject async
    validators; for our schema that was half of our CPU per article (benchmarks/RESULTS.md). The answer
    depends only on the class, so a class that passed once passes again. Every call site imports the
    function from its module at call time, so replacing the module attribute is enough; if instructor
    moves it, nothing is patched and only speed is lost.
    """
    try:
        from instructor.v2.validation import async_validators as av
    except ImportError:  # pragma: no cover - another instructor layout
        return
    original = getattr(av, "reject_async_validators", None)
    if original is None or getattr(original, "_brief_cached", False):
        return
    passed: set[type] = set()

    def reject_async_validators(response_model: Any) -> None:
        if isinstance(response_model, type) and response_model in passed:
            return
        original(response_model)
        if isinstance(response_model, type):
            passed.add(response_model)

    reject_async_validators._brief_cached = True  # type: ignore[attr-defined]
    av.reject_async_validators = reject_async_validators


# Request parameters openai sends as given rather than through its per-call transform.
_AS_GIVEN = ("messages", "tools", "tool_choice", "response_format")


def _send_as_given(client: openai.AsyncOpenAI) -> None:
    """Have ``client.chat.completions.create`` send the messages and tools exactly as given.

    openai passes every request's parameters through a transform that walks them against its TypedDicts
    (renaming aliased keys, formatting dates and files): for the messages and the ~1,600-token tools schema
    that is a few hundred recursive calls per request, about 1 ms of CPU, and it changes nothing in our
    plain JSON values. ``extra_body`` is openai's documented way to send values as they are: its values
    take precedence over the parameters, and a key that is already in the body keeps its place. So each
    of these parameters is given empty (``[]`` or ``{}``: its place in the body) and its value in
    ``extra_body``: the body sent is the same, key for key and in the same order, as without this
    (tests/test_request_as_given.py compares them in every mode).
    """
    completions = client.chat.completions
    create = completions.create

    async def create_as_given(*args: Any, **kwargs: Any) -> Any:
        given = {k: kwargs[k] for k in _AS_GIVEN if type(kwargs.get(k)) in (list, dict)}
        if given:
            kwargs = {**kwargs, **{k: type(v)() for k, v in given.items()},
                      "extra_body": {**given, **(kwargs.get("extra_body") or {})}}
        return await create(*args, **kwargs)

    completions.create = create_as_given  # type: ignore[method-assign]


_prepared = False


def _prepare() -> None:
    """What the client changes outside this module: done once, when the first client is made, never on import."""
    global _prepared
    if _prepared:
        return
    # Without any handler, Python prints a library's warnings to stderr through its last-resort handler: a
    # library caller saw instructor's retry log lines. A NullHandler keeps them quiet until the application
    # configures logging (records still propagate to its handlers then); the command line shows them with -vvv.
    for name in ("instructor", "openai", "httpx2", "httpx", "httpcore"):
        if not logging.getLogger(name).handlers:
            logging.getLogger(name).addHandler(logging.NullHandler())
    # Re-asks send the validation error back to the model. Without this, pydantic appends a help URL that names
    # its own version ("errors.pydantic.dev/2.13/..."), so a pydantic upgrade would change the request bodies
    # and every recorded re-ask would stop replaying. Read by pydantic-core each time an error is formatted.
    os.environ["PYDANTIC_ERRORS_INCLUDE_URL"] = "0"
    _cache_async_validator_check()
    _prepared = True


def char_tokens(text: str) -> int:
    """Tokens as characters / 4: what request sizes (max_tokens) are computed from. Deliberately not
    tiktoken, so a request body, and so a recording's key, is the same whether or not tiktoken is installed."""
    return (len(text) + 3) // 4


@lru_cache(maxsize=8)
def _schema_tokens(mode: str) -> int:
    """char_tokens of the mode's schema, once per mode: building the schema (schema_json) takes several ms of CPU,
    which every request paid when max_tokens is set (twice when it went through instructor)."""
    return char_tokens(schema_json(mode))


MIN_REASK_ANSWER = 256  # a re-ask that leaves less room than this for the answer is sent as a fresh ask
MAX_PROBLEMS = 6  # validation errors named in a re-ask note


@dataclass
class _Failure:
    """Why an answer could not be used: one line for the re-ask note, and the answer's text."""

    problem: str
    text: str
    truncated: bool


def _answer_text(completion: Any) -> str:
    """The JSON the model wrote: the tool call's arguments, else the message content (fences removed)."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return ""
    calls = getattr(message, "tool_calls", None) or []
    if calls:
        return str(calls[0].function.arguments or "")
    text = str(getattr(message, "content", None) or "")
    fenced = re.search(r"```(?:json)?\s*(.*?)(?:```|$)", text, re.S)
    return fenced.group(1) if fenced else text


def _tool_answer(data: Any) -> Sections | None:
    """The answer in a tools-mode completion (its JSON) when instructor would take it as it is, else None.

    What instructor 1.17's tools handler does on success (v2/providers/openai/handlers.py,
    ``OpenAIToolsHandler.parse_response``): no answer cut off at max_tokens (``finish_reason`` "length"), no
    refusal, the first tool call's arguments validated by ``model_validate_json`` with ``strict=False``.
    Anything less plain (no tool call, arguments not a string, a validation error) returns None and goes
    through instructor itself."""
    try:
        choice = data["choices"][0]
        message = choice["message"]
        if choice.get("finish_reason") == "length" or message.get("refusal") is not None:
            return None
        call = message["tool_calls"][0]
        if call.get("type") != "function":
            return None
        arguments = call["function"]["arguments"]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    if not isinstance(arguments, str):
        return None
    try:
        return RESPONSE_MODEL.model_validate_json(arguments, strict=False)
    except ValidationError:
        return None


def _answer_failure(exc: BaseException) -> _Failure | None:
    """An unusable answer (cut off, not JSON, or not matching the schema), or None for any other failure."""
    from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

    if isinstance(exc, IncompleteOutputException):
        text = _answer_text(exc.last_completion)
        used = getattr(getattr(exc.last_completion, "usage", None), "completion_tokens", None)
        return _Failure(f"the answer was cut off after {used or 'the maximum number of'} tokens before its JSON "
                        "was complete: it was too long or repeated an item. Give each item once, with short "
                        "quotes", text, truncated=True)
    if not isinstance(exc, InstructorRetryException) or not exc.failed_attempts:
        return None
    attempt = exc.failed_attempts[-1]
    text = _answer_text(attempt.completion)
    err = attempt.exception
    if isinstance(err, ValidationError):
        parts = []
        for e in err.errors(include_url=False)[:MAX_PROBLEMS]:
            where = ".".join(str(x) for x in e.get("loc", ()))
            if e.get("type") == "json_invalid":
                return _Failure(f"the answer was not complete JSON ({e.get('msg')})", text, truncated=True)
            parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        more = err.error_count() - len(parts)
        return _Failure("; ".join(parts) + (f"; and {more} more error(s)" if more > 0 else ""), text,
                        truncated=False)
    if isinstance(err, json.JSONDecodeError):
        return _Failure(f"the answer was not complete JSON ({err.msg})", text, truncated=True)
    return _Failure(" ".join(str(err).split())[:300], text, truncated=False)


def salvage(text: str) -> tuple[Sections, int, int] | None:
    """The complete, distinct items of a cut-off JSON answer: (sections, items kept, repeats dropped), or None.

    The item being written when the answer stopped is dropped, as is every exact repeat of an earlier item.
    """
    from pydantic import TypeAdapter, ValidationError
    from pydantic_core import from_json

    try:
        data = from_json(text, allow_partial=True)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    lists = [k for k, v in data.items() if k in Sections.model_fields and isinstance(v, list)]
    if not lists:
        return None
    last = lists[-1]
    if data[last]:
        data[last] = data[last][:-1]  # possibly cut mid-item
    out: dict[str, list[Any]] = {}
    kept = repeats = 0
    for section in lists:
        annotation = Sections.model_fields[section].annotation
        assert annotation is not None  # every section field is annotated list[...]
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        seen: set[str] = set()
        out[section] = []
        for raw in data[section]:
            key = json.dumps(raw, sort_keys=True)
            if key in seen:
                repeats += 1
                continue
            seen.add(key)
            try:
                out[section].extend(adapter.validate_python([raw]))
            except ValidationError:
                continue
            kept += 1
    if not kept:
        return None
    return Sections(**out), kept, repeats


class LLMClient:
    """One openai+instructor client per run; ``sections`` makes one structured call."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        _prepare()
        _guard_logs(config.api_key)
        inner = None if config.replay is not None else _pools(config.concurrency)
        self.transport = StoreTransport(config, inner)
        self.http_client = http_client = openai.DefaultAsyncHttpxClient(transport=self.transport,
                                                                        timeout=config.timeout)
        # openai appends "/chat/completions" to the base URL as a string, so a query string in it
        # ("?api-key=...") is sent as parameters of every request instead.
        base_url, query = config.endpoint()
        self.openai = openai.AsyncOpenAI(
            api_key=config.api_key or NO_KEY,
            base_url=base_url,
            default_query=query or None,
            max_retries=0,
            timeout=config.timeout,
            http_client=http_client,
        )
        _send_as_given(self.openai)
        self.instructor = instructor.from_openai(self.openai, mode=INSTRUCTOR_MODES[Mode(config.mode)])
        self.refused: ModeRefusedError | None = None
        # Articles in progress, at most `concurrency`: an article builds its requests only once it has a
        # slot, so the first answers are handled while later articles wait, instead of all articles
        # building their requests first (the transport's semaphore still bounds requests in flight).
        self.slots = asyncio.Semaphore(config.concurrency)
        self.states: dict[str, CallState] = {}  # by article id: what each article's calls cost, failed ones too

    async def aclose(self) -> None:
        await self.openai.close()

    @contextlib.contextmanager
    def article(self, article: Article) -> Iterator[CallState]:
        """Attribute every call made inside (including from tasks started inside) to ``article``."""
        with self.task(article.id, describe(article)) as state:
            yield state

    @contextlib.contextmanager
    def task(self, task_id: str, label: str) -> Iterator[CallState]:
        """Attribute every call made inside to one task: an article, or another call such as the bottom line."""
        state = CallState(article_id=task_id, label=label)
        self.states[task_id] = state
        token = _STATE.set(state)
        try:
            yield state
        finally:
            _STATE.reset(token)

    async def sections(self, messages: list[dict[str, str]], *, reask: str | None = None,
                       max_tokens: int | None = None) -> Sections:
        """Ask for Sections; transient HTTP failures are retried, invalid answers re-asked, else ModelError.

        A re-ask repeats the original messages plus one short note (``reask``, a prompt with {problem}) naming
        what was wrong, never the failed answer itself, so it costs about what the first ask cost and always
        fits the context (a looping answer of 2,000 tokens sent back would not). An answer cut off at
        max_tokens keeps its complete items, each once (a small model that loops repeats one item until the
        cap); only when none is complete is it re-asked. ``max_tokens`` overrides config.max_tokens.
        """
        state = _STATE.get() or CallState(article_id="-", label="(no article)")
        if self.refused is not None:
            raise ModeRefusedError(state.article_id, self.refused.reason)
        ask = messages
        problems: list[str] = []
        for attempt in range(self.config.max_reasks + 1):
            try:
                direct, first = await self._direct(ask, max_tokens) if attempt == 0 else (None, None)
                if direct is not None:
                    result = direct
                    break
                token = _ASK.set(first)
                try:
                    result = await self.instructor.chat.completions.create(
                        model=self.config.model,
                        response_model=RESPONSE_MODEL,
                        messages=ask,  # type: ignore[arg-type]
                        max_retries=0,
                        temperature=self.config.temperature,
                        **self.sampling(ask, max_tokens),
                        strict=False,
                    )
                finally:
                    _ASK.reset(token)
                    if first is not None and first.learn:
                        self.transport.learnt(first)
                break
            except Exception as exc:  # every failure becomes one clear ModelError
                failure = _answer_failure(exc)
                if failure is not None and failure.truncated:
                    salvaged = salvage(failure.text)
                    if salvaged is not None:
                        result, kept, repeats = salvaged
                        log.warning("%s: the answer was cut off at max_tokens; kept its %d complete item(s)%s",
                                    state.label, kept, f", dropped {repeats} repeat(s)" if repeats else "")
                        break
                if failure is None or attempt == self.config.max_reasks or reask is None:
                    state.pending.clear()
                    error = self._error(exc, state, problems + ([failure.problem] if failure else []))
                    if isinstance(error, ModeRefusedError):
                        self.refused = error
                    raise error from None
                problems.append(failure.problem)
                ask = self._reask(messages, reask, failure.problem, max_tokens)
        assert isinstance(result, Sections)
        self.transport.commit(state)
        return result

    async def _direct(self, messages: list[dict[str, str]],
                      max_tokens: int | None) -> tuple[Sections | None, _Ask | None]:
        """A first ask in tools mode sent as the request openai and instructor build, and its answer read as
        instructor reads it when that is plain: (the answer, None), else (None, what the instructor call needs).

        Per request, openai and instructor cost this process about 2 ms of CPU (copying the tools schema,
        building and checking the request, building openai's response objects), which bounds a run with many
        requests in flight. A run's first ask with a given set of options goes through them; its request
        becomes the template (:meth:`StoreTransport._learn`) only if its body is exactly this template's
        body with those messages and max_tokens (the same bytes), so a later ask's body is the one openai
        would send. Only an answer instructor would accept as it is becomes the result here (a tool call's
        arguments validated as instructor does it, :func:`_tool_answer`); anything else (an error, a refusal,
        an answer cut off or invalid) is handed to the instructor call, whose request is answered with this
        exchange (no second request) and which then does what it always does: re-asks, errors, salvage.
        """
        transport = self.transport
        if not transport.direct:
            return None, None
        extra = self.sampling(messages, max_tokens)
        ask = _Ask(messages, extra.get("max_tokens"), frozenset(extra))
        template = transport.templates.get(ask.options)
        if template is None and (learning := transport.learning.get(ask.options)) is not None:
            await learning.wait()  # a few ms: the ask being learnt reaches the transport
            template = transport.templates.get(ask.options)
        if template is None or self.http_client.cookies:  # cookies: the client keeps and sends them
            if template is None and transport.direct and ask.options not in transport.learning:
                ask.learn = True
                transport.learning[ask.options] = asyncio.Event()
            return None, ask
        body = _direct_body(template.body, messages, ask.max_tokens)
        raw, canonical_body = template.encoding.encode(body)
        length = str(len(raw)).encode()
        request = httpx2.Request("POST", template.url, content=raw, extensions=dict(template.extensions),
                                 headers=[(k, length if k.lower() == b"content-length" else v)
                                          for k, v in template.headers])
        state = _STATE.get() or CallState(article_id="-", label="(no article)")
        try:
            exchange = await transport.exchange(request, body, state, canonical_body=canonical_body)
        except Exception as exc:  # the instructor call meets it where it always did
            ask.fetched = (raw, exc)
            return None, ask
        status, headers, _, data = exchange
        if status == 200 and not any(k.lower() == "set-cookie" for k, _ in headers):
            answer = _tool_answer(data)
            if answer is not None:
                return answer, None
        ask.fetched = (raw, exchange)
        return None, ask

    async def structured(self, messages: list[dict[str, str]], response_model: type[_M]) -> _M:
        """One structured call for another answer than Sections (the bottom line): transient HTTP failures are
        retried and invalid answers re-asked by instructor (config.max_reasks), anything else is a ModelError."""
        state = _STATE.get() or CallState(article_id="-", label="(no article)")
        if self.refused is not None:
            raise ModeRefusedError(state.article_id, self.refused.reason)
        try:
            result = await self.instructor.chat.completions.create(
                model=self.config.model,
                response_model=response_model,
                messages=messages,  # type: ignore[arg-type]
                max_retries=self.config.max_reasks,
                temperature=self.config.temperature,
                **self.sampling(messages),
                strict=False,
            )
        except Exception as exc:  # every failure becomes one clear ModelError
            state.pending.clear()
            error = self._error(exc, state)
            if isinstance(error, ModeRefusedError):
                self.refused = error
            raise error from None
        self.transport.commit(state)
        return result

    def _reask(self, messages: list[dict[str, str]], template: str, problem: str,
               max_tokens: int | None) -> list[dict[str, str]]:
        """The original messages plus a note on what was wrong; the plain original when the note would not fit."""
        from .prompts import fill

        note = fill(template, {"problem": problem}, where="reask.txt")
        ask = [*messages, {"role": "user", "content": note}]
        room = self.config.context_tokens - self.prompt_tokens(ask)
        wanted = max_tokens or self.config.max_tokens or MIN_REASK_ANSWER
        return ask if room >= min(wanted, MIN_REASK_ANSWER) else messages

    def prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        """Estimated prompt tokens of a request: its messages, the schema and a margin for the chat template."""
        text = sum(char_tokens(m.get("content") or "") for m in messages)
        return int((text + _schema_tokens(self.config.mode)) * 1.1) + 32 * len(messages)

    def sampling(self, messages: list[dict[str, str]] | None = None, max_tokens: int | None = None) -> dict[str, Any]:
        """Request options beyond the messages, each sent only when configured (so request keys stay put).

        max_tokens is lowered so that prompt + answer never exceed the context (the server would answer 400).
        """
        c = self.config
        out: dict[str, Any] = {}
        cap = max_tokens or c.max_tokens
        if cap:
            if messages is not None:
                cap = max(1, min(cap, c.context_tokens - self.prompt_tokens(messages)))
            out["max_tokens"] = cap
        if c.seed is not None:
            out["seed"] = c.seed
        if c.frequency_penalty is not None:
            out["frequency_penalty"] = c.frequency_penalty
        if c.repeat_penalty is not None:
            out["extra_body"] = {"repeat_penalty": c.repeat_penalty}
        return out

    def _error(self, exc: BaseException, state: CallState, problems: list[str] | None = None) -> ModelError:
        chain: list[BaseException] = []
        cur: BaseException | None = exc
        while cur is not None and cur not in chain:
            chain.append(cur)
            cur = cur.__cause__ or cur.__context__
        for e in chain:
            if isinstance(e, ModelError):
                return type(e)(state.article_id, self._redact(e.reason))
            if isinstance(e, BriefError):
                return ModelError(state.article_id, self._redact(str(e)))
        for e in chain:
            if isinstance(e, openai.APIStatusError):
                return ModelError(state.article_id, self._redact(self._status_reason(e)))
        last = chain[-1]
        detail = " ".join(str(last).split())[:300]
        if problems:
            tries = len(problems)
            reason = (f"the model's answer did not match the schema after {tries} attempt(s) "
                      f"({tries - 1} re-ask(s)); last problem: {problems[-1]}; try a larger model, or another "
                      f"{option('mode')} if the server supports one (json_schema on OpenAI and vLLM)")
        else:
            reason = f"{type(last).__name__}: {detail}"
        return ModelError(state.article_id, self._redact(reason))

    def _status_reason(self, e: openai.APIStatusError) -> str:
        where = self.config.safe_base_url() or "api.openai.com"
        message = _error_text(e.response.content) if e.response is not None else str(e)
        if e.status_code in (401, 403):
            return f"the server at {where} rejected the API key (HTTP {e.status_code}); check {option('api_key')}"
        if e.status_code == 404:
            return (f"model {self.config.model!r} or the endpoint was not found at {where} (HTTP 404: {message}); "
                    f"check {option('model')} and {option('base_url')}")
        return f"HTTP {e.status_code} from {where}: {message}"

    def _redact(self, text: str) -> str:
        key = self.config.api_key
        return redact(text, [key] if key != NO_KEY else [])
