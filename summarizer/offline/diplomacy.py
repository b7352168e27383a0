"""The offline extractor's diplomacy section."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..core.prefilter import gated
from ..core.schema import (
    DateRef,
    Diplomacy,
    Evidence,
)
from ..reading.claimants import Attribution
from ..reading.dates import find_dates
from ..reading.gazetteer import gazetteer
from ..reading.patterns import QUOTES, any_of, patterns, states_in, unique, word_re
from .items import merge_evidence

if TYPE_CHECKING:
    from ..reading.article_sentences import Sentence
    from ..reading.context import Context


# ---------------------------------------------------------------- diplomacy


@lru_cache(maxsize=1)
def _diplomacy_res() -> dict[str, Any]:
    p = patterns()
    states = p.states
    return {
        # each kind's words, searched only in sentences holding one of the literal words they need
        "triggers": [(kind, gated(word_re(words))) for kind, words in p.raw["diplomacy"].items()],
        "agreement": word_re(p.raw["agreement_nouns"]),
        "negation": word_re(p.raw["negations"]),
        # one or more states or bodies; a single capitalised name is resolved through the article's own names
        # ("Trump has warned" when the run introduced "U.S. President Donald Trump")
        "subject": re.compile(rf"(?P<p>(?:{states}|[A-Z][\w'’-]+)(?:(?:,\s+and\s+|,\s+|\s+and\s+){states})*)"
                              r"(?:'s|’s)?\s+"
                              r"(?:(?:has|have|had|also|officially|publicly|formally)\s+){0,3}$"),
        # "Iran, which backs Hezbollah, has said it welcomes ...": the state said it does so
        "subject_said": re.compile(rf"(?P<p>{states})(?:,[^,]{{1,60}},)?\s+(?:has\s+|had\s+)?(?:said|says)\s+"
                                   r"(?:that\s+)?it\s+(?:has\s+|had\s+|also\s+)?$"),
        "visitor": re.compile(r"((?:[A-Z][\w.'’-]*\s+){1,4})$"),
        # the sentence's subject when the visit is told later ("Pistorius pledged ... during a visit to Kyiv")
        "lead_person": re.compile(r"^(?:[A-Z][A-Z/ .'-]+(?:,[^()\n]{0,40})?(?:\([^)]*\))?\s*[-–—]\s+)?"  # dateline
                                  r"((?:[A-Z][\w.'’-]*\s+){2,5})(?=[a-z])"),
        "place": re.compile(rf"^\s+(?P<p>{states}|[A-Z][a-z]+)"),
    }


@lru_cache(maxsize=1)
def _visitor_res() -> tuple[re.Pattern[str], ...]:
    """What comes off a visitor's name: a demonym, titles, an owner ("Germany's"), titles again."""
    p = patterns()
    titles = any_of(p.raw["titles"])
    return (re.compile(rf"^{p.demonyms}\s+"), re.compile(rf"^(?:(?:{titles}|Defen[cs]e|Foreign)\s+)+"),
            re.compile(r"^.*?(?:'s|’s)\s+"), re.compile(rf"^(?:{titles}\s+)+"))


_VERB_PAST = {"acknowledgement": "acknowledged", "condemnation": "condemned", "sanction": "sanctioned",
              "statement": "welcomed"}


def _agreement_name(t: str, trigger: re.Match[str]) -> str:
    """The agreement's own words: the noun after 'signed' ('signed a ... agreement'), else the one before."""
    nouns = list(_diplomacy_res()["agreement"].finditer(t))
    after = [m for m in nouns if 0 <= m.start() - trigger.end() <= 60]
    before = [m for m in nouns if m.end() <= trigger.start()]
    if trigger.group().lower() == "signed" and after:
        m = after[0]
        for nxt in after[1:]:  # '"comprehensive strategic partnership" agreement': the last noun of the name
            if nxt.start() - m.end() > 3:
                break
            m = nxt
    elif before or after:
        m = (before or after)[-1 if before else 0]
    else:
        return "agreement"
    words = t[: m.start()].split()[-3:]
    keep: list[str] = []
    for w in reversed(words):
        if w.lower().strip(QUOTES) in ("a", "an", "the", "signed", "between", "and", "of", "with") or w.endswith(","):
            break
        keep.insert(0, w.strip(QUOTES))
    return " ".join([*keep, m.group()]).strip()


def _event_date(ctx: Context, s: Sentence, trigger_end: int) -> DateRef | None:
    dates = ctx.dates(s)
    after = [d for d in dates if 0 <= d.start - trigger_end <= 40]
    if after:
        return after[0].ref
    lead = [d for d in dates if d.start <= 3]
    if lead:
        return lead[0].ref
    # the sentence's one date, when it is not when something was said ("..., officials said on Monday")
    said = [d for d in dates if any(0 <= d.start - v_end <= 12 for _, v_end in ctx.attr(s).verb_spans)]
    rest = [d for d in dates if d not in said]
    return rest[0].ref if len(rest) == 1 else None


