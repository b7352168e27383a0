"""Direct requests (LLMClient._direct): in tools mode a first ask is sent as the request openai and instructor
build, without going through them, and a plain answer is read as instructor reads it. The bytes sent, the
results and what happens to answers that are not plain (re-asks, salvage, errors) are the same as through
openai and instructor."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oai_server import OAIServer
from test_extract import answer_for, numbered_article
from test_llm import bad, basic_article, config, good

from summarizer.core.errors import BriefError
from summarizer.core.schema import ArticleExtraction
from summarizer.model import client as client_module
from summarizer.model.extractor import extract_many
from summarizer.model.store import canonical, request_key, request_key_of

_DIRECT = client_module.LLMClient._direct
_TOOL_ANSWER = client_module._tool_answer


class _Recording(httpx2.AsyncHTTPTransport):
    """The transport under StoreTransport, keeping every request as it goes on the wire."""

    sent: list[tuple[str, str, list[tuple[bytes, bytes]], bytes]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        self.sent.append((request.method, str(request.url), list(request.headers.raw), body))
        return await super().handle_async_request(request)


def _run(oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch, articles: list[Any], *, direct: bool,
         **kw: Any) -> tuple[list[Any], list[tuple[str, str, list[tuple[bytes, bytes]], bytes]], int]:
    """extract_many with direct requests on or off: the results, the requests sent, and how many answers
    were read directly."""
    sent: list[tuple[str, str, list[tuple[bytes, bytes]], bytes]] = []
    monkeypatch.setattr(_Recording, "sent", sent)
    monkeypatch.setattr(client_module, "_pools", lambda concurrency: _Recording())
    read = 0

    def counting(data: Any) -> Any:
        nonlocal read
        got = _TOOL_ANSWER(data)
        read += got is not None
        return got

    monkeypatch.setattr(client_module, "_tool_answer", counting)

    async def never(self: Any, messages: Any, max_tokens: Any) -> tuple[None, None]:
        return None, None

    monkeypatch.setattr(client_module.LLMClient, "_direct", _DIRECT if direct else never)
    results = extract_many(articles, config(oai_server, **kw))
    return results, sent, read


def _dumps(results: list[Any]) -> list[Any]:
    return [r.model_dump() if isinstance(r, ArticleExtraction) else repr(r) for r in results]


@pytest.mark.parametrize("options", [
    {},
    {"repeat_penalty": 1.1, "seed": 7, "max_tokens": 900, "frequency_penalty": 0.2},
    {"max_tokens_per_article": True, "max_tokens": 2000},
])
def test_direct_requests_are_the_bytes_openai_sends(
    oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch, options: dict[str, Any]
) -> None:
    articles = [numbered_article(i, " Ünïcode “quotes” — and a dash.") for i in range(6)]
    kw = {"concurrency": 1, "context_tokens": 16384, **options}
    oai_server.respond_with(answer_for)
    through, sent_through, _ = _run(oai_server, monkeypatch, articles, direct=False, **kw)
    direct, sent_direct, read = _run(oai_server, monkeypatch, articles, direct=True, **kw)
    assert read == len(articles) - 1  # the first ask goes through openai and instructor: it is the template
    assert sent_direct == sent_through  # method, URL, every header in order, and the body, byte for byte
    assert _dumps(direct) == _dumps(through)
    assert all(isinstance(r, ArticleExtraction) for r in direct)


@pytest.mark.parametrize("second", [
    [bad(), good()],  # invalid: re-asked with the problem
    [{"tool_arguments": '{"casualties": [{"side": "soldiers", "killed": {"text": "at least 3"}, "evid',
      "finish_reason": "length"}, good()],  # cut off with no complete item: re-asked
    [{"content": "no tool call here"}, good()],  # no tool call
    [{"status": 400, "body": {"error": {"message": "synthetic bad request"}}}],  # an error
    [{"status": 503}, good()],  # retried by the transport, then a plain answer read directly
])
def test_an_answer_that_is_not_plain_goes_through_instructor_without_a_second_request(
    oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch, second: list[dict[str, Any]]
) -> None:
    articles = [basic_article(), basic_article().model_copy(update={"id": "second", "title": "Second"})]
    outcomes = []
    for direct in (False, True):
        oai_server.reset()
        oai_server.script(good(), *second)
        results, sent, read = _run(oai_server, monkeypatch, articles, direct=direct, concurrency=1,
                                   context_tokens=16384, max_reasks=1)
        # The first article's ask is the template; the second one's answer was not plain, except after a 503
        assert read == (direct and second[0].get("status") == 503)
        outcomes.append((_dumps(results), [s[3] for s in sent], len(oai_server.requests)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][2] == 1 + len(second)  # one request per scripted answer: none sent twice
    assert isinstance(extract_many([], config(oai_server)), list)


def test_other_modes_always_go_through_openai_and_instructor(
    oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    oai_server.respond_with(answer_for)
    for mode in ("json", "json_schema", "md_json"):
        results, _, read = _run(oai_server, monkeypatch, [numbered_article(i) for i in range(3)], direct=True,
                                mode=mode, concurrency=1, context_tokens=16384)
        assert read == 0 and not any(isinstance(r, BriefError) for r in results)


def test_asks_started_together_wait_for_the_template(oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's first asks start at once: one goes through openai and instructor, the others wait for its request
    to become the template and are sent directly, the same bytes as through openai and instructor."""
    articles = [numbered_article(i) for i in range(8)]
    oai_server.respond_with(answer_for)
    through, sent_through, _ = _run(oai_server, monkeypatch, articles, direct=False, concurrency=5)
    direct, sent_direct, read = _run(oai_server, monkeypatch, articles, direct=True, concurrency=5)
    assert read == len(articles) - 1
    assert sorted(sent_direct, key=lambda s: s[3]) == sorted(sent_through, key=lambda s: s[3])
    assert _dumps(direct) == _dumps(through)


