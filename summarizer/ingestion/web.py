"""Article inputs that are not files: a web address (http/https) or standard input ("-").

A page is fetched with the standard library (so a failure says what went wrong: HTTP status, refused
connection, timeout) and its main text is extracted by trafilatura, as for a saved .html file.
"""

from __future__ import annotations

import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

from ..core.errors import ArticleError, option

STDIN = "-"
_URL = re.compile(r"https?://[^\s/]+", re.IGNORECASE)
_HTML_START = re.compile(r"\s*(<!doctype html|<html|<head|<body|<article)", re.IGNORECASE)
FETCH_TIMEOUT = 30.0


def is_url(value: object) -> bool:
    """True for an http:// or https:// address given as a string."""
    return isinstance(value, str) and _URL.match(value) is not None


@dataclass
class Fetched:
    """What a web server or standard input gave: the text and whether it is an HTML page."""

    where: str
    text: str
    is_html: bool


def looks_like_html(text: str) -> bool:
    return _HTML_START.match(text) is not None


def fetch(url: str, *, max_bytes: int, timeout: float = FETCH_TIMEOUT) -> Fetched:
    """GET ``url``; ArticleError naming the address when it cannot be fetched or is too large."""
    from .. import __version__

    request = urllib.request.Request(url, headers={
        "User-Agent": f"brief/{__version__} (+https://pypi.org/project/brief-summarizer/)",
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https only)
            data = response.read(max_bytes + 1)
            ctype = response.headers.get_content_type()
            charset = response.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as exc:
        raise ArticleError(url, f"the server answered HTTP {exc.code} ({exc.reason}): check the address") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise ArticleError(url, f"did not answer within {timeout:g} s: try again later") from None
        raise ArticleError(url, f"cannot be fetched ({reason}): check the address and the connection") from None
    except TimeoutError:
        raise ArticleError(url, f"did not answer within {timeout:g} s: try again later") from None
    except (OSError, ValueError) as exc:
        raise ArticleError(url, f"cannot be fetched ({exc}): check the address") from None
    if len(data) > max_bytes:
        raise ArticleError(url, f"is over the {max_bytes:,}-byte limit: raise {option('max_bytes')}")
    try:
        text = data.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        text = data.decode("utf-8", errors="replace")
    if ctype not in ("text/html", "application/xhtml+xml", "text/plain", "text/markdown") and not ctype.startswith(
            "text/"):
        raise ArticleError(url, f"is {ctype}, not a web page or text: give the address of the article page")
    return Fetched(url, text, ctype in ("text/html", "application/xhtml+xml") or looks_like_html(text))


def read_stdin(*, max_bytes: int) -> Fetched:
    """Standard input as one article: plain text or Markdown, or an HTML page (recognised by its start)."""
    if sys.stdin is None or sys.stdin.isatty():  # nothing piped in: reading would wait for typing forever
        raise ArticleError("<stdin>", "is a terminal, not piped text: pipe the article in, e.g. "
                           "`cat article.txt | brief -`")
    data = sys.stdin.buffer.read(max_bytes + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    if len(data) > max_bytes:
        raise ArticleError("<stdin>", f"is over the {max_bytes:,}-byte limit: raise {option('max_bytes')}")
    text = data.decode("utf-8", errors="replace")
    if not text.strip():
        raise ArticleError("<stdin>", "is empty: pipe the article text in, e.g. `cat article.txt | brief -`")
    return Fetched("<stdin>", text, looks_like_html(text))
