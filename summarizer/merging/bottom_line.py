"""The bottom line: three to six sentences at the top of a briefing, built only from verified items.

Without a model the sentences come from templates over the estimates: the direction of each claimant's
series, the latest figure of each main claimant with the spread between them, and the sharpest conflict.
A model may write them instead (``model_bottom_line``), but a sentence survives only if every number in it
belongs to an item it cites (:func:`check_sentence`); otherwise it is dropped, and if too few remain the
templates are used. Pure apart from the model call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import compress
from operator import add, itemgetter

from ..core.dates import date_interval
from ..core.numbers import find_figures, parse_quantity, same_figure
from ..core.schema import (
    BottomLineSentence,
    Briefing,
    Claim,
    DateRef,
    Estimate,
    Item,
    Quantity,
)

__all__ = ["MAX_SENTENCES", "MIN_SENTENCES", "check_sentence", "template_bottom_line", "when_words"]

MIN_SENTENCES, MAX_SENTENCES = 3, 6
_MAIN_CLAIMANTS = 4  # latest figures listed per measure; the rest are counted
_MEASURE_WORDS = {"killed_or_wounded": "killed or wounded"}
_CASUALTY_ORDER = ("killed", "killed_or_wounded", "wounded", "captured", "missing")


# ---------------------------------------------------------------- wording


def when_words(ref: DateRef | None) -> str | None:
    """A date as short words: "2025-04-30", "2024-12", "between 2024-08 and 2025-08"; None when undated."""
    if ref is None or not ref.start:
        return None
    if ref.end and ref.end != ref.start:
        return f"between {ref.start} and {ref.end}"
    return ref.start


def _narrow(ref: DateRef | None) -> bool:
    iv = date_interval(ref)
    return iv is not None and (iv[1] - iv[0]).days <= 62


def _claimwhen_words(c: Claim, item: Item | None) -> str | None:
    """When a claim was made: its date, with the period it reports when the date is only known loosely."""
    period = item.period if item is not None else None
    when = when_words(c.date)
    if not _narrow(c.date) and period is not None and (period.text or period.start):
        about = f"about “{period.text}”" if period.text else f"about {when_words(period)}"
        return f"{about}, reported {when}" if when else about
    return when


def _who(c: Claim) -> str:
    return c.claimant or "an unattributed report"


def _fig(q: Quantity) -> str:
    return f"“{q.text}”"


def _rep(q: Quantity) -> float:
    """A number to order figures by (never shown): the lower bound, else the upper bound."""
    v = q.low if q.low is not None else q.high
    return float(v) if v is not None else 0.0


def _measure(e: Estimate) -> str:
    return f"{e.side} {_MEASURE_WORDS.get(e.measure, e.measure)}"


def _sentence(text: str, claims: Sequence[Claim]) -> BottomLineSentence:
    ids = sorted({c.item_id for c in claims})
    sources = sorted({s for c in claims for s in c.sources})
    return BottomLineSentence(text=text, items=ids, sources=sources, written_by="template")


# ---------------------------------------------------------------- templates


def _series_sentence(e: Estimate, ids: list[str], items: dict[str, Item]) -> BottomLineSentence | None:
    by_id = {c.item_id: c for c in e.claims}
    steps = [by_id[i] for i in ids if i in by_id]
    if len(steps) < 2:
        return None
    first, last = steps[0], steps[-1]
    verb = _direction(first.figure, last.figure)
    a, z = _claimwhen_words(first, items.get(first.item_id)), _claimwhen_words(last, items.get(last.item_id))
    text = (f"{_who(first)} {verb} its count of {_measure(e)} from {_fig(first.figure)}"
            + (f" ({a})" if a else "") + f" to {_fig(last.figure)}" + (f" ({z})" if z else "") + ".")
    return _sentence(text, steps)


def _direction(a: Quantity, b: Quantity) -> str:
    """"raised" when the later figure lies wholly above the earlier one (an open upper end: above its lower
    bound), "lowered" when wholly below it, else "revised". Only bounds are compared; nothing is computed."""
    up = (b.low is not None and ((a.high is not None and b.low > a.high)
                                 or (a.high is None and a.low is not None and b.low > a.low)))
    down = (b.high is not None and ((a.low is not None and b.high < a.low)
                                    or (a.low is None and a.high is not None and b.high < a.high)))
    return "raised" if up else "lowered" if down else "revised"


def _spread_sentence(e: Estimate) -> BottomLineSentence | None:
    current = [c for c in e.claims if c.current and c.claimant]
    latest: dict[str, Claim] = {}
    for c in current:  # claims are in date order: the last one of each claimant is its latest
        latest[c.claimant or ""] = c
    if len(latest) < 2:
        return None
    ranked = sorted(latest.values(), key=lambda c: (-len(c.sources), -_date_rank(c.date), c.claimant or ""))
    main = ranked[:_MAIN_CLAIMANTS]
    listed = "; ".join(f"{_fig(c.figure)} ({_who(c)}" + (f", {w}" if (w := when_words(c.date)) else "") + ")"
                       for c in sorted(main, key=lambda c: (_rep(c.figure), c.item_id)))
    low = min(latest.values(), key=lambda c: (_rep(c.figure), c.item_id))
    high = max(latest.values(), key=lambda c: (_rep(c.figure), c.item_id))
    more = len(latest) > len(main)  # counted in words: a sentence states no number that is not a figure
    text = (f"On {_measure(e)}, the latest figures of {'the main' if more else 'each'} claimant{'s' if more else ''}: "
            f"{listed}" + ("; others are in the estimates" if more else "")
            + f". They run from {_fig(low.figure)} ({_who(low)}) to {_fig(high.figure)} ({_who(high)}).")
    return _sentence(text, [*main, low, high])


def _date_rank(ref: DateRef | None) -> int:
    iv = date_interval(ref)
    return iv[1].toordinal() if iv is not None else 0


def _figures_of(item: Item | None, fallback: Claim) -> str:
    """An item's casualty figures with their measures ("“at least 100” killed and “1,000” wounded")."""
    figs = item.figures() if item is not None else {}
    if not figs:
        return _fig(fallback.figure)
    return " and ".join(f"{_fig(q)} {_MEASURE_WORDS.get(m, m)}" for m, q in figs.items())


