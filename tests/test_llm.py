"""The model client against the loopback server: request shapes, retries, re-asks, errors, config, prices."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from oai_server import OAIServer

from summarizer.core.errors import ConfigError, ModelError, ModeRefusedError
from summarizer.core.schema import Article, ArticleExtraction
from summarizer.ingestion.articles import article_from_text
from summarizer.model.client import ModelConfig, estimate_tokens, price_for, schema_json
from summarizer.model.extractor import extract, extract_many

FIXTURES = Path(__file__).parent / "fixtures"
SENTINEL = "sk-SENTINEL-test"  # not a real key; short so secret scanners do not flag it


def synthetic(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / f"synthetic_{name}.json").read_text(encoding="utf-8"))
    assert data["_synthetic"] is True
    return data


def basic_article() -> Article:
    d = synthetic("answer_basic")["article"]
    return article_from_text(d["text"], title=d["title"])


def good() -> dict[str, Any]:
    return {"sections": synthetic("answer_basic")["sections"]}


def bad() -> dict[str, Any]:
    return {"sections": synthetic("answer_invalid")["sections"]}


def config(server: OAIServer, **kw: Any) -> ModelConfig:
    base: dict[str, Any] = dict(model="gpt-4o-mini", base_url=server.base_url, api_key=SENTINEL, cache=False,
                                backoff=0.01, backoff_max=0.05, max_retries=3, timeout=5.0)
    base.update(kw)
    return ModelConfig(**base)


@pytest.mark.parametrize(
    ("mode", "fmt"), [("tools", None), ("json", "json_object"), ("json_schema", "json_schema"),
                      ("json_object_schema", "json_object"), ("md_json", None)]
)
def test_request_shape_of_each_mode(oai_server: OAIServer, mode: str, fmt: str | None) -> None:
    oai_server.script(good())
    result = extract(basic_article(), config(oai_server, mode=mode, context_tokens=16384))
    body = oai_server.bodies[-1]
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0.0
    assert ("tools" in body, "tool_choice" in body) == ((True, True) if mode == "tools" else (False, False))
    if mode == "tools":
        assert body["tools"][0]["function"]["name"] == "Sections"
        assert body["tool_choice"]["function"]["name"] == "Sections"
    assert (body.get("response_format") or {}).get("type") == fmt
    assert body["messages"][0]["role"] == "system"
    assert "<<<ARTICLE\nGarrow reports losses near Tarn Ford" in body["messages"][-1 if mode != "md_json" else 1][
        "content"
    ]
    assert [len(result.casualties), len(result.deployments), len(result.aid)] == [1, 1, 1]
    assert result.casualties[0].killed is not None and result.casualties[0].killed.low == 45
    assert result.extractor == "model:gpt-4o-mini"
    assert result.usage.calls == 1 and result.usage.prompt_tokens > 0


def test_json_object_schema_sends_the_schema_as_llama_cpp_python_takes_it(oai_server: OAIServer,
                                                                          tmp_path: Path) -> None:
    """Mode json_object_schema: the schema goes in response_format as {"type": "json_object", "schema": ...}, the
    form llama-cpp-python's server enforces as a grammar, and nowhere in the messages; a recording of it replays."""
    from summarizer.model.recordings import recording_config

    oai_server.script(good())
    extract(basic_article(), config(oai_server, mode="json_schema", context_tokens=16384))
    as_json_schema = oai_server.bodies[-1]
    oai_server.script(good())
    rec = tmp_path / "rec"
    result = extract(basic_article(), config(oai_server, mode="json_object_schema", context_tokens=16384,
                                             record=rec))
    body = oai_server.bodies[-1]
    assert body["response_format"] == {"type": "json_object",
                                       "schema": as_json_schema["response_format"]["json_schema"]["schema"]}
    assert body["messages"] == as_json_schema["messages"]
    assert "casualties" in json.dumps(body["response_format"]["schema"])
    assert not any('"$defs"' in m["content"] or '"properties"' in m["content"] for m in body["messages"])
    assert len(result.casualties) == 1
    assert recording_config(rec)["mode"] == "json_object_schema"  # read off the recorded request
    replayed = extract(basic_article(), config(oai_server, mode="json_object_schema", context_tokens=16384,
                                               replay=rec))
    assert replayed.usage.cached_calls == 1 and len(oai_server.bodies) == 2


