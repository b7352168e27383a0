"""Canonical names for claimants, conduits, sides and places: an aliases file plus fuzzy person names.

Matching works on a *key*: lower case, possessives and punctuation removed, hyphens as spaces,
a leading article and leading titles ("MP", "South Korean lawmaker", "President") dropped.
Two keys that the aliases file does not know are one person when their romanised syllables
agree (see :func:`same_person`), e.g. "Lee Sung-kwon" and "Lee Seong-kweun".
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from ..core.errors import ConfigError
from ..core.resources import data_path

ALIASES_ENV = "BRIEF_ALIASES"
# Whole-name similarity (rapidfuzz ratio, 0-100) two vowel-normalised names need to be one person.
NAME_THRESHOLD = 90.0
# A syllable of at least this many letters may differ slightly (ratio >= NAME_THRESHOLD): "zelenskyy".
LONG_SYLLABLE = 6

_NATIONALITY = r"(?:south korean|north korean|korean|ukrainian|russian|us|american|british|uk|german|french)"
_TITLE = (
    r"(?:senior |opposition |ruling party |former |deputy |acting )*"
    r"(?:mp|mps|lawmaker|legislator|member of parliament|senator|congressman|congresswoman|sir|mr|mrs|ms|dr"
    r"|president|prime minister|foreign minister|defence minister|defense minister|minister"
    r"|defence secretary|defense secretary|secretary of state|spokesman|spokeswoman|spokesperson"
    r"|general|gen|lieutenant general|lt gen|colonel|col|commander in chief|chief|head|adviser|advisor)"
)
_TITLE_RE = re.compile(rf"^(?:{_NATIONALITY} )?{_TITLE} (?!of\b|for\b|to\b)(?=\S)")
_ARTICLE_RE = re.compile(r"^(?:the|a|an) (?=\S)")
_MIX = re.compile(r"(.+?) and (.+)")
_POSSESSIVE_RE = re.compile(r"(?<=\w)['’]s\b|(?<=s)['’](?=\s|$)")
_PAREN_RE = re.compile(r"\s*\([^)]*\)")
_PERSON_RE = re.compile(r"[A-Z][a-z'’]+(?:-[A-Za-z][a-z'’]*)*(?: [A-Z][a-z'’]+(?:-[A-Za-z][a-z'’]*)*){1,3}")
GENERIC_CONDUITS = frozenset({
    "mps", "lawmakers", "legislators", "reporters", "journalists", "the press", "press", "media", "parliament",
    "officials", "sources", "source", "unnamed sources", "an official", "official", "a source",
})
_FORCE_NOUN_RE = re.compile(r"^(?P<who>.+?) (?:troops|soldiers|army|units|military|personnel|fighters|forces)$")


class AliasError(ConfigError):
    """An aliases file is missing or not of the shape {"canonical name": ["alias", ...]}."""


@lru_cache(maxsize=65536)
def key(name: str) -> str:
    """The matching key of a name: case, punctuation, possessives, articles and titles removed."""
    s = unicodedata.normalize("NFKC", name).replace("‘", "'").replace("’", "'")
    s = _PAREN_RE.sub(" ", s)
    s = _POSSESSIVE_RE.sub("", s).lower()
    s = re.sub(r"(?<=\w)\.(?=\w)", "", s)  # "U.S." -> "us"
    s = re.sub(r"[^\w\s]|_", " ", s)
    s = " ".join(s.split())
    while True:
        t = _TITLE_RE.sub("", _ARTICLE_RE.sub("", s))
        if t == s:
            return s
        s = t


@lru_cache(maxsize=65536)
def display(name: str) -> str:
    """``name`` without leading titles and articles, spelling kept: "MP Lee Seong-kweun" -> "Lee Seong-kweun"."""
    words = " ".join(name.split()).split(" ")
    target = key(name)
    for k in range(len(words)):
        rest = " ".join(words[k:])
        if key(rest) == target and not _ARTICLE_RE.match(rest.lower()) and not _TITLE_RE.match(rest.lower()):
            return rest.strip(" ,;:")
    return " ".join(words)


def _syllables(k: str) -> list[str]:
    """Romanised syllables with vowel spellings folded: "seong"/"sung" -> "song", "kweun"/"kwon" -> "kwon"."""
    out = []
    for s in k.split():
        for a, b in (("eo", "o"), ("eu", "u"), ("oo", "u"), ("ou", "u"), ("yy", "y"), ("ii", "i")):
            s = s.replace(a, b)
        out.append(s.replace("u", "o"))
    return out


def same_person(a: str, b: str) -> bool:
    """Two names (keys or raw) are spellings of one person's name.

    Same number of syllables (two or more); each syllable equal after vowel folding, except that
    syllables of LONG_SYLLABLE letters or more may differ within NAME_THRESHOLD; and the whole
    folded names score at least NAME_THRESHOLD. "Lee Sung-kwon" = "Lee Seong-kweun";
    "Lee Jae-myung" differs from both and from "Lee Jae-yong".
    """
    sa, sb = _syllables(key(a)), _syllables(key(b))
    if len(sa) != len(sb) or len(sa) < 2:
        return False
    for x, y in zip(sa, sb, strict=True):
        if x == y:
            continue
        if min(len(x), len(y)) < LONG_SYLLABLE or fuzz.ratio(x, y) < NAME_THRESHOLD:
            return False
    return fuzz.ratio(" ".join(sa), " ".join(sb)) >= NAME_THRESHOLD


def looks_like_person(name: str) -> bool:
    """Two to four capitalised words ("Lee Sung-kwon", "Kim Jong Un"); not "US military official" or "Agency BO"."""
    return _PERSON_RE.fullmatch(display(name)) is not None


def load_aliases(path: Path) -> dict[str, list[str]]:
    """Read one aliases file: {"canonical name": ["alias", ...]}; keys starting with "_" are comments."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise AliasError(f"aliases file {path} does not exist; pass an existing JSON file or fix {ALIASES_ENV}") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AliasError(f"aliases file {path} is not readable JSON ({e}); fix it or remove it") from e
    if not isinstance(data, dict):
        raise AliasError(f'aliases file {path} must be a JSON object {{"canonical name": ["alias", ...]}}')
    out: dict[str, list[str]] = {}
    for canon, aliases in data.items():
        if canon.startswith("_"):
            continue
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise AliasError(f"aliases file {path}: the value for {canon!r} must be a list of strings")
        out[canon] = aliases
    return out