def _most_sourced_pair(pairs: list[list[str]], n: dict[str, int]) -> tuple[str, str] | None:
    """Of the pairs whose first two ids are both in ``n`` (sources per claim), the one with the most sources, then
    the highest ids: ``max((n[x] + n[y], x, y))``. There can be a million pairs: when every pair is two ids of
    ``n`` (an estimate's own conflicts), the sums are taken by map() and the highest ids only among the pairs
    with the highest sum; otherwise in one pass written out."""
    if pairs and all(map((2).__eq__, map(len, pairs))):
        xs, ys = list(map(itemgetter(0), pairs)), list(map(itemgetter(1), pairs))
        try:
            sums = list(map(add, map(n.__getitem__, xs), map(n.__getitem__, ys)))
        except KeyError:
            pass  # an id without a count: the pass below skips that pair
        else:
            top = max(sums)
            return max(compress(zip(xs, ys, strict=True), map(top.__eq__, sums)))
    most, best = -1, ("", "")
    for p in pairs:
        if len(p) < 2:
            continue
        x, y = p[0], p[1]
        nx, ny = n.get(x), n.get(y)
        if nx is None or ny is None:
            continue
        if nx + ny > most:
            most, best = nx + ny, (x, y)
        elif nx + ny == most and (x, y) > best:
            best = (x, y)
    return best if most >= 0 else None


def _conflict_sentence(e: Estimate, items: dict[str, Item]) -> BottomLineSentence | None:
    by_id = {c.item_id: c for c in e.claims}
    pick = _most_sourced_pair(e.conflicts, {c.item_id: len(c.sources) for c in e.claims})
    if pick is None:
        return None
    a, b = by_id[pick[0]], by_id[pick[1]]
    what = "their figures" if e.measure == "related_measures" else _measure(e)
    text = (f"{_who(a)} and {_who(b)} disagree on {what} at about the same time: {_fig(a.figure)} against "
            f"{_fig(b.figure)}; both are shown, neither is averaged.")
    if e.measure == "related_measures":
        text = (f"{_who(a)}'s {_figures_of(items.get(a.item_id), a)} and {_who(b)}'s "
                f"{_figures_of(items.get(b.item_id), b)} ({e.side}, about the same time) cannot both hold.")
    return _sentence(text, [a, b])


