"""The offline extractor's casualties section: killed, wounded, captured and missing, by side."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..gazetteer import gazetteer
from ..numbers import Figure
from ..schema import Casualty, Evidence
from .claimants import Attribution, attribution
from .items import dedupe, quantity
from .patterns import QUOTES, any_of, is_country, named_place, patterns, side_name, states_in, word_re
from .sentences import counts

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
    verb = any_of([re.escape(v) for v in p.measure_verb] + ["died"])
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
        "object": re.compile(rf"(?<![\w-])(?P<m>{verb}|{any_of(list(_OBJECT_VERBS))})\s+$", i),
        "object_side": re.compile(rf"^\s+(?P<side>{noun})(?![\w-])", i),
        "paren": re.compile(rf"\(\s*(?:the\s+)?(?P<side>{noun})\s*\)", i),
        "cues": word_re(p.raw["continuation_cues"]),
        "exchange": word_re(p.raw["exchange_phrases"]),
        "join": re.compile(r"^\s*,?\s*(?:and|with|including|of\s+which|of\s+whom|among\s+them)\s+"
                           rf"(?:(?:{any_of(list(_OBJECT_VERBS))})\s+)?(?:another\s+|a\s+further\s+)?$", i),
        "others": re.compile(r"^\s+(?:others|more)\b", i),
        "and": re.compile(r"^\s*,?\s*(?:and|as\s+well\s+as)\s+$", i),
        # "the army said it had lost two soldiers": the speaker's own dead, whose side is the speaker's
        "own_loss": re.compile(r"(?<![\w-])(?:it|they|we)\s+(?:had|has|have)\s+(?:also\s+)?lost\s+$", i),
        "own_troops": re.compile(r"^\s+(?:of\s+(?:its|their|our)\s+(?:own\s+)?)?(?:soldiers|troops|servicemen|men)\b",
                                 i),
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


def read_casualties(s: Sentence) -> list[tuple[Figure, str, str | None, int]]:
    """(figure, measure, side or None, end of the reading) for each casualty figure of a sentence."""
    r = _casualty_res()
    t = s.text
    out: list[tuple[Figure, str, str | None, int]] = []
    last_object = None  # the last reading of a figure as a verb's object, which a second object can follow
    for f in counts(s):
        head, tail = t[: f.start], t[f.end :]
        m = r["side_verb"].match(tail) or r["bare"].match(tail)
        if m and not (any(f.end < g.start < f.end + m.end() for g in s.figures)
                      or re.search(r"\d", m.groupdict().get("mid") or "")):
            out.append((f, _measure(m.group("m")), side_name(m.group("side"), "noun"), f.end + m.end()))
            continue
        if m := r["noun_after"].match(tail):
            side = side_name(m.group("adj"), "adjective") if m.group("adj") else None
            if side is None and (sm := r["suffered"].search(head)):
                side = side_name(sm.group("side"), "noun")
            out.append((f, _measure(m.group("m")), side, f.end + m.end()))
            continue
        if (m := r["object"].search(head)) and (om := r["object_side"].match(tail)):  # "killed eight members of"
            out.append((f, _measure(m.group("m")), side_name(om.group("side"), "noun"), f.end + om.end()))
            last_object = out[-1]
            continue
        if out and (m := r["object"].search(head)) and (om := r["others"].match(tail)):  # "... and wounding 49 others"
            out.append((f, _measure(m.group("m")), None, f.end + om.end()))
            continue
        # "has killed 46,000 Palestinians and around 1,500 Israelis": a second object of the same verb
        if (out and out[-1] is last_object and (om := r["object_side"].match(tail))
                and r["and"].match(t[out[-1][3] : f.start])):
            out.append((f, out[-1][1], side_name(om.group("side"), "noun"), f.end + om.end()))
            last_object = out[-1]
            continue
        if r["own_loss"].search(head) and (om := r["own_troops"].match(tail)):  # side: the speaker's, in casualties()
            out.append((f, "killed", None, f.end + om.end()))
            continue
        m = r["noun_before"].search(head)
        if m and (m.group("link") or (m.group("aux").strip() and f.qualifier != "exact")):
            side = side_name(m.group("adj"), "adjective") if m.group("adj") else None
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
            if side in _UNNAMED and (where := _place_in(s.text)):  # "people in Lebanon": whose, by where
                side = f"{side} in {where}"
            group = by_side.setdefault(side, [])
            if not group or getattr(group[-1], measure) is not None:
                fields: dict[str, Any] = {**ctx.fields(s, f.start, attr), measure: quantity(f, s.text)}
                group.append(Casualty(side=side, evidence=[Evidence(quote=e.text) for e in evidence],
                                      location=None if is_country(named_place(s.text)) else named_place(s.text),
                                      **fields))
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