def test_429_retry_after_is_honoured(oai_server: OAIServer) -> None:
    oai_server.script({"status": 429, "headers": {"Retry-After": "0.4"}}, good())
    result = extract(basic_article(), config(oai_server))
    t0, t1 = (r["time"] for r in oai_server.requests)
    assert t1 - t0 >= 0.38  # the backoff alone would be <= 0.05 s
    assert result.usage.calls == 2 and len(result.casualties) == 1


def test_a_429_holds_requests_not_yet_sent_until_retry_after(oai_server: OAIServer) -> None:
    """Report 0 gets a 429 (Retry-After 0.6 s); report 2, started after it, must not be sent before then."""
    from test_extract import answer_for, numbered_article

    first_429: list[float] = []

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        if "Title: Report 0" in body["messages"][-1]["content"] and not first_429:
            first_429.append(time.monotonic())
            return {"status": 429, "headers": {"Retry-After": "0.6"}}
        return {**answer_for(body), "delay": 0.05}

    oai_server.respond_with(respond)
    results = extract_many([numbered_article(i) for i in range(3)], config(oai_server, concurrency=2))
    assert all(isinstance(r, ArticleExtraction) for r in results)
    sent = {r["body"]["messages"][-1]["content"].split("Title: Report ")[1][0]: r["time"]
            for r in reversed(oai_server.requests)}  # first request per report
    assert sent["2"] - first_429[0] >= 0.55  # without the gate it left about 0.05 s after the start


def test_retry_after_is_capped(oai_server: OAIServer) -> None:
    oai_server.script({"status": 429, "headers": {"Retry-After": "3600"}}, good())
    result = extract(basic_article(), config(oai_server, retry_after_max=0.1))
    t0, t1 = (r["time"] for r in oai_server.requests)
    assert t1 - t0 < 1.0
    assert len(result.casualties) == 1


@pytest.mark.parametrize(
    "fault",
    [{"status": 500}, {"status": 503}, {"invalid_json": True}, {"truncated": True}],
    ids=["500", "503", "invalid-json", "truncated"],
)
def test_transient_faults_are_retried(oai_server: OAIServer, fault: dict[str, Any]) -> None:
    oai_server.script(fault, fault, good())
    result = extract(basic_article(), config(oai_server))
    assert len(oai_server.requests) == 3
    assert result.usage.calls == 3
    assert len(result.casualties) == 1


def test_timeout_is_retried(oai_server: OAIServer) -> None:
    oai_server.script({**good(), "delay": 1.0}, good())
    result = extract(basic_article(), config(oai_server, timeout=0.3))
    assert len(oai_server.requests) == 2
    assert len(result.aid) == 1


def test_persistent_500_gives_a_clear_model_error(oai_server: OAIServer) -> None:
    oai_server.respond_with(lambda body: {"status": 500})
    art = basic_article()
    with pytest.raises(ModelError) as info:
        extract(art, config(oai_server, max_retries=2))
    assert len(oai_server.requests) == 3
    msg = str(info.value)
    assert msg.startswith(f"article {art.id}: HTTP 500")
    assert "gave up after 3 attempt(s)" in msg
    assert "Traceback" not in msg and SENTINEL not in msg


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    cfg = ModelConfig(model="m", base_url=f"http://127.0.0.1:{port}/v1", api_key=SENTINEL, cache=False,
                      backoff=0.01, backoff_max=0.02, max_retries=2)
    with pytest.raises(ModelError) as info:
        extract(basic_article(), cfg)
    message = str(info.value)
    assert f"cannot reach http://127.0.0.1:{port}/v1" in message  # the URL that was tried
    assert "3 connection attempts failed" in message  # max_retries + 1, counted
    assert "base_url" in message and "--base-url" not in message  # the library names its argument, not a flag
    assert info.value.usage is not None and info.value.usage.calls == 3


