"""A loopback OpenAI-compatible chat-completions server for tests and benchmarks (no model inside).

Answers are scripted: a queue of answers served in request order, or a callable that picks
an answer from the request body. An answer is a dict:

* ``{"sections": {...}}``  a structured answer, rendered for the request's mode: a tool call when the
  request has ``tools``, a fenced block for plain (md_json) requests, else JSON message content
* ``{"content": "..."}`` / ``{"tool_arguments": "..."}``  raw message content / raw tool arguments
  (``"finish_reason": "length"`` with tool arguments: an answer cut off at max_tokens)
* ``{"status": 429, "headers": {"Retry-After": "0.1"}, "body": {...}}``  an HTTP error
* ``{"delay": 0.5, ...}``  sleep before answering (for timeouts and concurrency)
* ``{"invalid_json": True}``  200 with a body that is not JSON
* ``{"truncated": True}``  200 whose Content-Length promises more bytes than are sent
* ``{"raw": {...}}``  200 with exactly this JSON body (e.g. a completion with ``choices: []``)
* ``{"trickle": 0.5}``  200 whose body arrives one byte every 0.5 s (each read is quick; the whole is not)
* ``{"huge_mb": 200}``  200 whose body is that many megabytes of spaces before a completion

``models`` is the list of model ids GET /v1/models answers with.

``refuse_json_schema=True`` answers HTTP 500 to ``response_format: json_schema`` like
llama-cpp-python does, without consuming the script.

Run standalone: ``python tests/oai_server.py --port 8099 [--answers FILE.json] [--delay S]``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Answer = dict[str, Any]
Responder = Callable[[dict[str, Any]], Answer]
SECTION_NAMES = ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")
EMPTY_SECTIONS: dict[str, list[Any]] = {s: [] for s in SECTION_NAMES}


class OAIServer:
    """Threaded HTTP server implementing POST /v1/chat/completions with scripted answers."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, refuse_json_schema: bool = False,
                 default: Answer | Responder | None = None) -> None:
        self.host, self.port = host, port
        self.refuse_json_schema = refuse_json_schema
        self.default: Answer | Responder | None = default
        self.models: list[str] = ["synthetic-model"]
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._queue: deque[Answer | Responder] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ control
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> OAIServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="oai-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> OAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, *answers: Answer | Responder | Iterable[Answer]) -> OAIServer:
        """Queue answers (served in request order); a callable answers one request from its body."""
        with self._lock:
            for a in answers:
                if isinstance(a, dict) or callable(a):
                    self._queue.append(a)
                else:
                    self._queue.extend(a)
        return self

    def respond_with(self, fn: Responder) -> OAIServer:
        """Answer every request not covered by the script with ``fn(body)``."""
        self.default = fn
        return self

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.max_in_flight = 0

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests]

    # ------------------------------------------------------------ internals
    def _next(self, body: dict[str, Any]) -> Answer:
        with self._lock:
            item = self._queue.popleft() if self._queue else self.default
        if item is None:
            return {"status": 500, "body": {"error": {"message": "oai_server: no scripted answer left"}}}
        return item(body) if callable(item) else item


