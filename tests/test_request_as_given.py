"""openai sends the messages and tools as given (no per-call transform): the request body is unchanged."""

from __future__ import annotations

import json

import pytest
from oai_server import OAIServer
from test_llm import basic_article, config, good

from summarizer.model.extractor import extract


@pytest.mark.parametrize("mode", ["tools", "json", "json_schema", "md_json"])
def test_the_body_sent_is_the_one_openai_would_build(
    oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    oai_server.script(good(), good())
    cfg = config(oai_server, mode=mode, context_tokens=16384, repeat_penalty=1.1, seed=7, max_tokens=900)
    extract(basic_article(), cfg)
    monkeypatch.setattr("summarizer.model.client._send_as_given", lambda client: None)  # openai's own path
    extract(basic_article(), cfg)
    ours, openais = oai_server.bodies
    assert json.dumps(ours) == json.dumps(openais)  # the same keys and values, in the same order
    assert ours["messages"] and ours["repeat_penalty"] == 1.1
    assert bool(ours.get("tools")) == (mode == "tools")
