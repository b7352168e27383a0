"""Run totals: what a run's extractions (and its failed articles) cost, rejected and warned about.

Added up here only, for `brief` (pipeline.run_brief) and for ``summarizer.merge()`` without a ``run``, so the
two give the same totals for the same extractions: rejected items and planted instructions are listed once
each, in the order of the extractions (the articles' order), and the usage is summed in a fixed order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from .schema import ArticleExtraction, Instruction, Rejected, Usage


def total_usage(extractions: Sequence[ArticleExtraction], failed: Iterable[Usage] = ()) -> Usage:
    """The summed usage of the extractions and of failed articles' calls (made, and paid for, too)."""
    usage = Usage()
    # Sorted, so a cost (a float) sums to the same last digit whichever article finished first.
    for u in sorted([e.usage for e in extractions], key=lambda x: x.model_dump_json()):
        usage = usage + u
    for u in failed:
        usage = usage + u
    return usage


def all_rejected(extractions: Sequence[ArticleExtraction]) -> list[Rejected]:
    """Every extraction's rejected items, each once (the same article merged twice), in extraction order."""
    found: dict[str, Rejected] = {}
    for e in extractions:
        for r in e.rejected:
            found.setdefault(json.dumps(r.model_dump(mode="json"), sort_keys=True), r)
    return list(found.values())


def all_instructions(extractions: Sequence[ArticleExtraction]) -> list[Instruction]:
    """Every instruction found in an article, once per place (article and offsets), in extraction order."""
    found: dict[tuple[str, int, int], Instruction] = {}
    for e in extractions:
        for i in e.instructions:
            found.setdefault((i.article_id, i.start, i.end), i)
    return list(found.values())
