"""One five-seed Qwen run with a frequency penalty (issue 12: measure whether a penalty stops loops).

Same settings as the committed v2 recording (evals/recordings/qwen2.5-coder-1.5b/config.json), plus
frequency_penalty; the exchanges are recorded to DIR (real answers) and scored against evals/gold.
usage: python benchmarks/qwen_penalty.py DIR PENALTY   (THREADS=1 by default; needs the Qwen GGUF and llama-cpp-python)
"""
import json
import os
import sys
import time
from pathlib import Path

from summarizer.evaluation.gold import load_gold
from summarizer.evaluation.score import score_extractions
from summarizer.ingestion.articles import load_articles
from summarizer.model.local import local_run
from summarizer.pipeline import run_brief

out, penalty = Path(sys.argv[1]), float(sys.argv[2])
gold = load_gold("evals/gold")
wanted = {g.article_id for g in gold}
articles = [a for a in load_articles(["seeds"]).articles if a.id in wanted]
load0 = os.getloadavg()
t0 = time.monotonic()
opts = {"record": out, "cache": False, "seed": 1234, "max_tokens": 2048, "frequency_penalty": penalty}
with local_run("qwen2.5-coder-1.5b", opts, n_threads=int(os.environ.get("THREADS", "1"))) as o:
    times = []
    def progress(article, result):
        times.append((article.path, time.monotonic()))
    r = run_brief(articles, progress=progress, **o)
wall = time.monotonic() - t0
s = score_extractions(r.extractions, gold)
c = s.overall
print(json.dumps({"penalty": penalty, **c.to_dict(), "sections": {k: v.to_dict() for k, v in s.sections.items()},
                  "wall_s": wall, "load_start": load0, "load_end": os.getloadavg(),
                  "article_done_at": [(p, t - t0) for p, t in times],
                  "usage": r.briefing.run.usage.model_dump()}, indent=1))
