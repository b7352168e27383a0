"""The offline extractor's deployments and arms-transfers sections."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..gazetteer import gazetteer
from ..numbers import find_figures
from ..schema import (
    ArmsItem,
    ArmsTransfer,
    Deployment,
    Evidence,
)
from .casualties import _dedupe
from .claimants import Attribution
from .context import _counts, _ctx_fields, _merge_evidence, _place, _quantity, _side_of, _states
from .patterns import _MONTHS, _NODOT, _QUOTES, _WEEKDAYS, _alt, _words, expand, patterns, slot_tables

if TYPE_CHECKING:
    from .context import Context
    from .sentences import Sentence


# ---------------------------------------------------------------- deployments

# What a state or group is said to do with its forces ("is to withdraw its troops", "crossed into") -> status.
_MOVES_RE = {"withdraw": "withdrawn", "withdrawing": "withdrawn", "pull out": "withdrawn", "pulling out": "withdrawn",
             "left": "withdrawn", "leave": "withdrawn",
             "pulled out": "withdrawn", "crossed into": "deployed",
             "moved into": "deployed", "remain in": "deployed", "remained in": "deployed", "going home": "repatriated"}
_MOVES = {k.split()[0]: v for k, v in _MOVES_RE.items()}

# A town the gazetteer does not know, after "in"/"to": one or two capitalised words, not a month or weekday.
_TOWN = (r"(?!(?:" + "|".join(_MONTHS + _WEEKDAYS) + r")\b)[A-Z][a-z]{2,}(?:[- ][A-Z][a-z]{2,})?(?![\w'’-])")


@lru_cache(maxsize=1)
def _deployment_res() -> dict[str, Any]:
    p = patterns()
    status_of = {v.lower(): st for st, verbs in p.raw["deployment_verbs"].items() for v in verbs}
    verbs = _alt([re.escape(v) for v in status_of])
    states = p.states
    aux = (r"(?:(?:has|have|had|is|was|were)\s+)?(?:also\s+)?"
           r"(?:(?:believed|said|estimated|reported)\s+to\s+have\s+|reportedly\s+)?")
    i = re.IGNORECASE
    present = _alt([v for v in p.raw["presence_verbs"] if v != "in"])  # "troops in Russia" is no statement
    return {
        "status_of": status_of,
        "troop_after": re.compile(rf"^\s+(?:more\s+|additional\s+)?(?:of\s+)?(?:its\s+|their\s+)?"
                                  rf"(?P<troop>{p.troop})(?![\w-])", i),
        "active": re.compile(rf"(?<![\w-])(?P<st>{states})\s+{aux}(?P<v>{verbs})\s+(?:an?\s+|its\s+|their\s+)?"
                             r"(?:additional\s+|another\s+|further\s+|remaining\s+|last\s+)?(?:between\s+)?$"),
        "present": re.compile(rf"^\s*(?:(?:are|were|remain|remained|is|was)\s+(?:now\s+|still\s+|currently\s+|also\s+)?"
                              rf"(?:{_alt(p.raw['presence_verbs'])})|fight|operate|serve|remain)\b", i),
        "modal": re.compile(r"^[^.;]{0,40}?\b(?:could|would|will|may|might)\s+be\s+", i),
        "out_of": re.compile(rf"\b(?:from|out\s+of)\s+(?:the\s+)?(?:[a-z-]+ern\s+)?(?P<d>{p.places.pattern}|{_TOWN})"),
        "subject": re.compile(rf"(?<![\w-])(?P<troop>{p.troop})\s+"
                              r"(?:(?:have|has|had|are|is|were|was|would|will)\s+|(?=remain|leave|withdraw))"
                              r"(?:(?:been|now|still|also|reportedly|largely|mostly|begun|started)\s+)*"
                              rf"(?:(?P<v>{verbs})|(?:to\s+)?(?P<pv>{present}))"
                              r"\b", i),
        "entity": re.compile(
            rf"(?<![\w-])(?P<st>{states})(?:['’]s\s+(?:army|military|forces|troops|contingent))?\s+"
            r"(?:(?:says?|said)\s+(?:that\s+)?(?:it|its\s+(?:troops|forces|fighters))\s+)?"
            r"(?:(?:is|are|was|were|has|have|had|will|would)\s+)?(?:(?:to|now|still|also|begun|started|been)\s+)*"
            rf"(?P<v>{_alt(list(_MOVES_RE))})(?:\s+(?:its|their)\s+(?:troops|forces|fighters|soldiers))?(?![\w-])"),
        "harm": re.compile(rf"\b(?:{p.verb_re}|{p.noun_re}|suffered|died)\b", i),
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
        "planned": re.compile(_alt([expand(c) for c in p.raw["planned_cues"]]), i),
        "troopish": re.compile(r"\b(?:troops?|soldiers|servicemen|personnel|fighters|mercenaries|deploy|deployments?"
                               r"|army|rotation)\b", i),
        "demonym": re.compile(rf"(?<![\w-]){expand('{demonym}')}(?![\w-])"),
        "unit_cue": re.compile(_alt(p.raw["unit_deployment_cues"]), i),
        "uses": re.compile(rf"(?<![\w-])(?P<st>{states})\s+(?:has\s+|had\s+|is\s+|was\s+)?"
                           r"(?:begun\s+to\s+|started\s+to\s+)?"
                           rf"{_alt(p.raw['use_verbs'])}\s+(?P<troop>(?:soldiers|troops)\s+from\s+(?P<from>{states})|{p.troop})"
                           rf"(?![\w-])(?P<rest>[^;]*)"),
    }


def _force(state: str | None) -> str | None:
    """A state's (or group's) forces: "Russia" -> "Russian forces"; None for an international body."""
    g = gazetteer()
    e = g.entities.get(state) if state else None
    return g.forces(e.name) if e is not None and e.kind != "organisation" else None


def _force_state(force: str) -> str | None:
    """The state whose forces a side is ("North Korean forces" -> "North Korea")."""
    g = gazetteer()
    return next((n for n, e in g.entities.items() if e.kind == "state" and g.forces(n) == force), None)


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
        unit_m = next((u for u in p.units.finditer(t) if u.group() not in p.state_alias), None)
        unit = unit_m.group() if unit_m else None  # a unit, not an armed group ("Africa Corps")
        found = False
        for f in _counts(s):
            if (s.index, f.start) in used:
                continue
            tm = d["troop_after"].match(t[f.end :])
            if not tm:
                continue
            after = t[f.end + tm.end() :]
            force = _side_of(tm.group("troop"), "noun")
            status = None
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
            sized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, size=_quantity(f), unit=unit,
                                        destination=where, status=status,
                                        **_ctx_fields(ctx, s, f.start))))
        if found or s.heading:
            continue
        if um := d["uses"].search(t):
            origin = um.group("from")
            force = _force(p.state_alias[origin]) if origin else _side_of(um.group("troop"), "noun")
            place = _destination(um.group("rest"), force)
            if place and force and p.state_alias[um.group("st")] != _force_state(force):
                unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, destination=place,
                                              status="deployed", **_ctx_fields(ctx, s, um.start()))))
                continue
        calm = not d["harm"].search(t)
        sm = d["subject"].search(t) if calm else None
        if sm and any(0 <= sm.start() - f.end <= 2 for f in _counts(s)):
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
                                          status=status, **_ctx_fields(ctx, s, em.start()))))
            continue
        if sm and (force := _side_of(sm.group("troop"), "noun")):
            # "Eritrean soldiers have pulled out of Axum", "some Eritrean troops were still patrolling the town"
            status = d["status_of"][sm.group("v").lower()] if sm.group("v") else "deployed"
            rest = t[sm.end() :]
            if sm.group("v") and sm.group("v").lower() in ("leave", "left", "leaving"):
                rest = " from" + rest  # "Israeli troops leave southern Lebanon"
            place = _origin(rest, force) if status == "withdrawn" else _destination(rest, force)
            if not d["planned"].search(t) and not d["casualty_after"].match(t[sm.start("troop") :]):
                unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, destination=place,
                                              status=status, **_ctx_fields(ctx, s, sm.start()))))
                continue
        planned = d["planned"].search(t)
        if planned and not d["troopish"].search(t):
            planned = None  # "preparing to send hundreds of ballistic missiles": weapons, not troops
        if planned or (unit and d["unit_cue"].search(t)):
            cue = planned or d["unit_cue"].search(t)
            assert cue is not None
            states = _states(t, ctx.names.state_aliases())
            before = [name for at, name in states if at < cue.start()]
            dm = d["demonym"].search(cue.group())  # "further North Korean troop deployments"
            named = _force(slot_tables()["demonym"][dm.group()]) if dm else None
            state = before[-1] if before else (states[0][1] if len({n for _, n in states}) == 1 else None)
            force = named or _force(state)
            if force is None:
                continue
            unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, unit=unit,
                                          destination=None if planned or _own_country(_place(t), force)
                                          else _place(t),
                                          status="planned" if planned else "deployed",
                                          **_ctx_fields(ctx, s, cue.start()))))
    out = _dedupe(sized, lambda x: (x.force, x.status, x.size.low, x.size.high))
    seen: dict[tuple[str, str, str | None], Deployment] = {}
    for _, dep in unsized:
        key = (dep.force, dep.status, dep.unit if dep.status == "deployed" else None,
               dep.destination if dep.status == "deployed" and dep.unit is None else None)
        if key in seen:
            seen[key].unit = seen[key].unit or dep.unit
            _merge_evidence(seen[key], dep)
            continue
        seen[key] = dep
    return out + list(seen.values())


# ---------------------------------------------------------------- arms transfers


@lru_cache(maxsize=1)
def _arms_res() -> dict[str, Any]:
    p = patterns()
    states = p.states
    verbs = _alt(p.raw["arms_verbs"])
    aux = (r"(?:(?:has|have|had|was|is)\s+)?(?:also\s+)?(?:(?:believed|said|reported)\s+to\s+have\s+|reportedly\s+"
           r"|(?:preparing|planning|set|expected|about|ready|due)\s+to\s+)?")
    to = rf"\s+to\s+(?:support\s+|help\s+|aid\s+|further\s+support\s+)?(?P<rec>{states})(?![\w-])"
    return {
        "with": re.compile(rf"(?P<sup>{states})\s+{aux}supplied\s+(?P<rec>{states})\s+with\s+(?P<items>{_NODOT}+?)"
                           r"(?=,\s+(?:enabling|which|while|and)\b|\.|$)"),
        "accused": re.compile(rf"accus\w*\s+(?P<sup>{states})\s+of\s+(?P<v>{verbs})\s+(?P<items>{_NODOT}+?){to}"),
        # "accused Tehran of supplying Russia with Shahed attack drones", "accused Iran before of sending Russia drones"
        "accused_with": re.compile(rf"accus\w*\s+(?P<sup>{states})\s+(?:[a-z]+\s+)?of\s+(?P<v>{verbs})\s+"
                                   rf"(?P<rec>{states})\s+(?:with\s+)?"
                                   rf"(?P<items>{_NODOT}+?)(?=,|\s+in\s+the\b|\s+(?:in|since|from)\s+\d|\.|$)"),
        "direct": re.compile(rf"(?P<sup>{states})\s+{aux}(?P<v>{verbs})\s+(?P<items>{_NODOT}+?){to}"),
        "gapped": re.compile(rf"(?P<sup>{states})\s+(?:was|is|has|have|had)\s+[^.;]{{0,80}}?\b(?:along\s+with|and)\s+"
                             rf"(?P<v>supplying|providing|sending|shipping)\s+(?P<items>{_NODOT}+?){to}"),
        "also": re.compile(rf"(?P<sup>{states})\s+(?:has|have|had)\s+also\s+(?P<v>{verbs})\s+"
                           rf"(?P<items>{_NODOT}+?)\s*\.?$"),
        "recipient": re.compile(rf"(?:\b(?:sent|deployed|dispatched|shipped|delivered)\s+to|\b(?:help|support|assist"
                                rf"|reinforce))\s+(?P<rec>{states})(?![\w-])"),
        "containers": re.compile(rf"^(?P<q>.+?)\s+(?P<c>{_alt(p.raw['arms_containers'])})\s+of\s+(?P<rest>.+)$", re.I),
        "split": re.compile(r"\s*(?:,\s*(?:and\s+|as\s+well\s+as\s+)?|\s+as\s+well\s+as\s+|\s*[—–]\s*"
                            r"(?:including\s+)?|,?\s+including\s+)\s*"),
        "categories": [(cat, re.compile(rf"(?<![\w-]){_alt(words)}(?![\w-])", re.I))
                       for cat, words in p.raw["arms_categories"].items()],
        "planned": _words(p.raw["planned_arms_cues"]),
        "alleged": _words(p.raw["allegation_cues"]),
    }


def _category(name: str) -> str | None:
    cats = _arms_res()["categories"]
    for cat, rx in cats:  # the head noun first: "artillery shells" are ammunition
        m = list(rx.finditer(name))
        if m and m[-1].end() == len(name):
            return cat
    for cat, rx in cats:
        if rx.search(name):
            return cat
    return None


def _list_parts(text: str) -> list[str]:
    """Split a list of weapons; after a counted part ('nine million rounds of X and Y') the rest stays with it."""
    parts: list[str] = []
    for chunk in _arms_res()["split"].split(text):
        counted = False
        for piece in re.split(r"\s+and\s+", chunk):
            figs = find_figures(piece.strip(_QUOTES + " "))
            if counted and parts:
                parts[-1] += " and " + piece
                continue
            counted = bool(figs) and figs[0].start == 0
            parts.append(piece)
    return parts


def _arms_items(text: str) -> list[ArmsItem]:
    """Items of a list like '10,000 containers of artillery shells, anti-tank missiles, and rocket launchers'."""
    a = _arms_res()
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(_QUOTES + " —–"))
    items: list[ArmsItem] = []
    if cm := a["containers"].match(text):
        figs = find_figures(cm.group("q"))
        if figs and figs[0].start == 0 and figs[0].end == len(cm.group("q")) and not figs[0].year_like:
            items.append(ArmsItem(name=cm.group("c"), category="other", quantity=_quantity(figs[0])))
            text = cm.group("rest")
    for part in _list_parts(text):
        name = part.strip(_QUOTES + " .,—–")
        name = re.sub(r"^(?:the|other)\s+", "", name) if not name.startswith("other military") else name
        if not name:
            continue
        qty = None
        figs = find_figures(name)
        if figs and figs[0].start == 0 and not figs[0].year_like:
            qty, name = _quantity(figs[0]), name[figs[0].end :].strip()
            name = re.sub(r"^of\s+", "", name)
        cat = _category(name)
        if cat is None or len(name) > 80:
            continue
        items.append(ArmsItem(name=name, category=cat, quantity=qty))  # type: ignore[arg-type]
    return items if any(i.category != "other" or i.quantity is None for i in items) else []


def arms_transfers(ctx: Context) -> list[ArmsTransfer]:
    """Weapons moving from one state to another, with items and quantities."""
    a = _arms_res()
    p = patterns()
    out: list[tuple[Sentence, ArmsTransfer]] = []
    for s in ctx.sentences:
        t = s.text
        evidence = [s]
        m = (a["with"].search(t) or a["accused"].search(t) or a["accused_with"].search(t) or a["direct"].search(t)
             or a["gapped"].search(t))
        rec = m.group("rec") if m else None
        if m is None and (m := a["also"].search(t)):
            prev = ctx.previous(s)
            rm = a["recipient"].search(prev.text) if prev else None
            if prev is None or rm is None:
                continue
            rec, evidence = rm.group("rec"), [s, prev]
        if m is None or rec is None:
            continue
        supplier, recipient = p.state_alias[m.group("sup")], p.state_alias[rec]
        items = _arms_items(m.group("items"))
        if supplier == recipient or not items:
            continue
        attr = ctx.attr(s)
        if attr.claimant is None and len(evidence) > 1:
            attr = ctx.attr(evidence[1])
        accused = m.re is a["accused"] or m.re is a["accused_with"]
        accusers = [name for _, name in _states(t[: m.start()], ctx.names.state_aliases())] if accused else []
        if attr.claimant is None and accusers:
            attr = Attribution(claimant=accusers[-1])
        status = "planned" if a["planned"].search(t) else (
            "alleged" if attr.claimant or a["alleged"].search(t) else "delivered")
        out.append((s, ArmsTransfer(evidence=[Evidence(quote=e.text) for e in evidence], supplier=supplier,
                                    recipient=recipient, items=items, status=status,  # type: ignore[arg-type]
                                    **_ctx_fields(ctx, s, m.start(), attr))))
    return _dedupe(out, lambda x: (x.supplier, x.recipient, tuple(i.name for i in x.items)))
