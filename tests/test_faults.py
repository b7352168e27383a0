"""Fault injection through the real `brief` command against the loopback model server.

200 small synthetic articles (generated here, each with a matching synthetic model answer);
the server answers 30% of calls (seeded) with 429, 500, a timeout, a truncated body, invalid
JSON or schema-invalid JSON. The run must finish, account for every article, never show a
traceback, exit 1 when something failed, and a re-run must only call the model for failures.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oai_server import OAIServer

ROOT = Path(__file__).resolve().parents[1]
N_ARTICLES = 200
FAULT_RATE = 0.30
SEED = 20250430
CLIENT_TIMEOUT = 1.0  # seconds; the "timeout" fault sleeps well past it
TOWNS = ("Aldmoor", "Brenvik", "Corsal", "Dunhollow", "Eskerby", "Falmouth", "Garrow", "Hestin")
_TAG = re.compile(r"SYNTH-(\d{4})")


def synthetic_quote(i: int) -> str:
    """The one sentence of synthetic article i that states its figure (without the full stop)."""
    town = TOWNS[i % len(TOWNS)]
    return f"At least {100 + i} Russian soldiers were killed near {town} last week, Ukraine's defence ministry said"


def synthetic_article(i: int) -> tuple[str, dict[str, Any]]:
    """A synthetic article and the synthetic Sections answer that grounds in it."""
    town = TOWNS[i % len(TOWNS)]
    sentence = synthetic_quote(i) + "."
    text = (
        f"Synthetic report SYNTH-{i:04d} from {town}\n\n"
        f"This is a synthetic test article, number {i}, written for fault-injection tests. {sentence} "
        f"Residents of {town} described days of shelling. No other figures were given.\n"
    )
    answer = {
        "casualties": [
            {
                "side": f"{town} garrison",
                "killed": {"text": f"At least {100 + i}"},
                "claimant": "Ukraine's defence ministry",
                "evidence": [{"quote": synthetic_quote(i)}],
            }
        ],
        "deployments": [], "arms_transfers": [], "aid": [], "diplomacy": [],
    }
    return text, answer


def write_articles(folder: Path, n: int = N_ARTICLES) -> dict[int, dict[str, Any]]:
    """Write n synthetic articles; return the synthetic answer for each index."""
    folder.mkdir(parents=True, exist_ok=True)
    answers = {}
    for i in range(n):
        text, answer = synthetic_article(i)
        (folder / f"synthetic_{i:04d}.txt").write_text(text, encoding="utf-8")
        answers[i] = answer
    return answers


def article_index(body: dict[str, Any]) -> int | None:
    """Which synthetic article a request is about (from the user message)."""
    for msg in reversed(body.get("messages") or []):
        content = msg.get("content")
        if msg.get("role") == "user" and isinstance(content, str) and (m := _TAG.search(content)):
            return int(m.group(1))
    return None


FAULTS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "headers": {"Retry-After": "0"}},
    "500": {"status": 500},
    "timeout": {"delay": CLIENT_TIMEOUT + 1.5, "sections": None},
    "truncated": {"truncated": True},
    "invalid_json": {"invalid_json": True},
    # Schema-invalid: a casualty without any figure and without evidence (synthetic).
    "schema_invalid": {"sections": {"casualties": [{"side": "nobody"}], "deployments": [], "arms_transfers": [],
                                    "aid": [], "diplomacy": []}},
}


class FaultyModel:
    """Answers each call validly, or (seeded, per article and attempt) with one of FAULTS."""

    def __init__(self, answers: dict[int, dict[str, Any]], *, rate: float, kinds: tuple[str, ...],
                 always_fail: frozenset[int] = frozenset()) -> None:
        self.answers = answers
        self.rate = rate
        self.kinds = kinds
        self.always_fail = always_fail
        self.calls: Counter[int] = Counter()
        self.served: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        i = article_index(body)
        if i is None:
            return {"status": 400, "body": {"error": {"message": "synthetic server: no SYNTH tag in request"}}}
        with self._lock:
            self.calls[i] += 1
            n = self.calls[i]
        rng = random.Random(f"{SEED}:{i}:{n}")  # same faults whatever order the calls arrive in
        if i in self.always_fail:
            kind = "429"
        elif rng.random() < self.rate:
            kind = rng.choice(self.kinds)
        else:
            kind = "ok"
        with self._lock:
            self.served[kind] += 1
        if kind == "ok":
            return {"sections": self.answers[i]}
        if kind == "timeout":
            return {"delay": FAULTS["timeout"]["delay"], "sections": self.answers[i]}
        return FAULTS[kind]


def brief_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a `brief` subprocess: home and caches inside tmp_path, no real model settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEF_", "OPENAI_"))}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
               OPENAI_API_KEY="sk-test-faults", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def capped(memory_mb: int = 3_000, cpu_seconds: int = 120, file_mb: int = 100) -> Callable[[], None]:
    """A preexec_fn capping a child's address space, CPU time and file size: a blow-up fails, never hangs CI."""

    def apply() -> None:
        for limit, value in ((resource.RLIMIT_AS, memory_mb * 2**20), (resource.RLIMIT_CPU, cpu_seconds),
                             (resource.RLIMIT_FSIZE, file_mb * 2**20)):
            resource.setrlimit(limit, (value, value))

    return apply


