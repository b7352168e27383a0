"""The offline extractor: the no-model baseline, sentence patterns filling the briefing schema.

Each item quotes whole sentences of the article, every figure comes from
:func:`summarizer.numbers.find_figures`, and the result goes through
:func:`summarizer.grounding.verify` like a model's. The phrase tables live in
``summarizer/data/offline_patterns.yaml``. A sentence it cannot read with confidence is
skipped: a missing figure is better than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import pysbd
import yaml

from .errors import ConfigError
from .grounding import verify
from .numbers import Figure, find_figures, overlaps, same_figure
from .resources import data_path
from .schema import (
    Aid,
    AidComponent,
    ArmsItem,
    ArmsTransfer,
    Article,
    ArticleExtraction,
    Casualty,
    DateRef,
    Deployment,
    Diplomacy,
    Evidence,
    Quantity,
    Sections,
)

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


# ---------------------------------------------------------------- sentences


@dataclass
class Sentence:
    """One sentence of the article, with its offsets and figures."""

    index: int
    start: int
    end: int
    text: str
    block: int  # paragraph number; a blank line starts a new one
    heading: bool
    figures: list[Figure] = field(default_factory=list)


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _blocks(text: str) -> list[tuple[int, int, int]]:
    """(start, end, paragraph) of runs of lines that belong together.

    A line break ends a sentence unless the line ends with a comma-like mark or the next
    line starts in lower case ('So far,\\nNorth Korean troop casualties\\nare estimated').
    """
    out: list[tuple[int, int, int]] = []
    pos, para, cur = 0, 0, None
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        stripped = line.strip()
        if not stripped:
            if cur is not None:
                out.append(cur)
                cur = None
            para += 1
            continue
        if cur is not None:
            prev = text[cur[0] : cur[1]].rstrip()
            if prev[-1] in ",;:—–-(" or stripped[0].islower():
                cur = (cur[0], e, para)
                continue
            out.append(cur)
        cur = (s, e, para)
    if cur is not None:
        out.append(cur)
    return out


def _simple_spans(text: str) -> list[tuple[int, int]]:
    """Fallback splitter: a sentence ends at . ! or ? (and a closing quote) before a capital or quote."""
    ends = [m.end() for m in re.finditer(r"[.!?][\"”’)]?(?=\s+[\"“‘A-Z])", text)]
    starts = [0, *ends]
    return [(a, b) for a, b in zip(starts, [*ends, len(text)], strict=True) if text[a:b].strip()]


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with exact offsets: lines joined as in :func:`_blocks`, then pysbd inside each block."""
    out: list[Sentence] = []
    seg = _segmenter()
    for bstart, bend, para in _blocks(text):
        block = text[bstart:bend]
        flat = block.replace("\n", " ")
        try:
            spans = [(sp.start, sp.end) for sp in seg.segment(flat) if flat[sp.start : sp.end] == sp.sent]
        except Exception:  # pysbd is heuristic; never let it stop an extraction
            spans = []
        if not spans or sum(len(flat[a:b].strip()) for a, b in spans) < len(flat.strip()) - len(spans):
            spans = _simple_spans(flat)  # pysbd lost text or offsets: split on sentence ends instead
        single_line = "\n" not in block.strip()
        for a, b in spans:
            raw = block[a:b]
            lead = len(raw) - len(raw.lstrip())
            s, e = bstart + a + lead, bstart + a + len(raw.rstrip())
            if e <= s or not re.search(r"[^\W\d_]", text[s:e]):
                continue
            sent = text[s:e]
            heading = single_line and len(spans) == 1 and sent[-1] not in _END_PUNCT
            out.append(Sentence(len(out), s, e, sent, para, heading, find_figures(sent)))
    return out


# ---------------------------------------------------------------- dates


_DATE_RE = re.compile(
    r"(?<![\w-])(?P<prep>(?i:(?:(?:back|later|earlier|since|in|on|by|from|last|this)\s+)*))"
    r"(?:(?P<wd>" + "|".join(_WEEKDAYS) + r")"
    r"|(?P<mon>" + "|".join(_MONTHS) + r")(?:\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?)?(?:,?\s+(?P<y>(?:19|20)\d\d))?"
    r"|(?P<d2>\d{1,2})\s+(?P<mon2>" + "|".join(_MONTHS) + r")(?:,?\s+(?P<y2>(?:19|20)\d\d))?"
    r"|(?:mid-|early\s+|late\s+)?(?P<year>(?:19|20)\d\d)(?![\w-]))"
    r"(?![\w-])"
)


@dataclass(frozen=True)
class DatePhrase:
    start: int
    end: int
    ref: DateRef


def _iso(day: date, precision: str) -> str:
    if precision == "day":
        return day.isoformat()
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if precision == "week":
        iso = day.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    return f"{day.year:04d}"


@lru_cache(maxsize=256)
def _resolve(expr: str, base: date) -> date | None:
    """dateparser on ``expr`` relative to ``base``, preferring the past."""
    import dateparser

    settings = {"RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": "past"}
    got = dateparser.parse(expr, languages=["en"], settings=settings)  # type: ignore[arg-type]
    return got.date() if got is not None else None


def find_dates(text: str, published: date | None) -> list[DatePhrase]:
    """Date phrases in ``text``, each only as precise as its words (and the publication date) allow."""
    found: list[DatePhrase] = []
    rel = patterns().raw["relative_dates"]
    rel_re = re.compile(rf"(?<![\w-])(?P<p>{_alt([re.escape(k) for k in rel])})(?![\w-])", re.IGNORECASE)
    for m in rel_re.finditer(text):
        expr, precision = rel[m.group("p").lower()]
        day = _resolve(expr, published) if published else None
        ref = DateRef(text=m.group(), start=_iso(day, precision), precision=precision) if day else DateRef(
            text=m.group()
        )
        found.append(DatePhrase(m.start(), m.end(), ref))
    for m in _DATE_RE.finditer(text):
        if any(m.start() < f.end and f.start < m.end() for f in found):
            continue
        phrase = m.group().strip()
        g = m.groupdict()
        start: str | None = None
        precision = "unknown"
        if g["year"]:
            if not g["prep"] and not re.match(r"mid-|early|late", phrase):
                continue  # a bare four-digit number is not clearly a year
            start, precision = g["year"], "year"
        elif g["wd"]:
            if published is not None:
                day = published if published.weekday() == _WEEKDAYS.index(g["wd"]) else _resolve(g["wd"], published)
                if day is not None:
                    start, precision = day.isoformat(), "day"
        else:
            mon, d, y = (g["mon"], g["d"], g["y"]) if g["mon"] else (g["mon2"], g["d2"], g["y2"])
            month = _MONTHS.index(mon) + 1
            if y and d:
                start, precision = _safe_day(int(y), month, int(d)), "day"
            elif y:
                start, precision = f"{y}-{month:02d}", "month"
            elif published is not None and (d or g["prep"]):
                day = _resolve(f"{mon} {d}" if d else mon, published)
                if day is not None:
                    start, precision = (day.isoformat(), "day") if d else (_iso(day, "month"), "month")
            if not d and not y and not g["prep"]:
                continue  # a bare month name ("May") could be another word
        if start is None:
            precision = "unknown"
        found.append(DatePhrase(m.start(), m.start() + len(m.group().rstrip()), DateRef(
            text=phrase, start=start, precision=precision)))  # type: ignore[arg-type]
    return sorted(found, key=lambda f: f.start)


