"""The offline extractor's pattern tables: ``summarizer/data/offline_patterns.yaml``, compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..core.dates import MONTH_NAMES
from ..core.errors import ConfigError
from ..core.prefilter import as_written, led, word_starts
from ..core.resources import data_path, read_data_yaml
from .gazetteer import gazetteer

PATTERNS_FILE = "offline_patterns.yaml"
MONTHS = MONTH_NAMES  # the one month table: summarizer/core/dates.py
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
QUOTES = "\"“”'‘’"
NODOT = r"(?:[^.;]|\.(?=\d))"  # any character but a full stop or semicolon; "1.1" is fine
END_PUNCT = ".!?\"”’'):"


# ---------------------------------------------------------------- pattern tables


def any_of(phrases: list[str]) -> str:
    """A regex alternation of phrases (regex fragments), longest first."""
    return "(?:" + "|".join(by_length(phrases)) + ")"


def by_length(phrases: list[str]) -> list[str]:
    """The phrases in the order :func:`any_of` tries them: the longest first, ties as given."""
    return sorted(phrases, key=len, reverse=True)


def word_re(phrases: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    r"""Any of the phrases (regex fragments) as whole words: ``(?<![\w-]){any_of(phrases)}(?![\w-])``, searched by
    skipping to the phrases' first letters (:func:`~summarizer.core.prefilter.led`) when each opens with one."""
    return re.compile(_whole_words(any_of(phrases), by_length(phrases), flags), flags)


def _whole_words(alternation: str, ordered: list[str], flags: int) -> str:
    r"""``(?<![\w-]){alternation}(?![\w-])``, rewritten with led() over ``ordered`` (the alternatives the
    alternation tries, in its order) when every one opens with a letter or digit."""
    as_is = rf"(?<![\w-]){alternation}(?![\w-])"
    try:
        fast = led(ordered, r"[\w-]", icase=bool(flags & re.IGNORECASE))
    except ValueError:
        return as_is
    return as_written(fast + r"(?![\w-])", as_is)


# Gazetteer slots in the side, troop and phrase templates of the pattern file, and the
# gazetteer table each one draws from.
_SLOTS = ("demonym", "people", "state", "group_adj", "group")


@dataclass(frozen=True)
class Patterns:
    """The compiled pattern tables."""

    raw: dict[str, Any]
    measure_noun: dict[str, str]  # phrase (lower) -> measure
    measure_verb: dict[str, str]
    noun_re: str
    verb_re: str
    side_noun: dict[str, re.Pattern[str]]  # template key -> fullmatch pattern with named slots
    side_adj: dict[str, re.Pattern[str]]
    side_noun_alt: str  # every side noun phrase, no groups (to embed in larger patterns)
    side_adj_alt: str
    any_side: re.Pattern[str]
    rate: re.Pattern[str]
    troop: str
    state_alias: dict[str, str]  # alias -> canonical
    demonyms: str  # regex of every state's demonym ("North Korean"; a trie, case-sensitive), built once
    states: str  # regex of every alias (a trie, case-sensitive): embed as (?P<x>{states})
    state_re: re.Pattern[str]
    # the parts of {states} and {demonyms}, each as first character -> the rest (see first_of()): "base" (the
    # aliases), "the" and "dem" (the two ways a demonym phrase opens), "demonym" (the demonyms alone)
    opening: dict[str, dict[str, str]]
    places: re.Pattern[str]
    units: re.Pattern[str]
    attribution: re.Pattern[str]


class _Aliases(dict[str, str]):
    """Alias -> canonical name, plus the phrases of a demonym and an institution ("the Russian army")."""

    def __init__(self, base: dict[str, str], phrase: re.Pattern[str], demonyms: dict[str, str]) -> None:
        super().__init__(base)
        self._phrase, self._demonyms = phrase, demonyms

    def _of_phrase(self, key: object) -> str | None:
        m = self._phrase.fullmatch(key) if isinstance(key, str) else None
        return self._demonyms.get(m.group("dem")) if m else None

    def __missing__(self, key: str) -> str:
        found = self._of_phrase(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: str, default: Any = None) -> Any:
        found = dict.get(self, key)
        return found if found is not None else (self._of_phrase(key) or default)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or self._of_phrase(key) is not None


