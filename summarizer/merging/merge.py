"""Many articles' extractions -> one briefing: duplicates joined, estimates side by side, a timeline.

Pure and deterministic: the output depends only on the *content* of the inputs (never their
order), and merging a briefing's own items again gives the same items (see docs/readme/merging.md).
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, get_args

from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from rapidfuzz import fuzz

from ..core.dates import MONTH_NAMES, date_interval, date_key
from ..core.errors import BriefError
from ..core.numbers import Figure, overlaps, parse_quantity
from ..core.runinfo import all_instructions, all_rejected, total_usage
from ..core.schema import (
    SECTIONS,
    Article,
    ArticleExtraction,
    Briefing,
    DateRef,
    Evidence,
    Item,
    Quantity,
    RunInfo,
    Source,
)
from ..reading.entities import Canonicalizer, key
from .bottom_line import template_bottom_line
from .dating import ArticleDate, Chronology, Member, article_date, recover, words_of
from .estimates import SAME_TIME_DAYS, build_estimates, timeline

__all__ = ["SAME_TIME_DAYS", "MergeError", "briefing_as_extraction", "date_interval", "merge"]

# Qualifiers of one class may describe the same figure when their bounds overlap.
QUALIFIER_CLASS = {
    "exact": "exact", "about": "about", "range": "range", "vague": "vague",
    "at_least": "lower", "more_than": "lower", "up_to": "upper", "fewer_than": "upper",
}
_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")
_PRECISION_RANK = {"day": 4, "week": 3, "month": 2, "year": 1, "unknown": 0}


class MergeError(BriefError):
    """The extractions and articles given to merge() do not belong together."""


# ---- merging duplicates ------------------------------------------------------------------


class _Fig(NamedTuple):
    """A figure as duplicate detection compares it."""

    unit: str | None
    qualifier: str | None
    cls: str | None  # QUALIFIER_CLASS of the qualifier
    low: float | None
    high: float | None
    stated: tuple[float, ...] | None
    text: str  # key of the text, for figures the parser could not read


def _fig(q: Quantity) -> _Fig:
    return _Fig(q.unit or None, q.qualifier, QUALIFIER_CLASS.get(q.qualifier or ""), q.low, q.high, _stated(q),
                key(q.text) if q.qualifier is None else "")


@dataclass(slots=True)
class _Entry:
    """One item in canonical form, with what comparisons need precomputed."""

    section: str
    item: Item
    block: tuple[Any, ...]
    claimant: str | None
    conduit: str | None
    figs: dict[str, Quantity]
    sigs: tuple[_Fig, ...]  # the figures in key order, as comparisons need them
    claimed: tuple[date, date] | None
    period: tuple[date, date] | None
    content: str  # JSON without evidence/sources/variants/id: picks the displayed member
    full: tuple[str, _Rest]  # content, then sources, quotes, spellings and reports: the processing order
    event: bool = False  # a reported event (diplomacy): undated, it is matched by its words
    words: str = ""  # an event: the key of its words
    when_words: str = ""  # an event: the period's words when they name a month or year
    cmp: tuple[Any, ...] = ()  # everything _compatible reads: entries with equal ``cmp`` compare alike
    keyed: tuple[bool, list[tuple[Any, ...]], list[tuple[Any, ...]]] | None = None  # _keys' last answer
    buckets: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None  # _fig_buckets of the first figure, if any


class _Rest:
    """The tail of an entry's processing order: its sources, quotes, spellings and reports, worked out only when
    two entries of equal content are compared (most never are). Compares as the tuple it stands for."""

    __slots__ = ("_parts", "_head", "_key")

    def __init__(self, sources: list[str], evidence: list[Evidence], variants: list[str],
                 reports: dict[str, list[DateRef | None]]) -> None:
        self._parts: tuple[Any, ...] | None = (sources, evidence, variants, reports)
        self._head: tuple[Any, ...] | None = None
        self._key: tuple[Any, ...] = ()

    def head(self) -> tuple[Any, ...]:
        """The first three parts of the key (sources, quotes, spellings): the reports' JSON, the costly part, only
        orders entries whose heads are equal."""
        if self._head is None:
            if self._parts is None:
                self._head = self._key[:3]
            else:
                sources, evidence, variants, _ = self._parts
                self._head = (tuple(sources), tuple(_evidence_key(ev) for ev in evidence), tuple(variants))
        return self._head

    def key(self) -> tuple[Any, ...]:
        if self._parts is not None:
            self._key = (*self.head(), json.dumps(_reports_json(self._parts[3]), sort_keys=True))
            self._parts = None
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rest) and self.key() == other.key()

    def __lt__(self, other: _Rest) -> bool:
        return self.key() < other.key()

    __hash__ = None  # type: ignore[assignment]  # mutable cache inside: compared, never hashed


# Not part of what an item says: where it comes from, and verification's record (so ids stay stable).
_NOT_CONTENT = {"evidence", "sources", "variants", "id", "verification", "verification_notes", "reports"}


def _verification(items: Sequence[Item], claimant: str | None) -> dict[str, Any]:
    """Status of an item made of ``items``: corrected if any was, else unattributed without a claimant."""
    if len(items) == 1:  # each item as it comes (_canonical_item): the same, without the generators
        v = items[0].verification
        if v is None:
            return {}
        return {"verification": "corrected" if v == "corrected" else "unattributed" if claimant is None
                else "verified", "verification_notes": list(dict.fromkeys(items[0].verification_notes))}
    if all(it.verification is None for it in items):
        return {}
    notes = list(dict.fromkeys(n for it in items for n in it.verification_notes))
    status = ("corrected" if any(it.verification == "corrected" for it in items)
              else "unattributed" if claimant is None else "verified")
    return {"verification": status, "verification_notes": notes}


def _dump(item: Item, exclude: set[str] | None = None) -> str:
    return item.model_dump_json(exclude=exclude)


@lru_cache(maxsize=65536)
def _parsed(text: str) -> Figure | None:
    return parse_quantity(text)


def _entry(section: str, item: Item, seen: _Seen | None = None) -> _Entry:
    """``seen``: what was worked out for the figures of the section's entries so far."""
    figs = item.comparable_figures(key)
    content = _dump(item, _NOT_CONTENT)
    words = item.event_words()
    names = sorted(figs)
    e = _Entry(
        section=section,
        item=item,
        block=(section, *item.block_key(), tuple(names)),
        claimant=item.claimant,
        conduit=item.conduit,
        figs=figs,
        sigs=tuple(_fig(figs[k]) if seen is None else seen.fig(figs[k]) for k in names),
        claimed=date_interval(item.claimed),
        period=date_interval(item.period),
        content=content,
        full=(content, _Rest(item.sources, item.evidence, item.variants, item.reports)),
        event=words is not None,
        words=key(words) if words is not None else "",
        when_words=_absolute_words(item.period) if words is not None else "",
    )
    e.cmp = (e.claimed, e.period, e.claimant, e.conduit, frozenset(figs), e.sigs, e.words, e.when_words)
    e.buckets = (None if not e.sigs else _fig_buckets(e.sigs[0]) if seen is None else seen.buckets(e.sigs[0]))
    return e


