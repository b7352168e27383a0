"""The offline extractor's arms-transfers section: weapons moving from one state to another."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..core.numbers import find_figures
from ..core.prefilter import gated
from ..core.schema import (
    ArmsItem,
    ArmsTransfer,
    Evidence,
)
from ..reading.claimants import Attribution
from ..reading.patterns import NODOT, QUOTES, any_of, patterns, states_in, word_re
from .items import dedupe, quantity

if TYPE_CHECKING:
    from ..reading.article_sentences import Sentence
    from ..reading.context import Context


# ---------------------------------------------------------------- arms transfers


@lru_cache(maxsize=1)
def _arms_res() -> dict[str, Any]:
    p = patterns()
    states = p.states
    verbs = any_of(p.raw["arms_verbs"])
    aux = (r"(?:(?:has|have|had|was|is)\s+)?(?:also\s+)?(?:(?:believed|said|reported)\s+to\s+have\s+|reportedly\s+"
           r"|(?:preparing|planning|set|expected|about|ready|due)\s+to\s+)?")
    to = rf"\s+to\s+(?:support\s+|help\s+|aid\s+|further\s+support\s+)?(?P<rec>{states})(?![\w-])"
    # Each pattern is searched only in sentences holding a word it needs (core/prefilter.py): a verb of the
    # transfer, "supplied", "accus..." or "also"; the states' trie they start with is costly to try.
    return {
        "with": gated(re.compile(rf"(?P<sup>{states})\s+{aux}supplied\s+(?P<rec>{states})\s+with\s+"
                                 rf"(?P<items>{NODOT}+?)(?=,\s+(?:enabling|which|while|and)\b|\.|$)"), "supplied"),
        "accused": gated(re.compile(rf"accus\w*\s+(?P<sup>{states})\s+of\s+(?P<v>{verbs})\s+(?P<items>{NODOT}+?){to}"),
                         "accus"),
        # "accused Tehran of supplying Russia with Shahed attack drones", "accused Iran before of sending Russia drones"
        "accused_with": gated(re.compile(rf"accus\w*\s+(?P<sup>{states})\s+(?:[a-z]+\s+)?of\s+(?P<v>{verbs})\s+"
                                         rf"(?P<rec>{states})\s+(?:with\s+)?"
                                         rf"(?P<items>{NODOT}+?)(?=,|\s+in\s+the\b|\s+(?:in|since|from)\s+\d|\.|$)"),
                              "accus"),
        "direct": gated(re.compile(rf"(?P<sup>{states})\s+{aux}(?P<v>{verbs})\s+(?P<items>{NODOT}+?){to}"), verbs),
        "gapped": gated(re.compile(rf"(?P<sup>{states})\s+(?:was|is|has|have|had)\s+[^.;]{{0,80}}?\b(?:along\s+with"
                                   rf"|and)\s+(?P<v>supplying|providing|sending|shipping)\s+(?P<items>{NODOT}+?){to}"),
                        "supplying|providing|sending|shipping"),
        "also": gated(re.compile(rf"(?P<sup>{states})\s+(?:has|have|had)\s+also\s+(?P<v>{verbs})\s+"
                                 rf"(?P<items>{NODOT}+?)\s*\.?$"), "also"),
        "recipient": re.compile(rf"(?:\b(?:sent|deployed|dispatched|shipped|delivered)\s+to|\b(?:help|support|assist"
                                rf"|reinforce))\s+(?P<rec>{states})(?![\w-])"),
        "containers": re.compile(rf"^(?P<q>.+?)\s+(?P<c>{any_of(p.raw['arms_containers'])})\s+of\s+(?P<rest>.+)$",
                                 re.I),
        "split": re.compile(r"\s*(?:,\s*(?:and\s+|as\s+well\s+as\s+)?|\s+as\s+well\s+as\s+|\s*[—–]\s*"
                            r"(?:including\s+)?|,?\s+including\s+)\s*"),
        "categories": [(cat, re.compile(rf"(?<![\w-]){any_of(words)}(?![\w-])", re.I))
                       for cat, words in p.raw["arms_categories"].items()],
        "planned": word_re(p.raw["planned_arms_cues"]),
        "alleged": word_re(p.raw["allegation_cues"]),
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
            figs = find_figures(piece.strip(QUOTES + " "))
            if counted and parts:
                parts[-1] += " and " + piece
                continue
            counted = bool(figs) and figs[0].start == 0
            parts.append(piece)
    return parts


def _arms_items(text: str) -> list[ArmsItem]:
    """Items of a list like '10,000 containers of artillery shells, anti-tank missiles, and rocket launchers'."""
    a = _arms_res()
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(QUOTES + " —–"))
    items: list[ArmsItem] = []
    if cm := a["containers"].match(text):
        figs = find_figures(cm.group("q"))
        if figs and figs[0].start == 0 and figs[0].end == len(cm.group("q")) and not figs[0].year_like:
            items.append(ArmsItem(name=cm.group("c"), category="other", quantity=quantity(figs[0])))
            text = cm.group("rest")
    for part in _list_parts(text):
        name = part.strip(QUOTES + " .,—–")
        name = re.sub(r"^(?:the|other)\s+", "", name) if not name.startswith("other military") else name
        if not name:
            continue
        qty = None
        figs = find_figures(name)
        if figs and figs[0].start == 0 and not figs[0].year_like:
            qty, name = quantity(figs[0]), name[figs[0].end :].strip()
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
        accused = m.re is a["accused"].rx or m.re is a["accused_with"].rx
        accusers = [name for _, name in states_in(t[: m.start()], ctx.names.state_aliases())] if accused else []
        if attr.claimant is None and accusers:
            attr = Attribution(claimant=accusers[-1])
        status = "planned" if a["planned"].search(t) else (
            "alleged" if attr.claimant or a["alleged"].search(t) else "delivered")
        out.append((s, ArmsTransfer(evidence=[Evidence(quote=e.text) for e in evidence], supplier=supplier,
                                    recipient=recipient, items=items, status=status,  # type: ignore[arg-type]
                                    **ctx.fields(s, m.start(), attr))))
    return dedupe(out, lambda x: (x.supplier, x.recipient, tuple(i.name for i in x.items)))
