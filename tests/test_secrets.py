"""The API key never lands in a file `brief` writes or in anything it prints, even when the server echoes it."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from oai_server import OAIServer
from test_faults import FaultyModel, article_index, brief_env, run_brief, write_articles

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
