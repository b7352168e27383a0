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
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

try:
    import resource
except ImportError:  # not on Unix
    resource = None  # type: ignore[assignment]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# BENCH_PACKAGE_ROOT: measure a scratch copy of the package (before/after a proposed patch).
PACKAGE_ROOT = Path(os.environ.get("BENCH_PACKAGE_ROOT") or ROOT).resolve()
sys.path[:0] = [str(PACKAGE_ROOT), str(HERE)]

import synth  # noqa: E402

from summarizer.core.errors import BriefError  # noqa: E402
from summarizer.core.schema import ArticleExtraction, Sections  # noqa: E402
from summarizer.model.client import LLMClient, ModelConfig  # noqa: E402
from summarizer.model.extractor import aextract, extract_many  # noqa: E402
from summarizer.model.prompts import load_prompts  # noqa: E402
from summarizer.verification.grounding import verify  # noqa: E402

LX_PYTHON = HERE / ".venv-langextract" / "bin" / "python"
NOTES = HERE / "RESULTS-notes.md"
LATENCY = 0.3
STEPS = ("grid", "cpu", "warm", "merge", "offline", "memory", "tokens", "rate", "side")


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
    memory_n: list[int] = field(default_factory=lambda: [1000, 10000])
    repeat: int = 3
    show_skipped: bool = True


FULL = Plan([10, 100, 1000], [1, 8, 32, 64], {(1000, 1)}, 200, 1000, [1000, 10000, 20000, 40000], 1000, 200, 20,
            32, 300, 32)
QUICK = Plan([10, 100], [1, 8, 32, 64], {(100, 1)}, 40, 100, [1000], 100, 60, 20, 32, 30, 32, [200], 2)


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

    def configure(self, latency: float = LATENCY, rate: float = 0.0, per_token: float = 0.0,
                  retry_ms: bool = True) -> None:
        self._call("/_config", {"latency": latency, "rate": rate, "per_token": per_token, "retry_ms": int(retry_ms)})

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


def _children_cpu() -> float:
    """CPU of this process's finished children: brief's grounding process (the server is still running)."""
    if resource is None:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_many(server: Server, articles: list[Any], concurrency: int, cache_dir: Path) -> dict[str, Any]:
    """extract_many once: wall, brief's CPU (this process and its grounding process), server counters, failures."""
    wall, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
    results = extract_many(articles, config(server, concurrency, cache_dir))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu + _children_cpu() - child
    failed = [r for r in results if isinstance(r, BriefError)]
    ok = [r for r in results if isinstance(r, ArticleExtraction)]
    return {"wall": wall, "cpu": cpu, "failed": len(failed), "first_error": str(failed[0]) if failed else "",
            "items": sum(len(r.items()) for r in ok), "rejected": sum(len(r.rejected) for r in ok),
            "prompt_tokens": sum(r.usage.prompt_tokens for r in ok), "calls": sum(r.usage.calls for r in ok),
            "cached_calls": sum(r.usage.cached_calls for r in ok), "server": server.stats(), "results": results}


def load() -> float:
    """The 1-minute load average now (the machine is shared; every figure carries it)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def spread(values: list[float]) -> dict[str, float]:
    """min, median and max of repeated measurements."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def grid(server: Server, corpus: list[synth.SynthArticle], plan: Plan, tmp: Path, res: Results) -> None:
    server.configure(latency=0.0)
    run_many(server, [corpus[-1].article], 1, tmp / "cache-warmup")  # first-call imports are not per-article cost
    for n in plan.grid_n:
        for c in plan.grid_c:
            ideal = math.ceil(n / c) * LATENCY
            if (n, c) in plan.skip:
                if plan.show_skipped:
                    res.rows.append({"n": n, "c": c, "ideal": ideal, "skipped": True})
                continue
            # Each repeat is cold (a new cache folder); large N are repeated, small ones measured once.
            reps = plan.repeat if n >= 1000 or (n >= 100 and c >= 32) else 1
            walls, cpus, loads = [], [], []
            for k in range(reps):
                server.configure(LATENCY)
                cache = tmp / f"cache-{n}-{c}-{k}"
                loads.append(load())
                r = run_many(server, [s.article for s in corpus[:n]], c, cache)
                walls.append(r["wall"])
                cpus.append(r["cpu"] / n * 1000)
                print(f"  N={n:5d} C={c:3d}  wall {r['wall']:7.2f} s  ideal {ideal:6.2f} s  ratio "
                      f"{r['wall'] / ideal:5.2f}  cpu {cpus[-1]:5.1f} ms/article  in-flight max "
                      f"{r['server']['max_in_flight']}  failed {r['failed']}  load {loads[-1]:.1f}", flush=True)
            row = {"n": n, "c": c, "ideal": ideal, "wall": spread(walls), "cpu_ms": statistics.median(cpus),
                   "failed": r["failed"], "requests": r["server"]["requests"],
                   "max_in_flight": r["server"]["max_in_flight"], "load": spread(loads), "cache": str(cache)}
            row["ratio"] = {k: v / ideal for k, v in row["wall"].items() if k != "n"}
            res.rows.append(row)


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