class _Seen:
    """What _entry worked out for the figures of one section's entries so far: each figure's _Fig, by identity
    (shared figures, see _Shared, come back many times), and the buckets of each _Fig."""

    __slots__ = ("_figs", "_buckets")

    def __init__(self) -> None:
        self._figs: dict[int, tuple[Quantity, _Fig]] = {}
        self._buckets: dict[_Fig, tuple[tuple[Any, ...], tuple[Any, ...]] | None] = {}

    def fig(self, q: Quantity) -> _Fig:
        hit = self._figs.get(id(q))
        if hit is None or hit[0] is not q:  # kept with its figure: an id is only reused once its object is gone
            hit = self._figs[id(q)] = (q, _fig(q))
        return hit[1]

    def buckets(self, f: _Fig) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
        """_fig_buckets(f): equal figures have equal buckets (1 and 1.0 too: the same logarithm)."""
        if f in self._buckets:
            return self._buckets[f]
        got = self._buckets[f] = _fig_buckets(f)
        return got


def _stated(q: Quantity) -> tuple[float, ...] | None:
    """The number(s) a figure states, from its bounds where they tell, else from the parser."""
    if q.qualifier in ("exact", "at_least", "more_than") and q.low is not None:
        return (q.low,)
    if q.qualifier in ("up_to", "fewer_than") and q.high is not None:
        return (q.high,)
    if q.qualifier == "range" and q.low is not None and q.high is not None:
        return (q.low, q.high)
    fig = _parsed(q.text)
    return fig.stated if fig is not None and fig.stated else None


def _figure_ok(a: _Fig, b: _Fig) -> bool:
    """The same stated number(s) ("nearly 1,000" and "1,000"), or, for vague words with no number, overlapping
    bounds of the same qualifier class. Overlapping bounds alone never merge numbers: "at least 1" and
    "at least 2" are two statements, and merging them would credit an article with a figure it never gave."""
    if a.unit != b.unit:
        return False
    if a.qualifier is None or b.qualifier is None:
        return a.text == b.text
    sa, sb = a.stated, b.stated
    if sa and sb:
        return any(abs(x - y) <= 0.005 * max(abs(x), abs(y), 1) for x in sa for y in sb)
    if not sa and not sb:
        return a.cls == b.cls and overlaps((a.low, a.high), (b.low, b.high))
    return False


def _identical(a: _Entry, b: _Entry) -> bool:
    return a.figs.keys() == b.figs.keys() and all(
        (x.qualifier, x.low, x.high, x.unit, x.text) == (y.qualifier, y.low, y.high, y.unit, y.text)
        for x, y in zip(a.sigs, b.sigs, strict=True))


def _actors_ok(a: _Entry, b: _Entry) -> bool:
    """Same claimant (and not two different named conduits); an unknown claimant only with the same conduit
    or an identical figure."""
    if a.claimant and b.claimant:
        return a.claimant == b.claimant and (not a.conduit or not b.conduit or a.conduit == b.conduit)
    if a.conduit and b.conduit and a.conduit == b.conduit:
        return True
    return a.claimant is None and b.claimant is None and a.conduit is None and b.conduit is None and _identical(a, b)


