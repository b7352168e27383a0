"""`brief eval`: run extractors on the gold articles, score them, write reports, check thresholds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .articles import load_articles
from .errors import EvalError, ReplayMissError
from .evaluate import (
    BriefingScores,
    EvalScores,
    check_thresholds,
    load_gold,
    load_gold_briefing,
    report_json,
    report_markdown,
    score_briefing,
    score_extractions,
)
from .pipeline import run_brief

RECORDING_CONFIG = "config.json"


@dataclass
class EvalRow:
    """One extractor or recording set, scored."""

    name: str
    kind: str  # "offline" | "recorded" | "model"
    extraction: EvalScores
    briefing: BriefingScores | None
    failed: list[str] = field(default_factory=list)


def default_evals_dir() -> Path:
    """evals/ (gold, recordings, thresholds, reports): in the current folder, else in the checkout's root."""
    here = Path("evals")
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "evals"


def recording_sets(evals_dir: Path) -> list[Path]:
    """Every committed recording set: evals/recordings/<name>/ holding exchange files."""
    root = evals_dir / "recordings"
    return sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*.json"))) if root.is_dir() else []


def recording_config(folder: Path) -> dict[str, Any]:
    """Model options a recording set was made with: its config.json, else read off a recorded request."""
    cfg_path = folder / RECORDING_CONFIG
    if cfg_path.is_file():
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        if not isinstance(cfg, dict) or "model" not in cfg:
            raise EvalError(f"{cfg_path}: expected a JSON object with at least \"model\"")
        cfg.pop("prompt_version", None)  # informational: a stale set shows up as replay misses
        cfg.pop("server", None)  # informational: how the local server that answered was set up
        return cfg
    for entry_path in sorted(folder.glob("*.json")):
        try:
            entry = json.loads(entry_path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        request = entry.get("request") if isinstance(entry, dict) else None
        if isinstance(request, dict) and request.get("model"):
            fmt = request.get("response_format") or {}
            mode = ("tools" if request.get("tools") else
                     "json_schema" if fmt.get("type") == "json_schema" else
                     "json" if fmt.get("type") == "json_object" else "md_json")
            return {"model": request["model"], "mode": mode}
    raise EvalError(f"{folder} holds no recorded exchange: record one with `brief eval --model M --record {folder}`")


def run_one(name: str, kind: str, articles_dir: Path, gold_dir: Path, gold_briefing: Path,
            **options: Any) -> EvalRow:
    """Brief the gold articles with these options and score the result."""
    gold = load_gold(gold_dir)
    wanted = {g.article_id for g in gold}
    loaded = load_articles([articles_dir])
    articles = [a for a in loaded.articles if a.id in wanted]
    missing = wanted - {a.id for a in articles}
    if missing:
        raise EvalError(
            f"gold articles {', '.join(sorted(missing))} are not in {articles_dir}: pass --articles with the folder "
            "the gold was annotated from"
        )
    result = run_brief(articles, **options)
    misses = [e for e in result.errors if isinstance(e, ReplayMissError)]
    if misses:
        raise EvalError(
            f"recording set {name!r} no longer matches the requests brief makes ({len(misses)} of "
            f"{len(articles)} articles missing; the prompt, schema or model options changed): re-record it "
            "(see the README: Recording a model) and commit the new set"
        )
    extractions = result.extractions
    scores = score_extractions(extractions, gold)
    bscores = score_briefing(result.briefing, load_gold_briefing(gold_briefing, gold_dir))
    failed = [f"{f.path}: {f.reason}" for f in result.briefing.run.failed]
    return EvalRow(name=name, kind=kind, extraction=scores, briefing=bscores, failed=failed)


def rows_markdown(rows: list[EvalRow]) -> str:
    return report_markdown([(r.name, r.extraction, r.briefing) for r in rows])


def rows_json(rows: list[EvalRow]) -> str:
    data = json.loads(report_json([(r.name, r.extraction, r.briefing) for r in rows]))
    for row, r in zip(data["rows"], rows, strict=True):
        row["kind"] = r.kind
        row["failed"] = r.failed
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def threshold_failures(rows: list[EvalRow], thresholds: Path) -> list[str]:
    """Every metric below its stored minimum, per row, as readable lines."""
    limits = json.loads(thresholds.read_text(encoding="utf-8"))
    data = json.loads(rows_json(rows))["rows"]
    failures: list[str] = []
    for row in data:
        kind_limits = limits.get(row["name"]) or limits.get(row["kind"])
        if not kind_limits:
            continue
        failures += [f"{row['name']}: {msg}" for msg in check_thresholds(row, kind_limits)]
    return failures
