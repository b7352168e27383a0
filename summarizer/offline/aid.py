"""The offline extractor's aid section."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..core.numbers import find_figures, same_figure
from ..core.prefilter import gated
from ..core.schema import (
    Aid,
    AidComponent,
    Evidence,
)
from ..reading.article_sentences import tables
from ..reading.dates import find_dates
from ..reading.gazetteer import gazetteer
from ..reading.patterns import NODOT, any_of, patterns, slot_tables, trie, word_re
from .items import dedupe, quantity

if TYPE_CHECKING:
    from ..reading.article_sentences import Sentence
    from ..reading.context import Context


# ---------------------------------------------------------------- aid


@lru_cache(maxsize=1)
def _aid_res() -> dict[str, Any]:
    p = patterns()
    states = p.states
    i = re.IGNORECASE
    # The sentence patterns are searched only in sentences holding one of the words they need
    # (core/prefilter.py): a verb of giving or receiving, a link word of a running total.
    verbs, receive = any_of(p.raw["aid_verbs"]), any_of(p.raw["aid_receive_verbs"])
    return {
        # The donor is a state, body or group, an official of one ("German Defence Minister Boris Pistorius"),
        # or a name the article gives for one (resolved by _donor); the recipient follows "to" or "for".
        "give": gated(re.compile(rf"(?<![\w-])(?P<donor>{states}|{p.demonyms}(?:\s+[A-Z][\w.'’-]*){{1,5}}"
                                 rf"|[A-Z][\w'’-]+|{any_of(list(p.raw['aid_donor_phrases']))})(?:,\s+who)?\s+"
                                 r"(?:on\s+\w+\s+|today\s+)?(?:has\s+|have\s+|will\s+|is\s+)?(?:also\s+|now\s+|already\s+)?"
                                 rf"(?P<v>{any_of(p.raw['aid_verbs'])})\s+(?P<body>{NODOT}*?)\s+(?:(?:to|for|on)\s+"
                                 rf"(?P<rec>{states})|in\s+(?P<cap>{trie(gazetteer().capital)}))(?![\w-])"), verbs),
        # "U.S. Defense Secretary Lloyd Austin, in Kyiv on Monday, announced $100 million in new U.S. military
        # aid": the capital the donor speaks in is the recipient's
        "give_in": gated(re.compile(rf"(?<![\w-])(?P<donor>{states}|{p.demonyms}(?:\s+[A-Z][\w.'’-]*){{1,5}}),\s+in\s+"
                                    rf"(?P<cap>{trie(gazetteer().capital)})(?:\s+on\s+\w+)?,\s+(?:has\s+|have\s+)?"
                                    rf"(?P<v>{any_of(p.raw['aid_verbs'])})\s+(?P<body>{NODOT}*)"), verbs),
        "receive": gated(re.compile(rf"(?<![\w-])(?P<rec>{states})\s+(?:has\s+|had\s+|have\s+)?(?:already\s+)?"
                                    rf"(?P<v>{any_of(p.raw['aid_receive_verbs'])})\s+(?P<body>{NODOT}*?)\s+from\s+"
                                    rf"(?P<donor>{states})(?![\w-])"), receive),
        "receive_from": gated(re.compile(
            rf"(?<![\w-])(?P<rec>{states})\s+(?:has\s+|had\s+|have\s+)?(?:already\s+)?"
            rf"(?P<v>{any_of(p.raw['aid_receive_verbs'])})\s+(?P<body>{NODOT}*?)\s+from\s+"
            rf"(?P<donor>{any_of(list(p.raw['aid_donor_phrases']))})(?![\w-])"), receive),
        # "German military support for Ukraine amounts to 5.4 billion euros": a donor's total for a recipient
        "total": gated(re.compile(rf"(?<![\w-])(?P<donor>{p.demonyms}|{states}(?=['’]s))(?:['’]s)?\s+(?:total\s+)?"
                                  r"(?:(?P<kind>military|humanitarian|financial)\s+)?(?:support|aid|assistance|help|commitment)"
                                  rf"\s+(?:for|to)\s+(?P<rec>{states})\s+(?:is\s+|now\s+)?"
                                  rf"(?:{any_of(p.raw['aid_total_links'])})\s+(?P<body>{NODOT}*)"),
                       any_of(p.raw["aid_total_links"])),
        # "In November it announced a £113 million package" right after the donor's own aid sentence
        "pronoun": gated(re.compile(rf"^(?:(?:in|on|by|since|last|earlier|later|then)\b[^,;]{{0,30}}?,?\s+)?"
                                    r"(?:it|they)\s+(?:has\s+|have\s+|had\s+)?(?:also\s+|already\s+|now\s+)?"
                                    rf"(?P<v>{any_of(p.raw['aid_verbs'])})\s+(?P<body>{NODOT}*)", i), verbs),
        "running": gated(re.compile(rf"(?<![\w-]){any_of(p.raw['aid_running_totals'])}\s+(?P<body>{NODOT}*)", i),
                         any_of(p.raw["aid_running_totals"])),
        "kinds": [(k, word_re(words)) for k, words in p.raw["aid_kinds"].items()],
        "refs": word_re(p.raw["package_refs"]),
        "cont": re.compile(rf"^\s*{any_of(p.raw['package_continuations'])}\b|\b(?:would|will)\s+be\s+supplied\b", i),
        "link": re.compile(rf"^\s+(?:{any_of(p.raw['component_links'])})\s+(?P<desc>.+)$", i | re.S),
        "cost": re.compile(rf"^\s+(?P<desc>[^,;£$€]+?)\s+{any_of(p.raw['cost_links'])}\s+$", i),
        "said": re.compile(r",\s+(?:the\s+)?[\w\s'’]{0,40}?\b(?:said|says|added)\b.*$", i | re.S),
        "rate": re.compile(r"^\s+(?:a|per|each)\s+(?:year|month|week)\b|^\s+annually\b", i),
        # a table's columns: "Donor", "Value", "Announced" (data file: aid_table_columns)
        "columns": [(role, word_re(words)) for role, words in p.raw["aid_table_columns"].items()],
        "aid_for": re.compile(rf"\b(?:aid|assistance|support|help|packages?|funding)\s+(?:for|to)\s+(?P<rec>{states})"
                              r"(?![\w-])", i),
    }


_TRAILING_AND = re.compile(r",?\s*(?:and)?\s*$")  # compiled with the module, not by the first aid


def _components(s: Sentence) -> list[AidComponent]:
    """'£92 million for X', '1,000 Y at a cost of £39 million': the parts of a package one sentence names."""
    a = _aid_res()
    t = s.text
    figs = [f for f in s.figures if not f.year_like and not f.percent]
    out: list[tuple[int, AidComponent]] = []
    consumed: set[int] = set()
    for k, f in enumerate(figs):
        if f.currency is None and k + 1 < len(figs) and figs[k + 1].currency:
            m = a["cost"].match(t[f.end : figs[k + 1].start])
            if m:
                out.append((f.start, AidComponent(description=m.group("desc").strip(), quantity=quantity(f),
                                                  amount=quantity(figs[k + 1]))))
                consumed.add(k + 1)
    for k, f in enumerate(figs):
        if f.currency is None or k in consumed:
            continue
        seg = t[f.end : figs[k + 1].start if k + 1 < len(figs) else len(t)]
        m = a["link"].match(seg)
        if not m:
            continue
        desc = a["said"].sub("", m.group("desc"))
        desc = _TRAILING_AND.sub("", desc).strip(" .,;")
        if desc and len(desc) <= 200:
            out.append((f.start, AidComponent(description=desc, amount=quantity(f))))
    return [c for _, c in sorted(out, key=lambda x: x[0])]


def _article_kind(ctx: Context) -> str | None:
    """The one kind of aid the whole article speaks of ("humanitarian funding" in a press release), if only one."""
    kinds = {k for k, rx in _aid_res()["kinds"] if rx.search(ctx.article.text)}
    return kinds.pop() if len(kinds) == 1 else None


def _donor_total(ctx: Context, s: Sentence, m: re.Match[str]) -> Aid | None:
    """'German military support for Ukraine amounts to 5.4 billion euros': the first sum after the link."""
    p = patterns()
    donor = _donor(ctx, m.group("donor"))
    recipient = p.state_alias[m.group("rec")]
    money = [f for f in s.figures if f.currency and f.start >= m.start("body")]
    kind = m.group("kind") or next((k for k, rx in _aid_res()["kinds"] if rx.search(s.text)), None)
    if donor is None or donor == recipient or not money or kind is None:
        return None
    return Aid(evidence=[Evidence(quote=s.text)], donor=donor, recipient=recipient, amount=quantity(money[0]),
               kind=kind, **ctx.fields(s, m.start()))  # type: ignore[arg-type]


def _running_total(ctx: Context, s: Sentence, found: list[tuple[Sentence, Aid]]) -> Aid | None:
    """'a program that has already provided the country $9.8 billion' right after a disbursement."""
    m = _aid_res()["running"].search(s.text)
    if m is None or not found or s.index - found[-1][0].index > 2:
        return None
    if any(x.heading for x in ctx.sentences[found[-1][0].index : s.index]):
        return None
    return _carried_on(ctx, s, found[-1][1], m.start("body"), m.start())


def _pronoun_aid(ctx: Context, s: Sentence, found: list[tuple[Sentence, Aid]]) -> Aid | None:
    """'In November it announced a £113 million package.' right after the same donor's aid to one recipient."""
    m = _aid_res()["pronoun"].search(s.text)
    if m is None or not found or found[-1][0].index != s.index - 1 or found[-1][0].block != s.block:
        return None
    return _carried_on(ctx, s, found[-1][1], m.start("body"), m.start("v"))


