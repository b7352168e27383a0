"""Estimates (claims side by side per side and measure, series, conflicts) and the timeline of a briefing.

Pure functions of merged items; no figure is ever summed, split or averaged (see docs/readme/merging.md).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import repeat
from operator import add, floordiv, mod, mul
from typing import Any, NamedTuple

from ..core.dates import date_interval, date_key, order_key
from ..core.schema import (
    SECTIONS,
    Casualty,
    Claim,
    DateRef,
    Estimate,
    Item,
    Quantity,
    TimelineEntry,
)
from .dating import RECENT_DAYS, UNSTATED_OFFSET, Chronology, ClaimTime, Member, claim_time, interval_ref

__all__ = ["SAME_TIME_DAYS", "build_estimates", "timeline"]


# ---- dates -------------------------------------------------------------------------------


def claim_date(item: Item, published: dict[str, date | None]) -> DateRef | None:
    """When a claim was made: ``claimed``, else the earliest publication day of its sources."""
    if item.claimed is not None and item.claimed.start:
        return item.claimed
    days = sorted(d for s in item.sources if (d := published.get(s)) is not None)
    return DateRef(text="article published", start=days[0].isoformat(), precision="day") if days else None


@dataclass
class _Dates:
    """Claim dates of one briefing: shown (recovered ``claimed``, else publication, else the period) and the
    times that ordering and "about the same time" compare (see dating.ClaimTime)."""

    published: dict[str, date | None]
    chron: Chronology | None = None
    members: dict[str, list[Member]] = field(default_factory=dict)
    _memo: dict[int, tuple[Item, DateRef | None, ClaimTime]] = field(default_factory=dict)

    def _get(self, item: Item) -> tuple[Item, DateRef | None, ClaimTime]:
        hit = self._memo.get(id(item))
        if hit is None or hit[0] is not item:
            ref = claim_date(item, self.published)
            members = self.members.get(item.id or "") or [Member(s, item.claimed, item.period) for s in item.sources]
            if self.chron is not None:
                t = claim_time(item, members, self.chron)
            else:
                iv = date_interval(ref)
                rel = () if iv is not None else tuple((s, *UNSTATED_OFFSET) for s in sorted(item.sources))
                t = ClaimTime(iv, iv, rel)
            if t.order is None and t.iv is None:  # the period places an undated claim (news reports recent events)
                per = date_interval(item.period) if item.period is not None and item.period.start else None
                t = ClaimTime(t.iv, per, t.rel)
            hit = self._memo[id(item)] = (item, ref, t)
        return hit

    def stated(self, item: Item) -> DateRef | None:
        return self._get(item)[1]

    def order(self, item: Item) -> DateRef | None:
        """The claim date shown: ``claimed`` (stated or recovered), else publication, else the period."""
        ref = self.stated(item)
        return ref if ref is not None else item.period if item.period is not None and item.period.start else None

    def when(self, item: Item) -> ClaimTime:
        return self._get(item)[2]


# ---- summaries and estimates -------------------------------------------------------------

SAME_TIME_DAYS = 30
"""Two dated claims are "about the same time" when their date intervals are at most this many days apart."""
RELATED = "related_measures"
ESTIMATE_RULE = (
    "low = lowest lower bound, high = highest upper bound among current claims; "
    "an open bound (at least / up to) leaves that end open (null); no figure is combined with another. "
    "A claim is superseded when the same claimant surely spoke later. "
    f"Conflict = two claims of different named claimants whose bounds do not overlap, made about the same time "
    f"(at most {SAME_TIME_DAYS} days apart and surely within {2 * SAME_TIME_DAYS + 1}, by their dates, or by their "
    "articles' dates and the claims' own time words)"
)
RELATED_RULE = (
    "related measures: one claimant's killed and wounded figures against another claimant's killed-or-wounded "
    "figure of about the same time. Killed and wounded are different people, so the pair cannot both hold when "
    "the killed and wounded lower bounds together exceed the killed-or-wounded upper bound, or its lower bound "
    "exceeds their upper bounds together (or one component's lower bound alone exceeds it). "
    "Only a test: no figure is combined with another in what is shown"
)
_COMPONENTS = ("killed", "wounded")


def _rel_range(a: ClaimTime, b: ClaimTime, chron: Chronology | None) -> tuple[int, int] | None:
    """Least and most days from claim ``a`` to ``b`` through their articles: the same article, or articles
    linked by a shared report, with each claim's offset from its article's date."""
    ranges: list[tuple[int, int]] = []
    for x, xl, xh in a.rel:
        for y, yl, yh in b.rel:
            d = (0, 0) if x == y else chron.link(x, y) if chron is not None else None
            if d is not None:
                ranges.append((d[0] + yl - xh, d[1] + yh - xl))
    if not ranges:
        return None
    return max(r[0] for r in ranges), min(r[1] for r in ranges)


def _diff(a: ClaimTime, b: ClaimTime, chron: Chronology | None) -> tuple[int, int] | None:
    """Least and most days from claim ``a`` to claim ``b``: from their dates and through their articles."""
    lo, hi = (((b.iv[0] - a.iv[1]).days, (b.iv[1] - a.iv[0]).days) if a.iv is not None and b.iv is not None
              else (None, None))
    rel = _rel_range(a, b, chron) if a.rel and b.rel else None
    if rel is not None:
        lo, hi = (rel if lo is None or hi is None else (max(lo, rel[0]), min(hi, rel[1])))
    if lo is None or hi is None:
        return None
    return (lo, hi) if lo <= hi else None  # the reports contradict each other: not known


def _placed_ref(ref: DateRef | None, t: ClaimTime) -> DateRef | None:
    """The ordering interval as a DateRef, when it is narrower than the claim's date (else None)."""
    iv = date_interval(ref)
    if t.order is None or (iv is not None and (t.order[1] - t.order[0]) >= (iv[1] - iv[0])):
        return None
    return interval_ref(t.order[0], t.order[1], "day", text=None, source="bounded",
                        basis=f"the claim's date narrowed by the period it reports (made during it or within "
                        f"{RECENT_DAYS} days after)")


