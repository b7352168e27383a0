"""Who can be a side, a force, a donor, a recipient or a party: countries, international bodies, armed groups.

Countries come from two maintained data packages: ``countryinfo`` (English name, demonym,
capital, other spellings) and ``pycountry`` (ISO 3166 names and their translations).
``summarizer/data/gazetteer.yaml`` corrects and extends them for news wording and lists
international bodies; ``summarizer/data/armed_groups.yaml`` lists armed groups and their aliases.
Nothing here is about one story: a story's actors are found because they are countries,
bodies or groups.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from ..core.errors import ConfigError
from ..core.resources import data_path, read_data_yaml

GAZETTEER_FILE = "gazetteer.yaml"
GROUPS_FILE = "armed_groups.yaml"

Kind = Literal["state", "organisation", "group"]
# Endings after which an English demonym is its own plural ("the Sudanese", "the British").
_NO_PLURAL = ("ese", "ish", "ch", "sh", "ss", "s", "x", "z")


@dataclass(frozen=True)
class Entity:
    """One country, international body or armed group."""

    name: str  # canonical: "North Korea", "NATO", "Rapid Support Forces"
    kind: Kind
    names: tuple[str, ...]  # how articles name it (case-sensitive)
    adjectives: tuple[str, ...] = ()  # "North Korean", "Houthi"
    plurals: tuple[str, ...] = ()  # "North Koreans"
    state: str | None = None  # a state's own army: that state
    aid_kind: str | None = None  # an international body whose aid is of one kind
    capitals: tuple[str, ...] = ()  # the names of its capital used as aliases ("Kyiv")


def plural(demonym: str) -> str | None:
    """The people of a demonym ("Ukrainian" -> "Ukrainians"); None when it is its own plural ("Sudanese")."""
    if demonym.endswith(_NO_PLURAL) or not demonym[-1:].isalpha() or demonym.isupper():
        return None
    return demonym + "s"


class Gazetteer:
    """Every known entity, with lookups from a name, an adjective or a plural to the entity."""

    def __init__(self, entities: list[Entity]) -> None:
        self.entities: dict[str, Entity] = {}
        self.alias: dict[str, str] = {}  # name as written -> canonical
        self.adjective: dict[str, str] = {}  # "North Korean" -> "North Korea"
        self.people: dict[str, str] = {}  # "North Koreans" -> "North Korea"
        self.capital: dict[str, str] = {}  # "Kyiv" -> "Ukraine"
        for e in entities:
            self.entities[e.name] = e
            for n in e.names:
                self.alias.setdefault(n, e.name)
            for a in e.adjectives:
                self.adjective.setdefault(a, e.name)
            for p in e.plurals:
                self.people.setdefault(p, e.name)
            for c in e.capitals:
                self.capital.setdefault(c, e.name)

    def canonical(self, name: str) -> str | None:
        """The entity a name, adjective or plural stands for, or None."""
        return self.alias.get(name) or self.adjective.get(name) or self.people.get(name)

    def forces(self, name: str) -> str:
        """The side an entity's fighters are: "Russia" -> "Russian forces"; a group is its own side."""
        e = self.entities[name]
        if e.state:
            return self.forces(e.state)
        if e.kind == "state" and e.adjectives:
            return f"{e.adjectives[0]} forces"
        return e.name

    def aid_kind(self, name: str) -> str | None:
        e = self.entities.get(name)
        return e.aid_kind if e else None

    def is_state(self, name: str) -> bool:
        e = self.entities.get(name)
        return e is not None and e.kind == "state"


def _read(name: str) -> Any:
    return read_data_yaml(name, "the gazetteer")


def _listed(value: Any) -> list[str]:
    """countryinfo gives some fields as a string, some as a list."""
    return [value] if isinstance(value, str) and value else [v for v in value or [] if isinstance(v, str) and v]


