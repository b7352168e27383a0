"""The API key never lands in a file `brief` writes or in anything it prints, even when the server echoes it."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from oai_server import OAIServer
from test_faults import FaultyModel, article_index, brief_env, run_brief, write_articles

from summarizer.core.errors import ConfigError
from summarizer.core.redact import redact
from summarizer.model.config import ModelConfig

KEY = f"sk-SENTINEL-{secrets.token_hex(12)}"
SECRET_PART = KEY.removeprefix("sk-SENTINEL-")


def _leaks(root: Path, *texts: str) -> list[str]:
    """Every file under root, and every text, that contains the key or its secret part."""
    found = [f"output #{i}" for i, t in enumerate(texts) if KEY in t or SECRET_PART in t]
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if KEY.encode() in data or SECRET_PART.encode() in data:
                found.append(str(path))
    return found


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_key_not_in_cache_recordings_outputs_or_logs(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    answers = write_articles(folder, 3)
    env = brief_env(tmp_path, OPENAI_API_KEY=KEY)
    work = tmp_path / "work"
    common = ["--model", "synthetic-model", "--cache-dir", str(work / "cache"), "-vvv"]  # every library's debug log too
    with OAIServer(default=FaultyModel(answers, rate=0.0, kinds=())) as server:
        common += ["--base-url", server.base_url]
        html = run_brief([str(folder), *common, "--record", str(work / "rec"), "--format", "html",
                          "-o", str(work / "report.html")], env)
        js = run_brief([str(folder), *common, "--format", "json", "-o", str(work / "report.json")], env)
        seen = {r["headers"].get("authorization") for r in server.requests}
    for proc in (html, js):
        assert proc.returncode == 0, proc.stderr
    assert seen == {f"Bearer {KEY}"}  # the key really was used, so its absence below means something
    written = _files(work)
    assert {p.name for p in written} >= {"report.html", "report.json"}
    recorded = [p for p in (work / "rec").glob("*.json") if p.name != "config.json"]
    assert len(list((work / "cache").glob("*.json"))) == 3 and len(recorded) == 3
    outputs = [p.stdout + p.stderr for p in (html, js)]
    assert "DEBUG" in html.stderr  # -vvv really logged
    assert _leaks(work, *outputs) == []
    assert _leaks(tmp_path / "home") == [] and _leaks(tmp_path / "xdg-cache") == []


def _echoing(answers: dict[int, dict[str, Any]]) -> Any:
    """Article 0 answers 401 and article 1 answers 500, both echoing the key in the error message."""

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        i = article_index(body)
        if i == 0:
            return {"status": 401, "body": {"error": {"message": f"Incorrect API key provided: {KEY}.",
                                                      "type": "invalid_request_error", "code": "invalid_api_key"}}}
        if i == 1:
            return {"status": 500, "headers": {"Retry-After": "0"},
                    "body": {"error": {"message": f"upstream failed for Authorization: Bearer {KEY}"}}}
        return {"sections": answers[i]}

    return respond


def test_key_not_in_error_messages_even_when_the_server_echoes_it(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    answers = write_articles(folder, 3)
    env = brief_env(tmp_path, OPENAI_API_KEY=KEY)
    work = tmp_path / "work"
    with OAIServer(default=_echoing(answers)) as server:
        proc = run_brief([str(folder), "--model", "synthetic-model", "--base-url", server.base_url,
                          "--cache-dir", str(work / "cache"), "--record", str(work / "rec"), "-vvv",
                          "--format", "json", "-o", str(work / "report.json")], env)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    auth = [ln for ln in lines if "synthetic_0000.txt" in ln]
    assert auth and ("401" in auth[0] or "API key" in auth[0]), proc.stderr
    assert any("synthetic_0001.txt" in ln and "500" in ln for ln in lines), proc.stderr
    assert (work / "report.json").exists()
    assert _leaks(work, proc.stdout, proc.stderr) == []


URL_SECRET = "pw" + SECRET_PART[:10]  # a password / query token as unlikely as the key to appear by chance


def test_secret_query_parameter_is_sent_but_never_printed(tmp_path: Path) -> None:
    """A base URL with ?api-key=...: the server gets the parameter; -vv logs, errors and files do not show it."""
    folder = tmp_path / "articles"
    answers = write_articles(folder, 2)
    work = tmp_path / "work"

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        if article_index(body) == 1:  # fails, so the error path is exercised too
            return {"status": 500, "headers": {"Retry-After": "0"}}
        return {"sections": answers[0]}

    with OAIServer(default=respond) as server:
        url = f"{server.base_url}?api-version=2024-06-01&api-key={URL_SECRET}"
        proc = run_brief([str(folder), "--model", "synthetic-model", "--base-url", url, "-vvv", "--max-retries", "0",
                          "--cache-dir", str(work / "cache"), "--record", str(work / "rec"), "--format", "json",
                          "-o", str(work / "report.json")], brief_env(tmp_path, OPENAI_API_KEY=KEY,
                                                                     BRIEF_BACKOFF="0.01"))
        paths = {r["path"] for r in server.requests}
    assert proc.returncode == 1, proc.stderr
    assert paths == {f"/v1/chat/completions?api-version=2024-06-01&api-key={URL_SECRET}"}, paths
    assert "api-key=***" in proc.stderr  # the request line was logged, redacted
    assert URL_SECRET not in proc.stdout + proc.stderr
    for path in work.rglob("*"):
        if path.is_file():
            assert URL_SECRET.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("url", ["http://user:{pw}@127.0.0.1:8080/v1", "https://{pw}@example.org/v1",
                                 "http://:{pw}@127.0.0.1/v1"])
def test_password_in_base_url_is_refused_without_echoing_it(tmp_path: Path, url: str) -> None:
    """The rule: only the API key is sent (Bearer). user:password@ in the URL is a usage error, never sent."""
    url = url.format(pw=URL_SECRET)
    folder = tmp_path / "articles"
    write_articles(folder, 1)
    proc = run_brief([str(folder), "--model", "synthetic-model", "--base-url", url, "-vv",
                      "-o", str(tmp_path / "out.md")], brief_env(tmp_path, OPENAI_API_KEY=KEY))
    assert proc.returncode == 2, proc.stderr
    assert "user name or password" in proc.stderr and "OPENAI_API_KEY" in proc.stderr
    assert URL_SECRET not in proc.stderr + proc.stdout and "Traceback" not in proc.stderr
    env = brief_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=url)  # the same from the environment
    proc = run_brief([str(folder), "--model", "synthetic-model", "-o", str(tmp_path / "out.md")], env)
    assert proc.returncode == 2 and URL_SECRET not in proc.stderr, proc.stderr
    with pytest.raises(ConfigError, match="user name or password") as info:
        ModelConfig(model="m", base_url=url)
    assert URL_SECRET not in str(info.value)


def test_redact_covers_keys_userinfo_and_secret_parameters() -> None:
    text = (f"POST http://bob:{URL_SECRET}@h:1/v1/chat/completions?api-version=1&api_key={URL_SECRET}&x=1 "
            f"https://h/v1?access_token={URL_SECRET}#f Bearer {KEY} sk-proj-abcdef123")
    out = redact(text, [KEY])
    assert URL_SECRET not in out and KEY not in out and "abcdef123" not in out
    assert "http://***@h:1/v1/chat/completions?api-version=1&api_key=***&x=1" in out
    assert "access_token=***#f" in out


def test_library_logs_hide_secret_url_parameters(oai_server: OAIServer, caplog: pytest.LogCaptureFixture) -> None:
    """Without the CLI's log handler: the HTTP client's debug lines are redacted at their loggers."""
    import logging

    from summarizer.ingestion.articles import article_from_text
    from summarizer.model.extractor import extract

    text = "Synthetic library report\n\nAt least 12 soldiers were killed near Aldmoor, officials said on Monday."
    oai_server.script({"sections": {"casualties": [], "deployments": [], "arms_transfers": [], "aid": [],
                                    "diplomacy": []}})
    config = ModelConfig(model="synthetic-model", base_url=f"{oai_server.base_url}?api-key={URL_SECRET}",
                         api_key=KEY, cache=False)
    with caplog.at_level(logging.DEBUG):
        extract(article_from_text(text), config)
    assert oai_server.requests[0]["path"].endswith(f"api-key={URL_SECRET}")
    assert "api-key=***" in caplog.text
    assert URL_SECRET not in caplog.text and KEY not in caplog.text