def _safe_day(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- claimants


@dataclass
class Attribution:
    """Who a sentence says is speaking, through whom, and where the reporting verbs are."""

    claimant: str | None = None
    conduit: str | None = None
    verb_spans: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each reporting verb


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*”|\"[^\"]*\"", text)]
    if text.count('"') % 2 == 1 and text.lstrip().startswith('"'):
        spans.append((0, text.rfind('"') + 1))
    return spans


class Names:
    """Per-article names: abbreviations defined in brackets, full forms of people's names."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.abbr: dict[str, str] = {}
        for m in re.finditer(r"((?:[A-Z][\w'’-]*\s+)(?:(?:of|for|and|on)\s+|[A-Z][\w'’-]*\s+){0,7})\(([A-Z]{2,6})\)",
                             text):
            words, abbr = m.group(1).split(), m.group(2)
            for k in range(len(words)):
                caps = [w for w in words[k:] if w[0].isupper()]
                if words[k][0].isupper() and "".join(w[0] for w in caps) == abbr:
                    self.abbr[abbr] = " ".join(words[k:])
                    break
        self._people: dict[str, str | None] = {}

    def agency(self, phrase: str) -> str | None:
        """The full name of the agency a phrase is ('NIS', "Seoul's Joint Chiefs of Staff (JCS)"), if it is one."""
        core = re.sub(r"^(?:the\s+|(?:[A-Z][\w-]*\s+)?[A-Z][\w-]*(?:'s|’s)\s+)", "", phrase.strip())
        core = re.sub(r"^the\s+", "", core)
        if re.fullmatch(r"[A-Z]{2,6}", core) and core not in self.abbr:
            self.abbr[core] = self._spelled_out(core) or ""
        for abbr, full in self.abbr.items():
            if full and core in (abbr, full, f"{full} ({abbr})"):
                return full
        return None

    def _spelled_out(self, abbr: str) -> str | None:
        """'NIS' -> 'National Intelligence Service' when the article spells it out somewhere."""
        words = r"\s+(?:(?:of|for|and|on)\s+)?".join(rf"{c}[a-z]+" for c in abbr)
        m = re.search(rf"\b{words}\b", self.text)
        return m.group() if m else None

    def person(self, surname: str) -> str | None:
        """'Lee' -> 'Lee Sung-kwon', 'Healey' -> 'John Healey': the first full form in the article."""
        if surname not in self._people:
            s = re.escape(surname)
            m = re.search(rf"\b{s}\s+[A-Z][a-z]+-[a-z]+\b|\b[A-Z][a-z]+\s+{s}\b", self.text)
            self._people[surname] = m.group() if m else None
        return self._people[surname]


_PERSON_WORD = re.compile(r"[A-Z][a-z][\w.'’-]*")
_ORG_WORDS = re.compile(r"(?:ministry|agency|service|office|government|military|army|command|leadership|officials?"
                        r"|spokes(?:man|woman|person)|lawmakers?|adviser|sources?|intelligence)$", re.I)
_TITLE = re.compile(r"MP|Gen\.|Sen\.|Rep\.|Dr\.|Sir|President|Minister|Secretary|General|Commander|Chief|Senator")
_TITLE_RUN = re.compile(r"^(?:(?:MP|Gen\.|Sen\.|Rep\.|Dr\.|Sir|Prime|President|Minister|Defen[cs]e|Foreign|Secretary"
                        r"|General|Commander|Chief|Senator)\s+)+")


def clean_claimant(phrase: str, names: Names) -> tuple[str | None, bool]:
    """(claimant, is_person) named by a subject phrase; (None, False) when it names no one."""
    p = patterns()
    s = phrase.strip().strip(_QUOTES + " ,.;:")
    for noise in sorted(p.raw["claimant_noise"], key=len, reverse=True):
        if s.lower().startswith(noise.lower() + " "):
            s = s[len(noise) + 1 :]
    s = re.sub(r"^(?:the|a|an)\s+", "", s, flags=re.IGNORECASE).strip()
    s = re.sub(rf"(?:\s+{_alt(p.raw['claimant_adverbs'])})+$", "", s).strip()
    if not s or s.lower() in p.raw["not_claimants"] or len(s.split()) > 9:
        return None, False
    agency = names.agency(s)
    if agency:
        return agency, False
    words = s.split()
    if len(words) == 1 and s in p.state_alias:
        return p.state_alias[s], False
    k = len(words)
    while k > 0 and _PERSON_WORD.fullmatch(words[k - 1]) and not words[k - 1].endswith(("'s", "’s")):
        k -= 1
    titled = k > 0 and _TITLE.fullmatch(words[k - 1]) is not None
    run = _TITLE_RUN.sub("", " ".join(words[k - 1 if titled else k :]))
    if run and len(run.split()) <= 3 and (k == 0 or titled or words[k - 1][0].islower()):
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
    segs = [m for m in re.finditer(r"[^,;\"“”]+", before) if m.group().strip()]
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
def _lead_re() -> re.Pattern[str]:
    p = patterns()
    lead_ins = _alt(p.raw["citing_lead_ins"] + p.raw["claimant_lead_ins"])
    return re.compile(rf"(?<![\w-]){lead_ins}\s+(?P<c>[^,;]+?)(?=,|;|\s+that\b|\.?$)", re.IGNORECASE)


def attribution(sent: Sentence, names: Names, *, inside_quotes: bool = False) -> Attribution:
    """Claimant and conduit of a sentence from 'said', 'told reporters', 'according to', 'citing ...'."""
    p = patterns()
    text = sent.text
    quoted = [] if inside_quotes else _quoted_spans(text)

    def inside(i: int) -> bool:
        return any(a < i < b for a, b in quoted)

    people: list[str] = []
    orgs: list[str] = []
    out = Attribution()

    def add(name: str | None, person: bool) -> None:
        if name:
            (people if person else orgs).append(name)

    for m in p.attribution.finditer(text):
        if inside(m.start()):
            continue
        before = text[: m.start()]
        if re.search(r"[\"”]\s*$", before) or not before.strip():
            after = re.match(r"\s+([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})", text[m.end() :])
            subject = after.group(1) if after else ""
        else:
            subject = _subject_before(before)
            if not subject:
                after = re.match(r"\s+([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})", text[m.end() :])
                subject = after.group(1) if after else ""
        name, person = clean_claimant(subject, names) if subject else (None, False)
        if name:
            add(name, person)
            out.verb_spans.append((m.start(), m.end()))
            if person:  # "Lee also said the NIS had heard ...": the agency is the source
                cited = re.match(r"\s+(?:that\s+)?(?:the\s+)?([A-Z]{2,6}|(?:[A-Z][\w'’-]*\s+){1,4}"
                                 r"(?:Service|Staff|Agency|Ministry|Command))\b", text[m.end() :])
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


_AGENCY = re.compile(r"(?:Service|Agency|Staff|Directorate|Bureau|Command|Ministry|Council)$")


@lru_cache(maxsize=1)
def _briefing_re() -> re.Pattern[str]:
    nouns = _alt(patterns().raw["briefing_nouns"])
    return re.compile(rf"^(?P<who>(?:[A-Z][\w'’.-]+\s+){{0,3}}[A-Z][\w'’-]+)\s+(?:[a-z]+\s+){{1,3}}(?:an?|the)\s+"
                      rf"{nouns}\s+(?:by|from|with)\s+(?:the\s+)?(?P<body>(?:[A-Z][\w'’-]*\s+(?:(?:of|for|and)\s+)?){{0,6}}"
                      r"(?:\([A-Z]{2,6}\)|[A-Z][\w'’-]*))")


@lru_cache(maxsize=1)
def _role_res() -> dict[str, Any]:
    p = patterns()
    states = _alt([re.escape(a) for a in p.state_alias])
    return {
        "titles": {k: re.compile(rf"(?<![\w-]){_alt(v)}\s*$") for k, v in p.raw["role_titles"].items()},
        "lawmaker": re.compile(rf"^(?:[A-Z][\w-]*\s+){{0,2}}(?P<role>{_alt(list(p.raw['role_titles']))})$"),
        "body": re.compile(rf"^(?P<st>{states})(?:'s|’s|‘s)\s+(?P<role>{_alt(list(p.raw['role_bodies']))})$"),
        "owner": re.compile(rf"(?P<st>{states})(?:'s|’s|‘s)\s+$"),
    }


def _role_body(ctx: Context, state: str, role: str) -> str | None:
    """The one body of ``role`` the article names that can be ``state``'s ('Seoul's Joint Chiefs of Staff')."""
    r, p = _role_res(), patterns()
    fits: list[str] = []
    for body, home in p.raw["role_bodies"][role].items():
        owners = {p.state_alias[m.group("st")] for k in re.finditer(re.escape(body), ctx.article.text)
                  if (m := r["owner"].search(ctx.article.text[max(0, k.start() - 40) : k.start()]))}
        at = ctx.article.text.find(body)
        if at >= 0 and (home is None or home == state) and owners <= {state}:
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
    table = patterns().side_noun if kind == "noun" else patterns().side_adj
    for side, rx in table.items():
        if rx.fullmatch(phrase.strip()):
            return side
    return None


def _states(text: str) -> list[tuple[int, str]]:
    """(offset, canonical name) of every state, capital or leader named in ``text``."""
    p = patterns()
    return [(m.start(), p.state_alias[m.group()]) for m in p.state_re.finditer(text)]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _place(text: str) -> str | None:
    """The one specific place (region, city) a sentence names, else the one country, else None."""
    found = _unique([m.group() for m in patterns().places.finditer(text)])
    specific = [f for f in found if f not in ("Russia", "Ukraine")]
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


# ---------------------------------------------------------------- casualties


@lru_cache(maxsize=1)
def _casualty_res() -> dict[str, re.Pattern[str]]:
    p = patterns()
    sides = p.raw["sides"]
    noun = _alt([n for d in sides.values() for n in d["noun"]])
    adj = _alt([a for d in sides.values() for a in d["adjective"]])
    aux = (r"(?:(?:have|has|had)\s+(?:already\s+)?(?:been\s+)?|(?:were|was|are|is)\s+(?:already\s+)?"
           r"|(?:were|are|was|is)\s+(?:estimated|believed|reported|said|thought)\s+to\s+have\s+(?:been\s+)?)")
    verb = _alt([re.escape(v) for v in p.measure_verb] + ["died"])
    link = (r"(?:estimated\s+at|expected\s+to\s+reach|put\s+at|stand\s+at|stood\s+at|reached|rose\s+to|risen\s+to"
            r"|climbed\s+to|totall?ed|numbered)")
    i = re.IGNORECASE
    return {
        "noun_after": re.compile(rf"^\s*[\"”’']?\s*(?:more\s+)?(?:(?P<adj>{adj})\s+)?(?P<m>{p.noun_re})(?![\w-])", i),
        "side_verb": re.compile(
            rf"^\s+(?P<side>{noun})(?![\w-])(?P<mid>[^.;\"“”]{{0,140}}?)\s+{aux}(?P<m>{verb})(?![\w-])", i
        ),
        "bare": re.compile(rf"^\s+(?P<side>{noun})\s+(?P<m>{verb})(?![\w-])", i),
        "suffered": re.compile(
            rf"(?P<side>{noun})(?:\s+(?:who|which|that)\s+[^\"“”.;]*?)?\s+(?:have|has|had)\s+(?:also\s+)?"
            r"suffered\s+[\"“]?\s*$", i
        ),
        "noun_before": re.compile(
            rf"(?:(?P<adj>{adj})\s+)?(?P<m>{p.noun_re})(?:\s+in\s+(?:the\s+)?[A-Z][\w-]*(?:\s+region)?)?\s+"
            rf"(?P<aux>(?:(?:are|is|were|was|have|has|had)\s+)?(?:already\s+)?(?:been\s+)?)(?P<link>{link})?\s*$", i
        ),
        "object": re.compile(rf"(?<![\w-])(?P<m>{verb})\s+$", i),
        "object_side": re.compile(rf"^\s+(?P<side>{noun})(?![\w-])", i),
        "paren": re.compile(rf"\(\s*(?:the\s+)?(?P<side>{noun})\s*\)", i),
        "cues": _words(p.raw["continuation_cues"]),
        "join": re.compile(r"^\s*,?\s*(?:and|with|including|of\s+which|of\s+whom|among\s+them)\s+"
                           r"(?:another\s+|a\s+further\s+)?$", i),
    }


def _measure(phrase: str) -> str:
    p = patterns()
    key = re.sub(r"\s+", " ", phrase.lower())
    return p.measure_verb.get(key) or p.measure_noun.get(key) or ("killed" if key == "died" else "")


def _read_casualties(s: Sentence) -> list[tuple[Figure, str, str | None, int]]:
    """(figure, measure, side or None, end of the reading) for each casualty figure of a sentence."""
    r = _casualty_res()
    t = s.text
    out: list[tuple[Figure, str, str | None, int]] = []
    for f in _counts(s):
        head, tail = t[: f.start], t[f.end :]
        if m := r["side_verb"].match(tail) or r["bare"].match(tail):
            mid = m.groupdict().get("mid") or ""
            if any(f.end < g.start < f.end + m.end() for g in s.figures) or re.search(r"\d", mid):
                continue
            out.append((f, _measure(m.group("m")), _side_of(m.group("side"), "noun"), f.end + m.end()))
            continue
        if m := r["noun_after"].match(tail):
            side = _side_of(m.group("adj"), "adjective") if m.group("adj") else None
            if side is None and (sm := r["suffered"].search(head)):
                side = _side_of(sm.group("side"), "noun")
            out.append((f, _measure(m.group("m")), side, f.end + m.end()))
            continue
        if (m := r["object"].search(head)) and (om := r["object_side"].match(tail)):  # "killed eight members of"
            out.append((f, _measure(m.group("m")), _side_of(om.group("side"), "noun"), f.end + om.end()))
            continue
        m = r["noun_before"].search(head)
        if m and (m.group("link") or (m.group("aux").strip() and f.qualifier != "exact")):
            side = _side_of(m.group("adj"), "adjective") if m.group("adj") else None
            out.append((f, _measure(m.group("m")), side, f.end))
    # "killed and another 1,000 wounded", "4,700, including approximately 600 deaths": the same side
    for k in range(1, len(out)):
        f, measure, side, end = out[k]
        if side is None and r["join"].match(t[out[k - 1][3] : f.start]):
            out[k] = (f, measure, out[k - 1][2], end)
    return [o for o in out if o[1]]


def casualties(ctx: Context) -> tuple[list[Casualty], set[tuple[int, int]]]:
    """Casualty items, and the (sentence, offset) of every figure they use."""
    p, r = patterns(), _casualty_res()
    items: list[tuple[Sentence, Casualty]] = []
    used: set[tuple[int, int]] = set()
    side_of_sentence: dict[int, tuple[str, Attribution]] = {}
    item_of: dict[int, Casualty] = {}
    cues = r["cues"]
    for s in ctx.sentences:
        if p.rate.search(s.text):
            continue
        readings = _read_casualties(s)
        if not readings:
            continue
        evidence = [s]
        attr = ctx.attr(s)
        if any(side is None for _, _, side, _ in readings):
            fill = None
            sides = {_side_of(m.group(), "noun") or _side_of(m.group(), "adjective")
                     for m in p.any_side.finditer(s.text)}
            paren = r["paren"].search(s.text)
            if paren and sides == {_side_of(paren.group("side"), "noun")}:
                fill = _side_of(paren.group("side"), "noun")
            prev = ctx.previous(s)
            if fill is None and not sides and prev is not None and prev.index in side_of_sentence and (
                s.text[0] in _QUOTES or cues.search(s.text)
            ):
                fill, prev_attr = side_of_sentence[prev.index]
                evidence = [s, prev]
                if attr.claimant is None:
                    inner = attribution(s, ctx.names, inside_quotes=True)
                    attr = Attribution(inner.claimant or prev_attr.claimant, prev_attr.claimant if inner.claimant
                                       and inner.claimant != prev_attr.claimant else prev_attr.conduit)
            readings = [(f, m, side or fill, e) for f, m, side, e in readings]
        by_side: dict[str, list[Casualty]] = {}
        continued = item_of.get(evidence[-1].index) if len(evidence) > 1 else None
        if continued is not None and all(getattr(continued, m) is None for _, m, _, _ in readings):
            # the same speaker goes on ('said Lee. "The NIS also reported ... nearly 1,000."'): one claim
            for f, measure, _, _ in readings:
                used.add((s.index, f.start))
                setattr(continued, measure, _quantity(f))
            continued.evidence.append(Evidence(quote=s.text))
            continued.claimant, continued.conduit = attr.claimant, attr.conduit
            item_of[s.index] = continued
            side_of_sentence[s.index] = (continued.side, attr)
            continue
        for f, measure, side, _ in readings:
            if side is None:
                continue
            used.add((s.index, f.start))
            group = by_side.setdefault(side, [])
            if not group or getattr(group[-1], measure) is not None:
                fields = _ctx_fields(ctx, s, f.start, attr)
                group.append(Casualty(side=side, evidence=[Evidence(quote=e.text) for e in evidence],
                                      location=_place(s.text) if _place(s.text) not in ("Russia", "Ukraine") else None,
                                      **fields, **{measure: _quantity(f)}))
            else:
                setattr(group[-1], measure, _quantity(f))
        for side, group in by_side.items():
            side_of_sentence[s.index] = (side, attr)
            item_of[s.index] = group[-1]
            items.extend((s, c) for c in group)
    return _dedupe(items, _casualty_key), used


def _casualty_key(c: Casualty) -> tuple[Any, ...]:
    return (c.side, tuple(sorted((m, q.low, q.high) for m, q in c.figures().items())))


def _related(a: Any, b: Any) -> bool:
    """Two items come from the same source: same claimant, one's claimant is the other's conduit, or one
    claimant's words contain the other's ("Ukraine's military spy agency" / "Ukraine's HUR military spy agency")."""
    if a.claimant == b.claimant:
        return True
    if a.claimant is None or b.claimant is None:
        return False
    if a.claimant in (b.claimant, b.conduit) or b.claimant in (a.claimant, a.conduit):
        return True
    wa, wb = (set(re.findall(r"\w+", x.lower())) - {"s"} for x in (a.claimant, b.claimant))
    return len(wa & wb) >= 2 and (wa <= wb or wb <= wa)


def _subsumes(big: Casualty, small: Casualty) -> bool:
    """Every figure of ``small`` is stated, for the same measure and side, by ``big``."""
    fb = {m: (q.low, q.high) for m, q in big.figures().items()}
    return big.side == small.side and all(fb.get(m) == (q.low, q.high) for m, q in small.figures().items())


def _close(a: Quantity, b: Quantity) -> bool:
    """Two figures that can be one statement worded twice: bounds overlap and the stated values are near."""
    fa, fb = find_figures(a.text), find_figures(b.text)
    if not fa or not fb:
        return False
    x, y = fa[0], fb[0]
    if same_figure(x, y):
        return True
    va, vb = x.low if x.low is not None else x.high, y.low if y.low is not None else y.high
    if va is None or vb is None or not overlaps((x.low, x.high), (y.low, y.high)):
        return False
    return max(va, vb) <= 1.2 * min(va, vb)


def _agrees(big: Casualty, small: Casualty) -> bool:
    """One claimant's two readings of one side that state the same shared figures (and so are one claim)."""
    if not isinstance(big, Casualty) or not isinstance(small, Casualty):
        return False
    fb, fs = big.figures(), small.figures()
    shared = set(fb) & set(fs)
    return big.side == small.side and bool(shared) and all(_close(fb[m], fs[m]) for m in shared)


