"""The `brief` command end to end, as a subprocess, against the loopback OpenAI-compatible server.

The server answers each seed article with its hand-written SYNTHETIC extraction from
tests/fixtures/synthetic_extractions/ (labelled synthetic; not model output).
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from oai_server import OAIServer

from summarizer.ingestion.articles import load_articles

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SYNTH = Path(__file__).parent / "fixtures" / "synthetic_extractions"
SECTIONS = ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")


def _answers() -> dict[str, dict[str, Any]]:
    """Seed file name -> synthetic Sections answer (pipeline-set fields stripped, as a model would answer)."""
    out = {}
    for path in sorted(SYNTH.glob("*_synthetic.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["_synthetic"] is True
        ex = data["extraction"]
        sections = {s: [_strip(it) for it in ex.get(s, [])] for s in SECTIONS}
        out[data["_article"]["seed"]] = sections
    return out


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    item = {k: v for k, v in item.items() if k not in ("id", "sources", "variants")}
    item["evidence"] = [{"quote": e["quote"]} for e in item["evidence"]]
    return item


ANSWERS = _answers()
TITLES = {Path(a.path or "").name: a.title for a in load_articles([SEEDS]).articles}


def seed_of(body: dict[str, Any]) -> str:
    user = "\n".join(str(m.get("content") or "") for m in body["messages"] if m["role"] == "user")
    found = [name for name, title in TITLES.items() if title in user]
    assert len(found) == 1, f"request names {len(found)} seed articles: {user[:300]!r}"
    return found[0]


def answer(body: dict[str, Any]) -> dict[str, Any]:
    return {"sections": ANSWERS[seed_of(body)]}


def brief(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "summarizer.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, cwd=ROOT)


def model_args(server: OAIServer, tmp_path: Path) -> list[str]:
    return ["--base-url", server.base_url, "--model", "m", "--cache-dir", str(tmp_path / "cache"),
            "--backoff", "0.01"]


def test_markdown_run_against_the_loopback_server(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.respond_with(answer)
    run = brief("seeds/", *model_args(oai_server, tmp_path))
    assert run.returncode == 0, run.stderr
    assert len(oai_server.requests) == 5
    out = run.stdout
    assert out.startswith("# ")
    assert "## Sources" in out and "## Casualties" in out and "## Timeline" in out
    assert "model:m" in out or "`m`" in out
    assert "offline" not in run.stderr
    # The NIS figure reported by three articles is one claim with three sources.
    nis = [line for line in out.splitlines() if "at least 100" in line.lower() and "killed" in line.lower()
           and line.startswith("- **")]
    assert any(line.count("][") >= 2 or line.count("[") >= 3 for line in nis), nis
    # A re-run is served from the cache: zero model calls.
    again = brief("seeds/", *model_args(oai_server, tmp_path))
    assert again.returncode == 0 and len(oai_server.requests) == 5
    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("- Tokens")]

    assert body(again.stdout) == body(out)
    assert "- Tokens: 0 prompt + 0 completion = 0 in 0 calls (5 cached)" in again.stdout
    assert "0 model calls, 5 from cache" in again.stderr


def test_json_and_html_outputs_with_o(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.respond_with(answer)
    out_json = tmp_path / "b.json"
    run = brief("seeds/", *model_args(oai_server, tmp_path), "--format", "json", "-o", str(out_json))
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    data = json.loads(out_json.read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "Briefing.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert len(data["sources"]) == 5
    assert data["run"]["extractor"] == "model:m"
    assert all(ev["alignment"] for sec in SECTIONS for it in data[sec] for ev in it["evidence"])
    out_html = tmp_path / "b.html"
    run = brief("seeds/", *model_args(oai_server, tmp_path), "--format", "html", "-o", str(out_html))
    assert run.returncode == 0, run.stderr
    html = out_html.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<mark" in html and 'href="#q-' in html


def test_partial_failure_exits_1_and_briefs_the_rest(oai_server: OAIServer, tmp_path: Path) -> None:
    broken = "002_d5b554a282af7b66.txt"

    def flaky(body: dict[str, Any]) -> dict[str, Any]:
        if seed_of(body) == broken:
            return {"status": 500, "body": {"error": {"message": "synthetic outage"}}}
        return answer(body)

    oai_server.respond_with(flaky)
    run = brief("seeds/", *model_args(oai_server, tmp_path), "--max-retries", "1", "--format", "json")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert broken in run.stderr and "HTTP 500" in run.stderr
    data = json.loads(run.stdout)
    assert len(data["sources"]) == 4
    assert [f["path"].endswith(broken) for f in data["run"]["failed"]] == [True]


def test_offline_default_says_so(tmp_path: Path) -> None:
    run = brief("seeds/", env={"BRIEF_CACHE_DIR": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    assert "offline extractor" in run.stderr
    assert "offline" in run.stdout.split("## Sources")[0].lower()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert brief("seeds/", "--format", "pdf").returncode == 2
    both = brief("seeds/", "--record", str(tmp_path / "a"), "--replay", str(tmp_path / "b"))
    assert both.returncode == 2 and "--record and --replay" in both.stderr
    assert brief().returncode == 2


def test_missing_path_is_one_error_line_and_the_rest_is_briefed(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    run = brief("seeds/001_d228352cad494497.txt", str(missing), env={"BRIEF_CACHE_DIR": str(tmp_path)})
    assert run.returncode == 1
    lines = [line for line in run.stderr.splitlines() if str(missing) in line]
    assert len(lines) == 1
    assert "South Korea reports North Korean troops" in run.stdout


def test_record_then_replay_gives_the_same_briefing(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.respond_with(answer)
    rec = tmp_path / "rec"
    first = brief("seeds/", *model_args(oai_server, tmp_path), "--no-cache", "--record", str(rec), "--format", "json")
    assert first.returncode == 0, first.stderr
    assert len([p for p in rec.glob("*.json") if p.name != "config.json"]) == 5
    assert json.loads((rec / "config.json").read_text(encoding="utf-8"))["model"] == "m"
    oai_server.stop()  # replay must not need the server
    second = brief("seeds/", "--base-url", oai_server.base_url, "--model", "m", "--replay", str(rec),
                   "--format", "json")
    assert second.returncode == 0, second.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    for d in (a, b):
        d["run"]["usage"] = None
    assert a == b


def _run_on_pty(args: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; return the exit code and what the terminal showed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "summarizer.cli", *args], stdout=subprocess.DEVNULL,
                            stderr=slave, cwd=ROOT)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=10), b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_only_on_a_terminal(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.respond_with(answer)
    code, shown = _run_on_pty(["seeds/", *model_args(oai_server, tmp_path), "--no-cache"])
    assert code == 0, shown
    assert "extracting" in shown
    piped = brief("seeds/", *model_args(oai_server, tmp_path), "--no-cache")
    assert piped.returncode == 0
    assert "extracting" not in piped.stderr


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_same_input_same_bytes(oai_server: OAIServer, tmp_path: Path, fmt: str) -> None:
    oai_server.respond_with(answer)
    a = brief("seeds/", *model_args(oai_server, tmp_path), "--no-cache", "--format", fmt)
    b = brief("seeds/", *model_args(oai_server, tmp_path), "--no-cache", "--format", fmt)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout
