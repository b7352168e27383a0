"""summarizer/core/dates.py: the one month table and the day intervals an ISO partial date covers; reading/dates.py:
the phrases it resolves without dateparser."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from summarizer.core.dates import MONTH_ABBREVIATIONS, MONTH_NAMES, MONTHS, date_interval, date_key, dates_compatible
from summarizer.core.schema import DateRef

ROOT = Path(__file__).resolve().parent.parent


def test_intervals_at_each_precision() -> None:
    assert date_interval(DateRef(start="2024")) == (date(2024, 1, 1), date(2024, 12, 31))
    assert date_interval(DateRef(start="2024-02")) == (date(2024, 2, 1), date(2024, 2, 29))
    assert date_interval(DateRef(start="2024-W51")) == (date(2024, 12, 16), date(2024, 12, 22))
    assert date_interval(DateRef(start="2023-W53")) == (date(2023, 1, 1), date(2023, 12, 31))  # no week 53
    assert date_interval(DateRef(start="2024-12-19", end="2025-01")) == (date(2024, 12, 19), date(2025, 1, 31))
    assert date_interval(DateRef(text="last week")) is None and date_interval(None) is None
    assert dates_compatible(date_interval(DateRef(start="2024-12")), date_interval(DateRef(start="2024-12-19")))
    assert not dates_compatible(date_interval(DateRef(start="2024-12")), date_interval(DateRef(start="2025-04")))
    assert dates_compatible(None, (date(2024, 1, 1), date(2024, 1, 1)))
    assert sorted([DateRef(), DateRef(start="2025"), DateRef(start="2024-06")], key=date_key)[0].start == "2024-06"


def test_one_month_table() -> None:
    """Twelve months with their abbreviations ("Sept" tried before "Sep"); no other module spells them out."""
    assert len(MONTHS) == len(MONTH_NAMES) == 12 and MONTH_NAMES[8] == "September"
    assert MONTH_ABBREVIATIONS.index("Sept") < MONTH_ABBREVIATIONS.index("Sep")
    spelled = []
    for path in (ROOT / "summarizer").rglob("*.py"):
        if path.name == "dates.py" and path.parent.name == "core":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        words = " ".join(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        if all(m in words.lower() for m in ("september", "october", "november")) or any(
                isinstance(n, ast.Attribute) and n.attr in ("month_name", "month_abbr") for n in ast.walk(tree)):
            spelled.append(str(path.relative_to(ROOT)))
    assert spelled == []


# ---------------------------------------------------------------- phrases resolved without dateparser

_SIMPLE = ["today", "yesterday", "1 week ago", "1 month ago", "1 year ago", "Monday", "Tuesday", "Wednesday",
           "Thursday", "Friday", "Saturday", "Sunday", "saturday", "monday"]


def _bases() -> list[date]:
    """A fortnight (every weekday twice), month and year ends, leap days, and days spread over 30 years."""
    from datetime import timedelta

    days = [date(2024, 2, 20) + timedelta(days=k) for k in range(14)]
    days += [date(y, m, d) for y in (2023, 2024) for m, d in ((1, 1), (1, 31), (3, 1), (3, 29), (3, 30), (3, 31),
                                                                 (5, 31), (12, 31), (2, 28))]
    days += [date(2024, 2, 29), date(2000, 2, 29), date(2100, 3, 1)]
    days += [date(1995, 1, 1) + timedelta(days=389 * k) for k in range(30)]
    return days


def test_phrases_resolved_directly_equal_dateparser() -> None:
    from summarizer.reading.dates import _dateparser, _resolve_simply

    for base in _bases():
        for expr in _SIMPLE:
            assert _resolve_simply(expr, base) == _dateparser(expr, base), (expr, base)
    assert _resolve_simply("2 weeks ago", date(2024, 5, 1)) is None  # anything else is dateparser's


def test_month_names_resolved_directly_equal_dateparser() -> None:
    """"December" and "December 18" (what find_dates asks of a month without a year) as dateparser gives them;
    the days a month lacks in some year fall back to dateparser."""
    from summarizer.core.dates import MONTH_NAMES
    from summarizer.reading.dates import _dateparser, _resolve_simply

    resolved = 0
    for base in _bases():
        for month in MONTH_NAMES:
            for day in ("", " 1", " 9", " 18", " 28", " 29", " 30", " 31", " 45"):
                expr = month + day
                got = _resolve_simply(expr, base)
                if got is not None:
                    resolved += 1
                    assert got == _dateparser(expr, base), (expr, base)
    assert resolved >= 80 * len(_bases())  # per base all but the days a month lacks (and Feb 29), not one skipped
    assert _resolve_simply("February 29", date(2023, 3, 1)) is None  # left to dateparser
