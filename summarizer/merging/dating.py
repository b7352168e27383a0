"""When each article was written and when each claim was made, recovered from the text with honest precision.

Pure (no I/O). An article's date is, in order of preference: stated (byline, front matter), its own date line,
or an interval *bounded* by dated events it reports ("third winter since ... February 2022"). Articles that
report the same claim or event are linked ("told reporters Thursday" in one, "last week" in another), so a
bound *carries* from one outlet to the other. Relative words ("on Monday", "in December") are then resolved
against whatever is known of their article's date, at the precision of the words and widened to the whole
interval the article may lie in. Nothing is ever guessed: no bound, no date.
"""

from __future__ import annotations

import calendar
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from ..core.dates import MONTH_NAMES, date_interval
from ..core.schema import Article, DateRef, DateSource, Item
from ..reading.dates import find_dates
from ..reading.patterns import patterns

__all__ = ["RECENT_DAYS", "UNSTATED_OFFSET", "ArticleDate", "Chronology", "Member", "article_date", "recover",
           "resolve", "words_of"]

RECENT_DAYS = 90
"""News reports recent events: a claim about a period is placed (for ordering only) at most this long after it."""
UNSTATED_OFFSET = (-7, 0)
"""A claim an article reports with no time words was made in the week up to the article's date."""
_MAX_LINK = 120  # a link between two articles looser than this many days tells nothing worth carrying
_ALL_PAIRS = 12  # reports of one claim linked pairwise; more are linked through the most precise one
_MAX_COMPONENT = 64  # articles per linked group for the all-pairs pass; larger groups keep direct links only
_RECOVERED: frozenset[str] = frozenset({"published", "relative", "carried", "bounded"})

# ---------------------------------------------------------------- day intervals


def _iso(day: date, precision: str) -> str:
    if precision == "day":
        return day.isoformat()
    if precision == "week":
        iso = day.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def interval_ref(lo: date, hi: date, precision: str, *, text: str | None, source: DateSource,
                 basis: str | None, made: dict[tuple[Any, ...], DateRef] | None = None) -> DateRef:
    """A DateRef covering [lo, hi] at ``precision``; an interval longer than two months is written in months.

    A copy of the one made for the same arguments before (most recovered dates repeat: the items of one article
    have one article date), so each caller owns what it gets. With ``made`` (a caller's own record of what it got),
    the one copy it got before for the same arguments: one briefing's equal dates are one object, as merge shares
    them, and a date worked out and not kept costs no copy."""
    if made is None:
        return _interval_ref(lo, hi, precision, text, source, basis).model_copy()
    k = (lo, hi, precision, text, source, basis)
    ref = made.get(k)
    if ref is None:
        ref = made[k] = _interval_ref(lo, hi, precision, text, source, basis).model_copy()
    return ref


@lru_cache(maxsize=16384)
def _interval_ref(lo: date, hi: date, precision: str, text: str | None, source: DateSource,
                  basis: str | None) -> DateRef:
    if precision in ("day", "week", "unknown") and (hi - lo).days > 62:
        precision = "month"
    if precision == "unknown":
        precision = "day"
    start, end = _iso(lo, precision), _iso(hi, precision)
    return DateRef(text=text, start=start, end=None if end == start else end, precision=precision,  # type: ignore[arg-type]
                   source=source, basis=basis)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


# ---------------------------------------------------------------- relative words


_REF_MONDAY = date(2023, 6, 5)


def _resolve_at(text: str, base: date) -> tuple[date, date, str] | None:
    """The first date phrase of ``text`` resolved as if the article were written on ``base``.

    Words that name no month or year and resolve to a day or a week ("on Monday", "last week", "yesterday")
    mean the same weekday distance from any article date, so they are resolved once per weekday and shifted;
    words that resolve to a month or a year ("in June", "this month") do not depend on the day of the month.
    So dateparser is asked a few times per phrase, not once per article date.
    """
    if not _NAMES_A_DATE.search(text):
        ref = _REF_MONDAY + timedelta(days=base.weekday())
        got = _resolve_direct(text, ref)
        if got is not None and got[2] in ("day", "week"):
            shift = base - ref
            return got[0] + shift, got[1] + shift, got[2]
    if not re.search(r"\d", text):  # "in June", "this month": a month or a year, whatever day the article is from
        got = _resolve_direct(text, base.replace(day=1))
        if got is not None and got[2] in ("month", "year"):
            return got
    return _resolve_direct(text, base)


