"""brief: many news articles in, one structured, source-grounded briefing out.

>>> import summarizer
>>> b = summarizer.brief(["seeds/"])          # offline extractor unless model=/base_url= is given
>>> print(summarizer.render_markdown(b))

The library reads no environment variable and configures no logging: it logs to the "summarizer" logger
(and instructor/openai to theirs), which stay silent until the application configures logging.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from typing import TYPE_CHECKING, Any

from .core.errors import (
    ArticleError,
    BriefError,
    ConfigError,
    EvalError,
    ModelError,
    ModeRefusedError,
    NoArticlesError,
    ReplayMissError,
    SchemaDriftError,
    StoreError,
)
from .core.numbers import find_figures, parse_quantity
from .core.schema import (
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
from .merging.merge import merge
from .model.config import ModelConfig
from .model.extractor import aextract, extract, extract_many

try:
    __version__ = _dist_version("brief-summarizer")
except PackageNotFoundError:  # pragma: no cover - run from a checkout that was never installed
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

if TYPE_CHECKING:  # pragma: no cover
    from .ingestion.articles import LoadResult, article_from_text, load_articles
    from .offline import extract_offline
    from .pipeline import BriefRun, brief, run_brief
    from .rendering.render import render_html, render_json, render_markdown
    from .verification.grounding import verify

# `merge` is both a module and a function: it is imported above so the name is the function. The rest
# load on first use; openai and instructor are imported only for a model run.
_LAZY = {
    "load_articles": "ingestion.articles", "article_from_text": "ingestion.articles",
    "LoadResult": "ingestion.articles",
    "verify": "verification.grounding", "extract_offline": "offline",
    "brief": "pipeline", "run_brief": "pipeline", "BriefRun": "pipeline",
    "render_markdown": "rendering.render", "render_json": "rendering.render", "render_html": "rendering.render",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")


__all__ = [
    "Aid", "ArmsTransfer", "Article", "ArticleError", "ArticleExtraction", "BriefError", "BriefRun", "Briefing",
    "Casualty", "ConfigError", "Deployment", "Diplomacy", "EvalError", "LoadResult", "ModeRefusedError",
    "ModelConfig", "ModelError", "NoArticlesError", "Quantity", "ReplayMissError", "SchemaDriftError", "Sections",
    "StoreError",
    "aextract", "article_from_text", "brief", "extract", "extract_many", "extract_offline", "find_figures",
    "load_articles", "merge", "parse_quantity", "render_html", "render_json", "render_markdown", "run_brief",
    "verify", "__version__",
]