def _compatible(a: _Entry, b: _Entry) -> bool:
    """Two entries of one block (see _cluster) are the same claim."""
    x, y = a.claimed, b.claimed  # dates_compatible, written out (the clustering asks this most)
    if x is not None and y is not None and (x[0] > y[1] or y[0] > x[1]):
        return False
    x, y = a.period, b.period
    if x is not None and y is not None and (x[0] > y[1] or y[0] > x[1]):
        return False
    if not _actors_ok(a, b):
        return False
    for f, g in zip(a.sigs, b.sigs, strict=True):
        if not _figure_ok(f, g):
            return False
    if a.event and (a.period is None or b.period is None):
        if a.when_words and a.when_words == b.when_words:  # "In June" in both, year unknown: the same stated date
            return True
        return fuzz.token_set_ratio(a.words, b.words) >= 85
    return True


_MONTHS = frozenset(m.lower() for m in MONTH_NAMES)


def _absolute_words(ref: DateRef | None) -> str:
    """The key of a date's words when they name a month or a year ("In June"), else "" ("on Monday")."""
    words = key(ref.text or "") if ref is not None else ""
    return words if any(w in _MONTHS or (w.isdigit() and len(w) == 4) for w in words.split()) else ""


_FAR_PAST, _FAR_FUTURE = date.min, date.max


_LOG_STEP = 0.01
"""Width of a figure bucket in log space: twice the 0.5% tolerance of _figure_ok (ln(1/0.995) < 0.00502)."""


def _fig_buckets(f: _Fig) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """Buckets a figure is filed under, and those to look in: two figures that _figure_ok accepts always share
    one. None when a figure cannot be bucketed (an empty unread text, a non-finite number)."""
    if f.qualifier is None:
        b = (f.unit, "text", f.text)
        return ((b,), (b,)) if f.text else None
    if not f.stated:
        vague = (f.unit, "vague", f.cls)
        return (vague,), (vague,)
    own: list[Any] = []
    look: list[Any] = []
    for x in f.stated:
        if not math.isfinite(x):
            return None
        if x < 3:  # small, zero or negative: one bucket (numbers close to a number >= 3 are > 2.98)
            own.append((f.unit, "small"))
            look.append((f.unit, "small"))
        if x > 2:  # x and y within 0.5% of each other: |ln x - ln y| < _LOG_STEP, so neighbouring buckets
            k = math.floor(math.log(x) / _LOG_STEP)
            own.append((f.unit, k))
            look += [(f.unit, k - 1), (f.unit, k), (f.unit, k + 1)]
    return tuple(own), tuple(look)


