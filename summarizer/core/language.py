"""The language an article is written in: given with the article, else detected with py3langid."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from .schema import Article

log = logging.getLogger(__name__)

# A detection less sure than this is "unknown" (None): a short or mixed text, a page of names.
MIN_CONFIDENCE = 0.9
# Enough text to tell a language; detecting on a whole long article adds time, not certainty.
SAMPLE_CHARS = 5000


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's model with normalised probabilities (loaded once, about a second), or None when it cannot
    be loaded (it unpacks to a temporary file of about 30 MB: a full disk or a file-size limit stops it).
    Without it every article counts as English, whose parser never misreads another language's digits."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    try:
        return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    except (OSError, ValueError, MemoryError) as exc:
        log.warning("language detection unavailable (%s); articles without a 'language:' are read as English", exc)
        return None


@lru_cache(maxsize=256)
def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language of ``text``, or None when py3langid is not sure (below MIN_CONFIDENCE)."""
    sample = text[:SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < 20:
        return None
    ident = _identifier()
    if ident is None:
        return None
    code, prob = ident.classify(sample)
    return str(code) if prob >= MIN_CONFIDENCE else None


def article_language(article: Article) -> str | None:
    """The article's language: the one given with it (front matter ``language:``), else detected.

    Plain English prose (English function words a fair share of at least 20 words) is English without
    loading the model, so an English run pays nothing for detection.
    """
    if article.language:
        return article.language
    if len(article.text.split(None, 19)) >= 20 and looks_english(article.text):  # 20 words or more
        return "en"
    return detect_language(article.text)


_ENGLISH = frozenset("the a an and of to in is was were are has have had said says that for on with by from "
                     "at as it its they their this which who".split())


_LETTER_RUNS = re.compile(r"[^\W\d_]+")
_ASCII_LETTER_RUNS = re.compile(r"[A-Za-z]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def letter_runs(text: str) -> list[str]:
    r"""``re.findall(r"[^\W\d_]+", text)``: the words of a text, as runs of letters.

    When no character outside ASCII in the text is a letter (curly quotes, dashes, currency signs and no-break
    spaces are not), the runs are those of ``[A-Za-z]``, which the regex engine finds about twice as fast.
    """
    if text.isascii() or not any(c.isalnum() and not c.isdecimal() for c in set(_NON_ASCII.findall(text))):
        return _ASCII_LETTER_RUNS.findall(text)
    return _LETTER_RUNS.findall(text)


@lru_cache(maxsize=4)  # the offline extractor and verification ask about the same article text in turn
def looks_english(text: str) -> bool:
    """English function words make up a fair share of the words (about a third in news prose; under 5% elsewhere)."""
    words = letter_runs(text[:20_000].lower())
    return len(words) < 20 or sum(map(_ENGLISH.__contains__, words)) >= 0.12 * len(words)