@lru_cache(maxsize=16384)
def _resolve_direct(text: str, base: date) -> tuple[date, date, str] | None:
    for phrase in find_dates(text, base):
        iv = date_interval(phrase.ref)
        if iv is not None:
            return iv[0], iv[1], phrase.ref.precision
    return None


@lru_cache(maxsize=16384)  # a merge asks it of each article's words: few phrases, few article dates
def resolve(text: str | None, lo: date | None, hi: date | None) -> tuple[date, date, str] | None:
    """Words such as "on Monday" or "in December", for an article written some day in [lo, hi].

    Every such phrase means a later day for a later article, so the interval runs from its meaning on the
    first possible day to its meaning on the last. None without words, without both bounds or with no date.
    """
    if not text or lo is None or hi is None:
        return None
    first = _resolve_at(text, lo)
    last = first if hi == lo else _resolve_at(text, hi)
    if first is None or last is None:
        return None
    return min(first[0], last[0]), max(first[1], last[1]), first[2]


# Article dates to try a phrase at: two weeks (every weekday twice) and the ends of months and of a year.
_SAMPLE_BASES = (*(date(2023, 6, 5) + timedelta(days=n) for n in range(14)), date(2023, 1, 1), date(2023, 1, 31),
                 date(2023, 2, 28), date(2023, 3, 1), date(2023, 12, 31), date(2024, 2, 29))
_NAMES_A_DATE = re.compile(r"\b(?:(?:19|20)\d\d|" + "|".join(MONTH_NAMES) + r")\b", re.I)


@lru_cache(maxsize=1024)
def offset(text: str | None) -> tuple[int, int] | None:
    """Days from the article's date to the day ``text`` means ("last week": -13 to -1), over any article date.

    None when the words hold no date phrase, or name a month or a year ("in December", "on 5 May 2024"):
    those are placed by resolving them, not by a window around the article's date.
    """
    if not text:
        return UNSTATED_OFFSET
    if _NAMES_A_DATE.search(text):
        return None
    lows, highs, seen = [], [], set()
    for base in _SAMPLE_BASES:
        got = _resolve_at(text, base)
        if got is None:
            return None
        seen.add(got[:2])
        lows.append((got[0] - base).days)
        highs.append((got[1] - base).days)
    if len(seen) == 1:  # an absolute date: it does not move with the article
        return None
    return min(lows), max(highs)


@lru_cache(maxsize=1024)
def _calendar_unit(text: str | None) -> int | None:
    """Length in days of the calendar unit "this week / this month / this year" words place a date in."""
    if not text:
        return None
    rel = patterns().raw["relative_dates"]
    low = text.lower()
    for words, (expr, precision) in rel.items():
        if expr == "today" and re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", low):
            return {"day": 1, "week": 7, "month": 31, "year": 366}.get(precision)
    return None


# ---------------------------------------------------------------- an article's own date

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_FUTURE = re.compile(
    r"\b(?:will|would|shall|plans?|planned|planning|vow\w*|pledg\w*|promis\w*|intend\w*|expect\w*|aims?|aiming|"
    r"set to|due to|scheduled|next|until|ahead|forecast\w*|could|may|might|by the end)\b", re.I)
