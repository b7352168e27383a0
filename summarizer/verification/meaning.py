"""Meaning checks: an item says what the sentences around its quotes say, or it is corrected or rejected.

Grounding (:mod:`summarizer.verification.grounding`) proves that a quote is in the article and that each figure's
number is in the quote. That is not enough: a troop count can be filed as casualties, "killed or
wounded" as killed, or "1,000 counter-drone systems" as 1,000 soldiers killed, and every word would
still be in the article. This module reads the sentences again, independently of whatever extracted
the item, with the offline extractor's clause patterns (the *second reader*), and checks:

* **measure**: a casualty figure sits in a clause about killing, wounding, casualties, losses or
  capture, counts people, and its measure is the one the clause states; a deployment size sits in
  a clause about troops sent, deployed, stationed or "in total" and is not a casualty figure; an arms
  or aid quantity counts the thing it is filed under; an aid amount carries a currency or counts goods;
* **who**: sides, forces, suppliers, recipients, donors and parties are named in the quote or the
  sentences around it; so is the claimant, or it is removed and the item is *unattributed*; a claimant
  the sentence names but the extractor left out is filled in;
* **status words**: a planned, withdrawn, rotated or repatriated deployment, a "delivered" transfer and
  a diplomatic event type need words that say so;
* **free text**: a number in a summary, an item name or a description is stated in the item's quotes.

When the second reader disagrees and the fix is unambiguous (killed -> killed or wounded, the side the
clause names, a quantity that counts containers rather than missiles), the item is corrected and a
note says what changed. Otherwise the item is rejected with a reason in plain words.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from ..core.numbers import Figure, find_figures, same_figure
from ..core.schema import Aid, ArmsTransfer, Casualty, Deployment, Diplomacy, Item, Quantity
from ..reading.article_sentences import Sentence, split_sentences
from ..reading.casualty_clauses import read_casualties
from ..reading.claimants import Names
from ..reading.context import Context
from ..reading.entities import Canonicalizer, key
from ..reading.patterns import patterns
from .injection import find_instructions, sentence_spans
from .named import claimant_named, named, stated_as_origin, stem_match, words_of

if TYPE_CHECKING:
    from ..core.schema import Article

WINDOW_SENTENCES = 3
"""Sides and forces must appear in the quote's sentences, this many sentences around them, or the title."""

_MEASURE_WORDS = {"killed": "killed", "wounded": "wounded", "captured": "captured", "missing": "missing",
                  "killed_or_wounded": "killed or wounded"}

# Words the second reader's tables do not hold but a clause about losses uses. Combined phrases first.
_EXTRA_MEASURE_PHRASES: dict[str, list[str]] = {
    "killed_or_wounded": ["killed or injured", "killed and injured", "dead and injured", "dead or injured",
                          "casualty", "victims", "lost"],
    "killed": ["killing", "killings", "died", "die", "dying", "death", "lives", "bodies", "fatality", "slain",
               "perished", "killed in action"],
    "wounded": ["wounding", "injuring", "injury", "hurt", "wounds"],
    "captured": ["capture", "capturing", "prisoner", "POW", "surrendered"],
    "missing": ["missing in action"],
}

# What a casualty figure may count: people, and the words that may stand between a figure and its verb.
_PEOPLE = frozenset("""
people persons person civilians civilian soldiers soldier troops troop servicemen serviceman fighters fighter
men women children residents members personnel military forces recruits conscripts mercenaries marines
paratroopers troopers officers victims bodies prisoners prisoner captives pows dead deaths casualties wounded
injured killed others more of whom were was are is have has had been be being reportedly already also
in on at and or among including during from since over to as with by while after before near inside
who which that had died so far total altogether each this last per cent percent according
""".split())
_TROOPS = frozenset("""
troops troop soldiers soldier servicemen personnel fighters forces military men recruits conscripts
marines paratroopers units brigades battalions regiments workers labourers of more additional
in on at and or were was are is have has had been reportedly already also to into total altogether
who which that there operating stationed deployed sent
""".split())
# Personnel named as if they were a weapon, or a quote that speaks of troops without a deployment verb.
# A name whose last word is personnel ("troops", "North Korean troops") names people, whatever comes before it.
_PERSONNEL = re.compile(r"(?:[\w'’.-]+\s+)*(?:troops?|soldiers?|servicemen|personnel|fighters?|mercenaries|forces"
                        r"|conscripts|recruits)", re.IGNORECASE)