def run_brief(args: list[str], env: dict[str, str], timeout: float = 120,
              limits: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout, preexec_fn=limits)


def knobs_supported() -> bool:
    """Whether `brief` lets a user shorten the client timeout and retry waits (--timeout, --backoff)."""
    proc = run_brief(["run", "--timeout", "1", "--backoff", "0.01", "--help"], brief_env(Path("/nonexistent")))
    return proc.returncode == 0 and "--timeout" in proc.stdout


def model_args(server: OAIServer, cache: Path, out: Path) -> list[str]:
    return ["--model", "synthetic-model", "--base-url", server.base_url, "--cache-dir", str(cache),
            "--concurrency", "16", "--format", "json", "-o", str(out)]


def check_accounting(
    proc: subprocess.CompletedProcess[str], out: Path, folder: Path, n: int
) -> tuple[set[str], set[str]]:
    """Every article is either a source or a failure (with a reason, also on stderr); no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert out.exists(), proc.stderr[-3000:]
    briefing = json.loads(out.read_text(encoding="utf-8"))
    briefed = {Path(s["path"]).name for s in briefing["sources"]}
    failed = {Path(f["path"]).name: f["reason"] for f in briefing["run"]["failed"]}
    names = {p.name for p in folder.iterdir()}
    assert briefed.isdisjoint(failed)
    assert briefed | set(failed) == names, sorted(names - briefed - set(failed))[:10]
    assert len(briefed) + len(failed) == n
    for name, reason in failed.items():
        assert reason.strip(), name
        assert any(reason[:60] in line for line in proc.stderr.splitlines()), f"{name}: {reason} not on stderr"
    # Each briefed article's own grounded quote (with its figure) is in the briefing, attributed to it.
    quotes = {(e["article_id"], e["quote"]) for c in briefing["casualties"] for e in c["evidence"]}
    for src in briefing["sources"]:
        i = int(Path(src["path"]).stem.split("_")[1])
        assert (src["id"], synthetic_quote(i)) in quotes, src["path"]
    assert proc.returncode == (1 if failed else 0), (proc.returncode, len(failed), proc.stderr[-2000:])
    return briefed, set(failed)


def check_stderr_names(proc: subprocess.CompletedProcess[str], failed: set[str]) -> None:
    """Each failed article gets exactly one stderr line, and that line names its file."""
    for name in failed:
        lines = [line for line in proc.stderr.splitlines() if name in line]
        assert len(lines) == 1, f"{name}: expected one stderr line naming it, got {lines}\n{proc.stderr[-1500:]}"
        assert lines[0].startswith("brief: ")


def _fault_run(tmp_path: Path, n: int, kinds: tuple[str, ...], env_extra: dict[str, str]) -> None:
    folder = tmp_path / "articles"
    answers = write_articles(folder, n)
    # Every call for these answers 429 (Retry-After: 0, so no waiting): they must be reported as failed.
    always_fail = frozenset(range(7, n, 70))
    model = FaultyModel(answers, rate=FAULT_RATE, kinds=kinds, always_fail=always_fail)
    cache, env = tmp_path / "cache", brief_env(tmp_path, **env_extra)
    with OAIServer(default=model) as server:
        t0 = time.monotonic()
        proc = run_brief([str(folder), *model_args(server, cache, tmp_path / "run1.json")], env)
        elapsed = time.monotonic() - t0
        briefed, failed = check_accounting(proc, tmp_path / "run1.json", folder, n)
        assert {f"synthetic_{i:04d}.txt" for i in always_fail} <= failed
        assert proc.returncode == 1
        faults = sum(v for k, v in model.served.items() if k != "ok")
        assert faults >= 0.2 * sum(model.served.values()), model.served
        assert set(model.served) >= set(kinds), model.served
        assert elapsed < 60, elapsed

        # Re-run with the same cache and a healthy server: only the failed articles reach the model.
        server.reset()
        healthy = FaultyModel(answers, rate=0.0, kinds=kinds)
        server.respond_with(healthy)
        proc2 = run_brief([str(folder), *model_args(server, cache, tmp_path / "run2.json")], env)
        briefed2, failed2 = check_accounting(proc2, tmp_path / "run2.json", folder, n)
        assert failed2 == set() and proc2.returncode == 0, failed2
        asked = {f"synthetic_{i:04d}.txt" for i in healthy.calls}
        assert asked == failed, (sorted(asked - failed)[:5], sorted(failed - asked)[:5])
        assert len(server.requests) == len(failed)
    # One clear line per failed article, naming its file and the cause; no misleading noise.
    check_stderr_names(proc, failed)
    for i in always_fail:
        line = next(line for line in proc.stderr.splitlines() if f"synthetic_{i:04d}.txt" in line)
        assert "429" in line, line
    assert "Connection error" not in proc.stderr, "the server was reachable; stderr must not say otherwise"


# A 429 with Retry-After is retried until a time budget (the server is pacing us, not failing): keep it short.
QUICK = {"BRIEF_BACKOFF": "0.01", "BRIEF_TIMEOUT": str(CLIENT_TIMEOUT), "BRIEF_RATE_LIMIT_BUDGET": "1"}


@pytest.mark.parametrize("n", [pytest.param(30, id="30"), pytest.param(N_ARTICLES, id="200", marks=pytest.mark.slow)])
def test_faults_complete_and_resume(tmp_path: Path, n: int) -> None:
    """429 / 500 / timeout / truncated / invalid JSON / schema-invalid JSON at 30%: nothing lost, cheap resume."""
    if not knobs_supported():
        pytest.skip("waiting for the lead: `brief --timeout` (BRIEF_TIMEOUT) and `--backoff` (BRIEF_BACKOFF)")
    _fault_run(tmp_path, n, tuple(FAULTS), QUICK)


# ---------------------------------------------------------------- answers that must not hang, poison or vanish


def _one_article(tmp_path: Path, n: int = 1) -> tuple[Path, dict[int, dict[str, Any]]]:
    folder = tmp_path / "articles"
    return folder, write_articles(folder, n)


def _briefing(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_empty_choices_is_retried_and_its_tokens_counted(tmp_path: Path) -> None:
    """A 200 with ``choices: []`` is a transient fault: retried, not blamed on the model's size."""
    folder, answers = _one_article(tmp_path)
    empty = {"id": "chatcmpl-empty", "object": "chat.completion", "model": "synthetic-model", "choices": [],
             "usage": {"prompt_tokens": 7, "completion_tokens": 0, "total_tokens": 7}}
    out = tmp_path / "out.json"
    with OAIServer() as server:
        server.script({"raw": empty}, {"sections": answers[0], "usage": {"prompt_tokens": 10, "completion_tokens": 5,
                                                                          "total_tokens": 15}})
        proc = run_brief([str(folder), *model_args(server, tmp_path / "cache", out)], brief_env(tmp_path, **QUICK))
        assert len(server.requests) == 2
    assert proc.returncode == 0, proc.stderr
    usage = _briefing(out)["run"]["usage"]
    assert (usage["calls"], usage["total_tokens"]) == (2, 22), usage


