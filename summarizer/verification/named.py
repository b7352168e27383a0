"""Is a name in a text? Sides, forces, parties, places and claimants, for the meaning checks.

A name counts as named when its distinctive words appear (by stem: "North Korean" / "North Korea",
"civilians" / "civilian"), or the state it names appears under another of its names: the offline state
table, ``summarizer/data/aliases.json`` and ``summarizer/data/verification.yaml`` (people who speak for a
state, so "Keir Starmer" names the United Kingdom). Generic words ("forces", "troops", "officials")
do not have to appear.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Any

from ..core.errors import ConfigError
from ..core.language import letter_runs
from ..core.prefilter import word_starts
from ..core.resources import data_path, read_data_yaml
from ..reading.entities import load_aliases, looks_like_person
from ..reading.gazetteer import gazetteer
from .injection import fold

_GENERIC_NAME_WORDS = frozenset("""
forces force troops troop soldiers soldier army armed units unit military personnel servicemen fighters
government the of and s people officials official side state region armies in on for a an its their
foreign donors donor partners countries abroad international not stated unknown unnamed unspecified
""".split())
_ORG_WORDS = frozenset("Nations States Union Council Service Ministry Agency Office Command Forces Staff".split())
_CLAIMANT_STOP = frozenset("the of and s a an for on in its their his her said says officials official".split())


_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")


def undot(text: str) -> str:
    """"U.S." -> "US", "U.N." -> "UN": dotted initials as one word."""
    return _DOTTED.sub(lambda m: m.group().replace(".", ""), text) if _has_initials(text) else text


def _has_initials(text: str) -> bool:
    """A letter, a dot, a letter and a dot in a row ("U.S"): what every match of _DOTTED starts with."""
    d = text.find(".", 1)
    while 0 <= d < len(text) - 2:
        if text[d + 2] == "." and text[d - 1] in _ASCII_LETTERS and text[d + 1] in _ASCII_LETTERS:
            return True
        d = text.find(".", d + 1)
    return False


_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


_CACHED_WORDS_CHARS = 200
"""Texts up to this long (names, phrases) have their words cached: they are looked up again and again. A longer
text (an article, the window around a quote) is read through _word_set, whose own small cache keeps it while it
is checked; kept here too, 4,096 of them held about 52 MB for the whole run."""


def words_of(text: str) -> list[str]:
    return list(_words_of(text)) if len(text) <= _CACHED_WORDS_CHARS else _read_words(text)


@lru_cache(maxsize=4096)
def _words_of(text: str) -> tuple[str, ...]:
    return tuple(_read_words(text))


def _read_words(text: str) -> list[str]:
    return letter_runs(undot(fold(text)).lower())


@lru_cache(maxsize=4)  # an article's text stays in while the windows around its quotes come and go
def _undotted(text: str) -> str:
    """:func:`undot` of a text checked many times over (an article's text, the window around a quote)."""
    return undot(text)


@lru_cache(maxsize=4)
def _word_set(text: str) -> frozenset[str]:
    """The words of a text checked many times over (each item of an article looks names up in it)."""
    return frozenset(words_of(text))


def stem_match(w: str, have: AbstractSet[str]) -> bool:
    """``w`` or a word sharing its stem ("Korean"/"Korea", "civilians"/"civilian") is in ``have``."""
    if w in have:
        return True
    if len(w) < 4:
        return False
    for x in have:
        if len(x) < 4 or x[0] != w[0]:
            continue
        n = 0
        for a, b in zip(w, x, strict=False):
            if a != b:
                break
            n += 1
        if n >= max(4, min(len(w), len(x)) - 2):
            return True
    return False


VERIFICATION_FILE = "verification.yaml"


@lru_cache(maxsize=1)
def _state_aliases() -> dict[str, list[str]]:
    """Every name of each state: the gazetteer, the aliases file and the people who speak for it."""
    # the gazetteer's names of every country, body and group (summarizer/reading/gazetteer.py)
    out: dict[str, list[str]] = {e.name: list(dict.fromkeys([*e.names, *e.adjectives, *e.plurals]))
                                 for e in gazetteer().entities.values()}
    aliases = load_aliases(data_path("aliases.json"))
    data = _verification_data()
    extra: dict[str, list[str]] = {}
    for table in ("people_of_states", "adjectives_of_states"):
        for canon, names in (data.get(table) or {}).items():
            extra.setdefault(canon, []).extend(names)
    for canon in set(out) | set(extra):
        more = [*aliases.get(canon, []), *extra.get(canon, [])]
        out[canon] = list(dict.fromkeys([*out.get(canon, []), *more]))
    return out


@lru_cache(maxsize=1)
def _verification_data() -> dict[str, Any]:
    data = read_data_yaml(VERIFICATION_FILE, "verification's name table")
    if not isinstance(data, dict):
        raise ConfigError(f"{data_path(VERIFICATION_FILE)}: expected a mapping; compare it with the shipped file")
    return data


def _state_of(words: list[str]) -> str | None:
    """The state whose name the words spell ("north korean" -> North Korea)."""
    if not words:
        return None
    return _state_spelled(tuple(words))


@lru_cache(maxsize=4096)
def _state_spelled(words: tuple[str, ...]) -> str | None:
    have = set(words)
    for canon, cw in _canon_words():
        if all(stem_match(w, cw) for w in words) and all(stem_match(c, have) for c in cw):
            return canon
    return None


@lru_cache(maxsize=1)
def _canon_words() -> tuple[tuple[str, set[str]], ...]:
    """Each state's canonical name with the set of its words, in the table's order."""
    return tuple((canon, set(words_of(canon))) for canon in _state_aliases())


def _state_named_as(name: str) -> str | None:
    """The state ``name`` is one of the names of ("UK", "Britain", "Kyiv"), if any."""
    return _named_as().get(" ".join(name.split()).lower().removeprefix("the "))


@lru_cache(maxsize=1)
def _named_as() -> dict[str, str]:
    """Every state's names, lower case without a leading "the " -> the first state (in the table's order)
    with that name: its canonical name, or one of its aliases."""
    out: dict[str, str] = {}
    for canon, aliases in _state_aliases().items():
        out.setdefault(canon.lower(), canon)
        for a in aliases:
            out.setdefault(a.lower().removeprefix("the "), canon)
    return out


def _state_in(state: str, text: str) -> bool:
    return _state_name_re(state).search(_undotted(text)) is not None


@lru_cache(maxsize=1024)
def _state_name_re(state: str) -> re.Pattern[str]:
    """Any name of ``state`` as a whole word (one alternation: a match of any one name is a match)."""
    names = [state, *_state_aliases()[state]]
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in names) + r")(?!\w)")