def _keys(e: _Entry, by_figure: bool) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Index keys an entry is filed under and those it looks in: the block, the claimant or conduit (unattributed
    items: an identical figure) and, with ``by_figure``, the bucket of the first figure. Two compatible entries
    share a key."""
    if e.keyed is not None and e.keyed[0] == by_figure:  # a later pass over the same entry
        return e.keyed[1], e.keyed[2]
    if e.claimant is None and e.conduit is None:  # merges only with an identical unattributed figure
        actors: list[tuple[Any, ...]] = [("anonymous", tuple((x.qualifier, x.low, x.high, x.unit, x.text)
                                                              for x in e.sigs))]
    else:
        actors = [("claimant", e.claimant)] + ([("conduit", e.conduit)] if e.conduit else [])
    own: tuple[Any, ...] = ((),)
    look: tuple[Any, ...] = ((),)
    if by_figure and e.sigs:
        buckets = e.buckets
        assert buckets is not None  # by_figure: every first figure has buckets
        own, look = buckets
    keys = ([(e.block, *a, b) for a in actors for b in dict.fromkeys(own)],
            [(e.block, *a, b) for a in actors for b in dict.fromkeys(look)])
    e.keyed = (by_figure, *keys)
    return keys


def _cluster(entries: list[_Entry], fresh: Sequence[_Entry] | None = None) -> list[list[_Entry]]:
    """Greedy complete linkage in content order, looking only at clusters that share an index key (see _keys).

    Each cluster keeps the latest first day and the earliest last day of its members' dated ``claimed`` and
    ``period``: an entry whose dates miss that window cannot fit every member, so it is not compared one by one.
    Members that look alike to _compatible (same ``cmp``) are compared once.

    ``fresh``: the entries of ``entries`` that the previous pass combined, when ``entries`` is that pass's output
    in its order (every other entry was alone in its cluster). Two such lone entries are not compatible (the later
    one would have joined the other), so an entry sharing no key with a fresh one stays alone, and the rest cluster
    as they would among all: only they are clustered again (tests/test_merge_blocking.py compares the two).
    """
    by_figure = all(e.buckets is not None for e in entries if e.sigs)
    if fresh is None:
        return _greedy(entries, by_figure)
    keys = [_keys(e, by_figure) for e in entries]
    new = {id(e) for e in fresh}
    new_own: set[tuple[Any, ...]] = set()
    new_look: set[tuple[Any, ...]] = set()
    for e, (own, look) in zip(entries, keys, strict=True):
        if id(e) in new:
            new_own.update(own)
            new_look.update(look)
    touched = [id(e) in new or not new_look.isdisjoint(own) or not new_own.isdisjoint(look)
               for e, (own, look) in zip(entries, keys, strict=True)]
    place = {id(e): n for n, e in enumerate(entries)}
    clusters = _greedy([e for e, t in zip(entries, touched, strict=True) if t], by_figure)
    clusters += [[e] for e, t in zip(entries, touched, strict=True) if not t]
    clusters.sort(key=lambda cl: place[id(cl[0])])
    return _in_full_order(clusters, _first)  # by (full, place): the order _greedy(entries) makes them


def _greedy(entries: list[_Entry], by_figure: bool) -> list[list[_Entry]]:
    """_cluster over all ``entries``, in content order (ties: their order in ``entries``)."""
    clusters: list[list[_Entry]] = []
    kinds: list[dict[tuple[Any, ...], _Entry]] = []  # per cluster: one member for each distinct ``cmp``
    windows: list[list[date]] = []  # per cluster: claimed max start, min end; period max start, min end
    index: dict[tuple[Any, ...], set[int]] = {}
    for e in _in_full_order(entries, _itself):
        own, look = _keys(e, by_figure)
        candidates = sorted({ci for k in look for ci in index.get(k, ())})
        for ci in candidates:
            w = windows[ci]
            if e.claimed is not None and (e.claimed[1] < w[0] or e.claimed[0] > w[1]):
                continue
            if e.period is not None and (e.period[1] < w[2] or e.period[0] > w[3]):
                continue
            if all(_compatible(e, m) for m in kinds[ci].values()):
                break
        else:
            ci = len(clusters)
            clusters.append([])
            kinds.append({})
            windows.append([_FAR_PAST, _FAR_FUTURE, _FAR_PAST, _FAR_FUTURE])
        clusters[ci].append(e)
        kinds[ci].setdefault(e.cmp, e)
        w = windows[ci]
        if e.claimed is not None:
            w[0], w[1] = max(w[0], e.claimed[0]), min(w[1], e.claimed[1])
        if e.period is not None:
            w[2], w[3] = max(w[2], e.period[0]), min(w[3], e.period[1])
        for k in own:
            index.setdefault(k, set()).add(ci)
    return clusters


def _in_full_order(rows: list[_T], entry: Callable[[_T], _Entry]) -> list[_T]:
    """``sorted(rows, key=lambda r: entry(r).full)``: by content, and only rows of equal content by the rest of their
    entry's processing order, its tuple compared as it is (not through _Rest's methods, once per comparison). Ties
    keep their places, as in sorted."""
    by_content: dict[str, list[_T]] = {}
    for r in rows:
        by_content.setdefault(entry(r).content, []).append(r)
    out: list[_T] = []
    for content in sorted(by_content):
        same = by_content[content]
        if len(same) > 1:  # by the rest's head, then runs of equal heads by the whole rest (rare)
            heads = [entry(r).full[1].head() for r in same]
            order = sorted(range(len(same)), key=heads.__getitem__)
            same = [same[n] for n in order]
            heads = [heads[n] for n in order]
            start = 0
            for end in range(1, len(same) + 1):
                if end == len(same) or heads[end] != heads[start]:
                    if end - start > 1:
                        same[start:end] = sorted(same[start:end], key=lambda r: entry(r).full[1].key())
                    start = end
        out += same
    return out


def _itself(e: _Entry) -> _Entry:
    return e


def _first(cl: list[_Entry]) -> _Entry:
    return cl[0]


def _most_precise(refs: list[DateRef | None]) -> DateRef | None:
    dated = [r for r in refs if r is not None and r.start]
    if not dated:
        undated = sorted((r for r in refs if r is not None), key=lambda r: r.model_dump_json())
        return undated[0] if undated else None
    return max(dated, key=lambda r: (_PRECISION_RANK[r.precision], r.start, r.end or "", r.text or ""))


def _evidence_key(ev: Evidence) -> tuple[Any, ...]:
    return (ev.article_id or "", -1 if ev.start is None else ev.start, ev.end or -1, ev.quote, ev.alignment or "")


def _combine(section: str, members: list[_Entry]) -> Item:
    """One item for a cluster: the first member in content order, with everything the others add."""
    base = min(members, key=lambda e: (e.claimant is None, e.conduit is None, e.content, e.full))
    return _union(base.item, [m.item for m in members])


def _union(base: Item, items: list[Item]) -> Item:
    """``base`` with the claimant, dates, quotes, sources and spellings of all ``items`` (also tidies one item)."""
    evidence = {_evidence_key(ev): ev for it in items for ev in it.evidence}
    upd: dict[str, Any] = {
        "claimant": min((it.claimant for it in items if it.claimant), default=None),
        "conduit": min((it.conduit for it in items if it.conduit), default=None),
        "claimed": _most_precise([it.claimed for it in items]),
        "period": _most_precise([it.period for it in items]),
        "evidence": [evidence[k] for k in sorted(evidence)],
        "sources": sorted({s for it in items for s in it.sources}),
        "variants": sorted({v for it in items for v in it.variants}),
        "reports": _union_reports(items),
        "id": None,
    }
    upd.update(_verification(items, upd["claimant"]))
    for f in ("location", "destination", "origin", "unit"):
        if f in type(base).model_fields and isinstance(getattr(base, f), str | None):
            upd[f] = min((v for it in items if isinstance(v := getattr(it, f), str)), default=None)
    return _copied(base, upd)


def _ref_json(ref: DateRef | None) -> dict[str, Any] | None:
    """``ref.model_dump(mode="json")``, read straight from its fields: every DateRef field is a string or None, which
    JSON mode leaves as they are (tests/test_merge_keys.py checks the two agree)."""
    return None if ref is None else dict(ref.__dict__)


def _reports_json(reports: dict[str, list[DateRef | None]]) -> dict[str, list[Any]]:
    return {a: [_ref_json(r) for r in refs] for a, refs in reports.items()}


def _union_reports(items: list[Item]) -> dict[str, list[DateRef | None]]:
    """Each source article's words for when, from every member; two reports of one article: the more precise."""
    found: dict[str, list[list[DateRef | None]]] = {}
    for it in items:
        for aid, refs in it.reports.items():
            found.setdefault(aid, []).append(refs)

    return {aid: cands[0] if len(cands) == 1 else _most_precise_report(cands) for aid, cands in sorted(found.items())}