def _item_sentence(section: str, item: Item) -> BottomLineSentence:
    when = when_words(item.period if _narrow(item.period) else item.claimed)
    text = item.statement() + (f" ({when})" if when else "") + "."
    return BottomLineSentence(text=text, items=[item.id or ""], sources=list(item.sources), written_by="template")


def template_bottom_line(b: Briefing) -> list[BottomLineSentence]:
    """Three to six sentences from the estimates (series, spread, a conflict), topped up with the most reported
    items when there are too few estimates; none for an empty briefing."""
    items: dict[str, Item] = {it.id: it for _, it in b.items() if it.id}
    order = sorted(b.estimates, key=lambda e: (
        e.measure not in _CASUALTY_ORDER, _CASUALTY_ORDER.index(e.measure) if e.measure in _CASUALTY_ORDER else 9,
        -len(e.claims), e.side.lower(), e.measure))
    out: list[BottomLineSentence] = []
    seen_series: set[tuple[str, ...]] = set()
    for e in order:  # the direction of each series, once per set of items (killed and wounded share one)
        for ids in e.series:
            if tuple(ids) not in seen_series and (s := _series_sentence(e, ids, items)):
                seen_series.add(tuple(ids))
                out.append(s)
    for e in order:
        if e.measure != "related_measures" and (s := _spread_sentence(e)):
            out.append(s)
    conflicts = [s for e in order if (s := _conflict_sentence(e, items))]
    related = [s for s in conflicts if s.text.endswith("cannot both hold.")]
    out = out[: MAX_SENTENCES - 1] + (related[:1] or conflicts[:1])
    if len(out) < MIN_SENTENCES:
        cited = {i for s in out for i in s.items}
        extra = sorted(((sec, it) for sec, it in b.items() if it.id and it.id not in cited and it.figures()),
                       key=lambda p: (-len(p[1].sources), p[0], p[1].id or ""))
        out += [_item_sentence(sec, it) for sec, it in extra[: MIN_SENTENCES - len(out)]]
    return out[:MAX_SENTENCES]


# ---------------------------------------------------------------- checking a written sentence

_DIGITS = re.compile(r"\d+")
_ID_REF = re.compile(r"\[[0-9a-f]{6,16}\]")


def _date_tokens(ref: DateRef | None) -> set[str]:
    if ref is None:
        return set()
    out = set(_DIGITS.findall(" ".join(x for x in (ref.text, ref.start, ref.end) if x)))
    iv = date_interval(ref)
    if iv is not None:
        out |= {str(y) for y in range(iv[0].year, iv[1].year + 1)}
        for d in iv:
            out |= {str(d.month), f"{d.month:02d}", str(d.day), f"{d.day:02d}"}
    return out


def _quantities(item: Item) -> list[Quantity]:
    qs = list(item.figures().values())
    return qs + [e for q in qs for e in q.equivalents]


def check_sentence(text: str, cited: Sequence[str], items: dict[str, Item]) -> str | None:
    """Why a written sentence must be dropped, or None when every number in it belongs to an item it cites.

    A figure ("about 600", "several hundred") must state the same number as a figure of a cited item; any
    other digits (years, days) must appear in a cited item's figures or dates.
    """
    if not cited:
        return "it cites no item"
    unknown = [i for i in cited if i not in items]
    if unknown:
        return f"it cites {', '.join(unknown)}, which the briefing does not hold"
    own = [q for i in cited for q in _quantities(items[i])]
    parsed = [f for q in own if (f := parse_quantity(q.text)) is not None]
    body = _ID_REF.sub(" ", text)
    allowed = {t for i in cited for ref in (items[i].claimed, items[i].period) for t in _date_tokens(ref)}
    allowed |= {t for q in own for t in _DIGITS.findall(q.text)}
    covered = []
    for f in find_figures(body):
        if f.year_like:
            continue
        if not any(same_figure(f, g) for g in parsed):
            return f"“{f.text}” is not a figure of the items it cites"
        covered.append((f.start, f.end))
    rest = "".join(" " if any(a <= i < z for a, z in covered) else ch for i, ch in enumerate(body))
    stray = [t for t in _DIGITS.findall(rest) if t not in allowed]
    if stray:
        return f"the number {stray[0]} is not in the items it cites"
    return None
