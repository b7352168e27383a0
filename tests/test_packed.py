"""Packed sequences (summarizer.core.packed): what goes in comes out equal, and a packed run briefs the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.core.errors import ArticleError
from summarizer.core.packed import Packed
from summarizer.core.schema import Article, ArticleExtraction
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
