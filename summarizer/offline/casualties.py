"""The offline extractor's casualties section: killed, wounded, captured and missing, by side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.schema import Casualty, Evidence
from ..reading.casualty_clauses import UNNAMED, casualty_res, place_in, read_casualties
from ..reading.claimants import Attribution, attribution
from ..reading.gazetteer import gazetteer
from ..reading.patterns import QUOTES, is_country, named_place, patterns, side_name, states_in
from .items import dedupe, quantity

if TYPE_CHECKING:
    from ..reading.article_sentences import Sentence
    from ..reading.context import Context


# ---------------------------------------------------------------- casualties

def casualties(ctx: Context) -> tuple[list[Casualty], set[tuple[int, int]]]:
    """Casualty items, and the (sentence, offset) of every figure they use."""
    p, r = patterns(), casualty_res()
    items: list[tuple[Sentence, Casualty]] = []
    used: set[tuple[int, int]] = set()
    side_of_sentence: dict[int, tuple[str, Attribution]] = {}
    item_of: dict[int, Casualty] = {}
    cues = r["cues"]
    for s in ctx.sentences:
        if r["rate"].search(s.text) or r["exchange"].search(s.text):
            continue
        readings = read_casualties(s)
        if not readings:
            continue
        evidence = [s]
        attr = ctx.attr(s)
        if any(side is None for _, _, side, _ in readings):
            fill = None
            sides = {side_name(m.group(), "noun") or side_name(m.group(), "adjective")
                     for m in p.any_side.finditer(s.text)}
            paren = r["paren"].search(s.text)
            if paren and sides == {side_name(paren.group("side"), "noun")}:
                fill = side_name(paren.group("side"), "noun")
            prev = ctx.previous(s)
            if fill is None and not sides and prev is not None and prev.index in side_of_sentence and (
                s.text[0] in QUOTES or cues.search(s.text)
            ):
                fill, prev_attr = side_of_sentence[prev.index]
                evidence = [s, prev]
                if attr.claimant is None:
                    inner = attribution(s, ctx.names, inside_quotes=True)
                    attr = Attribution(inner.claimant or prev_attr.claimant, prev_attr.claimant if inner.claimant
                                       and inner.claimant != prev_attr.claimant else prev_attr.conduit)
            own = _own_forces(attr.claimant)
            readings = [(f, m, side or (own if own and r["own_loss"].search(s.text[: f.start]) else fill), e)
                        for f, m, side, e in readings]
        by_side: dict[str, list[Casualty]] = {}
        continued = item_of.get(evidence[-1].index) if len(evidence) > 1 else None
        if continued is not None and all(getattr(continued, m) is None for _, m, _, _ in readings):
            # the same speaker goes on ('said Lee. "The NIS also reported ... nearly 1,000."'): one claim
            for f, measure, _, _ in readings:
                used.add((s.index, f.start))
                setattr(continued, measure, quantity(f, s.text))
            continued.evidence.append(Evidence(quote=s.text))
            continued.claimant, continued.conduit = attr.claimant, attr.conduit
            item_of[s.index] = continued
            side_of_sentence[s.index] = (continued.side, attr)
            continue
        for f, measure, side, _ in readings:
            if side is None:
                continue
            used.add((s.index, f.start))
            if side in UNNAMED and (where := place_in(s.text)):  # "people in Lebanon": whose, by where
                side = f"{side} in {where}"
            group = by_side.setdefault(side, [])
            if not group or getattr(group[-1], measure) is not None:
                fields: dict[str, Any] = {**ctx.fields(s, f.start, attr), measure: quantity(f, s.text)}
                place = named_place(s.text)
                group.append(Casualty(side=side, evidence=[Evidence(quote=e.text) for e in evidence],
                                      location=None if is_country(place) else place, **fields))
            else:
                setattr(group[-1], measure, quantity(f, s.text))
        for side, group in by_side.items():
            side_of_sentence[s.index] = (side, attr)
            item_of[s.index] = group[-1]
            items.extend((s, c) for c in group)
    return dedupe(items, _casualty_key), used


def _own_forces(claimant: str | None) -> str | None:
    """The forces of the one state a claimant speaks for ("Mali's army" -> "Malian forces"), else None."""
    named = {name for _, name in states_in(claimant)} if claimant else set()
    g = gazetteer()
    return g.forces(named.pop()) if len(named) == 1 else None


def _casualty_key(c: Casualty) -> tuple[Any, ...]:
    return (c.side, tuple(sorted((m, q.low, q.high) for m, q in c.figures().items())))


