"""Date phrases for the offline extractor, resolved against the publication date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    day = _resolve_simply(expr, date(base.year, base.month, base.day))
    if day is not None:
        return day
    return _dateparser(expr, base)


def _dateparser(expr: str, base: date) -> date | None:
    import dateparser

    settings = {"RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": "past"}
    got = dateparser.parse(expr, languages=["en"], settings=settings)
    return got.date() if got is not None else None


# The phrases asked most (the pattern file's relative dates, a weekday, a month with or without its day): what
# dateparser gives for them, worked out directly (dateparser takes about a millisecond a phrase).
# tests/test_dates.py compares the two.
_DAYS_BACK = {"today": 0, "yesterday": 1, "1 week ago": 7}
_WEEKDAY = {name: k for k, w in enumerate(WEEKDAYS) for name in (w, w.lower())}


def _resolve_simply(expr: str, base: date) -> date | None:
    """``expr`` relative to ``base`` (the past preferred) for the phrases above; None for any other."""
    if (back := _DAYS_BACK.get(expr)) is not None:
        return base - timedelta(days=back)
    if (wd := _WEEKDAY.get(expr)) is not None:  # the last such weekday before the base (a week back on that day)
        return base - timedelta(days=(base.weekday() - wd - 1) % 7 + 1)
    if expr in ("1 month ago", "1 year ago"):  # the same day a month or a year back, or that month's last day
        y, m = (base.year, base.month - 1) if expr == "1 month ago" else (base.year - 1, base.month)
        if m == 0:
            y, m = y - 1, 12
        return date(y, m, min(base.day, calendar.monthrange(y, m)[1]))
    return _month_day(expr, base)


_MONTH_NUMBER = {name: k + 1 for k, name in enumerate(MONTHS)}


def _month_day(expr: str, base: date) -> date | None:
    """A month name ("December", the base's day in it) or a month and day ("December 18"): the last such day on
    or before the base, as dateparser resolves them; None for anything else (a day the month lacks)."""
    name, _, day = expr.partition(" ")
    if (month := _MONTH_NUMBER.get(name)) is None:
        return None
    year = base.year - (month > base.month)
    if not day:  # the base's day in that month; a day the month lacks is dateparser's (it looks years back)
        return date(year, month, base.day) if base.day <= calendar.monthrange(year, month)[1] else None
    if not (day.isascii() and day.isdigit()):
        return None
    d = int(day)
    if (month, d) > (base.month, base.day):
        year = base.year - 1
    if not 1 <= d <= calendar.monthrange(year, month)[1] or not 1 <= d <= calendar.monthrange(base.year, month)[1]:
        return None  # a day the month lacks in one of the years (29 February): left to dateparser
    return date(year, month, d)


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