# Started by the benchmark, this small process starts brief and reports brief's own rusage. A process
# forked straight from the benchmark would count the benchmark's own memory in its peak RSS: Linux keeps
# the largest RSS a process had before exec (and a fork or vfork starts as a copy of its parent).
_LAUNCH = """import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
_, status, ru = os.wait4(pid, 0)
print("BENCH_RUSAGE " + json.dumps([ru.ru_utime + ru.ru_stime, ru.ru_maxrss]), file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 900) -> dict[str, Any]:
    """Run the brief CLI in a fresh process: wall, its own CPU and peak RSS (os.wait4 in a small launcher
    process, so the benchmark's own memory is not counted), exit code."""
    child_env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT),
                                                                            os.environ.get("PYTHONPATH")])),
                 **(env or {})}
    t = time.perf_counter()
    # -P: the package comes from PYTHONPATH (BENCH_PACKAGE_ROOT), never from the current folder
    proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, "-P", "-m", "summarizer.cli", *args], env=child_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher and brief under it
        raise SystemExit(f"brief {' '.join(args)} did not finish within {timeout:g} s") from None
    wall = time.perf_counter() - t
    lines = stderr.strip().splitlines()
    usage = next((json.loads(x.split(" ", 1)[1]) for x in reversed(lines) if x.startswith("BENCH_RUSAGE ")), None)
    if usage is None:
        raise SystemExit(f"brief {' '.join(args)}: the launcher reported no resource usage ({lines[-1:]})")
    cpu, maxrss_kb = usage
    rest = [x for x in lines if not x.startswith("BENCH_RUSAGE ")]
    return {"wall": wall, "cpu": cpu, "rss_mb": maxrss_kb / 1024, "code": proc.returncode, "stderr": rest[-1:] or [""]}


def warm(server: Server, corpus: list[synth.SynthArticle], plan: Plan, tmp: Path, res: Results) -> None:
    """What a user runs: `brief DIR --model ...` cold through the CLI, then the same command again in new
    processes from its cache (wall, CPU, model calls seen by the server; must be zero)."""
    n = plan.warm_n
    folder = tmp / f"warm-articles-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    for s in corpus[:n]:
        (folder / f"{s.marker}.synthetic.txt").write_text(s.raw, encoding="utf-8")
    args = [str(folder), "--model", "synthetic-model", "--base-url", server.base_url, "--api-key", "not-needed",
            "--concurrency", "32", "--cache-dir", str(tmp / f"cache-cli-{n}"), "-q", "-o", str(tmp / "warm.md")]
    server.configure(LATENCY)
    cold = cli(args)
    cold_requests = server.stats()["requests"]
    runs = []
    for _ in range(plan.repeat):
        server.configure(LATENCY)  # resets the counters
        ld = load()
        r = cli(args)
        runs.append({**r, "load": ld, "requests": server.stats()["requests"]})
        print(f"  warm re-run (new process): {r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU, "
              f"{runs[-1]['requests']} calls, exit {r['code']}, load {ld:.1f}", flush=True)
    res.data["warm"] = {"n": n, "cold_wall": cold["wall"], "cold_cpu": cold["cpu"], "cold_requests": cold_requests,
                        "wall": spread([r["wall"] for r in runs]), "cpu": spread([r["cpu"] for r in runs]),
                        "requests": max(r["requests"] for r in runs), "codes": sorted({r["code"] for r in runs}),
                        "load": spread([r["load"] for r in runs])}


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
    from summarizer.merging.merge import merge

    exts, arts, count, i = [], [], 0, 0
    while count < items:
        s = synth.make_article(i, seed=7)
        e = verify(Sections.model_validate(s.answer), s.article, extractor="synthetic")
        exts.append(e)
        arts.append(s.article)
        count += len(e.items())
        i += 1
    t, c = time.perf_counter(), time.process_time()
    b = merge(exts, arts)
    wall, cpu = time.perf_counter() - t, time.process_time() - c  # CPU: what the load does not change
    tracemalloc.start()
    merge(exts, arts)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"items": count, "articles": len(arts), "wall": wall, "cpu": cpu, "peak_mb": peak / 1e6,
                      "merged_items": len(b.items()), "estimates": len(b.estimates)}))