def named(name: str, text: str) -> bool:
    """The side, force, party or place ``name`` is named in ``text`` (stems, states' other names)."""
    want = [w for w in words_of(name) if w not in _GENERIC_NAME_WORDS and len(w) > 1]
    if not want:
        return True
    have = _word_set(text)
    if all(stem_match(w, have) for w in want):
        return True
    whole = _state_named_as(name)
    if whole is not None and _state_in(whole, text):
        return True
    # "North Korea" is also "Pyongyang", "DPRK" or "Kim Jong Un"; "and" joins two named states.
    parts = [p for p in re.split(r"\band\b|,|/", " ".join(want)) if p.strip()]
    for part in parts:
        pw = part.split()
        if all(stem_match(w, have) for w in pw):
            continue
        state = _state_of(pw) or _state_named_as(part)
        if state is None or not _state_in(state, text):
            return False
    return True


def _acronym_in(acr: str, text: str) -> bool:
    r"""``acr`` (capital letters) stands as a word of ``text``: where "(?<![\w-])NIS(?![\w-])" would match, found
    with ``str.find`` (no pattern compiled for each acronym)."""
    return next(word_starts(text, acr, "-"), None) is not None


def claimant_named(claimant: str, text: str) -> bool:
    """A claimant is named when its acronym, its surname or most of its words appear in ``text``."""
    text = _undotted(text)
    for acr in re.findall(r"\b[A-Z]{2,6}\b", undot(claimant)):
        if _acronym_in(acr, text):
            return True
    want = [w for w in words_of(claimant) if w not in _CLAIMANT_STOP and len(w) > 1]
    if not want:
        return True
    have = _word_set(text)
    hits = sum(stem_match(w, have) for w in want)
    if hits * 2 > len(want):  # more than half: "United States" does not name the "United Nations"
        return True
    # A person is named by the family name: the last word ("Healey" for "John Healey"), or the first in
    # Korean-style names ("Lee" for "Lee Seong-kweun", "Kim" for "Kim Jong Un").
    if looks_like_person(claimant):
        words = re.findall(r"\b[A-Z][a-z][\w'’-]*", claimant)
        parts = words[-1:]
        if len(words) >= 2 and ("-" in words[-1] or (len(words) == 3 and len(words[-1]) <= 3)):
            parts.append(words[0])
        if any(p not in _ORG_WORDS and next(word_starts(text, p), None) is not None for p in parts):
            return True
    state = _state_of([w for w in want if w not in _GENERIC_NAME_WORDS]) or _state_named_as(claimant)
    return state is not None and _state_in(state, text)


_SENDS = (r"(?:'s|’s)?\s+(?:has\s+|have\s+|had\s+|is\s+|was\s+)?"
          r"(?:sen[dt]|deploy|dispatch|despatch|mobili[sz]|transferr?|rotat|withdr[ae]w|pull)\w*")


def stated_as_origin(place: str, force: str, text: str) -> bool:
    """The text says the troops came from ``place``: the force is the place's own ("North Korean troops" from
    North Korea), or the text has "from <place>" or "<place> sent/deployed ..." under any of its names."""
    if named(place, force):
        return True
    state = _state_named_as(place) or _state_of([w for w in words_of(place) if w not in _GENERIC_NAME_WORDS])
    names = [place] if state is None else [place, state, *_state_aliases()[state]]
    came_from, sent = _origin_res(tuple(dict.fromkeys(names)))
    text = undot(text)
    return came_from.search(text) is not None or sent.search(text) is not None


@lru_cache(maxsize=1024)
def _origin_res(names: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """"from <name>" and "<name> sent/deployed ..." for any of the names, each one alternation (a match of any
    one name is a match of the alternation)."""
    alt = "(?:" + "|".join(re.escape(n) for n in names) + ")"
    return re.compile(rf"\bfrom\s+(?:the\s+)?{alt}(?!\w)", re.IGNORECASE), re.compile(rf"(?<!\w){alt}{_SENDS}")
