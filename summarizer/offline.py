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
from .numbers import Figure, find_figures, same_figure
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
            state_re=re.compile(rf"(?<![\w-]){_alt(list(aliases))}(?![\w-])"),
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


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with exact offsets: lines joined as in :func:`_blocks`, then pysbd inside each block."""
    out: list[Sentence] = []
    seg = _segmenter()
    for bstart, bend, para in _blocks(text):
        block = text[bstart:bend]
        spans: list[tuple[int, int]] = []
        try:
            for sp in seg.segment(block.replace("\n", " ")):
                spans.append((sp.start, sp.end))
        except Exception:  # pysbd is a heuristic library; fall back to the whole block
            spans = [(0, len(block))]
        if not spans or any(a < 0 or b > len(block) or a >= b for a, b in spans):
            spans = [(0, len(block))]
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
    r"(?<![\w-])(?P<prep>(?:(?:back|later|earlier|since|in|on|by|from|last|this)\s+)*)"
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
            elif published is not None:
                day = _resolve(f"{mon} {d}" if d else mon, published)
                if day is not None:
                    start, precision = (day.isoformat(), "day") if d else (_iso(day, "month"), "month")
            if start is None and not d and not g["prep"]:
                continue  # "May" alone could be the verb
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
    """Who a sentence says is speaking, through whom, and where the reporting verb is."""

    claimant: str | None = None
    conduit: str | None = None
    verb_spans: list[tuple[int, int]] = field(default_factory=list)  # subject start, verb end
    alleged: bool = False


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"“[^”]*”|\"[^\"]*\"", text):
        spans.append((m.start(), m.end()))
    if text.count('"') % 2 == 1 and text.lstrip().startswith('"'):
        k = text.rfind('"')
        spans.append((0, k + 1))
    return spans


class Names:
    """Per-article name knowledge: abbreviations defined in brackets and full names of people."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.abbr: dict[str, str] = {}
        for m in re.finditer(r"((?:[A-Z][\w'-]*\s+)(?:(?:of|for|and|the|on)\s+|[A-Z][\w'-]*\s+){0,7})\(([A-Z]{2,6})\)",
                             text):
            words = m.group(1).split()
            caps = [w for w in words if w[0].isupper()]
            abbr = m.group(2)
            for k in range(len(words)):
                cand = [w for w in words[k:] if w[0].isupper()]
                if "".join(w[0] for w in cand) == abbr and words[k][0].isupper():
                    self.abbr[abbr] = " ".join(words[k:])
                    break
            else:
                if caps and len(caps) <= 6 and caps[0][0] == abbr[0]:
                    pass
        self._people: dict[str, str | None] = {}

    def agency(self, phrase: str) -> str | None:
        """The full name of an agency the phrase names by abbreviation or in full."""
        for abbr, full in self.abbr.items():
            if re.search(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", phrase) or full in phrase:
                return full
        return None

    def person(self, surname: str) -> str | None:
        """'Lee' -> 'Lee Sung-kwon', 'Kirby' -> 'John Kirby': the first full form in the article."""
        if surname not in self._people:
            m = re.search(
                rf"\b{re.escape(surname)}\s+[A-Z][a-z]+-[a-z]+\b|\b[A-Z][a-z]+\s+{re.escape(surname)}\b", self.text
            )
            self._people[surname] = m.group() if m else None
        return self._people[surname]


_NAME_RUN = re.compile(r"(?:[A-Z][\w'.-]*\s+){0,4}[A-Z][\w'.-]*$")


def _clean_claimant(phrase: str, names: Names) -> tuple[str | None, bool]:
    """(claimant, is_person) from a subject phrase, or (None, False) when it names no one."""
    p = patterns()
    s = phrase.strip().strip(_QUOTES + " ,.;:")
    for noise in sorted(p.raw["claimant_noise"], key=len, reverse=True):
        if s.lower().startswith(noise.lower() + " "):
            s = s[len(noise) + 1 :]
    s = re.sub(r"^(?:the|a|an)\s+", "", s, flags=re.IGNORECASE).strip()
    if not s or s.lower() in p.raw["not_claimants"] or len(s.split()) > 9 or not s[0].isupper():
        return None, False
    agency = names.agency(s)
    if agency:
        return agency, False
    if s in p.state_alias:
        return p.state_alias[s], False
    run = _NAME_RUN.search(s)
    if run and run.group() == s or (run and not re.search(r"[A-Z]", s[: run.start()].split()[-1] if s[: run.start()].split() else "")):
        name = run.group() if run else s
        titles = re.compile(rf"^(?:{_alt(p.raw['titles'])}\s+)+")
        name = titles.sub("", name).strip()
        if name and name not in p.state_alias and not names.agency(name) and not re.search(r"[A-Z]{2,}", name):
            if " " not in name:
                name = names.person(name) or name
            return name, True
    return s, False


def attribution(sent: Sentence, names: Names) -> Attribution:
    """Claimant and conduit of a sentence from 'said', 'told reporters', 'according to', 'citing ...'."""
    p = patterns()
    text = sent.text
    quoted = _quoted_spans(text)
    inside = lambda i: any(a < i < b for a, b in quoted)  # noqa: E731
    speakers: list[tuple[str, bool]] = []
    cited: list[str] = []
    out = Attribution()
    for m in p.attribution.finditer(text):
        if inside(m.start()):
            continue
        before = text[: m.start()]
        cut = max(before.rfind(","), before.rfind(";"), *(before.rfind(q) for q in "\"“”"), before.rfind(" that "))
        subject = before[cut + 1 :].strip()
        subject = re.sub(r"^that\s+", "", subject)
        subject = _strip_leading_date(subject)
        if subject and subject[0].islower() and cut > 0:
            prev = before[: cut].rstrip()
            k = max(prev.rfind(","), prev.rfind("("), prev.rfind(")"))
            appos = prev[k + 1 :].strip()
            if appos and _NAME_RUN.fullmatch(appos):
                subject = appos
        if not subject:
            after = re.match(r"\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,3})", text[m.end() :])
            subject = after.group(1) if after else ""
        name, person = _clean_claimant(subject, names) if subject else (None, False)
        if name:
            speakers.append((name, person))
            out.verb_spans.append((max(0, m.start() - len(subject) - 1), m.end()))
    cite_re = re.compile(rf"(?<![\w-])(?P<lead>{_alt(p.raw['citing_lead_ins'])})\s+(?P<c>[^,;]+)", re.IGNORECASE)
    for m in cite_re.finditer(text):
        name, _ = _clean_claimant(m.group("c"), names)
        if name and not inside(m.start()):
            cited.append(name)
    lead_re = re.compile(rf"(?<![\w-])(?:according to|claims by)\s+(?P<c>[^,;]+?)(?=,|;|\s+that\b|$)", re.IGNORECASE)
    for m in lead_re.finditer(text):
        if inside(m.start()):
            continue
        name, person = _clean_claimant(m.group("c"), names)
        if name:
            (speakers if person else cited).append((name, person) if person else name)  # type: ignore[arg-type]
    people = [n for n, is_person in speakers if is_person]
    orgs = cited + [n for n, is_person in speakers if not is_person]
    if orgs:
        out.claimant = orgs[0]
        out.conduit = people[0] if people else None
    elif people:
        out.claimant = people[0]
    out.alleged = bool(out.claimant) or bool(_words(p.raw["allegation_cues"]).search(text))
    return out


def _strip_leading_date(subject: str) -> str:
    for d in find_dates(subject, None):
        if d.start == 0 or not subject[: d.start].strip():
            return subject[d.end :].strip(" ,")
    return subject


# ---------------------------------------------------------------- shared helpers


@dataclass
class Context:
    article: Article
    sentences: list[Sentence]
    names: Names
    _attr: dict[int, Attribution] = field(default_factory=dict)
    _dates: dict[int, list[DatePhrase]] = field(default_factory=dict)

    def attr(self, s: Sentence) -> Attribution:
        if s.index not in self._attr:
            self._attr[s.index] = attribution(s, self.names)
        return self._attr[s.index]

    def dates(self, s: Sentence) -> list[DatePhrase]:
        if s.index not in self._dates:
            self._dates[s.index] = find_dates(s.text, self.article.published)
        return self._dates[s.index]

    def when(self, s: Sentence) -> tuple[DateRef | None, DateRef | None]:
        """(claimed, period): a date next to the reporting verb is when it was said; the first other one is when."""
        claimed = period = None
        spans = self.attr(s).verb_spans
        for d in self.dates(s):
            near_verb = any(0 <= d.start - v_end <= 12 for _, v_end in spans)
            before_subject = d.start == 0 and any(0 <= v_start - d.end <= 60 for v_start, _ in spans)
            if (near_verb or before_subject) and claimed is None:
                claimed = d.ref
            elif period is None and not (near_verb or before_subject):
                period = d.ref
        return claimed, period

    def evidence(self, *sents: Sentence) -> list[Evidence]:
        return [Evidence(quote=s.text) for s in sents]


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


def _states(text: str) -> list[str]:
    p = patterns()
    out: list[str] = []
    for m in p.state_re.finditer(text):
        canon = p.state_alias[m.group()]
        if canon not in out:
            out.append(canon)
    return out


def _place(text: str) -> str | None:
    found = {m.group().removesuffix("'s") for m in patterns().places.finditer(text)}
    specific = [f for f in found if f not in ("Russia", "Ukraine")]
    if len(specific) == 1:
        return specific[0]
    return None


