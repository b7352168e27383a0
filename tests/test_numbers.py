"""The shared number parser on real news wording (every figure phrase of the seed corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.numbers import find_figures, overlaps, parse_quantity, same_figure, supports

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# (phrase in a sentence, expected figure text, low, high, qualifier, currency)
TABLE = [
    # seed 000
    ("At least 100 North Koreans deployed", "At least 100", 100, None, "at_least", None),
    ("the number of injured is expected to reach nearly 1,000.", "nearly 1,000", 900, 1000, "about", None),
    ('suffered "several hundred" casualties', "several hundred", 200, 999, "vague", None),
    ("Pyongyang has sent thousands of troops", "thousands", 2000, 9999, "vague", None),
    ("a package of £225 million ($286 million) in new military aid", "£225 million", 225_000_000, 225_000_000, "exact",
     "GBP"),
    ("a package of £225m in military equipment", "£225m", 225_000_000, 225_000_000, "exact", "GBP"),
    ("commit £3 billion a year in military aid", "£3 billion", 3_000_000_000, 3_000_000_000, "exact", "GBP"),
    ("The new package will include £92 million for equipment", "£92 million", 92_000_000, 92_000_000, "exact", "GBP"),
    ("A further £68 million will be used", "£68 million", 68_000_000, 68_000_000, "exact", "GBP"),
    ("and 1,000 counter-drone electronic warfare systems", "1,000", 1000, 1000, "exact", None),
    ("at a cost of £39 million would be supplied", "£39 million", 39_000_000, 39_000_000, "exact", "GBP"),
    ("under which 51,000 recruits have been trained", "51,000", 51000, 51000, "exact", None),
    ("sending as many as 2,000 Russian soldiers", "as many as 2,000", None, 2000, "up_to", None),
    # seed 001
    ("were killed and another 1,000 wounded", "1,000", 1000, 1000, "exact", None),
    ("the injured are approaching 1,000,", "approaching 1,000", 900, 1000, "about", None),
    ("more than 10,000 North Korean soldiers have been sent", "more than 10,000", 10000, None, "more_than", None),
    ("has also sent more than 10,000 containers of artillery shells", "more than 10,000", 10000, None, "more_than",
     None),
    ("who named several hundred victims", "several hundred", 200, 999, "vague", None),
    ("losses in the Kursk region have already exceeded 200 troops.", "exceeded 200", 200, None, "more_than", None),
    # seed 002
    ("over 1,000 North Korean troops had been killed or wounded", "over 1,000", 1000, None, "more_than", None),
    ("have suffered around 1,100 casualties,", "around 1,100", 990, 1210, "about", None),
    ("more than 3,000 North Korean soldiers had been killed", "more than 3,000", 3000, None, "more_than", None),
    ("there had been some 100 deaths with another 1,000 wounded", "some 100", 90, 110, "about", None),
    ("as many as 12,000 North Korean troops had been sent", "as many as 12,000", None, 12000, "up_to", None),
    ("Ukraine received $1.1 billion (€1 billion) from the IMF", "$1.1 billion", 1_100_000_000, 1_100_000_000, "exact",
     "USD"),
    ("Ukraine received $1.1\u00a0billion from the IMF", "$1.1\u00a0billion", 1_100_000_000, 1_100_000_000, "exact",
     "USD"),
    ("has already provided the country $9.8 billion.", "$9.8 billion", 9_800_000_000, 9_800_000_000, "exact", "USD"),
    ("received more than $100 billion in financial aid", "more than $100 billion", 100_000_000_000, None, "more_than",
     "USD"),
    ("47 out of 72 Russian drones had been shot down", "47", 47, 47, "exact", None),
    ("47 out of 72 Russian drones had been shot down", "72", 72, 72, "exact", None),
    # seed 003
    ("at least 30 North Korean soldiers were killed or wounded", "at least 30", 30, None, "at_least", None),
    ("certainly in the realm of dozens, several dozens,", "dozens", 24, 99, "vague", None),
    ("in the realm of several dozens,", "several dozens", 24, 99, "vague", None),
    ("opened fire on and killed eight members of the Chechen Akhmat unit", "eight", 8, 8, "exact", None),
    ("around 200 Russian and North Korean soldiers", "around 200", 180, 220, "about", None),
    ("there are 11,000 North Koreans in total", "11,000", 11000, 11000, "exact", None),
    ("more than 70,000 people in the Russian military", "more than 70,000", 70000, None, "more_than", None),
    ("adding to a force of tens of thousands of Russians.", "tens of thousands", 20000, 99999, "vague", None),
    # seed 004 (main story and related stories)
    ("Around 600 North Korean soldiers deployed", "Around 600", 540, 660, "about", None),
    ("are estimated at around 4,700, including", "around 4,700", 4230, 5170, "about", None),
    ("including approximately 600 deaths.", "approximately 600", 540, 660, "about", None),
    ("approximately 2,000 North Korean soldiers have been repatriated", "approximately 2,000", 1800, 2200, "about",
     None),
    ("deployed 18,000 troops to the Kursk region", "18,000", 18000, 18000, "exact", None),
    ("over 20,000 shipping containers of munitions", "over 20,000", 20000, None, "more_than", None),
    ("Pyongyang has sent over 10,000 troops to Russia", "over 10,000", 10000, None, "more_than", None),
    ("and up to nine million rounds of mixed artillery", "up to nine million", None, 9_000_000, "up_to", None),
    ("an additional 3,000 soldiers earlier this year", "3,000", 3000, 3000, "exact", None),
    ("shipped roughly 20,000 containers of military supplies", "roughly 20,000", 18000, 22000, "about", None),
    ("includes more than 90 lakh artillery shells", "more than 90 lakh", 9_000_000, None, "more_than", None),
    ("the shells, 90 lakh in all", "90 lakh", 9_000_000, 9_000_000, "exact", None),
    ("More than 10 lakh barrels were reportedly transferred", "More than 10 lakh", 1_000_000, None, "more_than",
     None),
    ("10 lakh barrels of crude", "10 lakh", 1_000_000, 1_000_000, "exact", None),
    ("hundreds of tactical missiles, and other munitions", "hundreds", 200, 999, "vague", None),
    ("roughly 8,000 North Korean labourers", "roughly 8,000", 7200, 8800, "about", None),
    ("an effective engagement envelope of 1.2 to 20 kilometres", "1.2 to 20", 1.2, 20, "range", None),
    # other real news wording
    ("between 10,000 to 12,000 troops", "10,000 to 12,000", 10000, 12000, "range", None),
    ("an estimated 10,000-12,000 soldiers", "10,000-12,000", 10000, 12000, "range", None),
    ("between 10 and 12 thousand troops", "10 and 12 thousand", 10000, 12000, "range", None),
    ("no fewer than 500 civilians", "no fewer than 500", 500, None, "at_least", None),
    ("fewer than 50 soldiers returned", "fewer than 50", None, 50, "fewer_than", None),
    ("almost 400 people were wounded", "almost 400", 360, 400, "about", None),
    ("a pledge of €50bn over four years", "€50bn", 50_000_000_000, 50_000_000_000, "exact", "EUR"),
    ("US$2.5 billion in credit", "US$2.5 billion", 2_500_000_000, 2_500_000_000, "exact", "USD"),
    ("aid worth 1.5 billion euros", "1.5 billion euros", 1_500_000_000, 1_500_000_000, "exact", "EUR"),
    ("Rs 500 crore for relief", "Rs 500 crore", 5_000_000_000, 5_000_000_000, "exact", "INR"),
]


@pytest.mark.parametrize(("sentence", "text", "low", "high", "qualifier", "currency"), TABLE, ids=[r[1] for r in TABLE])
def test_figure_phrases(sentence, text, low, high, qualifier, currency):
    figures = [f for f in find_figures(sentence) if f.text == text]
    assert len(figures) == 1, [f.text for f in find_figures(sentence)]
    f = figures[0]
    assert (f.low, f.high, f.qualifier, f.currency) == (low, high, qualifier, currency)
    assert sentence[f.start : f.end] == text


def test_table_is_big_enough():
    assert len(TABLE) >= 40


@pytest.mark.parametrize(
    ("phrase", "low", "high", "qualifier", "currency", "equivalent"),
    [
        ("£225 million ($286 million)", 225_000_000, 225_000_000, "exact", "GBP",
         ("$286 million", 286_000_000, "USD")),
        ("$1.1 billion (€1 billion)", 1_100_000_000, 1_100_000_000, "exact", "USD",
         ("€1 billion", 1_000_000_000, "EUR")),
    ],
)
def test_stated_conversions_are_equivalents(phrase, low, high, qualifier, currency, equivalent):
    [f] = find_figures(phrase)
    assert (f.low, f.high, f.qualifier, f.currency) == (low, high, qualifier, currency)
    [e] = f.equivalents
    assert (e.text, e.low, e.currency) == equivalent


@pytest.mark.parametrize(
    ("phrase", "low", "high", "qualifier"),
    [
        ("at least 100", 100, None, "at_least"),
        ("nearly 1,000", 900, 1000, "about"),
        ("another 1,000", 1000, 1000, "exact"),
        ("several hundred", 200, 999, "vague"),
        ("several dozens", 24, 99, "vague"),
        ("dozens", 24, 99, "vague"),
        ("thousands", 2000, 9999, "vague"),
        ("tens of thousands", 20000, 99999, "vague"),
        ("eight members", 8, 8, "exact"),
        ("10,000 to 12,000", 10000, 12000, "range"),
        ("exceeded 200", 200, None, "more_than"),
        ("up to nine million", None, 9_000_000, "up_to"),
        ("90 lakh", 9_000_000, 9_000_000, "exact"),
        ("more than 10,000 containers", 10000, None, "more_than"),
    ],
)
def test_parse_quantity_bare_phrases(phrase, low, high, qualifier):
    f = parse_quantity(phrase)
    assert f is not None
    assert (f.low, f.high, f.qualifier) == (low, high, qualifier)


@pytest.mark.parametrize(
    "text",
    [
        "30-04-2025",
        "Time of India30-04-2025",
        "the 94th separate brigade",
        "240mm rocket launchers",
        "170mm self-propelled artillery",
        "Ilyushin IL-76 and Antonov AN-124 airlifters",
        "the Pantsir-S1 mobile air defence systems",
        "said on December 18 that",
        "on 30 April 2025",
        "April 30, 2025",
        "Daily8 AI",
        "time33 minutes ago",
    ],
)
def test_non_figures(text):
    assert find_figures(text) == []


@pytest.mark.parametrize("text", ["since February 2022", "in 2025", "until 2030-2031", "in June 2024"])
def test_years_are_not_quantities(text):
    assert all(f.year_like for f in find_figures(text))
    assert parse_quantity(text) is None


def test_every_seed_figure_phrase_is_covered():
    """Every non-year figure the parser finds in the seeds has a row in the table (so none goes untested)."""
    covered = {row[1].lower() for row in TABLE} | {"600", "two", "one", "three", "11", "24", "nine", "25",
                                                   "over several", "around several", "several", "2"}
    found = set()
    for path in sorted(SEEDS.iterdir()):
        found |= {f.text.lower() for f in find_figures(path.read_text(encoding="utf-8")) if not f.year_like}
    assert found - covered == set()


def test_same_figure_supports_and_overlaps():
    a = parse_quantity("at least 100 deaths")
    b = parse_quantity("At least 100")
    c = parse_quantity("some 100")
    assert a is not None and b is not None and c is not None
    assert same_figure(a, b) and same_figure(a, c)
    assert not same_figure(a, parse_quantity("1,000"))  # type: ignore[arg-type]
    assert supports("the injured are approaching 1,000", parse_quantity("nearly 1,000"))  # type: ignore[arg-type]
    assert not supports("the injured are approaching 1,100", parse_quantity("1,000"))  # type: ignore[arg-type]
    assert supports("£225 million ($286 million)", parse_quantity("£225m"))  # type: ignore[arg-type]
    assert overlaps((100, None), (900, 1000))
    assert overlaps((None, 12000), (10000, None))
    assert not overlaps((90, 110), (200, 999))
    assert not overlaps((None, 50), (100, None))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_find_figures_never_crashes_and_bounds_are_ordered(text):
    for f in find_figures(text):
        assert 0 <= f.start <= f.end <= len(text)
        assert text[f.start : f.end] == f.text
        if f.low is not None and f.high is not None:
            assert f.low <= f.high


NEWS_WORDS = st.sampled_from(
    ["at least", "nearly", "more than", "up to", "around", "some", "as many as", "between", "and", "to", "-",
     "several", "hundred", "dozens", "thousands", "of", "troops", "£", "$", "€", "(", ")", "million", "bn", "m",
     "lakh", "nine", "eight", "1,000", "12,000", "2.5", "100", "2024", "30-04-2025", "December", "18", " "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NEWS_WORDS, max_size=12).map(" ".join))
def test_news_like_phrases_have_ordered_bounds(text):
    for f in find_figures(text):
        if f.low is not None and f.high is not None:
            assert f.low <= f.high, f
        assert f.qualifier in ("exact", "about", "at_least", "more_than", "up_to", "fewer_than", "range", "vague")
        if not f.year_like:
            assert parse_quantity(f.text) is not None