def _quoted(item: Any, q: Quantity) -> bool:
    """The figure stands inside quotation marks (the claimant's own words) in one of the item's quotes."""
    for ev in item.evidence:
        at = ev.quote.find(q.text)
        if at >= 0 and any(a <= at < b for a, b in _quoted_spans(ev.quote)):
            return True
    return False


def _combine(keep: Casualty, drop: Casualty) -> None:
    """Merge two readings of one claim: every measure either states; a shared one in the claimant's words."""
    for m, q in drop.figures().items():
        mine = getattr(keep, m)
        if mine is None or (_quoted(drop, q) and not _quoted(keep, mine)):
            setattr(keep, m, q)
    _absorb(keep, drop)


def _absorb(keep: Any, drop: Any) -> None:
    """Merge ``drop`` into ``keep``: quotes, and whatever ``keep`` leaves empty."""
    _merge_evidence(keep, drop)
    for name in ("claimant", "conduit", "claimed", "period", "location", "unit", "destination"):
        if hasattr(keep, name) and getattr(keep, name) is None and getattr(drop, name, None) is not None:
            setattr(keep, name, getattr(drop, name))


def _dedupe(items: list[tuple[Sentence, Any]], key: Any) -> list[Any]:
    """Merge repeats from one source (a casualty claim restated with more figures is one claim) and drop
    headline items the body states too."""
    kept: list[tuple[Sentence, Any]] = []
    for s, it in items:
        if s.heading:
            kept.append((s, it))
            continue
        body = [k for k in kept if not k[0].heading and _related(k[1], it)]
        twin = next((k for k in body if key(k[1]) == key(it)), None)
        if twin is not None:
            _absorb(twin[1], it)
            continue
        if isinstance(it, Casualty):
            bigger = next((k for k in body if _subsumes(k[1], it)), None)
            if bigger is not None:
                _absorb(bigger[1], it)
                continue
            fits = next((k for k in body if _agrees(k[1], it)), None)
            if fits is not None:  # a lead's round figure and the claimant's own words: one claim
                _combine(fits[1], it)
                continue
            smaller = [k for k in body if _subsumes(it, k[1])]
            if smaller:
                for k in smaller:
                    _absorb(it, k[1])
                    it.evidence.sort(key=lambda e: s.text != e.quote)
                at = kept.index(smaller[0])
                kept = [k for k in kept if k not in smaller]
                kept.insert(min(at, len(kept)), (s, it))
                continue
        kept.append((s, it))
    body = [it for s, it in kept if not s.heading]
    return [it for s, it in kept if not s.heading or not any(_same_item(it, b) or _agrees(b, it) for b in body)]


