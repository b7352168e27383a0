"""Packed sequences (summarizer.core.packed): what goes in comes out equal, and a packed run briefs the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.core.errors import ArticleError
from summarizer.core.packed import Packed
from summarizer.core.schema import SECTIONS, Article, ArticleExtraction, Briefing, Item
from summarizer.ingestion.articles import load_articles
from summarizer.merging.merge import merge
from summarizer.offline import extract_offline
from summarizer.rendering.render import render_json

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def seeds() -> tuple[list[Article], list[ArticleExtraction]]:
    articles = load_articles([SEEDS]).articles
    return articles, [extract_offline(a) for a in articles]


def test_round_trip_is_equal(seeds: tuple[list[Article], list[ArticleExtraction]]) -> None:
    articles, extractions = seeds
    for model, items in ((Article, articles), (ArticleExtraction, extractions)):
        p: Packed[object] = Packed(model, items)
        assert len(p) == len(items)
        assert list(p) == items
        assert [x.model_dump_json() for x in p] == [x.model_dump_json() for x in items]  # type: ignore[attr-defined]
        assert p[-1] == items[-1] and p[1:3] == items[1:3]
        assert p == items and p == Packed(model, items)


def test_each_access_is_a_fresh_object(seeds: tuple[list[Article], list[ArticleExtraction]]) -> None:
    _, extractions = seeds
    p = Packed(ArticleExtraction, extractions)
    first = p[0]
    first.article_id = "changed"
    assert p[0].article_id == extractions[0].article_id
    assert p[0] is not p[0]


def test_other_objects_are_kept_as_they_are(seeds: tuple[list[Article], list[ArticleExtraction]]) -> None:
    _, extractions = seeds
    err = ArticleError("a.txt", "unreadable")
    p: Packed[ArticleExtraction | ArticleError] = Packed(ArticleExtraction, [extractions[0], err, extractions[1]])
    assert p[1] is err
    assert p.others() == [err]
    assert list(p.models()) == extractions[:2]
    assert list(p.subset([2, 0])) == [extractions[1], extractions[0]]
    with pytest.raises(TypeError):
        p.append(b"raw")  # type: ignore[arg-type]


def test_merge_of_packed_inputs_is_the_same_briefing(seeds: tuple[list[Article], list[ArticleExtraction]]) -> None:
    articles, extractions = seeds
    plain = merge(extractions, articles)
    packed = merge(Packed(ArticleExtraction, extractions), Packed(Article, articles))
    assert render_json(packed) == render_json(plain)


def test_merge_leaves_the_callers_extractions_as_they_were(
        seeds: tuple[list[Article], list[ArticleExtraction]]) -> None:
    articles, extractions = seeds
    before = [(e.model_dump_json(), [ev.model_fields_set for _, it in e.items() for ev in it.evidence])
              for e in extractions]
    merge(extractions, articles)
    after = [(e.model_dump_json(), [ev.model_fields_set for _, it in e.items() for ev in it.evidence])
             for e in extractions]
    assert after == before


def test_shared_values_stay_independent(seeds: tuple[list[Article], list[ArticleExtraction]]) -> None:
    """Merge shares equal quotes, dates, figures and pydantic's record of set fields between objects; changing one
    object afterwards changes no other."""
    articles, extractions = seeds
    b = merge(Packed(ArticleExtraction, extractions), Packed(Article, articles))
    evidence = [ev for _, it in briefing_items(b) for ev in it.evidence]
    assert len(evidence) > 1
    first, rest = evidence[0], evidence[1:]
    dumps = [ev.model_dump_json() for ev in rest]
    sets = [set(ev.model_fields_set) for ev in rest]
    first.quote, first.start = "changed", 0
    assert [ev.model_dump_json() for ev in rest] == dumps
    assert [set(ev.model_fields_set) for ev in rest] == sets


def briefing_items(b: Briefing) -> list[tuple[str, Item]]:
    return [(s, it) for s in SECTIONS for it in getattr(b, s)]