_MILITARY = re.compile(r"\b(?:troops?|soldiers?|servicemen|personnel|fighters?|mercenaries|forces|units?|arm(?:y|ies)"
                       r"|brigades?|battalions?|regiments?|contingent|enter\w*|patrol\w*)\b", re.IGNORECASE)
_DEPLOYMENT_CLAUSE = re.compile(
    r"\b(?:deploy\w*|dispatch\w*|station\w*|sen[dt]\w*|operat\w*|in\s+total|there\s+(?:are|were)|arriv\w*"
    r"|transferr?\w*|moved?|present|fight\w*|serv\w*|based|rotat\w*|repatriat\w*|withdr[ae]w\w*|pull\w*|out\s+of"
    r"|(?:are|were|is|was|remain\w*)\s+(?:now\s+|still\s+|already\s+)?(?:in|inside)"
    r"|brought\s+home|returned|bolster\w*|reinforc\w*|join\w*|contingent|force\s+of|assembl\w*|mobili[sz]\w*)\b",
    re.IGNORECASE,
)
_STATUS_WORDS: dict[str, re.Pattern[str]] = {
    "planned": re.compile(r"\b(?:plan\w*|prepar\w*|will|would|could|may|might|intend\w*|expected|set\s+to|ready"
                          r"|consider\w*|signs?\s+(?:of|that)|rumou?rs?|additional|further|future|upcoming|possible)\b",
                          re.IGNORECASE),
    "withdrawn": re.compile(r"\b(?:withdr[ae]w\w*|pull\w*|retreat\w*|left|leav\w*|depart\w*|exit\w*|out\s+of)\b",
                            re.IGNORECASE),
    "repatriated": re.compile(r"\b(?:repatriat\w*|return\w*|home|back|evacuat\w*)\b", re.IGNORECASE),
    "rotated": re.compile(r"\b(?:rotat\w*|swap\w*|replac\w*|replenish\w*|relie[vf]\w*|fresh)\b", re.IGNORECASE),
}
_ALLEGED = re.compile(r"\b(?:according\s+to|accus\w*|alleg\w*|reportedly|suspect\w*|claim\w*|believed|denied"
                      r"|den(?:y|ies)|intelligence)\b", re.IGNORECASE)
_EVENT_WORDS: dict[str, re.Pattern[str]] = {
    "agreement_signed": re.compile(r"\b(?:sign\w*|inked|conclud\w*|agreed|seal\w*)\b[^.]*\b(?:agreement|treaty|pact"
                                   r"|deal|accord|partnership|memorandum)|\b(?:agreement|treaty|pact|deal|accord"
                                   r"|partnership|memorandum)\b[^.]*\b(?:sign\w*|inked|conclud\w*|seal\w*)",
                                   re.IGNORECASE),
    "agreement_in_force": re.compile(r"\b(?:in\s+force|into\s+force|(?:take|takes|took|taken|taking)\s+effect"
                                     r"|in\s+effect|ratif\w*|(?:came|come|comes|coming)\s+into|effective|entered"
                                     r"|(?:start\w*|began|begin\w*|hold\w*|held)\b[^.]*\b(?:agreement|treaty|pact"
                                     r"|deal|accord|ceasefire|truce|partnership)|(?:agreement|treaty|pact|deal|accord"
                                     r"|ceasefire|truce|partnership)\b[^.]*\b(?:start\w*|began|begin\w*|hold\w*|held))\b",
                                     re.IGNORECASE),
    "visit": re.compile(r"\b(?:visit\w*|trip|travel\w*|arriv\w*|hosted|welcom\w*|toured|in\s+\w+\s+for"
                        r"|fl(?:y|ew|ies|ying)|head\w*\s+to|went\s+to|go(?:es|ing)?\s+to|summit)\b", re.IGNORECASE),
    "meeting": re.compile(r"\b(?:met|meet\w*|talks|summit|hosted|conference|gathering|session)\b", re.IGNORECASE),
    "talks": re.compile(r"\b(?:talks|negotiat\w*|discuss\w*|call|spoke|dialogue|consultations?)\b", re.IGNORECASE),
    "condemnation": re.compile(r"\b(?:condemn\w*|denounc\w*|criticis\w*|criticiz\w*|deplor\w*|protest\w*"
                               r"|slammed|rebuk\w*|decr[iy]\w*)\b", re.IGNORECASE),
    "sanction": re.compile(r"\b(?:sanction\w*|restrict\w*|ban\w*|freez\w*|froz\w*|embargo\w*|blacklist\w*"
                           r"|designat\w*|terroris[mt]\w*|listed|tariff\w*|penalt\w*)\b", re.IGNORECASE),
}
@dataclass
class Outcome:
    """What the meaning checks found for one item."""

    reasons: list[str] = field(default_factory=list)  # non-empty: reject the item
    notes: list[str] = field(default_factory=list)  # corrections made, in plain words