def _same_item(a: Any, b: Any) -> bool:
    """Two items of one section state the same figure for the same measure and parties."""
    fa, fb = a.figures(), b.figures()
    if not fa or not fb or _parties(a) != _parties(b):
        return False
    for name, qa in fa.items():
        qb = fb.get(name)
        fa_fig, fb_fig = find_figures(qa.text), find_figures(qb.text) if qb else []
        if qb is not None and fa_fig and fb_fig and same_figure(fa_fig[0], fb_fig[0]):
            return True
    return False


def _parties(item: Any) -> tuple[Any, ...]:
    return tuple(getattr(item, k, None) for k in ("side", "force", "donor", "recipient"))


# ---------------------------------------------------------------- deployments


@lru_cache(maxsize=1)
def _deployment_res() -> dict[str, Any]:
    p = patterns()
    status_of = {v.lower(): st for st, verbs in p.raw["deployment_verbs"].items() for v in verbs}
    verbs = _alt([re.escape(v) for v in status_of])
    states = _alt([re.escape(a) for a in p.state_alias])
    aux = (r"(?:(?:has|have|had|is|was|were)\s+)?(?:also\s+)?"
           r"(?:(?:believed|said|estimated|reported)\s+to\s+have\s+|reportedly\s+)?")
    i = re.IGNORECASE
    return {
        "status_of": status_of,
        "troop_after": re.compile(rf"^\s+(?:more\s+|additional\s+)?(?:of\s+)?(?P<troop>{p.troop})(?![\w-])", i),
        "active": re.compile(rf"(?<![\w-])(?P<st>{states})\s+{aux}(?P<v>{verbs})\s+(?:an?\s+)?"
                             r"(?:additional\s+|another\s+|further\s+)?$"),
        "passive": re.compile(rf"^[^.;\"“”]{{0,80}}?\b(?:have|has|had|were|was|are|is)\s+(?:already\s+)?(?:been\s+)?"
                              rf"(?P<v>{verbs})(?![\w-])", i),
        "there_are": re.compile(r"there\s+(?:are|were)\s+(?:now\s+)?$", i),
        "operating": re.compile(r"^[^.;]{0,60}?\b(?:operating|stationed|deployed)\b", i),
        "dest": re.compile(rf"\b(?:to|in|into|inside)\s+(?:help\s+|support\s+|assist\s+|reinforce\s+)?(?:the\s+)?"
                           rf"(?P<d>{p.places.pattern})"),
        "casualty_after": re.compile(rf"^[^.;]{{0,160}}?\b(?:have|has|had|were|was)\s+(?:been\s+)?"
                                     rf"(?:{p.verb_re})\b", i),
        "planned": re.compile(_alt(p.raw["planned_cues"]), i),
        "unit_cue": re.compile(_alt(p.raw["unit_deployment_cues"]), i),
        "uses": re.compile(rf"(?<![\w-])(?P<st>{states})\s+(?:has\s+|had\s+|is\s+|was\s+)?"
                           r"(?:begun\s+to\s+|started\s+to\s+)?"
                           rf"{_alt(p.raw['use_verbs'])}\s+(?P<troop>(?:soldiers|troops)\s+from\s+North\s+Korea|{p.troop})"
                           rf"(?![\w-])(?P<rest>[^;]*)"),
    }


