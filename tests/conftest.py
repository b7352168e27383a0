"""Shared fixtures: no test touches the real user cache or a real API key; a loopback model server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oai_server import OAIServer  # noqa: E402

from summarizer.model.config import ENV_VARS  # noqa: E402

_MODEL_ENV = tuple(var for name, var in ENV_VARS.items() if name != "cache_dir")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the response cache at a temp folder and drop model settings from the environment."""
    monkeypatch.setenv("BRIEF_CACHE_DIR", str(tmp_path_factory.mktemp("brief-cache")))
    # The library reads no BRIEF_* variable; its default cache is platformdirs' user cache, under XDG_CACHE_HOME.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    for name in _MODEL_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def oai_server() -> Iterator[OAIServer]:
    """A started OpenAI-compatible test server on 127.0.0.1 (free port): .base_url, .script(), .requests."""
    server = OAIServer().start()
    try:
        yield server
    finally:
        server.stop()