def merges(plan: Plan) -> list[dict[str, Any]]:
    """merge() at each size, repeated, each run in its own child process."""
    out = []
    for k in plan.merge_items:
        runs = []
        for _ in range(plan.repeat):
            ld = load()
            m = merge_bench(k, timeout=300)
            if "error" in m:
                runs = [m]
                break
            runs.append({**m, "load": ld})
        if "error" in runs[0]:
            out.append(runs[0])
        else:
            out.append({**runs[0], "wall": spread([r["wall"] for r in runs]), "cpu": spread([r["cpu"] for r in runs]),
                        "load": spread([r["load"] for r in runs])})
        print(f"  merge {k}: {out[-1]}", flush=True)
    return out


_FIRST_SIGHT = """import json, sys, time
from pathlib import Path
from summarizer.ingestion.articles import load_articles
from summarizer.offline import extract_offline
root = Path(sys.argv[1])
for a in load_articles([root / "evals" / "dev" / "articles"]).articles:
    extract_offline(a)
times = []
for a in load_articles([root / "seeds"]).articles:
    t = time.process_time()
    extract_offline(a)
    times.append(time.process_time() - t)
print(json.dumps(times))
"""


def offline(corpus: list[synth.SynthArticle], plan: Plan, tmp: Path, res: Results) -> None:
    """Per-article CPU on the seeds (each seed timed alone, repeated), and the whole CLI in new processes."""
    from summarizer.ingestion.articles import load_articles
    from summarizer.offline import extract_offline
    from summarizer.reading import article_sentences

    seeds = load_articles([ROOT / "seeds"]).articles
    for a in seeds:
        extract_offline(a)  # warm: pattern tables, dateparser
    per: list[float] = []
    loads = [load()]
    for _ in range(max(20, plan.repeat)):
        for a in seeds:
            article_sentences._split.cache_clear()  # as in a run, where each article is split once, not served
            t = time.process_time()
            extract_offline(a)
            per.append(time.process_time() - t)
    loads.append(load())
    res.data["offline"] = {"distinct": len(seeds), "per_article_ms": {k: v * 1000 if k != "n" else v
                                                                      for k, v in spread(per).items()},
                           "load": spread(loads)}
    # Each seed seen for the first time, as in a run over distinct articles: a new process reads the 32
    # dev-corpus articles first (caches then hold other articles' sentences and the names a story repeats,
    # never this article's text), then times each seed once. The repeated figure above serves an article's
    # own sentences from caches keyed on text (figures, words, instruction sentences) after its first run.
    first: list[float] = []
    for _ in range(plan.repeat):
        out = subprocess.run([sys.executable, "-P", "-c", _FIRST_SIGHT, str(ROOT)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}, timeout=600, check=True)
        first += json.loads(out.stdout.strip().splitlines()[-1])
    res.data["offline"]["first_sight_ms"] = {k: v * 1000 if k != "n" else v for k, v in spread(first).items()}
    # The same in a new process, as users run it: the seeds copied to n files (each with its own last line,
    # so no copy is skipped as a duplicate).
    n = plan.offline_n
    folder = _seed_copies(tmp, n)
    runs = []
    for _ in range(plan.repeat):
        ld = load()
        r = cli([str(folder), "--offline", "-q", "-o", str(tmp / "offline.md")])
        runs.append({**r, "load": ld})
    res.data["offline"]["cli"] = {"n": n, "wall": spread([r["wall"] for r in runs]),
                                  "cpu": spread([r["cpu"] for r in runs]), "codes": sorted({r["code"] for r in runs}),
                                  "load": spread([r["load"] for r in runs])}
    print(f"  offline: {res.data['offline']}", flush=True)


