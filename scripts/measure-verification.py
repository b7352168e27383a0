"""Shown-item precision and recall of real recorded model answers against the seed gold.

Replays each recording folder (no model server needed), verifies the answers with the current code and
scores the items that reach the briefing against evals/gold for the recorded article. Usage:

    python scripts/measure-verification.py [--json] [RECORDING_DIR ...]

Default folders: tests/fixtures/recordings/qwen2.5-coder-1.5b-trial/{run1-valid,run3-seed001}.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from summarizer.articles import load_articles
from summarizer.evaluate import load_gold, score_extractions
from summarizer.pipeline import run_brief

ROOT = Path(__file__).resolve().parent.parent
TRIAL = ROOT / "tests" / "fixtures" / "recordings" / "qwen2.5-coder-1.5b-trial"
DEFAULT = [TRIAL / "run1-valid", TRIAL / "run3-seed001"]


def _recorded_article(folder: Path) -> tuple[str, str, str]:
    """(article id, repository path of the article, base URL) of the one exchange in ``folder``."""
    entry = next(json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))
                 if p.name != "config.json")
    meta = entry["meta"]
    path = meta["article"].rsplit("(", 1)[-1].rstrip(")")
    return meta["article_id"], path, meta["base_url"]


def measure(folder: Path) -> dict[str, object]:
    article_id, path, base_url = _recorded_article(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    articles = load_articles([ROOT / path]).articles
    run = run_brief(articles, model=config["model"], mode=config["mode"], base_url=base_url, api_key="replay",
                    replay=folder, cache=False)
    if run.errors:
        raise SystemExit(f"{folder}: {run.errors[0]}")
    gold = [g for g in load_gold(ROOT / "evals" / "gold") if g.article_id == article_id]
    scores = score_extractions(run.extractions, gold).overall
    ex = run.extractions[0]
    statuses: dict[str, int] = {}
    for _, item in ex.items():
        key = getattr(item, "verification", None) or "shown"
        statuses[key] = statuses.get(key, 0) + 1
    return {"recording": folder.name, "article": path, "shown": scores.tp + scores.fp, "tp": scores.tp,
            "fp": scores.fp, "fn": scores.fn, "precision": scores.precision, "recall": scores.recall,
            "rejected": len(ex.rejected), "statuses": statuses}


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
    print("| recording | article | shown | tp/fp/fn | precision | recall | rejected |")
    print("|---|---|---|---|---|---|---|")
    for r in [*rows, total]:
        p = "n/a" if r["precision"] is None else f"{r['precision']:.2f}"
        rc = "n/a" if r["recall"] is None else f"{r['recall']:.2f}"
        print(f"| {r['recording']} | {r.get('article', '')} | {r['shown']} | {r['tp']}/{r['fp']}/{r['fn']} "
              f"| {p} | {rc} | {r.get('rejected', '')} |")


if __name__ == "__main__":
    main()