class Reader:
    """The second reader for one article: its sentences, the offline clause patterns and attributions."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self._sentences: list[Sentence] | None = None
        self._starts: list[int] = []
        self._ctx: Context | None = None
        self._casualties: dict[int, list[tuple[Figure, str, str | None, int]]] = {}
        self.instructions = find_instructions(article.text)
        self._spans = [sp for sp in sentence_spans(article.text)
                       if not any(f.start < sp[1] and sp[0] < f.end for f in self.instructions)]
        self.canon = _canonicalizer()

    @property
    def sentences(self) -> list[Sentence]:
        """The offline extractor's sentences (split on first use: only figure and claimant checks need them)."""
        if self._sentences is None:
            self._sentences = split_sentences(self.article.text)
            self._starts = [s.start for s in self._sentences]
        return self._sentences

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            self._ctx = Context(self.article, self.sentences, Names(self.article.text))
        return self._ctx

    @cached_property
    def plain_figures(self) -> list[Figure]:
        """Every figure the text states outside instructions, bracketed conversions included."""
        return [g for f in find_figures(self.plain_text) for g in (f, *f.equivalents)]

    @cached_property
    def plain_text(self) -> str:
        """The article's text without its instruction-like sentences."""
        text = self.article.text
        for f in reversed(self.instructions):
            text = text[: f.start] + " " + text[f.end :]
        return text

    def sentence_at(self, offset: int) -> Sentence | None:
        sentences = self.sentences
        k = bisect_right(self._starts, offset) - 1
        if k >= 0 and offset < sentences[k].end:
            return sentences[k]
        return None

    def sentences_over(self, start: int, end: int) -> list[Sentence]:
        return [s for s in self.sentences if s.start < end and start < s.end]

    def window(self, spans: list[tuple[int, int]], k: int = WINDOW_SENTENCES) -> str:
        """The quotes' sentences and ``k`` sentences either side, without instruction-like sentences.

        Sentences here come from a plain end-punctuation split: a name lookup needs no finer cut.
        """
        idx = [i for i, (a, b) in enumerate(self._spans) for s, e in spans if a < e and s < b]
        text = self.article.text
        if not idx:
            return " ".join(text[a:b] for a, b in spans)
        lo, hi = max(0, min(idx) - k), min(len(self._spans), max(idx) + k + 1)
        return " ".join([self.article.title, *(text[a:b] for a, b in self._spans[lo:hi])])

    def casualty_reading(self, offset: int) -> tuple[str, str | None] | None:
        """(measure, side) the offline clause patterns read for the figure at ``offset``, if they read one."""
        s = self.sentence_at(offset)
        if s is None:
            return None
        if s.index not in self._casualties:  # an item's figures, and the items of one sentence, ask again
            self._casualties[s.index] = read_casualties(s)
        for f, measure, side, _ in self._casualties[s.index]:
            if s.start + f.start <= offset < s.start + f.end:
                return measure, side
        return None

    def claimant_of(self, offset: int) -> tuple[str | None, str | None]:
        """(claimant, conduit) the offline attribution reads for the sentence at ``offset``."""
        s = self.sentence_at(offset)
        if s is None or s.heading:
            return None, None
        a = self.ctx.attr(s)
        return a.claimant, a.conduit


@lru_cache(maxsize=1)
def _canonicalizer() -> Canonicalizer:
    return Canonicalizer(use_env=False)


# ---------------------------------------------------------------- clause reading


