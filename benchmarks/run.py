"""Performance benchmark of brief against a loopback server, side by side with LangExtract.

``python benchmarks/run.py [--quick]`` prints a table and writes benchmarks/RESULTS.md. Every article is
SYNTHETIC (benchmarks/synth.py); the server (benchmarks/server.py) runs in its own process so the CPU
time measured here is brief's own. Caches go to a temporary folder, never the user's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# BENCH_PACKAGE_ROOT: measure a scratch copy of the package (before/after a proposed patch).
PACKAGE_ROOT = Path(os.environ.get("BENCH_PACKAGE_ROOT") or ROOT).resolve()
sys.path[:0] = [str(PACKAGE_ROOT), str(HERE)]

import synth  # noqa: E402

from summarizer.errors import BriefError  # noqa: E402
from summarizer.extract import aextract, extract_many  # noqa: E402
from summarizer.grounding import verify  # noqa: E402
from summarizer.llm import LLMClient, ModelConfig  # noqa: E402
from summarizer.prompts import load_prompts  # noqa: E402
from summarizer.schema import ArticleExtraction, Sections  # noqa: E402

LX_PYTHON = HERE / ".venv-langextract" / "bin" / "python"
LATENCY = 0.3
STEPS = ("grid", "cpu", "warm", "merge", "offline", "tokens", "rate", "side")


@dataclass
class Plan:
    grid_n: list[int]
    grid_c: list[int]
    skip: set[tuple[int, int]]
    cpu_n: int
    warm_n: int
    merge_items: list[int]
    offline_n: int
    rate_n: int
    rate: float
    rate_c: int
    side_n: int
    side_c: int


FULL = Plan([10, 100, 1000], [1, 8, 32, 64], {(1000, 1)}, 200, 1000, [1000, 10000], 1000, 200, 20, 32, 300, 32)
QUICK = Plan([10, 100], [1, 8, 32, 64], {(100, 1)}, 40, 100, [1000], 100, 60, 20, 32, 30, 32)


@dataclass
class Results:
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- the server process


class Server:
    """benchmarks/server.py in a child process, controlled over HTTP."""

    def __init__(self, corpus: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HERE / "server.py"), "--corpus", str(corpus)],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "READY":
            self.proc.kill()
            raise SystemExit("benchmark server did not start")
        self.base_url = line[1]
        self.tokenizer = " ".join(line[2:]).removeprefix("tokenizer=")
        self.root = self.base_url.removesuffix("/v1")

    def _call(self, path: str, data: dict[str, Any] | None = None) -> Any:
        req = urllib.request.Request(self.root + path, data=json.dumps(data).encode() if data is not None else None,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def configure(self, latency: float = LATENCY, rate: float = 0.0, per_token: float = 0.0) -> None:
        self._call("/_config", {"latency": latency, "rate": rate, "per_token": per_token})

    def stats(self) -> dict[str, Any]:
        return self._call("/_stats")

    def bodies(self) -> dict[str, list[dict[str, Any]]]:
        return self._call("/_bodies")

    def tokens(self, texts: dict[str, str]) -> dict[str, int]:
        return self._call("/_tokens", {"texts": texts})

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---------------------------------------------------------------- measurements


def config(server: Server, concurrency: int, cache_dir: Path) -> ModelConfig:
    return ModelConfig(model="synthetic-model", base_url=server.base_url, api_key="not-needed",
                       concurrency=concurrency, cache_dir=cache_dir, timeout=60.0)


def run_many(server: Server, articles: list[Any], concurrency: int, cache_dir: Path) -> dict[str, Any]:
    """extract_many once: wall, this process's CPU, server counters, failures."""
    wall, cpu = time.perf_counter(), time.process_time()
    results = extract_many(articles, config(server, concurrency, cache_dir))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    failed = [r for r in results if isinstance(r, BriefError)]
    ok = [r for r in results if isinstance(r, ArticleExtraction)]
    return {"wall": wall, "cpu": cpu, "failed": len(failed), "first_error": str(failed[0]) if failed else "",
            "items": sum(len(r.items()) for r in ok), "rejected": sum(len(r.rejected) for r in ok),
            "prompt_tokens": sum(r.usage.prompt_tokens for r in ok), "calls": sum(r.usage.calls for r in ok),
            "cached_calls": sum(r.usage.cached_calls for r in ok), "server": server.stats(), "results": results}