_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_JSON = st.recursive(_JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)
_MESSAGE = st.dictionaries(st.sampled_from(["role", "content", "name"]), st.text(), min_size=1)


@settings(max_examples=300, deadline=None)
@given(template=st.dictionaries(st.text(max_size=8), _JSON, max_size=5), first=st.lists(_MESSAGE, max_size=3),
       messages=st.lists(_MESSAGE, max_size=3), reuse=st.lists(st.booleans(), max_size=3),
       max_tokens=st.none() | st.integers(1, 10**6) | st.floats(allow_nan=False, allow_infinity=False),
       scope=st.none() | st.dictionaries(st.text(max_size=6), _JSON, max_size=3))
def test_a_direct_body_is_encoded_as_the_whole_body_would_be(
    template: dict[str, Any], first: list[dict[str, str]], messages: list[dict[str, str]], reuse: list[bool],
    max_tokens: Any, scope: dict[str, Any] | None,
) -> None:
    """_Encoding.encode (the template's values encoded once) gives the bytes of encoding the whole body, as sent
    and in the cache key's canonical form, and request_key_of the same key as request_key."""
    template = {**template, "messages": first}
    encoding = client_module._Encoding(template)
    # Some messages are the template's own (its system message), some equal copies, some new.
    asked = [dict(first[i]) if i < len(first) and again else m for i, (m, again) in
             enumerate(zip(messages, reuse + [False] * len(messages), strict=False))]
    body = client_module._direct_body(template, asked, max_tokens)
    sent, canon = encoding.encode(body)
    assert sent == client_module._dumps(body)
    assert canon == canonical(body)
    # the key as it was always made (request_key now calls request_key_of, so compare with the formula itself)
    whole = canonical(body) if scope is None else canonical({"request": body, "scope": scope})
    assert request_key_of(canon, scope) == request_key(body, scope) == hashlib.sha256(whole).hexdigest()


def test_a_direct_body_that_differs_from_its_template_is_encoded_in_full() -> None:
    """Values that are not the template's own objects, messages equal as dicts but in another key order or of
    another type, and keys that are not strings are all encoded as they are."""
    template = {"model": "m", "messages": [{"role": "system", "content": "S"}], "temperature": 0.0, "tools": [1]}
    encoding = client_module._Encoding(template)
    bodies = [
        {**template, "messages": [{"content": "S", "role": "system"}]},
        {**template, "messages": [{"role": "system", "content": "S"}], "tools": [2]},
        {**template, "messages": [{"role": "system", "content": 1}], "max_tokens": 5},
        {**template, "temperature": 0},
    ]
    for body in bodies:
        assert encoding.encode(body) == (client_module._dumps(body), canonical(body))
    with pytest.raises(TypeError):  # as canonical(body): keys of two types cannot be sorted
        encoding.encode({**template, 1: "one"})