_COUNTS = {w: n for n, w in enumerate(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"], 1)}
_ORDINALS = {w: n for n, w in enumerate(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
     "twelfth"], 1)}
# "Three years since Putin ordered the invasion", "its third winter since the invasion began in February 2022",
# "the second anniversary of ...": a count or an ordinal, a unit, then the clause naming the event.
_SINCE = re.compile(
    r"\b(?P<n>\d{1,2}|" + "|".join(_COUNTS) + "|" + "|".join(_ORDINALS) + r"|\d{1,2}(?:st|nd|rd|th))\s+"
    r"(?:full\s+)?(?P<unit>years?|months?|winters?|summers?|anniversary)\s+(?:of\s+(?:the\s+)?(?:full-scale\s+)?"
    r"(?:war|fighting|conflict)\s+)?(?P<rel>since|after|of)\s+(?P<clause>[^.;:!?\n]{3,160})", re.I)
_STOP = frozenset("about after again against their there these those which while where would could should "
                  "since until being other first years months said says according president minister".split())
_HEADER_LINE = re.compile(r"^\s*(?:last\s+updated|first\s+published|published|updated|posted|date)\b", re.I)
# "KYIV, 19 December 2024 (Reuters) - ...": a place, a comma, the date, maybe an agency, then a dash or colon
_CITY_LINE = re.compile(
    r"^\s*[A-Z][A-Za-z.'-]+(?:\s+[A-Z][A-Za-z.'-]+){0,3},\s+(?P<date>[^()\n]{6,30}?)\s*(?:\([A-Za-z .]{2,30}\)\s*)?"
    r"[-–—:]\s")


@dataclass(frozen=True)
class ArticleDate:
    """When an article was written: a day or an interval (an open end is None), and how that is known."""

    lo: date | None
    hi: date | None
    source: DateSource
    basis: str

    def ref(self) -> DateRef | None:
        if self.lo is None or self.hi is None:
            text = f"after {self.lo.isoformat()}" if self.lo else None
            return DateRef(text=text, source=self.source, basis=self.basis) if text else None
        return interval_ref(self.lo, self.hi, "day", text=None, source=self.source, basis=self.basis)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{5,}", text.lower()) if w not in _STOP}


def _dated_phrases(sentence: str) -> list[tuple[str, tuple[date, date]]]:
    """Phrases of one sentence that state a year ("in February 2022", "since mid-2022"), with their days."""
    out = []
    for p in find_dates(sentence, None):
        iv = date_interval(p.ref)
        if iv is not None:
            out.append((p.ref.text or "", iv))
    return out


def _referent(clause: str, sentences: list[str]) -> tuple[str, tuple[date, date]] | None:
    """The dated event an anniversary clause names: a date in the clause, else the dated sentence sharing most
    of its words ("ordered the invasion" -> "invasion of Ukraine in February 2022")."""
    own = _dated_phrases(clause)
    if own:
        return own[0]
    want = _words(clause)
    best: tuple[int, tuple[str, tuple[date, date]]] | None = None
    for s in sentences:
        if _FUTURE.search(s):
            continue
        shared = len(want & _words(s))
        dated = _dated_phrases(s) if shared else []
        if dated and (best is None or shared > best[0]):
            best = (shared, dated[0])
    return best[1] if best else None


def _count(word: str) -> int | None:
    w = word.lower()
    if w.isdigit():
        return int(w)
    if w in _COUNTS:
        return _COUNTS[w]
    if w in _ORDINALS:
        return _ORDINALS[w]
    digits = re.match(r"\d+", w)
    return int(digits.group()) if digits else None


def _anniversary(m: re.Match[str], event: tuple[date, date]) -> tuple[date, date] | None:
    """Days an article saying "<n> <unit> since <event>" can be written on."""
    n = _count(m.group("n"))
    if n is None or n <= 0 or n > 60:
        return None
    unit, (first, last) = m.group("unit").lower(), event
    ordinal = m.group("n").lower() in _ORDINALS or bool(re.search(r"\d(?:st|nd|rd|th)$", m.group("n").lower()))
    if unit.startswith("winter") or unit.startswith("summer"):
        month = 12 if unit.startswith("winter") else 6  # the season's first month
        y1 = first.year if first.month < month else first.year + 1
        start = date(y1 + n - 1, month, 1)
        # "enters its third winter": from three months before it starts to a month after it ends
        return _add_months(start, -3), _add_months(start, 4) - timedelta(days=1)
    if unit.startswith("anniversary"):
        return _add_years(first, n) - timedelta(days=31), _add_years(last, n) + timedelta(days=31)
    if unit.startswith("month"):
        return _add_months(first, n) - timedelta(days=15), _add_months(last, n) + timedelta(days=15)
    if ordinal:  # "the war's third year": between two and three years on
        return _add_years(first, n - 1), _add_years(last, n)
    # "three years since": spoken years are rounded, so half a year either way
    return _add_months(_add_years(first, n), -6), _add_months(_add_years(last, n), 6)


_MONTH_NUMBERS = {name.lower(): n for n, month in enumerate(MONTH_NAMES, 1)
                  for name in (month, month[:3], month[:3] + ".")}
_MONTH_DAY = re.compile(  # "Dec 19", "19 December": a wire date line without its year
    r"^(?:(?P<mon>[A-Za-z]{3,9}\.?)\s+(?P<d>\d{1,2})|(?P<d2>\d{1,2})\s+(?P<mon2>[A-Za-z]{3,9}\.?))$")


def _dateline(article: Article) -> ArticleDate | None:
    """A date line in the first lines of the text: "Published 13 January 2025", "KYIV, 19 December 2024 -".

    A wire date line without a year ("KYIV, Dec 19 (Reuters) -") counts when the events the article reports
    bound it to an interval holding exactly one such day.
    """
    from ..ingestion.articles import find_date

    for line in [ln for ln in article.text.splitlines() if ln.strip()][:4]:
        partial = None
        if _HEADER_LINE.match(line) and len(line) <= 80:
            found = find_date(line)
        elif m := _CITY_LINE.match(line):
            found = find_date(m.group("date"))
            if found is not None and found[1].group().strip() != m.group("date").strip():
                found = None  # the date must be all there is between the place and the dash
            partial = _MONTH_DAY.match(m.group("date").strip()) if found is None else None
        else:
            continue
        words = f"date line “{line.strip()[:60]}”"
        if found is not None:
            return ArticleDate(found[0], found[0], "dateline", words)
        if partial is not None:
            return _dateline_in_bounds(partial, article.text, words)
    return None


def _dateline_in_bounds(m: re.Match[str], text: str, words: str) -> ArticleDate | None:
    month = _MONTH_NUMBERS.get((m.group("mon") or m.group("mon2") or "").lower())
    day = int(m.group("d") or m.group("d2"))
    bound = _bounded_cached(text)
    if month is None or bound is None or bound.lo is None or bound.hi is None:
        return None
    days = []
    for y in range(bound.lo.year, bound.hi.year + 1):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if bound.lo <= d <= bound.hi:
            days.append(d)
    if len(days) != 1:
        return None  # no year, and the bounds allow more than one: the day stays unknown
    return ArticleDate(days[0], days[0], "dateline", f"{words}, the only such day in {_fmt_span(bound)} "
                       f"({bound.basis})")


def bounded_by_events(text: str) -> ArticleDate | None:
    """An interval for an undated article from the dated events it reports.

    A past event with a stated year ("since Moscow's invasion of Ukraine in February 2022") bounds the article
    from below; an anniversary ("Three years since Putin ordered the invasion", "its third winter since ...")
    from both sides. Sentences about plans or pledges ("vowed to ... until 2030") bound nothing.
    """
    sentences = [s.group().strip() for s in _SENTENCE.finditer(text) if s.group().strip()]
    lo: date | None = None
    hi: date | None = None
    lo_why = hi_why = ""
    for s in sentences:
        if _FUTURE.search(s):
            continue
        for words, (first, _) in _dated_phrases(s):
            if lo is None or first > lo:
                lo, lo_why = first, f"after “{words}”"
    found: list[tuple[date, date, str]] = []
    for s in sentences:
        for m in _SINCE.finditer(s):
            event = _referent(m.group("clause"), sentences)
            if event is None:
                continue
            got = _anniversary(m, event[1])
            if got is not None:
                found.append((*got, f"“{m.group().strip()[:70]}” with “{event[0]}”"))
    for first, last, why in found:
        if lo is None or first > lo:
            lo, lo_why = first, why
        if hi is None or last < hi:
            hi, hi_why = last, why
    if lo is None:
        return None
    if hi is not None and hi < lo:  # the text contradicts itself: keep only what every statement allows
        hi = None
    basis = "; ".join(dict.fromkeys(w for w in (lo_why, hi_why if hi else "") if w))
    return ArticleDate(lo, hi, "bounded", basis)


def article_date(article: Article) -> ArticleDate | None:
    """Stated publication date, else a date line, else an interval bounded by the events the text reports."""
    if article.published is not None:
        return ArticleDate(article.published, article.published, "stated", "publication date")
    return _dateline(article) or _bounded_cached(article.text)


@lru_cache(maxsize=256)  # keyed on whole texts: 4,096 of them held ~24 MB in a run of 10,000 articles
def _bounded_cached(text: str) -> ArticleDate | None:
    return bounded_by_events(text)


# ---------------------------------------------------------------- claims across articles


@dataclass
class Member:
    """One article's report of a merged item: its article and its own date words."""

    article_id: str
    claimed: DateRef | None
    period: DateRef | None
    recent: bool = True  # a claim with no time words is recent; a reported event (diplomacy) need not be


def words_of(ref: DateRef | None) -> DateRef | None:
    """A DateRef as the article gave it: a date the pipeline recovered goes back to its words, a stated one
    loses the pipeline's notes (so merging a briefing again starts from the same input)."""
    if ref is None:
        return None
    if ref.source in _RECOVERED:
        return DateRef(text=ref.text) if ref.text else None
    return ref.model_copy(update={"source": None, "basis": None}) if ref.source or ref.basis else ref


def _stated(ref: DateRef | None) -> bool:
    return ref is not None and bool(ref.start) and ref.source not in _RECOVERED


@dataclass
class _Link:
    a: str
    b: str
    lo: int  # t_b - t_a >= lo
    hi: int  # t_b - t_a <= hi
    why: str


@dataclass
class Chronology:
    """Article dates after carrying bounds along shared claims, and what ordering claims needs."""

    own: dict[str, ArticleDate | None]
    dates: dict[str, ArticleDate | None] = field(default_factory=dict)
    _far: dict[str, dict[str, int]] = field(default_factory=dict)  # a -> b -> most t_b - t_a can be
    _group: dict[str, int] = field(default_factory=dict)
    _mutual: dict[str, frozenset[str]] = field(default_factory=dict)  # linked_both_ways, as asked

    # -- building

    @classmethod
    def build(cls, articles: Iterable[Article], shared: Sequence[Sequence[Member]],
              names: dict[str, str] | None = None) -> Chronology:
        """``shared``: for each merged item, the reports of it in different articles."""
        return cls.from_dates({a.id: article_date(a) for a in articles}, shared, names)

    @classmethod
    def from_dates(cls, own: dict[str, ArticleDate | None], shared: Sequence[Sequence[Member]],
                   names: dict[str, str] | None = None) -> Chronology:
        """:meth:`build` with each article's own date already worked out (:func:`article_date`), so the
        articles' texts need not be kept until now."""
        chron = cls(own=dict(own))
        links = [ln for members in shared for ln in _links(members)]
        chron._solve(links, names or {})
        return chron

    def _solve(self, links: list[_Link], names: dict[str, str]) -> None:
        # day numbers (date.toordinal), so that a step adds integers, not timedeltas
        lo = {a: (d.lo.toordinal() if d and d.lo else None) for a, d in self.own.items()}
        hi = {a: (d.hi.toordinal() if d and d.hi else None) for a, d in self.own.items()}
        why: dict[str, str] = {}
        adj: dict[str, list[tuple[str, int, int]]] = {}
        for ln in links:
            if ln.a in lo and ln.b in lo:
                adj.setdefault(ln.a, []).append((ln.b, ln.lo, ln.hi))
                adj.setdefault(ln.b, []).append((ln.a, -ln.hi, -ln.lo))
        # A worklist: an article whose bounds tightened passes them on along its links. Bounds only tighten,
        # and never past the other end (contradicting reports are ignored), so this ends; the step cap is a guard.
        queue = deque(sorted(a for a in adj if lo[a] is not None or hi[a] is not None))
        queued = set(queue)
        steps = 50 * (len(links) + 1)
        while queue and steps > 0:
            x = queue.popleft()
            queued.discard(x)
            for y, l_, h_ in adj[x]:
                steps -= 1
                lx, hx = lo[x], hi[x]
                new_lo = lx + l_ if lx is not None else None
                new_hi = hx + h_ if hx is not None else None
                changed = False
                ly, hy = lo[y], hi[y]
                if new_lo is not None and (ly is None or new_lo > ly) and (hy is None or new_lo <= hy):
                    lo[y], changed = new_lo, True
                ly = lo[y]
                if new_hi is not None and (hy is None or new_hi < hy) and (ly is None or new_hi >= ly):
                    hi[y], changed = new_hi, True
                if changed:
                    why[y] = names.get(x, x)
                    if y not in queued:
                        queue.append(y)
                        queued.add(y)
        for a, d in self.own.items():
            if d is not None and d.source in ("stated", "dateline"):
                self.dates[a] = d
                continue
            la, ha = lo[a], hi[a]
            day_lo = date.fromordinal(la) if la is not None else None
            day_hi = date.fromordinal(ha) if ha is not None else None
            if a in why and (day_lo, day_hi) != ((d.lo, d.hi) if d else (None, None)) and day_lo is not None:
                basis = f"the same report in {why[a]}" + (f"; {d.basis}" if d else "")
                self.dates[a] = ArticleDate(day_lo, day_hi, "carried", basis)
            else:
                self.dates[a] = d
        self._pairs(links)

    def _pairs(self, links: list[_Link]) -> None:
        """Tightest t_b - t_a for articles joined by links: all pairs within small groups, else direct links."""
        adj: dict[str, dict[str, int]] = {}
        for ln in links:
            adj.setdefault(ln.a, {})[ln.b] = min(adj.get(ln.a, {}).get(ln.b, ln.hi), ln.hi)
            adj.setdefault(ln.b, {})[ln.a] = min(adj.get(ln.b, {}).get(ln.a, -ln.lo), -ln.lo)
        seen: set[str] = set()
        for start in sorted(adj):
            if start in seen:
                continue
            comp, stack = [], [start]
            seen.add(start)
            while stack:
                x = stack.pop()
                comp.append(x)
                for y in adj[x]:
                    if y not in seen:
                        seen.add(y)
                        stack.append(y)
            gid = len(set(self._group.values()))
            for x in comp:
                self._group[x] = gid
            far = {x: dict(adj[x]) for x in comp}
            if len(comp) <= _MAX_COMPONENT:  # Floyd-Warshall over the group's difference constraints
                full = {x: dict(adj[x]) for x in comp}
                for k in comp:
                    for i in comp:
                        if k not in full[i]:
                            continue
                        for j, w in list(full[k].items()):
                            if full[i][k] + w < full[i].get(j, 10**9):
                                full[i][j] = full[i][k] + w
                # a negative cycle means the reports contradict each other: keep the direct links only
                if all(full[i].get(i, 0) >= 0 for i in comp):
                    far = full
            self._far.update(far)

    # -- questions

    def group(self, article_id: str) -> int | None:
        return self._group.get(article_id)

    def link(self, a: str, b: str) -> tuple[int, int] | None:
        """Least and most days from article ``a``'s date to ``b``'s through shared reports, when linked."""
        far_ab = self._far.get(a, {}).get(b)
        if far_ab is None:
            return None
        far_ba = self._far.get(b, {}).get(a)
        return (-far_ba, far_ab) if far_ba is not None else None

    def linked_both_ways(self, article_id: str) -> frozenset[str]:
        """The article and every article that link() relates to it (both ways of the far table known)."""
        got = self._mutual.get(article_id)
        if got is None:
            far = self._far
            got = self._mutual[article_id] = frozenset(
                (article_id, *(b for b in far.get(article_id, {}) if article_id in far.get(b, {}))))
        return got

    def far_table(self) -> dict[str, dict[str, int]]:
        """What link() reads: ``table[a][b]`` is the most days from article ``a``'s date to ``b``'s (read only)."""
        return self._far

    def between(self, a: str, b: str) -> tuple[int, int] | None:
        """Least and most days from article ``a``'s date to ``b``'s, when links or dates tell."""
        if a == b:
            return 0, 0
        lo_hi: list[tuple[int, int]] = []
        far_ab, far_ba = self._far.get(a, {}).get(b), self._far.get(b, {}).get(a)
        if far_ab is not None and far_ba is not None:
            lo_hi.append((-far_ba, far_ab))
        da, db = self.dates.get(a), self.dates.get(b)
        if da and db and da.lo and da.hi and db.lo and db.hi:
            lo_hi.append(((db.lo - da.hi).days, (db.hi - da.lo).days))
        if not lo_hi:
            return None
        return max(x for x, _ in lo_hi), min(y for _, y in lo_hi)


def _link_offset(ref: DateRef | None) -> tuple[int, int] | None:
    if _stated(ref):
        return None
    return offset(ref.text if ref is not None else None)


def _links(members: Sequence[Member]) -> list[_Link]:
    """Links between every two articles reporting one claim, from each one's words for when it was made."""
    out: list[_Link] = []
    per_article: dict[str, Member] = {}
    for m in members:
        per_article.setdefault(m.article_id, m)
    reps = sorted(per_article.values(), key=lambda m: m.article_id)
    for field_name in ("claimed", "period"):
        refs = [getattr(m, field_name) for m in reps]
        if field_name == "period" and any(r is None for r in refs):
            continue
        offs = [None if field_name == "claimed" and r is None and not m.recent else _link_offset(r)
                for m, r in zip(reps, refs, strict=True)]  # once per report, then pairs are arithmetic
        units = [_calendar_unit(r.text if r else None) for r in refs]
        # Every pair for a claim few outlets report; beyond that each report links to the one whose words
        # place the claim most narrowly (a star: a little looser, but linear in the number of reports).
        known = [i for i, o in enumerate(offs) if o is not None]
        hub = min(known, key=lambda i: (offs[i][1] - offs[i][0], i)) if known else None  # type: ignore[index]
        for i, x in enumerate(reps):
            ox = offs[i]
            if ox is None or (len(reps) > _ALL_PAIRS and i != hub):
                continue
            for j in range(0 if len(reps) > _ALL_PAIRS else i + 1, len(reps)):
                oy = offs[j]
                if oy is None or j == i:
                    continue
                # claim = t_x + ox = t_y + oy, so t_y - t_x = ox - oy
                lo, hi = ox[0] - oy[1], ox[1] - oy[0]
                if units[i] is not None and units[i] == units[j]:  # "this month" in both: both in that month
                    lo, hi = max(lo, -(units[i] - 1)), min(hi, units[i] - 1)  # type: ignore[operator]
                if hi - lo <= _MAX_LINK:
                    out.append(_Link(x.article_id, reps[j].article_id, lo, hi, field_name))
        if out:
            break  # the claim's own date words link the articles; the period's are only a fallback
    return out


# ---------------------------------------------------------------- one claim's dates


@dataclass(frozen=True)
class ClaimTime:
    """What ordering and "about the same time" need of one claim."""

    iv: tuple[date, date] | None  # when it was made, as far as known (both ends known)
    order: tuple[date, date] | None  # iv narrowed by the period it reports (news reports recent events)
    rel: tuple[tuple[str, int, int], ...]  # (article, least and most days from that article's date)


def recover(ref: DateRef | None, members: Sequence[tuple[str, DateRef | None]], chron: Chronology, *,
            unstated_is_article: bool, names: dict[str, str],
            made: dict[tuple[Any, ...], DateRef] | None = None, read: dict[tuple[str, str | None], Any] | None = None
            ) -> DateRef | None:
    """One merged item's date (claimed or period) from each article's words, at honest precision.

    A stated date is kept. Words are resolved against their article's date; reports in several articles are
    intersected. Without words, a claim is dated by its article (``unstated_is_article``). ``made``: see
    interval_ref (the dates of one briefing, shared between its items). ``read``: a record of what each article's
    report gave (by article id and words), for one chronology and one ``names``: each is worked out once.
    """
    if _stated(ref):
        assert ref is not None
        return ref.model_copy(update={"source": ref.source or "stated"})
    found: list[tuple[date, date, str, DateRef]] = []
    words: str | None = None
    for aid, raw in members:
        raw = words_of(raw)
        if _stated(raw):
            assert raw is not None
            iv = date_interval(raw)
            if iv is not None:
                found.append((iv[0], iv[1], aid, raw.model_copy(update={"source": raw.source or "stated"})))
            continue
        if raw is not None and raw.text:
            words = words or raw.text
            text: str | None = raw.text
        elif unstated_is_article:
            text = None
        else:
            continue
        if read is None:
            got = _report(aid, text, chron, names, made)
        else:  # most reports repeat: the items of one article, their words
            got = read.get((aid, text), _NOT_READ)
            if got is _NOT_READ:
                got = read[aid, text] = _report(aid, text, chron, names, made)
        if got is not None:
            found.append(got)
    if not found:
        kept = words_of(ref)
        return DateRef(text=words) if words and kept is None else kept
    best = min(found, key=lambda f: ((f[1] - f[0]).days, f[2]))
    lo = max(f[0] for f in found)
    hi = min(f[1] for f in found)
    if lo <= hi and (hi - lo) < (best[1] - best[0]):  # several reports narrow it down together
        out = interval_ref(lo, hi, best[3].precision if best[3].precision != "unknown" else "day",
                           text=best[3].text or words, source="carried",
                           basis="reports in " + ", ".join(sorted({names.get(f[2], f[2]) for f in found})),
                           made=made)
        return out
    pick = best[3]
    if len({f[2] for f in found}) > 1 or (len(members) > 1 and pick.source != "stated"
                                          and any(a != best[2] and chron.dates.get(a) is None for a, _ in members)):
        pick = pick.model_copy(update={"source": "carried" if pick.source != "stated" else "stated",
                                       "basis": (pick.basis or "") + f"; carried from {names.get(best[2], best[2])}"
                                       if pick.source != "stated" else pick.basis})
    if pick.text is None and words:
        pick = pick.model_copy(update={"text": words})
    return pick


_NOT_READ: Any = object()


def _report(aid: str, text: str | None, chron: Chronology, names: dict[str, str],
            made: dict[tuple[Any, ...], DateRef] | None) -> tuple[date, date, str, DateRef] | None:
    """What one article's report of a claim says of its date: its words (``text``) resolved against the article's
    date, or (no words) the article's date itself; None when that tells nothing."""
    d = chron.dates.get(aid)
    if text is not None:
        got = resolve(text, d.lo if d else None, d.hi if d else None)
        if got is None or d is None:
            return None
        how: DateSource = "relative"
        basis = f"“{text}” in an article dated {_fmt_span(d)} ({d.source})"
        return got[0], got[1], aid, interval_ref(got[0], got[1], got[2], text=text, source=how, basis=basis,
                                                 made=made)
    if d is None or d.lo is None or d.hi is None:
        return None
    src: DateSource = "published" if d.source in ("stated", "dateline") else d.source
    return d.lo, d.hi, aid, interval_ref(d.lo, d.hi, "day", text=None, source=src,
                                         basis=f"reported in {names.get(aid, aid)}, {_fmt_span(d)}", made=made)


def _fmt_span(d: ArticleDate) -> str:
    if d.lo is None:
        return "unknown"
    if d.hi is None:
        return f"after {d.lo.isoformat()}"
    return d.lo.isoformat() if d.lo == d.hi else f"{d.lo.isoformat()} to {d.hi.isoformat()}"


def claim_time(item: Item, members: Sequence[Member], chron: Chronology) -> ClaimTime:
    """The claim's interval, its ordering interval and its offsets from each reporting article's date."""
    iv = date_interval(item.claimed) if item.claimed is not None and item.claimed.start else None
    rel: list[tuple[str, int, int]] = []
    for m in members:
        raw = words_of(m.claimed)
        if _stated(raw):
            continue
        off = offset(raw.text if raw is not None else None)
        if off is not None and off[1] - off[0] <= 62:
            rel.append((m.article_id, off[0], off[1]))
    order = iv
    period = date_interval(item.period) if item.period is not None and item.period.start else None
    if period is not None:
        recent = (period[0], period[1] + timedelta(days=RECENT_DAYS))
        if order is None:
            order = period
        elif order[0] <= recent[1] and recent[0] <= order[1]:
            order = (max(order[0], recent[0]), min(order[1], recent[1]))
    return ClaimTime(iv, order, tuple(sorted(set(rel))))