def _precision(refs: list[DateRef | None]) -> tuple[int, ...]:
    return tuple(-(_PRECISION_RANK[r.precision] if r is not None else -1) for r in refs)


def _report_json(refs: list[DateRef | None]) -> str:
    return json.dumps([_ref_json(r) for r in refs], sort_keys=True)


def _most_precise_report(cands: list[list[DateRef | None]]) -> list[DateRef | None]:
    """``min(cands, key=lambda refs: (_precision(refs), _report_json(refs)))``, with the JSON written only for the
    candidates tied on precision (tests/test_merge_keys.py compares the two)."""
    ranks = [_precision(refs) for refs in cands]
    best = min(ranks)
    tied = [refs for refs, r in zip(cands, ranks, strict=True) if r == best]
    return tied[0] if len(tied) == 1 else min(tied, key=_report_json)


def _actors(item: Item | _Actors, c: Canonicalizer, names: dict[str, str]) -> tuple[str | None, str | None]:
    """Canonical claimant and conduit; a generic conduit ("MPs", "reporters") is no conduit."""
    claimant = names.get(item.claimant or "") or None
    conduit = None if item.conduit and c.is_generic(item.conduit) else names.get(item.conduit or "") or None
    return claimant, conduit


def relays(items: Sequence[Item | _Actors], c: Canonicalizer, names: dict[str, str]) -> dict[str, str]:
    """Named conduits that relay exactly one claimant in the input: {"Lee Seong-kweun": "...NIS"}."""
    seen: dict[str, set[str]] = {}
    for it in items:
        claimant, conduit = _actors(it, c, names)
        if claimant and conduit and claimant != conduit:
            seen.setdefault(conduit, set()).add(claimant)
    return {conduit: next(iter(cs)) for conduit, cs in seen.items() if len(cs) == 1}


def _canonical_item(section: str, item: Item, article_id: str, c: Canonicalizer, names: dict[str, str],
                    relayed: dict[str, str], shared: _Shared) -> Item:
    """merge's own copy of an item, in canonical form (names, dates as the article gave them, evidence and sources
    of its article), with its repeated values shared (see _Shared): one copy, made once."""
    who = (item.claimant, item.conduit, *item.variants)
    known = shared.actors.get(who)  # most items repeat the names of others: worked out once for each
    if known is None:
        claimant, conduit = _actors(item, c, names)
        if claimant in relayed and conduit is None:  # the lawmaker who relays the NIS, named as the claimant
            claimant, conduit = relayed[claimant], claimant
        elif claimant is None and conduit in relayed:  # "Lee said", no agency named: the one agency Lee relays
            claimant = relayed[conduit]
        spellings = {item.claimant, item.conduit, claimant, conduit, *item.variants}
        known = shared.actors[who] = (claimant, conduit, tuple(sorted([s for s in spellings if s and s.strip()])))
    claimant, conduit, variants = known
    if len(item.evidence) == 1:  # one quote (most items): nothing to join or order
        ev = item.evidence[0]
        kept = [ev if ev.article_id else _copied(ev, {"article_id": article_id})]
    else:
        evidence = {_evidence_key(e): e for ev in item.evidence
                    for e in [ev if ev.article_id else _copied(ev, {"article_id": article_id})]}
        kept = [evidence[k] for k in sorted(evidence)]
    sources = set(item.sources) | {ev.article_id for ev in kept if ev.article_id}
    keep, ref = shared.string_of, shared.ref
    claimed, period = ref(words_of(item.claimed)), ref(words_of(item.period))
    if item.reports:
        reports = {keep(a, a): [ref(words_of(r)) for r in refs] for a, refs in sorted(item.reports.items())}
    else:  # the item's own dates, as shared above
        aid = article_id if article_id in sources or not sources else min(sources)
        reports = {keep(aid, aid): [claimed, period]}
    upd: dict[str, Any] = {
        "claimant": claimant,
        "conduit": conduit,
        "claimed": claimed,
        "period": period,
        "reports": reports,
        "variants": list(variants),
        "evidence": [shared.evidence(ev) for ev in kept],
        "sources": [keep(s, s) for s in sorted(sources or {article_id})],
        "id": None,
        **_verification([item], claimant),
    }
    sides, places, parties, figures = _name_fields(type(item))
    for f in sides:
        upd[f] = c.side(getattr(item, f))
    for f in places:
        if isinstance(v := getattr(item, f), str) and v.strip():
            canon = shared.places.get(v)
            upd[f] = canon if canon is not None else shared.places.setdefault(v, c.canonical(v))
    if parties:
        upd["parties"] = sorted({c.canonical(p) for p in getattr(item, "parties", ())})
    for f in figures:
        if isinstance(q := upd.get(f, item.__dict__[f]), Quantity):
            upd[f] = shared.figure(q)  # an equal figure (the same object when first seen)
    out = _copied(item, upd)
    shared.fields_set(out)
    return out


