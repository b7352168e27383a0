"""The offline extractor's per-article context and the helpers all sections share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..gazetteer import gazetteer
from ..numbers import Figure
from ..schema import (
    Article,
    DateRef,
    Quantity,
)
from .claimants import _AGENCY, _briefing_re, attribution, clean_claimant, resolve
from .dates import find_dates
from .patterns import _alt, patterns, side_name

if TYPE_CHECKING:
    from .claimants import Attribution, Names
    from .dates import DatePhrase
    from .sentences import Sentence


# ---------------------------------------------------------------- shared helpers


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
                    if self._briefed.get(person, agency) != agency:
                        agency = None
                    self._briefed[person] = agency
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


def _quantity(f: Figure) -> Quantity:
    return Quantity(text=f.text, equivalents=[Quantity(text=e.text) for e in f.equivalents])


def _counts(s: Sentence) -> list[Figure]:
    return [f for f in s.figures if not f.year_like and not f.percent and f.currency is None]


def _side_of(phrase: str, kind: str) -> str | None:
    """The side a whole phrase names ('North Korean soldiers' -> 'North Korean forces')."""
    return side_name(phrase, kind)


def _states(text: str, extra: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """(offset, canonical name) of every state, body or group named in ``text``; ``extra``: the article's own
    names for states (:meth:`Names.state_aliases`)."""
    p = patterns()
    found = [(m.start(), m.end(), p.state_alias[m.group()]) for m in p.state_re.finditer(text)]
    if extra:
        rx = re.compile(rf"(?<![\w-]){_alt([re.escape(k) for k in extra])}(?![\w-])")
        found += [(m.start(), m.end(), extra[m.group()]) for m in rx.finditer(text)
                  if not any(a < m.end() and m.start() < b for a, b, _ in found)]
    return [(a, name) for a, _, name in sorted(found)]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _is_country(place: str | None) -> bool:
    """The place names a whole country ("Russia", "the US", "Seoul"), not a region or town in one."""
    name = patterns().state_alias.get(place) if place else None
    return name is not None and gazetteer().is_state(name)


def _place(text: str) -> str | None:
    """The one specific place (region, city) a sentence names, else the one country, else None."""
    found = _unique([m.group() for m in patterns().places.finditer(text)])
    specific = [f for f in found if not _is_country(f)]
    if len(specific) == 1:
        return specific[0]
    return found[0] if len(found) == 1 else None


def _ctx_fields(ctx: Context, s: Sentence, anchor: int, attr: Attribution | None = None) -> dict[str, Any]:
    """Claimant, conduit and dates for an item stated at ``anchor`` in ``s``."""
    attr = attr or ctx.attr(s)
    claimed, period = ctx.when(s, anchor)
    return {"claimant": attr.claimant, "conduit": attr.conduit, "claimed": claimed, "period": period}


def _merge_evidence(keep: Any, drop: Any) -> None:
    quotes = {e.quote for e in keep.evidence}
    keep.evidence.extend(e for e in drop.evidence if e.quote not in quotes)