@lru_cache(maxsize=1)
def _measure_re() -> tuple[re.Pattern[str], dict[str, str]]:
    p = patterns()
    table: dict[str, str] = {**p.measure_noun, **p.measure_verb}
    for m, phrases in _EXTRA_MEASURE_PHRASES.items():
        for ph in phrases:
            table.setdefault(ph.lower(), m)
    alts = sorted(table, key=len, reverse=True)
    rx = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in alts) + r")(?![\w-])", re.IGNORECASE)
    return rx, table


def _clause(s: Sentence, rel: int) -> tuple[int, int]:
    """Sentence-relative bounds of the clause (between semicolons) holding offset ``rel``."""
    a = s.text.rfind(";", 0, rel) + 1
    b = s.text.find(";", rel)
    return a, (len(s.text) if b < 0 else b)


def clause_measures(text: str) -> list[tuple[int, str]]:
    """(offset, measure) of every casualty word in ``text``, longest phrase first ("killed or wounded")."""
    rx, table = _measure_re()
    return [(m.start(), table[m.group().lower()]) for m in rx.finditer(text)]


# Things a figure can count that are not people or troops ("100 villages", "1,000 counter-drone ... systems",
# "10,000 containers"). A figure is taken to count something else only when the words after it name one of
# these: an unknown noun ("2,000 reservists") is given the benefit of the doubt.
_THINGS = frozenset("""
village town city settlement home house building apartment school hospital km kilometre kilometer mile metre
meter hectare tonne ton kilogram kg system drone missile rocket shell round container shipment vehicle tank
howitzer launcher gun rifle weapon munition aircraft jet plane helicopter ship boat vessel radar truck car wagon
train box crate package dollar euro pound rouble ruble percent day week month year hour minute time attack strike
sortie target position item piece set kit battery generator barrel litre liter dose bed point projectile bomb
mine grenade cartridge ammunition artillery equipment page document
""".split())
_FUNCTION = frozenset("the a an this these those that which who its their worth more additional new further "
                      "so per each every".split())
_PHRASE_STOP = frozenset("of and or in on at to for from with by near during since over as were was are is have "
                         "has had been who which that".split())


def _counts_other_thing(s: Sentence, rel_end: int, allowed: frozenset[str]) -> str | None:
    """The first word after a figure when the words it counts name a thing, not people (and not a name)."""
    words = re.findall(r"[^\W\d_][\w'’-]*", re.split(r"[,;:.()\"“”]", s.text[rel_end:], maxsplit=1)[0])[:5]
    if not words:
        return None
    first = words[0]
    if first[0].isupper() or first.lower() in allowed or first.lower() in _measure_re()[1]:
        return None
    phrase = []
    for w in words:
        if w.lower() in _PHRASE_STOP:
            break
        phrase.append(w.lower())
    if any(w in _THINGS or w.removesuffix("s") in _THINGS or w.removesuffix("es") in _THINGS
           or w.split("-")[-1].removesuffix("s") in _THINGS for w in phrase):
        return first
    return None


def _figure_at(s: Sentence, offset: int) -> Figure | None:
    for f in s.figures:
        if s.start + f.start <= offset < s.start + f.end:
            return f
    return None


# ---------------------------------------------------------------- the checks


def check(section: str, item: Item, reader: Reader, found: dict[str, list[int]], spans: list[tuple[int, int]],
          stated: list[Figure]) -> Outcome:
    """Check (and possibly correct, in place) one grounded item.

    ``found`` maps each figure's name to the article offsets of the quoted figures it matches; where the
    same number is quoted twice ("more than 10,000 soldiers ... more than 10,000 containers"), the one whose
    clause fits the item is taken.
    """
    out = Outcome()
    located = {name: _best(section, name, item, offsets, reader) for name, offsets in found.items() if offsets}
    window = reader.window(spans)
    if isinstance(item, Casualty):
        _casualty(item, reader, located, window, out)
    elif isinstance(item, Deployment):
        _deployment(item, reader, located, spans, window, out)
    elif isinstance(item, ArmsTransfer):
        _arms(item, reader, located, spans, window, out)
    elif isinstance(item, Aid):
        _aid(item, reader, located, window, out)
    elif isinstance(item, Diplomacy):
        _diplomacy(item, spans, reader, window, out)
    _free_text(item, stated, reader, out)
    if not out.reasons:
        _claimant(item, reader, spans, window, out)
    return out