def test_unreachable_server_stops_all_articles_early(tmp_path: Path) -> None:
    """Once max_retries + 1 connections have failed and none ever succeeded, no article makes another attempt."""
    from summarizer.model.extractor import extract_many

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = ModelConfig(model="m", base_url=f"http://127.0.0.1:{port}/v1", api_key=SENTINEL, cache=False,
                      backoff=0.01, backoff_max=0.02, max_retries=2, concurrency=2)
    articles = [article_from_text(f"Headline {i}\n\nBody text number {i} about the war.") for i in range(40)]
    results = extract_many(articles, cfg)
    assert all(isinstance(r, ModelError) for r in results)
    attempts = sum(r.usage.calls for r in results if isinstance(r, ModelError) and r.usage is not None)
    # Without the stop every article would try 3 times (120 attempts); in-flight requests may add a few.
    assert 3 <= attempts <= 3 + cfg.concurrency, attempts


def test_schema_invalid_answer_is_reasked_with_the_validation_error(oai_server: OAIServer) -> None:
    oai_server.script(bad(), good())
    result = extract(basic_article(), config(oai_server))
    assert len(oai_server.requests) == 2
    first, second = oai_server.bodies
    assert len(second["messages"]) > len(first["messages"])
    reask = json.dumps(second["messages"][len(first["messages"]):])
    assert "a casualty item needs at least one of killed" in reask
    assert result.usage.calls == 2
    assert len(result.casualties) == 1


def test_schema_invalid_every_time_fails_after_max_reasks(oai_server: OAIServer) -> None:
    oai_server.respond_with(lambda body: bad())
    with pytest.raises(ModelError) as info:
        extract(basic_article(), config(oai_server, max_reasks=1))
    assert len(oai_server.requests) == 2
    assert "did not match the schema after 2 attempt(s)" in str(info.value)


def test_failed_article_is_asked_again_on_the_next_run(oai_server: OAIServer, tmp_path: Path) -> None:
    """Invalid answers are not cached: a re-run calls the model for the failed article, not a replayed failure."""
    oai_server.respond_with(lambda body: bad())
    cfg = config(oai_server, max_reasks=1, cache=True, cache_dir=tmp_path / "cache")
    with pytest.raises(ModelError):
        extract(basic_article(), cfg)
    assert len(oai_server.requests) == 2
    assert not list((tmp_path / "cache").glob("*.json"))
    oai_server.respond_with(lambda body: good())
    first = extract(basic_article(), cfg)
    assert len(oai_server.requests) == 3 and len(first.casualties) == 1
    again = extract(basic_article(), cfg)
    assert len(oai_server.requests) == 3, "a validated answer is served from the cache"
    assert again.usage.cached_calls == 1


def test_json_schema_refusal_names_the_mode_to_try() -> None:
    with OAIServer(refuse_json_schema=True) as server:
        server.script(good())
        with pytest.raises(ModeRefusedError) as info:
            extract(basic_article(), config(server, mode="json_schema"))
        assert "mode='tools'" in str(info.value)
        assert len(server.requests) == 1  # a refusal is not retried
        # the same server works in tools mode
        assert len(extract(basic_article(), config(server, mode="tools")).casualties) == 1


def test_rejected_key_is_reported_without_the_key(oai_server: OAIServer) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {SENTINEL}", "type": "invalid_request_error"}}
    oai_server.script({"status": 401, "body": body})
    with pytest.raises(ModelError) as info:
        extract(basic_article(), config(oai_server))
    assert "rejected the API key" in str(info.value)
    assert SENTINEL not in str(info.value)
    assert len(oai_server.requests) == 1