def _copied(obj: _M, update: dict[str, Any]) -> _M:
    """``obj.model_copy(update=update)`` without its general steps (deep copies, extra fields, three calls of
    copy.copy): merge copies about 45,000 models for 40,000 items. The same fields, values and record of set fields
    (tests/test_merge_keys.py compares the two)."""
    cls = type(obj)
    new = cls.__new__(cls)
    d = obj.__dict__.copy()
    d.update(update)
    _set(new, "__dict__", d)
    extra = obj.__pydantic_extra__
    _set(new, "__pydantic_extra__", None if extra is None else dict(extra))
    _set(new, "__pydantic_fields_set__", obj.__pydantic_fields_set__ | update.keys())
    private = getattr(obj, "__pydantic_private__", None)
    _set(new, "__pydantic_private__", None if private is None
         else {k: v for k, v in private.items() if v is not PydanticUndefined})
    return new


_set = object.__setattr__


def _holds(annotation: Any, kind: type) -> bool:
    """``annotation`` is ``kind`` or a union with ``kind`` among its members."""
    return annotation is kind or any(a is kind for a in get_args(annotation))


@cache
def _name_fields(kind: type[Item]) -> tuple[tuple[str, ...], tuple[str, ...], bool, tuple[str, ...]]:
    """The fields of a kind of item that _canonical_item names canonically (sides, places and people, parties), and
    those that may hold a figure (a Quantity) directly: the ones _Shared shares."""
    fields = kind.model_fields
    return (tuple(f for f in ("side", "force") if f in fields),
            tuple(f for f in ("location", "destination", "origin", "supplier", "recipient", "donor") if f in fields),
            "parties" in fields,
            tuple(f for f, info in fields.items() if _holds(info.annotation, Quantity)))


def _item_id(section: str, content: str) -> str:
    """12 hex digits of the hash of an item's content (its JSON without evidence, sources, variants and id)."""
    return hashlib.sha256(f"{section}\n{content}".encode()).hexdigest()[:12]