def _force(state: str | None) -> str | None:
    return patterns().raw["forces"].get(state) if state else None


def _destination(text: str) -> str | None:
    m = _deployment_res()["dest"].search(text)
    return m.group("d").removesuffix("'s") if m else None


def deployments(ctx: Context, used: set[tuple[int, int]]) -> list[Deployment]:
    """Troops sent, planned, rotated or brought home; a casualty figure is never a troop count."""
    d = _deployment_res()
    p = patterns()
    sized: list[tuple[Sentence, Deployment]] = []
    unsized: list[tuple[Sentence, Deployment]] = []
    for s in ctx.sentences:
        t = s.text
        unit_m = p.units.search(t)
        unit = unit_m.group() if unit_m else None
        found = False
        for f in _counts(s):
            if (s.index, f.start) in used:
                continue
            tm = d["troop_after"].match(t[f.end :])
            if not tm:
                continue
            after = t[f.end + tm.end() :]
            force = _side_of(tm.group("troop"), "noun")
            status = None
            am = d["active"].search(t[: f.start])
            if am:
                force = force or _force(p.state_alias[am.group("st")])
                status = d["status_of"][am.group("v").lower()]
            elif pm := d["passive"].match(after):
                status = d["status_of"][pm.group("v").lower()]
            elif d["there_are"].search(t[: f.start]) and d["operating"].match(after):
                status = "deployed"
            if force is None or status is None or d["casualty_after"].match(after):
                continue
            if d["planned"].search(t):
                status = "planned"
            found = True
            sized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, size=_quantity(f), unit=unit,
                                        destination=_destination(t[f.start :]), status=status,
                                        **_ctx_fields(ctx, s, f.start))))
        if found or s.heading:
            continue
        if (um := d["uses"].search(t)) and (place := _destination(um.group("rest"))):
            force = _side_of(um.group("troop"), "noun") or ("North Korean forces" if "North Korea" in um.group("troop")
                                                            else None)
            if force and p.state_alias[um.group("st")] != force.split()[0]:
                unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, destination=place,
                                              status="deployed", **_ctx_fields(ctx, s, um.start()))))
                continue
        planned = d["planned"].search(t)
        if planned or (unit and d["unit_cue"].search(t)):
            cue = planned or d["unit_cue"].search(t)
            assert cue is not None
            states = _states(t)
            before = [name for at, name in states if at < cue.start()]
            nk_side = _side_of("North Korean troops", "noun") if "North Korean" in cue.group() else None
            state = before[-1] if before else (states[0][1] if len({n for _, n in states}) == 1 else None)
            force = nk_side or _force(state)
            if force is None:
                continue
            unsized.append((s, Deployment(evidence=[Evidence(quote=t)], force=force, unit=unit,
                                          destination=_place(t) if not planned else None,
                                          status="planned" if planned else "deployed",
                                          **_ctx_fields(ctx, s, cue.start()))))
    out = _dedupe(sized, lambda x: (x.force, x.status, x.size.low, x.size.high))
    seen: dict[tuple[str, str, str | None], Deployment] = {}
    for _, dep in unsized:
        key = (dep.force, dep.status, dep.unit if dep.status == "deployed" else None,
               dep.destination if dep.status == "deployed" and dep.unit is None else None)
        if key in seen:
            seen[key].unit = seen[key].unit or dep.unit
            _merge_evidence(seen[key], dep)
            continue
        seen[key] = dep
    return out + list(seen.values())