def test_key_never_in_files_or_logs(oai_server: OAIServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    oai_server.script({"status": 500}, bad(), good())
    cfg = config(oai_server, cache=True, cache_dir=tmp_path / "cache", record=tmp_path / "rec")
    extract(basic_article(), cfg)
    assert oai_server.requests[0]["headers"]["authorization"] == f"Bearer {SENTINEL}"  # it was really used
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 4  # two exchanges, cached and recorded
    for p in files:
        assert "SENTINEL" not in p.read_text(encoding="utf-8")
        assert "Authorization" not in p.read_text(encoding="utf-8")
    assert caplog.records and "SENTINEL" not in caplog.text
    assert "SENTINEL" not in repr(cfg)


def test_base_url_without_key_uses_a_dummy_key(oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", oai_server.base_url)
    cfg = ModelConfig.from_env(cache=False)
    assert cfg is not None and cfg.model == "local" and cfg.api_key is None
    oai_server.script(good())
    extract(basic_article(), cfg)
    assert oai_server.requests[0]["headers"]["authorization"] == "Bearer not-needed"
    assert oai_server.bodies[0]["model"] == "local"


def test_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert ModelConfig.from_env() is None
    monkeypatch.setenv("BRIEF_MODEL", "gpt-4o")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        ModelConfig.from_env()
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    monkeypatch.setenv("BRIEF_MODE", "md_json")
    cfg = ModelConfig.from_env(concurrency=3, model=None)
    assert cfg is not None
    assert (cfg.model, cfg.api_key, cfg.mode, cfg.concurrency, cfg.base_url) == ("gpt-4o", SENTINEL, "md_json", 3, None)
    assert cfg.cache_dir is not None and cfg.cache_dir.name.startswith("brief-cache")  # BRIEF_CACHE_DIR (conftest)
    assert ModelConfig.from_env(model="gpt-4.1", mode="json").model == "gpt-4.1"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="--mode|use one of"):
        ModelConfig.from_env(mode="xml")
    with pytest.raises(ConfigError, match="exclude each other"):
        ModelConfig.from_env(record=tmp_path, replay=tmp_path)


def test_from_env_reads_the_variables_the_command_line_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """One table of variables: from_env and `brief run --help` name the same ones for the model settings."""
    from click.testing import CliRunner

    from summarizer.cli import main
    from summarizer.model.config import ENV_OPTIONS

    help_text = CliRunner().invoke(main, ["run", "--help"], catch_exceptions=False).output
    values = {"model": "gpt-4o", "base_url": "http://127.0.0.1:9/v1", "api_key": SENTINEL, "mode": "json",
              "concurrency": "3", "cache_dir": "/tmp/c", "timeout": "7.5", "context_tokens": "4096",
              "max_tokens": "300", "max_retries": "1", "rate_limit_budget": "5", "prices": "/tmp/p.json",
              "backoff": "0.01", "seed": "42"}
    assert {name for name, _, _ in ENV_OPTIONS} == set(values)
    for name, var, _ in ENV_OPTIONS:
        assert var in help_text or name == "backoff", var  # --backoff is a hidden option (tests)
        monkeypatch.setenv(var, values[name])
    cfg = ModelConfig.from_env()
    assert cfg is not None
    got = {name: getattr(cfg, name) for name in values}
    assert got == {"model": "gpt-4o", "base_url": "http://127.0.0.1:9/v1", "api_key": SENTINEL, "mode": "json",
                   "concurrency": 3, "cache_dir": Path("/tmp/c"), "timeout": 7.5, "context_tokens": 4096,
                   "max_tokens": 300, "max_retries": 1, "rate_limit_budget": 5.0, "prices": Path("/tmp/p.json"),
                   "backoff": 0.01, "seed": 42}


def test_prices(tmp_path: Path) -> None:
    assert price_for("gpt-4o-mini") == (0.15, 0.6)
    assert price_for("gpt-4o-mini-2024-07-18") == (0.15, 0.6)
    assert price_for("gpt-4o-2024-08-06") == (2.5, 10.0)
    assert price_for("smollm2-360m") is None
    extra = tmp_path / "prices.json"
    extra.write_text(json.dumps({"models": {"smollm2-360m": {"input": 0.0, "output": 0.0}, "gpt-4o": {
        "input": 1.0, "output": 2.0}}}))
    assert price_for("smollm2-360m", extra) == (0.0, 0.0)
    assert price_for("gpt-4o", extra) == (1.0, 2.0)


def test_cost_is_computed_from_usage(oai_server: OAIServer) -> None:
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 500_000, "total_tokens": 1_500_000}
    oai_server.script({**good(), "usage": usage})
    result = extract(basic_article(), config(oai_server, model="gpt-4o-mini"))
    assert result.usage.prompt_tokens == 1_000_000
    assert result.usage.cost_usd == pytest.approx(0.15 + 0.3)
    oai_server.script({**good(), "usage": usage})
    assert extract(basic_article(), config(oai_server, model="my-local")).usage.cost_usd is None