class _Shared:
    """One object for each value that many items of a briefing repeat: quotes, article ids, the dates of each
    article's report, figures. Articles that report the same claim (or copies of one article) give many equal values;
    without this, 10,000 seed copies make a briefing of about 200 MB. Values are only ever replaced by an equal
    one, and a DateRef or Quantity shared here is never changed in place afterwards (merge replaces an item's
    dates; verification, which corrects figures in place, runs before merge)."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._refs: dict[tuple[Any, ...], DateRef] = {}
        self._figures: dict[tuple[Any, ...], Quantity] = {}
        self._all_set: dict[type, set[str]] = {}
        # _canonical_item: an item's claimant, conduit and spellings as given -> canonical claimant, conduit, spellings
        self.actors: dict[tuple[str | None, ...], tuple[str | None, str | None, tuple[str, ...]]] = {}
        self.places: dict[str, str] = {}  # _canonical_item: a place or person as given -> its canonical name
        self.string_of = self._strings.setdefault  # string_of(x, x): the one str equal to x

    def fields_set(self, obj: Any) -> None:
        """An object whose every field is set shares one record of that with its kind (pydantic keeps a set per
        object: 728 bytes for an Evidence, more than the rest of it). Marking a field as set adds nothing to a
        set that already holds every field, so sharing it changes nothing."""
        now = obj.__pydantic_fields_set__
        full = self._all_set.get(type(obj))
        if now is full:  # shared already (a shared quote's DateRef or figure comes back many times)
            return
        if full is None:
            full = self._all_set[type(obj)] = set(type(obj).model_fields)
        if now == full:
            # what pydantic's __setattr__ does with this name, without its look-ups (it memoizes no handler for it)
            object.__setattr__(obj, "__pydantic_fields_set__", full)

    def figure(self, q: Quantity) -> Quantity:
        if q.equivalents:  # a list inside: not shared
            return q
        k = (q.text, q.low, q.high, type(q.low), type(q.high), q.qualifier, q.unit)  # 200 and 200.0 kept apart
        q = self._figures.setdefault(k, q)
        self.fields_set(q)
        return q

    def ref(self, ref: DateRef | None) -> DateRef | None:
        if ref is None:
            return None
        ref = self._refs.setdefault(tuple(ref.__dict__.values()), ref)
        if ref.__pydantic_fields_set__ is not self._all_set.get(DateRef):  # else shared already
            self.fields_set(ref)
        return ref

    def evidence(self, ev: Evidence) -> Evidence:
        """``ev`` with its quote and article id shared, in place: written to its __dict__ with an equal value, so each
        field stays as set (or unset) as it was (an item's evidence can be the caller's own object)."""
        d = ev.__dict__
        keep = self.string_of
        d["quote"] = keep(ev.quote, ev.quote)
        if (aid := ev.article_id) is not None:
            d["article_id"] = keep(aid, aid)
        self.fields_set(ev)
        return ev


def _merge_section(section: str, raw: Iterable[tuple[str, Item]], c: Canonicalizer, names: dict[str, str],
                   relayed: dict[str, str]) -> list[Item]:
    shared = _Shared()
    figures = _Seen()
    entries = [_entry(section, _canonical_item(section, it, aid, c, names, relayed, shared), figures)
               for aid, it in raw]
    fresh: list[_Entry] | None = None  # what the last pass combined (first pass: None, all entries are new)
    while True:  # merge until no two merged items are compatible: merging the output again changes nothing
        clusters = _cluster(entries, fresh)
        if all(len(cl) == 1 for cl in clusters):
            break
        entries = [cl[0] if len(cl) == 1 else _entry(section, _combine(section, cl), figures) for cl in clusters]
        fresh = [e for e, cl in zip(entries, clusters, strict=True) if len(cl) > 1]
    out: list[Item] = []
    seen: set[str] = set()
    for e in entries:
        item_id = _item_id(section, e.content)
        if item_id in seen:  # same content, different actors' evidence: keep both, tell them apart
            item_id = hashlib.sha256(f"{item_id}{_dump(e.item)}".encode()).hexdigest()[:12]
        seen.add(item_id)
        # merge's own copy (made by _canonical_item or _union): no need to copy it again; written to __dict__ as
        # pydantic's __setattr__ would (their model_copy marked "id" as set)
        e.item.__dict__["id"] = item_id
        out.append(e.item)
    return sorted(out, key=lambda it: (date_key(it.period or it.claimed), it.id or ""))


def _run(extractions: Sequence[ArticleExtraction]) -> RunInfo:
    extractors = sorted({e.extractor for e in extractions if e.extractor})
    versions = sorted({e.prompt_version for e in extractions if e.prompt_version})
    return RunInfo(
        extractor=",".join(extractors),
        prompt_version=",".join(versions) or None,
        usage=total_usage(extractions),
        rejected=all_rejected(extractions),
        instructions=all_instructions(extractions),
    )


def _title(sources: list[Source]) -> str:
    n = len(sources)
    days = sorted(s.published for s in sources if s.published is not None)
    head = f"Briefing: {n} article{'s' if n != 1 else ''}"
    if not days:
        return head
    return f"{head}, {days[0].isoformat()}" + (f" to {days[-1].isoformat()}" if days[-1] != days[0] else "")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (if it runs): merging makes many objects that live on, so it would
    otherwise walk the caller's whole heap several times (half of the time for 10k items). Merging makes no
    reference cycles of its own; anything left over is collected once the collector runs again.

    On the way out, the objects made meanwhile go straight to the oldest generation (``gc.freeze()`` then
    ``gc.unfreeze()``: two list splices, no walk). Re-enabled as they were, the first allocation would start a
    young-generation pass over every one of them (0.3 s for 40k items), and the next passes would walk
    them again on their way to the oldest generation, where they end anyway. Skipped when the caller has
    frozen objects of its own (unfreezing would release them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def merge(
    extractions: Sequence[ArticleExtraction],
    articles: Sequence[Article],
    *,
    run: RunInfo | None = None,
    title: str | None = None,
    aliases: Path | Sequence[Path] | None = None,
) -> Briefing:
    """Join the extractions of many articles into one briefing (pure, deterministic, order-independent)."""
    with _gc_paused():
        return _merge(extractions, articles, run, title, aliases)


def _merge(extractions: Sequence[ArticleExtraction], articles: Sequence[Article], run: RunInfo | None,
           title: str | None, aliases: Path | Sequence[Path] | None) -> Briefing:
    # The extractions and articles are read in passes and not kept: a packed sequence (summarizer.core.packed)
    # validates each on access, so a large run never holds them all as objects.
    by_id = {k.id: k for k in _kept_articles(articles)}
    c = Canonicalizer(aliases)
    pool: dict[str, None] = {}
    actors: dict[tuple[str | None, str | None], None] = {}
    for ex in extractions:
        for _, it in ex.items():
            pool.update(dict.fromkeys(n for n in (it.claimant, it.conduit, *it.variants) if n))
            actors[it.claimant, it.conduit] = None
    names = c.resolve(set(pool))
    relayed = relays([_Actors(*a) for a in actors], c, names)
    merged: dict[str, list[Item]] = {
        s: _merge_section(s, ((ex.article_id, it) for ex in extractions for it in getattr(ex, s)), c, names, relayed)
        for s in SECTIONS}
    missing = sorted({sid for items in merged.values() for it in items for sid in it.sources} - by_id.keys())
    if missing:
        raise MergeError(
            f"items cite article id(s) {', '.join(missing)} that are not among the articles given to merge(); "
            "pass the same articles the extractions were made from"
        )
    merged, chron, members = _dated(merged, list(by_id.values()))
    sources = [
        Source(id=a.id, title=a.title, outlet=a.outlet, published=a.published, dated=_article_ref(chron, a.id),
               url=a.url, path=a.path, content_hash=a.content_hash)
        for a in by_id.values()
    ]
    published = {a.id: a.published for a in by_id.values()}
    briefing = Briefing(
        title=title if title is not None else _title(sources),
        sources=sources,
        estimates=build_estimates(merged, published, chron, members),
        timeline=timeline(merged),
        run=run if run is not None else _run(extractions),
        **merged,  # type: ignore[arg-type]
    )
    briefing.bottom_line = template_bottom_line(briefing)
    return briefing


class _Actors(NamedTuple):
    """An item's claimant and conduit as given: all :func:`relays` reads of it."""

    claimant: str | None
    conduit: str | None