def grid(server: Server, corpus: list[synth.SynthArticle], plan: Plan, tmp: Path, res: Results) -> None:
    server.configure(latency=0.0)
    run_many(server, [corpus[-1].article], 1, tmp / "cache-warmup")  # first-call imports are not per-article cost
    for n in plan.grid_n:
        for c in plan.grid_c:
            ideal = math.ceil(n / c) * LATENCY
            if (n, c) in plan.skip:
                res.rows.append({"n": n, "c": c, "ideal": ideal, "skipped": True})
                continue
            server.configure(LATENCY)
            cache = tmp / f"cache-{n}-{c}"
            r = run_many(server, [s.article for s in corpus[:n]], c, cache)
            row = {"n": n, "c": c, "ideal": ideal, "wall": r["wall"], "ratio": r["wall"] / ideal,
                   "cpu_ms": r["cpu"] / n * 1000, "failed": r["failed"], "requests": r["server"]["requests"],
                   "max_in_flight": r["server"]["max_in_flight"], "items": r["items"], "rejected": r["rejected"],
                   "cache": str(cache)}
            res.rows.append(row)
            print(f"  N={n:5d} C={c:3d}  wall {r['wall']:7.2f} s  ideal {ideal:6.2f} s  ratio {row['ratio']:5.2f}  "
                  f"cpu {row['cpu_ms']:5.1f} ms/article  in-flight max {row['max_in_flight']}  failed {r['failed']}",
                  flush=True)


def cpu_per_article(server: Server, corpus: list[synth.SynthArticle], n: int, tmp: Path, res: Results) -> None:
    """Sequential aextract with a shared client and zero latency: process CPU per article."""
    server.configure(latency=0.0)
    arts = [s.article for s in corpus[:n]]

    async def go() -> list[float]:
        cfg = config(server, 1, tmp / "cache-cpu")
        client, prompts = LLMClient(cfg), load_prompts()
        await aextract(arts[0], cfg, client=client, prompts=prompts)  # warm: imports, schema, prompt files
        out = []
        for a in arts[1:]:
            t = time.process_time()
            await aextract(a, cfg, client=client, prompts=prompts)
            out.append(time.process_time() - t)
        await client.aclose()
        return out

    per = asyncio.run(go())
    # Parts of it, measured alone on the same articles: decoding the answer, validating Sections, grounding.
    dec, val, ver = [], [], []
    for s in corpus[1:n]:
        raw = json.dumps({"choices": [{"message": {"tool_calls": [{"function": {"arguments": json.dumps(
            s.answer)}}]}}]})
        t = time.process_time()
        args = json.loads(json.loads(raw)["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
        dec.append(time.process_time() - t)
        t = time.process_time()
        sections = Sections.model_validate(args)
        val.append(time.process_time() - t)
        t = time.process_time()
        verify(sections, s.article)
        ver.append(time.process_time() - t)
    res.data["cpu"] = {"n": len(per), "median_ms": _ms(statistics.median(per)), "p95_ms": _ms(_p95(per)),
                       "decode_median_ms": _ms(statistics.median(dec)), "validate_median_ms":
                       _ms(statistics.median(val)), "verify_median_ms": _ms(statistics.median(ver)),
                       "verify_p95_ms": _ms(_p95(ver))}
    res.data["cpu"]["median_ex_decode_ms"] = res.data["cpu"]["median_ms"] - res.data["cpu"]["decode_median_ms"]
    print(f"  CPU per article: {res.data['cpu']}", flush=True)


def warm(server: Server, corpus: list[synth.SynthArticle], plan: Plan, res: Results) -> None:
    """Re-run the grid's N=warm_n, C=32 articles from its cache: wall and model calls (must be zero)."""
    row = next((r for r in res.rows if r["n"] == plan.warm_n and r["c"] == 32 and not r.get("skipped")), None)
    if row is None:
        res.notes.append("warm re-run skipped: no cold run to re-use")
        return
    server.configure(LATENCY)
    r = run_many(server, [s.article for s in corpus[: plan.warm_n]], 32, Path(row["cache"]))
    res.data["warm"] = {"n": plan.warm_n, "wall": r["wall"], "cpu_ms": r["cpu"] / plan.warm_n * 1000,
                        "server_requests": r["server"]["requests"], "cached_calls": r["cached_calls"],
                        "failed": r["failed"]}
    print(f"  warm: {res.data['warm']}", flush=True)


def merge_bench(items: int, timeout: float) -> dict[str, Any]:
    """merge() on ``items`` verified items, in a child process (bounded by ``timeout``)."""
    cmd = [sys.executable, str(Path(__file__)), "--merge-worker", str(items)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"items": items, "error": f"did not finish within {timeout:g} s"}
    if out.returncode != 0:
        return {"items": items, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def merge_worker(items: int) -> None:
    from summarizer.merge import merge

    exts, arts, count, i = [], [], 0, 0
    while count < items:
        s = synth.make_article(i, seed=7)
        e = verify(Sections.model_validate(s.answer), s.article, extractor="synthetic")
        exts.append(e)
        arts.append(s.article)
        count += len(e.items())
        i += 1
    t = time.perf_counter()
    b = merge(exts, arts)
    wall = time.perf_counter() - t
    tracemalloc.start()
    merge(exts, arts)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"items": count, "articles": len(arts), "wall": wall, "peak_mb": peak / 1e6,
                      "merged_items": len(b.items()), "estimates": len(b.estimates)}))


