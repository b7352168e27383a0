"""Attribution for the offline extractor: who one sentence says is speaking, and through whom.

What other sentences say about that speaker is resolved in :mod:`.context`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..core.prefilter import Gated, as_written, at_boundary, gated
from .dates import find_dates
from .patterns import MONTHS, QUOTES, WEEKDAYS, any_of, first_of, patterns, slot_tables

if TYPE_CHECKING:
    from .article_sentences import Sentence


# ---------------------------------------------------------------- claimants


@dataclass
class Attribution:
    """Who a sentence says is speaking, through whom, and where the reporting verbs are."""

    claimant: str | None = None
    conduit: str | None = None
    verb_spans: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each reporting verb


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
# Patterns of the functions below, compiled once (they run for every sentence that names a speaker).
_OWNER_PREFIX = re.compile(r"^(?:the\s+|(?:[A-Z][\w-]*\s+)?[A-Z][\w-]*(?:'s|’s)\s+)")
_THE = re.compile(r"^the\s+")
_ACRONYM = re.compile(r"[A-Z]{2,6}")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_DATELINE_DASH = re.compile(r"\s[-–—]\s")
_NO_ONE = re.compile(r"(?:(?:by|the|of|in|on|at|for|to|a|an|with)\s*)+", re.IGNORECASE)
_SEGMENT = re.compile(r"[^,;\"“”]+")
_AFTER_QUOTE = re.compile(r"[\"”]\s*$")
_NAME_AFTER = re.compile(r"\s+([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})")
_CITED = re.compile(r"\s+(?:that\s+)?(?:the\s+)?([A-Z]{2,6}|(?:[A-Z][\w'’-]*\s+){1,4}"
                    r"(?:Service|Staff|Agency|Ministry|Command))\b")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    if text.count('"') % 2 == 1 and text.lstrip().startswith('"'):
        spans.append((0, text.rfind('"') + 1))
    return spans


_POINTS = ("North", "South", "East", "West")


class Names:
    """Per-article names: abbreviations defined in brackets, full forms of people's names."""

    def __init__(self, text: str, run_leaders: Mapping[str, str | None] | None = None) -> None:
        self.text = text
        # the leaders the run's articles introduce with a nationality (run_leaders(); None: this article's own)
        self.run_leaders = run_leaders
        self.abbr: dict[str, str] = dict(_defined_abbreviations(text))  # a copy: agency() adds to it
        self._people: dict[str, str | None] = {}
        self._state_aliases: dict[str, str] | None = None

    def state_aliases(self) -> dict[str, str]:
        """Names that stand for a state in this article only.

        A leader introduced with a nationality ("Russian President Vladimir Putin") in this article or
        another of the run stands for the state wherever the article names them ("Putin visited ...");
        a name two states' leaders share stands for neither. "the North" and "the South"
        stand for the one state named in the article whose name starts so ("North Korea").
        """
        if self._state_aliases is None:
            p = patterns()
            found = _join(dict(self.run_leaders or {}), _leaders(self.text))
            # "the North" is only ever looked up in this article's text: without one of the four, no need to
            # read which states it names
            if any(f"the {word}" in self.text for word in _POINTS):
                named = {p.state_alias[m.group()] for m in p.state_re.finditer(self.text)}
                for word in _POINTS:
                    fits = [n for n in named if n.startswith(word + " ")]
                    if len(fits) == 1:
                        found[f"the {word}"] = fits[0]
            self._state_aliases = {k: v for k, v in found.items() if v is not None}
        return self._state_aliases

    def agency(self, phrase: str) -> str | None:
        """The full name of the agency a phrase is ('NIS', "Seoul's Joint Chiefs of Staff (JCS)"), if it is one."""
        core = _OWNER_PREFIX.sub("", phrase.strip())
        core = _THE.sub("", core)
        if _ACRONYM.fullmatch(core) and core not in self.abbr:
            self.abbr[core] = self._spelled_out(core) or ""
        for abbr, full in self.abbr.items():
            if full and core in (abbr, full, f"{full} ({abbr})"):
                return full
        return None

    def _spelled_out(self, abbr: str) -> str | None:
        """'NIS' -> 'National Intelligence Service' when the article spells it out somewhere."""
        return _spelled_out(self.text, abbr)

    def person(self, surname: str) -> str | None:
        """'Lee' -> 'Lee Sung-kwon', 'Healey' -> 'John Healey': the first full form in the article."""
        if surname not in self._people:
            self._people[surname] = _full_name(self.text, surname)
        return self._people[surname]


_CONNECTOR = r"\s+(?:(?:of|for|and|on)\s+)?"


