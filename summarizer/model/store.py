"""ResponseStore: one mechanism for cache, record and replay of model exchanges (JSON files, atomic writes)."""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import logging
import os
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..core.errors import StoreError, option

log = logging.getLogger(__name__)



class StoreMode(StrEnum):
    """What a ResponseStore does with exchanges (not to be confused with the structured-output Mode)."""

    CACHE = "cache"  # answers keyed by request and endpoint, reused across runs
    RECORD = "record"  # every exchange written in full, for people to read and for replays
    REPLAY = "replay"  # read only: a request with no stored answer is an error
    OFF = "off"


FORMAT = 1


def canonical(request: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def request_key(request: dict[str, Any], scope: dict[str, Any] | None = None) -> str:
    """SHA-256 over the canonical JSON of the request body (model, messages, tools/schema, parameters).

    ``scope`` (the cache's endpoint and the server's model identity) joins the key when given, so one cache
    folder never serves one server's answers as another's; recordings are keyed by the body alone.
    """
    return request_key_of(canonical(request), scope)


def request_key_of(canonical_request: bytes, scope: dict[str, Any] | None = None) -> str:
    """:func:`request_key` from the request's canonical JSON, already made (``canonical(request)``): the keys
    "request" and "scope" sort in that order, so the canonical JSON of both is the two put together."""
    data = canonical_request if scope is None else \
        b'{"request":' + canonical_request + b',"scope":' + canonical(scope) + b"}"
    return hashlib.sha256(data).hexdigest()


def completion_problem(response: Any) -> str | None:
    """What makes a chat-completion body unusable (not an object, no choices, no message), or None."""
    if not isinstance(response, dict):
        return "not a JSON object"
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices:
        return "no choices" if choices == [] else "no 'choices' list"
    first = choices[0]
    message = first.get("message") if isinstance(first, dict) else None
    if not isinstance(message, dict):
        return "its first choice has no message"
    return None  # an empty or invalid message is the model's answer: instructor re-asks


def summarise(request: dict[str, Any]) -> dict[str, Any]:
    """A short, readable description of a request (never headers or keys)."""
    messages = request.get("messages") or []
    fmt = request.get("response_format") or {}
    return {
        "model": request.get("model"),
        "messages": [{"role": m.get("role"), "chars": len(str(m.get("content") or ""))} for m in messages],
        "tools": [t.get("function", {}).get("name") for t in request.get("tools") or []],
        "response_format": fmt.get("type") if isinstance(fmt, dict) else None,
        "temperature": request.get("temperature"),
    }


class ResponseStore:
    """Model responses on disk, one readable JSON file per request key.

    ``cache`` and ``record`` read and write; ``replay`` only reads; ``off`` does nothing.
    """

    def __init__(self, mode: str, folder: Path | None) -> None:
        if mode not in StoreMode.__members__.values():
            raise StoreError(f"unknown store mode {mode!r}; use one of {', '.join(StoreMode)}")
        if mode != "off" and folder is None:
            raise StoreError(f"store mode {mode!r} needs a folder")
        self.mode = mode
        self.folder = Path(folder).expanduser() if folder is not None else None
        if mode == "replay" and self.folder is not None and not self.folder.is_dir():
            raise StoreError(f"replay folder {self.folder} does not exist; record one first with {option('record')}")

    def key(self, request: dict[str, Any], scope: dict[str, Any] | None = None) -> str:
        """SHA-256 over the canonical JSON of the request body (and the scope, when given)."""
        return request_key(request, scope)

    def path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.json"

    def get(self, request: dict[str, Any], scope: dict[str, Any] | None = None, *,
            key: str | None = None) -> dict[str, Any] | None:
        """The stored response body, or None (a miss; a damaged or unusable entry counts as a miss and is
        logged with its file name, so the answer is fetched again and the entry overwritten).

        ``key``: the request's key when the caller has it already (it costs a JSON encoding of the request)."""
        if self.mode == "off":
            return None
        path = self.path(key or self.key(request, scope))
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring damaged stored response %s (%s)", path, exc)
            return None
        response = entry.get("response") if isinstance(entry, dict) else None
        if not isinstance(response, dict):
            log.warning("ignoring damaged stored response %s (no response object)", path)
            return None
        if (problem := completion_problem(response)) is not None:
            log.warning("ignoring unusable stored response %s (%s); asking the model again", path, problem)
            return None
        return response

    def put(self, request: dict[str, Any], response: dict[str, Any], meta: dict[str, Any],
            scope: dict[str, Any] | None = None, *, key: str | None = None) -> None:
        """Write one exchange atomically (temp file in the same folder, then rename)."""
        if self.mode in ("off", "replay"):
            return
        key = key or self.key(request, scope)
        entry = {
            "format": FORMAT,
            "key": key,
            "stored": datetime.now(UTC).isoformat(timespec="seconds"),
            "meta": meta,
            "model": response.get("model") or request.get("model"),
            "usage": response.get("usage"),
            "request_summary": summarise(request),
            **({"scope": scope} if scope is not None else {}),
            # The full request only in recordings (people read them); a cache entry is looked up by key.
            **({"request": request} if self.mode == "record" else {}),
            "response": response,
        }
        # Recordings are for people to read; the cache is for speed (indent=2 forces json's slow encoder).
        write_json_atomic(self.path(key), entry, indent=2 if self.mode == "record" else None)


def write_json_atomic(path: Path, data: Any, indent: int | None = 2) -> bytes:
    """Write JSON via a temp file in the same folder and os.replace, so readers never see half a file.

    Returns the bytes written."""
    content = (json.dumps(data, ensure_ascii=False, indent=indent) + "\n").encode("utf-8")
    write_bytes_atomic(path, content)
    return content


_MADE: set[Path] = set()  # folders this process has made (or found): a cache write costs no mkdir call
# A temporary file as tempfile.mkstemp opens one: new (never an existing file or link), owner-only, not inherited.
_TMP_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
              | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0))
_TMP_COUNT = itertools.count()
_TMP_TRIES = 10_000  # as tempfile's TMP_MAX


def _open_temp(folder: Path, name: str) -> tuple[int, str]:
    """A new temporary file beside ``name`` in ``folder`` (hidden, ``.tmp``), opened as tempfile.mkstemp opens
    one, named from this process's id and a counter rather than random letters (a cache write costs less)."""
    for _ in range(_TMP_TRIES):
        tmp = os.path.join(folder, f".{name}.{os.getpid()}-{next(_TMP_COUNT)}.tmp")
        try:
            return os.open(tmp, _TMP_FLAGS, 0o600), tmp
        except FileExistsError:  # left by an earlier process with the same id: the next name
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(folder))


def write_bytes_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` via a temp file in the same folder and os.replace (StoreError when that fails)."""
    try:
        if path.parent not in _MADE:
            path.parent.mkdir(parents=True, exist_ok=True)
            _MADE.add(path.parent)
        try:
            fd, tmp = _open_temp(path.parent, path.name)
        except FileNotFoundError:  # the folder was removed since (someone cleared the cache): made again
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = _open_temp(path.parent, path.name)
        try:
            try:
                view = memoryview(content)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StoreError(f"cannot write {path} ({exc.strerror or exc}); check the folder's permissions") from exc
