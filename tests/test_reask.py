"""Answers that finish and re-asks that fit: against the loopback server with *synthetic* answers.

The looping answer below is hand-written in the shape of the real one in
/work/shared/recordings/qwen2.5-coder-1.5b-trial/run2-looped (one arms-transfer item repeated until the cap);
it is a synthetic fixture, not a model's output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from oai_server import OAIServer
from test_llm import bad, basic_article, config, good

from summarizer.model.client import LLMClient, salvage
from summarizer.model.config import ModelConfig
from summarizer.model.extractor import answer_tokens, extract

ITEM = {"supplier": "Vell Union", "recipient": "Garrow",
        "items": [{"name": "soldiers", "quantity": {"text": "some 2,000"}}], "status": "alleged",
        "evidence": [{"quote": "some 2,000 reservists of the 3rd Rifle Corps had been deployed"}]}
AID = good()["sections"]["aid"][0]


def looping_arguments(repeats: int = 6) -> str:
    """A synthetic tool-call argument string cut off mid-item after one item repeated ``repeats`` times."""
    whole = json.dumps({"casualties": [], "aid": [AID], "arms_transfers": [ITEM] * repeats})
    return whole[: len(whole) - 40]


def test_salvage_keeps_complete_items_once_and_drops_the_cut_one() -> None:
    result = salvage(looping_arguments(6))
    assert result is not None
    sections, kept, repeats = result
    assert (kept, repeats) == (2, 4)  # aid + one transfer; the 6th (cut) item dropped, 4 exact repeats dropped
    assert len(sections.arms_transfers) == 1 and len(sections.aid) == 1


def test_salvage_gives_up_on_an_answer_with_no_complete_item() -> None:
    assert salvage('{"casualties": [{"side": "Garrow forces", "killed": {"te') is None
    assert salvage("not json at all") is None


def test_cut_off_looping_answer_is_used_without_a_reask(oai_server: OAIServer) -> None:
    oai_server.script({"tool_arguments": looping_arguments(), "finish_reason": "length"})
    result = extract(basic_article(), config(oai_server))
    assert len(oai_server.requests) == 1
    assert len(result.aid) == 1  # grounded: its quote is in the article


def test_cut_off_answer_with_tool_calls_finish_is_salvaged_too(oai_server: OAIServer) -> None:
    """llama-cpp-python reports finish_reason "tool_calls" even when the arguments stop at max_tokens."""
    oai_server.script({"tool_arguments": looping_arguments()})
    result = extract(basic_article(), config(oai_server))
    assert len(oai_server.requests) == 1 and len(result.aid) == 1


def test_reask_sends_the_errors_but_not_the_failed_answer(oai_server: OAIServer) -> None:
    oai_server.script(bad(), good())
    extract(basic_article(), config(oai_server))
    first, second = oai_server.bodies
    assert second["messages"][: len(first["messages"])] == first["messages"]
    (note,) = second["messages"][len(first["messages"]):]
    assert note["role"] == "user"
    assert "a casualty item needs at least one of killed" in note["content"]
    assert "Your previous answer could not be used" in note["content"]
    failed_answer = json.dumps(bad()["sections"]["casualties"][0]["side"])
    assert failed_answer not in json.dumps(second["messages"])


def test_no_request_asks_for_more_than_the_context_holds(oai_server: OAIServer) -> None:
    """A looping answer whose re-ask would overflow: prompt estimate + max_tokens stay within the context."""
    oai_server.respond_with(lambda body: {"tool_arguments": '{"casualties": [{"side": "x", "evidence": ['})
    cfg = config(oai_server, context_tokens=6000, max_tokens=4000, max_reasks=2)
    try:
        extract(basic_article(), cfg)
    except Exception as exc:  # every answer is unusable; the point is what was asked
        assert "did not match the schema after 3 attempt(s)" in str(exc)
    client = LLMClient(cfg)
    assert len(oai_server.bodies) == 3
    for body in oai_server.bodies:
        assert body["max_tokens"] < 4000  # lowered to what the context leaves
        assert client.prompt_tokens(body["messages"]) + body["max_tokens"] <= 6000


def test_reask_that_would_not_fit_is_sent_as_a_fresh_ask() -> None:
    cfg = ModelConfig(model="m", base_url="http://127.0.0.1:9/v1", context_tokens=100_000)
    client = LLMClient(cfg)
    messages = [{"role": "user", "content": "word " * 2000}]
    assert len(client._reask(messages, "Fix: {problem}", "bad", 512)) == 2
    client.config.context_tokens = client.prompt_tokens(messages) + 100
    assert client._reask(messages, "Fix: {problem}", "bad", 512) == messages


def test_seed_and_penalties_are_sent_only_when_set(oai_server: OAIServer) -> None:
    oai_server.script(good(), good())
    extract(basic_article(), config(oai_server))
    extract(basic_article(), config(oai_server, seed=7, frequency_penalty=0.3, repeat_penalty=1.1))
    first, second = oai_server.bodies
    assert not {"seed", "frequency_penalty", "repeat_penalty"} & set(first)
    assert (second["seed"], second["frequency_penalty"], second["repeat_penalty"]) == (7, 0.3, 1.1)


def test_max_tokens_sized_from_the_article() -> None:
    cfg: Any = ModelConfig(model="m", base_url="http://x/v1", max_tokens=2048)
    assert answer_tokens(cfg, "word " * 100) is None  # off unless asked for
    cfg.max_tokens_per_article = True
    short, long = answer_tokens(cfg, "word " * 100), answer_tokens(cfg, "word " * 10_000)
    assert short is not None and long == 2048 and 640 < short < 800


def test_replay_takes_the_recorded_request_options(oai_server: OAIServer, tmp_path: Path) -> None:
    """A set recorded with --seed and --max-tokens replays from `brief --replay DIR` without repeating them."""
    oai_server.respond_with(lambda body: good())
    rec = tmp_path / "rec"
    article = tmp_path / "a.txt"
    article.write_text(basic_article().text, encoding="utf-8")
    base = [sys.executable, "-m", "summarizer.cli", str(article), "--format", "json", "--no-cache"]
    first = subprocess.run([*base, "--base-url", oai_server.base_url, "--model", "m", "--seed", "7",
                            "--max-tokens", "321", "--record", str(rec)], capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    config = json.loads((rec / "config.json").read_text(encoding="utf-8"))
    assert (config["seed"], config["max_tokens"], config["temperature"]) == (7, 321, 0.0)
    assert oai_server.bodies[-1]["seed"] == 7 and oai_server.bodies[-1]["max_tokens"] == 321
    oai_server.stop()
    second = subprocess.run([*base, "--replay", str(rec)], capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "0 model calls, 1 from cache" in second.stderr or '"cached_calls": 1' in second.stdout