def _seed_copies(tmp: Path, n: int) -> Path:
    folder = tmp / f"seed-copies-{n}"
    if folder.is_dir():
        return folder
    folder.mkdir(parents=True)
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    for i in range(n):
        # a first line of its own: every copy is a distinct article (a changed last line can be cut as boilerplate)
        (folder / f"copy{i:05d}.txt").write_text(f"Copy {i} of a seed article\n\n" + texts[i % len(texts)],
                                                 encoding="utf-8")
    return folder


def memory(plan: Plan, tmp: Path, res: Results) -> None:
    """Peak RSS of `brief DIR --offline` in a new process, for n copies of the seed articles, repeated."""
    out = []
    for n in plan.memory_n:
        folder = _seed_copies(tmp, n)
        runs = []
        for _ in range(plan.repeat):
            ld = load()
            r = cli([str(folder), "--offline", "-q", "-o", str(tmp / f"memory-{n}.md")], timeout=1800)
            runs.append({**r, "load": ld})
        out.append({"n": n, "rss_mb": spread([r["rss_mb"] for r in runs]), "wall": spread([r["wall"] for r in runs]),
                    "cpu": spread([r["cpu"] for r in runs]), "codes": sorted({r["code"] for r in runs}),
                    "load": spread([r["load"] for r in runs]),
                    "out_kb": (tmp / f"memory-{n}.md").stat().st_size / 1024})
        print(f"  memory: {out[-1]}", flush=True)
    res.data["memory"] = out


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
    """A sliding window of `rate` requests per second, answered with and without retry-after-ms.

    The true ideal: the window lets a batch of `rate` start every second from t=0, so the last batch
    starts at ceil(n/rate) - 1 seconds and ends one latency later (or the concurrency bound, if longer).
    """
    n = plan.rate_n
    ideal = max((math.ceil(n / plan.rate) - 1) + LATENCY, math.ceil(n / plan.rate_c) * LATENCY)
    out = {}
    for label, ms in (("retry_after_ms", True), ("whole_seconds", False)):
        runs = []
        for k in range(plan.repeat):
            server.configure(LATENCY, rate=plan.rate, retry_ms=ms)
            ld = load()
            r = run_many(server, [s.article for s in corpus[:n]], plan.rate_c, tmp / f"cache-rate-{label}-{k}")
            st = r["server"]
            runs.append({"wall": r["wall"], "429s": st["rate_limited"], "requests": st["requests"],
                         "failed": r["failed"], "first_error": r["first_error"], "load": ld})
            print(f"  rate ({label}): {r['wall']:.2f} s, ideal {ideal:.2f} s, 429s {st['rate_limited']}, "
                  f"failed {r['failed']}, load {ld:.1f}", flush=True)
        wall = spread([x["wall"] for x in runs])
        out[label] = {"wall": wall, "ratio": {k: v / ideal for k, v in wall.items() if k != "n"},
                      "429s": statistics.median([x["429s"] for x in runs]),
                      "requests": statistics.median([x["requests"] for x in runs]),
                      "failed": max(x["failed"] for x in runs), "load": spread([x["load"] for x in runs]),
                      "first_error": next((x["first_error"] for x in runs if x["failed"]), "")}
    res.data["rate"] = {"n": n, "rate": plan.rate, "c": plan.rate_c, "ideal": ideal, **out}
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


def _mm(x: dict[str, float], fmt: str = "{:.2f}") -> str:
    """'min / median' of a spread, with the number of repeats."""
    return f"{fmt.format(x['min'])} / {fmt.format(x['median'])}" + (f" (n={x['n']})" if x.get("n", 1) > 1 else "")


def _load(x: dict[str, float]) -> str:
    return f"{x['min']:.1f}" if x["min"] == x["max"] else f"{x['min']:.1f}-{x['max']:.1f}"


