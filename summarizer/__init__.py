"""brief: many news articles in, one structured, source-grounded briefing out.

>>> import summarizer
>>> b = summarizer.brief(["seeds/"])          # offline extractor when no model is configured
>>> print(summarizer.render_markdown(b))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ModelConfig
from .errors import (
    ArticleError,
    BriefError,
    ConfigError,
    EvalError,
    ModelError,
    ModeRefusedError,
    ReplayMissError,
    SchemaDriftError,
    StoreError,
)
from .extract import aextract, extract, extract_many
from .merge import merge
from .numbers import find_figures, parse_quantity
from .schema import (
    Aid,
    ArmsTransfer,
    Article,
    ArticleExtraction,
    Briefing,
    Casualty,
    Deployment,
    Diplomacy,
    Quantity,
    Sections,
)

if TYPE_CHECKING:  # pragma: no cover
    from .articles import LoadResult, article_from_text, load_articles
    from .grounding import verify
    from .offline import extract_offline
    from .pipeline import BriefRun, brief, run_brief
    from .render import render_html, render_json, render_markdown

# `extract` and `merge` are both modules and functions: they are imported above so the names are the
# functions. The rest load on first use; openai and instructor are imported only for a model run.
_LAZY = {
    "load_articles": "articles", "article_from_text": "articles", "LoadResult": "articles",
    "verify": "grounding", "extract_offline": "offline",
    "brief": "pipeline", "run_brief": "pipeline", "BriefRun": "pipeline",
    "render_markdown": "render", "render_json": "render", "render_html": "render",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")


__all__ = [
    "Aid", "ArmsTransfer", "Article", "ArticleError", "ArticleExtraction", "BriefError", "BriefRun", "Briefing",
    "Casualty", "ConfigError", "Deployment", "Diplomacy", "EvalError", "LoadResult", "ModeRefusedError",
    "ModelConfig", "ModelError", "Quantity", "ReplayMissError", "SchemaDriftError", "Sections", "StoreError",
    "aextract", "article_from_text", "brief", "extract", "extract_many", "extract_offline", "find_figures",
    "load_articles", "merge", "parse_quantity", "render_html", "render_json", "render_markdown", "run_brief",
    "verify",
]
