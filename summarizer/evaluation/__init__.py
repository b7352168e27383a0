"""Scoring against the hand-made gold in evals/ (see evals/GUIDELINES.md); all pure but the file readers.

``gold`` reads the gold, ``align`` matches predicted items with gold items, ``score`` counts, ``report`` writes
tables and checks thresholds; ``run`` (not imported here: it runs the pipeline) plans and runs `brief eval`.
"""

from .align import MIN_SIMILARITY, align, assign, same_date, same_name, same_quantity, similarity
from .gold import GoldBriefing, GoldClaim, GoldGroup, load_gold, load_gold_briefing, load_gold_named
from .report import (
    EvalRow,
    check_thresholds,
    report_json,
    report_markdown,
    rows_json,
    rows_markdown,
    threshold_failures,
)
from .score import BriefingScores, Counts, EvalScores, FieldScore, Match, score_briefing, score_extractions

__all__ = [
    "MIN_SIMILARITY", "BriefingScores", "Counts", "EvalRow", "EvalScores", "FieldScore", "GoldBriefing", "GoldClaim",
    "GoldGroup", "Match", "align", "assign", "check_thresholds", "load_gold", "load_gold_briefing",
    "load_gold_named", "report_json", "report_markdown", "rows_json", "rows_markdown", "same_date", "same_name",
    "same_quantity", "score_briefing", "score_extractions", "similarity", "threshold_failures",
]
