"""One article being read: its sentences, names, dates, and who each sentence's claim is from.

:mod:`.claimants` reads one sentence's attribution; this module resolves what other sentences of the
article say about that speaker (an unnamed lawmaker named in the next sentence, the one body of a role
the article names, a person relaying an agency's briefing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..core.schema import Article, DateRef
from .claimants import Attribution, Names, attribution, clean_claimant
from .dates import find_dates
from .patterns import any_of, patterns

if TYPE_CHECKING:
    from .article_sentences import Sentence
    from .dates import DatePhrase


@dataclass
class Context:
    """One article being read: its sentences, names and cached attributions and dates."""

    article: Article
    sentences: list[Sentence]
    names: Names
    _attr: dict[int, Attribution] = field(default_factory=dict)
    _dates: dict[int, list[DatePhrase]] = field(default_factory=dict)

    _raw: dict[int, Attribution] = field(default_factory=dict)
    _briefed: dict[str, str | None] | None = None

    def raw_attr(self, s: Sentence) -> Attribution:
        """The sentence's own attribution, before roles and briefings are resolved."""
        if s.index not in self._raw:
            self._raw[s.index] = attribution(s, self.names)
        return self._raw[s.index]

    def attr(self, s: Sentence) -> Attribution:
        """The sentence's attribution with unnamed roles and briefed people resolved (see :func:`resolve`)."""
        if s.index not in self._attr:
            self._attr[s.index] = resolve(self, s, self.raw_attr(s))
        return self._attr[s.index]

    def briefed(self) -> dict[str, str | None]:
        """Person -> the one agency whose findings they relay in this article (None when several)."""
        if self._briefed is None:
            self._briefed = {}
            for s in self.sentences:
                a = self.raw_attr(s)
                pairs = [(a.conduit, a.claimant)] if a.conduit and a.claimant and _AGENCY.search(a.claimant) else []
                if m := _briefing_re().search(s.text):
                    who = clean_claimant(m.group("who"), self.names)
                    body = self.names.agency(m.group("body").strip())
                    if who[1] and who[0] and body:
                        pairs.append((who[0], body))
                for person, agency in pairs:
                    # a person who relays two agencies speaks for neither
                    self._briefed[person] = agency if self._briefed.get(person, agency) == agency else None
        return self._briefed

    def dates(self, s: Sentence) -> list[DatePhrase]:
        if s.index not in self._dates:
            self._dates[s.index] = find_dates(s.text, self.article.published)
        return self._dates[s.index]

    def when(self, s: Sentence, anchor: int) -> tuple[DateRef | None, DateRef | None]:
        """(claimed, period) of the event stated at ``anchor`` (a figure or verb offset in the sentence).

        A date right after a reporting verb, or opening the sentence just before one, is when it
        was said. The event's date opens the sentence ("In June, ...") or follows the anchor in the
        same clause ("killed over the weekend"); any other date is about something else.
        """
        claimed = period = None
        spans = self.attr(s).verb_spans
        for d in self.dates(s):
            said = any(0 <= d.start - v_end <= 12 for _, v_end in spans) or (
                d.start <= 3 and any(0 <= v_start - d.end <= 60 for v_start, _ in spans)
            )
            if said:
                claimed = claimed or d.ref
                continue
            between = s.text[anchor : d.start]
            if period is None and (d.start <= 3 or (d.start >= anchor and not re.search(r"[,;]\s", between))):
                period = d.ref
        return claimed, period

    def previous(self, s: Sentence) -> Sentence | None:
        """The sentence before ``s`` in the same paragraph."""
        if s.index == 0:
            return None
        prev = self.sentences[s.index - 1]
        return prev if prev.block == s.block and not prev.heading else None

    def fields(self, s: Sentence, anchor: int, attr: Attribution | None = None) -> dict[str, Any]:
        """Claimant, conduit and dates for an item stated at ``anchor`` in ``s``."""
        attr = attr or self.attr(s)
        claimed, period = self.when(s, anchor)
        return {"claimant": attr.claimant, "conduit": attr.conduit, "claimed": claimed, "period": period}