def _best(section: str, name: str, item: Item, offsets: list[int], reader: Reader) -> int:
    """Of several places a figure is quoted, the one that reads as what the item files it under."""
    if len(offsets) == 1:
        return offsets[0]
    if section == "casualties":  # a place that reads as the very measure filed, else any casualty reading
        read = [(at, r) for at in offsets if (r := reader.casualty_reading(at)) is not None]
        unread = [at for at in offsets if all(at != a for a, _ in read)]  # the loose check reads these
        return next((at for at, r in read if r[0] == name), (unread or [a for a, _ in read] or offsets)[0])
    if section == "deployments":
        return next((at for at in offsets if reader.casualty_reading(at) is None), offsets[0])
    label = ""
    if isinstance(item, ArmsTransfer) and (m := _ITEM_FIELD.fullmatch(name)):
        label = item.items[int(m.group(1))].name
    elif isinstance(item, Aid) and (m := _COMPONENT_FIELD.fullmatch(name)):
        label = item.components[int(m.group(1))].description
    if label:
        fits = [at for at in offsets if (t := _counted_noun(reader, at)) and _same_thing(t, label)]
        things = [at for at in offsets if (t := _counted_noun(reader, at)) and t.split()[0].lower() not in _PEOPLE
                  and not t[0].isupper()]
        return (fits or things or offsets)[0]
    return offsets[0]


def _casualty(item: Casualty, reader: Reader, located: dict[str, int], window: str, out: Outcome) -> None:
    sides: set[str] = set()
    for measure, q in list(item.figures().items()):
        at = located.get(measure)
        s = reader.sentence_at(at) if at is not None else None
        if at is None or s is None:
            continue
        said: str | None
        reading = reader.casualty_reading(at)
        if reading is not None:
            said, side = reading
            if side:
                sides.add(side)
        else:
            said = _loose_measure(s, at - s.start, q.text, measure, out)
            if said is None:
                return
        if said != measure:
            if getattr(item, said) is not None:
                out.reasons.append(f"{q.text!r} is filed as {_MEASURE_WORDS[measure]}, but the article reports it "
                                   f"as {_MEASURE_WORDS[said]}, which the item already gives")
                return
            setattr(item, measure, None)
            setattr(item, said, q)
            out.notes.append(f"measure corrected: {q.text} {_MEASURE_WORDS[measure]} → {_MEASURE_WORDS[said]} "
                             "(as the article words it)")
    if len(sides) > 1:
        out.reasons.append(f"the item's figures belong to different sides in the article ({', '.join(sorted(sides))})")
        return
    canon = reader.canon
    if sides:
        side = next(iter(sides))
        # "people" is "people in Goma" read without where; "Wagner Group" and "Wagner mercenaries" share the name
        shared = set(key(side).split()) & set(key(item.side).split()) - _GENERIC_SIDE_WORDS
        if canon.side(side) != canon.side(_side_part(item.side)) and not shared:
            out.notes.append(f"side corrected: {item.side} → {side} (the side the article's clause names)")
            item.side = side
    elif not named(_side_part(item.side), window):
        out.reasons.append(f"the side {item.side!r} is not named in or near the quote")


def _loose_measure(s: Sentence, rel: int, text: str, measure: str, out: Outcome) -> str | None:
    """The measure a clause states for a figure the clause patterns did not read; None after a rejection."""
    f = _figure_at(s, s.start + rel)
    end = f.end if f is not None else rel
    other = _counts_other_thing(s, end, _PEOPLE)
    if other is not None:
        out.reasons.append(f"{text!r} counts {other!r}, not people killed, wounded or captured")
        return None
    a, b = _clause(s, rel)
    found = {m for _, m in clause_measures(s.text[a:b])}
    if not found:
        out.reasons.append(f"{text!r} is not in a clause about killing, wounding, casualties, losses or capture "
                           f"(it reads: {_clip(s.text[a:b])!r})")
        return None
    if measure in found:
        return measure
    if len(found) == 1:
        return next(iter(found))
    words = ", ".join(_MEASURE_WORDS[m] for m in sorted(found))
    out.reasons.append(f"{text!r} is filed as {_MEASURE_WORDS[measure]}, but its clause speaks of {words}")
    return None


