"""Calendar facts shared by the package: the one month table, and the days an ISO partial date covers.

Imports nothing of the package (the number parser and the offline patterns use the month table), so the
interval helpers take anything with ``start`` and ``end`` ISO strings: a :class:`summarizer.core.schema.DateRef`.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

__all__ = ["MONTHS", "MONTH_ABBREVIATIONS", "MONTH_NAMES", "date_interval", "date_key", "dates_compatible",
           "order_key"]

# The month table: each month's English name, then the abbreviations articles write ("Sept" before "Sep", so a
# regex alternation tries the longer one first). Month number = position + 1.
MONTHS: tuple[tuple[str, ...], ...] = (
    ("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"), ("May",), ("June", "Jun"),
    ("July", "Jul"), ("August", "Aug"), ("September", "Sept", "Sep"), ("October", "Oct"), ("November", "Nov"),
    ("December", "Dec"),
)
MONTH_NAMES: tuple[str, ...] = tuple(m[0] for m in MONTHS)
MONTH_ABBREVIATIONS: tuple[str, ...] = tuple(a for m in MONTHS for a in m[1:])


class _Dated(Protocol):
    """What the interval helpers read of a date (a DateRef): ISO partial start and end."""

    @property
    def start(self) -> str | None: ...

    @property
    def end(self) -> str | None: ...


@lru_cache(maxsize=4096)
def _span(iso: str) -> tuple[date, date]:
    """The days an ISO partial date covers: "2024" -> the year, "2024-W51" -> the week."""
    if "-W" in iso:
        year, week = (int(x) for x in iso.split("-W"))
        try:
            first = date.fromisocalendar(year, week, 1)
        except ValueError:  # week 53 of a 52-week year
            return date(year, 1, 1), date(year, 12, 31)
        return first, first + timedelta(days=6)
    if len(iso) == 4:
        return date(int(iso), 1, 1), date(int(iso), 12, 31)
    if len(iso) == 7:
        year, month = int(iso[:4]), int(iso[5:])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    d = date.fromisoformat(iso)
    return d, d


def date_interval(ref: _Dated | None) -> tuple[date, date] | None:
    """First and last day a DateRef can mean, at its precision; None when undated."""
    if ref is None or not ref.start:
        return None
    lo, hi = _span(ref.start)[0], _span(ref.end or ref.start)[1]
    return lo, max(lo, hi)


def dates_compatible(a: tuple[date, date] | None, b: tuple[date, date] | None) -> bool:
    """Unknown dates fit anything; known ones must overlap ("2024-12" fits "2024-12-19", not "2025-04")."""
    return a is None or b is None or (a[0] <= b[1] and b[0] <= a[1])


def date_key(ref: _Dated | None) -> tuple[int, str]:
    """Undated last, else by first day (sort key)."""
    return order_key(date_interval(ref))


def order_key(iv: tuple[date, date] | None) -> tuple[int, str]:
    """Undated last, else by first day."""
    return (1, "") if iv is None else (0, iv[0].isoformat())