class Canonicalizer:
    """Canonical names from the bundled aliases and optional extra files (later files win).

    ``use_env=True`` also reads the files named in BRIEF_ALIASES (separated by os.pathsep); the library
    never does this on its own, the command line passes those files as ``aliases``.
    """

    def __init__(self, aliases: str | Path | Sequence[str | Path] | None = None, *, use_env: bool = False) -> None:
        files = [data_path("aliases.json")]
        if use_env and os.environ.get(ALIASES_ENV):
            files += [Path(p) for p in os.environ[ALIASES_ENV].split(os.pathsep) if p]
        if isinstance(aliases, (str, Path)):
            aliases = [aliases]
        for extra in aliases or []:
            if Path(extra) not in files:  # the same file named twice is read once
                files.append(Path(extra))
        self._table: dict[str, str] = {}  # key -> canonical; later files override earlier ones
        self._sides: dict[str, str] = {}
        for f in files:
            for canon, names in load_aliases(f).items():
                for n in [canon, *names]:
                    if key(n):
                        self._table[key(n)] = canon
        self._people = sorted(c for c in set(self._table.values()) if looks_like_person(c))

    def lookup(self, name: str) -> str | None:
        """The canonical name the aliases give for ``name``, or None."""
        return self._table.get(key(name))

    def canonical(self, name: str) -> str:
        """Canonical name from the aliases, else the name without titles."""
        return self.lookup(name) or display(name)

    def side(self, name: str) -> str:
        """A side or force: aliases, then "<who> troops/soldiers/army/units" -> "<who> forces"."""
        if name not in self._sides:
            self._sides[name] = self._side(name)
        return self._sides[name]

    def _side(self, name: str) -> str:
        hit = self.lookup(name)
        if hit:
            return hit
        m = _FORCE_NOUN_RE.match(key(name))
        if m:
            generic = f"{m.group('who')} forces"
            hit = self.lookup(generic)
            if hit:
                return hit
            who = display(name).rsplit(" ", 1)[0]
            mix = _MIX.fullmatch(who)  # "Russian and North Korean": one mix in either order
            return f"{' and '.join(sorted(mix.groups()))} forces" if mix else f"{who} forces"
        return display(name)

    def resolve(self, names: Iterable[str]) -> dict[str, str]:
        """Map every spelling to its canonical name: aliases first, then fuzzy person matching.

        Only names that look like a person's (:func:`looks_like_person`) are matched fuzzily.
        Depends only on the *set* of names: names are clustered greedily in sorted key order,
        a name joining the first cluster all of whose members it matches (complete linkage, so
        no chains of near-misses). A cluster's name is the alias canonical if any member has
        one, else its alphabetically first spelling (titles removed).
        """
        spellings = sorted({n for n in names if n and key(n)})
        by_key: dict[str, list[str]] = {}
        for n in spellings:
            by_key.setdefault(key(n), []).append(n)
        clusters: list[list[str]] = []  # lists of keys
        canon_of: dict[str, str] = {}
        persons: set[str] = set()
        for k in sorted(by_key):
            hit = self._table.get(k)
            person = any(looks_like_person(n) for n in by_key[k])
            if person:
                persons.add(k)
            if hit is None and person:
                hit = next((c for c in self._people if same_person(k, key(c))), None)
            if hit is not None or not person:
                canon_of[k] = hit or min(display(n) for n in by_key[k])
                continue
            for cl in clusters:
                if all(same_person(k, other) for other in cl):
                    cl.append(k)
                    break
            else:
                clusters.append([k])
        for cl in clusters:
            name = min(display(n) for k in cl for n in by_key[k])
            for k in cl:
                canon_of[k] = name
        for k in by_key:  # a lone surname ("said Lee") joins the one person in the set with that surname
            if " " in k or k in self._table:
                continue
            people = {canon_of[o] for o in persons if k in (o.split()[0], o.split()[-1])}
            if len(people) == 1:
                canon_of[k] = people.pop()
        return {n: canon_of[key(n)] for n in spellings}

    def is_generic(self, name: str) -> bool:
        """A conduit that names nobody: "MPs", "reporters", "officials"."""
        return key(name) in GENERIC_CONDUITS