def _ordered(patterns_: list[str]) -> str:
    """An alternation in the given order: the pattern file lists "Houthi rebels" before "Houthis"."""
    return "(?:" + "|".join(patterns_) + ")"


def trie(words: Any) -> str:
    """One regex matching any of ``words`` literally, longest first, case-sensitively (a trie: fast to search)."""
    from retrie.trie import Trie

    t = Trie()
    for w in sorted(set(words)):
        t.add(w)
    return "(?-i:" + t.pattern() + ")"


def trie_rests(words: Any) -> dict[str, str]:
    """First character -> what follows it in :func:`trie` of the words opening with it, as a case-sensitive regex
    ("" where that character alone is the only such word): trie(words) is the alternation of each character and
    its rest, so an alternation can be rebuilt to open with the character (:func:`first_of`)."""
    from retrie.trie import Trie

    out: dict[str, list[str]] = {}
    for w in sorted(set(words)):
        out.setdefault(w[0], []).append(w[1:])
    return {c: (f"(?-i:{rest})" if (rest := Trie(*tails).pattern()) else "") for c, tails in out.items()}


def first_of(parts: list[tuple[dict[str, str], str]], behind: str = r"[\w-]") -> str:
    r"""The alternation of the parts in their order, each part a map first character -> rest (:func:`trie_rests`)
    followed by its own suffix, with no character of ``behind`` before the match: written as each first
    character, the look-behind over the character before it, and the rests of every part for it in the parts'
    order ("R(?<![\w-]R)(?:ussia|ussian\s+...)"). At one place only the rests of its character can match, in the
    order the alternation as written tries them, so the matches are the same; but the search skips to those
    characters instead of trying the look-behind and the trie at every position. For case-sensitive patterns.
    """
    by_char: dict[str, list[str]] = {}
    for part, after in parts:
        for c, rest in part.items():
            by_char.setdefault(c, []).append(rest + after)
    return "(?:" + "|".join(f"{re.escape(c)}(?<!{behind}{re.escape(c)})(?:{'|'.join(rests)})"
                            for c, rests in by_char.items()) + ")"


@lru_cache(maxsize=1)
def slot_tables() -> dict[str, dict[str, str]]:
    """Slot name -> (phrase as written -> canonical entity) from the gazetteer."""
    g = gazetteer()
    groups = {k: v for k, v in g.alias.items() if g.entities[v].kind == "group"}
    return {
        "demonym": {k: v for k, v in g.adjective.items() if g.entities[v].kind == "state"},
        "people": dict(g.people),
        "state": {k: v for k, v in g.alias.items() if g.entities[v].kind == "state"},
        "group_adj": {k: v for k, v in g.adjective.items() if g.entities[v].kind == "group"},
        "group": groups,
    }


def expand(template: str, named: bool = False) -> str:
    """A template's regex: each {slot} becomes a trie of the gazetteer's phrases (named slot1, slot2 ...)."""
    tables = slot_tables()
    counts: dict[str, int] = {}

    def sub(m: re.Match[str]) -> str:
        slot = m.group(1)
        counts[slot] = counts.get(slot, 0) + 1
        alt = trie(tables[slot])
        return f"(?P<{slot}{counts[slot]}>{alt})" if named else alt

    return re.sub(r"\{(" + "|".join(_SLOTS) + r")\}", sub, template)


