"""Reports of scores: Markdown tables, JSON, and the check against evals/thresholds.json (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.schema import (
    SECTION_SPECS,
    SECTIONS,
)
from .score import FIELDS, BriefingScores, EvalScores

# ---------------------------------------------------------------- reports


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def report_markdown(rows: Sequence[tuple[str, EvalScores, BriefingScores | None]],
                    title: str = "# Evaluation against evals/gold") -> str:
    """Side-by-side Markdown tables: one row per extractor or recording set."""
    short = {name: spec.short for name, spec in SECTION_SPECS.items()}
    out = [title, "", "## Extraction (micro over articles)", ""]
    head = ["run", "P", "R", "F1", *(f"{short[s]} F1" for s in SECTIONS), "tp/fp/fn", "grounded"]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, ev, _ in rows:
        o = ev.overall
        cells = [name, _fmt(o.precision), _fmt(o.recall), _fmt(o.f1), *(_fmt(ev.sections[s].f1) for s in SECTIONS),
                 f"{o.tp}/{o.fp}/{o.fn}", _fmt(ev.grounding_rate)]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "## Field accuracy of matched items", ""]
    out += ["| run | " + " | ".join(FIELDS) + " |", "|" + "---|" * (len(FIELDS) + 1)]
    for name, ev, _ in rows:
        out.append("| " + " | ".join([name, *(_fmt(ev.fields[f].accuracy) for f in FIELDS)]) + " |")
    with_b = [(name, b) for name, _, b in rows if b is not None]
    if with_b:
        out += ["", "## Merged briefing", ""]
        out += ["| run | claim recall | duplicate rate | conflict recall | conflict precision | series recall "
                "| false conflicts | dating accuracy | dated to a month |", "|---|---|---|---|---|---|---|---|---|"]
        for name, b in with_b:
            out.append(f"| {name} | {_fmt(b.claim_recall)} | {_fmt(b.duplicate_rate)} | {_fmt(b.conflict_recall)} "
                       f"| {_fmt(b.conflict_precision)} | {_fmt(b.series_recall)} | {b.false_conflicts} "
                       f"| {_fmt(b.dating_accuracy)} | {_fmt(b.dating_month)} |")
    return "\n".join(out) + "\n"


def report_json(rows: Sequence[tuple[str, EvalScores, BriefingScores | None]]) -> str:
    """The same rows as JSON: {"rows": [{"name", "extraction", "briefing"}]}."""
    data = {
        "rows": [
            {"name": name, "extraction": ev.to_dict(), "briefing": b.to_dict() if b is not None else None}
            for name, ev, b in rows
        ]
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def check_thresholds(row: dict[str, Any], limits: dict[str, Any]) -> list[str]:
    """Failures of one ``report_json`` row against one run kind of evals/thresholds.json (null limits are skipped)."""
    failures: list[str] = []

    def walk(lim: Any, got: Any, path: str) -> None:
        if isinstance(lim, dict):
            for k, v in lim.items():
                if k.startswith("_"):
                    continue
                name = k[: -len("_max")] if k.endswith("_max") else k
                sub = got.get(name) if isinstance(got, dict) else None
                if isinstance(sub, dict) and "accuracy" in sub and not isinstance(v, dict):
                    sub = sub["accuracy"]
                if k.endswith("_max") and v is not None:
                    if sub is not None and sub > v:
                        failures.append(f"{path}{name} = {sub:.3f} is above the maximum {v}")
                    continue
                walk(v, sub, f"{path}{k}.")
            return
        if lim is None:
            return
        if got is None or got < lim:
            shown = "n/a" if got is None else f"{got:.3f}"
            failures.append(f"{path.rstrip('.')} = {shown} is below the minimum {lim}")

    walk(limits, row, "")
    return failures


# ---------------------------------------------------------------- rows of `brief eval`


@dataclass
class EvalRow:
    """One extractor or recording set, scored on one corpus."""

    name: str
    kind: str  # "offline" | "recorded" | "model"
    extraction: EvalScores
    briefing: BriefingScores | None
    failed: list[str] = field(default_factory=list)
    corpus: str = "seeds"
    thresholds_key: str | None = None


def _by_corpus(rows: list[EvalRow]) -> list[tuple[str, list[EvalRow]]]:
    groups: dict[str, list[EvalRow]] = {}
    for r in rows:
        groups.setdefault(r.corpus, []).append(r)
    return list(groups.items())


_LABELS = {"seeds": "seed articles (seeds/ against evals/gold)",
           "dev": "development corpus (evals/dev/articles against evals/dev/gold)",
           "custom": "the --articles folder against the --gold folder"}


def rows_markdown(rows: list[EvalRow]) -> str:
    """One report section per corpus, each with its own tables."""
    parts = []
    for corpus, group in _by_corpus(rows):
        n = group[0].extraction.articles
        title = f"# Evaluation: {_LABELS.get(corpus, corpus)}, {n} article{'s' if n != 1 else ''}"
        parts.append(report_markdown([(r.name, r.extraction, r.briefing) for r in group], title=title))
    return "\n".join(parts)


def rows_json(rows: list[EvalRow]) -> str:
    data = json.loads(report_json([(r.name, r.extraction, r.briefing) for r in rows]))
    for row, r in zip(data["rows"], rows, strict=True):
        row["corpus"] = r.corpus
        row["kind"] = r.kind
        row["failed"] = r.failed
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def threshold_failures(rows: list[EvalRow], thresholds: Path) -> list[str]:
    """Every metric below its stored minimum, per row, as readable lines.

    A seed-corpus row uses the top level of the file; a dev-corpus row the ``"dev"`` section.
    Within it, the entry named after the row (a recording set's folder name), else its kind.
    """
    limits = json.loads(thresholds.read_text(encoding="utf-8"))
    data = json.loads(rows_json(rows))["rows"]
    failures: list[str] = []
    for row, r in zip(data, rows, strict=True):
        table = (limits.get(r.thresholds_key) or {}) if r.thresholds_key else limits
        kind_limits = table.get(row["name"]) or table.get(row["kind"])
        if not kind_limits:
            continue
        where = row["name"] if r.corpus in ("seeds", "custom") else f"{row['name']} ({r.corpus})"
        failures += [f"{where}: {msg}" for msg in check_thresholds(row, kind_limits)]
    return failures
