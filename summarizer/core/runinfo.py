"""Run totals: what a run's extractions (and its failed articles) cost, rejected and warned about.

Added up here only, for `brief` (pipeline.run_brief) and for ``summarizer.merge()`` without a ``run``, so the
two give the same totals for the same extractions: rejected items and planted instructions are listed once
each, in the order of the extractions (the articles' order), and the usage is summed in a fixed order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from .schema import ArticleExtraction, Instruction, Rejected, Usage


class Totals:
    """The run totals gathered one extraction at a time (a run that keeps its extractions packed reads each once):
    :func:`total_usage`, :func:`all_rejected` and :func:`all_instructions` are this over a sequence."""

    def __init__(self) -> None:
        self._usages: list[Usage] = []
        self._rejected: dict[str, Rejected] = {}
        self._instructions: dict[tuple[str, int, int], Instruction] = {}

    def add(self, e: ArticleExtraction) -> None:
        self._usages.append(e.usage)
        for r in e.rejected:
            self._rejected.setdefault(json.dumps(r.model_dump(mode="json"), sort_keys=True), r)
        for i in e.instructions:
            self._instructions.setdefault((i.article_id, i.start, i.end), i)

    def usage(self, failed: Iterable[Usage] = ()) -> Usage:
        """The summed usage of the extractions and of failed articles' calls (made, and paid for, too)."""
        usage = Usage()
        # Sorted, so a cost (a float) sums to the same last digit whichever article finished first.
        for u in sorted(self._usages, key=lambda x: x.model_dump_json()):
            usage = usage + u
        for u in failed:
            usage = usage + u
        return usage

    def rejected(self) -> list[Rejected]:
        """Every extraction's rejected items, each once (the same article merged twice), in extraction order."""
        return list(self._rejected.values())

    def instructions(self) -> list[Instruction]:
        """Every instruction found in an article, once per place (article and offsets), in extraction order."""
        return list(self._instructions.values())


def _totals(extractions: Iterable[ArticleExtraction]) -> Totals:
    t = Totals()
    for e in extractions:
        t.add(e)
    return t


def total_usage(extractions: Sequence[ArticleExtraction], failed: Iterable[Usage] = ()) -> Usage:
    """The summed usage of the extractions and of failed articles' calls (made, and paid for, too)."""
    return _totals(extractions).usage(failed)


def all_rejected(extractions: Sequence[ArticleExtraction]) -> list[Rejected]:
    """Every extraction's rejected items, each once (the same article merged twice), in extraction order."""
    return _totals(extractions).rejected()


def all_instructions(extractions: Sequence[ArticleExtraction]) -> list[Instruction]:
    """Every instruction found in an article, once per place (article and offsets), in extraction order."""
    return _totals(extractions).instructions()
