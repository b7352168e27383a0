"""The gold fixtures in evals/ are valid, grounded in the cleaned seed articles and consistent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.core.errors import EvalError
from summarizer.core.numbers import parse_quantity, supports
from summarizer.core.schema import Article, ArticleExtraction
from summarizer.evaluation import load_gold_briefing, load_gold_named
from summarizer.ingestion.articles import load_articles
from summarizer.verification.grounding import locate

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "evals" / "gold"
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    result = load_articles([SEEDS])
    assert not result.errors
    return {Path(a.path or "").stem: a for a in result.articles}


@pytest.fixture(scope="module")
def gold() -> dict[str, ArticleExtraction]:
    return load_gold_named(GOLD)


def test_one_gold_file_per_seed(gold: dict[str, ArticleExtraction]) -> None:
    assert sorted(gold) == sorted(p.stem for p in SEEDS.glob("*.txt"))


def test_gold_files_validate_as_article_extraction() -> None:
    for path in sorted(GOLD.glob("*.json")):
        ex = ArticleExtraction.model_validate(json.loads(path.read_text(encoding="utf-8")))
        assert ex.extractor == "gold"
        assert ex.items(), path


def test_article_ids_are_those_load_articles_assigns(
    gold: dict[str, ArticleExtraction], articles: dict[str, Article]
) -> None:
    for stem, ex in gold.items():
        assert ex.article_id == articles[stem].id, f"{stem}: cleaned text changed; re-check quotes, then set the id"


def test_every_gold_quote_is_found_exactly_in_the_cleaned_article(
    gold: dict[str, ArticleExtraction], articles: dict[str, Article]
) -> None:
    for stem, ex in gold.items():
        text = articles[stem].text
        for section, item in ex.items():
            for ev in item.evidence:
                found = locate(ev.quote, text)
                assert found is not None and found[2] == "exact", (stem, section, ev.quote)
                assert ev.quote in text


def test_every_gold_figure_is_stated_and_supported_by_a_quote(
    gold: dict[str, ArticleExtraction], articles: dict[str, Article]
) -> None:
    n = 0
    for stem, ex in gold.items():
        for section, item in ex.items():
            for name, q in item.figures().items():  # type: ignore[attr-defined]
                fig = parse_quantity(q.text)
                assert fig is not None, (stem, section, name, q.text)
                assert q.text in articles[stem].text, (stem, section, name, q.text)
                assert any(supports(ev.quote, fig) for ev in item.evidence), (stem, section, name, q.text)
                # hand-written bounds and qualifier agree with the shared parser
                assert (q.low, q.high, q.qualifier) == (fig.low, fig.high, fig.qualifier), (stem, q.text)
                n += 1
    assert n == 36


def test_related_articles_block_of_004_is_not_annotated(gold: dict[str, ArticleExtraction]) -> None:
    raw = (SEEDS / "004_e768fbc29f10ce67.txt").read_text(encoding="utf-8")
    related = raw[raw.index("Orange background") :]
    for _, item in gold["004_e768fbc29f10ce67"].items():
        for ev in item.evidence:
            assert ev.quote not in related


def test_gold_briefing_references_exist() -> None:
    gb = load_gold_briefing(ROOT / "evals" / "gold_briefing.json", GOLD)
    assert len(gb.claims) == 13
    for claim in gb.claims:
        stems = [r[0] for r in claim.refs]
        assert len(stems) == len(set(stems)), f"{claim.id}: one item per article"
        for ref in claim.refs:
            assert gb.item(ref) is not None
    assert {c.id for c in gb.conflicts} == {"nis-vs-us-official", "jcs-vs-zelensky", "us-official-vs-zelensky"}
    series = {s.id: s.claims for s in gb.series}
    assert series["nis-nk-losses"] == ["nis-nk-losses-2024-12", "nis-nk-losses-2025-04"]


def test_gold_briefing_with_a_bad_reference_is_refused(tmp_path: Path) -> None:
    bad = {"claims": [{"id": "x", "section": "casualties", "items": [["000_e726931a88cfd514", "casualties", 99]]}]}
    path = tmp_path / "gb.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(EvalError, match="not a gold item"):
        load_gold_briefing(path, GOLD)