def _spelled_out(text: str, abbr: str) -> str | None:
    r"""The first run of capitalised words in ``text`` whose initials spell ``abbr`` (2 to 6 capitals), "of",
    "for", "and" or "on" allowed between them: the match of
    ``re.search(rf"\b{r'\s+(?:(?:of|for|and|on)\s+)?'.join(rf'{c}[a-z]+' for c in abbr)}\b", text)``.

    That pattern would be compiled for each acronym of each article; instead one pattern per number of words
    (:func:`_word_runs`) reads, at every word opening with the acronym's first capital (``str.find``), the run
    of that many words from there, and the first run whose initials are the acronym is the match. The run at a
    capital is the only one the acronym's own pattern could match there: each ``[a-z]+`` takes every lower-case
    letter up to the space (or the boundary) after it, and the joining word is taken whenever it is there (the
    capital after it could not match it).
    """
    if not _ACRONYM.fullmatch(abbr):  # not reached (agency() asks only about 2 to 6 capitals): the pattern itself
        words = _CONNECTOR.join(rf"{c}[a-z]+" for c in abbr)
        m = re.search(rf"{abbr[:1]}(?<!\w{abbr[:1]}){words[1:]}\b", text)
        return m.group() if m else None
    runs = _word_runs(len(abbr))
    at = text.find(abbr[0])
    while at >= 0:
        if at_boundary(text, at) and (m := runs.match(text, at)):  # a capital after no word character
            run = m.group()
            if "".join(w[0] for w in run.split() if w[0].isupper()) == abbr:
                return run
        at = text.find(abbr[0], at + 1)
    return None


@lru_cache(maxsize=8)
def _word_runs(n: int) -> re.Pattern[str]:
    """``n`` capitalised words, joining words allowed between them, the last one ending a word."""
    return re.compile(rf"[A-Z][a-z]+(?:{_CONNECTOR}[A-Z][a-z]+){{{n - 1}}}\b")


_HYPHENATED_AFTER = re.compile(r"\s+[A-Z][a-z]+-[a-z]+\b")


def _full_name(text: str, surname: str) -> str | None:
    r"""The first full form of ``surname`` in ``text``: the match of
    ``re.search(rf"\b{s}\s+[A-Z][a-z]+-[a-z]+\b|\b[A-Z][a-z]+\s+{s}\b", text)`` with ``s`` the surname escaped
    ("Lee Sung-kwon", "John Healey").

    Each match holds the surname, so both forms are tried at each place the surname occurs (``str.find``, no
    pattern compiled per name): a hyphenated given name after it, or one capitalised word before it with only
    white space between. The leftmost wins, and at one place the first form, as in the search.
    """
    if not surname or surname[0].isspace() or surname[-1].isspace():  # not reached (a surname is one word)
        s = re.escape(surname)
        m = re.search(rf"\b{s}\s+[A-Z][a-z]+-[a-z]+\b|\b[A-Z][a-z]+\s+{s}\b", text)
        return m.group() if m else None
    best: tuple[int, int, int] | None = None
    n = len(surname)
    at = text.find(surname)
    while at >= 0:
        end = at + n
        if at_boundary(text, at) and (after := _HYPHENATED_AFTER.match(text, end)):
            best = min(best or (at, 0, after.end()), (at, 0, after.end()))
        if at_boundary(text, end) and (q := _capitalised_before(text, at)) is not None:
            best = min(best or (q, 1, end), (q, 1, end))
        at = text.find(surname, at + 1)
    return text[best[0] : best[2]] if best else None


def _capitalised_before(text: str, at: int) -> int | None:
    r"""Where ``\b[A-Z][a-z]+\s+`` starts if it ends at ``at``, else None."""
    j = at
    while j > 0 and text[j - 1].isspace():
        j -= 1
    k = j
    while k > 0 and "a" <= text[k - 1] <= "z":
        k -= 1
    if j == at or k == j or k == 0:
        return None
    q = k - 1
    return q if "A" <= text[q] <= "Z" and at_boundary(text, q) else None


