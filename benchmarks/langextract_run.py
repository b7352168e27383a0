"""LangExtract side of the benchmark: run in benchmarks/.venv-langextract, never in brief's environment.

Extracts casualty / deployment / arms / aid / diplomacy facts with attributes from the SYNTHETIC corpus
through LangExtract's OpenAI provider pointed at the loopback server; prints one JSON line of results.
``benchmarks/.venv-langextract/bin/python benchmarks/langextract_run.py --corpus F --n 20 --concurrency 8
--base-url http://127.0.0.1:PORT/v1``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import langextract as lx
from langextract.providers.openai import OpenAILanguageModel

PROMPT = (
    "Extract facts about an armed conflict, using exact text from the input, in order of appearance: "
    "casualty (losses of one side), deployment (troops sent or planned), arms_transfer (weapons moving "
    "between states), aid (money or goods pledged to a state, with components) and diplomacy (visits, "
    "talks, agreements). Give each extraction attributes: who claims it, the figures exactly as written "
    "(with qualifiers such as 'at least'), sides, places, dates as stated. Do not paraphrase or overlap."
)

# A fictional example in LangExtract's own format (SYNTHETIC, like the corpus).
EXAMPLE_TEXT = (
    "At least 40 Rivan soldiers have been killed and 900 wounded near Obek, Tolan MP Ari Senn told "
    "reporters on Monday, citing a briefing by the Tolan Defence Intelligence. Marovia on Friday unveiled a "
    "package of $120 million in new military aid to Tolan, Defence Minister Ivo Pell said."
)
EXAMPLE = lx.data.ExampleData(
    text=EXAMPLE_TEXT,
    extractions=[
        lx.data.Extraction(
            extraction_class="casualty",
            extraction_text=EXAMPLE_TEXT.split(". ")[0] + ".",
            attributes={"side": "Rivan forces", "killed": "At least 40", "wounded": "900",
                        "claimant": "the Tolan Defence Intelligence", "conduit": "Tolan MP Ari Senn",
                        "location": "Obek", "claimed": "on Monday"},
        ),
        lx.data.Extraction(
            extraction_class="aid",
            extraction_text=EXAMPLE_TEXT.split(". ")[1],
            attributes={"donor": "Marovia", "recipient": "Tolan", "amount": "$120 million", "kind": "military",
                        "claimant": "Defence Minister Ivo Pell"},
        ),
    ],
)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--concurrency", type=int, required=True)
    p.add_argument("--base-url", required=True)
    p.add_argument("--max-char-buffer", type=int, default=1000, help="LangExtract's chunk size (its default)")
    args = p.parse_args()
    records = [json.loads(x) for x in args.corpus.read_text(encoding="utf-8").splitlines() if x.strip()][: args.n]
    docs = [lx.data.Document(text=r["text"], document_id=r["marker"]) for r in records]
    model = OpenAILanguageModel(model_id="synthetic-model", api_key="not-needed", base_url=args.base_url,
                                max_workers=args.concurrency, temperature=0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    results = lx.extract(docs, prompt_description=PROMPT, examples=[EXAMPLE], model=model,
                         max_char_buffer=args.max_char_buffer, batch_length=args.concurrency,
                         max_workers=args.concurrency, fence_output=False, use_schema_constraints=False,
                         show_progress=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    results = list(results) if not isinstance(results, list) else results
    extractions = sum(len(d.extractions or []) for d in results)
    grounded = sum(1 for d in results for e in (d.extractions or []) if e.char_interval is not None)
    print(json.dumps({"articles": len(results), "wall_s": wall, "cpu_s": cpu, "extractions": extractions,
                      "grounded": grounded, "version": lx.__version__ if hasattr(lx, "__version__") else "?"}))


if __name__ == "__main__":
    main()
