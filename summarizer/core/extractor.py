"""The one extractor interface: what pipeline.run_brief needs from the offline extractor and the model one.

In the manner of langextract's ``BaseLanguageModel``: the pipeline loads, extracts through this interface,
verifies nothing itself and merges; which extractor runs is decided once, when it is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from .errors import BriefError
from .schema import Article, ArticleExtraction, RunInfo

Progress = Callable[[Article, "ArticleExtraction | BriefError"], None]


class Extractor(Protocol):
    """Fills and verifies the sections of each article; failures are returned, never raised per article."""

    #: True for the offline extractor: articles that gave no item are then explained by its limits
    #: (English only, its sentence patterns) rather than by the model's.
    offline: bool

    def extract_many(self, articles: Sequence[Article], progress: Progress | None = None, *,
                     deadline: float | None = None) -> Sequence[ArticleExtraction | BriefError]:
        """One entry per article, in order: its verified extraction or the error it met.

        ``progress(article, result)`` is called as each article finishes. ``deadline`` (seconds from now):
        articles not finished by then are :class:`~summarizer.core.errors.DeadlineError` entries.
        """
        ...

    def run_info(self, extractions: Sequence[ArticleExtraction]) -> RunInfo:
        """What the briefing's ``run`` says about this extractor (totals are added by the pipeline)."""
        ...