def test_failed_articles_calls_and_tokens_are_counted(tmp_path: Path) -> None:
    """Three schema-invalid answers (one call, two re-asks) fail the article, and all three are counted."""
    folder, _ = _one_article(tmp_path)
    bad = {**FAULTS["schema_invalid"], "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}
    out = tmp_path / "out.json"
    with OAIServer(default=bad) as server:
        proc = run_brief([str(folder), *model_args(server, tmp_path / "cache", out)], brief_env(tmp_path, **QUICK))
        calls = len(server.requests)
    assert proc.returncode == 1, proc.stderr
    assert calls == 3
    usage = _briefing(out)["run"]["usage"]
    assert (usage["calls"], usage["prompt_tokens"], usage["total_tokens"]) == (3, 300, 360), usage
    assert "3 model calls, 0 from cache, 360 tokens" in proc.stderr


def test_unusable_cache_entry_is_named_and_fetched_again(tmp_path: Path) -> None:
    folder, answers = _one_article(tmp_path)
    cache, out, env = tmp_path / "cache", tmp_path / "out.json", brief_env(tmp_path, **QUICK)
    with OAIServer(default=FaultyModel(answers, rate=0.0, kinds=())) as server:
        assert run_brief([str(folder), *model_args(server, cache, out)], env).returncode == 0
        (entry,) = cache.glob("*.json")
        data = json.loads(entry.read_text(encoding="utf-8"))
        data["response"] = {"id": "x", "choices": []}  # valid JSON, unusable answer
        entry.write_text(json.dumps(data), encoding="utf-8")
        shutil.rmtree(cache / "answers")  # the answer index would answer first (tested in test_answers.py)
        server.reset()
        proc = run_brief([str(folder), *model_args(server, cache, out)], env)
        assert proc.returncode == 0, proc.stderr
        assert len(server.requests) == 1  # asked again instead of failing with 0 calls
        assert entry.name in proc.stderr and "unusable" in proc.stderr, proc.stderr
        server.reset()
        proc = run_brief([str(folder), *model_args(server, cache, out)], env)
        assert proc.returncode == 0 and len(server.requests) == 0, proc.stderr  # the entry was rewritten


def test_cache_key_includes_the_endpoint_and_served_model(tmp_path: Path) -> None:
    """One --cache-dir, no --model ("local" for all): server B and a re-loaded model are asked, not served A's."""
    folder, answers = _one_article(tmp_path)
    cache, out, env = tmp_path / "cache", tmp_path / "out.json", brief_env(tmp_path, **QUICK)
    args = [str(folder), "--cache-dir", str(cache), "--format", "json", "-o", str(out)]
    with OAIServer(default=FaultyModel(answers, rate=0.0, kinds=())) as a, \
            OAIServer(default=FaultyModel(answers, rate=0.0, kinds=())) as b:
        for server in (a, b, a, b):
            assert run_brief([*args, "--base-url", server.base_url], env).returncode == 0
        assert (len(a.requests), len(b.requests)) == (1, 1)  # each asked once, then served from the cache
        a.models = ["another-model.gguf"]  # the same URL now serves another model
        assert run_brief([*args, "--base-url", a.base_url], env).returncode == 0
        assert len(a.requests) == 2
    entries = [json.loads(p.read_text(encoding="utf-8")) for p in cache.glob("*.json")]
    assert {e["scope"]["served_model"] for e in entries} == {"synthetic-model", "another-model.gguf"}


def test_a_trickling_server_cannot_hang_a_request(tmp_path: Path) -> None:
    """One byte every 0.5 s keeps each read under --timeout; the whole answer must still be bounded by it."""
    folder, _ = _one_article(tmp_path)
    out = tmp_path / "out.json"
    with OAIServer(default={"trickle": 0.5}) as server:
        t0 = time.monotonic()
        proc = run_brief([str(folder), *model_args(server, tmp_path / "cache", out), "--max-retries", "1"],
                         brief_env(tmp_path, **{**QUICK, "BRIEF_TIMEOUT": "1.5"}), timeout=60)
        elapsed = time.monotonic() - t0
    assert proc.returncode == 1, proc.stderr
    assert elapsed < 20, elapsed  # two attempts of 1.5 s plus start-up; the trickle alone takes minutes
    assert "did not answer within 1.5 s" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_run_deadline_writes_the_partial_briefing(tmp_path: Path) -> None:
    """--deadline: what finished is written (marked partial), the rest is failed, and a re-run completes it."""
    folder, answers = _one_article(tmp_path, 4)
    slow = {2, 3}

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        i = article_index(body)
        assert i is not None
        return {"sections": answers[i], **({"delay": 20} if i in slow else {})}

    cache, out, env = tmp_path / "cache", tmp_path / "out.json", brief_env(tmp_path, BRIEF_BACKOFF="0.01")
    with OAIServer(default=respond) as server:
        t0 = time.monotonic()
        proc = run_brief([str(folder), *model_args(server, cache, out), "--timeout", "60", "--deadline", "4"], env)
        elapsed = time.monotonic() - t0
        assert proc.returncode == 1, proc.stderr
        assert elapsed < 15, elapsed
        b = _briefing(out)
        assert b["run"]["partial"] is True
        assert {Path(s["path"]).name for s in b["sources"]} == {"synthetic_0000.txt", "synthetic_0001.txt"}
        failed = {Path(f["path"]).name: f["reason"] for f in b["run"]["failed"]}
        assert set(failed) == {"synthetic_0002.txt", "synthetic_0003.txt"}
        assert all("--deadline" in r for r in failed.values())
        assert b["run"]["usage"]["calls"] == 4  # the cut-off calls were made, so they are counted
        assert "partial" in proc.stderr
        md = run_brief([str(folder), *model_args(server, cache, tmp_path / "out.md")[:-4], "--format", "md",
                        "-o", str(tmp_path / "out.md"), "--deadline", "4"], env)
        assert md.returncode == 1
        assert "Partial briefing" in (tmp_path / "out.md").read_text(encoding="utf-8")
        server.reset()
        slow.clear()
        proc = run_brief([str(folder), *model_args(server, cache, out)], env)
        assert proc.returncode == 0, proc.stderr
        assert {article_index(body) for body in server.bodies} == {2, 3}  # the finished ones came from the cache
        assert _briefing(out)["run"]["partial"] is False


def test_offline_run_keeps_the_deadline_too(tmp_path: Path) -> None:
    """The library's deadline also bounds the offline extractor: past it, articles are failed, the run partial."""
    from summarizer.core.errors import ConfigError, DeadlineError, NoArticlesError
    from summarizer.pipeline import run_brief as pipeline_run

    folder = tmp_path / "articles"
    write_articles(folder, 3)
    with pytest.raises(NoArticlesError) as info:  # nothing briefed is an exception, with the run attached
        pipeline_run([folder], offline=True, deadline=1e-9)  # spent while the files load
    run = info.value.run
    assert run.briefing.run.partial and not run.briefing.sources
    assert len(run.errors) == 3 and all(isinstance(e, DeadlineError) for e in run.errors)
    assert all("deadline" in f.reason and "--deadline" not in f.reason for f in run.briefing.run.failed)
    whole = pipeline_run([folder], offline=True, deadline=600)
    assert not whole.briefing.run.partial and len(whole.briefing.sources) == 3
    with pytest.raises(ConfigError, match="positive"):
        pipeline_run([folder], offline=True, deadline=0)


def test_a_huge_answer_cannot_fill_memory(tmp_path: Path) -> None:
    """A 200 of 300 MB is refused while it arrives (MAX_ANSWER_BYTES), under a memory cap, with one clear line."""
    folder, _ = _one_article(tmp_path)
    out = tmp_path / "out.json"
    with OAIServer(default={"huge_mb": 300}) as server:
        proc = run_brief([str(folder), *model_args(server, tmp_path / "cache", out)], brief_env(tmp_path, **QUICK),
                         limits=capped(memory_mb=1_500, cpu_seconds=60))
        calls = len(server.requests)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "answer is over 32 MB" in proc.stderr, proc.stderr[-2000:]
    assert calls == 1  # not retried: the same request would get the same answer
    assert _briefing(out)["run"]["failed"]
