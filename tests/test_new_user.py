"""What a new user meets (issue 16): the library contract and the CLI's conventions, through the real command.

Model answers come from the loopback OpenAI-compatible server (tests/oai_server.py) and are SYNTHETIC;
web pages come from a loopback HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import summarizer
from summarizer.core.errors import ConfigError, NoArticlesError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ONE_SEED = SEEDS / "001_d228352cad494497.txt"
ONE_SEED_HEADLINE = "South Korea reports North Korean troops"


def brief(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, stdin: str | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m summarizer ARGS` with the model variables cleared unless ``env`` sets them."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEF_", "OPENAI_"))}
    base["BRIEF_CACHE_DIR"] = os.environ["BRIEF_CACHE_DIR"]
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, text=True,
                          timeout=timeout, env={**base, **(env or {})}, cwd=cwd, input=stdin)


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    return f"http://127.0.0.1:{port}/v1"


# ---------------------------------------------------------------- library contract


def test_library_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_BASE_URL / BRIEF_MODEL pointing at a dead server do not switch the library to a model."""
    monkeypatch.setenv("OPENAI_BASE_URL", dead_url())
    monkeypatch.setenv("BRIEF_MODEL", "m")
    monkeypatch.setenv("BRIEF_MODE", "bogus")
    b = summarizer.brief([ONE_SEED])
    assert b.run.extractor == "offline"
    assert b.sources and b.casualties


def test_library_insists_on_a_model_only_when_asked() -> None:
    with pytest.raises(ConfigError) as info:
        summarizer.brief([ONE_SEED], offline=False)
    assert "model" in str(info.value) and "--" not in str(info.value)  # names keyword arguments, not flags


def test_library_raises_when_every_article_fails(tmp_path: Path) -> None:
    with pytest.raises(NoArticlesError) as info:
        summarizer.brief([ONE_SEED], model="m", base_url=dead_url(), max_retries=1, backoff=0.01, cache=False)
    err = info.value
    assert "all 1 article(s) failed" in str(err) and "cannot reach" in str(err)
    assert err.run is not None and err.run.briefing.run.usage.calls == 2  # both attempts counted
    assert "--" not in str(err)
    with pytest.raises(NoArticlesError, match="no articles found"):
        summarizer.brief([tmp_path])


