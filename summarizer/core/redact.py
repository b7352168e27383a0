"""Credentials out of anything brief prints: API keys, passwords in URLs, secret-looking query parameters.

Used by the CLI's log filter (every log line, the HTTP client's request lines at -vv included) and by the
model client for its error messages. Also quotes untrusted names (file names) so they cannot forge lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
# user:password@ (or a bare token@) right after a URL's scheme.
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://)[^/\s@?#]+@")
# Query parameters whose name says they hold a secret (api-key, key, token, access_token, sig, password ...).
_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:[a-z0-9_\-]*(?:key|token|secret|password|passwd|pwd|signature|credential)s?|sig|auth|code)=)"
    r"[^&;#\s\"'<>]+"
)
# OpenAI-style keys ("sk-...", "sk-proj-...").
_KEY = re.compile(r"sk-[A-Za-z0-9_\-*]{4,}")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with the given secrets, URL passwords, secret query values and sk- keys replaced by ***."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(rf"\g<1>{MASK}@", text)
    text = _SECRET_PARAM.sub(rf"\g<1>{MASK}", text)
    return _KEY.sub(f"sk-{MASK}", text)


def show_path(path: str) -> str:
    """A file name as messages print it: unchanged when plain, else quoted with its control characters
    escaped, so a name holding a newline cannot start a line of its own (``'a\\nbrief: ok'``)."""
    if path.isprintable() and path == path.strip():
        return path
    return repr(path)


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped: one message, one line."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)
