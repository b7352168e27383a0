"""Grounding model answers in a second process, so that a large run uses a second core.

A model run is CPU-bound in one process once enough requests are in flight: each answer costs openai,
instructor and httpx about 4 ms, and grounding it (:func:`~summarizer.verification.grounding.verify`)
about as much again. For a large run, :class:`VerifyWorker` starts one child process running
:func:`serve` (forked from this one on Linux when no other thread runs, else a new ``python -c "...; serve()"``)
and sends it each answer and its article as a line of JSON; the child grounds it and sends back the
extraction's JSON. When the child falls behind (``WORKER_QUEUE`` answers waiting), the next answer is
grounded in this process, so the two share the work whichever is slower (a busy machine, the child still
starting). The answer and the article are sent exactly as they
are (their JSON reads back equal, as the answer index already relies on), and the extraction comes back only
when its JSON reads back as an equal tree (:func:`~summarizer.model.answers.readable_back`): otherwise, or
when the child fails in any way, the answer is grounded in this process, so the result never depends on
where it was computed. Small runs never start the child.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import signal
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from ..core.schema import Article, ArticleExtraction, Sections, Usage

log = logging.getLogger(__name__)

MIN_ANSWERS = 48  # fewer answers to ground than this: the child's start (about 0.5 s of CPU) is not worth it
# When this many answers wait for the child, the next one is grounded in this process. At N=1000, C=64
# (benchmarks/run.py, load 1): 8 left ~350 answers to this process and took 5.8-6.4 s; 32 left ~100, 5.8-5.9 s.
# 256 (this process grounding only for a child far behind, and so seldom paying grounding's warm-up) was
# measured too, at load 6 with direct requests (client.py): 13.5-15.3 s and 6.5-7.0 ms of CPU per answer,
# first answer at 2.9 s, against 8.3-12.9 s, 5.6-6.6 ms and 1.2 s with 32: a child starved of CPU then
# held the run back while this process waited.
WORKER_QUEUE = 32
_READY = "brief-verifier-ready"
_CHILD = "from summarizer.model.verifier import serve; serve()"  # what the child runs
_PACKAGE = Path(__file__).resolve().parent.parent  # the summarizer package this process runs
_LIMIT = 2**26  # the longest line read from the child


_WARM_TEXT = "At least 10 soldiers were killed near the border on Monday, the defence ministry said."


@lru_cache(maxsize=1)
def warm_grounding() -> None:
    """Ground a small made-up answer, once per process, before this process grounds a real one.

    Grounding's first call builds its patterns and tables (about 0.5 s of CPU). Done in the event loop while
    answers are arriving, it holds the loop that long, and requests in flight meanwhile can run past a short
    timeout and be sent again. Without a child it is done before any request is sent; with one, in a thread
    when this process is first to ground an answer itself (:meth:`VerifyWorker.warm_here`), which may be never.
    The child does it before it says it is ready.

    The made-up article is marked English: its one sentence is too short to pass as English prose, so language
    detection would load py3langid's model (another 0.5 s of CPU, in the child and in this process alike),
    which grounding an English article never needs (:func:`~summarizer.core.language.article_language`). A run
    with articles in another language loads it on the first one, as before the warm-up existed.
    """
    from ..verification.grounding import verify

    article = Article(id="warm-up", title="Warm-up", text=_WARM_TEXT, content_hash="warm-up", language="en")
    answer = {"side": "soldiers", "killed": "At least 10", "evidence": [_WARM_TEXT.split(" on ")[0]]}
    verify(Sections.model_validate({"casualties": [answer]}), article)


def spare_cores() -> int:
    """Cores this process may run on, besides the one it runs on."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(cores - 1, 0)


