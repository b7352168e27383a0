"""Interrupting `brief` (SIGINT, SIGKILL) keeps every answer received; damaged cache entries are re-fetched."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from oai_server import OAIServer
from test_faults import FaultyModel, article_index, brief_env, check_accounting, run_brief, write_articles

N = 8
SLOW = 0.25  # seconds per answer, so the run is still going when the signal arrives


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Cache entries are keyed by the endpoint too: each re-run's server listens where the interrupted run's did.
_PORT = _free_port()


class SlowModel(FaultyModel):
    """Valid synthetic answers, each after a short delay; records which articles got an answer."""

    def __call__(self, body: dict) -> dict:
        answer = super().__call__(body)
        return {**answer, "delay": SLOW}


def _args(server: OAIServer, folder: Path, cache: Path, out: Path) -> list[str]:
    return [str(folder), "--model", "synthetic-model", "--base-url", server.base_url, "--cache-dir", str(cache),
            "--concurrency", "2", "--format", "json", "-o", str(out)]


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "summarizer.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=Path(__file__).resolve().parents[1])


def _wait_for_entries(cache: Path, n: int, proc: subprocess.Popen[str], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while len(list(cache.glob("*.json"))) < n:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the run never cached any answer"
        time.sleep(0.05)


def _entries(cache: Path) -> dict[Path, dict]:
    """Every cache entry, each a complete JSON document (nothing half-written)."""
    out = {}
    for path in cache.glob("*.json"):
        out[path] = json.loads(path.read_text(encoding="utf-8"))  # raises on a partial file
    return out


def _entry_article(entry: dict) -> int | None:
    """Which synthetic article a cache entry answers (cache entries name the article, not the full request)."""
    if "request" in entry:
        return article_index(entry["request"])
    m = re.search(r"synthetic_(\d+)", str(entry.get("meta", {}).get("article", "")))
    return int(m.group(1)) if m else None


def _cached_articles(cache: Path) -> set[int]:
    return {i for entry in _entries(cache).values() if (i := _entry_article(entry)) is not None}


def _interrupt(tmp_path: Path, sig: signal.Signals) -> tuple[subprocess.Popen[str], str, float, set[int], Path, Path]:
    folder, cache = tmp_path / "articles", tmp_path / "cache"
    answers = write_articles(folder, N)
    env = brief_env(tmp_path, BRIEF_BACKOFF="0.01")
    with OAIServer(port=_PORT, default=SlowModel(answers, rate=0.0, kinds=())) as server:
        proc = _start(_args(server, folder, cache, tmp_path / "out.json"), env)
        _wait_for_entries(cache, 3, proc)
        t0 = time.monotonic()
        proc.send_signal(sig)
        try:
            _, stderr = proc.communicate(timeout=10)
        finally:
            proc.kill()
        elapsed = time.monotonic() - t0
    return proc, stderr, elapsed, _cached_articles(cache), folder, cache


def _rerun_spends_nothing_on(tmp_path: Path, folder: Path, cache: Path, cached: set[int]) -> None:
    answers = write_articles(tmp_path / "unused", N)
    healthy = FaultyModel(answers, rate=0.0, kinds=())
    with OAIServer(port=_PORT, default=healthy) as server:
        out = tmp_path / "rerun.json"
        proc = run_brief(_args(server, folder, cache, out), brief_env(tmp_path))
    check_accounting(proc, out, folder, N)
    assert proc.returncode == 0, proc.stderr
    assert set(healthy.calls).isdisjoint(cached), sorted(set(healthy.calls) & cached)
    assert set(healthy.calls) | cached == set(range(N))
    assert len(server.requests) == N - len(cached)


def test_sigint_stops_promptly_and_keeps_answers(tmp_path: Path) -> None:
    proc, stderr, elapsed, cached, folder, cache = _interrupt(tmp_path, signal.SIGINT)
    assert elapsed < 5, elapsed
    assert proc.returncode != 0
    assert "Traceback" not in stderr, stderr
    assert 3 <= len(cached) < N
    assert not list(cache.glob(".*.tmp")), "temp files left behind after a clean interrupt"
    _rerun_spends_nothing_on(tmp_path, folder, cache, cached)
    # The user is told what happened and what to do (click's bare "Aborted!" says neither).
    last = [line for line in stderr.splitlines() if line.strip()][-1]
    assert "interrupt" in last.lower() and "again" in last.lower(), f"no clear message on Ctrl-C: {stderr!r}"


def test_sigkill_leaves_no_half_written_entries_and_damage_is_refetched(tmp_path: Path) -> None:
    proc, _, _, cached, folder, cache = _interrupt(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert len(cached) >= 3  # _entries() parsed every *.json completely
    # A temp file a killed writer left behind is not an entry: plant one, it must be ignored.
    (cache / ".deadbeef.json.12345.tmp").write_text('{"response": {"choices": [', encoding="utf-8")
    _rerun_spends_nothing_on(tmp_path, folder, cache, cached)

    # Now every article is cached. Damage one entry: it is ignored with a warning and fetched again.
    victim = sorted(_entries(cache))[0]
    victim_article = _entry_article(json.loads(victim.read_text(encoding="utf-8")))
    victim.write_bytes(b'{"format": 1, "response": {"choi\x00\xff garbage')
    shutil.rmtree(cache / "answers")  # the answer index would answer first (tested in test_answers.py)
    answers = write_articles(tmp_path / "unused", N)
    with OAIServer(port=_PORT, default=FaultyModel(answers, rate=0.0, kinds=())) as server:
        out = tmp_path / "after-damage.json"
        again = run_brief(_args(server, folder, cache, out), brief_env(tmp_path))
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    warnings = [line for line in again.stderr.splitlines() if victim.name in line]
    assert len(warnings) == 1 and "damaged" in warnings[0].lower(), again.stderr
    assert [article_index(b) for b in server.bodies] == [victim_article]
    json.loads(victim.read_text(encoding="utf-8"))  # the re-fetched answer replaced the garbage
    check_accounting(again, out, folder, N)
