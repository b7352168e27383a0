"""One exception hierarchy; every message says what went wrong and what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class BriefError(Exception):
    """Root of every error this package raises on purpose."""


class ArticleError(BriefError):
    """An input article could not be read; the other articles are unaffected."""

    def __init__(self, path: str | Path, reason: str) -> None:
        from .redact import show_path

        self.path = str(path)
        self.reason = reason
        super().__init__(f"{show_path(self.path)}: {reason}")


class ConfigError(BriefError):
    """The model endpoint, key or options are missing or inconsistent."""


class ModelError(BriefError):
    """The model endpoint failed for one article after all retries."""

    def __init__(self, article_id: str, reason: str) -> None:
        self.article_id = article_id
        self.reason = reason
        self.usage: Any = None  # schema.Usage of the calls this article made before failing (counted in run.usage)
        super().__init__(f"article {article_id}: {reason}")


class ModeRefusedError(ModelError):
    """The server refused the structured-output mode; another mode may work."""


class ReplayMissError(ModelError):
    """A replayed run asked for a response that the recording folder does not hold."""


class DeadlineError(ModelError):
    """The run's --deadline ran out before this article was finished; the briefing is marked partial."""

    def __init__(self, article_id: str, reason: str = "not finished before the run's --deadline: run the same "
                 "command again to continue (answers already received are cached)") -> None:
        super().__init__(article_id, reason)


class StoreError(BriefError):
    """The response store (cache / recordings) could not be read or written."""


class SchemaDriftError(BriefError):
    """The committed JSON Schemas differ from the Pydantic models."""


class EvalError(BriefError):
    """Gold fixtures or eval inputs are missing or invalid."""
