"""One exception hierarchy; every message says what went wrong and what to do."""

from __future__ import annotations

import contextvars
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

    def __init__(self, article_id: str, reason: str | None = None) -> None:
        super().__init__(article_id, reason or f"not finished before the run's {option('deadline')} ran out: run "
                         "the same command again to continue (answers already received are cached)")


class StoreError(BriefError):
    """The response store (cache / recordings) could not be read or written."""


class SchemaDriftError(BriefError):
    """The committed JSON Schemas differ from the Pydantic models."""


class EvalError(BriefError):
    """Gold fixtures or eval inputs are missing or invalid."""


class NoArticlesError(BriefError):
    """No article could be read from the inputs, or every article failed: there is nothing to brief.

    ``errors`` holds one error per failed input, so a caller can still show what went wrong.
    """

    def __init__(self, message: str, errors: list[BriefError] | None = None) -> None:
        self.errors = list(errors or [])
        self.run: Any = None  # the pipeline's BriefRun when articles were read but every one failed
        super().__init__(message)


# ---------------------------------------------------------------- naming settings in messages

# How messages name a setting. The library speaks of its keyword arguments (``max_bytes``); the command line
# sets this to its own names (``--max-bytes``, or ``BRIEF_MODE`` when the environment gave the value), so the
# same message tells each user what they can actually type.
_NAMES: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("brief_option_names", default=None)


def use_option_names(names: dict[str, str]) -> contextvars.Token[dict[str, str] | None]:
    """Name settings as ``names`` maps them (keyword argument -> flag or variable) in messages from now on."""
    return _NAMES.set(names)


def reset_option_names(token: contextvars.Token[dict[str, str] | None]) -> None:
    """Undo :func:`use_option_names`."""
    _NAMES.reset(token)


def option(name: str, value: object = None) -> str:
    """A setting as the current caller types it: ``mode='json'`` in Python, ``--mode json`` on the command line."""
    names = _NAMES.get()
    if names is None:
        return name if value is None else f"{name}={value!r}"
    typed = names.get(name, "--" + name.replace("_", "-"))
    if value is None:
        return typed
    return f"{typed}={value}" if not typed.startswith("-") else f"{typed} {value}"