def offline(corpus: list[synth.SynthArticle], n: int, res: Results) -> None:
    from summarizer.offline import extract_offline

    arts = [s.article for s in corpus[:n]]
    extract_offline(arts[0])  # warm: pattern files
    t, c = time.perf_counter(), time.process_time()
    found = sum(len(extract_offline(a).items()) for a in arts)
    res.data["offline"] = {"n": n, "wall": time.perf_counter() - t, "cpu": time.process_time() - c, "items": found}
    # Its patterns name real sides (North Korean, Russian, ...), so the fictional SYNTHETIC states yield few items;
    # the seed articles, repeated, show the cost when patterns do match.
    from summarizer.articles import load_articles

    seeds = load_articles([ROOT / "seeds"]).articles
    if seeds:
        reps = [seeds[i % len(seeds)] for i in range(n)]
        t = time.perf_counter()
        found = sum(len(extract_offline(a).items()) for a in reps)
        res.data["offline"]["seeds"] = {"n": n, "distinct": len(seeds), "wall": time.perf_counter() - t,
                                        "items": found}
    print(f"  offline: {res.data['offline']}", flush=True)


def tokens(server: Server, corpus: list[synth.SynthArticle], res: Results) -> None:
    """Prompt parts of one real request (as sent), counted by the server's tokenizer."""
    server.configure(latency=0.0)
    tmp = Path(tempfile.mkdtemp(prefix="brief-bench-tok-"))
    s = corpus[0]
    extract_many([s.article], config(server, 1, tmp))
    body = server.bodies()["brief"][0]
    p = load_prompts()
    system = body["messages"][0]["content"]
    user = body["messages"][1]["content"]
    example = p.files["example_article.txt"].strip() + p.files["example_answer.json"].strip()
    parts = {"system prompt (all)": system, "  of which rules": p.files["system.txt"],
             "  of which section guidance": p.files["sections.txt"], "  of which worked example": example,
             "schema (tools parameter)": json.dumps(body.get("tools") or body.get("response_format") or "",
                                                    separators=(",", ":")),
             "user message (all)": user, "  of which article text": s.article.text}
    counts = server.tokens(parts)
    counts["  of which rules"] -= 6  # the three {placeholders} of system.txt
    stats = server.stats()
    res.data["tokens"] = {"parts": counts, "usage_prompt": stats["prompt_tokens"], "requests": stats["requests"],
                          "tokenizer": server.tokenizer}
    print(f"  tokens: {res.data['tokens']}", flush=True)


def rate_limited(server: Server, corpus: list[synth.SynthArticle], plan: Plan, tmp: Path, res: Results) -> None:
    server.configure(LATENCY, rate=plan.rate)
    r = run_many(server, [s.article for s in corpus[: plan.rate_n]], plan.rate_c, tmp / "cache-rate")
    ideal = max(plan.rate_n / plan.rate, math.ceil(plan.rate_n / plan.rate_c) * LATENCY)
    st = r["server"]
    res.data["rate"] = {"n": plan.rate_n, "rate": plan.rate, "c": plan.rate_c, "wall": r["wall"], "ideal": ideal,
                        "ratio": r["wall"] / ideal, "429s": st["rate_limited"], "requests": st["requests"],
                        "failed": r["failed"], "first_error": r["first_error"]}
    print(f"  rate-limited: {res.data['rate']}", flush=True)
    server.configure(LATENCY)