# ---------------------------------------------------------------- attribution across sentences


_AGENCY = re.compile(r"(?:Service|Agency|Staff|Directorate|Bureau|Command|Ministry|Council)$")


@lru_cache(maxsize=1)
def _briefing_re() -> re.Pattern[str]:
    nouns = any_of(patterns().raw["briefing_nouns"])
    return re.compile(rf"^(?P<who>(?:[A-Z][\w'’.-]+\s+){{0,3}}[A-Z][\w'’-]+)\s+(?:[a-z]+\s+){{1,3}}(?:an?|the)\s+"
                      rf"{nouns}\s+(?:by|from|with)\s+(?:the\s+)?(?P<body>(?:[A-Z][\w'’-]*\s+(?:(?:of|for|and)\s+)?){{0,6}}"
                      r"(?:\([A-Z]{2,6}\)|[A-Z][\w'’-]*))")


@lru_cache(maxsize=1)
def _role_res() -> dict[str, Any]:
    p = patterns()
    states = p.states
    return {
        "titles": {k: re.compile(rf"(?<![\w-]){any_of(v)}\s*$") for k, v in p.raw["role_titles"].items()},
        "lawmaker": re.compile(rf"^(?:[A-Z][\w-]*\s+){{0,2}}(?P<role>{any_of(list(p.raw['role_titles']))})$"),
        "body": re.compile(rf"^(?P<st>{states})(?:'s|’s|‘s)\s+(?P<role>{any_of(list(p.raw['role_bodies']))})$"),
        "bodies": {role: re.compile(rf"(?<![\w-]){any_of(names)}(?![\w-])")
                   for role, names in p.raw["role_bodies"].items()},
        "owner": re.compile(rf"(?P<st>{states})(?:'s|’s|‘s)\s+$"),
    }


def _occurrences(needle: str, text: str) -> Iterator[int]:
    """Where ``needle`` starts in ``text``, left to right without overlaps: re.finditer(re.escape(needle), text)'s
    starts, without compiling a pattern for each text."""
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + (len(needle) or 1))


def _role_body(ctx: Context, state: str, role: str) -> str | None:
    """The one body of ``role`` the article names that can be ``state``'s ('Seoul's Joint Chiefs of Staff')."""
    r, p = _role_res(), patterns()
    text = ctx.article.text
    fits: list[str] = []
    for body in dict.fromkeys(m.group() for m in r["bodies"][role].finditer(text)):
        owners = {p.state_alias[m.group("st")] for k in _occurrences(body, text)
                  if (m := r["owner"].search(text[max(0, k - 40) : k]))}
        if owners <= {state}:
            fits.append(ctx.names.agency(body) or body)
    return fits[0] if len(fits) == 1 else None


def resolve(ctx: Context, s: Sentence, raw: Attribution) -> Attribution:
    """Resolve what a later or earlier sentence of the article says about the speaker.

    'a South Korean lawmaker said' is the MP named in one of the next two sentences (with that
    sentence's source); "South Korea's military leadership" is the one such body the article names;
    a person who relays an agency's briefing speaks for the agency (claimant agency, conduit person).
    """
    r = _role_res()
    out = Attribution(raw.claimant, raw.conduit, raw.verb_spans)
    if out.claimant is None:
        return out
    if (m := r["lawmaker"].match(out.claimant)) and out.conduit is None:
        titles = r["titles"][m.group("role")]
        for nxt in ctx.sentences[s.index + 1 : s.index + 3]:
            a = ctx.raw_attr(nxt)
            person = a.conduit or a.claimant
            if person and (k := nxt.text.find(person)) >= 0 and titles.search(nxt.text[:k]):
                return Attribution(a.claimant, a.conduit, raw.verb_spans)
    elif m := r["body"].match(out.claimant):
        body = _role_body(ctx, patterns().state_alias[m.group("st")], m.group("role"))
        if body:
            out.claimant = body
    if out.conduit is None and (agency := ctx.briefed().get(out.claimant)):
        out.claimant, out.conduit = agency, out.claimant
    return out
