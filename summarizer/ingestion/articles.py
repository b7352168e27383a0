"""Input files -> cleaned :class:`Article` objects with metadata and a stable id.

Reads .txt, .md (YAML front matter), .html/.htm (trafilatura), .json and .jsonl. Page
furniture listed in ``summarizer/data/boilerplate.txt`` is cut, never silently: every
removed line is kept in ``Article.dropped_lines``. A bad file becomes one
:class:`ArticleError` in :attr:`LoadResult.errors`; the other files still load.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from ..core.dates import MONTHS
from ..core.errors import ArticleError, ConfigError, option
from ..core.resources import data_path
from ..core.schema import Article

RelatedMode = Literal["drop", "split"]
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson")
_SUPPORTED = ".txt, .md, .html, .htm, .json or .jsonl"
HEADER_LINES = 6  # how many non-empty lines at the top may hold a byline/date or a repeated title
FRONT_MATTER_MAX_CHARS = 16_000
"""A longer YAML front-matter block is refused (real ones are a few lines of metadata)."""
FIELD_MAX_CHARS = 2_000
"""A metadata field (title, url, source, published) longer than this is refused."""


@dataclass
class LoadResult:
    """Articles that loaded, one error per input that did not, and notes on inputs skipped on purpose."""

    articles: list[Article]
    errors: list[ArticleError] = field(default_factory=list)
    # A second copy of an article already loaded: skipped so it is not counted twice. Not a failure.
    duplicates: list[ArticleError] = field(default_factory=list)


# ---------------------------------------------------------------- boilerplate rules


@dataclass(frozen=True)
class _Rules:
    line: re.Pattern[str]
    block: re.Pattern[str]
    related: re.Pattern[str]
    inline: re.Pattern[str] | None


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    body = "|".join(f"(?:{p})" for p in patterns) or r"(?!)"
    return re.compile(rf"(?:{body})", re.IGNORECASE)


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> _Rules:
    """Parse a boilerplate rules file (default: the one shipped in summarizer/data)."""
    path = path or data_path("boilerplate.txt")
    kinds: dict[str, list[str]] = {"line": [], "block": [], "related": [], "inline": []}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        kind, sep, pattern = text.partition(":")
        if not sep or kind.strip() not in kinds or not pattern.strip():
            raise ConfigError(f"{path}:{n}: expected 'line|block|related|inline: pattern', got {raw!r}")
        pattern = pattern.strip()
        if kind.strip() != "inline":
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"{path}:{n}: {pattern!r} is not a valid regular expression ({exc})") from exc
        kinds[kind.strip()].append(pattern)
    inline = None
    if kinds["inline"]:
        words = "|".join(re.escape(p) for p in sorted(kinds["inline"], key=len, reverse=True))
        inline = re.compile(rf"(?<!\w)(?:{words})(?!\w) ?")
    return _Rules(
        line=_alternation(kinds["line"]),
        block=_alternation(kinds["block"]),
        related=_alternation(kinds["related"]),
        inline=inline,
    )


# ---------------------------------------------------------------- dates and header lines

_MONTH_NUM = {name.lower(): n for n, names in enumerate(MONTHS, 1) for name in names}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTH_NUM, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})(?!\d)"),
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<y>\d{{4}})(?!\d)", re.I),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)", re.I),
]
_TIME_RE = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*(?:IST|GMT|UTC|BST|CET|EST|ET|KST))?", re.I)
_HEADER_WORDS_RE = re.compile(
    r"^(?:last\s+updated|first\s+published|published|updated|posted|date)\s*(?:on)?\s*:?", re.I
)


def find_date(text: str) -> tuple[date, re.Match[str]] | None:
    """The first explicit calendar date (dd-mm-yyyy, yyyy-mm-dd, "30 April 2025") in ``text``."""
    found: list[tuple[int, date, re.Match[str]]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            g = m.groupdict()
            month = int(g["m"]) if g.get("m") else _MONTH_NUM[g["mon"].lower()]
            try:
                found.append((m.start(), date(int(g["y"]), month, int(g["d"])), m))
            except ValueError:
                continue
    if not found:
        return None
    _, day, match = min(found, key=lambda f: f[0])
    return day, match


def parse_published(value: Any) -> date | None:
    """A stated publication date as a date; ValueError if it is stated but not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        found = find_date(text)
        if found is not None:
            return found[0]
    raise ValueError(f"published value {value!r} is not a date: write it as YYYY-MM-DD")


