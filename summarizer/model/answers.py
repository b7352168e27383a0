"""The answer index: an article's validated model answer, looked up without building any request.

The response cache (store.py) is keyed on the exact HTTP request, so reading it means building the
request through openai and instructor and parsing the stored answer again: about 4 ms per article,
plus about a second of imports, even when every answer is cached. This index sits beside it in the
same cache folder (``answers/``) and is keyed on what decides the answer: the article as the model
sees it (title, outlet, date, text), the prompt version, the schema, the model, the endpoint and the
sampling options. A hit gives the Sections the model returned (before grounding, so a change to
verification still applies), and a run whose articles all hit never imports openai or instructor.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from ..core.schema import Article, Sections
from .config import LOCAL_MODEL, ModelConfig, default_cache_dir, schema_json
from .store import canonical, write_json_atomic

log = logging.getLogger(__name__)

# Bump when what an entry means changes (for example how long articles are cut into parts).
FORMAT = 1
FOLDER = "answers"


@dataclass
class Answer:
    """A stored answer: the model's Sections for the whole article and how many calls it took."""

    sections: Sections
    calls: int


@lru_cache(maxsize=8)
def _schema_hash(mode: str) -> str:
    return hashlib.sha256(schema_json(mode).encode("utf-8")).hexdigest()[:16]


class AnswerIndex:
    """Validated answers per article in ``<cache dir>/answers/``; atomic writes, damaged entries are misses."""

    def __init__(self, config: ModelConfig, prompt_version: str) -> None:
        self.config = config
        self.prompt_version = prompt_version
        self.folder = (config.cache_dir or default_cache_dir()) / FOLDER
        self._settings = {
            "format": FORMAT, "model": config.model, "base_url": config.safe_base_url(), "mode": config.mode,
            "temperature": config.temperature, "max_tokens": config.max_tokens, "seed": config.seed,
            "frequency_penalty": config.frequency_penalty, "repeat_penalty": config.repeat_penalty,
            "max_tokens_per_article": config.max_tokens_per_article,
            "context_tokens": config.context_tokens, "prompt_version": prompt_version,
            "schema": _schema_hash(config.mode),
        }

    @classmethod
    def for_config(cls, config: ModelConfig, prompt_version: str) -> AnswerIndex | None:
        """The index when answers may be reused: the cache is on, this is neither a recording nor a replay
        (both must see every request as sent), and the model is named: with only a base URL the model is
        the placeholder "local", and which model the server serves is only known by asking it (the
        request cache does that), so such runs skip the index."""
        if not config.cache or config.record is not None or config.replay is not None:
            return None
        if config.model == LOCAL_MODEL:
            return None
        return cls(config, prompt_version)

    def key(self, article: Article) -> str:
        seen = {"title": article.title, "outlet": article.outlet,
                "published": article.published.isoformat() if article.published else None, "text": article.text}
        return hashlib.sha256(canonical({**self._settings, "article": seen})).hexdigest()

    def get(self, article: Article) -> Answer | None:
        """The stored answer, or None; an unreadable or invalid entry is logged by name and treated as a miss."""
        path = self.folder / f"{self.key(article)}.json"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("ignoring unreadable cached answer %s (%s)", path, exc.strerror or exc)
            return None
        try:
            entry: Any = json.loads(raw)
            sections = Sections.model_validate(entry["sections"])
            calls = int(entry.get("calls", 1))
        except (ValueError, TypeError, KeyError, ValidationError) as exc:
            log.warning("ignoring damaged cached answer %s (%s); asking again",
                        path, " ".join(str(exc).split())[:200])
            return None
        return Answer(sections=sections, calls=max(calls, 1))

    def put(self, article: Article, sections: Sections, calls: int) -> None:
        """Store the answer (call before grounding changes it); failures to write are logged, never raised."""
        key = self.key(article)
        entry = {"format": FORMAT, "key": key, "article_id": article.id, "model": self.config.model,
                 "base_url": self.config.safe_base_url(), "prompt_version": self.prompt_version, "calls": calls,
                 "sections": sections.model_dump(mode="json")}
        try:
            write_json_atomic(self.folder / f"{key}.json", entry, indent=None)
        except Exception as exc:  # the answer is still used; only the next run's shortcut is lost
            log.warning("could not store the answer of %s in %s (%s)", article.id, self.folder, exc)