def _nearest(d: tuple[int, int]) -> int:
    return 0 if d[0] <= 0 <= d[1] else min(abs(d[0]), abs(d[1]))


def same_time(a: ClaimTime, b: ClaimTime, chron: Chronology | None = None) -> bool:
    """At most SAME_TIME_DAYS apart, and known to be: the gap may be that small and surely not twice that.

    Two undated claims of one article are side by side; an article that dates one claim and not the other
    is telling of an earlier statement ("in September, the BBC counted ...") next to a current one.
    """
    if a.iv is not None and b.iv is not None:  # what the articles add can only narrow this
        gap = max(a.iv[0], b.iv[0]) - min(a.iv[1], b.iv[1])
        if gap.days > SAME_TIME_DAYS:
            return False
    d = _diff(a, b, chron)
    return d is not None and _nearest(d) <= SAME_TIME_DAYS and max(abs(d[0]), abs(d[1])) <= 2 * SAME_TIME_DAYS + 1


def surely_before(a: ClaimTime, b: ClaimTime, chron: Chronology | None = None) -> bool:
    """Claim ``a`` was made before claim ``b``, by their ordering intervals or their articles' dates."""
    if a.order is not None and b.order is not None and a.order[1] < b.order[0]:
        return True
    d = _rel_range(a, b, chron) if a.rel and b.rel else None
    return d is not None and d[0] > 0


_NARROW = timedelta(days=4 * SAME_TIME_DAYS + 2)  # a claim dated more loosely is surely close to nothing by date


def _keys(w: ClaimTime, chron: Chronology | None) -> set[tuple[str, Any]]:
    """The groups whose claims a claim's time words can be compared with: its articles, or their linked group."""
    return {("linked", g) if chron is not None and (g := chron.group(a)) is not None else ("article", a)
            for a, _, _ in w.rel}


PairFilter = Callable[[int, list[int]], list[int]]
"""Given claim ``i`` and candidate claims ``js`` (in any order), the ``js`` whose pair with ``i`` is wanted: a
predicate on unordered pairs, applied to many candidates at once (one call per claim, not per pair)."""


