"""Grounding in a second process (summarizer/model/verifier.py): the same extractions, whatever happens to it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from oai_server import OAIServer
from test_extract import answer_for, numbered_article
from test_llm import config

from summarizer.core.schema import ArticleExtraction
from summarizer.model import verifier
from summarizer.model.extractor import extract_many

N = 50


def _run(oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch, min_answers: int, **kw: Any) -> tuple[list[Any], int]:
    """extract_many over N articles with the second process used from ``min_answers`` answers on; the results
    and how many answers it grounded."""
    monkeypatch.setattr("summarizer.model.extractor.MIN_ANSWERS", min_answers)
    grounded = 0
    real = verifier.VerifyWorker.verify

    async def counting(self: verifier.VerifyWorker, *args: Any, **kwargs: Any) -> Any:
        nonlocal grounded
        got = await real(self, *args, **kwargs)
        grounded += got is not None
        return got

    monkeypatch.setattr(verifier.VerifyWorker, "verify", counting)
    oai_server.reset()
    oai_server.respond_with(answer_for)
    arts = [numbered_article(i, " One more sentence, said nobody.") for i in range(N)]
    results = extract_many(arts, config(oai_server, concurrency=5, **kw))  # the test server queues 5 connections
    return results, grounded


def _dumps(results: list[Any]) -> list[Any]:
    assert all(isinstance(r, ArticleExtraction) for r in results)
    return [r.model_dump() for r in results]


@pytest.mark.skipif(verifier.spare_cores() < 1, reason="one core: the second process is never started")
def test_the_second_process_gives_the_same_extractions(oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    here, none = _run(oai_server, monkeypatch, min_answers=10**9)
    assert none == 0
    monkeypatch.setattr("summarizer.model.extractor.WORKER_QUEUE", 10**9)  # never grounded here
    there, grounded = _run(oai_server, monkeypatch, min_answers=1)
    assert grounded == N
    assert _dumps(there) == _dumps(here)
    monkeypatch.setattr("summarizer.model.extractor.WORKER_QUEUE", 2)  # shared between the two processes
    shared, grounded = _run(oai_server, monkeypatch, min_answers=1)
    assert 0 < grounded < N
    assert _dumps(shared) == _dumps(here)


def test_a_second_process_that_fails_leaves_the_work_here(
    oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, _ = _run(oai_server, monkeypatch, min_answers=10**9)
    monkeypatch.setattr(verifier, "_CHILD", "raise SystemExit(3)")  # the child exits at once
    monkeypatch.setattr("summarizer.model.extractor.spare_cores", lambda: 1)
    failed, grounded = _run(oai_server, monkeypatch, min_answers=1)
    assert grounded == 0
    assert _dumps(failed) == _dumps(here)


def test_small_runs_stay_in_one_process(oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[bool] = []

    async def start() -> None:
        started.append(True)

    monkeypatch.setattr(verifier.VerifyWorker, "start", start)
    results = extract_many([numbered_article(i) for i in range(3)], config(oai_server.respond_with(answer_for)))
    assert all(isinstance(r, ArticleExtraction) for r in results) and not started



def test_the_warm_up_leaves_language_detection_unloaded() -> None:
    """The warm-up grounds its English answer without loading py3langid's model (about 0.5 s of CPU, in the child
    and in this process alike), which grounding an English article never needs."""
    code = ("import sys; from summarizer.model.verifier import warm_grounding; warm_grounding(); "
            "print('py3langid' in sys.modules, 'summarizer.reading.casualty_clauses' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def _started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kind of each child started from now on: 'forked' or 'new Python'."""
    kinds: list[str] = []
    real = verifier.VerifyWorker.start.__func__  # type: ignore[attr-defined]

    async def start(cls: type[verifier.VerifyWorker]) -> verifier.VerifyWorker | None:
        worker = await real(cls)
        if worker is not None:
            kinds.append("forked" if isinstance(worker.proc, verifier._Forked) else "new Python")
        return worker

    monkeypatch.setattr(verifier.VerifyWorker, "start", classmethod(start))
    return kinds


@pytest.mark.skipif(not (hasattr(verifier.os, "fork") and hasattr(verifier.os, "pidfd_open")), reason="no fork")
def test_a_forked_second_process_gives_the_same_extractions(
    oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child forked (as when this process has no other thread; here the test server's threads run, but the
    child touches nothing of theirs) grounds every answer, and grounds it as this process does."""
    here, _ = _run(oai_server, monkeypatch, min_answers=10**9)
    monkeypatch.setattr("summarizer.model.extractor.spare_cores", lambda: 1)
    monkeypatch.setattr(verifier, "_forkable", lambda: True)
    monkeypatch.setattr("summarizer.model.extractor.WORKER_QUEUE", 10**9)  # never grounded here
    kinds = _started(monkeypatch)
    there, grounded = _run(oai_server, monkeypatch, min_answers=1)
    assert kinds == ["forked"] and grounded == N
    assert _dumps(there) == _dumps(here)


@pytest.mark.skipif(not (hasattr(verifier.os, "fork") and hasattr(verifier.os, "pidfd_open")), reason="no fork")
def test_a_forked_second_process_that_fails_leaves_the_work_here(
    oai_server: OAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, _ = _run(oai_server, monkeypatch, min_answers=10**9)
    monkeypatch.setattr("summarizer.model.extractor.spare_cores", lambda: 1)
    monkeypatch.setattr(verifier, "_forkable", lambda: True)

    def fail(*args: Any) -> None:
        raise SystemExit(3)

    monkeypatch.setattr(verifier, "serve", fail)  # the forked child exits at once
    kinds = _started(monkeypatch)
    failed, grounded = _run(oai_server, monkeypatch, min_answers=1)
    assert kinds == ["forked"] and grounded == 0
    assert _dumps(failed) == _dumps(here)


def test_the_child_is_forked_only_without_other_threads() -> None:
    import threading

    if not (hasattr(verifier.os, "fork") and hasattr(verifier.os, "pidfd_open")):
        assert not verifier._forkable()
        return
    alone = threading.active_count() == 1
    assert verifier._forkable() == alone
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not verifier._forkable()
    finally:
        stop.set()
        other.join()


def test_a_forked_child_keeps_no_inherited_log_handler() -> None:
    """A forked child's warnings reach this process's handlers once (forwarded), not also through copies of them."""
    code = ("import logging; from summarizer.model.verifier import _drop_handlers; logging.basicConfig(); "
            "logging.getLogger('a.b').addHandler(logging.NullHandler()); _drop_handlers(); "
            "print(len(logging.getLogger().handlers), len(logging.getLogger('a.b').handlers))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "0"]