def diplomacy(ctx: Context) -> list[Diplomacy]:
    """Agreements signed or in force, visits, acknowledgements, condemnations and sanctions."""
    r = _diplomacy_res()
    p = patterns()
    out: list[tuple[Sentence, Diplomacy]] = []
    for s in ctx.sentences:
        t = s.text
        if s.heading:
            continue
        for kind, rx in r["triggers"]:
            m = rx.search(t)
            if not m:
                continue
            clause = t[max(t.rfind(",", 0, m.start()), t.rfind(";", 0, m.start()), 0) : m.start()]
            if r["negation"].search(clause) or (kind == "acknowledgement" and r["negation"].search(t)):
                continue  # "acknowledged ... but has not confirmed": half an acknowledgement is none
            if kind.startswith("agreement") and not r["agreement"].search(t):
                continue
            own = ctx.names.state_aliases()
            states = unique([name for _, name in states_in(t, own)])
            subject = None
            joint = kind == "statement" and not m.group().lower().startswith(("welcom", "warn"))  # no subject to read
            if kind in _VERB_PAST and not joint:
                sm = r["subject"].search(t[: m.start()]) or r["subject_said"].search(t[: m.start()])
                if sm is None:
                    continue
                subjects = unique([name for _, name in states_in(sm.group("p"), own)])
                if not all(gazetteer().entities[n].kind != "group" for n in subjects if n in gazetteer().entities):
                    continue  # an armed group's statement is news about its fighters, not diplomacy
                subject = " and ".join(subjects)
                # the object: after the verb, or inside the trigger ("listed the Houthis as ... terrorists")
                obj = m.group() + " " + _object_clause(t[m.end() :])
                states = unique([*subjects, *(name for _, name in states_in(obj, own))])
            if not states:
                continue
            period = _event_date(ctx, s, m.end())
            if period is None and kind not in p.raw["undated_ok"]:
                continue
            if joint:  # "In a joint statement, the United States and France said", "M23 declared a ceasefire"
                said = "issued a joint statement" if "joint" in m.group().lower() else m.group()
                summary: str | None = f"{' and '.join(states)} {said}"
            else:
                summary = _summary(kind, t, m, states, subject)
            if summary is None:
                continue
            attr = ctx.attr(s)
            if attr.claimant in states:  # "France and Germany announced sanctions": the parties act, no one claims
                attr = Attribution(None, None, attr.verb_spans)
            claimed = ctx.when(s, m.start())[0]
            out.append((s, Diplomacy(evidence=[Evidence(quote=t)], event_type=kind, parties=states,
                                     summary=summary, period=period, claimed=claimed if claimed != period else None,
                                     claimant=attr.claimant, conduit=attr.conduit)))
    kept: dict[tuple[str, Any], Diplomacy] = {}
    for _, d in out:
        who = d.summary.split(f" {_VERB_PAST.get(d.event_type, '')} ")[0]
        key = (d.event_type, tuple(sorted(d.parties)) if d.event_type not in _VERB_PAST else who)
        if key in kept and (kept[key].period is not None or d.period is None):
            merge_evidence(kept[key], d)
            continue
        kept[key] = d
    return list(kept.values())


def _object_clause(rest: str) -> str:
    """What an acknowledgement or condemnation is about: the words after the verb up to the clause's end."""
    return re.split(r"[,;.]|\s+and\s+(?=[a-z])", rest, maxsplit=1)[0]


def _summary(kind: str, t: str, m: re.Match[str], parties: list[str], subject: str | None) -> str | None:
    r = _diplomacy_res()
    names = " and ".join(parties)
    if kind == "agreement_signed":
        return f"{names} signed the {_agreement_name(t, m)}"
    if kind == "agreement_in_force":
        return f"The {_agreement_name(t, m)} between {names} came into force"
    if kind in ("talks", "meeting"):
        return f"{names} held talks" if kind == "talks" else f"{names} met"
    if kind == "visit":
        who = r["visitor"].search(t[: m.start()]) or r["lead_person"].search(t[: m.start()])
        where = r["place"].match(t[m.end() :])
        if not who or not where:
            return None
        demonym, titled, owner, titles = _visitor_res()
        visitor = demonym.sub("", who.group(1).strip())  # "German Defence Minister X"
        visitor = titled.sub("", visitor)
        visitor = owner.sub("", visitor)
        visitor = titles.sub("", visitor)
        return f"{visitor} visited {where.group('p')}"
    rest = _object_clause(t[m.end() :])
    for d in reversed(find_dates(rest, None)):
        rest = rest[: d.start] + rest[d.end :]
    rest = " ".join(rest.split())
    verb = "imposed sanctions" if kind == "sanction" and "sanctions" in m.group().lower() else _VERB_PAST[kind]
    if kind == "sanction" and "sanction" not in m.group().lower():
        verb = m.group()  # "listed the Houthis as specially designated global terrorists"
    if kind == "statement":  # "welcomes" -> "welcomed", "warns" -> "warned"
        word = m.group().lower()
        verb = (word[:-1] + ("d" if word[:-1].endswith("e") else "ed")) if word.endswith("s") else word
    return f"{subject} {verb} {rest}".strip() if subject else None