def _same_time_test(whens: list[ClaimTime], chron: Chronology | None) -> Callable[[int, list[int]], list[int]]:
    """``close(i, js)``: the ``js`` (in their order) with ``same_time(whens[i], whens[j], chron)``, on day numbers
    (_same_time_coder's pairs, each back to its other claim)."""
    size = len(whens)
    coded = _same_time_coder(whens, chron)

    def close(i: int, js: list[int]) -> list[int]:
        return [k % size if k // size == i else k // size for k in coded(i, js)]

    return close


def _same_time_coder(whens: list[ClaimTime], chron: Chronology | None) -> Callable[[int, list[int]], list[int]]:
    """``coded(i, js)``: for the ``js`` (in their order) with ``same_time(whens[i], whens[j], chron)``, on day
    numbers, the pair of ``i`` and ``j`` as the number ``min(i, j) * len(whens) + max(i, j)``: the time test and
    the numbering in one pass. The pair scans below ask it about hundreds of thousands of pairs: one call per
    claim, ``i``'s side looked up once, max() and min() written out.

    Most pairs are decided by their dates alone: what their articles tell (``rel``) counts only when the two
    claims have a common article or linked ones. So when ``i`` is dated, each ``j`` is tested against four day
    bounds worked out once for ``i``, and only the claims of ``i``'s articles and of the articles linked to them
    both ways are tested in full."""
    far = chron.far_table() if chron is not None else {}
    days = [(w.iv[0].toordinal(), w.iv[1].toordinal()) if w.iv is not None else None for w in whens]
    never = 1 << 62  # an undated claim's day numbers: outside every bound
    firsts = [d[0] if d is not None else never for d in days]
    lasts = [d[1] if d is not None else never for d in days]
    rels = [w.rel for w in whens]
    near, most = SAME_TIME_DAYS, 2 * SAME_TIME_DAYS + 1
    reached: dict[tuple[str, ...], frozenset[str]] = {}

    def linked(xs: tuple[str, ...]) -> frozenset[str]:
        """The articles among ``xs`` or linked both ways to one of them: a claim of any other article shares
        nothing with ``xs`` that _rel_range could use."""
        got = reached.get(xs)
        if got is None:
            if chron is None:
                got = frozenset(xs)
            elif len(xs) == 1:
                got = chron.linked_both_ways(xs[0])
            else:
                got = frozenset().union(*(chron.linked_both_ways(x) for x in xs))
            reached[xs] = got
        return got

    def full(da: tuple[int, int] | None, links: list[tuple[str, int, int, dict[str, int] | None]], j: int) -> bool:
        """same_time of ``i`` (its days ``da`` and ``links``) and ``j``."""
        lo = hi = 0
        known = False
        db = days[j]
        if da is not None and db is not None:
            a0, a1 = da
            b0, b1 = db
            if (b0 if b0 > a0 else a0) - (a1 if a1 < b1 else b1) > near:
                return False
            lo, hi, known = b0 - a1, b1 - a0, True
        rb = rels[j]
        if links and rb:  # what their articles tell (_rel_range): each a range, all of them hold
            rlo = rhi = 0
            found = False
            for x, xl, xh, fx in links:
                for y, yl, yh in rb:
                    if x == y:
                        d0 = d1 = 0
                    else:
                        fab = fx.get(y) if fx is not None else None
                        if fab is None:
                            continue
                        fy = far.get(y)
                        fba = fy.get(x) if fy is not None else None
                        if fba is None:
                            continue
                        d0, d1 = -fba, fab
                    r0, r1 = d0 + yl - xh, d1 + yh - xl
                    if not found:
                        rlo, rhi, found = r0, r1, True
                    else:
                        rlo, rhi = (r0 if r0 > rlo else rlo), (r1 if r1 < rhi else rhi)
            if found:
                if known:
                    lo, hi = (rlo if rlo > lo else lo), (rhi if rhi < hi else hi)
                else:
                    lo, hi, known = rlo, rhi, True
        if not known or lo > hi:
            return False
        if lo > 0:  # nearest is lo, farthest hi
            return lo <= near and hi <= most
        if hi < 0:
            return -hi <= near and -lo <= most
        return -lo <= most and hi <= most  # the range holds 0: nearest is 0

    by_article: dict[str, list[int]] = {}
    for j, rel in enumerate(rels):
        for y, _, _ in rel:
            by_article.setdefault(y, []).append(j)
    touching: dict[frozenset[str], frozenset[int]] = {}
    sides: dict[tuple[tuple[str, int, int], ...], tuple[list[tuple[str, int, int, dict[str, int] | None]],
                                                         frozenset[int]]] = {}

    def side(rel: tuple[tuple[str, int, int], ...]) -> tuple[list[tuple[str, int, int, dict[str, int] | None]],
                                                             frozenset[int]]:
        """A claim's articles and how far they are from others, and the claims of the articles reached from them
        (linked, see ``linked``): the same for every claim with the same ``rel`` (most claims of one article)."""
        got = sides.get(rel)
        if got is None:
            reach = linked(tuple(x for x, _, _ in rel))
            claims = touching.get(reach)
            if claims is None:
                claims = touching[reach] = frozenset(j for y in reach for j in by_article.get(y, ()))
            got = sides[rel] = ([(x, xl, xh, far.get(x)) for x, xl, xh in rel], claims)
        return got

    size = len(whens)

    def coded(i: int, js: list[int]) -> list[int]:
        if not js:
            return []
        da = days[i]
        links, touch = side(rels[i])
        at = i * size  # the pair (i, j) is at + j when i < j, else j * size + i
        if da is None:
            return [at + j if i < j else j * size + i for j in js if full(da, links, j)]
        # by dates alone (b the days of j): b0 - a1 and b1 - a0 hold 0 or are at most ``near`` from it, and
        # neither is more than ``most`` from it
        a0, a1 = da
        lo0, hi0, lo1, hi1 = a1 - most, a1 + near, a0 - near, a0 + most
        if not links:
            return [at + j if i < j else j * size + i for j in js
                    if lo0 <= firsts[j] <= hi0 and lo1 <= lasts[j] <= hi1]
        # a claim of none of the articles linked to i's (not in ``touch``): by dates alone
        return [at + j if i < j else j * size + i for j in js
                if (full(da, links, j) if j in touch else lo0 <= firsts[j] <= hi0 and lo1 <= lasts[j] <= hi1)]

    return coded


def _same_time_pair_sets(whens: list[ClaimTime], keeps: Sequence[PairFilter],
                         chron: Chronology | None = None) -> list[list[tuple[int, int]]]:
    """For each of ``keeps``, the index pairs (i < j) of claims made about the same time that it accepts.

    Claims with a narrow date are scanned in start order and each is compared only with those starting
    within SAME_TIME_DAYS of its end; a claim with no narrow date only with claims of its own articles or of
    articles linked to them by a shared report. The ``keeps`` run first, on all of a claim's candidates at once
    (they only read figures and names); the time test then runs on what they kept.
    """
    n = len(whens)
    return [list(map(divmod, codes, repeat(n))) for codes in _same_time_codes(whens, keeps, chron)]


def _same_time_id_pairs(whens: list[ClaimTime], keeps: Sequence[PairFilter], chron: Chronology | None,
                        ids: Sequence[str]) -> list[list[list[str]]]:
    """_same_time_pair_sets with each pair (i, j) given as ``[ids[i], ids[j]]`` (an estimate's conflicts)."""
    n = len(whens)
    return [[[ids[k // n], ids[k % n]] for k in codes] for codes in _same_time_codes(whens, keeps, chron)]


def _same_time_codes(whens: list[ClaimTime], keeps: Sequence[PairFilter],
                     chron: Chronology | None) -> list[list[int]]:
    """_same_time_pair_sets with each pair (i, j) as the number i * len(whens) + j, in increasing order.

    The sweep over narrowly dated claims meets each of their pairs once (at the earlier claim), so its pairs are
    listed as they come; a pair with a loosely dated claim can be met in each group the two share, so those go
    through a set. No pair is of both kinds."""
    swept: list[list[int]] = [[] for _ in keeps]  # pair (i, j), i < j, as i * len(whens) + j: cheaper than tuples
    grouped: list[set[int]] = [set() for _ in keeps]
    window = timedelta(days=SAME_TIME_DAYS)
    is_narrow = [w.iv is not None and w.iv[1] - w.iv[0] <= _NARROW for w in whens]
    dated = sorted((w.iv[0], w.iv[1], i) for i, w in enumerate(whens) if is_narrow[i] and w.iv is not None)
    starts = [d[0] for d in dated]
    order = [d[2] for d in dated]
    coded = _same_time_coder(whens, chron)

    for n, (_, end, i) in enumerate(dated):
        stop = bisect_right(starts, end + window, n + 1)  # every later claim starts later still
        if stop > n + 1:
            js = order[n + 1:stop]
            for out, keep in zip(swept, keeps, strict=True):
                out += coded(i, keep(i, js))
    by_group: dict[Any, list[int]] = {}
    groups: dict[tuple[tuple[str, int, int], ...], set[tuple[str, Any]]] = {}  # _keys of each ``rel``, once
    for i, w in enumerate(whens):
        got = groups.get(w.rel)
        if got is None:
            got = groups[w.rel] = _keys(w, chron)
        for g in got:
            by_group.setdefault(g, []).append(i)
    for members in by_group.values():
        loose = [i for i in members if not is_narrow[i]]
        if not loose:
            continue  # two narrowly dated claims were compared by date above
        narrow = [j for j in members if is_narrow[j]]
        for n, i in enumerate(loose):
            js = loose[n + 1:] + narrow
            for found, keep in zip(grouped, keeps, strict=True):
                found.update(coded(i, keep(i, js)))  # met twice (two shared groups): tested twice, kept once
    for codes, more in zip(swept, grouped, strict=True):
        codes += more
        codes.sort()  # sorted numbers: sorted (i, j)
    return swept


def _interval(q: Quantity) -> tuple[str | None, float, float] | None:
    """Unit and closed bounds of a figure (open ends as infinities); None when it has no bound."""
    if q.low is None and q.high is None:
        return None
    return (q.unit or None, -math.inf if q.low is None else q.low, math.inf if q.high is None else q.high)


def _disjoint(a: tuple[str | None, float, float] | None, b: tuple[str | None, float, float] | None) -> bool:
    """Figures (as _interval gives them) that cannot both be true: both bounded, same unit, no common value."""
    return a is not None and b is not None and a[0] == b[0] and not (a[1] <= b[2] and b[1] <= a[2])


class _Parts(NamedTuple):
    """What _components_fit needs of one statement's killed and wounded figures."""

    low: float  # the lower bounds added up (an open one as 0)
    high: float | None  # the upper bounds added up when both are given and bounded, else None


def _parts(it: Casualty) -> _Parts:
    figs = [q for m in _COMPONENTS if (q := getattr(it, m)) is not None]
    highs = [q.high for q in figs]
    complete = len(figs) == len(_COMPONENTS) and all(h is not None for h in highs)
    return _Parts(sum(q.low if q.low is not None else 0 for q in figs), sum(highs) if complete else None)


def _components_fit(parts: _Parts, combined: Quantity) -> bool:
    """Killed and wounded figures of one statement can hold together with a killed-or-wounded figure."""
    if combined.high is not None and parts.low > combined.high:
        return False
    return not (parts.high is not None and combined.low is not None and combined.low > parts.high)


def _claim(values: dict[str, Any]) -> Claim:
    """``Claim.model_construct(**values)`` for ``values`` that give every field of a Claim in its order, without
    model_construct's look-ups per field (aliases, defaults): one claim per figure of every item
    (tests/test_merge_keys.py compares the two)."""
    claim = Claim.__new__(Claim)
    _set(claim, "__dict__", values)
    _set(claim, "__pydantic_fields_set__", set(values))
    _set(claim, "__pydantic_extra__", None)
    _set(claim, "__pydantic_private__", None)
    return claim


_set = object.__setattr__


def _estimate(side: str, measure: str, rows: list[tuple[Item, Quantity]], dates: _Dates,
              partial: set[str]) -> Estimate:
    chron = dates.chron
    whens = {it.id or "": dates.when(it) for it, _ in rows}
    claims = [  # built from validated items: no need to validate again
        _claim({"item_id": it.id or "", "figure": q, "claimant": it.claimant, "conduit": it.conduit,
                "date": (ref := dates.order(it)), "placed": _placed_ref(ref, whens[it.id or ""]),
                "sources": list(it.sources), "current": True})
        for it, q in rows
    ]
    by_claimant: dict[str, list[Claim]] = {}
    for c in claims:
        if c.claimant:
            by_claimant.setdefault(c.claimant, []).append(c)
    last_start: dict[str, date] = {}  # per claimant: the latest first day of any of its claims' ordering dates
    near: dict[tuple[str, Any], list[str]] = {}  # per claimant and group of linked articles: its claims
    groups: dict[tuple[tuple[str, int, int], ...], set[tuple[str, Any]]] = {}  # _keys of each ``rel``, once

    def keys(t: ClaimTime) -> set[tuple[str, Any]]:
        got = groups.get(t.rel)
        if got is None:
            got = groups[t.rel] = _keys(t, chron)
        return got

    for c in claims:
        t = whens[c.item_id]
        if c.claimant and t.order is not None:
            last_start[c.claimant] = max(last_start.get(c.claimant, t.order[0]), t.order[0])
        for k in keys(t) if c.claimant else ():
            near.setdefault((c.claimant or "", k), []).append(c.item_id)
    for c in claims:  # superseded: the same claimant surely said something later
        t = whens[c.item_id]
        if not c.claimant:
            continue
        later = t.order is not None and last_start[c.claimant] > t.order[1]
        if not later:
            others = {o for k in keys(t) for o in near.get((c.claimant, k), ()) if o != c.item_id}
            later = any(surely_before(t, whens[o], chron) for o in sorted(others))
        c.current = not later
    claims.sort(key=lambda c: (order_key(whens[c.item_id].order), c.claimant or "", c.item_id))
    series = []
    for name in sorted({c.claimant for c in claims if not c.current and c.claimant}):
        series.append([c.item_id for c in claims if c.claimant == name and whens[c.item_id].order is not None])
    who = [c.claimant for c in claims]
    bounds = [None if c.item_id in partial else _interval(c.figure) for c in claims]  # a partial count: never

    sharing: dict[str, set[int]] = {}
    for n, c in enumerate(claims):
        for s in c.sources:
            sharing.setdefault(s, set()).add(n)

    # each claim's bounds in flat lists, for the test that rejects most candidates (no bounds: checked after it)
    lows = [b[1] if b is not None else -math.inf for b in bounds]
    highs = [b[2] if b is not None else math.inf for b in bounds]
    unbounded = object()  # the unit of a claim with no bounds: equal to no unit (None is one)
    units = [b[0] if b is not None else unbounded for b in bounds]

    def conflict(i: int, js: list[int]) -> list[int]:  # different claimants, bounds with no common value
        wi, bi = who[i], bounds[i]
        if wi is None or bi is None:
            return []
        unit, lo, hi = bi  # _disjoint(bi, bounds[j]), written out: the bounds first (most candidates overlap)
        return [j for j in js if not (lo <= highs[j] and lows[j] <= hi) and (wj := who[j]) is not None
                and wj != wi and units[j] == unit]

    def agree(i: int, js: list[int]) -> list[int]:  # different claimants, side by side in one article, a common value
        wi, bi = who[i], bounds[i]
        if wi is None or bi is None:
            return []
        # the other named claimants' claims in i's articles: usually none, and then no candidate need be read
        near = {n for s in claims[i].sources for n in sharing[s] if (wn := who[n]) is not None and wn != wi}
        if not near:
            return []
        return [j for j in js if j in near and (bj := bounds[j]) is not None and not _disjoint(bi, bj)]

    conflicts, corroborations = _same_time_id_pairs([whens[c.item_id] for c in claims], [conflict, agree], chron,
                                                    [c.item_id for c in claims])
    current = [c for c in claims if c.current and c.item_id not in partial]  # a partial count is no total
    bounded = [c.figure for c in current if c.figure.low is not None or c.figure.high is not None]
    low = None if not bounded or any(q.low is None for q in bounded) else min(q.low for q in bounded)  # type: ignore[type-var]
    high = None if not bounded or any(q.high is None for q in bounded) else max(q.high for q in bounded)  # type: ignore[type-var]
    # built from validated parts: validating again would copy every pair (a million of them for 40k items)
    return Estimate.model_construct(key=f"{side.lower()}:{measure}", side=side, measure=measure, claims=claims,
                                    series=series, conflicts=conflicts, corroborations=corroborations, low=low,
                                    high=high, rule=ESTIMATE_RULE)


def _partial_counts(items: list[Casualty], dates: _Dates) -> set[str]:
    """Killed-or-wounded figures below what the same claimant says of killed and wounded at the same time.

    Such a figure counts a part ("several casualties, including high-ranking officials"), not the
    total, so it takes no part in conflicts; it is still listed.
    """
    by_claimant: dict[str, list[tuple[ClaimTime, _Parts]]] = {}
    for p in items:
        if p.claimant and (p.killed is not None or p.wounded is not None):
            by_claimant.setdefault(p.claimant, []).append((dates.when(p), _parts(p)))
    out: set[str] = set()
    for c in items:
        if c.killed_or_wounded is None or not c.claimant:
            continue
        when = dates.when(c)
        if any(not _components_fit(parts, c.killed_or_wounded) and same_time(when, w, dates.chron)
               for w, parts in by_claimant.get(c.claimant, ())):  # the cheap test first: both are pure
            out.add(c.id or "")
    return out


def _related(side: str, items: list[Casualty], by_key: dict[tuple[str, str], Estimate], partial: set[str],
             dates: _Dates) -> Estimate | None:
    """Killed and wounded figures of one claimant against another's killed-or-wounded figure, same time."""
    s = side.lower()
    combined = [it for it in items if it.killed_or_wounded is not None and it.id not in partial]
    parts = [it for it in items if it.killed is not None or it.wounded is not None]
    if not combined or not parts:
        return None
    pool = combined + parts
    n = len(combined)
    facts = [_parts(p) for p in parts]
    who = [it.claimant for it in pool]
    ids = [it.id for it in pool]
    # not _components_fit(parts, combined) is (parts low > combined high) or (combined low > parts high)
    c_low = [it.killed_or_wounded.low for it in combined]  # type: ignore[union-attr]
    c_high = [it.killed_or_wounded.high for it in combined]  # type: ignore[union-attr]
    p_low = [f.low for f in facts]
    p_high = [f.high for f in facts]

    def conflict(i: int, js: list[int]) -> list[int]:  # a combined figure (index < n) and a statement's parts
        wi, idi = who[i], ids[i]
        if wi is None:
            return []
        if i < n:
            low, high = c_low[i], c_high[i]
            return [j for j in js if j >= n and (wj := who[j]) is not None and wj != wi and ids[j] != idi
                    and ((high is not None and p_low[j - n] > high)
                         or (low is not None and (h := p_high[j - n]) is not None and low > h))]
        plow, phigh = p_low[i - n], p_high[i - n]
        return [j for j in js if j < n and (wj := who[j]) is not None and wj != wi and ids[j] != idi
                and (((h := c_high[j]) is not None and plow > h)
                     or (phigh is not None and (low := c_low[j]) is not None and low > phigh))]

    codes = _same_time_codes([dates.when(it) for it in pool], [conflict], dates.chron)[0]
    if not codes:
        return None
    names = [x or "" for x in ids]
    size = len(pool)
    involved = {names[i] for i in {*map(floordiv, codes, repeat(size)), *map(mod, codes, repeat(size))}}
    claims = [cl for m in (*_COMPONENTS, "killed_or_wounded") if (e := by_key.get((s, m)))
              for cl in e.claims if cl.item_id in involved]
    claims.sort(key=lambda c: (date_key(c.date), c.claimant or "", c.item_id))
    return Estimate.model_construct(key=f"{s}:{RELATED}", side=side, measure=RELATED, claims=claims,
                                    conflicts=_in_claim_order(codes, names, [c.item_id for c in claims]),
                                    rule=RELATED_RULE)


def _in_claim_order(codes: list[int], names: list[str], claim_ids: list[str]) -> list[list[str]]:
    """The pairs ``[names[i], names[j]]`` of ``codes`` (i * len(names) + j), each once, its earlier claim first, in
    claim order: an id's place is its first in ``claim_ids`` (distinct ids have distinct places: no ties). On
    numbers, a pair as (first place, second place); tests/test_estimates_pairs.py compares it with the same on
    (place, id) tuples."""
    size, m = len(names), len(claim_ids)
    places: dict[str, int] = {}
    for n, c in enumerate(claim_ids):
        places.setdefault(c, n)
    firsts = [places[names[i]] for i in map(floordiv, codes, repeat(size))]
    seconds = [places[names[j]] for j in map(mod, codes, repeat(size))]
    ranked = set(map(add, map(mul, map(min, firsts, seconds), repeat(m)), map(max, firsts, seconds)))
    return [[claim_ids[k // m], claim_ids[k % m]] for k in sorted(ranked)]


def build_estimates(sections: dict[str, list[Item]], published: dict[str, date | None],
                    chron: Chronology | None = None, members: dict[str, list[Member]] | None = None) -> list[Estimate]:
    """Per (side, measure): casualty measures, and deployment sizes under their status ("deployed").

    A side whose killed or wounded figures and killed-or-wounded figures disagree across claimants
    also gets a "<side>:related_measures" estimate holding only those conflicts.
    """
    groups: dict[tuple[str, str], list[tuple[Item, Quantity]]] = {}
    names: dict[str, set[str]] = {}
    by_side: dict[str, list[Casualty]] = {}
    for s in SECTIONS:
        for it in sections[s]:
            if isinstance(it, Casualty):  # killed and wounded against killed-or-wounded: see _related
                by_side.setdefault(it.side.lower(), []).append(it)
            for side, measure, q in it.measures():
                groups.setdefault((side.lower(), measure), []).append((it, q))
                names.setdefault(side.lower(), set()).add(side)
    dates = _Dates(published, chron, members or {})
    partial = {i for items in by_side.values() for i in _partial_counts(items, dates)}
    by_key = {(s, m): _estimate(min(names[s]), m, rows, dates, partial) for (s, m), rows in sorted(groups.items())}
    related = [r for s, items in sorted(by_side.items())
               if (r := _related(min(names[s]), items, by_key, partial, dates))]
    return sorted([*by_key.values(), *related], key=lambda e: (e.side.lower(), e.measure))


_TIMELINE_SPAN = 62
"""A recovered date wider than this many days places nothing on the timeline (stated dates always do)."""


def _placed(ref: DateRef | None) -> tuple[date, date] | None:
    iv = date_interval(ref)
    if iv is None or ref is None:
        return None
    if ref.source == "published" and not ref.text:
        return None  # dated only by its article: a report, not an event with a date of its own
    if ref.source not in (None, "stated") and (iv[1] - iv[0]).days > _TIMELINE_SPAN:
        return None  # "2023-12 to 2024-12": known to be in that span, not a point on a timeline
    return iv


def timeline(sections: dict[str, list[Item]]) -> list[TimelineEntry]:
    """Every dated item (its period, else claimed) by start date, then section, then id; a date the pipeline
    recovered only as a wide interval, or only from its article's date, does not place an item."""
    out: list[tuple[tuple[Any, ...], TimelineEntry]] = []
    for s in SECTIONS:
        for it in sections[s]:
            ref = it.period if _placed(it.period) is not None else it.claimed
            iv = _placed(ref)
            if ref is None or iv is None:
                continue
            entry = TimelineEntry(date=ref, section=s, item_id=it.id or "", summary=it.statement())
            out.append(((iv[0], SECTIONS.index(s), it.id), entry))
    return [e for _, e in sorted(out, key=lambda p: p[0])]