def _carried_on(ctx: Context, s: Sentence, prev: Aid, body: int, at: int) -> Aid | None:
    """The previous aid item's donor, recipient and kind with the one amount this sentence states after
    ``body``; None when it states none or several. ``at``: where the sentence's own attribution is read."""
    money = [f for f in s.figures if f.currency and body <= f.start]
    if len(money) != 1:
        return None
    return Aid(evidence=[Evidence(quote=s.text)], donor=prev.donor, recipient=prev.recipient,
               amount=quantity(money[0]), kind=prev.kind, **ctx.fields(s, at))


def _donor(ctx: Context, phrase: str) -> str | None:
    """The state, body or group a donor phrase stands for: its own name, the nationality of an official
    ("U.S. Defense Secretary Lloyd Austin"), a name the article gives for a state ("Pistorius"), or a donor
    phrase ("foreign donors"); None when it stands for none of these."""
    p = patterns()
    if phrase in p.state_alias:
        return p.state_alias[phrase]
    if phrase in p.raw["aid_donor_phrases"]:
        return str(p.raw["aid_donor_phrases"][phrase])
    if m := _demonym_re().match(phrase):
        return slot_tables()["demonym"].get(m.group())
    return ctx.names.state_aliases().get(phrase)


@lru_cache(maxsize=1)
def _demonym_re() -> re.Pattern[str]:
    return re.compile(rf"{patterns().demonyms}(?![\w-])")


