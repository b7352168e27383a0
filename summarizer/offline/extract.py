"""The offline extractor's entry point: sentence patterns filling the briefing schema.

Each item quotes whole sentences of the article, every figure comes from
:func:`summarizer.core.numbers.find_figures`, and the result goes through
:func:`summarizer.verification.grounding.verify` like a model's. The phrase tables live in
``summarizer/data/offline_patterns.yaml``. A sentence it cannot read with confidence is
skipped: a missing figure is better than a wrong one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..core.language import article_language
from ..core.schema import (
    Article,
    ArticleExtraction,
    DateRef,
    Sections,
)
from ..reading.article_sentences import split_sentences
from ..reading.claimants import Names, run_leaders
from ..reading.context import Context
from ..verification.coverage import reads
from ..verification.grounding import verify
from .aid import aid
from .arms import arms_transfers
from .casualties import casualties
from .deployments import deployments
from .diplomacy import diplomacy

__all__ = ["extract_offline", "read_offline"]


# ---------------------------------------------------------------- entry point


def extract_offline(article: Article, *, others: Sequence[Article] = (),
                    leaders: Mapping[str, str | None] | None = None) -> ArticleExtraction:
    """Fill the five sections from sentence patterns and ground them like a model's output.

    ``others``: the other articles of the run; a leader one of them introduces with a nationality
    ("Russian President Vladimir Putin") then stands for that state here too. ``leaders``: those names
    already found for the whole run (:func:`~summarizer.reading.claimants.run_leaders`), which a caller
    briefing many articles passes so that no article reads all the others again.
    """
    return verify(read_offline(article, others=others, leaders=leaders), article, extractor="offline", copy=False)


def read_offline(article: Article, *, others: Sequence[Article] = (),
                 leaders: Mapping[str, str | None] | None = None) -> Sections:
    """The five sections as the sentence patterns read them, not yet grounded (see :func:`extract_offline`).

    An article in a language the patterns do not read gives empty sections: English patterns would misread it.
    """
    if not reads(article_language(article)):
        return Sections()
    if leaders is None:
        leaders = run_leaders(o.text for o in others if o.id != article.id)
    ctx = Context(article, split_sentences(article.text), Names(article.text, leaders))
    found, used = casualties(ctx)
    sections = Sections(
        casualties=found,
        deployments=deployments(ctx, used),
        arms_transfers=arms_transfers(ctx),
        aid=aid(ctx),
        diplomacy=diplomacy(ctx),
    )
    _share_briefing_dates(sections)
    return sections


def _share_briefing_dates(sections: Sections) -> None:
    """Items relayed by one person for one source share the briefing's stated date when only one is stated."""
    items = [it for name in ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")
             for it in getattr(sections, name)]
    dated: dict[tuple[str, str], set[tuple[str, str | None]]] = {}
    refs: dict[tuple[str, str | None], DateRef] = {}
    for it in items:
        if it.conduit and it.claimant and it.claimed is not None:
            k = (it.claimed.text.lower(), it.claimed.start)
            dated.setdefault((it.claimant, it.conduit), set()).add(k)
            refs[k] = it.claimed
    for it in items:
        when = dated.get((it.claimant, it.conduit)) if it.conduit else None
        if it.claimed is None and when is not None and len(when) == 1:
            it.claimed = refs[next(iter(when))].model_copy()