def _side_tables(raw: dict[str, Any], kind: str) -> dict[str, re.Pattern[str]]:
    """Template key ("forces:0", "civilians") -> a pattern that must match a whole phrase."""
    out: dict[str, re.Pattern[str]] = {}
    for key, d in raw["side_templates"].items():
        for k, t in enumerate(d[kind]):
            out[f"{key}:{k}"] = re.compile(expand(t, named=True), re.IGNORECASE)
    for side, d in raw["sides"].items():
        out[side] = re.compile(any_of(d[kind]), re.IGNORECASE)
    return out


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    """Load and compile ``summarizer/data/offline_patterns.yaml`` (once)."""
    path = data_path(PATTERNS_FILE)
    raw = read_data_yaml(PATTERNS_FILE, "the offline pattern tables")
    try:
        noun = {p.lower(): m for m, d in raw["measures"].items() for p in d["noun"]}
        verb = {p.lower(): m for m, d in raw["measures"].items() for p in d["verb"]}
        g = gazetteer()
        base = dict(g.alias)
        for alias, state in list(base.items()):  # "The Kremlin said ...": a sentence's first word
            if alias.startswith("the "):
                base.setdefault("The " + alias[4:], state)
        # "the Russian military", "Lebanese forces": a demonym and a word for the state's institutions. One
        # regex over the demonyms, not every pair spelled out: a smaller pattern compiles much faster.
        demonyms = expand("{demonym}")
        phrase = rf"(?:[Tt]he\s+)?(?P<dem>{demonyms})\s+(?:{any_of(raw['state_phrases'])})"
        aliases = _Aliases(base, re.compile(phrase), slot_tables()["demonym"])
        nouns = [expand(t) for d in raw["side_templates"].values() for t in d["noun"]]
        nouns += [p for d in raw["sides"].values() for p in d["noun"]]
        adjs = [expand(t) for d in raw["side_templates"].values() for t in d["adjective"]]
        adjs += [p for d in raw["sides"].values() for p in d["adjective"]]
        verbs = any_of(raw["attribution_verbs"])
        name = r"(?:[A-Z][\w-]+ )?[A-Z][\w-]+"  # "Kursk", "North Darfur"; not "Russia's"
        places = [t.replace("{name}", name) for t in raw["places"]]
        places.append(trie(k for k, v in g.alias.items() if g.is_state(v) and k[:1].isupper()))
        states = f"(?:{trie(base)}|{re.sub(r'[(][?]P<dem>', '(?:', phrase)})"
        state_phrases = any_of(raw["state_phrases"])
        demonym_rests = trie_rests(slot_tables()["demonym"])
        opening = {"base": trie_rests(base),  # the parts of {states} in its order: an alias, then a demonym phrase
                   "the": {c: rf"he\s+(?:{demonyms})\s+(?:{state_phrases})" for c in "Tt"},
                   "dem": {c: rf"{rest}\s+(?:{state_phrases})" for c, rest in demonym_rests.items()},
                   "demonym": demonym_rests}
        return Patterns(
            raw=raw,
            measure_noun=noun,
            measure_verb=verb,
            noun_re=any_of([re.escape(p) for p in noun]),
            verb_re=any_of([re.escape(p) for p in verb]),
            side_noun=_side_tables(raw, "noun"),
            side_adj=_side_tables(raw, "adjective"),
            side_noun_alt=_ordered(nouns),
            side_adj_alt=_ordered(adjs),
            any_side=re.compile(rf"(?<![\w-]){any_of(nouns + adjs)}(?![\w-])"),
            rate=word_re(raw["rate_phrases"]),
            troop=any_of([expand(t) for t in raw["troop_nouns"]]),
            state_alias=aliases,
            demonyms=demonyms,
            states=states,
            state_re=re.compile(as_written(first_of([(opening[k], "") for k in ("base", "the", "dem")]) + r"(?![\w-])",
                                           rf"(?<![\w-]){states}(?![\w-])")),
            opening=opening,
            places=re.compile(rf"(?<![\w-]){any_of(places)}(?![\w-])"),
            units=re.compile(rf"(?<![\w-]){any_of(raw['units'])}(?![\w-])"),
            # "(?:also\s+)?(?:said|...)": "also" and each verb, or each verb alone, in that order
            attribution=re.compile(_whole_words(rf"(?:also\s+)?{verbs}", [rf"also\s+{verbs}", *by_length(
                raw["attribution_verbs"])], 0)),
        )
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise ConfigError(f"{path}: malformed pattern table ({exc!r}); compare it with the shipped file") from exc


@lru_cache(maxsize=1)
def _canonicalizer() -> Any:
    from .entities import Canonicalizer

    return Canonicalizer(use_env=False)