# ---------------------------------------------------------------- arms transfers


@lru_cache(maxsize=1)
def _arms_res() -> dict[str, Any]:
    p = patterns()
    states = _alt([re.escape(a) for a in p.state_alias])
    verbs = _alt(p.raw["arms_verbs"])
    aux = r"(?:(?:has|have|had|was|is)\s+)?(?:also\s+)?(?:(?:believed|said|reported)\s+to\s+have\s+|reportedly\s+)?"
    to = rf"\s+to\s+(?:support\s+|help\s+|aid\s+|further\s+support\s+)?(?P<rec>{states})(?![\w-])"
    return {
        "with": re.compile(rf"(?P<sup>{states})\s+{aux}supplied\s+(?P<rec>{states})\s+with\s+(?P<items>{_NODOT}+?)"
                           r"(?=,\s+(?:enabling|which|while|and)\b|\.|$)"),
        "accused": re.compile(rf"accus\w*\s+(?P<sup>{states})\s+of\s+(?P<v>{verbs})\s+(?P<items>{_NODOT}+?){to}"),
        "direct": re.compile(rf"(?P<sup>{states})\s+{aux}(?P<v>{verbs})\s+(?P<items>{_NODOT}+?){to}"),
        "gapped": re.compile(rf"(?P<sup>{states})\s+(?:was|is|has|have|had)\s+[^.;]{{0,80}}?\b(?:along\s+with|and)\s+"
                             rf"(?P<v>supplying|providing|sending|shipping)\s+(?P<items>{_NODOT}+?){to}"),
        "also": re.compile(rf"(?P<sup>{states})\s+(?:has|have|had)\s+also\s+(?P<v>{verbs})\s+"
                           rf"(?P<items>{_NODOT}+?)\s*\.?$"),
        "recipient": re.compile(rf"(?:\b(?:sent|deployed|dispatched|shipped|delivered)\s+to|\b(?:help|support|assist"
                                rf"|reinforce))\s+(?P<rec>{states})(?![\w-])"),
        "containers": re.compile(rf"^(?P<q>.+?)\s+(?P<c>{_alt(p.raw['arms_containers'])})\s+of\s+(?P<rest>.+)$", re.I),
        "split": re.compile(r"\s*(?:,\s*(?:and\s+|as\s+well\s+as\s+)?|\s+as\s+well\s+as\s+|\s*[—–]\s*"
                            r"(?:including\s+)?|,?\s+including\s+)\s*"),
        "categories": [(cat, re.compile(rf"(?<![\w-]){_alt(words)}(?![\w-])", re.I))
                       for cat, words in p.raw["arms_categories"].items()],
        "planned": _words(p.raw["planned_arms_cues"]),
        "alleged": _words(p.raw["allegation_cues"]),
    }


def _category(name: str) -> str | None:
    cats = _arms_res()["categories"]
    for cat, rx in cats:  # the head noun first: "artillery shells" are ammunition
        m = list(rx.finditer(name))
        if m and m[-1].end() == len(name):
            return cat
    for cat, rx in cats:
        if rx.search(name):
            return cat
    return None


def _list_parts(text: str) -> list[str]:
    """Split a list of weapons; after a counted part ('nine million rounds of X and Y') the rest stays with it."""
    parts: list[str] = []
    for chunk in _arms_res()["split"].split(text):
        counted = False
        for piece in re.split(r"\s+and\s+", chunk):
            figs = find_figures(piece.strip(_QUOTES + " "))
            if counted and parts:
                parts[-1] += " and " + piece
                continue
            counted = bool(figs) and figs[0].start == 0
            parts.append(piece)
    return parts


def _arms_items(text: str) -> list[ArmsItem]:
    """Items of a list like '10,000 containers of artillery shells, anti-tank missiles, and rocket launchers'."""
    a = _arms_res()
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(_QUOTES + " —–"))
    items: list[ArmsItem] = []
    if cm := a["containers"].match(text):
        figs = find_figures(cm.group("q"))
        if figs and figs[0].start == 0 and figs[0].end == len(cm.group("q")) and not figs[0].year_like:
            items.append(ArmsItem(name=cm.group("c"), category="other", quantity=_quantity(figs[0])))
            text = cm.group("rest")
    for part in _list_parts(text):
        name = part.strip(_QUOTES + " .,—–")
        name = re.sub(r"^(?:the|other)\s+", "", name) if not name.startswith("other military") else name
        if not name:
            continue
        qty = None
        figs = find_figures(name)
        if figs and figs[0].start == 0 and not figs[0].year_like:
            qty, name = _quantity(figs[0]), name[figs[0].end :].strip()
            name = re.sub(r"^of\s+", "", name)
        cat = _category(name)
        if cat is None or len(name) > 80:
            continue
        items.append(ArmsItem(name=name, category=cat, quantity=qty))  # type: ignore[arg-type]
    return items if any(i.category != "other" or i.quantity is None for i in items) else []