def report(res: Results, plan: Plan, quick: bool, server: Server, started: float) -> str:
    L: list[str] = ["# Benchmark results", "",
                    f"Generated by `python benchmarks/run.py{' --quick' if quick else ''}` on "
                    f"{time.strftime('%Y-%m-%d %H:%M')} in {time.time() - started:.0f} s. All articles are "
                    "SYNTHETIC (benchmarks/synth.py); the model is a loopback server (benchmarks/server.py) "
                    f"answering with each article's valid answer after {LATENCY * 1000:.0f} ms. Figures are "
                    "'min / median' of the repeats (n=...) with the 1-minute load average while they ran "
                    "(2 cores, shared with other work: a load above 2 means brief waited for a core).", "",
                    "## Machine", "", *machine(), f"- Token counts: {server.tokenizer}",
                    f"- Package measured: {PACKAGE_ROOT}" + ("" if PACKAGE_ROOT == ROOT else " (a scratch copy)"), ""]
    if res.rows:
        L += ["## 1. Wall time against the ideal ceil(N/C) x 300 ms (in-process extract_many, cold cache)", "",
              "Our CPU is this process's and, for runs of 48 answers or more, that of the second process that "
              "grounds the answers (summarizer/model/verifier.py).", "",
              "| N | C | wall s (min / median) | ideal s | ratio (min / median) | our CPU ms/article | requests | "
              "max in flight | failed | load |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in res.rows:
        if r.get("skipped"):
            L.append(f"| {r['n']} | {r['c']} | skipped (ideal {r['ideal']:.0f} s) | {r['ideal']:.1f} | | | | | | |")
        else:
            L.append(f"| {r['n']} | {r['c']} | {_mm(r['wall'])} | {r['ideal']:.1f} | {_mm(r['ratio'])} | "
                     f"{r['cpu_ms']:.1f} | {r['requests']} | {r['max_in_flight']} | {r['failed']} | "
                     f"{_load(r['load'])} |")
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
        L += ["", "## 3. Cached re-run, as users run it (`brief DIR --model ...` in a new process)", "",
              f"- cold run through the CLI: {w['cold_wall']:.2f} s wall, {w['cold_cpu']:.2f} s CPU, "
              f"{w['cold_requests']} model calls",
              f"- re-run of the {w['n']} articles from the cache: wall {_mm(w['wall'])} s, CPU {_mm(w['cpu'])} s "
              f"(the process's own user + system time), model calls seen by the server: {w['requests']}, exit "
              f"code {', '.join(map(str, w['codes']))}; load {_load(w['load'])}"]
    if "merge" in d:
        L += ["", "## 4. Merging (SYNTHETIC items, each run in its own process)", "",
              "| items | articles | wall s (min / median) | CPU s (min / median) | peak MB (tracemalloc) "
              "| merged items | load |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
        for m in d["merge"]:
            if "error" in m:
                L.append(f"| {m['items']} | | {m['error']} | | | | |")
            else:
                L.append(f"| {m['items']} | {m['articles']} | {_mm(m['wall'])} | {_mm(m['cpu'])} | "
                         f"{m['peak_mb']:.1f} | {m['merged_items']} | {_load(m['load'])} |")
    if "offline" in d:
        o = d["offline"]
        pa = o["per_article_ms"]
        L += ["", "## 5. Offline extractor", "",
              f"- per article, the {o['distinct']} seed articles each timed alone ({pa['n']} runs): min "
              f"{pa['min']:.1f} ms, median {pa['median']:.1f} ms, max {pa['max']:.1f} ms (CPU); load "
              f"{_load(o['load'])}"]
        if "first_sight_ms" in o:
            f1 = o["first_sight_ms"]
            L.append(f"- per seed article seen for the first time (a new process reads the 32 dev-corpus articles "
                     f"first, then each seed once; {f1['n']} timings): min {f1['min']:.1f} ms, median "
                     f"{f1['median']:.1f} ms, max {f1['max']:.1f} ms (CPU). This is what a run over distinct "
                     "articles pays; the figure above re-reads the same article, whose sentences caches keyed on "
                     "text then serve")
        if "cli" in o:
            z = o["cli"]
            L.append(f"- `brief DIR --offline` on {z['n']} copies of the seeds, new process: wall {_mm(z['wall'])} s,"
                     f" CPU {_mm(z['cpu'])} s (imports, loading, extraction, merge and rendering); load "
                     f"{_load(z['load'])}")
    if "memory" in d:
        L += ["", "## 6. Memory of an offline run (`brief DIR --offline`, new process, peak RSS)", "",
              "| articles | peak RSS MB (min / median) | wall s | CPU s | output KB | exit | load |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
        for m in d["memory"]:
            L.append(f"| {m['n']} | {_mm(m['rss_mb'], '{:.0f}')} | {_mm(m['wall'], '{:.1f}')} | "
                     f"{_mm(m['cpu'], '{:.1f}')} | {m['out_kb']:.0f} | {','.join(map(str, m['codes']))} | "
                     f"{_load(m['load'])} |")
    if "tokens" in d:
        t = d["tokens"]
        L += ["", f"## 7. Tokens per article ({t['tokenizer']})", "", "| part | tokens |", "|---|---:|"]
        L += [f"| {k} | {v} |" for k, v in t["parts"].items()]
        L += [f"| **prompt tokens billed (usage)** | **{t['usage_prompt']}** |", "",
              f"- model calls per article: {t['requests']} (articles fit one call at the default 8192-token "
              "context)"]
    if "rate" in d:
        r = d["rate"]
        L += ["", "## 8. Under a rate limit", "",
              f"{r['n']} articles, a sliding-window limit of {r['rate']:g} requests/s, C={r['c']}. The true ideal is "
              f"{r['ideal']:.1f} s: a batch of {r['rate']:g} may start every second from t=0, so the last one starts "
              f"at {math.ceil(r['n'] / r['rate']) - 1} s and ends {LATENCY:g} s later.", "",
              "| 429 answers carry | wall s (min / median) | ratio to the true ideal (min / median) | 429s (median) "
              "| requests (median) | failed | load |", "|---|---:|---:|---:|---:|---:|---:|"]
        for label, name in (("retry_after_ms", "`Retry-After` and `retry-after-ms`"),
                            ("whole_seconds", "whole-second `Retry-After` only")):
            x = r[label]
            L.append(f"| {name} | {_mm(x['wall'])} | {_mm(x['ratio'])} | {x['429s']:.0f} | {x['requests']:.0f} | "
                     f"{x['failed']} | {_load(x['load'])} |")
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
    L += ["", "## Targets (judged on the median)", "", *targets(res, plan), ""]
    if res.notes:
        L += ["## Notes", "", *[f"- {n}" for n in res.notes], ""]
    if NOTES.exists() and not quick:  # the explanations, kept by hand and checked against the figures above
        L += [NOTES.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(L)


def targets(res: Results, plan: Plan) -> list[str]:
    d, out = res.data, []

    def line(name: str, ok: bool | None, detail: str) -> None:
        out.append(f"- {'MET' if ok else 'not measured' if ok is None else 'MISSED'}: {name} ({detail})")

    big = max(plan.grid_n)
    for c in (32, 64):
        row = next((r for r in res.rows if r["n"] == big and r["c"] == c and not r.get("skipped")), None)
        line(f"wall at C={c}, N={big} <= 1.15 x ideal", None if row is None else row["ratio"]["median"] <= 1.15,
             f"{_mm(row['ratio'])} x, load {_load(row['load'])}" if row else "-")
    c = d.get("cpu")
    line("our CPU per article < 10 ms median excluding JSON decoding", None if c is None else
         c["median_ex_decode_ms"] < 10, f"{c['median_ex_decode_ms']:.1f} ms" if c else "-")
    w = d.get("warm")
    line(f"cached re-run of {w['n'] if w else '?'} in a new process < 3 s with zero calls",
         None if w is None else w["wall"]["median"] < 3 and w["requests"] == 0,
         f"{_mm(w['wall'])} s wall, {_mm(w['cpu'])} s CPU, {w['requests']} calls, load {_load(w['load'])}" if w
         else "-")
    for items, limit in ((10000, 2.0), (40000, 4.0)):
        m = next((m for m in d.get("merge", []) if m["items"] >= items and "error" not in m), None)
        line(f"merging {items // 1000}k items < {limit:g} s", None if m is None else m["wall"]["median"] < limit,
             f"{_mm(m['wall'])} s wall, {_mm(m['cpu'])} s CPU, load {_load(m['load'])}" if m else "not run")
    o = d.get("offline")
    line("offline extractor < 5 ms per seed article, median", None if o is None else
         o["per_article_ms"]["median"] < 5, f"{o['per_article_ms']['median']:.1f} ms, each seed re-read" if o
         else "-")
    f1 = o.get("first_sight_ms") if o else None
    line("offline extractor < 5 ms per seed article seen for the first time, median", None if f1 is None else
         f1["median"] < 5, f"{f1['median']:.1f} ms" if f1 else "-")
    mem = next((m for m in d.get("memory", []) if m["n"] >= 10000), None)
    line("offline run of 10,000 seed-like articles peaks under 300 MB", None if mem is None else
         mem["rss_mb"]["median"] < 300, f"{_mm(mem['rss_mb'], '{:.0f}')} MB, load {_load(mem['load'])}" if mem
         else "not run")
    s = d.get("side", {})
    b, x = s.get("brief"), s.get("langextract", {})
    ok = b and "prompt_tokens_per_article" in x and b["prompt_tokens_per_article"] < x["prompt_tokens_per_article"]
    line("fewer prompt tokens per article than LangExtract", ok if x and "error" not in x else None,
         f"{b['prompt_tokens_per_article']:.0f} vs {x['prompt_tokens_per_article']:.0f}" if ok is not None and b
         and "prompt_tokens_per_article" in x else "-")
    r = d.get("rate")
    if r:
        for label in ("retry_after_ms", "whole_seconds"):
            x = r[label]
            line(f"rate-limited run ({label.replace('_', ' ')}) <= 1.2 x the true ideal with no failed article",
                 x["ratio"]["median"] <= 1.2 and x["failed"] == 0, f"{_mm(x['ratio'])} x, {x['failed']} failed")
    else:
        line("rate-limited run <= 1.2 x the true ideal with no failed article", None, "-")
    return out


# ---------------------------------------------------------------- main


# benchmarks/local_settings.py and local_servers.py measure the local model; their section is kept on rewrite.
LOCAL_MODEL_HEADING = "## Local model:"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small N, under 2 minutes")
    p.add_argument("--out", type=Path, default=None, help="where to write the results (default: RESULTS.md)")
    p.add_argument("--only", default=",".join(STEPS), help=f"comma-separated steps to run: {','.join(STEPS)}")
    p.add_argument("--grid", help="N:C pairs instead of the plan's grid, e.g. 100:32,1000:32,1000:64")
    p.add_argument("--repeat", type=int, help="repeats of each repeated figure (default 3; --quick 2)")
    p.add_argument("--merge-items", help="merge sizes, e.g. 10000,40000")
    p.add_argument("--memory-n", help="article counts for the memory step, e.g. 1000,10000")
    p.add_argument("--merge-worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.merge_worker:
        merge_worker(args.merge_worker)
        return
    plan = replace(QUICK if args.quick else FULL)
    if args.repeat:
        plan.repeat = args.repeat
    if args.merge_items:
        plan.merge_items = [int(x) for x in args.merge_items.split(",")]
    if args.memory_n:
        plan.memory_n = [int(x) for x in args.memory_n.split(",")]
    if args.grid:
        pairs = [tuple(int(v) for v in x.split(":")) for x in args.grid.split(",")]
        plan.grid_n, plan.grid_c = sorted({n for n, _ in pairs}), sorted({c for _, c in pairs})
        plan.skip = {(n, c) for n in plan.grid_n for c in plan.grid_c if (n, c) not in pairs}
        plan.show_skipped = False
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
            "warm": lambda: warm(server, corpus, plan, tmp, res),
            "merge": lambda: res.data.__setitem__("merge", merges(plan)),
            "offline": lambda: offline(corpus, plan, tmp, res),
            "memory": lambda: memory(plan, tmp, res),
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
    finally:
        server.close()
    text = report(res, plan, args.quick, server, started)
    kept = out.read_text(encoding="utf-8") if out.is_file() else ""
    if (at := kept.find(LOCAL_MODEL_HEADING)) >= 0:  # measured by hand with a real model: carried over
        text = text.rstrip("\n") + "\n\n" + kept[at:]
    out.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"\nwritten to {out}; temporary files in {tmp}")


if __name__ == "__main__":
    main()