def parse_byline(line: str) -> tuple[date, str | None] | None:
    """(date, outlet) when ``line`` is a byline such as "Time of India30-04-2025"; else None.

    The outlet is the rest of the line when it is a short name glued to the date or set off by
    "|", "-" or "•"; a "By ..." author line or a "Kyiv, 19 December 2024" dateline gives no outlet.
    """
    if len(line) > 80:
        return None
    found = find_date(line)
    if found is None:
        return None
    day, match = found
    before, after = line[: match.start()].rstrip(), line[match.end() :]
    rest = _TIME_RE.sub(" ", f"{before} {after}")
    rest = _HEADER_WORDS_RE.sub("", re.sub(r"[|•·,;–—-]+", " ", rest).strip()).strip(" :")
    if not rest:
        return day, None
    if re.search(r"\d", rest) or len(rest.split()) > 6:
        return None  # more than a byline: a sentence that happens to hold a date
    if rest.lower().startswith("by ") or before.endswith(","):
        return day, None
    return day, rest


# ---------------------------------------------------------------- cleaning


@dataclass
class Cleaned:
    """Result of cleaning one text: kept lines, dropped lines and related-story blocks."""

    text: str
    title: str | None
    outlet: str | None
    published: date | None
    dropped: list[str]
    related: list[list[str]]


def _strip_inline(line: str, rules: _Rules, dropped: list[str]) -> str:
    if rules.inline is None or not rules.inline.search(line):
        return line
    dropped.extend(m.group().strip() for m in rules.inline.finditer(line))
    return rules.inline.sub("", line).rstrip()