def _deployment(item: Deployment, reader: Reader, located: dict[str, int], spans: list[tuple[int, int]],
                window: str, out: Outcome) -> None:
    if item.size is not None and (at := located.get("size")) is not None and (s := reader.sentence_at(at)):
        text = item.size.text
        reading = reader.casualty_reading(at)
        f = _figure_at(s, at)
        rel = at - s.start
        a, b = _clause(s, rel)
        if reading is not None:
            out.reasons.append(f"size {text!r} is reported as {_MEASURE_WORDS[reading[0]]}, not as troops sent")
            return
        other = _counts_other_thing(s, f.end if f else rel, _TROOPS)
        if other is not None:
            out.reasons.append(f"size {text!r} counts {other!r}, not troops")
            return
        if not _DEPLOYMENT_CLAUSE.search(s.text[a:b]):
            out.reasons.append(f"size {text!r} is not in a clause about troops sent, deployed, stationed or in "
                               f"total (it reads: {_clip(s.text[a:b])!r})")
            return
    if item.size is None and item.status == "deployed":
        _fill_size(item, reader, spans, out)
    quotes = " ".join(reader.article.text[a:b] for a, b in spans)
    if not _DEPLOYMENT_CLAUSE.search(quotes) and not _MILITARY.search(quotes):
        out.reasons.append("the quote says nothing of troops sent, deployed or stationed")
        return
    if item.status in _STATUS_WORDS and not _STATUS_WORDS[item.status].search(quotes):
        out.reasons.append(f"status {item.status!r}: the quote says nothing of troops being {item.status}")
        return
    if not named(_side_part(item.force), window):
        out.reasons.append(f"the force {item.force!r} is not named in or near the quote")
        return
    for name in ("origin", "destination"):
        place = getattr(item, name)
        if place and not named(place, window):
            setattr(item, name, None)
            out.notes.append(f"{name} {place!r} removed: the article does not name it near the quote")
    # troops sent or planned come from their own state or from where the text says; troops brought home,
    # rotated or withdrawn leave the place they were in, which naming it is enough to state
    if item.origin and item.status in ("deployed", "planned") and not stated_as_origin(item.origin, item.force,
                                                                                        window):
        out.notes.append(f"origin {item.origin!r} removed: the article does not say the troops came from there")
        item.origin = None


def _fill_size(item: Deployment, reader: Reader, spans: list[tuple[int, int]], out: Outcome) -> None:
    """A deployment without a size whose quotes state exactly one count of troops, in a deployment clause."""
    troop = _troop_after()
    counts = [(s, f) for a, b in spans for s in reader.sentences_over(a, b) for f in s.figures
              if a <= s.start + f.start < b and not (f.year_like or f.percent or f.currency)
              and troop.match(s.text[f.end :])]
    if len(counts) != 1:
        return
    s, f = counts[0]
    c0, c1 = _clause(s, f.start)
    if reader.casualty_reading(s.start + f.start) is not None or not _DEPLOYMENT_CLAUSE.search(s.text[c0:c1]):
        return
    item.size = Quantity(text=f.text)
    out.notes.append(f"size filled in from the quote: {f.text} (the one troop count it states)")


@lru_cache(maxsize=1)
def _troop_after() -> re.Pattern[str]:
    """A troop noun right after a figure ("5,000 more soldiers"): compiled once (the pattern names every demonym)."""
    return re.compile(rf"\s+(?:more\s+|additional\s+)?(?:{patterns().troop})(?![\w-])", re.IGNORECASE)


def _unnamed(item: Item, fields: tuple[str, ...], reader: Reader, window: str, out: Outcome) -> bool:
    """Reject the item when one of these states is named neither near the quote nor anywhere in the article."""
    for who in fields:
        name = getattr(item, who)
        if not named(name, reader.plain_text) and not named(name, window):  # the whole text first: its words are kept
            out.reasons.append(f"the {who} {name!r} is not named in the article")
            return True
    return False


