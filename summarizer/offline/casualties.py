"""The offline extractor's casualties section, and the de-duplication the other sections share."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..numbers import Figure, find_figures, overlaps, same_figure
from ..schema import (
    Casualty,
    Evidence,
    Quantity,
)
from .claimants import Attribution, _quoted_spans, attribution
from .context import _counts, _ctx_fields, _is_country, _merge_evidence, _place, _quantity, _side_of
from .patterns import _QUOTES, _alt, _words, patterns

if TYPE_CHECKING:
    from .context import Context
    from .sentences import Sentence


# ---------------------------------------------------------------- casualties

# Sides that say who only by where they were ("42 people in Lebanon").
_UNNAMED = ("people", "civilians", "crew members")


@lru_cache(maxsize=1)
def _casualty_res() -> dict[str, re.Pattern[str]]:
    p = patterns()
    noun, adj = p.side_noun_alt, p.side_adj_alt
    aux = (r"(?:(?:have|has|had)\s+(?:already\s+)?(?:been\s+)?|(?:were|was|are|is)\s+(?:already\s+)?"
           r"|(?:were|are|was|is)\s+(?:estimated|believed|reported|said|thought)\s+to\s+have\s+(?:been\s+)?)")
    verb = _alt([re.escape(v) for v in p.measure_verb] + ["died"])
    link = (r"(?:estimated\s+at|expected\s+to\s+reach|put\s+at|stand\s+at|stood\s+at|reached|rose\s+to|risen\s+to"
            r"|climbed\s+to|totall?ed|numbered|(?<=toll)\s+of)")
    i = re.IGNORECASE
    return {
        "noun_after": re.compile(rf"^\s*[\"”’']?\s*(?:more\s+)?(?:(?P<adj>{adj})\s+)?(?P<m>{p.noun_re})(?![\w-])", i),
        "side_verb": re.compile(
            rf"^\s+(?:more\s+|other\s+)?(?P<side>{noun})(?![\w-])(?P<mid>[^.;\"“”]{{0,140}}?)\s+{aux}"
            rf"(?P<m>{verb})(?![\w-])", i
        ),
        "bare": re.compile(rf"^\s+(?P<side>{noun})\s+(?P<m>{verb})(?![\w-])", i),
        "suffered": re.compile(
            rf"(?P<side>{noun})(?:\s+(?:who|which|that)\s+[^\"“”.;]*?)?\s+(?:have|has|had)\s+(?:also\s+)?"
            r"suffered\s+[\"“]?\s*$", i
        ),
        "noun_before": re.compile(
            rf"(?:(?P<adj>{adj})\s+)?(?P<m>{p.noun_re})(?:\s+in\s+(?:the\s+)?[A-Z][\w-]*(?:\s+region)?)?\s+"
            rf"(?P<aux>(?:(?:are|is|were|was|have|has|had)\s+)?(?:already\s+)?(?:been\s+)?)(?P<link>{link})?\s*$", i
        ),
        "object": re.compile(rf"(?<![\w-])(?P<m>{verb}|{_alt(list(_OBJECT_VERBS))})\s+$", i),
        "object_side": re.compile(rf"^\s+(?P<side>{noun})(?![\w-])", i),
        "paren": re.compile(rf"\(\s*(?:the\s+)?(?P<side>{noun})\s*\)", i),
        "cues": _words(p.raw["continuation_cues"]),
        "exchange": _words(p.raw["exchange_phrases"]),
        "join": re.compile(r"^\s*,?\s*(?:and|with|including|of\s+which|of\s+whom|among\s+them)\s+"
                           rf"(?:(?:{_alt(list(_OBJECT_VERBS))})\s+)?(?:another\s+|a\s+further\s+)?$", i),
        "others": re.compile(r"^\s+(?:others|more)\b", i),
    }


def _place_in(text: str) -> str | None:
    """The one place the sentence puts something "in" ("42 people in Lebanon"), else None."""
    p = patterns()
    found = {m.group("p") for m in re.finditer(rf"\bin\s+(?:the\s+)?(?P<p>{p.places.pattern})(?![\w'’-])", text)}
    return found.pop() if len(found) == 1 else None


# "killing at least 50 civilians and wounding 49 others": the -ing forms, with the figure as object
_OBJECT_VERBS = {"killing": "killed", "wounding": "wounded", "injuring": "wounded"}


def _measure(phrase: str) -> str:
    p = patterns()
    key = re.sub(r"\s+", " ", phrase.lower())
    return (p.measure_verb.get(key) or p.measure_noun.get(key) or _OBJECT_VERBS.get(key)
            or ("killed" if key == "died" else ""))


def _read_casualties(s: Sentence) -> list[tuple[Figure, str, str | None, int]]:
    """(figure, measure, side or None, end of the reading) for each casualty figure of a sentence."""
    r = _casualty_res()
    t = s.text
    out: list[tuple[Figure, str, str | None, int]] = []
    for f in _counts(s):
        head, tail = t[: f.start], t[f.end :]
        m = r["side_verb"].match(tail) or r["bare"].match(tail)
        if m and not (any(f.end < g.start < f.end + m.end() for g in s.figures)
                      or re.search(r"\d", m.groupdict().get("mid") or "")):
            out.append((f, _measure(m.group("m")), _side_of(m.group("side"), "noun"), f.end + m.end()))
            continue
        if m := r["noun_after"].match(tail):
            side = _side_of(m.group("adj"), "adjective") if m.group("adj") else None
            if side is None and (sm := r["suffered"].search(head)):
                side = _side_of(sm.group("side"), "noun")
            out.append((f, _measure(m.group("m")), side, f.end + m.end()))
            continue
        if (m := r["object"].search(head)) and (om := r["object_side"].match(tail)):  # "killed eight members of"
            out.append((f, _measure(m.group("m")), _side_of(om.group("side"), "noun"), f.end + om.end()))
            continue
        if out and (m := r["object"].search(head)) and (om := r["others"].match(tail)):  # "... and wounding 49 others"
            out.append((f, _measure(m.group("m")), None, f.end + om.end()))
            continue
        m = r["noun_before"].search(head)
        if m and (m.group("link") or (m.group("aux").strip() and f.qualifier != "exact")):
            side = _side_of(m.group("adj"), "adjective") if m.group("adj") else None
            out.append((f, _measure(m.group("m")), side, f.end))
    # "killed and another 1,000 wounded", "4,700, including approximately 600 deaths": the same side
    for k in range(1, len(out)):
        f, measure, side, end = out[k]
        if side is None and r["join"].match(t[out[k - 1][3] : f.start]):
            out[k] = (f, measure, out[k - 1][2], end)
    return [o for o in out if o[1]]


def casualties(ctx: Context) -> tuple[list[Casualty], set[tuple[int, int]]]:
    """Casualty items, and the (sentence, offset) of every figure they use."""
    p, r = patterns(), _casualty_res()
    items: list[tuple[Sentence, Casualty]] = []
    used: set[tuple[int, int]] = set()
    side_of_sentence: dict[int, tuple[str, Attribution]] = {}
    item_of: dict[int, Casualty] = {}
    cues = r["cues"]
    for s in ctx.sentences:
        if p.rate.search(s.text) or r["exchange"].search(s.text):
            continue
        readings = _read_casualties(s)
        if not readings:
            continue
        evidence = [s]
        attr = ctx.attr(s)
        if any(side is None for _, _, side, _ in readings):
            fill = None
            sides = {_side_of(m.group(), "noun") or _side_of(m.group(), "adjective")
                     for m in p.any_side.finditer(s.text)}
            paren = r["paren"].search(s.text)
            if paren and sides == {_side_of(paren.group("side"), "noun")}:
                fill = _side_of(paren.group("side"), "noun")
            prev = ctx.previous(s)
            if fill is None and not sides and prev is not None and prev.index in side_of_sentence and (
                s.text[0] in _QUOTES or cues.search(s.text)
            ):
                fill, prev_attr = side_of_sentence[prev.index]
                evidence = [s, prev]
                if attr.claimant is None:
                    inner = attribution(s, ctx.names, inside_quotes=True)
                    attr = Attribution(inner.claimant or prev_attr.claimant, prev_attr.claimant if inner.claimant
                                       and inner.claimant != prev_attr.claimant else prev_attr.conduit)
            readings = [(f, m, side or fill, e) for f, m, side, e in readings]
        by_side: dict[str, list[Casualty]] = {}
        continued = item_of.get(evidence[-1].index) if len(evidence) > 1 else None
        if continued is not None and all(getattr(continued, m) is None for _, m, _, _ in readings):
            # the same speaker goes on ('said Lee. "The NIS also reported ... nearly 1,000."'): one claim
            for f, measure, _, _ in readings:
                used.add((s.index, f.start))
                setattr(continued, measure, _quantity(f))
            continued.evidence.append(Evidence(quote=s.text))
            continued.claimant, continued.conduit = attr.claimant, attr.conduit
            item_of[s.index] = continued
            side_of_sentence[s.index] = (continued.side, attr)
            continue
        for f, measure, side, _ in readings:
            if side is None:
                continue
            used.add((s.index, f.start))
            if side in _UNNAMED and (where := _place_in(s.text)):  # "people in Lebanon": whose, by where
                side = f"{side} in {where}"
            group = by_side.setdefault(side, [])
            if not group or getattr(group[-1], measure) is not None:
                fields = _ctx_fields(ctx, s, f.start, attr)
                group.append(Casualty(side=side, evidence=[Evidence(quote=e.text) for e in evidence],
                                      location=None if _is_country(_place(s.text)) else _place(s.text),
                                      **fields, **{measure: _quantity(f)}))
            else:
                setattr(group[-1], measure, _quantity(f))
        for side, group in by_side.items():
            side_of_sentence[s.index] = (side, attr)
            item_of[s.index] = group[-1]
            items.extend((s, c) for c in group)
    return _dedupe(items, _casualty_key), used


def _casualty_key(c: Casualty) -> tuple[Any, ...]:
    return (c.side, tuple(sorted((m, q.low, q.high) for m, q in c.figures().items())))


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
        if at >= 0 and any(a <= at < b for a, b in _quoted_spans(ev.quote)):
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
    _merge_evidence(keep, drop)
    for name in ("claimant", "conduit", "claimed", "period", "location", "unit", "destination"):
        if hasattr(keep, name) and getattr(keep, name) is None and getattr(drop, name, None) is not None:
            setattr(keep, name, getattr(drop, name))


def _dedupe(items: list[tuple[Sentence, Any]], key: Any) -> list[Any]:
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
    body = [it for s, it in kept if not s.heading]
    return [it for s, it in kept if not s.heading or not any(_same_item(it, b) or _agrees(b, it) for b in body)]


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