def _countries(cfg: dict[str, Any]) -> list[Entity]:
    """Countries from countryinfo, corrected by gazetteer.yaml, with pycountry's ISO names added."""
    import pycountry
    from countryinfo import all_countries

    skip = set(cfg.get("skip") or [])
    rename = cfg.get("rename") or {}
    extra_names = cfg.get("extra_names") or {}
    extra_dem = cfg.get("extra_demonyms") or {}
    no_capital = set(cfg.get("capital_not_alias") or [])
    min_pop = int(cfg.get("capital_min_population") or 0)
    owner = cfg.get("demonym_owner") or {}
    forces_adj = cfg.get("forces_adjective") or {}
    rows = [c.info() for c in all_countries()]
    rows = [r for r in rows if r.get("name") and r["name"] not in skip]
    # A demonym several places share ("American") belongs to the one named in demonym_owner, else
    # to the most populous; a demonym owned by null ("Korean") names no one.
    by_pop = sorted(rows, key=lambda r: -(r.get("population") or 0))
    dem_owner: dict[str, str | None] = dict(owner)
    for r in by_pop:
        for d in _listed(r.get("demonym")):
            dem_owner.setdefault(d, r["name"])
    out: list[Entity] = []
    for r in rows:
        raw = r["name"]
        name = rename.get(raw, raw)
        names = [name, raw]
        iso = (r.get("ISO") or {}).get("alpha2")
        c = pycountry.countries.get(alpha_2=iso) if iso else None
        if c is not None:
            names += [getattr(c, k) for k in ("name", "common_name", "official_name") if getattr(c, k, None)]
        # Other spellings: full names only, not ISO codes or native scripts ("KP", "PRK", "조선...").
        names += [a for a in r.get("altSpellings") or [] if len(a) > 3 and a.isascii() and "," not in a]
        caps = [c for c in _listed(r.get("capital")) if c not in no_capital]
        caps += [n for n in extra_names.get(raw, []) if n in (cfg.get("extra_capitals") or [])]
        if (r.get("population") or 0) < min_pop:  # South Africa has three capitals; a small island's none
            caps = []
        names += caps
        names += extra_names.get(raw, [])
        names = [n for n in names if "," not in n]
        demonyms = [d for d in [*_listed(r.get("demonym")), *extra_dem.get(raw, [])] if dem_owner.get(d, raw) == raw]
        plurals = [p for d in demonyms[:1] if (p := plural(d))]
        if raw in forces_adj:  # "US forces" rather than "American forces"
            demonyms = [forces_adj[raw], *(d for d in demonyms if d != forces_adj[raw])]
        out.append(Entity(name=name, kind="state", names=tuple(dict.fromkeys(names)),
                          adjectives=tuple(dict.fromkeys(demonyms)), plurals=tuple(dict.fromkeys(plurals)),
                          capitals=tuple(caps)))
    return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The bundled gazetteer (loaded once): armed groups first, then international bodies, then countries."""
    cfg = _read(GAZETTEER_FILE) or {}
    groups = _read(GROUPS_FILE) or {}
    try:
        entities = [Entity(name=n, kind="group", names=tuple(g.get("names") or [n]),
                           adjectives=tuple(g.get("adjectives") or []), state=g.get("state"))
                    for n, g in groups.items()]
        entities += [Entity(name=n, kind="organisation", names=tuple(o.get("names") or [n]),
                            aid_kind=o.get("kind"))
                     for n, o in (cfg.get("organisations") or {}).items()]
    except (AttributeError, TypeError) as exc:
        where = data_path(GROUPS_FILE)
        raise ConfigError(f"{where}: malformed entry ({exc!r}); compare it with the shipped file") from exc
    entities += _countries(cfg)
    return Gazetteer(entities)


@lru_cache(maxsize=16)
def translated_names(lang: str) -> dict[str, str]:
    """Country names in language ``lang`` (ISO 639-1) -> canonical English name (countryinfo's and pycountry's).

    ``translated_names("de")["Russische Föderation"] == "Russia"``; an unknown language gives {}.
    """
    import pycountry

    try:
        tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return {}
    from countryinfo import all_countries

    g = gazetteer()
    out: dict[str, str] = {}
    for row in (c.info() for c in all_countries()):
        local = (row.get("translations") or {}).get(lang)
        canon = g.alias.get(row.get("name") or "")
        if local and canon:
            out.setdefault(local, canon)
    for c in pycountry.countries:
        canon = g.alias.get(getattr(c, "common_name", None) or c.name) or g.alias.get(c.name)
        if canon is None:
            continue
        for n in (getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)):
            if n:
                local = tr.gettext(n)
                if local and "," not in local:
                    out.setdefault(local, canon)
    return out