def _arms(item: ArmsTransfer, reader: Reader, located: dict[str, int], spans: list[tuple[int, int]], window: str,
          out: Outcome) -> None:
    if _unnamed(item, ("supplier", "recipient"), reader, window, out):
        return
    people = [it.name for it in item.items if _PERSONNEL.fullmatch(it.name.strip())]
    if people:  # soldiers sent abroad are a deployment, never an arms transfer
        out.reasons.append(f"{', '.join(map(repr, people))} are personnel, not arms: a deployment, not a transfer")
        return
    things = [_quantity_noun(it.quantity, located.get(f"items[{k}]"), reader) for k, it in enumerate(item.items)]
    for it, thing in zip(item.items, things, strict=True):
        if it.quantity and thing and thing.split()[-1].lower() in _PEOPLE:  # "deployed 18,000 troops" as vehicles
            out.reasons.append(f"{it.quantity.text!r} counts {thing} in the article: people, not arms; "
                               "a deployment, not a transfer")
            return
    for it, thing in zip(item.items, things, strict=True):
        if not _counts_it(it.quantity, it.name, thing, out):
            it.quantity = None
    quotes = " ".join(reader.article.text[a:b] for a, b in spans)
    if item.status == "delivered" and _ALLEGED.search(quotes):
        item.status = "alleged"
        out.notes.append("status corrected: delivered → alleged (the article attributes the transfer)")


def _quantity_noun(q: Quantity | None, at: int | None, reader: Reader) -> str | None:
    """What a located quantity counts in the article (_counted_noun), or None without one."""
    return _counted_noun(reader, at) if q is not None and at is not None else None


def _counts_it(q: Quantity | None, name: str, thing: str | None, out: Outcome) -> bool:
    """False, with a note, when the quoted quantity counts another thing (``thing``, from _quantity_noun) than
    the one it is filed under ("10,000 containers" is not 10,000 missiles)."""
    if q is None or thing is None or _same_thing(thing, name):
        return True
    out.notes.append(f"quantity {q.text!r} removed from {name!r}: the article counts {thing!r}")
    return False


def _aid(item: Aid, reader: Reader, located: dict[str, int], window: str, out: Outcome) -> None:
    if _unnamed(item, ("donor", "recipient"), reader, window, out):
        return
    if item.amount is not None and not (item.amount.unit or _has_currency(item.amount.text)):
        at = located.get("amount")
        thing = _counted_noun(reader, at) if at is not None else None
        if thing is None or thing.lower() in _PEOPLE:
            out.reasons.append(f"aid amount {item.amount.text!r} has no currency and counts no goods")
            return
    for k, c in enumerate(item.components):
        thing = _quantity_noun(c.quantity, located.get(f"components[{k}].quantity"), reader)
        if not _counts_it(c.quantity, c.description, thing, out):
            c.quantity = None
        if c.amount is not None and not (c.amount.unit or _has_currency(c.amount.text)):
            out.notes.append(f"amount {c.amount.text!r} removed from {c.description!r}: it has no currency")
            c.amount = None
    if not item.figures():
        out.reasons.append("the aid item states no amount in a currency and no quantity of goods")


def _diplomacy(item: Diplomacy, spans: list[tuple[int, int]], reader: Reader, window: str, out: Outcome) -> None:
    quotes = " ".join(reader.article.text[a:b] for a, b in spans)
    if item.event_type == "statement" and any(
            reader.casualty_reading(s.start + f.start) for a, b in spans for s in reader.sentences_over(a, b)
            for f in s.figures if a <= s.start + f.start < b):
        out.reasons.append("the statement's quote reports casualties: a casualty claim, not a diplomatic event")
        return
    rx = _EVENT_WORDS.get(item.event_type)
    if rx is not None and not rx.search(quotes):
        out.reasons.append(f"event type {item.event_type.replace('_', ' ')!r}: the quote says nothing of it")
        return
    for p in item.parties:  # a party may be named once, by its capital or leader, paragraphs earlier
        if not named(p, reader.plain_text) and not named(p, window):
            out.reasons.append(f"the party {p!r} is not named in the article")
            return


def _counted_noun(reader: Reader, at: int) -> str | None:
    """The words a figure counts in the article ("containers", "counter-drone electronic warfare systems")."""
    s = reader.sentence_at(at)
    f = _figure_at(s, at) if s is not None else None
    if s is None or f is None:
        return None
    m = _WORDS_AFTER.match(s.text[f.end :])
    if not m:
        return None
    words = m.group(1).split()
    stop = next((i for i, w in enumerate(words) if w.lower() in _PHRASE_STOP or w.lower() in _FUNCTION), None)
    words = words[:stop] if stop is not None else words  # "140,000 that the government ...": counts nothing named
    return " ".join(words).strip(" ,;") or None