class VerifyWorker:
    """A child process grounding answers; :meth:`verify` returns None whenever this process must do it."""

    def __init__(self, proc: asyncio.subprocess.Process | _Forked) -> None:
        self.proc = proc
        self.pending: dict[int, asyncio.Future[bytes | None]] = {}
        self.next_id = 0
        self.broken = False
        self.reader = asyncio.ensure_future(self._read())
        self._warm: asyncio.Future[None] | None = None

    def warm_here(self) -> None:
        """Start this process's own warm-up (:func:`warm_grounding`) in a thread, once: the event loop goes on
        sending requests and handling answers meanwhile. Called when this process is first to ground an answer
        itself (the child is behind, or gone), which then waits for it (:meth:`here_ready`)."""
        if self._warm is None:
            self._warm = asyncio.get_running_loop().run_in_executor(None, warm_grounding)

    async def here_ready(self) -> None:
        """Wait for :meth:`warm_here`'s warm-up, if one was started (its failure is left to verify() itself)."""
        if self._warm is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._warm)

    @classmethod
    async def start(cls) -> VerifyWorker | None:
        """The child, started and ready (same package, same Python), or None when it cannot be had.

        Forked when that is safe (:func:`_forkable`): the child then has this process's imports and, when this
        process has grounded before, its warm patterns, and is ready in milliseconds instead of about 1.4 s of
        CPU (imports and warm-up), during which the first waves' answers were grounded here. Else started
        as a new Python."""
        if _forkable():
            with contextlib.suppress(OSError):
                return cls(await _Forked.start())
        # The child imports this same package: its folder first on the path, not the current folder (-P).
        code = f"import sys; sys.path.insert(0, {str(_PACKAGE.parent)!r}); {_CHILD}"
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-P", "-c", code, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, limit=_LIMIT,
            )
        except (OSError, ValueError, TypeError) as exc:  # TypeError: no sys.executable (an embedded Python)
            log.info("grounding stays in this process: cannot start a second one (%s)", exc)
            return None
        return cls(proc)

    async def _read(self) -> None:
        """Route each answer line to its job; at the end (the child exited), release every waiting job."""
        assert self.proc.stdout is not None
        ready = False
        try:
            while line := await self.proc.stdout.readline():
                head, _, body = line.rstrip(b"\n").partition(b"\t")
                if not ready:
                    # The child names the package it imported: another one would ground differently.
                    ready = head == _READY.encode() and body == str(_PACKAGE).encode("utf-8", "surrogateescape")
                    if not ready:
                        break
                    continue
                job, _, kind = head.partition(b" ")
                if kind == b"log":
                    _relog(body)
                    continue
                future = self.pending.pop(int(job), None)
                if future is not None and not future.done():
                    future.set_result(body if kind == b"ok" else None)
        except (ValueError, OSError):
            pass
        finally:
            self.broken = True
            for future in self.pending.values():
                if not future.done():
                    future.set_result(None)
            self.pending.clear()

    def waiting(self) -> int:
        """Answers sent and not yet grounded."""
        return len(self.pending)

    async def verify(self, sections: Sections, article: Article, *, extractor: str, prompt_version: str | None,
                     usage: Usage) -> tuple[ArticleExtraction, bytes] | None:
        """The grounded extraction and its JSON (usage left out), or None: ground it in this process."""
        if self.broken or self.proc.stdin is None:
            return None
        job = self.next_id
        self.next_id += 1
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self.pending[job] = future
        line = b"".join([
            str(job).encode(), b"\t", json.dumps([extractor, prompt_version]).encode(), b"\t",
            article.model_dump_json().encode(), b"\t", sections.model_dump_json().encode(), b"\n",
        ])
        try:
            self.proc.stdin.write(line)
            await self.proc.stdin.drain()
        except (OSError, RuntimeError):  # the child has gone: BrokenPipeError, ConnectionResetError
            self.pending.pop(job, None)
            self.broken = True
            return None
        body = await future
        if body is None:
            return None
        extraction = ArticleExtraction.model_validate_json(body)
        extraction.usage = usage
        return extraction, body

    async def aclose(self) -> None:
        """Close the child's input (it exits when it has read everything) and wait for it; a child still
        holding jobs nobody waits for (articles stopped at the deadline) is ended at once."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError, RuntimeError):
                self.proc.stdin.close()
        abandoned = any(not f.done() or f.cancelled() for f in self.pending.values())
        try:
            async with asyncio.timeout(0 if abandoned else 10):
                await self.proc.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader
        await self.here_ready()


def _forkable() -> bool:
    """Whether the child may be forked from this process: on Linux (pidfd_open, to await its end), with no other
    thread running (one could hold a lock the child then never sees released)."""
    return hasattr(os, "fork") and hasattr(os, "pidfd_open") and threading.active_count() == 1


class _Forked:
    """A forked child running :func:`serve` on two pipes, with the part of asyncio's Process that
    :class:`VerifyWorker` uses (stdin, stdout, wait, kill)."""

    def __init__(self, pid: int, stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader) -> None:
        self.pid = pid
        self.stdin: asyncio.StreamWriter | None = stdin
        self.stdout: asyncio.StreamReader | None = stdout
        self.returncode: int | None = None
        self._ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @classmethod
    async def start(cls) -> _Forked:
        loop = asyncio.get_running_loop()
        to_child, from_parent = os.pipe()  # read end, write end: what the child reads
        from_child, to_parent = os.pipe()  # what this process reads
        pid = os.fork()
        if pid == 0:  # the child: never back into the event loop; it ends with os._exit
            code = 1
            try:
                os.close(from_parent)
                os.close(from_child)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)  # as the started child's stderr=DEVNULL
                _drop_handlers()  # its records go to this process (serve's _Forward), not to its log files too
                with os.fdopen(to_child, "rb") as source, os.fdopen(to_parent, "wb") as sink:
                    serve(source, sink)
                code = 0
            finally:
                os._exit(code)
        os.close(to_child)
        os.close(to_parent)
        reader = asyncio.StreamReader(limit=_LIMIT, loop=loop)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop),
                                     os.fdopen(from_child, "rb", buffering=0))
        transport, protocol = await loop.connect_write_pipe(lambda: asyncio.StreamReaderProtocol(
            asyncio.StreamReader(loop=loop), loop=loop), os.fdopen(from_parent, "wb", buffering=0))
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
        forked = cls(pid, writer, reader)
        pidfd = os.pidfd_open(pid)

        def ended() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
            try:
                _, status = os.waitpid(pid, 0)
                forked.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:  # reaped by someone else (a child watcher waiting for any child)
                forked.returncode = -1
            if not forked._ended.done():
                forked._ended.set_result(None)

        loop.add_reader(pidfd, ended)
        return forked

    async def wait(self) -> int | None:
        await asyncio.shield(self._ended)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            os.kill(self.pid, signal.SIGKILL)


def _drop_handlers() -> None:
    """Remove every logging handler (a forked child's, inherited from this process), as a new Python has none."""
    loggers = [logging.getLogger(), *(x for x in logging.Logger.manager.loggerDict.values()
                                      if isinstance(x, logging.Logger))]
    for logger in loggers:
        logger.handlers.clear()


def _relog(body: bytes) -> None:
    """A log record of the child, logged again here (the application's handlers are in this process)."""
    with contextlib.suppress(ValueError, TypeError):
        name, level, message = json.loads(body)
        logging.getLogger(str(name)).log(int(level), "%s", message)


# ---------------------------------------------------------------- the child


class _Forward(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        _send(b"0 log", json.dumps([record.name, record.levelno, record.getMessage()]).encode())


_OUT: list[BinaryIO] = []  # where the child writes: its stdout, or the pipe a forked child was given


def _send(head: bytes, body: bytes) -> None:
    out = _OUT[0] if _OUT else sys.stdout.buffer
    out.write(head + b"\t" + body + b"\n")
    out.flush()


def serve(source: BinaryIO | None = None, sink: BinaryIO | None = None) -> None:
    """Ground each line of ``source`` (stdin: job, [extractor, prompt version], article, sections) until it ends;
    the answers go to ``sink`` (stdout)."""
    from ..verification.grounding import verify
    from .answers import readable_back

    if sink is not None:
        _OUT[:] = [sink]
    logging.getLogger().addHandler(_Forward())
    # This process only grounds: what it imported stays, and what it allocates per answer is freed by
    # reference counting, so the cyclic collector is kept off the imported objects and run less often.
    warm_grounding()
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
    _send(_READY.encode(), str(_PACKAGE).encode("utf-8", "surrogateescape"))
    for line in source if source is not None else sys.stdin.buffer:
        job, meta, article_json, sections_json = line.rstrip(b"\n").split(b"\t")
        body: bytes | None
        try:
            extractor, prompt_version = json.loads(meta)
            article = Article.model_validate_json(article_json)
            extraction = verify(Sections.model_validate_json(sections_json), article, extractor=extractor,
                                prompt_version=prompt_version, usage=Usage(), copy=False)
            body = readable_back(extraction)
        except Exception:  # the parent grounds it again itself, and so meets the same error where it is handled
            body = None
        _send(job + (b" ok" if body is not None else b" again"), body or b"")
