"""Find what was not understood: articles that state figures but gave no item.

"None reported" under a section is only true of the articles that were read. When an article
states figures and nothing came out of it (written in a language the offline extractor does not
read, or worded in a way its patterns do not know), the run lists it in ``run.unread``; the
briefing (render.py) names it and suggests a model.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.language import article_language
from ..core.locale_numbers import find_figures_in
from ..core.schema import SECTIONS, Article, ArticleExtraction, Unread


def _items(ex: ArticleExtraction) -> int:
    return sum(len(getattr(ex, s)) for s in SECTIONS)


def _has_figures(article: Article, lang: str | None) -> bool:
    """The article states at least one figure that is not a year (read in its own language)."""
    return any(not f.year_like for f in find_figures_in(article.text, lang))


def reads(lang: str | None) -> bool:
    """The offline extractor's patterns read this language (English; None is taken as English)."""
    return lang in (None, "en")


def unread(extractions: Sequence[ArticleExtraction], articles: Sequence[Article], *, offline: bool) -> list[Unread]:
    """Articles with figures and no extracted item, each with the reason."""
    by_id = {a.id: a for a in articles}
    out: list[Unread] = []
    for ex in extractions:
        art = by_id.get(ex.article_id)
        if art is None or _items(ex):
            continue
        lang = article_language(art)
        if not _has_figures(art, lang) and not (offline and not reads(lang)):
            continue
        if offline and not reads(lang):
            reason = f"written in {lang}, and the offline extractor reads English only"
        elif offline:
            reason = "figures in sentences the offline extractor's patterns do not recognise"
        else:
            reason = "figures, but no item from the model whose quote and figures could be verified"
        out.append(Unread(article_id=art.id, path=art.path, title=art.title, language=lang, reason=reason))
    return out