def _same_thing(counted: str, name: str) -> bool:
    """The counted noun and the item's name share a word (by stem): "systems" / "electronic warfare systems"."""
    a = [w for w in words_of(counted) if len(w) > 2]
    b = set(words_of(name))
    return any(stem_match(w, b) for w in a)


def _has_currency(text: str) -> bool:
    return any(f.currency for f in find_figures(text))


# Compiled with the module (not by the first article that needs them).
_ITEM_FIELD = re.compile(r"items\[(\d+)\]")
_COMPONENT_FIELD = re.compile(r"components\[(\d+)\]\.\w+")
_WORDS_AFTER = re.compile(r"\s*((?:[^\W\d_][\w'’-]*\s*){1,4})")
# A number followed by a unit of measure in a name is a calibre or size ("155 mm artillery shells"), not a count.
_MEASURE_UNIT = re.compile(r"\s?-?(?:mm|cm|km|m|kg|kt|t|kw|mw|mph)\b|\s?-?(?:millimet|kilomet|calib)", re.IGNORECASE)


def _free_text(item: Item, stated: list[Figure], reader: Reader, out: Outcome) -> None:
    """A number in a summary, name or description must be stated in the item's quotes.

    One the article states elsewhere is removed from the text, with a note; one the article never states
    (outside planted instructions) makes a summary an invention, and the item is rejected.
    """

    def unstated(text: str) -> list[Figure]:
        return [f for f in find_figures(text) if not f.year_like and not _MEASURE_UNIT.match(text[f.end :])
                and not any(same_figure(f, g) for g in stated)]

    texts: list[tuple[object, str]] = []
    if isinstance(item, Diplomacy):
        texts = [(item, "summary")]
    elif isinstance(item, ArmsTransfer):
        texts = [(it, "name") for it in item.items]
    elif isinstance(item, Aid):
        texts = [(c, "description") for c in item.components]
    for obj, attr in texts:
        text = original = getattr(obj, attr)
        for f in reversed(unstated(text)):
            if not any(same_figure(f, g) for g in reader.plain_figures):
                out.reasons.append(f"the {attr} states {f.text!r}, which the article does not")
                return
            text = " ".join((text[: f.start] + text[f.end :]).split())
            out.notes.append(f"number {f.text!r} removed from the {attr}: its quotes do not state it")
        if text != original:
            if not re.search(r"[^\W\d_]", text):
                out.reasons.append(f"the {attr} {original!r} is only a number its quotes do not state")
                return
            setattr(obj, attr, text)
    for name in ("location", "unit"):
        value = getattr(item, name, None)
        if isinstance(value, str) and unstated(value):
            setattr(item, name, None)
            out.notes.append(f"{name} {value!r} removed: its number is not in the quotes")


def _claimant(item: Item, reader: Reader, spans: list[tuple[int, int]], window: str, out: Outcome) -> None:
    # Near the quote, else anywhere in the article (a source named once is relayed paragraphs later),
    # never in a planted instruction. The whole text is asked first: its words are worked out once per article.
    if item.claimant and not claimant_named(item.claimant, reader.plain_text) and not claimant_named(
            item.claimant, window):
        out.notes.append(f"claimant {item.claimant!r} removed: the article never names it")
        item.claimant = None
    if item.conduit and not claimant_named(item.conduit, reader.plain_text) and not claimant_named(
            item.conduit, window):
        out.notes.append(f"conduit {item.conduit!r} removed: the article never names it")
        item.conduit = None
    if item.claimant is None and spans:
        claimant, conduit = reader.claimant_of(spans[0][0])
        if claimant and _plausible(claimant):
            item.claimant = claimant
            item.conduit = item.conduit or (conduit if conduit != claimant else None)
            out.notes.append(f"claimant filled in from the article: {claimant}")


def _plausible(name: str) -> bool:
    """A name with at least one word that is not a function word ("By the" is not a claimant)."""
    return any(len(w) > 1 and w not in _FUNCTION and w not in _PHRASE_STOP and w != "by" for w in words_of(name))


_GENERIC_SIDE_WORDS = frozenset({"forces", "people", "group", "and", "in", "the", "troops", "soldiers", "fighters"})


def _side_part(side: str) -> str:
    """The people of a side without its place: "people in Sudan" -> "people" (the place is checked elsewhere)."""
    return re.split(r"\s+(?:in|near|at|of the city of)\s+", side, maxsplit=1)[0]


def _clip(text: str, n: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
