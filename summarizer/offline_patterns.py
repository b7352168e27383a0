"""The offline extractor's pattern tables: ``summarizer/data/offline_patterns.yaml``, compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from .errors import ConfigError
from .resources import data_path

PATTERNS_FILE = "offline_patterns.yaml"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_QUOTES = "\"“”'‘’"
_NODOT = r"(?:[^.;]|\.(?=\d))"  # any character but a full stop or semicolon; "1.1" is fine
_END_PUNCT = ".!?\"”’'):"


# ---------------------------------------------------------------- pattern tables


def _alt(phrases: list[str]) -> str:
    """A regex alternation of phrases (regex fragments), longest first."""
    return "(?:" + "|".join(sorted(phrases, key=len, reverse=True)) + ")"


def _words(phrases: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){_alt(phrases)}(?![\w-])", flags)


@dataclass(frozen=True)
class Patterns:
    """The compiled pattern tables."""

    raw: dict[str, Any]
    measure_noun: dict[str, str]  # phrase (lower) -> measure
    measure_verb: dict[str, str]
    noun_re: str
    verb_re: str
    side_noun: dict[str, re.Pattern[str]]
    side_adj: dict[str, re.Pattern[str]]
    any_side: re.Pattern[str]
    rate: re.Pattern[str]
    troop: str
    state_alias: dict[str, str]  # alias -> canonical
    state_re: re.Pattern[str]
    places: re.Pattern[str]
    units: re.Pattern[str]
    attribution: re.Pattern[str]


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    """Load and compile ``summarizer/data/offline_patterns.yaml`` (once)."""
    path = data_path(PATTERNS_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the offline pattern tables ({exc}); reinstall the package") from exc
    try:
        noun = {p.lower(): m for m, d in raw["measures"].items() for p in d["noun"]}
        verb = {p.lower(): m for m, d in raw["measures"].items() for p in d["verb"]}
        sides = raw["sides"]
        aliases = {a: canon for canon, names in raw["states"].items() for a in names}
        all_side = [p for s in sides.values() for p in s["noun"] + s["adjective"]]
        return Patterns(
            raw=raw,
            measure_noun=noun,
            measure_verb=verb,
            noun_re=_alt([re.escape(p) for p in noun]),
            verb_re=_alt([re.escape(p) for p in verb]),
            side_noun={s: re.compile(_alt(d["noun"]), re.IGNORECASE) for s, d in sides.items()},
            side_adj={s: re.compile(_alt(d["adjective"]), re.IGNORECASE) for s, d in sides.items()},
            any_side=re.compile(rf"(?<![\w-]){_alt(all_side)}(?![\w-])"),
            rate=_words(raw["rate_phrases"]),
            troop=_alt(raw["troop_nouns"]),
            state_alias=aliases,
            state_re=re.compile(rf"(?<![\w-]){_alt([re.escape(a) for a in aliases])}(?![\w-])"),
            places=re.compile(rf"(?<![\w-]){_alt(raw['places'])}(?![\w-])"),
            units=re.compile(rf"(?<![\w-]){_alt(raw['units'])}(?![\w-])"),
            attribution=re.compile(rf"(?<![\w-])(?:also\s+)?{_alt(raw['attribution_verbs'])}(?![\w-])"),
        )
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise ConfigError(f"{path}: malformed pattern table ({exc!r}); compare it with the shipped file") from exc