@lru_cache(maxsize=4)  # the offline extractor and verification's second reader read one article in turn
def _defined_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations the text defines in brackets: "National Intelligence Service (NIS)" -> NIS."""
    found: dict[str, str] = {}
    for m in re.finditer(r"((?:[A-Z][\w'’-]*\s+)(?:(?:of|for|and|on)\s+|[A-Z][\w'’-]*\s+){0,7})\(([A-Z]{2,6})\)",
                         text):
        words, abbr = m.group(1).split(), m.group(2)
        for k in range(len(words)):
            caps = [w for w in words[k:] if w[0].isupper()]
            if words[k][0].isupper() and "".join(w[0] for w in caps) == abbr:
                found[abbr] = " ".join(words[k:])
                break
    return found


@lru_cache(maxsize=1)
def _leader_re() -> re.Pattern[str]:
    """'Russian President Vladimir Putin', "North Korea's leader Kim Jong Un": nationality, title, name.

    Searched in every article's whole text, so written to open with the first character of a demonym or a state's
    name (:func:`~.patterns.first_of`; the same matches as :func:`_leader_as_written`).
    """
    p = patterns()
    titles = any_of(p.raw["leader_titles"])
    owner = "(?=['’]s)"
    st = first_of([(p.opening["demonym"], ""), *((p.opening[k], owner) for k in ("base", "the", "dem"))])
    return re.compile(as_written(rf"(?P<st>{st})(?:['’]s)?\s+{titles},?\s+{_LEADER_NAME}", _leader_as_written()))


_LEADER_NAME = r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2})"


def _leader_as_written() -> str:
    p = patterns()
    titles = any_of(p.raw["leader_titles"])
    return rf"(?<![\w-])(?P<st>{p.demonyms}|{p.states}(?=['’]s))(?:['’]s)?\s+{titles},?\s+{_LEADER_NAME}"


def _join(found: dict[str, str | None], leaders: Iterable[tuple[str, str]]) -> dict[str, str | None]:
    """Add (name, state) pairs to ``found``; a name two states' leaders share stands for neither (None)."""
    for alias, state in leaders:
        found[alias] = state if found.get(alias, state) == state else None
    return found


def run_leaders(texts: Iterable[str]) -> dict[str, str | None]:
    """The leaders a run's articles introduce with a nationality, found once for the whole run (each article's
    :class:`Names` reads it), so a run of N articles reads each text once, not N times."""
    found: dict[str, str | None] = {}
    for text in texts:
        _join(found, _leaders(text))
    return found


# Keyed on whole texts (4,096 of them held ~24 MB in a run of 10,000 articles); a run of up to 1,024 articles
# still finds each article's leaders here again when it is extracted (Names.state_aliases).
@lru_cache(maxsize=1024)
def _leaders(text: str) -> tuple[tuple[str, str], ...]:
    """(name, state) of each leader a text introduces with a nationality; a two-word name's surname too."""
    p = patterns()
    out: list[tuple[str, str]] = []
    for m in _leader_re().finditer(text):
        state = p.state_alias.get(m.group("st")) or slot_tables()["demonym"].get(m.group("st"))
        if state is not None:
            name = m.group("name")
            out += [(alias, state) for alias in (name, name.split()[-1] if len(name.split()) == 2 else None) if alias]
    return tuple(out)


_PERSON_WORD = re.compile(r"[A-Z][a-z][\w.'’-]*")
_ORG_WORDS = re.compile(r"(?:ministry|agency|service|office|government|military|army|command|leadership|officials?"
                        r"|authorit(?:y|ies)|groups?|monitors?|organi[sz]ations?|experts|residents|witnesses"
                        r"|council|committee|commission|mission|parliament|movement|coalition|alliance|front"
                        r"|spokes(?:man|woman|person)|lawmakers?|adviser|sources?|intelligence)$", re.I)
_TITLE = re.compile(r"MP|Gen\.|Sen\.|Rep\.|Dr\.|Sir|President|Minister|Secretary|General|Commander|Chief|Senator")
_TITLE_RUN = re.compile(r"^(?:(?:MP|Gen\.|Sen\.|Rep\.|Dr\.|Sir|Prime|President|Minister|Defen[cs]e|Foreign|Secretary"
                        r"|General|Commander|Chief|Senator)\s+)+")


@lru_cache(maxsize=1)
def _claimant_noise() -> tuple[list[str], re.Pattern[str]]:
    """The noise phrases stripped from a claimant's front (longest first) and the adverbs after its name."""
    p = patterns()
    noise = sorted(p.raw["claimant_noise"], key=len, reverse=True)
    return noise, re.compile(rf"(?:\s+{any_of(p.raw['claimant_adverbs'])})+$")