def test_library_is_silent_unless_logging_is_configured(capfd: pytest.CaptureFixture[str]) -> None:
    """instructor logs every failed attempt; without logging configured by the caller nothing reaches stderr."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []  # as in a plain script: no handler anywhere (pytest's own capture handler removed)
    try:
        with pytest.raises(NoArticlesError):
            summarizer.brief([ONE_SEED], model="m", base_url=dead_url(), max_retries=0, cache=False)
    finally:
        root.handlers = saved
    assert capfd.readouterr().err == ""


def test_version_and_python_dash_m() -> None:
    assert summarizer.__version__ and summarizer.__version__[0].isdigit()
    run = brief("--version")
    assert run.returncode == 0 and summarizer.__version__ in run.stdout
    assert brief("-V").stdout == run.stdout


# ---------------------------------------------------------------- help and messages


def test_bare_brief_shows_the_top_level_help() -> None:
    run = brief()
    assert run.returncode == 2
    assert "Commands:" in run.stderr and "run " in run.stderr and "eval " in run.stderr
    assert "Usage: brief run" not in run.stderr


def test_every_message_has_one_prefix_and_names_what_the_user_typed(tmp_path: Path) -> None:
    bogus = brief("seeds/", env={"BRIEF_MODE": "bogus", "BRIEF_MODEL": "m", "OPENAI_API_KEY": "x"})
    assert bogus.returncode == 2
    assert bogus.stderr.startswith("brief: BRIEF_MODE='bogus'") and "--mode" not in bogus.stderr
    unknown = brief("seeds/", "--frobnicate")
    assert unknown.returncode == 2
    assert all(line.startswith("brief: ") for line in unknown.stderr.splitlines()), unknown.stderr
    small = brief(str(ONE_SEED), "--max-bytes", "100")
    assert small.returncode == 1
    assert "--max-bytes" in small.stderr and "max_bytes" not in small.stderr
    assert all(line.startswith("brief: ") for line in small.stderr.splitlines()), small.stderr


def test_help_lists_every_environment_variable_and_format_help() -> None:
    text = brief("run", "--help").stdout
    for var in ("BRIEF_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "BRIEF_MODE", "BRIEF_CONCURRENCY",
                "BRIEF_CACHE_DIR", "BRIEF_TIMEOUT", "BRIEF_CONTEXT_TOKENS", "BRIEF_MAX_TOKENS", "BRIEF_MAX_RETRIES",
                "BRIEF_RATE_LIMIT_BUDGET", "BRIEF_PRICES", "BRIEF_ALIASES"):
        assert var in text, var
    assert "Output format" in text
    # Only the command line reads the environment; config.from_env and Canonicalizer(use_env=True) are opt-in.
    readers = {p.name for p in (ROOT / "summarizer").rglob("*.py")
               if re.search(r"os\.environ(?!\[[^\]]+\]\s*=)|getenv", p.read_text(encoding="utf-8"))}
    assert readers == {"cli.py", "config.py", "entities.py"}


def test_offline_overriding_a_configured_model_says_so() -> None:
    run = brief(str(ONE_SEED), "--offline", env={"BRIEF_MODEL": "x", "OPENAI_API_KEY": "k"})
    assert run.returncode == 0, run.stderr
    assert "--offline overrides the model configured by BRIEF_MODEL" in run.stderr
    assert "no model configured" not in run.stderr


def test_verbose_debug_has_no_third_party_noise() -> None:
    run = brief(str(ONE_SEED), "-vv")
    assert run.returncode == 0, run.stderr
    assert "tzlocal" not in run.stderr and "dateparser" not in run.stderr.lower().replace("dateparser>", "")
    assert all(line.startswith("brief: ") for line in run.stderr.splitlines())
    assert max(len(line) for line in run.stderr.splitlines()) < 400  # dropped related stories are shortened


# ---------------------------------------------------------------- outputs never lose work


def test_output_into_a_missing_folder_is_created_and_format_follows_the_extension(tmp_path: Path) -> None:
    out = tmp_path / "new" / "dir" / "b.html"
    run = brief(str(ONE_SEED), "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    as_json = tmp_path / "b.json"
    assert brief(str(ONE_SEED), "-o", str(as_json)).returncode == 0
    assert json.loads(as_json.read_text(encoding="utf-8"))["sources"]
    clash = brief(str(ONE_SEED), "-o", str(tmp_path / "c.html"), "--format", "json")
    assert clash.returncode == 2 and "contradicts" in clash.stderr
    assert not (tmp_path / "c.html").exists()
    assert list(tmp_path.glob(".*.tmp")) == [] and list((tmp_path / "new" / "dir").glob(".*")) == []


def test_a_run_where_everything_failed_never_overwrites_the_output(tmp_path: Path) -> None:
    out = tmp_path / "briefing.md"
    assert brief("seeds/", "-o", str(out)).returncode == 0
    before = out.read_bytes()
    run = brief("seeds/", "-o", str(out), "--model", "m", "--base-url", dead_url(), "--backoff", "0.01",
                "--no-cache", timeout=120)
    assert run.returncode == 1
    assert out.read_bytes() == before
    assert "left as it was" in run.stderr
    assert run.stderr.count("cannot reach") >= 1 and dead_url().rsplit(":", 1)[0] in run.stderr
    assert "--base-url" in run.stderr and "OPENAI_BASE_URL" not in run.stderr  # the flag the user typed
    assert "nothing was briefed: all 5 articles failed" in run.stderr
    # Every attempt is counted, and the server's absence stops the attempts early (5 articles x 5 would be 25).
    counted = re.search(r"0 articles briefed, 5 failed; (\d+) model calls", run.stderr)
    assert counted and 5 <= int(counted.group(1)) <= 5 + 8, run.stderr
    fresh = tmp_path / "new.json"  # with no earlier output, the failures are written for whoever reads them
    assert brief("seeds/", "-o", str(fresh), "--model", "m", "--base-url", dead_url(), "--backoff", "0.01",
                 "--no-cache").returncode == 1
    data = json.loads(fresh.read_text(encoding="utf-8"))
    assert data["sources"] == [] and len(data["run"]["failed"]) == 5
    assert data["title"] == "Briefing: none of the 5 articles read could be briefed"


def test_unreachable_server_from_the_environment_is_named_as_such(tmp_path: Path) -> None:
    url = dead_url()
    run = brief(str(ONE_SEED), "--backoff", "0.01", "--no-cache", env={"OPENAI_BASE_URL": url})
    assert run.returncode == 1
    assert url in run.stderr and "OPENAI_BASE_URL" in run.stderr and "--base-url" not in run.stderr


def test_exit_codes_duplicate_is_a_note_empty_folder_is_an_error(tmp_path: Path) -> None:
    dup = tmp_path / "copy.txt"
    dup.write_bytes(ONE_SEED.read_bytes())
    run = brief(str(ONE_SEED), str(dup))
    assert run.returncode == 0, run.stderr
    assert "note: " in run.stderr and "same text" in run.stderr
    assert "1 article briefed" in run.stderr  # not "1 articles"
    empty = tmp_path / "empty"
    empty.mkdir()
    none = brief(str(empty))
    assert none.returncode == 1 and "no articles found" in none.stderr and none.stdout == ""


def test_aliases_variable_takes_several_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"Kyrylo Budanov": ["Budanov"]}), encoding="utf-8")
    b.write_text(json.dumps({"Seoul's spy agency": ["NIS", "National Intelligence Service"]}),
                 encoding="utf-8")
    run = brief(str(ONE_SEED), env={"BRIEF_ALIASES": f"{a}{os.pathsep}{b}"})
    assert run.returncode == 0, run.stderr
    assert "Seoul's spy agency" in run.stdout  # the second file was read
    one = brief(str(ONE_SEED), env={"BRIEF_ALIASES": str(a)})
    assert one.returncode == 0 and "Seoul's spy agency" not in one.stdout


# ---------------------------------------------------------------- stdin and web addresses


def test_stdin_is_one_article() -> None:
    run = brief("-", "--format", "json", stdin=ONE_SEED.read_text(encoding="utf-8"))
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert [s["path"] for s in data["sources"]] == ["<stdin>"]
    assert data["sources"][0]["title"].startswith(ONE_SEED_HEADLINE)


def test_dash_on_a_terminal_says_what_to_do_instead_of_waiting() -> None:
    import pty

    master, slave = pty.openpty()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEF_", "OPENAI_"))}
        proc = subprocess.run([sys.executable, "-m", "summarizer", "-"], stdin=slave, capture_output=True,
                              text=True, timeout=60, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)})
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 1
    assert proc.stderr.startswith("brief: <stdin>: is a terminal, not piped text")


class _Pages(http.server.BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        status, ctype, body = self.pages.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[str]:
    text = ONE_SEED.read_text(encoding="utf-8")
    headline, *paras = [p for p in text.split("\n") if p.strip()]
    page = (f"<!doctype html><html><head><title>{headline}</title><script>var x = 'SCRIPTONLY';</script></head>"
            f"<body><nav>Home | World</nav><article><h1>{headline}</h1>"
            + "".join(f"<p>{p}</p>" for p in paras) + "</article><footer>Copyright</footer></body></html>")
    _Pages.pages = {"/story": (200, "text/html; charset=utf-8", page.encode()),
                    "/plain": (200, "text/plain; charset=utf-8", text.encode()),
                    "/image": (200, "image/png", b"\x89PNG....")}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_web_addresses_are_fetched_and_extracted(web: str, tmp_path: Path) -> None:
    run = brief(f"{web}/story", f"{web}/missing", f"{web}/image", "--format", "json")
    assert run.returncode == 1  # two of the three failed, each with one line naming the address
    data = json.loads(run.stdout)
    [src] = data["sources"]
    assert src["path"] == f"{web}/story" and src["url"] == f"{web}/story"
    assert src["title"].startswith(ONE_SEED_HEADLINE)
    assert "SCRIPTONLY" not in run.stdout
    assert any(f"{web}/missing: the server answered HTTP 404" in line for line in run.stderr.splitlines())
    assert any(f"{web}/image: is image/png" in line for line in run.stderr.splitlines())
    plain = summarizer.load_articles([f"{web}/plain"])
    assert not plain.errors and plain.articles[0].title.startswith(ONE_SEED_HEADLINE)
    refused = summarizer.load_articles([dead_url() + "/story"])
    assert not refused.articles and "cannot be fetched" in refused.errors[0].reason


# ---------------------------------------------------------------- after a non-editable install


def test_schema_writes_to_the_current_folder(tmp_path: Path) -> None:
    run = brief("schema", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == ["ArticleExtraction.json", "Briefing.json"]


def test_eval_names_where_gold_is_expected_and_writes_no_report_unless_asked(tmp_path: Path) -> None:
    lost = brief("eval", "--offline", "--gold", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert lost.returncode == 1
    assert lost.stderr.startswith(f"brief: no gold fixtures at {tmp_path / 'nowhere'}") and "--gold" in lost.stderr
    reports = ROOT / "evals" / "reports"
    before = {p: p.stat().st_mtime_ns for p in reports.glob("*")}
    ok = brief("eval", "--offline", "--gold", str(ROOT / "evals" / "gold"), "--articles", str(SEEDS), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "| offline |" in ok.stdout or "offline" in ok.stdout
    assert {p: p.stat().st_mtime_ns for p in reports.glob("*")} == before
    assert list(tmp_path.iterdir()) == []
    asked = brief("eval", "--offline", "--write-report", "--report-dir", str(tmp_path / "r"), cwd=ROOT)
    assert asked.returncode == 0, asked.stderr
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["latest.json", "latest.md"]


# ---------------------------------------------------------------- Markdown wording


@pytest.fixture(scope="module")
def seeds_run() -> summarizer.BriefRun:
    return summarizer.run_brief([SEEDS])


def test_markdown_aid_components_and_quotes_read_naturally(seeds_run: summarizer.BriefRun) -> None:
    md = summarizer.render_markdown(seeds_run.briefing, verbose=True)
    assert "1,000 counter-drone electronic warfare systems: £39 million" in md
    assert "systems: £39 million, 1,000" not in md
    assert "““" not in md and "“\"" not in md
    # A quote that opens with its own quotation mark is shown as the article has it.
    assert "  - “Through various sources of information and intelligence" in md