class _Handler(BaseHTTPRequestHandler):
    owner: OAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:  # noqa: N802
        if self.path.split("?")[0].rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in self.owner.models]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802
        srv = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        with srv._lock:
            headers = {k.lower(): v for k, v in self.headers.items()}
            srv.requests.append({"path": self.path, "headers": headers, "body": body, "time": time.monotonic()})
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
        try:
            if not self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            fmt = body.get("response_format") or {}
            if srv.refuse_json_schema and isinstance(fmt, dict) and fmt.get("type") == "json_schema":
                # What llama-cpp-python's server answers to response_format json_schema.
                self._send(500, {"error": {"message": "Internal Server Error: unsupported response_format "
                                           "type 'json_schema'", "type": "internal_server_error"}})
                return
            answer = srv._next(body)
            if answer.get("delay"):
                time.sleep(float(answer["delay"]))
            self._answer(answer, body)
        finally:
            with srv._lock:
                srv.in_flight -= 1

    def _answer(self, answer: Answer, body: dict[str, Any]) -> None:
        if "status" in answer and answer["status"] != 200:
            default = {"error": {"message": f"synthetic HTTP {answer['status']}", "type": "server_error"}}
            self._send(int(answer["status"]), answer.get("body", default), answer.get("headers"))
            return
        if answer.get("invalid_json"):
            self._send_raw(200, b'{"id": "chatcmpl-x", "choices": [ not json', "application/json")
            return
        if "raw" in answer:
            self._send(200, answer["raw"])
            return
        if answer.get("huge_mb"):
            payload = json.dumps(completion(body, "{}")).encode()
            block, n = b" " * 2**20, int(answer["huge_mb"])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(n * len(block) + len(payload)))
            self.end_headers()
            try:
                for _ in range(n):
                    self.wfile.write(block)
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client stopped reading, as it should
                self.close_connection = True
            return
        if answer.get("trickle"):
            payload = json.dumps(completion(body, "{}")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            try:
                for k in range(len(payload)):
                    self.wfile.write(payload[k : k + 1])
                    self.wfile.flush()
                    time.sleep(float(answer["trickle"]))
            except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
                self.close_connection = True
            return
        if answer.get("truncated"):
            payload = json.dumps(completion(body, "{}")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload) + 100))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if "sections" in answer:
            text = json.dumps(answer["sections"])
            if body.get("tools"):
                self._send(200, completion(body, text, tool=True, usage=answer.get("usage")))
            elif body.get("response_format"):
                self._send(200, completion(body, text, usage=answer.get("usage")))
            else:
                self._send(200, completion(body, f"```json\n{text}\n```", usage=answer.get("usage")))
            return
        if "tool_arguments" in answer:
            data = completion(body, answer["tool_arguments"], tool=True, usage=answer.get("usage"))
            if answer.get("finish_reason"):  # e.g. "length": cut off at max_tokens
                data["choices"][0]["finish_reason"] = answer["finish_reason"]
            self._send(200, data)
            return
        self._send(200, completion(body, str(answer.get("content", "")), usage=answer.get("usage")))

    def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(data).encode(), "application/json", headers)

    def _send_raw(self, status: int, payload: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            self.close_connection = True


def completion(body: dict[str, Any], text: str, *, tool: bool = False, usage: dict[str, int] | None = None
               ) -> dict[str, Any]:
    """A chat.completion object; usage is deterministic (characters / 4) unless given."""
    prompt = (len(json.dumps(body.get("messages", []))) + 3) // 4
    done = (len(text) + 3) // 4
    usage = usage or {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}
    message: dict[str, Any] = {"role": "assistant", "content": text}
    finish = "stop"
    if tool:
        name = ((body.get("tools") or [{}])[0].get("function") or {}).get("name", "Sections")
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{len(text)}", "type": "function", "function": {"name": name, "arguments": text}}]}
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-synthetic-{prompt}-{done}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", "synthetic-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8099)
    p.add_argument("--answers", type=Path, help="JSON file: one answer object or a list, served in a cycle")
    p.add_argument("--delay", type=float, default=0.0, help="seconds to wait before each answer")
    p.add_argument("--refuse-json-schema", action="store_true", help="answer 500 to json_schema like llama-cpp")
    args = p.parse_args()
    answers: list[Answer] = [{"sections": EMPTY_SECTIONS}]
    if args.answers:
        data = json.loads(args.answers.read_text(encoding="utf-8"))
        data = data if isinstance(data, list) else [data]
        answers = [a if "sections" in a or "status" in a or "content" in a else {"sections": _strip(a)} for a in data]
    counter = {"n": 0}

    def cycle(_body: dict[str, Any]) -> Answer:
        counter["n"] += 1
        return {**answers[(counter["n"] - 1) % len(answers)], "delay": args.delay}

    server = OAIServer(args.host, args.port, refuse_json_schema=args.refuse_json_schema, default=cycle).start()
    print(f"serving synthetic answers at {server.base_url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    """A fixture file's sections without its ``_synthetic`` / ``_note`` markers."""
    return {k: v for k, v in data.items() if not k.startswith("_")}


if __name__ == "__main__":
    main()