def _join(kept: list[str | None]) -> str:
    """Join kept lines; ``None`` marks a removed line, whose blank neighbours collapse to one."""
    out: list[str] = []
    removed = False
    for line in kept:
        if line is None:
            removed = True
            continue
        if line == "" and (not out or (removed and out[-1] == "")):
            continue
        out.append(line)
        removed = False
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def clean_text(
    raw: str,
    *,
    title: str | None = None,
    outlet: str | None = None,
    published: date | None = None,
) -> Cleaned:
    """Cut boilerplate, a repeated title and a byline/date line; find title, outlet and date.

    Only line endings are normalised and trailing whitespace stripped; kept lines are not reflowed.
    """
    rules = load_rules()
    lines = [ln.rstrip() for ln in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept: list[str | None] = []
    dropped: list[str] = []
    related: list[list[str]] = []
    state = "story"
    for line in lines:
        s = line.strip()
        if not s:
            if state == "related":
                related[-1].append("")
            elif state == "story":
                kept.append("")
            continue
        if rules.block.fullmatch(s):
            state = "block"
        elif rules.related.fullmatch(s):
            state = "related"
            related.append([])
        elif state == "related":
            related[-1].append(line)
        elif state == "story" and not rules.line.fullmatch(s):
            line = _strip_inline(line, rules, dropped)
            kept.append(line if line.strip() else None)
            continue
        dropped.append(s)
        kept.append(None)

    # Title: given, or the first non-empty kept line; later copies of it near the top are cut.
    top = [i for i, ln in enumerate(kept) if ln][: HEADER_LINES + 1]
    if title is None and top:
        title = kept[top[0]].strip()  # type: ignore[union-attr]
    seen_title = False
    for i in top:
        s = (kept[i] or "").strip()
        if title is not None and s == title.strip():
            if seen_title:
                dropped.append(s)
                kept[i] = None
            seen_title = True
            continue
        info = parse_byline(s)
        if info is not None:
            day, named = info
            published = published or day
            outlet = outlet or named
            dropped.append(s)
            kept[i] = None
            break
    return Cleaned(_join(kept), title, outlet, published, dropped, related)


def split_related(block: list[str]) -> list[tuple[str, str | None, str]]:
    """(headline, outlet, text) for each story of a "Related Articles" block.

    A story starts with its headline printed twice; a "• Outlet" line or the short line right
    after the headline names the outlet; "time33 minutes ago" lines (no date) are cut.
    """
    rules = load_rules()
    lines = [ln.strip() for ln in block if ln.strip()]
    starts = [i for i in range(len(lines) - 1) if lines[i] == lines[i + 1] and (i == 0 or lines[i - 1] != lines[i])]
    stories: list[tuple[str, str | None, str]] = []
    for k, start in enumerate(starts):
        chunk = lines[start : starts[k + 1] if k + 1 < len(starts) else len(lines)]
        headline = chunk[0]
        bullets = [m.group(1).strip() for ln in chunk if (m := re.match(r"^[•·]\s*(.+)$", ln))]
        outlet = bullets[0] if bullets else None
        body: list[str] = []
        for ln in chunk[1:]:
            if ln == headline or re.match(r"^[•·]", ln) or re.fullmatch(r"(?i)time\s*.*\bago", ln):
                continue
            if outlet is None and not body and len(ln.split()) <= 4:
                outlet = ln
                continue
            if ln == outlet or rules.line.fullmatch(ln) or rules.block.fullmatch(ln):
                continue
            stripped = _strip_inline(ln, rules, []).strip()
            if stripped:
                body.append(stripped)
        if body:
            stories.append((headline, outlet, "\n\n".join([headline, *body])))
    return stories


# ---------------------------------------------------------------- building articles


def _make(text: str, title: str | None, path: str | None, url: str | None, outlet: str | None,
          published: date | None, dropped: list[str]) -> Article:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return Article(
        id=digest[:16],
        title=(title or first).strip(),
        text=text,
        path=path,
        url=url,
        outlet=outlet,
        published=published,
        content_hash=digest,
        dropped_lines=dropped,
    )


def _articles(
    raw: str,
    *,
    path: str | None,
    title: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    published: date | None = None,
    related: RelatedMode = "drop",
) -> list[Article]:
    cleaned = clean_text(raw, title=title, outlet=outlet, published=published)
    if not cleaned.text.strip():
        what = f" ({len(cleaned.dropped)} boilerplate lines removed)" if cleaned.dropped else ""
        raise ArticleError(path or "<text>", f"has no story text{what}: check that it holds the article itself")
    out = [_make(cleaned.text, cleaned.title, path, url, cleaned.outlet, cleaned.published, cleaned.dropped)]
    if related == "split":
        n = 0
        for block in cleaned.related:
            for headline, named, text in split_related(block):
                n += 1
                rel_path = f"{path}#related-{n}" if path else None
                out.append(_make(text, headline, rel_path, None, named, None, []))
    return out


def article_from_text(
    text: str,
    *,
    title: str | None = None,
    path: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    published: date | None = None,
) -> Article:
    """Clean ``text`` and wrap it as an Article (related stories dropped); ArticleError if nothing is left."""
    return _articles(text, path=path, title=title, url=url, outlet=outlet, published=published)[0]


# ---------------------------------------------------------------- reading files


def _read_text(path: Path, size: int, max_bytes: int) -> str:
    if size > max_bytes:
        raise ArticleError(
            path,
            f"is {size:,} bytes, over the {max_bytes:,}-byte limit: split it, or raise {option('max_bytes')} "
            "if it is one article",
        )
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ArticleError(path, f"is over the {max_bytes:,}-byte limit: split it, or raise {option('max_bytes')}")
    if not data.strip():
        raise ArticleError(path, "is empty: remove it or paste the article text into it")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ArticleError(path, "is UTF-16 text: re-save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)")
    if b"\x00" in data:
        raise ArticleError(path, f"is a binary file (it contains NUL bytes), not an article: give a {_SUPPORTED} file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise ArticleError(
            path,
            f"is not valid UTF-8 (byte 0x{bad} at offset {exc.start}): re-save it as UTF-8, "
            "e.g. iconv -f WINDOWS-1252 -t UTF-8 IN > OUT",
        ) from None


class _NoAliasLoader:
    """PyYAML's SafeLoader without aliases and without implicit timestamps, built on first use.

    Aliases are refused so a few hundred bytes cannot expand into gigabytes ("billion laughs"); dates
    stay strings so that ``published: 2024-13-45`` is our clear error instead of PyYAML's ValueError.
    """

    cls: type | None = None

    @classmethod
    def get(cls) -> type:
        if cls.cls is None:
            import yaml

            class Loader(yaml.SafeLoader):
                def compose_node(self, parent: Any, index: Any) -> Any:
                    if self.check_event(yaml.AliasEvent):
                        event = self.peek_event()
                        raise yaml.composer.ComposerError(
                            None, None, f"aliases (*{event.anchor}) are not allowed", event.start_mark
                        )
                    return super().compose_node(parent, index)

            timestamp = "tag:yaml.org,2002:timestamp"
            Loader.yaml_implicit_resolvers = {
                first: [(tag, rx) for tag, rx in resolvers if tag != timestamp]
                for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
            }
            cls.cls = Loader
        return cls.cls


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    m = re.match(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", text, re.S)
    if not m:
        return {}, text
    if len(m.group(1)) > FRONT_MATTER_MAX_CHARS:
        raise ArticleError(path, f"front matter is {len(m.group(1)):,} characters, over the "
                           f"{FRONT_MATTER_MAX_CHARS:,} allowed: keep only title, url, published and source")
    import yaml

    try:
        meta = yaml.load(m.group(1), Loader=_NoAliasLoader.get()) or {}  # noqa: S506 (a safe, alias-free loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        what = f": {problem}" if problem and "alias" in problem else ""
        raise ArticleError(
            path, f"front matter is not valid YAML{where}{what}: fix it or remove the --- block"
        ) from None
    except RecursionError:
        raise ArticleError(path, "front matter is nested too deeply: keep only 'key: value' lines") from None
    except (ValueError, TypeError, OverflowError) as exc:  # an explicit tag PyYAML cannot build (!!timestamp ...)
        raise ArticleError(path, f"front matter has a value YAML cannot read ({exc}): write plain text") from None
    if not isinstance(meta, dict):
        raise ArticleError(path, "front matter must be 'key: value' lines (title, url, published, source)")
    return meta, text[m.end() :]


def _field(meta: dict[str, Any], *names: str, where: str | Path = "") -> str | None:
    """A metadata field as text; a list, mapping or over-long value is refused (ArticleError naming it)."""
    for name in names:
        value = meta.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, (str, int, float, date)):
            raise ArticleError(where, f"field {name!r} must be plain text, not a {type(value).__name__}: "
                               f"write it as '{name}: ...' on one line")
        text = str(value).strip()
        if len(text) > FIELD_MAX_CHARS:
            raise ArticleError(where, f"field {name!r} is {len(text):,} characters, over the "
                               f"{FIELD_MAX_CHARS:,} allowed: shorten it")
        return text or None
    return None


def _from_record(record: Any, where: str, related: RelatedMode) -> list[Article]:
    """One JSON object (title, text, url, published, source) -> articles."""
    if not isinstance(record, dict):
        raise ArticleError(where, f"expected a JSON object with a 'text' field, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ArticleError(where, "has no 'text' field (a non-empty string): add the article text under 'text'")
    try:
        published = parse_published(_field(record, "published", "date", where=where))
    except ValueError as exc:
        raise ArticleError(where, str(exc)) from None
    return _with_language(_articles(
        text,
        path=where,
        title=_field(record, "title", "headline", where=where),
        url=_field(record, "url", where=where),
        outlet=_field(record, "source", "outlet", where=where),
        published=published,
        related=related,
    ), record, where)


def _with_language(arts: list[Article], meta: dict[str, Any], where: str | Path) -> list[Article]:
    """The language the front matter or record gives ("language: de", "lang: fr"), on the main article."""
    lang = _field(meta, "language", "lang", where=where)
    if not lang or not arts:
        return arts
    return [arts[0].model_copy(update={"language": lang.strip().lower()}), *arts[1:]]


def _load_file(path: Path, size: int, max_bytes: int, related: RelatedMode) -> tuple[list[Article], list[ArticleError]]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        kind = f"'{suffix}'" if suffix else "(no extension)"
        raise ArticleError(path, f"unsupported file type {kind}: use {_SUPPORTED} (convert the file to text first)")
    raw = _read_text(path, size, max_bytes)
    where = str(path)
    if suffix == ".txt":
        return _articles(raw, path=where, related=related), []
    if suffix in (".md", ".markdown"):
        meta, body = _split_front_matter(path, raw)
        try:
            published = parse_published(_field(meta, "published", "date", where=path))
        except ValueError as exc:
            raise ArticleError(path, f"front matter: {exc}") from None
        title = _field(meta, "title", where=path)
        if title is None:
            first = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
            title = first.lstrip("#").strip() or None
        arts = _articles(body, path=where, title=title, url=_field(meta, "url", where=path),
                         outlet=_field(meta, "source", "outlet", where=path), published=published, related=related)
        return _with_language(arts, meta, where), []
    if suffix in (".html", ".htm"):
        return _from_html(path, raw, related), []
    if suffix == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ArticleError(
                path, f"is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg}): fix it, "
                "or use .jsonl with one article per line"
            ) from None
        except RecursionError:
            raise ArticleError(path, _TOO_DEEP) from None
        if isinstance(data, list):
            return _from_records([(rec, f"{path}[{i}]") for i, rec in enumerate(data)], related)
        return _from_records([(data, where)], related)
    rows: list[tuple[Any, str]] = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((json.loads(line), f"{path}:{n}"))
        except json.JSONDecodeError as exc:
            rows.append((ArticleError(f"{path}:{n}", f"line is not valid JSON ({exc.msg} at column {exc.colno}): "
                                      "fix or delete this line; the other lines were loaded"), f"{path}:{n}"))
        except RecursionError:
            rows.append((ArticleError(f"{path}:{n}", _TOO_DEEP), f"{path}:{n}"))
    return _from_records(rows, related)


_TOO_DEEP = ("is JSON nested too deeply to be an article: give objects with 'title', 'text', 'url', "
             "'published' and 'source'")


def _from_records(records: list[tuple[Any, str]], related: RelatedMode) -> tuple[list[Article], list[ArticleError]]:
    """Load each (record, where); a bad record (or a line that did not parse) becomes an error."""
    arts: list[Article] = []
    errs: list[ArticleError] = []
    for rec, where in records:
        if isinstance(rec, ArticleError):
            errs.append(rec)
            continue
        try:
            arts.extend(_from_record(rec, where, related))
        except ArticleError as exc:
            errs.append(exc)
        except Exception as exc:  # a bug must cost this record only, not the file's other records
            errs.append(_unexpected(where, exc))
    return arts, errs


def _from_html(path: Path | str, raw: str, related: RelatedMode, url: str | None = None) -> list[Article]:
    import trafilatura  # slow import: only when an HTML file is loaded

    doc = trafilatura.bare_extraction(
        raw,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise ArticleError(path, "no article text found in the HTML: save the article text as .txt instead")
    try:
        published = parse_published(getattr(doc, "date", None))
    except ValueError:
        published = None  # trafilatura gave something that is not a calendar date: not stated
    return _articles(
        text,
        path=str(path),
        title=getattr(doc, "title", None) or None,
        url=getattr(doc, "url", None) or url,
        outlet=getattr(doc, "sitename", None) or None,
        published=published,
        related=related,
    )


# ---------------------------------------------------------------- discovering files


def _stat_error(path: Path, exc: OSError) -> ArticleError:
    if exc.errno == errno.ELOOP:
        return ArticleError(path, "is a symlink loop (links back to itself): fix or delete the link")
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return ArticleError(path, f"is a broken symlink (points to {os.readlink(path)}): fix or delete the link")
        return ArticleError(path, "does not exist: check the path")
    if exc.errno == errno.EACCES:
        return ArticleError(path, "cannot be read (permission denied): check its permissions")
    return ArticleError(path, f"cannot be read ({exc.strerror}): check the path")


def _unexpected(where: str | Path, exc: Exception) -> ArticleError:
    """An error no check foresaw, reported for one input instead of stopping the run."""
    detail = " ".join(str(exc).split())[:200]
    return ArticleError(where, f"could not be loaded ({type(exc).__name__}: {detail}): check the file, or "
                        "leave it out; the other articles were loaded")


def _discover(paths: Sequence[str | Path]) -> Iterator[tuple[Path, int] | ArticleError]:
    """Files to load with their sizes, depth first in sorted order; hidden files are skipped in folders."""

    def walk(folder: Path, ancestors: frozenset[str]) -> Iterator[tuple[Path, int] | ArticleError]:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield _stat_error(folder, exc)
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            yield from visit(Path(entry.path), ancestors)

    def visit(path: Path, ancestors: frozenset[str]) -> Iterator[tuple[Path, int] | ArticleError]:
        try:
            st = os.stat(path)
        except OSError as exc:
            yield _stat_error(path, exc)
            return
        if os.path.isdir(path):
            real = os.path.realpath(path)
            if real in ancestors:
                yield ArticleError(path, "is a symlink loop (a folder linking to its own parent): fix or delete it")
                return
            yield from walk(path, ancestors | {real})
        elif os.path.isfile(path):
            yield path, st.st_size
        else:
            yield ArticleError(path, "is not a regular file or folder: give article files or folders")

    for p in paths:
        yield from visit(Path(p), frozenset())


def load_articles(
    paths: Sequence[str | Path], *, max_bytes: int = 5_000_000, related: RelatedMode = "drop"
) -> LoadResult:
    """Load every article under ``paths`` (files or folders, recursive, sorted).

    ``related="split"`` turns each story of a page's "Related Articles" block into its own
    article; the default "drop" cuts the block (its lines stay in ``dropped_lines``).
    Never raises for a bad file: each one becomes one error in the result.
    """
    result = LoadResult(articles=[], errors=[])
    load_into(result.articles.append, result, paths, max_bytes=max_bytes, related=related)
    return result


def load_into(
    keep: Callable[[Article], None], result: LoadResult, paths: Sequence[str | Path], *, max_bytes: int = 5_000_000,
    related: RelatedMode = "drop"
) -> None:
    """:func:`load_articles`, each article handed to ``keep`` as it loads (errors and duplicates go to ``result``),
    so a caller can keep them packed rather than all as objects."""
    if related not in ("drop", "split"):
        raise ConfigError(f"{option('related', related)}: use 'drop' or 'split'")
    if max_bytes <= 0:
        raise ConfigError(f"{option('max_bytes', max_bytes)}: give a positive number of bytes")
    if isinstance(paths, (str, Path)):
        paths = [paths]
    seen_files: set[str] = set()
    seen_ids: dict[str, str] = {}
    for found in _discover_inputs(paths):
        if isinstance(found, ArticleError):
            result.errors.append(found)
            continue
        if isinstance(found, str):  # a web address or "-" (standard input)
            try:
                errors: list[ArticleError] = []
                articles = _load_other(found, max_bytes, related)
            except ArticleError as exc:
                result.errors.append(exc)
                continue
            except Exception as exc:  # a library's bug on a strange page: this input only
                result.errors.append(_unexpected(found, exc))
                continue
        else:
            path, size = found
            real = os.path.realpath(path)
            if real in seen_files:
                continue
            seen_files.add(real)
            try:
                articles, errors = _load_file(path, size, max_bytes, related)
            except ArticleError as exc:
                result.errors.append(exc)
                continue
            except OSError as exc:
                result.errors.append(_stat_error(path, exc))
                continue
            except Exception as exc:  # RecursionError, MemoryError, a library's bug: this file only
                result.errors.append(_unexpected(path, exc))
                continue
            if not articles and not errors:  # a .json "[]" or a .jsonl of blank lines
                errors = [ArticleError(path, "holds no articles: give at least one object with a 'text' field")]
        result.errors.extend(errors)
        where = found if isinstance(found, str) else str(found[0])
        for art in articles:
            first = seen_ids.get(art.id)
            if first is not None:
                reason = f"has the same text as {first}: skipped so it is not counted twice"
                result.duplicates.append(ArticleError(art.path or where, reason))
                continue
            seen_ids[art.id] = art.path or where
            keep(art)


def _discover_inputs(paths: Sequence[str | Path]) -> Iterator[tuple[Path, int] | ArticleError | str]:
    """Files as _discover finds them; web addresses and "-" (standard input) as they are, in the given order."""
    from .web import STDIN, is_url

    for p in paths:
        if isinstance(p, str) and (p == STDIN or is_url(p)):
            yield p
        else:
            yield from _discover([p])


def _load_other(source: str, max_bytes: int, related: RelatedMode) -> list[Article]:
    """One web page (fetched, main text by trafilatura) or standard input (text, Markdown or HTML)."""
    from .web import STDIN, fetch, read_stdin

    got = read_stdin(max_bytes=max_bytes) if source == STDIN else fetch(source, max_bytes=max_bytes)
    url = None if source == STDIN else source
    if got.is_html:
        return _from_html(got.where, got.text, related, url=url)
    return _articles(got.text, path=got.where, url=url, related=related)