@lru_cache(maxsize=4096)  # a story names its sides again and again; each phrase is read once (a few strings kept)
def side_name(phrase: str, kind: str) -> str | None:
    """The side a whole phrase names: "North Korean soldiers" -> "North Korean forces", "Palestinians" as written,
    "Houthi rebels" -> "Houthis", "Russian and North Korean troops" -> "Russian and North Korean forces"."""
    p, g = patterns(), gazetteer()
    tables = slot_tables()
    phrase = phrase.strip()
    for key, rx in (p.side_noun if kind == "noun" else p.side_adj).items():
        m = rx.fullmatch(phrase)
        if m is None:
            continue
        if ":" not in key:
            return key
        slots = {k: v for k, v in m.groupdict().items() if v}
        ents = [tables[k.rstrip("0123456789")][v] for k, v in slots.items()]
        if key.startswith("mixed"):
            states = list(dict.fromkeys(ents))
            if len(states) < 2:
                return None
            return " and ".join(sorted(slots.values())) + " forces"  # one name for the mix, in either order
        if key.startswith("people"):  # "Palestinians" as written, unless the aliases file says more
            return _canonicalizer().side(phrase)
        return g.forces(ents[0]) if ents else None
    return None


# ---------------------------------------------------------------- what a text names


def states_in(text: str, extra: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """(offset, canonical name) of every state, body or group named in ``text``; ``extra``: the article's own
    names for states (:meth:`Names.state_aliases`)."""
    p = patterns()
    found = [(m.start(), m.end(), p.state_alias[m.group()]) for m in p.state_re.finditer(text)]
    if extra:
        found += [(a, b, extra[name]) for a, b, name in name_spans(text, tuple(extra))
                  if not any(x < b and a < y for x, y, _ in found)]
    return [(a, name) for a, _, name in sorted(found)]


def name_spans(text: str, names: tuple[str, ...]) -> list[tuple[int, int, str]]:
    r"""(start, end, name) of each of an article's own names for states in ``text``, as whole words: what
    ``re.finditer(rf"(?<![\w-]){any_of([re.escape(k) for k in names])}(?![\w-])", text)`` finds.

    The names change with each article, so no pattern is compiled for them (that cost more than all the
    searches): each name's whole-word places (:func:`~summarizer.core.prefilter.word_starts`) are read left to
    right as the search would, the alternation's first name winning where two start at one place.
    """
    found = sorted((at, rank, at + len(name), name) for rank, name in enumerate(_alternation_order(names))
                   for at in word_starts(text, name, "-"))
    out: list[tuple[int, int, str]] = []
    pos = 0
    for at, _, end, name in found:
        if at >= pos:  # not inside the last match; at one place the lowest rank comes first
            out.append((at, end, name))
            pos = end
    return out


@lru_cache(maxsize=64)
def _alternation_order(names: tuple[str, ...]) -> tuple[str, ...]:
    r"""The names in the order the alternation of :func:`name_spans` tries them: as :func:`any_of` sorts the names
    escaped, each with its first character before a look-behind ("P(?<![\w-]P)utin"), the longest first."""
    return tuple(sorted(names, key=lambda k: len(_opening_word(k)), reverse=True))


def _opening_word(name: str) -> str:
    """``name`` (escaped), matching only where no word character or hyphen comes before it."""
    first = re.escape(name[:1])
    return rf"{first}(?<![\w-]{first}){re.escape(name[1:])}"


def unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))

def is_country(place: str | None) -> bool:
    """The place names a whole country ("Russia", "the US", "Seoul"), not a region or town in one."""
    name = patterns().state_alias.get(place) if place else None
    return name is not None and gazetteer().is_state(name)

@lru_cache(maxsize=64)  # asked for each item of a sentence, and twice for some
def named_place(text: str) -> str | None:
    """The one specific place (region, city) a sentence names, else the one country, else None."""
    found = unique([m.group() for m in patterns().places.finditer(text)])
    specific = [f for f in found if not is_country(f)]
    if len(specific) == 1:
        return specific[0]
    return found[0] if len(found) == 1 else None