class _Kept(NamedTuple):
    """What merge keeps of an article: what its Source shows (``dated`` comes later), when it was written."""

    id: str
    title: str
    outlet: str | None
    published: date | None
    url: str | None
    path: str | None
    content_hash: str
    own: ArticleDate | None  # dating.article_date: worked out here, so the text need not stay


def _kept_articles(articles: Sequence[Article]) -> list[_Kept]:
    """Each article id once, sorted by id; of two articles with one id, the later in (id, JSON) order (the
    JSON is compared only then). Each article is read once and its text not kept."""
    best: dict[str, tuple[int, _Kept]] = {}
    for i, a in enumerate(articles):
        prev = best.get(a.id)
        if prev is not None and a.model_dump_json() <= articles[prev[0]].model_dump_json():
            continue
        best[a.id] = (i, _Kept(a.id, a.title, a.outlet, a.published, a.url, a.path, a.content_hash,
                               article_date(a)))
    return [best[k][1] for k in sorted(best)]


def _outlet_names(articles: Sequence[_Kept]) -> dict[str, str]:
    return {a.id: f"{a.outlet} ({a.id})" if a.outlet else a.id for a in articles}


def _dated(merged: dict[str, list[Item]], articles: list[_Kept]
           ) -> tuple[dict[str, list[Item]], Chronology, dict[str, list[Member]]]:
    """Dates recovered for every item: each article's date (stated, date line, bounded by the events it reports,
    or carried along claims it shares with other articles), then each item's words resolved against it."""
    names = _outlet_names(articles)
    members = {it.id or "": [Member(a, refs[0], refs[1], recent=it.event_words() is None)
                             for a, refs in it.reports.items()]
               for s in SECTIONS for it in merged[s]}
    chron = Chronology.from_dates({a.id: a.own for a in articles}, [m for m in members.values() if len(m) > 1],
                                  names)
    out: dict[str, list[Item]] = {}
    made: dict[tuple[Any, ...], DateRef] = {}  # the briefing's recovered dates: equal ones are one object
    read: dict[tuple[str, str | None], Any] = {}  # what each article's words for when gave (see recover)
    for s in SECTIONS:
        out[s] = []
        for it in merged[s]:
            reps = members.get(it.id or "", [])
            claimed = recover(it.claimed, [(m.article_id, m.claimed) for m in reps], chron,
                              unstated_is_article=True, names=names, made=made, read=read)
            period = recover(it.period, [(m.article_id, m.period) for m in reps], chron,
                             unstated_is_article=False, names=names, made=made, read=read)
            # merge's own copy (see _merge_section), set in place; both fields already marked as set
            it.__dict__["claimed"], it.__dict__["period"] = claimed, period
            out[s].append(it)
        out[s].sort(key=lambda it: (date_key(it.period or it.claimed), it.id or ""))
    return out, chron, members


def _article_ref(chron: Chronology, article_id: str) -> DateRef | None:
    d = chron.dates.get(article_id)
    return d.ref() if d is not None else None


def briefing_as_extraction(b: Briefing) -> ArticleExtraction:
    """A briefing's items as one extraction, so that ``merge`` can be applied to its own output."""
    return ArticleExtraction(
        article_id="briefing",
        extractor=b.run.extractor,
        prompt_version=b.run.prompt_version,
        usage=b.run.usage,
        rejected=b.run.rejected,
        instructions=b.run.instructions,
        **{s: getattr(b, s) for s in SECTIONS},
    )