def aid(ctx: Context) -> list[Aid]:
    """Money or goods a donor gives a recipient, with a package's components from the sentences after it."""
    a = _aid_res()
    p = patterns()
    out: list[tuple[Sentence, Aid]] = []
    for s in ctx.sentences:
        t = s.text
        m = a["give"].search(t) or a["receive"].search(t) or a["receive_from"].search(t) or a["give_in"].search(t)
        if m is None and (tm := a["total"].search(t)) and (total := _donor_total(ctx, s, tm)) is not None:
            out.append((s, total))
            continue
        if not m:
            if (total := _running_total(ctx, s, out) or _pronoun_aid(ctx, s, out)) is not None:
                out.append((s, total))
            continue
        donor = _donor(ctx, m.group("donor"))
        # "announced a $100 million package in Kyiv": aid announced in a capital is for that country
        rec = m.groupdict().get("rec")
        recipient = p.state_alias[rec] if rec else gazetteer().capital[m.group("cap")]
        if donor is None:
            continue
        money = [f for f in s.figures if f.currency and m.start("body") <= f.start < m.end("body")]
        if donor == recipient or not money or a["rate"].match(t[money[0].end :]):
            continue
        kind = next((k for k, rx in a["kinds"] if rx.search(m.group("body"))), None)
        kind = kind or next((k for k, rx in a["kinds"] if rx.search(t)), None) or gazetteer().aid_kind(donor)
        kind = kind or _article_kind(ctx)
        if kind is None:
            continue
        evidence = [s]
        components: list[AidComponent] = []
        if re.search(r"\bpackage\b", t, re.IGNORECASE) and not s.heading:
            started = False
            for nxt in ctx.sentences[s.index + 1 : s.index + 7]:
                if nxt.heading or nxt.block != s.block or (a["give"].search(nxt.text) or a["receive"].search(nxt.text)):
                    break
                if a["refs"].search(nxt.text) or (started and a["cont"].search(nxt.text)):
                    parts = _components(nxt)
                    if not parts:
                        break
                    components.extend(parts)
                    evidence.append(nxt)
                    started = True
                elif started:
                    break
        out.append((s, Aid(evidence=[Evidence(quote=e.text) for e in evidence], donor=donor, recipient=recipient,
                           amount=quantity(money[0]), kind=kind, components=components,  # type: ignore[arg-type]
                           **ctx.fields(s, m.start()))))
    return _add_table_rows(ctx, dedupe(out, lambda x: (x.donor, x.recipient, x.amount.low if x.amount else None)))


