"""Figures in an article's own language: "rund 11.000", "1,4 Milliarden Euro", "plus de 3 000", "más de 1.000".

English text goes to :func:`summarizer.core.numbers.find_figures` unchanged. For other languages the
digits are read by Babel in the article's locale (``babel.numbers.parse_decimal``), so "11.000" is
eleven thousand in German and Spanish, and the words around them (qualifiers, multipliers,
currencies) come from ``summarizer/data/number_words.yaml``. Day numbers of dates ("7. Oktober",
"7 de octubre") and clock times are not figures. The result is the same :class:`~summarizer.core.numbers.Figure`
the English parser gives, with the same bounds rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .errors import ConfigError
from .numbers import (  # one rule for bounds, whatever the language
    CURRENCY_SYMBOLS,
    Figure,
    _bounds,
    _tidy,
    find_figures,
)
from .resources import data_path, read_data_yaml

WORDS_FILE = "number_words.yaml"
ENGLISH = {None, "", "en"}

# Digits as any locale writes them: groups of three after '.', ',', a space, a no-break or thin
# space or an apostrophe; then an optional decimal part. Babel decides what the marks mean.
_DIGITS = r"\d{1,3}(?:[.,\u0020\u00a0\u202f\u2009\'’]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_CUR_PREFIX = r"(?:US\$|[$£€¥₩₹₴₽])"
_SPACES = "\u0020\u00a0\u202f\u2009"


@dataclass(frozen=True)
class _Lang:
    prefixes: dict[str, tuple[str, str]]
    prefix_re: re.Pattern[str]
    number_re: re.Pattern[str]
    multipliers: dict[str, int]
    currencies: dict[str, str]
    months_re: re.Pattern[str]


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    data = read_data_yaml(WORDS_FILE, "the number words")
    if not isinstance(data, dict):
        raise ConfigError(f"{data_path(WORDS_FILE)}: expected a mapping of language codes; "
                          "compare it with the shipped file")
    return data


def supported(lang: str | None) -> bool:
    """Figures of this language can be read (English, or a language of number_words.yaml)."""
    return lang in ENGLISH or _base(lang) in _words()


def _base(lang: str | None) -> str:
    return (lang or "").lower().replace("_", "-").split("-")[0]


@lru_cache(maxsize=16)
def _lang(lang: str) -> _Lang:
    from babel.dates import get_month_names

    w = _words()[lang]
    try:
        prefixes = {k.lower(): (v[0], v[1]) for k, v in w["prefixes"].items()}
        mult = {k.lower(): int(v) for k, v in w["multipliers"].items()}
        cur = {k.lower(): str(v) for k, v in w["currencies"].items()}
        pct = [str(p) for p in w.get("percent") or []]
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{data_path(WORDS_FILE)}: malformed entry for {lang!r} ({exc!r})") from exc
    months = [m for kind in ("wide", "abbreviated") for m in get_month_names(kind, locale=lang).values()]
    after = rf"(?:\s*(?P<mult>{_alt(list(mult))})(?![\w]))?(?:\s*(?P<cur_word>{_alt(list(cur))})(?![\w]))?"
    pct_re = rf"(?P<pct>\s?%|\s(?:{_alt(pct)})(?!\w))?" if pct else r"(?P<pct>\s?%)?"
    number = re.compile(rf"(?<![\w.,:/-])(?P<cur>{_CUR_PREFIX}\s?)?(?P<num>{_DIGITS})(?![\d:])(?:{pct_re}){after}",
                        re.IGNORECASE)
    return _Lang(
        prefixes=prefixes,
        prefix_re=re.compile(rf"(?:^|(?<=[\s(\"'“‘«„]))(?P<p>{_alt(list(prefixes))})\s+$", re.IGNORECASE),
        number_re=number,
        multipliers=mult,
        currencies=cur,
        months_re=re.compile(rf"^\.?\s*(?:de\s+|of\s+)?(?:{_alt(months)})(?!\w)", re.IGNORECASE),
    )


def _decimal(num: str, lang: str) -> float | None:
    """The number ``num`` means in ``lang`` (Babel), or None when it is not a number there."""
    from babel.numbers import NumberFormatError, get_group_symbol, parse_decimal

    group = get_group_symbol(lang)
    if group in _SPACES or group.isspace():  # French writes 3 000 with any kind of space
        num = re.sub(f"[{_SPACES}]", group, num)
    try:
        return float(parse_decimal(num, locale=lang, strict=True))
    except NumberFormatError:
        return None


def find_figures_in(text: str, lang: str | None) -> list[Figure]:
    """Every figure phrase in ``text`` read as language ``lang`` (ISO 639-1); English and None use
    :func:`summarizer.core.numbers.find_figures`. A language without number words gives no figures: a figure
    read with another language's rules could be wrong by a factor of a thousand."""
    if lang in ENGLISH:
        return find_figures(text)
    code = _base(lang)
    if code not in _words():
        return []
    return list(_scan(text, code))


@lru_cache(maxsize=4096)
def _scan(text: str, lang: str) -> tuple[Figure, ...]:
    L = _lang(lang)
    out: list[Figure] = []
    for m in L.number_re.finditer(text):
        start, end = m.start(), m.end()
        if L.months_re.match(text[m.end("num") :]):
            continue  # "7. Oktober", "7 de octubre": a day, not a figure
        value = _decimal(m.group("num"), lang)
        if value is None:
            continue
        mult = m.group("mult")
        n = _tidy(value * (L.multipliers[mult.lower()] if mult else 1))
        cur = m.group("cur")
        currency = CURRENCY_SYMBOLS.get(cur.strip()) if cur else None
        if m.group("cur_word"):
            currency = currency or L.currencies[m.group("cur_word").lower()]
        percent = bool(m.group("pct"))
        year_like = not (mult or currency or percent) and re.fullmatch(r"(?:19|20)\d\d", m.group("num")) is not None
        lo: float | None = n
        hi: float | None = n
        qualifier = "exact"
        pm = L.prefix_re.search(text[max(0, start - 25) : start])
        if pm and not year_like:
            qualifier, style = L.prefixes[pm.group("p").lower()]
            lo, hi = _bounds(qualifier, style, n)
            start -= len(text[max(0, start - 25) : start]) - pm.start("p")
        out.append(Figure(text=text[start:end], start=start, end=end, low=lo, high=hi, qualifier=qualifier,
                          stated=(n,), currency=currency, percent=percent, year_like=year_like))
    return tuple(out)


def parse_quantity_in(text: str, lang: str | None) -> Figure | None:
    """The first real figure in ``text`` read as language ``lang`` (years skipped), or None."""
    return next((f for f in find_figures_in(text, lang) if not f.year_like), None)
