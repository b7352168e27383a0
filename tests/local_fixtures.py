"""Session fixture: one real llama.cpp server with the SmolLM2 model, on a free loopback port."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from summarizer.model.local import LocalServer, missing_reason


def _say(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)


@pytest.fixture(scope="session")
def local_model_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalServer]:
    """Start `python -m llama_cpp.server` once per session; skip when llama-cpp-python or the model is absent."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    log_file = tmp_path_factory.mktemp("llama") / "server.log"
    server = LocalServer(n_ctx=8192, max_tokens=256, log_file=log_file)  # a looping tiny model stops soon
    session_start = time.monotonic()
    server.start(timeout=90)
    _say(request.config, f"\nlocal model server: {server.base_url} ready in {server.startup_seconds:.1f} s")
    try:
        yield server
    finally:
        server.stop()
        _say(request.config, f"local model server: stopped after {time.monotonic() - session_start:.1f} s")