def side_by_side(server: Server, corpus_path: Path, corpus: list[synth.SynthArticle], plan: Plan, tmp: Path,
                 res: Results) -> None:
    n, c = plan.side_n, plan.side_c
    server.configure(LATENCY)
    ours = run_many(server, [s.article for s in corpus[:n]], c, tmp / "cache-side")
    o = ours["server"]["by_client"].get("brief", {})
    res.data["side"] = {"n": n, "c": c, "brief": {
        "wall": ours["wall"], "cpu_ms": ours["cpu"] / n * 1000, "requests_per_article": ours["server"]["requests"] / n,
        "prompt_tokens_per_article": o.get("prompt_tokens", 0) / n,
        "completion_tokens_per_article": o.get("completion_tokens", 0) / n, "items": ours["items"],
        "failed": ours["failed"]}}
    if not LX_PYTHON.exists():
        res.data["side"]["langextract"] = {"error": "not installed: see benchmarks/README.md"}
        return
    server.configure(LATENCY)
    cmd = [str(LX_PYTHON), str(HERE / "langextract_run.py"), "--corpus", str(corpus_path), "--n", str(n),
           "--concurrency", str(c), "--base-url", server.base_url]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
        lx = json.loads(out.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        res.data["side"]["langextract"] = {"error": f"{type(exc).__name__}: see stderr"}
        return
    t = server.stats()["by_client"].get("langextract", {})
    res.data["side"]["langextract"] = {
        "wall": lx["wall_s"], "cpu_ms": lx["cpu_s"] / n * 1000, "requests_per_article": t.get("requests", 0) / n,
        "prompt_tokens_per_article": t.get("prompt_tokens", 0) / n,
        "completion_tokens_per_article": t.get("completion_tokens", 0) / n, "items": lx["extractions"],
        "failed": 0, "version": _lx_version()}
    print(f"  side by side: {res.data['side']}", flush=True)


# ---------------------------------------------------------------- report


def _ms(seconds: float) -> float:
    return seconds * 1000


def _p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]


def _lx_version() -> str:
    try:
        out = subprocess.run([str(LX_PYTHON), "-c", "import importlib.metadata as m; print(m.version('langextract'))"],
                             capture_output=True, text=True, timeout=60, check=False)
        return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    pkgs = []
    for name in ("openai", "instructor", "pydantic", "httpx2", "tenacity", "aiohttp"):
        try:
            pkgs.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [f"- CPU: {cpu}, {os.cpu_count()} cores; load average at the end {load} (other work shares the machine)",
            f"- Memory: {mem}", f"- Python {platform.python_version()} on {platform.platform()}",
            f"- Packages: {', '.join(pkgs)}"]


