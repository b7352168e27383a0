"""The one number parser: figure phrases in news wording -> bounds, qualifier, currency.

Every other module (schema validators, grounding, the offline extractor, merging,
scoring) goes through :func:`find_figures` / :func:`parse_quantity`, so that
"nearly 1,000", "90 lakh" and "$1.1 billion (€1bn)" mean the same thing everywhere.

Rules (also in the README):

* ``exact``      "1,000", "another 1,000", "eight"          -> [n, n]
* ``about``      "about / around / approximately / roughly / some / an estimated n"
                 -> [0.9n, 1.1n]; "nearly / almost / approaching / close to /
                 just under n" -> [0.9n, n]
* ``at_least``   "at least / no fewer than / a minimum of n"  -> [n, None]
* ``more_than``  "more than / over / exceeded / in excess of n" -> [n, None]
* ``up_to``      "up to / as many as / at most / no more than n" -> [None, n]
* ``fewer_than`` "fewer than / less than / under n"          -> [None, n]
* ``range``      "10,000 to 12,000", "10,000-12,000", "between 10 and 12 thousand" -> [a, b]
* ``vague``      words with no number, bounds from :data:`VAGUE` (e.g. "several
                 hundred" -> [200, 999], "dozens" -> [24, 99], "thousands" -> [2000, 9999]).

``None`` is an open bound. Multipliers: thousand, million/m/mn, billion/bn,
trillion/tn, lakh (1e5), crore (1e7), k. A currency symbol or word sets an ISO 4217
code; a conversion in brackets right after a sum ("£225m ($286m)") is kept as an
equivalent, never computed. Years, calendar dates, ordinals ("94th"), calibres
("240mm") and model numbers ("IL-76", "Pantsir-S1") are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .dates import MONTH_ABBREVIATIONS, MONTH_NAMES
from .prefilter import as_written, gated, led

Number = int | float

QUALIFIERS = ("exact", "about", "at_least", "more_than", "up_to", "fewer_than", "range", "vague")

MULTIPLIERS: dict[str, int] = {
    "thousand": 1_000, "k": 1_000,
    "million": 1_000_000, "mn": 1_000_000, "m": 1_000_000, "mln": 1_000_000,
    "billion": 1_000_000_000, "bn": 1_000_000_000, "bln": 1_000_000_000,
    "trillion": 1_000_000_000_000, "tn": 1_000_000_000_000,
    "lakh": 100_000, "lakhs": 100_000, "lac": 100_000,
    "crore": 10_000_000, "crores": 10_000_000,
}
# Short multipliers only count when glued to the number ("£225m", "$1.1bn") or, for
# the two-letter forms, after one space ("$5 bn"): "20 m" is more likely metres.
_LONG_MULT = r"thousand|million|billion|trillion|lakhs?|lac|crores?"
_SHORT_MULT = r"mn|bn|tn|mln|bln|m|k"

CURRENCY_SYMBOLS: dict[str, str] = {
    "US$": "USD", "$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₩": "KRW", "₹": "INR",
    "₴": "UAH", "₽": "RUB", "USD": "USD", "GBP": "GBP", "EUR": "EUR", "UAH": "UAH",
    "Rs.": "INR", "Rs": "INR",
}
CURRENCY_WORDS: dict[str, str] = {
    "dollars": "USD", "dollar": "USD", "pounds": "GBP", "pound": "GBP", "euros": "EUR",
    "euro": "EUR", "hryvnias": "UAH", "hryvnia": "UAH", "hryvnas": "UAH", "roubles": "RUB",
    "rubles": "RUB", "won": "KRW", "yen": "JPY", "rupees": "INR", "yuan": "CNY",
}

# Qualifier words that may stand right before a figure, longest first.
PREFIXES: dict[str, tuple[str, str]] = {
    # phrase: (qualifier, bound style)
    "no fewer than": ("at_least", "open_high"),
    "no less than": ("at_least", "open_high"),
    "a minimum of": ("at_least", "open_high"),
    "at least": ("at_least", "open_high"),
    "more than": ("more_than", "open_high"),
    "in excess of": ("more_than", "open_high"),
    "upwards of": ("more_than", "open_high"),
    "exceeded": ("more_than", "open_high"),
    "exceeding": ("more_than", "open_high"),
    "surpassed": ("more_than", "open_high"),
    "over": ("more_than", "open_high"),
    "above": ("more_than", "open_high"),
    "approximately": ("about", "around"),
    "approx.": ("about", "around"),
    "an estimated": ("about", "around"),
    "estimated at": ("about", "around"),
    "roughly": ("about", "around"),
    "around": ("about", "around"),
    "about": ("about", "around"),
    "some": ("about", "around"),
    "circa": ("about", "around"),
    "nearly": ("about", "below"),
    "almost": ("about", "below"),
    "approaching": ("about", "below"),
    "close to": ("about", "below"),
    "just under": ("about", "below"),
    "just shy of": ("about", "below"),
    "as many as": ("up_to", "open_low"),
    "as much as": ("up_to", "open_low"),
    "no more than": ("up_to", "open_low"),
    "a maximum of": ("up_to", "open_low"),
    "at most": ("up_to", "open_low"),
    "up to": ("up_to", "open_low"),
    "fewer than": ("fewer_than", "open_low"),
    "less than": ("fewer_than", "open_low"),
    "under": ("fewer_than", "open_low"),
    "below": ("fewer_than", "open_low"),
}

# Vague quantity words -> (low, high). Longest phrases first when matching.
VAGUE: dict[str, tuple[Number, Number]] = {
    "hundreds of thousands": (200_000, 999_999),
    "tens of thousands": (20_000, 99_999),
    "several thousands": (2_000, 9_999),
    "several thousand": (2_000, 9_999),
    "a few thousand": (2_000, 5_000),
    "several hundreds": (200, 999),
    "several hundred": (200, 999),
    "a few hundred": (200, 500),
    "several dozens": (24, 99),
    "several dozen": (24, 99),
    "a few dozen": (24, 60),
    "thousands": (2_000, 9_999),
    "hundreds": (200, 999),
    "millions": (2_000_000, 9_999_999),
    "dozens": (24, 99),
    "scores": (40, 99),
    "a handful": (2, 5),
    "several": (3, 9),
    "a few": (2, 5),
}

WORD_NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a dozen": 12, "a hundred": 100,
    "a thousand": 1_000, "a million": 1_000_000, "a billion": 1_000_000_000,
    "dozen": 12, "hundred": 100,
}

_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}|\d+)(?:\.\d+)?"
_CUR_PREFIX = r"(?:US\$|Rs\.?\s?|USD\s?|GBP\s?|EUR\s?|UAH\s?|[$£€¥₩₹₴₽])"
_MULT = rf"(?:\s?-?(?:{_LONG_MULT})\b|(?:{_SHORT_MULT})\b|\s(?:mn|bn|tn)\b)"
_NUM_RE = re.compile(
    rf"(?<![\w.,\-/])(?P<cur>{_CUR_PREFIX})?(?P<num>{_DIGITS})(?P<mult>{_MULT})?(?P<pct>\s?%| per ?cent\b)?",
    re.IGNORECASE,
)
_WORD_KEYS = sorted(WORD_NUMBERS, key=len, reverse=True)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ONES = "(?:one|two|three|four|five|six|seven|eight|nine)"
_WORD_AFTER = rf"(?P<mult>\s(?:{_LONG_MULT}|hundred)\b)?(?![\w-])"
# As written, and as searched: led() puts each word's first letter before the look-behind, so the search skips to
# those letters (tests/test_prefilter.py compares the two); the gate reads the words off the pattern as written.
_WORD_AS_WRITTEN = (rf"(?<![\w-])(?P<num>(?:(?:{'|'.join(_TENS)})-{_ONES})|"
                    + "|".join(re.escape(w) for w in _WORD_KEYS) + ")" + _WORD_AFTER)
_WORD_RE = re.compile(as_written(
    "(?P<num>" + led([f"{t}-{_ONES}" for t in _TENS] + [re.escape(w) for w in _WORD_KEYS], r"[\w-]", icase=True)
    + ")" + _WORD_AFTER, _WORD_AS_WRITTEN),
    re.IGNORECASE,
)
_VAGUE_WORDS = [re.escape(v) for v in sorted(VAGUE, key=len, reverse=True)]
_VAGUE_AS_WRITTEN = r"(?<![\w-])(?P<v>" + "|".join(_VAGUE_WORDS) + r")(?![\w-])"
_VAGUE_RE = re.compile(as_written(r"(?P<v>" + led(_VAGUE_WORDS, r"[\w-]", icase=True) + r")(?![\w-])",
                                  _VAGUE_AS_WRITTEN), re.IGNORECASE)
_DATE_RE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")
_MONTHS = "(?:" + "|".join(MONTH_NAMES + MONTH_ABBREVIATIONS) + ")"
# "December 18", "April 30, 2025", "30 April 2025", "2nd June": the day is not a figure.
_MONTH_DATE_RE = re.compile(
    rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?![\d,.]?\d)"
    rf"|(?<![\d,.])\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\b\.?(?:,?\s+\d{{4}}\b)?"
)
_PREFIX_RE = re.compile(
    r"(?:^|(?<=[\s(\"'“‘]))(?P<p>" + "|".join(re.escape(p) for p in sorted(PREFIXES, key=len, reverse=True)) + r")\s+$",
    re.IGNORECASE,
)
_RANGE_RE = re.compile(
    rf"^\s*(?:-|–|—|to|and)\s*(?P<cur>{_CUR_PREFIX})?(?P<num>{_DIGITS})(?P<mult>{_MULT})?", re.IGNORECASE
)
# Searched only in texts holding a word every match needs (core/prefilter.py): most sentences have no vague
# phrase ("dozens"), no calendar date with a month name, and many no number word.
_VAGUE = gated(_VAGUE_RE)
_WORDS = gated(_WORD_RE)
_MONTH_DATE = gated(_MONTH_DATE_RE)
_CUR_WORD_RE = re.compile(
    r"^\s?(?:US\s)?(?P<w>" + "|".join(sorted(CURRENCY_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_BETWEEN_RE = re.compile(r"(?:^|\s)(?:between|from)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    """One figure phrase found in a text."""

    text: str
    start: int
    end: int
    low: Number | None
    high: Number | None
    qualifier: str
    stated: tuple[Number, ...] = ()
    currency: str | None = None
    percent: bool = False
    year_like: bool = False
    equivalents: tuple[Figure, ...] = field(default=())

    @property
    def value(self) -> Number | None:
        """The single number stated, if there is exactly one."""
        return self.stated[0] if len(self.stated) == 1 else None


def _tidy(x: float) -> Number:
    r = round(x, 6)
    return int(r) if float(r).is_integer() else r


def _to_number(num: str, mult: str | None) -> Number:
    base = float(num.replace(",", ""))
    if mult:
        key = mult.strip().lstrip("-").strip().lower()
        base *= MULTIPLIERS.get(key, 1)
    return _tidy(base)


def _word_to_number(word: str, mult: str | None) -> Number:
    w = word.lower()
    if "-" in w and w not in WORD_NUMBERS:
        tens, ones = w.split("-", 1)
        n: float = WORD_NUMBERS[tens] + WORD_NUMBERS[ones]
    else:
        n = WORD_NUMBERS[w]
    if mult:
        m = mult.strip().lower()
        n *= 100 if m == "hundred" else MULTIPLIERS[m]
    return _tidy(n)


def _bounds(qualifier: str, style: str, n: Number) -> tuple[Number | None, Number | None]:
    if qualifier == "about":
        return (_tidy(n * 0.9), n) if style == "below" else (_tidy(n * 0.9), _tidy(n * 1.1))
    if style == "open_high":
        return n, None
    if style == "open_low":
        return None, n
    return n, n


_DIGIT = re.compile(r"\d")
_CUR_WIDTH = 4  # the most characters _CUR_PREFIX matches ("Rs. ", "USD "): a digit figure starts that far
# before its first digit at most


def _masked(text: str) -> str:
    """Blank out calendar dates so their parts are not read as figures."""
    if not _DIGIT.search(text):
        return text  # both date patterns need a digit
    blank = _DATE_RE.sub(lambda m: " " * len(m.group()), text)
    return _MONTH_DATE_RE.sub(lambda m: " " * len(m.group()), blank) if _MONTH_DATE.admit(blank) else blank


def find_figures(text: str) -> list[Figure]:
    """Every figure phrase in ``text``, in order, with character offsets into ``text``."""
    return list(_find_figures(text))


@lru_cache(maxsize=8192)
def _find_figures(text: str) -> tuple[Figure, ...]:
    """Cached: grounding, merging and scoring ask about the same quotes many times (Figure is frozen)."""
    return tuple(_scan(text))


def _scan(text: str) -> list[Figure]:
    scan = _masked(text)
    taken: list[tuple[int, int]] = []
    raw: list[tuple[int, int, str, str, tuple[Number, ...], Number | None, Number | None, dict[str, object]]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    # 1. Vague phrases ("several hundred") before word numbers ("hundred").
    # a copy with its dates blanked is searched by these two gates only: each tests its own words (no mask)
    alone = scan is not text
    for m in _VAGUE.finditer_alone(scan) if alone else _VAGUE.finditer(scan):
        vague_low, vague_high = VAGUE[m.group("v").lower()]
        taken.append((m.start(), m.end()))
        raw.append((m.start(), m.end(), "vague", "exact", (), vague_low, vague_high, {}))
    # 2. Digit figures, with ranges and currency; none starts before the first digit's currency prefix, so the
    # search starts there (the look-behind still sees the text before it).
    first = _DIGIT.search(scan)
    for m in _NUM_RE.finditer(scan, max(0, first.start() - _CUR_WIDTH)) if first else ():
        start, end = m.start(), m.end()
        if not free(start, end):
            continue
        after = scan[end : end + 3]
        if not m.group("mult") and re.match(r"(?:st|nd|rd|th)\b|[A-Za-z]", after):
            continue  # ordinal ("94th"), calibre ("240mm"), code ("5G")
        if _foreign_digits(m.group("num"), m.group("mult"), scan[m.end("num") : m.end("num") + 5]) or (
            re.fullmatch(r"\d{3}", m.group("num")) and re.search(r"\d[\u0020\u00a0\u202f\u2009]$", scan[:start])
        ):
            continue  # "11.000", "1,4 Milliarden": another language's digits, never misread as 11 or 1
        cur = CURRENCY_SYMBOLS.get((m.group("cur") or "").strip().rstrip(" ")) if m.group("cur") else None
        n = _to_number(m.group("num"), m.group("mult"))
        extras: dict[str, object] = {"percent": bool(m.group("pct"))}
        rng = _RANGE_RE.match(scan[end:]) if not m.group("pct") else None
        is_between = bool(_BETWEEN_RE.search(scan[max(0, start - 12) : start]))
        if rng and (rng.group(0).strip()[:3].lower() != "and" or is_between):
            after2 = scan[end + rng.end() : end + rng.end() + 3]
            if rng.group("mult") or not re.match(r"(?:st|nd|rd|th)\b|[A-Za-z]", after2):
                n2 = _to_number(rng.group("num"), rng.group("mult"))
                if not m.group("mult") and rng.group("mult"):
                    n = _to_number(m.group("num"), rng.group("mult"))  # "10 to 12 thousand"
                cur = cur or (CURRENCY_SYMBOLS.get(rng.group("cur").strip()) if rng.group("cur") else None)
                if n <= n2:
                    end = end + rng.end()
                    extras["year_like"] = _year_like(m.group("num"), m.group("mult")) and _year_like(
                        rng.group("num"), rng.group("mult")
                    )
                    taken.append((start, end))
                    raw.append((start, end, "range", "exact", (n, n2), n, n2, {**extras, "currency": cur}))
                    continue
        cw = _CUR_WORD_RE.match(scan[end:])
        if cw and not cur:
            cur = CURRENCY_WORDS[cw.group("w").lower()]
            end += cw.end()
        extras["currency"] = cur
        extras["year_like"] = cur is None and not extras["percent"] and _year_like(m.group("num"), m.group("mult"))
        taken.append((start, end))
        raw.append((start, end, "exact", "exact", (n,), n, n, extras))
    # 3. Number words ("eight members", "nine million rounds").
    for m in _WORDS.finditer_alone(scan) if alone else _WORDS.finditer(scan):
        if not free(m.start(), m.end()):
            continue
        n = _word_to_number(m.group("num"), m.group("mult"))
        taken.append((m.start(), m.end()))
        raw.append((m.start(), m.end(), "exact", "exact", (n,), n, n, {}))

    raw.sort(key=lambda r: r[0])
    figures: list[Figure] = []
    for start, end, qual, _style, stated, lo, hi, extras in raw:
        if qual != "range":
            pm = _PREFIX_RE.search(scan[max(0, start - 20) : start])
            if pm:
                pq, style = PREFIXES[pm.group("p").lower()]
                if qual == "exact" and stated:
                    qual = pq
                    lo, hi = _bounds(pq, style, stated[0])
                start = start - (len(scan[max(0, start - 20) : start]) - pm.start("p"))
        figures.append(
            Figure(
                text=text[start:end],
                start=start,
                end=end,
                low=lo,
                high=hi,
                qualifier=qual,
                stated=stated,
                currency=extras.get("currency"),  # type: ignore[arg-type]
                percent=bool(extras.get("percent")),
                year_like=bool(extras.get("year_like")),
            )
        )
    return _attach_equivalents(text, figures)


def _foreign_digits(num: str, mult: str | None, after: str) -> bool:
    """Digits English does not write: a number that goes on with "," or "." and a digit ("1,4", "11.000.000")
    or with a space and three digits ("3 000"), or one dot before exactly three digits with no multiplier
    ("11.000" is 11000 in German, 11 in English).
    Such a figure is left out rather than guessed; summarizer.core.locale_numbers reads it in its own language."""
    if re.match(r"[.,]\d|[\u0020\u00a0\u202f\u2009]\d{3}(?!\d)", after + " "):
        return True
    return not mult and re.fullmatch(r"\d{1,3}\.\d{3}", num) is not None


def _year_like(num: str, mult: str | None) -> bool:
    return not mult and re.fullmatch(r"(?:19|20)\d\d", num) is not None


def _attach_equivalents(text: str, figures: list[Figure]) -> list[Figure]:
    """"£225 million ($286 million)": the bracketed sum becomes an equivalent of the first."""
    out: list[Figure] = []
    skip: set[int] = set()
    for i, f in enumerate(figures):
        if i in skip:
            continue
        if f.currency and i + 1 < len(figures):
            g = figures[i + 1]
            between = text[f.end : g.start]
            if g.currency and re.fullmatch(r"\s*\(\s*", between) and text[g.end : g.end + 2].lstrip().startswith(")"):
                f = Figure(**{**f.__dict__, "equivalents": (g,)})
                skip.add(i + 1)
        out.append(f)
    return out


def parse_quantity(text: str) -> Figure | None:
    """The first real figure in ``text`` (years are skipped), or None."""
    for f in find_figures(text):
        if not f.year_like:
            return f
    return None


# Words a figure phrase may open with that are not part of the number ("another 1,000", "a total of 600").
_LEAD_WORDS = re.compile(
    r"(?:another|a\s+further|an\s+additional|additional|further|an\s+extra|a\s+total\s+of|total\s+of|the|between"
    r"|from)\s+",
    re.IGNORECASE,
)
# What may follow the number: the thing counted, in up to five plain words ("soldiers", "containers of shells").
_UNIT_TAIL = re.compile(r"[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,4}")
# Vague words that are a figure only as the whole text ("several", for "several North Korean casualties"):
# with a qualifier or a noun ("around several villages") they are no number phrase; "several hundred" is.
_BARE_VAGUE = frozenset({"several", "a few", "a handful"})
_EDGE_CHARS = " \t\n\"'“”‘’.,;:"


def parse_figure_text(text: str) -> Figure | None:
    """``text`` read as one whole figure phrase (qualifier, number, unit, currency), or None.

    Unlike :func:`parse_quantity`, nothing else may be in the text: "at least 100 (UN: actually 50,000)"
    and "around several villages" are not figure phrases. A stated conversion ("£225m ($286m)") and the
    noun counted ("1,000 soldiers") are allowed.
    """
    t = text.strip(_EDGE_CHARS)
    figs = find_figures(t)
    if len(figs) != 1:
        return None
    f = figs[0]
    lead = t[: f.start]
    if lead and not _LEAD_WORDS.fullmatch(lead):
        return None
    end = f.end
    if f.equivalents:
        close = t.find(")", f.equivalents[-1].end)
        end = close + 1 if close >= 0 else f.equivalents[-1].end
    tail = t[end:].strip(_EDGE_CHARS)
    if tail and not _UNIT_TAIL.fullmatch(tail):
        return None
    if f.qualifier == "vague" and any(f.text.lower().endswith(w) for w in _BARE_VAGUE) and (
        tail or lead or f.text.lower() not in _BARE_VAGUE
    ):
        return None
    return f


def same_figure(a: Figure, b: Figure, rel: float = 0.005) -> bool:
    """Two figures state the same number(s) (or the same vague phrase)."""
    if a.stated and b.stated:
        return any(_close(x, y, rel) for x in a.stated for y in b.stated)
    if not a.stated and not b.stated:
        return a.low == b.low and a.high == b.high
    return False


def _close(x: Number, y: Number, rel: float) -> bool:
    return abs(x - y) <= rel * max(abs(x), abs(y), 1)


def supports(quote: str, figure: Figure) -> bool:
    """The quote states ``figure`` (same number through the parser, any wording)."""
    return any(same_figure(figure, f) for f in find_figures(quote))


def overlaps(a: tuple[Number | None, Number | None], b: tuple[Number | None, Number | None]) -> bool:
    """Two [low, high] intervals (None = open) share at least one value."""
    a_lo = float("-inf") if a[0] is None else a[0]
    a_hi = float("inf") if a[1] is None else a[1]
    b_lo = float("-inf") if b[0] is None else b[0]
    b_hi = float("inf") if b[1] is None else b[1]
    return a_lo <= b_hi and b_lo <= a_hi