def _table_recipient(ctx: Context, before: int) -> tuple[str, str | None] | None:
    """(recipient, kind) of the aid the text before a table speaks of ("military aid packages for Ukraine"),
    when it names one recipient."""
    a = _aid_res()
    found = {(patterns().state_alias[m.group("rec")], next((k for k, rx in a["kinds"] if rx.search(s.text)), None))
             for s in ctx.sentences[:before] for m in a["aid_for"].finditer(s.text)}
    return found.pop() if len({r for r, _ in found}) == 1 and len(found) == 1 else None


def _add_table_rows(ctx: Context, items: list[Aid]) -> list[Aid]:
    """Aid stated by the rows of a table with a donor and an amount column ('| May 2024 | Germany | €500 million |').

    The table speaks in the outlet's voice (no claimant). The recipient is a recipient column's, else the
    one recipient the text before the table names. A row that states what the text or an earlier row
    states (same donor, recipient and amount) adds its quote to that item, as repeats in the text are
    merged (:func:`.items.dedupe`).
    """
    a, p = _aid_res(), patterns()
    for header, rows in tables(ctx.sentences):
        role: dict[str, int] = {}
        for k, name in enumerate(header):
            for r, rx in a["columns"]:
                if r not in role and rx.search(name):
                    role[r] = k
                    break
        intro = _table_recipient(ctx, rows[0].sentence.index) if rows else None
        if "donor" not in role or "amount" not in role or ("recipient" not in role and intro is None):
            continue
        for row in rows:
            s = row.sentence
            donor = _donor(ctx, row.cell(role["donor"]))
            recipient = p.state_alias.get(row.cell(role["recipient"])) if "recipient" in role else None
            recipient = recipient or (intro[0] if intro and "recipient" not in role else None)
            lo, hi = row.cells[role["amount"]]
            money = [f for f in s.figures if f.currency and lo <= f.start and f.end <= hi]
            if donor is None or recipient is None or donor == recipient or len(money) != 1:
                continue
            kind = (next((k for k, rx in a["kinds"] if rx.search(s.text)), None) or (intro[1] if intro else None)
                    or gazetteer().aid_kind(donor) or _article_kind(ctx))
            if kind is None:
                continue
            dates = find_dates(row.cell(role["date"]), ctx.article.published) if "date" in role else []
            amount = quantity(money[0])
            twin = next((it for it in items if (it.donor, it.recipient) == (donor, recipient) and it.amount
                         and (fig := find_figures(it.amount.text))
                         and same_figure(fig[0], money[0]) and fig[0].currency == money[0].currency), None)
            if twin is not None:
                if all(e.quote != s.text for e in twin.evidence):
                    twin.evidence.append(Evidence(quote=s.text))
                continue
            items.append(Aid(evidence=[Evidence(quote=s.text)], donor=donor, recipient=recipient, amount=amount,
                             kind=kind, claimed=dates[0].ref if dates else None))  # type: ignore[arg-type]
    return items