def report(res: Results, plan: Plan, quick: bool, server: Server, started: float) -> str:
    L: list[str] = ["# Benchmark results", "",
                    f"Generated by `python benchmarks/run.py{' --quick' if quick else ''}` on "
                    f"{time.strftime('%Y-%m-%d %H:%M')} in {time.time() - started:.0f} s. All articles are "
                    "SYNTHETIC (benchmarks/synth.py); the model is a loopback server (benchmarks/server.py) "
                    f"answering with each article's valid answer after {LATENCY * 1000:.0f} ms.", "",
                    "## Machine", "", *machine(), f"- Token counts: {server.tokenizer}",
                    f"- Package measured: {PACKAGE_ROOT}" + ("" if PACKAGE_ROOT == ROOT else " (a scratch copy)"), ""]
    L += ["## 1. Wall time against the ideal ceil(N/C) x 300 ms", "",
          "| N | C | wall s | ideal s | ratio | our CPU ms/article | requests | max in flight | failed |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in res.rows:
        if r.get("skipped"):
            L.append(f"| {r['n']} | {r['c']} | skipped (ideal {r['ideal']:.0f} s) | {r['ideal']:.1f} | | | | | |")
        else:
            L.append(f"| {r['n']} | {r['c']} | {r['wall']:.2f} | {r['ideal']:.1f} | {r['ratio']:.2f} | "
                     f"{r['cpu_ms']:.1f} | {r['requests']} | {r['max_in_flight']} | {r['failed']} |")
    d = res.data
    if "cpu" in d:
        c = d["cpu"]
        L += ["", f"## 2. Our CPU per article ({c['n']} articles, sequential, zero latency)", "",
              f"- total: median {c['median_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms",
              f"- excluding JSON decoding of the answer ({c['decode_median_ms']:.2f} ms): median "
              f"{c['median_ex_decode_ms']:.1f} ms",
              f"- of which, measured alone: Sections validation {c['validate_median_ms']:.2f} ms, grounding "
              f"(verify) median {c['verify_median_ms']:.2f} ms, p95 {c['verify_p95_ms']:.2f} ms; the rest is "
              "openai + instructor + httpx + the store"]
    if "warm" in d:
        w = d["warm"]
        L += ["", "## 3. Warm re-run from the cache", "",
              f"- {w['n']} articles: {w['wall']:.2f} s, {w['cpu_ms']:.1f} ms CPU/article, model calls seen by the "
              f"server: {w['server_requests']}, cached calls: {w['cached_calls']}, failed: {w['failed']}"]
    if "merge" in d:
        L += ["", "## 4. Merging", "", "| items | articles | wall s | peak MB (tracemalloc) | merged items |",
              "|---:|---:|---:|---:|---:|"]
        for m in d["merge"]:
            if "error" in m:
                L.append(f"| {m['items']} | | {m['error']} | | |")
            else:
                L.append(f"| {m['items']} | {m['articles']} | {m['wall']:.2f} | {m['peak_mb']:.1f} | "
                         f"{m['merged_items']} |")
    if "offline" in d:
        o = d["offline"]
        L += ["", "## 5. Offline extractor", "",
              f"- {o['n']} articles: {o['wall']:.2f} s wall ({o['wall'] / o['n'] * 1000:.1f} ms/article), "
              f"{o['items']} items (its patterns know real sides only, not the fictional SYNTHETIC states)"]
        if "seeds" in o:
            z = o["seeds"]
            L.append(f"- the {z['distinct']} seed articles repeated to {z['n']}: {z['wall']:.2f} s wall "
                     f"({z['wall'] / z['n'] * 1000:.1f} ms/article), {z['items']} items")
    if "tokens" in d:
        t = d["tokens"]
        L += ["", f"## 6. Tokens per article ({t['tokenizer']})", "", "| part | tokens |", "|---|---:|"]
        L += [f"| {k} | {v} |" for k, v in t["parts"].items()]
        L += [f"| **prompt tokens billed (usage)** | **{t['usage_prompt']}** |", "",
              f"- model calls per article: {t['requests']} (articles fit one call at the default 8192-token "
              "context)"]
    if "rate" in d:
        r = d["rate"]
        L += ["", "## 7. Under a rate limit", "",
              f"- {r['n']} articles, limit {r['rate']:g} req/s, C={r['c']}: {r['wall']:.2f} s against an ideal of "
              f"{r['ideal']:.1f} s (ratio {r['ratio']:.2f}); 429s seen: {r['429s']}; requests: {r['requests']}; "
              f"failed articles: {r['failed']}" + (f" (first: {r['first_error'][:200]})" if r["failed"] else "")]
    if "side" in d:
        s = d["side"]
        b, x = s["brief"], s.get("langextract", {})
        L += ["", f"## Side by side with LangExtract ({s['n']} articles, C={s['c']}, same server, one run)", ""]
        if "error" in x:
            L.append(f"LangExtract: {x['error']}")
        else:
            L += [f"LangExtract {x.get('version', '')} through its OpenAI provider, default max_char_buffer=1000, "
                  "batch_length = max_workers = C.", "",
                  "| | brief | LangExtract | brief / LangExtract |", "|---|---:|---:|---:|"]
            for key, label in [("requests_per_article", "requests per article"),
                               ("prompt_tokens_per_article", "prompt tokens per article"),
                               ("completion_tokens_per_article", "completion tokens per article"),
                               ("wall", "wall time s"), ("cpu_ms", "client CPU ms per article"),
                               ("items", "items extracted")]:
                ratio = b[key] / x[key] if x.get(key) else float("nan")
                L.append(f"| {label} | {b[key]:.1f} | {x[key]:.1f} | {ratio:.2f} |")
    L += ["", "## Targets", "", *targets(res, plan), ""]
    if res.notes:
        L += ["## Notes", "", *[f"- {n}" for n in res.notes], ""]
    return "\n".join(L)


def targets(res: Results, plan: Plan) -> list[str]:
    d, out = res.data, []

    def line(name: str, ok: bool | None, detail: str) -> None:
        out.append(f"- {'MET' if ok else 'not measured' if ok is None else 'MISSED'}: {name} ({detail})")

    big = max(plan.grid_n)
    row = next((r for r in res.rows if r["n"] == big and r["c"] == 32 and not r.get("skipped")), None)
    line(f"wall at C=32, N={big} <= 1.15 x ideal", row and row["ratio"] <= 1.15,
         f"{row['ratio']:.2f} x" if row else "-")
    c = d.get("cpu")
    line("our CPU per article < 10 ms median excluding JSON decoding", c and c["median_ex_decode_ms"] < 10,
         f"{c['median_ex_decode_ms']:.1f} ms" if c else "-")
    w = d.get("warm")
    line(f"cached re-run of {w['n'] if w else '?'} < 3 s with zero calls",
         w and w["wall"] < 3 and w["server_requests"] == 0, f"{w['wall']:.2f} s, {w['server_requests']} calls" if w
         else "-")
    m = next((m for m in d.get("merge", []) if m["items"] >= 10000 and "error" not in m), None)
    line("merging 10k items < 2 s", m and m["wall"] < 2, f"{m['wall']:.2f} s" if m else "not run")
    s = d.get("side", {})
    b, x = s.get("brief"), s.get("langextract", {})
    ok = b and "prompt_tokens_per_article" in x and b["prompt_tokens_per_article"] < x["prompt_tokens_per_article"]
    line("fewer prompt tokens per article than LangExtract", ok if x and "error" not in x else None,
         f"{b['prompt_tokens_per_article']:.0f} vs {x['prompt_tokens_per_article']:.0f}" if ok is not None and b
         and "prompt_tokens_per_article" in x else "-")
    r = d.get("rate")
    line("rate-limited run <= 1.2 x the limit's ideal with no failed article",
         r and r["ratio"] <= 1.2 and r["failed"] == 0, f"{r['ratio']:.2f} x, {r['failed']} failed" if r else "-")
    return out


# ---------------------------------------------------------------- main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small N, under 2 minutes")
    p.add_argument("--out", type=Path, default=None, help="where to write the results (default: RESULTS.md)")
    p.add_argument("--only", default=",".join(STEPS), help=f"comma-separated steps to run: {','.join(STEPS)}")
    p.add_argument("--merge-worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.merge_worker:
        merge_worker(args.merge_worker)
        return
    plan = QUICK if args.quick else FULL
    out = args.out or HERE / ("RESULTS.quick.md" if args.quick else "RESULTS.md")
    started = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    os.environ["BRIEF_CACHE_DIR"] = str(tmp / "never-used")  # nothing may touch the user's cache
    os.environ["XDG_CACHE_HOME"] = str(tmp / "never-used-xdg")  # the library's default (it reads no BRIEF_*)
    n_max = max([*plan.grid_n, plan.cpu_n, plan.warm_n, plan.offline_n, plan.rate_n, plan.side_n])
    print(f"generating {n_max} SYNTHETIC articles in {tmp}", flush=True)
    corpus = synth.corpus(n_max, seed=0)
    synth.write(corpus, tmp / "corpus")
    corpus_path = tmp / "corpus" / "corpus.synthetic.jsonl"
    server = Server(corpus_path)
    res = Results()
    try:
        steps = {
            "grid": lambda: grid(server, corpus, plan, tmp, res),
            "cpu": lambda: cpu_per_article(server, corpus, plan.cpu_n, tmp, res),
            "warm": lambda: warm(server, corpus, plan, res),
            "merge": lambda: res.data.__setitem__("merge", [merge_bench(k, timeout=300) for k in plan.merge_items]),
            "offline": lambda: offline(corpus, plan.offline_n, res),
            "tokens": lambda: tokens(server, corpus, res),
            "rate": lambda: rate_limited(server, corpus, plan, tmp, res),
            "side": lambda: side_by_side(server, corpus_path, corpus, plan, tmp, res),
        }
        chosen = [x.strip() for x in args.only.split(",") if x.strip()]
        unknown = [x for x in chosen if x not in steps]
        if unknown:
            raise SystemExit(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
        for i, name in enumerate(chosen, 1):
            print(f"{i}. {name}", flush=True)
            steps[name]()
            if name == "merge":
                print(f"  merge: {res.data['merge']}", flush=True)
    finally:
        server.close()
    text = report(res, plan, args.quick, server, started)
    out.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"\nwritten to {out}; temporary files in {tmp}")


if __name__ == "__main__":
    main()