def test_schema_size_estimate() -> None:
    assert 500 < estimate_tokens(schema_json("tools")) < 1_500  # the lean model-facing schema (about 1,000)
    assert estimate_tokens(schema_json("json")) > estimate_tokens(schema_json("tools"))


def test_request_sizes_build_the_schema_once_per_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """max_tokens is lowered to fit the context from an estimate that counts the schema: the schema (several ms
    to build) is counted once per mode, not for every request."""
    from summarizer.model import client as client_module
    from summarizer.model.client import LLMClient, char_tokens

    built: list[str] = []

    def counting(mode: str) -> str:
        built.append(mode)
        return schema_json(mode)

    monkeypatch.setattr(client_module, "schema_json", counting)
    client_module._schema_tokens.cache_clear()
    messages = [{"role": "system", "content": "x" * 400}, {"role": "user", "content": "y" * 800}]
    for mode in ("tools", "tools", "json", "tools", "json"):
        client = LLMClient(ModelConfig(model="m", base_url="http://127.0.0.1:9/v1", api_key=SENTINEL, mode=mode))
        assert client.prompt_tokens(messages) == int((300 + char_tokens(schema_json(mode))) * 1.1) + 64
        asyncio.run(client.aclose())
    assert built == ["tools", "json"]
    client_module._schema_tokens.cache_clear()


def test_paced_429s_are_retried_beyond_max_retries_within_the_budget(oai_server: OAIServer) -> None:
    """A 429 with Retry-After is the server pacing us: it does not use up max_retries."""
    paced = {"status": 429, "headers": {"Retry-After": "0"}}
    oai_server.script(paced, paced, paced, paced, paced, good())
    result = extract(basic_article(), config(oai_server, max_retries=1))
    assert len(oai_server.requests) == 6 and len(result.casualties) == 1
    oai_server.reset()
    oai_server.respond_with(lambda body: paced)
    with pytest.raises(ModelError, match="429"):
        extract(basic_article(), config(oai_server, max_retries=1, rate_limit_budget=0.3))


def test_max_tokens_is_sent_only_when_set(oai_server: OAIServer) -> None:
    oai_server.script(good(), good())
    extract(basic_article(), config(oai_server))
    extract(basic_article(), config(oai_server, max_tokens=321))
    first, second = oai_server.bodies
    assert "max_tokens" not in first and second["max_tokens"] == 321


def test_importing_the_client_changes_nothing_outside_it() -> None:
    """No side effect at import: the environment, instructor and the loggers change only when a client is made."""
    code = ("import logging, os, sys; os.environ.pop('PYDANTIC_ERRORS_INCLUDE_URL', None);"
            "import summarizer.model.client as c;"
            "from instructor.v2.validation import async_validators as av;"
            "assert 'PYDANTIC_ERRORS_INCLUDE_URL' not in os.environ;"
            "assert not getattr(av.reject_async_validators, '_brief_cached', False);"
            "assert not logging.getLogger('instructor').handlers;"
            "c.LLMClient(c.ModelConfig(model='m', base_url='http://127.0.0.1:9/v1'));"
            "assert os.environ['PYDANTIC_ERRORS_INCLUDE_URL'] == '0';"
            "assert getattr(av.reject_async_validators, '_brief_cached', False);"
            "assert logging.getLogger('instructor').handlers")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_instructor_model_check_is_remembered_per_class() -> None:
    """instructor's per-call walk of the response model is cached (half our CPU per article otherwise)."""
    from instructor.v2.validation import async_validators as av

    import summarizer.model.client as llm

    llm.LLMClient(ModelConfig(model="m", base_url="http://127.0.0.1:9/v1"))  # the first client patches instructor
    assert getattr(av.reject_async_validators, "_brief_cached", False)
    av.reject_async_validators(llm.RESPONSE_MODEL)  # passes, and again from the cache
    av.reject_async_validators(llm.RESPONSE_MODEL)
