"""What the offline extractor's sections share: quantities, quotes, and merging one source's repeats."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..core.numbers import Figure, find_figures, overlaps, same_figure
from ..core.schema import Casualty, Quantity
from ..reading.claimants import quoted_spans

if TYPE_CHECKING:
    from ..reading.article_sentences import Sentence


def quantity(f: Figure, within: str | None = None) -> Quantity:
    """A figure as the schema states it, with its stated equivalents; ``within``: the sentence it is in.

    A range "between 3,000 and 4,000" is a figure "3,000 and 4,000", which read alone is two numbers: the
    quantity keeps the sentence's "between".
    """
    text = f.text
    if within is not None and f.qualifier == "range" and (m := _BETWEEN.search(within[: f.start])):
        text = within[m.start() : f.end]
    return Quantity(text=text, equivalents=[Quantity(text=e.text) for e in f.equivalents])


_BETWEEN = re.compile(r"(?<![\w-])between\s+$", re.IGNORECASE)


def merge_evidence(keep: Any, drop: Any) -> None:
    """Add ``drop``'s quotes that ``keep`` lacks."""
    quotes = {e.quote for e in keep.evidence}
    keep.evidence.extend(e for e in drop.evidence if e.quote not in quotes)


def _related(a: Any, b: Any) -> bool:
    """Two items come from the same source: same claimant, one's claimant is the other's conduit, or one
    claimant's words contain the other's ("Ukraine's military spy agency" / "Ukraine's HUR military spy agency")."""
    if a.claimant == b.claimant:
        return True
    if a.claimant is None or b.claimant is None:
        return False
    if a.claimant in (b.claimant, b.conduit) or b.claimant in (a.claimant, a.conduit):
        return True
    wa, wb = (set(re.findall(r"\w+", x.lower())) - {"s"} for x in (a.claimant, b.claimant))
    return len(wa & wb) >= 2 and (wa <= wb or wb <= wa)


def _subsumes(big: Casualty, small: Casualty) -> bool:
    """Every figure of ``small`` is stated, for the same measure and side, by ``big``."""
    fb = {m: (q.low, q.high) for m, q in big.figures().items()}
    return big.side == small.side and all(fb.get(m) == (q.low, q.high) for m, q in small.figures().items())


def _close(a: Quantity, b: Quantity) -> bool:
    """Two figures that can be one statement worded twice: bounds overlap and the stated values are near."""
    fa, fb = find_figures(a.text), find_figures(b.text)
    if not fa or not fb:
        return False
    x, y = fa[0], fb[0]
    if same_figure(x, y):
        return True
    va, vb = x.low if x.low is not None else x.high, y.low if y.low is not None else y.high
    if va is None or vb is None or not overlaps((x.low, x.high), (y.low, y.high)):
        return False
    return max(va, vb) <= 1.2 * min(va, vb)


def _agrees(big: Casualty, small: Casualty) -> bool:
    """One claimant's two readings of one side that state the same shared figures (and so are one claim)."""
    if not isinstance(big, Casualty) or not isinstance(small, Casualty):
        return False
    fb, fs = big.figures(), small.figures()
    shared = set(fb) & set(fs)
    return big.side == small.side and bool(shared) and all(_close(fb[m], fs[m]) for m in shared)


def _quoted(item: Any, q: Quantity) -> bool:
    """The figure stands inside quotation marks (the claimant's own words) in one of the item's quotes."""
    for ev in item.evidence:
        at = ev.quote.find(q.text)
        if at >= 0 and any(a <= at < b for a, b in quoted_spans(ev.quote)):
            return True
    return False


def _combine(keep: Casualty, drop: Casualty) -> None:
    """Merge two readings of one claim: every measure either states; a shared one in the claimant's words."""
    for m, q in drop.figures().items():
        mine = getattr(keep, m)
        if mine is None or (_quoted(drop, q) and not _quoted(keep, mine)):
            setattr(keep, m, q)
    _absorb(keep, drop)


def _absorb(keep: Any, drop: Any) -> None:
    """Merge ``drop`` into ``keep``: quotes, and whatever ``keep`` leaves empty."""
    merge_evidence(keep, drop)
    for name in ("claimant", "conduit", "claimed", "period", "location", "unit", "destination"):
        if hasattr(keep, name) and getattr(keep, name) is None and getattr(drop, name, None) is not None:
            setattr(keep, name, getattr(drop, name))


def dedupe(items: list[tuple[Sentence, Any]], key: Any) -> list[Any]:
    """Merge repeats from one source (a casualty claim restated with more figures is one claim) and drop
    headline items the body states too."""
    kept: list[tuple[Sentence, Any]] = []
    for s, it in items:
        if s.heading:
            kept.append((s, it))
            continue
        body = [k for k in kept if not k[0].heading and _related(k[1], it)]
        twin = next((k for k in body if key(k[1]) == key(it)), None)
        if twin is not None:
            _absorb(twin[1], it)
            continue
        if isinstance(it, Casualty):
            bigger = next((k for k in body if _subsumes(k[1], it)), None)
            if bigger is not None:
                _absorb(bigger[1], it)
                continue
            fits = next((k for k in body if _agrees(k[1], it)), None)
            if fits is not None:  # a lead's round figure and the claimant's own words: one claim
                _combine(fits[1], it)
                continue
            smaller = [k for k in body if _subsumes(it, k[1])]
            if smaller:
                for k in smaller:
                    _absorb(it, k[1])
                    it.evidence.sort(key=lambda e: s.text != e.quote)
                at = kept.index(smaller[0])
                kept = [k for k in kept if k not in smaller]
                kept.insert(min(at, len(kept)), (s, it))
                continue
        kept.append((s, it))
    stated = [it for s, it in kept if not s.heading]
    return [it for s, it in kept if not s.heading or not any(_same_item(it, b) or _agrees(b, it) for b in stated)]


def _same_item(a: Any, b: Any) -> bool:
    """Two items of one section state the same figure for the same measure and parties."""
    fa, fb = a.figures(), b.figures()
    if not fa or not fb or _parties(a) != _parties(b):
        return False
    for name, qa in fa.items():
        qb = fb.get(name)
        fa_fig, fb_fig = find_figures(qa.text), find_figures(qb.text) if qb else []
        if qb is not None and fa_fig and fb_fig and same_figure(fa_fig[0], fb_fig[0]):
            return True
    return False


def _parties(item: Any) -> tuple[Any, ...]:
    return tuple(getattr(item, k, None) for k in ("side", "force", "donor", "recipient"))
