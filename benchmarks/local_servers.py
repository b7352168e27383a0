"""llama-cpp-python's server against llama.cpp's C++ llama-server, same GGUF, same settings, over HTTP.

For each server: a fresh prompt (the real system prompt's first part plus an article, max_tokens 1), the
same prompt again generating 32 tokens (the prompt is cached, so this is generation), and a prompt that
shares the prefix with a different article (what happens between two articles). Then one instructor call
in tools mode (a forced tool call, what `brief` sends) to check the server works with it. One JSON line
per server, with the load average.

    python benchmarks/local_servers.py --model qwen2.5-coder-1.5b --threads 1
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from pathlib import Path
from typing import Any


def loadavg() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def post(url: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=1800) as resp:  # noqa: S310 - loopback server we started
        data = json.loads(resp.read())
    return time.monotonic() - t0, data


def tools_check(base_url: str, alias: str) -> str:
    import instructor
    import openai
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        age: int

    client = instructor.from_openai(openai.OpenAI(base_url=base_url, api_key="local", timeout=600),
                                    mode=instructor.Mode.TOOLS)
    try:
        p = client.chat.completions.create(model=alias, response_model=Person, max_retries=0, temperature=0,
                                           max_tokens=60, messages=[{"role": "user",
                                                                     "content": "John Smith is 31 years old."}])
        return f"works ({p.name}, {p.age})"
    except Exception as exc:  # report, do not hide: this is the compatibility check
        return f"fails: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


def main() -> None:
    from summarizer.model.local import LocalServer
    from summarizer.model.prompts import load_prompts, system_prompt

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="qwen2.5-coder-1.5b")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--servers", nargs="+", default=["python", "cpp"])
    p.add_argument("--prefix-chars", type=int, default=2400)
    p.add_argument("--article-chars", type=int, default=800)
    args = p.parse_args()
    root = Path(__file__).resolve().parent.parent
    prefix = system_prompt(load_prompts())[: args.prefix_chars]
    seeds = sorted((root / "seeds").glob("*.txt"))
    prompt_a = prefix + "\n\n" + seeds[0].read_text()[: args.article_chars]
    prompt_b = prefix + "\n\n" + seeds[1].read_text()[: args.article_chars]
    for backend in args.servers:
        before = loadavg()
        server = LocalServer(name=args.model, backend=backend, n_threads=args.threads, n_ctx=4096, max_tokens=None,
                             log_file=Path(f"/tmp/brief-bench-{backend}.log"))
        with server.start(timeout=600):
            url = f"{server.base_url}/completions"
            common = {"model": args.model, "temperature": 0, "seed": 1234}
            fresh, a = post(url, {**common, "prompt": prompt_a, "max_tokens": 1})
            gen_s, g = post(url, {**common, "prompt": prompt_a, "max_tokens": 33})
            prefix_s, _ = post(url, {**common, "prompt": prompt_b, "max_tokens": 1})
            tools = tools_check(server.base_url, args.model)
            prompt_tokens = a["usage"]["prompt_tokens"]
            generated = g["usage"]["completion_tokens"]
            print(json.dumps({
                "server": backend, "threads": args.threads, "startup_s": round(server.startup_seconds or 0, 1),
                "prompt_tokens": prompt_tokens, "fresh_prompt_s": round(fresh, 1),
                "prompt_tok_s": round(prompt_tokens / fresh, 1), "generated": generated,
                "gen_tok_s": round(generated / max(gen_s, 1e-6), 2),
                "shared_prefix_prompt_s": round(prefix_s, 1), "instructor_tools": tools,
                "loadavg_before": before, "loadavg_after": loadavg(),
            }), flush=True)


if __name__ == "__main__":
    main()