def arms_transfers(ctx: Context) -> list[ArmsTransfer]:
    """Weapons moving from one state to another, with items and quantities."""
    a = _arms_res()
    p = patterns()
    out: list[tuple[Sentence, ArmsTransfer]] = []
    for s in ctx.sentences:
        t = s.text
        evidence = [s]
        m = a["with"].search(t) or a["accused"].search(t) or a["direct"].search(t) or a["gapped"].search(t)
        rec = m.group("rec") if m else None
        if m is None and (m := a["also"].search(t)):
            prev = ctx.previous(s)
            rm = a["recipient"].search(prev.text) if prev else None
            if prev is None or rm is None:
                continue
            rec, evidence = rm.group("rec"), [s, prev]
        if m is None or rec is None:
            continue
        supplier, recipient = p.state_alias[m.group("sup")], p.state_alias[rec]
        items = _arms_items(m.group("items"))
        if supplier == recipient or not items:
            continue
        attr = ctx.attr(s)
        if attr.claimant is None and len(evidence) > 1:
            attr = ctx.attr(evidence[1])
        accusers = [name for at, name in _states(t[: m.start()])] if m.re is a["accused"] else []
        if attr.claimant is None and accusers:
            attr = Attribution(claimant=accusers[-1])
        status = "planned" if a["planned"].search(t) else (
            "alleged" if attr.claimant or a["alleged"].search(t) else "delivered")
        out.append((s, ArmsTransfer(evidence=[Evidence(quote=e.text) for e in evidence], supplier=supplier,
                                    recipient=recipient, items=items, status=status,  # type: ignore[arg-type]
                                    **_ctx_fields(ctx, s, m.start(), attr))))
    return _dedupe(out, lambda x: (x.supplier, x.recipient, tuple(i.name for i in x.items)))


# ---------------------------------------------------------------- aid


@lru_cache(maxsize=1)
def _aid_res() -> dict[str, Any]:
    p = patterns()
    states = _alt([re.escape(a) for a in p.state_alias])
    i = re.IGNORECASE
    return {
        "give": re.compile(rf"(?<![\w-])(?P<donor>{states})\s+(?:on\s+\w+\s+)?(?:has\s+|have\s+|will\s+)?(?:also\s+)?"
                           rf"(?P<v>{_alt(p.raw['aid_verbs'])})\s+(?P<body>{_NODOT}*?)\s+to\s+(?P<rec>{states})(?![\w-])"),
        "receive": re.compile(rf"(?<![\w-])(?P<rec>{states})\s+(?:has\s+|had\s+|have\s+)?(?:already\s+)?"
                              rf"(?P<v>{_alt(p.raw['aid_receive_verbs'])})\s+(?P<body>{_NODOT}*?)\s+from\s+"
                              rf"(?P<donor>{states})(?![\w-])"),
        "receive_from": re.compile(
            rf"(?<![\w-])(?P<rec>{states})\s+(?:has\s+|had\s+|have\s+)?(?:already\s+)?"
            rf"(?P<v>{_alt(p.raw['aid_receive_verbs'])})\s+(?P<body>{_NODOT}*?)\s+from\s+"
            rf"(?P<donor>{_alt(list(p.raw['aid_donor_phrases']))})(?![\w-])"),
        "running": re.compile(rf"(?<![\w-]){_alt(p.raw['aid_running_totals'])}\s+(?P<body>{_NODOT}*)", i),
        "kinds": [(k, _words(words)) for k, words in p.raw["aid_kinds"].items()],
        "refs": _words(p.raw["package_refs"]),
        "cont": re.compile(rf"^\s*{_alt(p.raw['package_continuations'])}\b|\b(?:would|will)\s+be\s+supplied\b", i),
        "link": re.compile(rf"^\s+(?:{_alt(p.raw['component_links'])})\s+(?P<desc>.+)$", i | re.S),
        "cost": re.compile(rf"^\s+(?P<desc>[^,;£$€]+?)\s+{_alt(p.raw['cost_links'])}\s+$", i),
        "said": re.compile(r",\s+(?:the\s+)?[\w\s'’]{0,40}?\b(?:said|says|added)\b.*$", i | re.S),
        "rate": re.compile(r"^\s+(?:a|per|each)\s+(?:year|month|week)\b|^\s+annually\b", i),
    }


def _components(s: Sentence) -> list[AidComponent]:
    """'£92 million for X', '1,000 Y at a cost of £39 million': the parts of a package one sentence names."""
    a = _aid_res()
    t = s.text
    figs = [f for f in s.figures if not f.year_like and not f.percent]
    out: list[tuple[int, AidComponent]] = []
    consumed: set[int] = set()
    for k, f in enumerate(figs):
        if f.currency is None and k + 1 < len(figs) and figs[k + 1].currency:
            m = a["cost"].match(t[f.end : figs[k + 1].start])
            if m:
                out.append((f.start, AidComponent(description=m.group("desc").strip(), quantity=_quantity(f),
                                                  amount=_quantity(figs[k + 1]))))
                consumed.add(k + 1)
    for k, f in enumerate(figs):
        if f.currency is None or k in consumed:
            continue
        seg = t[f.end : figs[k + 1].start if k + 1 < len(figs) else len(t)]
        m = a["link"].match(seg)
        if not m:
            continue
        desc = a["said"].sub("", m.group("desc"))
        desc = re.sub(r",?\s*(?:and)?\s*$", "", desc).strip(" .,;")
        if desc and len(desc) <= 200:
            out.append((f.start, AidComponent(description=desc, amount=_quantity(f))))
    return [c for _, c in sorted(out, key=lambda x: x[0])]


def _running_total(ctx: Context, s: Sentence, found: list[tuple[Sentence, Aid]]) -> Aid | None:
    """'a program that has already provided the country $9.8 billion' right after a disbursement."""
    m = _aid_res()["running"].search(s.text)
    if m is None or not found or s.index - found[-1][0].index > 2:
        return None
    if any(x.heading for x in ctx.sentences[found[-1][0].index : s.index]):
        return None
    money = [f for f in s.figures if f.currency and m.start("body") <= f.start]
    if len(money) != 1:
        return None
    prev = found[-1][1]
    return Aid(evidence=[Evidence(quote=s.text)], donor=prev.donor, recipient=prev.recipient,
               amount=_quantity(money[0]), kind=prev.kind, **_ctx_fields(ctx, s, m.start()))


