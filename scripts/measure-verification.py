"""Shown-item precision and recall of real recorded model answers against the seed gold.

Replays each recording folder (no model server needed), verifies the answers with the current code and
scores the items that reach the briefing against evals/gold for the recorded articles (a folder may hold
one article or all five seeds). Usage:

    python scripts/measure-verification.py [--json] [RECORDING_DIR ...]

Default folders: tests/fixtures/recordings/qwen2.5-coder-1.5b-trial/{run1-valid,run3-seed001}.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from summarizer.core.errors import ReplayMissError
from summarizer.evaluation import load_gold, score_extractions
from summarizer.ingestion.articles import load_articles
from summarizer.pipeline import run_brief

ROOT = Path(__file__).resolve().parent.parent
TRIAL = ROOT / "tests" / "fixtures" / "recordings" / "qwen2.5-coder-1.5b-trial"
DEFAULT = [TRIAL / "run1-valid", TRIAL / "run3-seed001"]


def _recorded_articles(folder: Path) -> tuple[list[str], str]:
    """(repository paths of the recorded articles, base URL) of the exchanges in ``folder``."""
    paths: list[str] = []
    base_url = ""
    for p in sorted(folder.glob("*.json")):
        if p.name == "config.json":
            continue
        meta = json.loads(p.read_text(encoding="utf-8")).get("meta") or {}
        article = str(meta.get("article", ""))
        path = article.rsplit("(", 1)[-1].rstrip(")") if article.endswith(")") else article
        if path and path not in paths:
            paths.append(path)
        base_url = base_url or str(meta.get("base_url", ""))
    return paths, base_url or "http://127.0.0.1:8080/v1"


def measure(folder: Path) -> dict[str, object]:
    """Replay every article recorded in ``folder`` and score the shown items against their gold."""
    paths, base_url = _recorded_articles(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    articles = load_articles([ROOT / p for p in paths]).articles
    options = {k: v for k, v in config.items() if k in ("max_tokens", "context_tokens")}
    run = run_brief(articles, model=config["model"], mode=config.get("mode", "tools"), base_url=base_url,
                    api_key="replay", replay=folder, cache=False, **options)
    misses = [e for e in run.errors if isinstance(e, ReplayMissError)]
    if misses:
        raise SystemExit(f"{folder}: the recordings no longer match the requests ({misses[0]}): re-record them")
    ids = {a.id for a in articles}
    gold = [g for g in load_gold(ROOT / "evals" / "gold") if g.article_id in ids]
    scored = [ex for ex in run.extractions if ex.article_id in {g.article_id for g in gold}]
    scores = score_extractions(scored, gold).overall
    statuses: dict[str, int] = {}
    for ex in scored:
        for _, item in ex.items():
            key = getattr(item, "verification", None) or "shown"
            statuses[key] = statuses.get(key, 0) + 1
    return {"recording": folder.name, "article": ", ".join(paths), "shown": scores.tp + scores.fp,
            "tp": scores.tp, "fp": scores.fp, "fn": scores.fn, "precision": scores.precision,
            "recall": scores.recall, "rejected": sum(len(ex.rejected) for ex in scored), "statuses": statuses,
            "failed": len(run.errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [measure(f) for f in (args.folders or DEFAULT)]
    tp = sum(int(r["tp"]) for r in rows)
    fp = sum(int(r["fp"]) for r in rows)
    fn = sum(int(r["fn"]) for r in rows)
    total = {"recording": "all", "shown": tp + fp, "tp": tp, "fp": fp, "fn": fn,
             "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None}
    if args.json:
        json.dump({"rows": rows, "total": total}, sys.stdout, indent=2)
        print()
        return
    print("| recording | article | shown | tp/fp/fn | precision | recall | rejected | failed articles |")
    print("|---|---|---|---|---|---|---|---|")
    for r in [*rows, total]:
        p = "n/a" if r["precision"] is None else f"{r['precision']:.2f}"
        rc = "n/a" if r["recall"] is None else f"{r['recall']:.2f}"
        print(f"| {r['recording']} | {r.get('article', '')} | {r['shown']} | {r['tp']}/{r['fp']}/{r['fn']} "
              f"| {p} | {rc} | {r.get('rejected', '')} | {r.get('failed', '')} |")


if __name__ == "__main__":
    main()
