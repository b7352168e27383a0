"""Date recovery: an article's own date (stated, date line, bounded by the events it reports), dates carried
across outlets that report the same claim, relative words resolved with honest precision. Articles and
extractions here are SYNTHETIC except the seeds."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.schema import ArticleExtraction, Briefing, Casualty, DateRef
from summarizer.ingestion.articles import article_from_text, load_articles
from summarizer.merging.dating import (
    ArticleDate,
    Chronology,
    _resolve_direct,
    article_date,
    bounded_by_events,
    offset,
    recover,
    resolve,
)
from summarizer.merging.merge import merge
from summarizer.offline import extract_offline

ROOT = Path(__file__).resolve().parents[1]


def test_stated_and_date_lines() -> None:
    byline = article_from_text("Seoul counts losses\nTime of India30-04-2025\n\nAround 600 were killed, Lee said.")
    d = article_date(byline)
    assert d is not None and (d.lo, d.hi, d.source) == (date(2025, 4, 30), date(2025, 4, 30), "stated")
    published = article_from_text("Aid package\n\nPublished 13 January 2025\n\nBritain unveiled a package.")
    assert article_date(published).lo == date(2025, 1, 13)  # type: ignore[union-attr]
    dateline = article_from_text("Losses mount\n\nKYIV, 19 December 2024 (Reuters) - At least 100 were killed, "
                                 "Lee said on Thursday.")
    d = article_date(dateline)
    assert d is not None and (d.lo, d.source) == (date(2024, 12, 19), "dateline")
    assert "KYIV, 19 December 2024" in d.basis
    # a wire date line without a year: taken only when the reported events leave one such day
    wire = article_from_text("Losses mount\n\nKYIV, Dec 19 (Reuters) - The war enters its third winter since the "
                             "invasion began in February 2022, officials said.")
    d = article_date(wire)
    assert d is not None and (d.lo, d.source) == (date(2024, 12, 19), "dateline") and "third winter" in d.basis
    loose = article_from_text("Losses mount\n\nKYIV, Dec 19 (Reuters) - Fighting since 2022 goes on.")
    got = article_date(loose)
    assert got is not None and (got.source, got.hi) == ("bounded", None)  # 2022 onwards: many Dec 19s
    # a date later in a sentence is not a date line
    body = article_from_text("Losses mount\n\nHowever, on 5 May 2024 the talks failed and fighting resumed.")
    got = article_date(body)
    assert got is None or got.source == "bounded"


def test_bounds_from_the_events_an_article_reports() -> None:
    winter = bounded_by_events("Allies must help, as the war enters its third winter since the Russian invasion "
                               "began in February 2022.")
    assert winter is not None and (winter.lo, winter.hi) == (date(2024, 9, 1), date(2025, 3, 31))
    assert winter.source == "bounded" and "third winter" in winter.basis
    years = bounded_by_events("Ties grew after Moscow's invasion of Ukraine in February 2022. Three years since "
                              "President Putin ordered the invasion, the toll is clear.")
    assert years is not None and (years.lo, years.hi) == (date(2024, 8, 1), date(2025, 8, 28))  # ±6 months
    lower = bounded_by_events("The programme has trained recruits since mid-2022.")
    assert lower is not None and (lower.lo, lower.hi) == (date(2022, 1, 1), None)
    # plans and pledges bound nothing; no dated event, no bound
    assert bounded_by_events("The government vowed to commit £3 billion a year until 2031. It will act in 2026.") \
        is None
    assert bounded_by_events("Lee said on Thursday that losses were heavy in December.") is None


def test_relative_words_against_an_exact_or_bounded_date() -> None:
    assert resolve("on Monday", date(2025, 4, 30), date(2025, 4, 30)) == (date(2025, 4, 28), date(2025, 4, 28),
                                                                          "day")
    # "in December" in an article from 2024-08 to 2025-08: December 2023 or December 2024, at month precision
    assert resolve("since entering combat in December", date(2024, 8, 1), date(2025, 8, 31)) == (
        date(2023, 12, 1), date(2024, 12, 31), "month")
    assert resolve("Thursday", None, None) is None  # no date for the article: no date for the words
    assert resolve("Thursday", date(2024, 8, 1), None) is None  # an open end resolves nothing
    assert offset("last week") == (-13, -1) and offset("Thursday") == (-6, 0)
    assert offset(None) == (-7, 0)  # a claim reported with no time words: the week up to the article
    assert offset("on 5 May 2024") is None  # an absolute date does not move with the article


def _cas(aid: str, quote: str, claimant: str, claimed: str | None = None, **figures: str) -> Casualty:
    return Casualty.model_validate({
        "side": "North Korean troops", "claimant": claimant, "evidence": [{"quote": quote, "article_id": aid}],
        "claimed": {"text": claimed} if claimed else None, **{m: {"text": t} for m, t in figures.items()}})


def _article(aid: str, text: str, published: str | None = None) -> object:
    art = article_from_text(text, published=date.fromisoformat(published) if published else None)
    return art.model_copy(update={"id": aid})


def test_a_claim_reported_by_three_outlets_is_dated_when_one_is() -> None:
    texts = {"a1": "Report one. At least 100 were killed, NIS said.", "a2": "Report two. At least 100 killed, "
             "NIS said Thursday.", "a3": "Report three. Last week NIS said at least 100 were killed."}
    arts = [_article("a1", texts["a1"], "2024-12-20"), _article("a2", texts["a2"]), _article("a3", texts["a3"])]
    exs = [ArticleExtraction(article_id="a1", casualties=[_cas("a1", "At least 100 were killed", "NIS",
                                                                killed="at least 100")]),
           ArticleExtraction(article_id="a2", casualties=[_cas("a2", "At least 100 killed", "NIS", "Thursday",
                                                                killed="at least 100")]),
           ArticleExtraction(article_id="a3", casualties=[_cas("a3", "at least 100 were killed", "NIS", "Last week",
                                                                killed="at least 100")])]
    b = merge(exs, arts)  # type: ignore[arg-type]
    (item,) = b.casualties
    assert item.sources == ["a1", "a2", "a3"]
    assert item.claimed is not None and item.claimed.start is not None and item.claimed.source in ("carried",
                                                                                                    "relative")
    lo, hi = date.fromisoformat(item.claimed.start), date.fromisoformat(item.claimed.end or item.claimed.start)
    assert date(2024, 12, 13) <= lo <= hi <= date(2024, 12, 20)  # within the week before the dated report
    dated = {s.id: s.dated for s in b.sources}
    assert dated["a1"] is not None and dated["a1"].source == "stated"
    assert dated["a2"] is not None and dated["a2"].source == "carried" and "a1" in (dated["a2"].basis or "")
    assert dated["a3"] is not None and dated["a3"].source == "carried"


def test_never_invents_a_date() -> None:
    arts = [_article("u1", "Undated report. Losses were heavy, NIS said Thursday.")]
    exs = [ArticleExtraction(article_id="u1", casualties=[_cas("u1", "Losses were heavy, NIS said Thursday",
                                                               "NIS", "Thursday", killed_or_wounded="heavy 100")])]
    b = merge(exs, arts)  # type: ignore[arg-type]
    (item,) = b.casualties
    assert item.claimed == DateRef(text="Thursday")  # the words, no date
    assert b.sources[0].dated is None


@pytest.fixture(scope="module")
def seeds() -> Briefing:
    articles = load_articles([ROOT / "seeds"]).articles
    return merge([extract_offline(a) for a in articles], articles)


def test_seed_dates_are_recovered_with_their_basis(seeds: Briefing) -> None:
    by_stem = {Path(s.path or "").stem[:3]: s for s in seeds.sources}
    assert by_stem["004"].dated is not None and by_stem["004"].dated.source == "stated"
    assert by_stem["000"].dated is not None and by_stem["000"].dated.source == "bounded"
    assert (by_stem["000"].dated.start, by_stem["000"].dated.end) == ("2024-08", "2025-08")
    assert (by_stem["003"].dated.start, by_stem["003"].dated.end) == ("2024-09", "2025-03")  # type: ignore[union-attr]
    for stem in ("001", "002"):  # no dated event of their own: bounded through the reports they share with 000
        d = by_stem[stem].dated
        assert d is not None and d.source == "carried" and d.start and d.end
    # every recovered claim date holds the true one (seed gold: December 2024) and says how it was found
    nis = next(c for c in seeds.casualties if c.killed is not None and c.killed.text == "At least 100")
    assert nis.claimed is not None and nis.claimed.source in ("carried", "relative")
    assert nis.claimed.start <= "2024-12" <= (nis.claimed.end or nis.claimed.start)  # type: ignore[operator]
    assert nis.period is not None and (nis.period.start, nis.period.end) == ("2023-12", "2024-12")


_PHRASES = ["on Monday", "Thursday", "later on Monday", "last week", "this week", "over the weekend", "yesterday",
            "this month", "earlier this month", "last month", "in December", "since June", "Back in September",
            "on December 18", "this year"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_PHRASES), st.dates(date(2020, 1, 1), date(2026, 12, 31)), st.integers(0, 400),
       st.integers(0, 400))
def test_a_resolved_interval_holds_every_day_the_words_can_mean(phrase: str, lo: date, width: int, at: int) -> None:
    """Widening is honest: whatever day in [lo, hi] the article is from, its words mean days inside the interval."""
    hi = lo + timedelta(days=width)
    got = resolve(phrase, lo, hi)
    assert got is not None
    base = lo + timedelta(days=min(at, width))
    exact = _resolve_direct(phrase, base)  # dateparser on this very day, no shortcut
    assert exact is not None and got[0] <= exact[0] and exact[1] <= got[1], (phrase, lo, hi, base, got, exact)


def test_event_bounds_hold_the_stated_date_of_every_dated_article() -> None:
    """The dev corpus and seed 004 state their dates: the bounds their own text gives must hold them."""
    dated = [a for a in load_articles([ROOT / "evals" / "dev" / "articles", ROOT / "seeds"]).articles if a.published]
    bounded = 0
    for a in dated:
        b = bounded_by_events(a.text)
        if b is None:
            continue
        bounded += 1
        assert b.lo is not None and b.lo <= a.published, (a.path, b)  # type: ignore[operator]
        assert b.hi is None or a.published <= b.hi, (a.path, b)  # type: ignore[operator]
    assert bounded >= 10  # the rules fire on real text, not only on the examples above


_WORDS = st.one_of(st.none(), st.sampled_from(["last week", "on Monday", "in December", "yesterday", "", "recently"]))


@st.composite
def _report_ref(draw: st.DrawFn) -> DateRef | None:
    if draw(st.integers(0, 3)) == 0:
        return None
    if draw(st.integers(0, 4)) == 0:  # a stated date
        return DateRef(text=draw(_WORDS), start="2024-12-19", precision="day")
    return DateRef(text=draw(_WORDS))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]),
                       st.one_of(st.none(), st.tuples(st.integers(0, 60), st.integers(0, 9),
                                                      st.sampled_from(["stated", "dateline", "bounded"]))),
                       min_size=1),
       st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), _report_ref()),
                                   max_size=3), _report_ref(), st.booleans()), min_size=1, max_size=8))
def test_recover_with_a_record_of_reports_is_recover(days: dict[str, tuple[int, int, str] | None],
                                                    items: list[tuple[list[tuple[str, DateRef | None]],
                                                                      DateRef | None, bool]]) -> None:
    """``read`` (what each article's words gave, kept across one briefing's items) changes no recovered date."""
    base = date(2024, 11, 1)
    own = {a: None if d is None else ArticleDate(base + timedelta(days=d[0]), base + timedelta(days=d[0] + d[1]),
                                                  d[2], "synthetic")  # type: ignore[arg-type]
           for a, d in days.items()}
    chron = Chronology.from_dates(own, [])
    names = {a: f"Outlet {a.upper()}" for a in own}
    made: dict = {}
    read: dict = {}
    for members, ref, unstated in items:
        plain = recover(ref, members, chron, unstated_is_article=unstated, names=names)
        kept = recover(ref, members, chron, unstated_is_article=unstated, names=names, made=made, read=read)
        assert (kept.model_dump() if kept else None) == (plain.model_dump() if plain else None)
