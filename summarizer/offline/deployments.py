"""The offline extractor's deployments section: troops sent, planned, rotated or brought home."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..core.prefilter import as_written, gated, led, needles
from ..core.schema import Deployment, DeploymentStatus, Evidence
from ..reading.article_sentences import counts
from ..reading.gazetteer import gazetteer
from ..reading.patterns import (
    MONTHS,
    WEEKDAYS,
    any_of,
    by_length,
    expand,
    named_place,
    patterns,
    side_name,
    slot_tables,
    states_in,
)
from .items import dedupe, merge_evidence, quantity

if TYPE_CHECKING:
    from ..reading.article_sentences import Sentence
    from ..reading.context import Context


# ---------------------------------------------------------------- deployments

# What a state or group is said to do with its forces ("is to withdraw its troops", "crossed into") -> status.
_MOVES_RE: dict[str, DeploymentStatus] = {
    "withdraw": "withdrawn", "withdrawing": "withdrawn", "pull out": "withdrawn", "pulling out": "withdrawn",
    "left": "withdrawn", "leave": "withdrawn", "pulled out": "withdrawn", "crossed into": "deployed",
    "moved into": "deployed", "remain in": "deployed", "remained in": "deployed", "going home": "repatriated",
}
_MOVES: dict[str, DeploymentStatus] = {k.split()[0]: v for k, v in _MOVES_RE.items()}

# A town the gazetteer does not know, after "in"/"to": one or two capitalised words, not a month or weekday.
_TOWN = (r"(?!(?:" + "|".join(MONTHS + WEEKDAYS) + r")\b)[A-Z][a-z]{2,}(?:[- ][A-Z][a-z]{2,})?(?![\w'’-])")


@lru_cache(maxsize=1)
def _deployment_res() -> dict[str, Any]:
    p = patterns()
    status_of = {v.lower(): st for st, verbs in p.raw["deployment_verbs"].items() for v in verbs}
    verbs = any_of([re.escape(v) for v in status_of])
    states = p.states
    aux = (r"(?:(?:has|have|had|is|was|were)\s+)?(?:also\s+)?"
           r"(?:(?:believed|said|estimated|reported)\s+to\s+have\s+|reportedly\s+)?")
    i = re.IGNORECASE
    present = any_of([v for v in p.raw["presence_verbs"] if v != "in"])  # "troops in Russia" is no statement
    # Patterns tried on every sentence are searched only in sentences holding a word they need
    # (core/prefilter.py): a casualty word, a cue of a plan, a verb of using or moving troops, a unit's noun.
    return {
        "status_of": status_of,
        "troop_after": re.compile(rf"^\s+(?:more\s+|additional\s+)?(?:of\s+)?(?:its\s+|their\s+)?"
                                  rf"(?P<troop>{p.troop})(?![\w-])", i),
        "active": re.compile(rf"(?<![\w-])(?P<st>{states})\s+{aux}(?P<v>{verbs})\s+(?:an?\s+|its\s+|their\s+)?"
                             r"(?:additional\s+|another\s+|further\s+|remaining\s+|last\s+)?(?:between\s+)?$"),
        "present": re.compile(rf"^\s*(?:(?:are|were|remain|remained|is|was)\s+(?:now\s+|still\s+|currently\s+|also\s+)?"
                              rf"(?:{any_of(p.raw['presence_verbs'])})|fight|operate|serve|remain)\b", i),
        "modal": re.compile(r"^[^.;]{0,40}?\b(?:could|would|will|may|might)\s+be\s+", i),
        "out_of": re.compile(rf"\b(?:from|out\s+of)\s+(?:the\s+)?(?:[a-z-]+ern\s+)?(?P<d>{p.places.pattern}|{_TOWN})"),
        "subject": gated(re.compile(rf"(?<![\w-])(?P<troop>{p.troop})\s+"
                                    r"(?:(?:have|has|had|are|is|were|was|would|will)\s+|(?=remain|leave|withdraw))"
                                    r"(?:(?:been|now|still|also|reportedly|largely|mostly|begun|started)\s+)*"
                                    rf"(?:(?P<v>{verbs})|(?:to\s+)?(?P<pv>{present}))"
                                    r"\b", i), rf"(?:(?P<v>{verbs})|(?:to\s+)?(?P<pv>{present}))"),
        "entity": gated(re.compile(
            rf"(?<![\w-])(?P<st>{states})(?:['’]s\s+(?:army|military|forces|troops|contingent))?\s+"
            r"(?:(?:says?|said)\s+(?:that\s+)?(?:it|its\s+(?:troops|forces|fighters))\s+)?"
            r"(?:(?:is|are|was|were|has|have|had|will|would)\s+)?(?:(?:to|now|still|also|begun|started|been)\s+)*"
            rf"(?P<v>{any_of(list(_MOVES_RE))})(?:\s+(?:its|their)\s+(?:troops|forces|fighters|soldiers))?(?![\w-])"),
            any_of(list(_MOVES_RE))),
        # "\b(?:{verb_re}|{noun_re}|suffered|died)\b", each phrase in the alternation's order, opening with its letter
        "harm": gated(re.compile(as_written(led([*by_length([re.escape(v) for v in p.measure_verb]),
                                                 *by_length([re.escape(n) for n in p.measure_noun]), "suffered",
                                                 "died"], r"\w", icase=True) + r"\b",
                                            rf"\b(?:{p.verb_re}|{p.noun_re}|suffered|died)\b"), i)),
        "passive": re.compile(rf"^[^.;\"“”]{{0,80}}?\b(?:have|has|had|were|was|are|is|could|would|will|may|might)\s+"
                              r"(?:already\s+)?(?:been\s+|be\s+)?"
                              rf"(?P<v>{verbs})(?![\w-])", i),
        "there_are": re.compile(r"there\s+(?:are|were)\s+(?:now\s+)?$", i),
        "operating": re.compile(r"^[^.;]{0,60}?\b(?:operating|stationed|deployed)\b", i),
        "dest": re.compile(rf"\b(?:to|in|into|inside)\s+(?:help\s+|support\s+|assist\s+|reinforce\s+)?(?:the\s+)?"
                           r"(?:[a-z-]+ern\s+)?"  # "in eastern Congo"
                           rf"(?P<d>{p.places.pattern}|{_TOWN})"),
        "origin": re.compile(r"^\s*(?:from|of|out\s+of)\s+(?:the\s+)?"
                             # "the ancient Tigrayan city of Axum", "southern Lebanon"
                             r"(?:(?:[\w-]+\s+){0,3}?(?:city|town|village)\s+of\s+|(?:[a-z-]+ern\s+))?"
                             rf"(?P<d>{p.places.pattern}|{_TOWN})"),
        "casualty_after": re.compile(rf"^[^.;]{{0,160}}?\b(?:have|has|had|were|was)\s+(?:been\s+)?"
                                     rf"(?:{p.verb_re})\b", i),
        "planned": gated(re.compile(any_of([expand(c) for c in p.raw["planned_cues"]]), i)),
        "troopish": re.compile(r"\b(?:troops?|soldiers|servicemen|personnel|fighters|mercenaries|deploy|deployments?"
                               r"|army|rotation)\b", i),
        "demonym": re.compile(rf"(?<![\w-]){p.demonyms}(?![\w-])"),
        "unit_cue": re.compile(any_of(p.raw["unit_deployment_cues"]), i),
        "uses": gated(re.compile(rf"(?<![\w-])(?P<st>{states})\s+(?:has\s+|had\s+|is\s+|was\s+)?"
                           r"(?:begun\s+to\s+|started\s+to\s+)?"
                           rf"{any_of(p.raw['use_verbs'])}\s+(?P<troop>(?:soldiers|troops)\s+from\s+(?P<from>{states})|{p.troop})"
                           rf"(?![\w-])(?P<rest>[^;]*)"), any_of(p.raw["use_verbs"])),
        "units": needles(p.units.pattern, p.units.flags & re.IGNORECASE),
    }


def _force(state: str | None) -> str | None:
    """A state's (or group's) forces: "Russia" -> "Russian forces"; None for an international body."""
    g = gazetteer()
    e = g.entities.get(state) if state else None
    return g.forces(e.name) if e is not None and e.kind != "organisation" else None


def _force_state(force: str) -> str | None:
    """The state whose forces a side is ("North Korean forces" -> "North Korea")."""
    return _state_of_forces().get(force)


@lru_cache(maxsize=1)
def _state_of_forces() -> dict[str, str]:
    """A state's forces -> the state: the first state in the gazetteer's order whose forces they are."""
    g = gazetteer()
    out: dict[str, str] = {}
    for n, e in g.entities.items():
        if e.kind == "state":
            out.setdefault(g.forces(n), n)
    return out


def _destination(text: str, force: str | None) -> str | None:
    """Where troops go: the first place after to/in/into/inside that is not their own country."""
    for m in _deployment_res()["dest"].finditer(text):
        place = m.group("d").removesuffix("'s")
        if not _own_country(place, force):
            return place
    return None


def _origin(text: str, force: str | None) -> str | None:
    """Where troops left: the first place after from / out of / of ("pulled out of Axum")."""
    for m in _deployment_res()["origin"].finditer(text):
        place = m.group("d").removesuffix("'s")
        if not _own_country(place, force):
            return place
    return None


def _own_country(place: str | None, force: str | None) -> bool:
    state = patterns().state_alias.get(place or "")
    return state is not None and force is not None and state == _force_state(force)


def deployments(ctx: Context, used: set[tuple[int, int]]) -> list[Deployment]:
    """Troops sent, planned, rotated or brought home; a casualty figure is never a troop count."""
    d = _deployment_res()
    p = patterns()
    sized: list[tuple[Sentence, Deployment]] = []
    unsized: list[tuple[Sentence, Deployment]] = []
    for s in ctx.sentences:
        t = s.text
        unit_m = next((u for u in p.units.finditer(t) if u.group() not in p.state_alias), None) if (
            d["units"] is None or d["units"].admit(t)) else None
        unit = unit_m.group() if unit_m else None  # a unit, not an armed group ("Africa Corps")
        found = False
        for f in counts(s):
            if (s.index, f.start) in used:
                continue
            tm = d["troop_after"].match(t[f.end :])
            if not tm:
                continue
            after = t[f.end + tm.end() :]
            force = side_name(tm.group("troop"), "noun")
            status: DeploymentStatus | None = None
            am = d["active"].search(t[: f.start])
            if am:
                force = force or _force(p.state_alias[am.group("st")])
                status = d["status_of"][am.group("v").lower()]
            elif pm := d["passive"].match(after):
                status = d["status_of"][pm.group("v").lower()]
            elif d["there_are"].search(t[: f.start]) and d["operating"].match(after):
                status = "deployed"
            elif force and d["present"].match(after):  # "4,000 Rwandan troops are fighting alongside ..."
                status = "deployed"
            if force is None or status is None or d["casualty_after"].match(after):
                continue
            if d["planned"].search(t) or d["modal"].match(after):
                status = "planned"  # "... preparing to send", "5,000 Lebanese soldiers could be sent to the south"
            found = True
            out_of = next((m.group("d") for m in d["out_of"].finditer(after)
                           if not _own_country(m.group("d"), force)), None)
            where = out_of if status == "withdrawn" else _destination(t[f.start :], force)
            sized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, size=quantity(f, t), unit=unit,
                                        destination=where, status=status,
                                        **ctx.fields(s, f.start))))
        if found or s.heading:
            continue
        if um := d["uses"].search(t):
            origin = um.group("from")
            force = _force(p.state_alias[origin]) if origin else side_name(um.group("troop"), "noun")
            place = _destination(um.group("rest"), force)
            if place and force and p.state_alias[um.group("st")] != _force_state(force):
                unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, destination=place,
                                              status="deployed", **ctx.fields(s, um.start()))))
                continue
        calm = not d["harm"].search(t)
        sm = d["subject"].search(t) if calm else None
        if sm and any(0 <= sm.start() - f.end <= 2 for f in counts(s)):
            sm = None  # "4,000 Rwandan troops are ...": a troop count, read above
        em = d["entity"].search(t) if calm else None
        if em and (force := _force(p.state_alias[em.group("st")])):
            # "Israel is to withdraw its troops from southern Lebanon", "Eritrea's army crossed into Tigray"
            status = _MOVES[em.group("v").lower().split()[0]]
            rest = t[em.end() :]
            if em.group("v") and em.group("v").lower() in ("left", "leave", "leaving"):
                rest = " from" + rest  # "Eritrea's army had left the historic city of Axum"
            place = _origin(rest, force) if status == "withdrawn" else _destination(" in" + rest, force)
            unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, destination=place,
                                          status=status, **ctx.fields(s, em.start()))))
            continue
        if sm and (force := side_name(sm.group("troop"), "noun")):
            # "Eritrean soldiers have pulled out of Axum", "some Eritrean troops were still patrolling the town"
            status = d["status_of"][sm.group("v").lower()] if sm.group("v") else "deployed"
            rest = t[sm.end() :]
            if sm.group("v") and sm.group("v").lower() in ("leave", "left", "leaving"):
                rest = " from" + rest  # "Israeli troops leave southern Lebanon"
            place = _origin(rest, force) if status == "withdrawn" else _destination(rest, force)
            if not d["planned"].search(t) and not d["casualty_after"].match(t[sm.start("troop") :]):
                unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, destination=place,
                                              status=status, **ctx.fields(s, sm.start()))))
                continue
        planned = d["planned"].search(t)
        if planned and not d["troopish"].search(t):
            planned = None  # "preparing to send hundreds of ballistic missiles": weapons, not troops
        if planned or (unit and d["unit_cue"].search(t)):
            cue = planned or d["unit_cue"].search(t)
            assert cue is not None
            states = states_in(t, ctx.names.state_aliases())
            before = [name for at, name in states if at < cue.start()]
            dm = d["demonym"].search(cue.group())  # "further North Korean troop deployments"
            named = _force(slot_tables()["demonym"][dm.group()]) if dm else None
            state = before[-1] if before else (states[0][1] if len({n for _, n in states}) == 1 else None)
            force = named or _force(state)
            if force is None:
                continue
            unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, unit=unit,
                                          destination=None if planned or _own_country(named_place(t), force)
                                          else named_place(t),
                                          status="planned" if planned else "deployed",
                                          **ctx.fields(s, cue.start()))))
    out = dedupe(sized, lambda x: (x.force, x.status, x.size.low, x.size.high))
    seen: dict[tuple[str, str, str | None, str | None], Deployment] = {}
    for _, dep in unsized:
        key = (dep.force, dep.status, dep.unit if dep.status == "deployed" else None,
               dep.destination if dep.status == "deployed" and dep.unit is None else None)
        if key in seen:
            seen[key].unit = seen[key].unit or dep.unit
            merge_evidence(seen[key], dep)
            continue
        seen[key] = dep
    return out + list(seen.values())
