"""Date phrases for the offline extractor, resolved against the publication date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from ..core.prefilter import Gated, gated
from ..core.schema import (
    DateRef,
)
from .patterns import MONTHS, WEEKDAYS, any_of, patterns

# ---------------------------------------------------------------- dates


_DATE_RE = re.compile(
    r"(?<![\w-])(?P<prep>(?i:(?:(?:back|later|earlier|since|in|on|by|from|last|this)\s+)*))"
    r"(?:(?P<wd>" + "|".join(WEEKDAYS) + r")"
    r"|(?P<mon>" + "|".join(MONTHS) + r")(?:\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?)?(?:,?\s+(?P<y>(?:19|20)\d\d))?"
    r"|(?P<d2>\d{1,2})\s+(?P<mon2>" + "|".join(MONTHS) + r")(?:,?\s+(?P<y2>(?:19|20)\d\d))?"
    r"|(?:mid-|early\s+|late\s+)?(?P<year>(?:19|20)\d\d)(?![\w-]))"
    r"(?![\w-])"
)


@dataclass(frozen=True)
class DatePhrase:
    start: int
    end: int
    ref: DateRef


def _iso(day: date, precision: str) -> str:
    if precision == "day":
        return day.isoformat()
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if precision == "week":
        iso = day.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    return f"{day.year:04d}"


@lru_cache(maxsize=256)
def _resolve(expr: str, base: date) -> date | None:
    """dateparser on ``expr`` relative to ``base``, preferring the past."""
    import dateparser

    settings = {"RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": "past"}
    got = dateparser.parse(expr, languages=["en"], settings=settings)
    return got.date() if got is not None else None


@lru_cache(maxsize=1)
def _relative_re() -> tuple[dict[str, Any], Gated]:
    """The pattern file's relative date phrases ("last week") and one regex for them, built once."""
    rel = patterns().raw["relative_dates"]
    return rel, gated(re.compile(rf"(?<![\w-])(?P<p>{any_of([re.escape(k) for k in rel])})(?![\w-])",
                                 re.IGNORECASE))


# Most texts name no weekday, month or year: those are not searched (core/prefilter.py).
_DATES = gated(_DATE_RE)


def find_dates(text: str, published: date | None) -> list[DatePhrase]:
    """Date phrases in ``text``, each only as precise as its words (and the publication date) allow."""
    found: list[DatePhrase] = []
    rel, rel_re = _relative_re()
    for m in rel_re.finditer(text):
        expr, precision = rel[m.group("p").lower()]
        day = _resolve(expr, published) if published else None
        ref = DateRef(text=m.group(), start=_iso(day, precision), precision=precision) if day else DateRef(
            text=m.group()
        )
        found.append(DatePhrase(m.start(), m.end(), ref))
    for m in _DATES.finditer(text):
        if any(m.start() < f.end and f.start < m.end() for f in found):
            continue
        phrase = m.group().strip()
        g = m.groupdict()
        start: str | None = None
        precision = "unknown"
        if g["year"]:
            if not g["prep"] and not re.match(r"mid-|early|late", phrase):
                continue  # a bare four-digit number is not clearly a year
            start, precision = g["year"], "year"
        elif g["wd"]:
            if published is not None:
                day = published if published.weekday() == WEEKDAYS.index(g["wd"]) else _resolve(g["wd"], published)
                if day is not None:
                    start, precision = day.isoformat(), "day"
        else:
            mon, d, y = (g["mon"], g["d"], g["y"]) if g["mon"] else (g["mon2"], g["d2"], g["y2"])
            month = MONTHS.index(mon) + 1
            if y and d:
                start, precision = _safe_day(int(y), month, int(d)), "day"
            elif y:
                start, precision = f"{y}-{month:02d}", "month"
            elif published is not None and (d or g["prep"]):
                day = _resolve(f"{mon} {d}" if d else mon, published)
                if day is not None:
                    start, precision = (day.isoformat(), "day") if d else (_iso(day, "month"), "month")
            if not d and not y and not g["prep"]:
                continue  # a bare month name ("May") could be another word
        if start is None:
            precision = "unknown"
        found.append(DatePhrase(m.start(), m.start() + len(m.group().rstrip()), DateRef(
            text=phrase, start=start, precision=precision)))  # type: ignore[arg-type]
    return sorted(found, key=lambda f: f.start)


def _safe_day(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None