def clean_claimant(phrase: str, names: Names) -> tuple[str | None, bool]:
    """(claimant, is_person) named by a subject phrase; (None, False) when it names no one."""
    p = patterns()
    noise_words, adverbs = _claimant_noise()
    s = phrase.strip().strip(QUOTES + " ,.;:")
    for noise in noise_words:
        if s.lower().startswith(noise.lower() + " "):
            s = s[len(noise) + 1 :]
    s = _ARTICLE.sub("", s).strip()
    s = adverbs.sub("", s).strip()
    if not s or s.lower() in p.raw["not_claimants"] or len(s.split()) > 9:
        return None, False
    s = _DATELINE_DASH.split(s)[-1].strip()  # "KYIV, Nov 21 (Dev Wire) - Residents of Tigray": after the dateline
    if s in MONTHS or s in WEEKDAYS or _NO_ONE.fullmatch(s):
        return None, False  # "By the estimate of ...": the words before a reporting noun name no one
    agency = names.agency(s)
    if agency:
        return agency, False
    words = s.split()
    if len(words) == 1 and s in p.state_alias:
        return p.state_alias[s], False
    k = len(words)
    while k > 0 and _PERSON_WORD.fullmatch(words[k - 1]) and not words[k - 1].endswith(("'s", "’s")):
        k -= 1
    if 1 < k < len(words) and words[k - 1] in ("of", "for", "on") and words[k - 2][:1].isupper():
        return s, False  # "Department of Migrant Workers": an office, not a person
    if 1 < k < len(words) and words[k - 1] in ("in", "from", "at", "near"):
        return s, False  # "Three people in Shire": people named by where they are, not a person "Shire"
    titled = k > 0 and _TITLE.fullmatch(words[k - 1]) is not None
    run = _TITLE_RUN.sub("", " ".join(words[k - 1 if titled else k :]))
    if run and len(run.split()) <= 3 and (k == 0 or titled or words[k - 1][0].islower()):
        if run.split()[-1] in MONTHS or run.split()[-1] in WEEKDAYS:
            return None, False  # "a report they released on Wednesday": a date, not a person
        if " " not in run and run in p.state_alias:
            return p.state_alias[run], False
        return (names.person(run) or run) if " " not in run else run, True
    if s in p.state_alias:
        return p.state_alias[s], False
    if s[0].isupper() or _ORG_WORDS.search(s):
        return s, False
    return None, False


_CLAUSE_CUT = re.compile(r".*\b(?:after|when|while|because|that|as|but|which)\s+", re.IGNORECASE)


def _subject_before(before: str) -> str:
    """The reporting verb's subject at the end of ``before``."""
    segs = [m for m in _SEGMENT.finditer(before) if m.group().strip()]
    if not segs:
        return ""
    pick = segs[-1]
    if "," in before[pick.end() :] and _clause(pick.group())[:1].islower() and len(segs) > 1:
        pick = segs[-2]  # an apposition: "Kovalenko, head of the centre, said"
    return _clause(pick.group())


def _clause(segment: str) -> str:
    cut = _CLAUSE_CUT.match(segment)
    return _strip_leading_date((segment[cut.end() :] if cut else segment).strip())


def _strip_leading_date(subject: str) -> str:
    for d in find_dates(subject, None):
        if not subject[: d.start].strip():
            return subject[d.end :].strip(" ,")
    return subject


@lru_cache(maxsize=1)
def _attribution_re() -> Gated:
    """The reporting verbs ('said', 'told reporters'), searched only in sentences holding one (core/prefilter.py)."""
    return gated(patterns().attribution)


@lru_cache(maxsize=1)
def _lead_re() -> Gated:
    """'according to X', 'citing X': searched only in sentences holding one of the lead-ins (core/prefilter.py)."""
    p = patterns()
    lead_ins = any_of(p.raw["citing_lead_ins"] + p.raw["claimant_lead_ins"])
    return gated(re.compile(rf"(?<![\w-]){lead_ins}\s+(?P<c>[^,;]+?)(?=,|;|\s+that\b|\.?$)", re.IGNORECASE))


def attribution(sent: Sentence, names: Names, *, inside_quotes: bool = False) -> Attribution:
    """Claimant and conduit of a sentence from 'said', 'told reporters', 'according to', 'citing ...'."""
    text = sent.text
    quoted = [] if inside_quotes else quoted_spans(text)

    def inside(i: int) -> bool:
        return any(a < i < b for a, b in quoted)

    people: list[str] = []
    orgs: list[str] = []
    out = Attribution()

    def add(name: str | None, person: bool) -> None:
        if name:
            (people if person else orgs).append(name)

    for m in _attribution_re().finditer(text):
        if inside(m.start()):
            continue
        before = text[: m.start()]
        if _AFTER_QUOTE.search(before) or not before.strip():
            after = _NAME_AFTER.match(text[m.end() :])
            subject = after.group(1) if after else ""
        else:
            subject = _subject_before(before)
            if not subject:
                after = _NAME_AFTER.match(text[m.end() :])
                subject = after.group(1) if after else ""
        name, person = clean_claimant(subject, names) if subject else (None, False)
        if name:
            add(name, person)
            out.verb_spans.append((m.start(), m.end()))
            if person:  # "Lee also said the NIS had heard ...": the agency is the source
                cited = _CITED.match(text[m.end() :])
                if cited:
                    add(names.agency(cited.group(1)) or cited.group(1), False)
    for m in _lead_re().finditer(text):
        if not inside(m.start()):
            add(*clean_claimant(m.group("c"), names))
    if orgs:
        out.claimant, out.conduit = orgs[0], (people[0] if people else None)
    elif people:
        out.claimant = people[0]
    return out


