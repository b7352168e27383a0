"""When is the first answer handled? N SYNTHETIC articles at concurrency C against the loopback server.

``python benchmarks/first_answer.py [--n 1000] [--c 32] [--repeat 3]``; with ``BENCH_PACKAGE_ROOT`` it
measures another copy of the package (see README.md). Prints, per repeat, the seconds from the start of
``extract_many`` to the first article's result, how many results were in by 1 s and 3 s, the wall time and
the load average. A run that builds every article's request before handling any answer shows it here,
whatever the load of the machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import run  # noqa: I001  (puts BENCH_PACKAGE_ROOT first on sys.path)
import synth

from summarizer.model.extractor import extract_many


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--c", type=int, default=32)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="brief-first-"))
    os.environ["BRIEF_CACHE_DIR"] = str(tmp / "never-used")
    corpus = synth.corpus(args.n, seed=0)
    synth.write(corpus, tmp / "corpus")
    server = run.Server(tmp / "corpus" / "corpus.synthetic.jsonl")
    try:
        server.configure(latency=0.0)
        run.run_many(server, [corpus[-1].article], 1, tmp / "cache-warmup")
        for k in range(args.repeat):
            server.configure(run.LATENCY)
            done: list[float] = []
            t0 = time.perf_counter()

            def seen(_article: object, _result: object, done: list[float] = done, t0: float = t0) -> None:
                done.append(time.perf_counter() - t0)

            extract_many([s.article for s in corpus], run.config(server, args.c, tmp / f"cache-{k}"), progress=seen)
            wall = time.perf_counter() - t0
            print(f"{run.PACKAGE_ROOT}: N={args.n} C={args.c} first answer handled at {done[0]:.2f} s; by 1 s: "
                  f"{sum(d <= 1 for d in done)}; by 3 s: {sum(d <= 3 for d in done)}; wall {wall:.2f} s; "
                  f"load {run.load():.1f}", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
