"""Server settings for a local GGUF on this machine, measured with llama-cpp-python directly (no HTTP).

For each combination of threads and batch size: prompt tokens/s for a fresh prompt, generation tokens/s,
and the cost of a second prompt that shares the first one's prefix (what the server does between two
articles: the system prompt and tool schema are the same, only the article differs). Prints one JSON line
per setting with the load average before and after, since the machine is usually shared.

    python benchmarks/local_settings.py --model qwen2.5-coder-1.5b --threads 1 2 --n-batch 128 512
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path


def loadavg() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def main() -> None:
    from llama_cpp import Llama

    from summarizer.model.local import model_path
    from summarizer.model.prompts import load_prompts, system_prompt

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="qwen2.5-coder-1.5b")
    p.add_argument("--gguf", type=Path)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--n-batch", type=int, nargs="+", default=[512])
    p.add_argument("--prefix-tokens", type=int, default=600, help="shared prefix (from the real system prompt)")
    p.add_argument("--suffix-tokens", type=int, default=200, help="the part that differs (article text)")
    p.add_argument("--gen", type=int, default=32, help="tokens generated")
    args = p.parse_args()
    path = args.gguf or model_path(args.model)
    root = Path(__file__).resolve().parent.parent
    prefix_text = system_prompt(load_prompts())
    articles = sorted((root / "seeds").glob("*.txt"))
    for threads in args.threads:
        for n_batch in args.n_batch:
            before = loadavg()
            llm = Llama(model_path=str(path), n_ctx=4096, n_threads=threads, n_threads_batch=threads,
                        n_batch=n_batch, logits_all=False, verbose=False, seed=1234)
            prefix = llm.tokenize(prefix_text.encode())[: args.prefix_tokens]
            suffix_a = llm.tokenize(articles[0].read_text().encode(), add_bos=False)[: args.suffix_tokens]
            suffix_b = llm.tokenize(articles[1].read_text().encode(), add_bos=False)[: args.suffix_tokens]
            t0 = time.monotonic()
            llm.eval(prefix + suffix_a)
            t1 = time.monotonic()
            out = llm.create_completion(prefix + suffix_a, max_tokens=args.gen, temperature=0.0)  # prefix reused
            t2 = time.monotonic()
            gen = out["usage"]["completion_tokens"]
            llm.create_completion(prefix + suffix_b, max_tokens=1, temperature=0.0)  # same prefix, new "article"
            t3 = time.monotonic()
            row = {
                "threads": threads, "n_batch": n_batch, "prompt_tokens": len(prefix) + len(suffix_a),
                "prompt_tok_s": round((len(prefix) + len(suffix_a)) / (t1 - t0), 1),
                "gen_tokens": gen, "gen_tok_s": round(gen / (t2 - t1), 2),
                "second_prompt_s": round(t3 - t2, 1),
                "second_prompt_fresh_estimate_s": round((len(prefix) + len(suffix_b)) / ((len(prefix) + len(suffix_a))
                                                                                        / (t1 - t0)), 1),
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "loadavg_before": before, "loadavg_after": loadavg(), "cores": os.cpu_count(),
            }
            print(json.dumps(row), flush=True)
            del llm


if __name__ == "__main__":
    main()
