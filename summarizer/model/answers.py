"""The answer index: an article's validated model answer, looked up without building any request.

The response cache (store.py) is keyed on the exact HTTP request, so reading it means building the
request through openai and instructor and parsing the stored answer again: about 4 ms per article,
plus about a second of imports, even when every answer is cached. This index sits beside it in the
same cache folder (``answers/``) and is keyed on what decides the answer: the article as the model
sees it (title, outlet, date, text), the prompt version, the schema, the model, the endpoint and the
sampling options. A hit gives the Sections the model returned (before grounding), and a run whose
articles all hit never imports openai or instructor.

Grounding (verification) costs more than everything else a cached re-run does, so its result is kept
too (``verified/``, one file per answer), keyed on the answer's exact bytes, the whole article, and a
fingerprint of the code and packages that verification runs (:func:`code_fingerprint`): a change to
verification, or a new version of a package it uses, still applies to cached answers, while an
unchanged installation reads the grounded extraction back instead of grounding it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..core.schema import Article, ArticleExtraction, Sections, Usage
from .config import LOCAL_MODEL, ModelConfig, default_cache_dir, schema_json
from .store import canonical, write_bytes_atomic, write_json_atomic

log = logging.getLogger(__name__)

# Bump when what an entry means changes (for example how long articles are cut into parts).
FORMAT = 1
FOLDER = "answers"
# A grounded extraction: a header line (what it was computed from), then the extraction's JSON.
VERIFIED_FORMAT = 1
VERIFIED_FOLDER = "verified"


@dataclass
class Answer:
    """A stored answer: the model's Sections for the whole article and how many calls it took.

    ``key`` and ``digest`` (the SHA-256 of the stored entry) are set for answers read from or written to
    the index; ``verified`` is the grounded extraction stored for exactly this answer, article and code.
    """

    sections: Sections
    calls: int
    key: str = ""
    digest: str = ""
    verified: ArticleExtraction | None = None


@lru_cache(maxsize=8)
def _schema_hash(mode: str) -> str:
    return hashlib.sha256(schema_json(mode).encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """What grounding an answer depends on besides the answer and the article, as one hash.

    The bytes of every file of the installed ``summarizer`` package (code and data), the Python version,
    and the name and version of every distribution on ``sys.path`` (the names of their ``.dist-info``
    folders, so reading them is one directory listing each). Computed once per process: a few ms.
    """
    h = hashlib.sha256()
    h.update(sys.version.encode())
    root = Path(__file__).resolve().parent.parent
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath, name)
            h.update(b"\0" + path.relative_to(root).as_posix().encode("utf-8", "surrogateescape") + b"\0")
            try:
                h.update(path.read_bytes())
            except OSError:
                h.update(b"unreadable")
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        h.update(b"\0" + "\n".join(names).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _is_tree(model: BaseModel) -> bool:
    """No model object is reachable twice from ``model``: a copy read back from JSON then behaves the same
    when later code changes one of its parts in place."""
    seen: set[int] = set()
    stack: list[Any] = [model]
    while stack:
        value = stack.pop()
        if isinstance(value, BaseModel):
            if id(value) in seen:
                return False
            seen.add(id(value))
            stack.extend(value.__dict__.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
    return True


def readable_back(extraction: ArticleExtraction) -> bytes | None:
    """The extraction's JSON when reading it back gives an equal tree (so later code cannot tell the two
    apart), else None: one object in two places, or a value JSON does not carry as it is (a tuple)."""
    body = extraction.model_dump_json(warnings=False).encode("utf-8")  # what does not fit shows below
    try:
        exact = _is_tree(extraction) and ArticleExtraction.model_validate_json(body) == extraction
    except ValidationError:
        exact = False
    return body if exact else None


class AnswerIndex:
    """Validated answers per article in ``<cache dir>/answers/``; atomic writes, damaged entries are misses."""

    def __init__(self, config: ModelConfig, prompt_version: str) -> None:
        self.config = config
        self.prompt_version = prompt_version
        root = config.cache_dir or default_cache_dir()
        self.folder = root / FOLDER
        self.verified_folder = root / VERIFIED_FOLDER
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

    def get(self, article: Article, *, extractor: str | None = None) -> Answer | None:
        """The stored answer, or None; an unreadable or invalid entry is logged by name and treated as a miss.

        With ``extractor`` (the name verification gives the extraction), the answer carries its stored
        grounded extraction when there is one for exactly this answer, article and code; then the
        Sections are not validated (``sections`` is empty) since the extraction replaces them.
        """
        key = self.key(article)
        path = self.folder / f"{key}.json"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("ignoring unreadable cached answer %s (%s)", path, exc.strerror or exc)
            return None
        digest = hashlib.sha256(raw).hexdigest()
        if extractor is not None and (found := self._verified(key, digest, article, extractor)) is not None:
            extraction, calls = found
            return Answer(sections=Sections(), calls=calls, key=key, digest=digest, verified=extraction)
        try:
            entry: Any = json.loads(raw)
            sections = Sections.model_validate(entry["sections"])
            calls = int(entry.get("calls", 1))
        except (ValueError, TypeError, KeyError, ValidationError) as exc:
            log.warning("ignoring damaged cached answer %s (%s); asking again",
                        path, " ".join(str(exc).split())[:200])
            return None
        return Answer(sections=sections, calls=max(calls, 1), key=key, digest=digest)

    def put(self, article: Article, sections: Sections, calls: int) -> Answer:
        """Store the answer (call before grounding changes it); failures to write are logged, never raised.

        Returns the answer as stored (with its key and digest; no digest when it could not be written)."""
        key = self.key(article)
        entry = {"format": FORMAT, "key": key, "article_id": article.id, "model": self.config.model,
                 "base_url": self.config.safe_base_url(), "prompt_version": self.prompt_version, "calls": calls,
                 "sections": sections.model_dump(mode="json")}
        answer = Answer(sections=sections, calls=calls, key=key)
        try:
            written = write_json_atomic(self.folder / f"{key}.json", entry, indent=None)
            answer.digest = hashlib.sha256(written).hexdigest()
        except Exception as exc:  # the answer is still used; only the next run's shortcut is lost
            log.warning("could not store the answer of %s in %s (%s)", article.id, self.folder, exc)
        return answer

    # ------------------------------------------------------------ grounded extractions

    def _check(self, digest: str, article: Article, extractor: str) -> str:
        """What a grounded extraction was computed from: the answer's bytes, the article, the code."""
        h = hashlib.sha256()
        for part in (str(VERIFIED_FORMAT), code_fingerprint(), digest, extractor, self.prompt_version):
            h.update(part.encode("utf-8") + b"\0")
        h.update(article.model_dump_json().encode("utf-8"))
        return h.hexdigest()

    def _verified(
        self, key: str, digest: str, article: Article, extractor: str
    ) -> tuple[ArticleExtraction, int] | None:
        path = self.verified_folder / f"{key}.json"
        try:
            raw = path.read_bytes()
        except OSError:  # none yet (or unreadable: grounded again and rewritten)
            return None
        head, _, body = raw.partition(b"\n")
        try:
            header = json.loads(head)
            if not isinstance(header, dict) or header.get("check") != self._check(digest, article, extractor):
                return None  # another answer, article or version of the code: grounded again
            extraction = ArticleExtraction.model_validate_json(body)
            calls = int(header["calls"])
        except (ValueError, TypeError, KeyError, ValidationError) as exc:
            log.warning("ignoring damaged grounded answer %s (%s)", path, " ".join(str(exc).split())[:200])
            return None
        return extraction, calls

    def put_verified(self, answer: Answer, article: Article, extraction: ArticleExtraction, *,
                     body: bytes | None = None) -> None:
        """Store the grounded extraction of a stored answer, when reading it back gives an equal tree.

        ``extraction.usage`` is not stored: a re-run's usage is its own (no calls, ``answer.calls`` cached).
        ``body``: the extraction's JSON with an empty usage, already known to read back equal. Failures are
        logged, never raised.
        """
        if not answer.digest:
            return
        if body is None:
            body = readable_back(extraction.model_copy(update={"usage": Usage()}))
        if body is None:  # this answer is grounded again on every run
            log.debug("not storing the grounded answer of %s: it does not read back equal", article.id)
            return
        header = {"format": VERIFIED_FORMAT, "check": self._check(answer.digest, article, extraction.extractor),
                  "calls": answer.calls, "article_id": article.id}
        try:
            write_bytes_atomic(self.verified_folder / f"{answer.key}.json",
                               json.dumps(header).encode("utf-8") + b"\n" + body + b"\n")
        except Exception as exc:
            log.warning("could not store the grounded answer of %s in %s (%s)", article.id, self.verified_folder,
                        exc)