def aid(ctx: Context) -> list[Aid]:
    """Money or goods a donor gives a recipient, with a package's components from the sentences after it."""
    a = _aid_res()
    p = patterns()
    out: list[tuple[Sentence, Aid]] = []
    for s in ctx.sentences:
        t = s.text
        m = a["give"].search(t) or a["receive"].search(t) or a["receive_from"].search(t)
        if not m:
            if (total := _running_total(ctx, s, out)) is not None:
                out.append((s, total))
            continue
        donor = p.state_alias.get(m.group("donor")) or p.raw["aid_donor_phrases"][m.group("donor")]
        recipient = p.state_alias[m.group("rec")]
        money = [f for f in s.figures if f.currency and m.start("body") <= f.start < m.end("body")]
        if donor == recipient or not money or a["rate"].match(t[money[0].end :]):
            continue
        kind = next((k for k, rx in a["kinds"] if rx.search(m.group("body"))), None)
        kind = kind or next((k for k, rx in a["kinds"] if rx.search(t)), None) or p.raw["donor_kinds"].get(donor)
        if kind is None:
            continue
        evidence = [s]
        components: list[AidComponent] = []
        if re.search(r"\bpackage\b", t, re.IGNORECASE) and not s.heading:
            started = False
            for nxt in ctx.sentences[s.index + 1 : s.index + 7]:
                if nxt.heading or nxt.block != s.block or (a["give"].search(nxt.text) or a["receive"].search(nxt.text)):
                    break
                if a["refs"].search(nxt.text) or (started and a["cont"].search(nxt.text)):
                    parts = _components(nxt)
                    if not parts:
                        break
                    components.extend(parts)
                    evidence.append(nxt)
                    started = True
                elif started:
                    break
        out.append((s, Aid(evidence=[Evidence(quote=e.text) for e in evidence], donor=donor, recipient=recipient,
                           amount=_quantity(money[0]), kind=kind, components=components,  # type: ignore[arg-type]
                           **_ctx_fields(ctx, s, m.start()))))
    return _dedupe(out, lambda x: (x.donor, x.recipient, x.amount.low if x.amount else None))


# ---------------------------------------------------------------- diplomacy


@lru_cache(maxsize=1)
def _diplomacy_res() -> dict[str, Any]:
    p = patterns()
    states = _alt([re.escape(a) for a in p.state_alias])
    return {
        "triggers": [(kind, _words(words)) for kind, words in p.raw["diplomacy"].items()],
        "agreement": _words(p.raw["agreement_nouns"]),
        "negation": _words(p.raw["negations"]),
        "subject": re.compile(rf"(?P<p>{states}(?:(?:,\s+and\s+|,\s+|\s+and\s+){states})*)(?:'s|’s)?\s+"
                              r"(?:(?:has|have|had|also|officially|publicly|formally)\s+){0,3}$"),
        "visitor": re.compile(r"((?:[A-Z][\w.'’-]*\s+){1,4})$"),
        "place": re.compile(rf"^\s+(?P<p>{states}|[A-Z][a-z]+)"),
    }


_VERB_PAST = {"acknowledgement": "acknowledged", "condemnation": "condemned", "sanction": "sanctioned"}


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
        if w.lower().strip(_QUOTES) in ("a", "an", "the", "signed", "between", "and", "of", "with") or w.endswith(","):
            break
        keep.insert(0, w.strip(_QUOTES))
    return " ".join([*keep, m.group()]).strip()


def _event_date(ctx: Context, s: Sentence, trigger_end: int) -> DateRef | None:
    dates = ctx.dates(s)
    after = [d for d in dates if 0 <= d.start - trigger_end <= 40]
    if after:
        return after[0].ref
    lead = [d for d in dates if d.start <= 3]
    return lead[0].ref if lead else None


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
            if r["negation"].search(clause):
                continue
            if kind.startswith("agreement") and not r["agreement"].search(t):
                continue
            states = _unique([name for _, name in _states(t)])
            subject = None
            if kind in _VERB_PAST:
                sm = r["subject"].search(t[: m.start()])
                if sm is None:
                    continue
                subjects = _unique([name for _, name in _states(sm.group("p"))])
                subject = " and ".join(subjects)
                states = _unique([*subjects, *(name for _, name in _states(_object_clause(t[m.end() :])))])
            if not states:
                continue
            period = _event_date(ctx, s, m.end())
            if period is None and kind not in p.raw["undated_ok"]:
                continue
            summary = _summary(kind, t, m, states, subject)
            if summary is None:
                continue
            attr = ctx.attr(s)
            claimed = ctx.when(s, m.start())[0]
            out.append((s, Diplomacy(evidence=[Evidence(quote=t)], event_type=kind, parties=states,  # type: ignore
                                     summary=summary, period=period, claimed=claimed if claimed != period else None,
                                     claimant=attr.claimant, conduit=attr.conduit)))
    kept: dict[tuple[str, Any], Diplomacy] = {}
    for _, d in out:
        who = d.summary.split(f" {_VERB_PAST.get(d.event_type, '')} ")[0]
        key = (d.event_type, tuple(sorted(d.parties)) if d.event_type not in _VERB_PAST else who)
        if key in kept and (kept[key].period is not None or d.period is None):
            _merge_evidence(kept[key], d)
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
    if kind == "visit":
        who = r["visitor"].search(t[: m.start()])
        where = r["place"].match(t[m.end() :])
        if not who or not where:
            return None
        visitor = re.sub(rf"^(?:{_alt(patterns().raw['titles'])}\s+)+", "", who.group(1).strip())
        visitor = re.sub(r"^.*?(?:'s|’s)\s+", "", visitor)
        visitor = re.sub(rf"^(?:{_alt(patterns().raw['titles'])}\s+)+", "", visitor)
        return f"{visitor} visited {where.group('p')}"
    rest = _object_clause(t[m.end() :])
    for d in reversed(find_dates(rest, None)):
        rest = rest[: d.start] + rest[d.end :]
    rest = " ".join(rest.split())
    return f"{subject} {_VERB_PAST[kind]} {rest}".strip() if subject else None


# ---------------------------------------------------------------- entry point


def extract_offline(article: Article) -> ArticleExtraction:
    """Fill the five sections from sentence patterns and ground them like a model's output."""
    ctx = Context(article, split_sentences(article.text), Names(article.text))
    found, used = casualties(ctx)
    sections = Sections(
        casualties=found,
        deployments=deployments(ctx, used),
        arms_transfers=arms_transfers(ctx),
        aid=aid(ctx),
        diplomacy=diplomacy(ctx),
    )
    _share_briefing_dates(sections)
    return verify(sections, article, extractor="offline", copy=False)


def _share_briefing_dates(sections: Sections) -> None:
    """Items relayed by one person for one source share the briefing's stated date when only one is stated."""
    items = [it for name in ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")
             for it in getattr(sections, name)]
    dated: dict[tuple[str, str], set[tuple[str, str | None]]] = {}
    refs: dict[tuple[str, str | None], DateRef] = {}
    for it in items:
        if it.conduit and it.claimant and it.claimed is not None:
            k = (it.claimed.text.lower(), it.claimed.start)
            dated.setdefault((it.claimant, it.conduit), set()).add(k)
            refs[k] = it.claimed
    for it in items:
        when = dated.get((it.claimant, it.conduit)) if it.conduit else None
        if it.claimed is None and when is not None and len(when) == 1:
            it.claimed = refs[next(iter(when))].model_copy()
