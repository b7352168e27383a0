"""The development corpus in evals/dev/: required front matter, coverage, and gold grounded in the cleaned text."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from summarizer.core.numbers import parse_quantity, supports
from summarizer.core.schema import Article, ArticleExtraction
from summarizer.evaluation import load_gold_briefing, load_gold_named
from summarizer.ingestion.articles import load_articles
from summarizer.verification.grounding import locate

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "evals" / "dev"
ARTICLES = DEV / "articles"
GOLD = DEV / "gold"
SEED_STORY = "north-korea-russia"  # the seeds' story; the dev corpus is about other conflicts
SHAPES = {"wire", "live-blog", "html-page", "press-release", "table"}

# .md files open with a YAML block; .html files carry the same block inside their first comment.
_MD_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_HTML_FRONT = re.compile(r"\A\s*<!--\s*\n---[ \t]*\n(.*?)\n---[ \t]*\n\s*-->", re.S)


def front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    m = (_HTML_FRONT if path.suffix == ".html" else _MD_FRONT).match(text)
    assert m, f"{path.name}: no front matter block at the top"
    meta = yaml.safe_load(m.group(1))
    assert isinstance(meta, dict), path.name
    return meta


def article_files() -> list[Path]:
    return sorted(p for p in ARTICLES.iterdir() if p.suffix in (".md", ".html"))


@pytest.fixture(scope="module")
def metas() -> dict[str, dict[str, Any]]:
    return {p.stem: front_matter(p) for p in article_files()}


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    result = load_articles([ARTICLES])
    assert not result.errors, [str(e) for e in result.errors]
    return {Path(a.path or "").stem: a for a in result.articles}


@pytest.fixture(scope="module")
def gold() -> dict[str, ArticleExtraction]:
    return load_gold_named(GOLD)


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def test_every_article_has_the_required_front_matter(metas: dict[str, dict[str, Any]]) -> None:
    assert metas, "no articles in evals/dev/articles"
    for stem, meta in metas.items():
        assert meta.get("synthetic") is True, f"{stem}: synthetic: true"
        assert re.fullmatch(r"[a-z]{2}", str(meta.get("language", ""))), f"{stem}: language as ISO 639-1"
        assert str(meta.get("title", "")).strip(), f"{stem}: title"
        assert _is_date(meta.get("published")), f"{stem}: published date"
        assert str(meta.get("story", "")).strip(), f"{stem}: story"
        assert str(meta.get("shape", "")).strip(), f"{stem}: shape"
        sources = meta.get("sources")
        assert isinstance(sources, list) and sources, f"{stem}: sources (url, outlet, date) for the facts"
        for src in sources:
            assert re.match(r"https?://\S+$", str(src.get("url", ""))), (stem, src)
            assert str(src.get("outlet", "")).strip(), (stem, src)
            assert _is_date(src.get("date")), (stem, src)


def test_corpus_covers_enough_stories_languages_and_shapes(metas: dict[str, dict[str, Any]]) -> None:
    stories = {m["story"] for m in metas.values()}
    assert len(metas) >= 30
    assert len(stories) >= 8 and SEED_STORY not in stories, sorted(stories)
    assert sum(1 for m in metas.values() if m["language"] != "en") >= 6
    assert SHAPES <= {m["shape"] for m in metas.values()}


def test_front_matter_matches_what_the_loader_reads(
    metas: dict[str, dict[str, Any]], articles: dict[str, Article]
) -> None:
    assert sorted(articles) == sorted(metas)
    for stem, meta in metas.items():
        art = articles[stem]
        assert art.published == dt.date.fromisoformat(str(meta["published"])), stem
        assert art.title == meta["title"], stem


def test_one_gold_file_per_article(gold: dict[str, ArticleExtraction], metas: dict[str, dict[str, Any]]) -> None:
    assert sorted(gold) == sorted(metas)
    for path in sorted(GOLD.glob("*.json")):
        ex = ArticleExtraction.model_validate(json.loads(path.read_text(encoding="utf-8")))
        assert ex.extractor == "gold", path.name


def test_gold_article_ids_and_quotes_match_the_cleaned_articles(
    gold: dict[str, ArticleExtraction], articles: dict[str, Article]
) -> None:
    for stem, ex in gold.items():
        text = articles[stem].text
        assert ex.article_id == articles[stem].id, f"{stem}: cleaned text changed; re-check quotes, then set the id"
        for section, item in ex.items():
            for ev in item.evidence:
                found = locate(ev.quote, text)
                assert found is not None and found[2] == "exact", (stem, section, ev.quote)
                assert len(ev.quote.split()) >= 4, (stem, section, ev.quote)


def _figures(gold: dict[str, ArticleExtraction], metas: dict[str, dict[str, Any]], english: bool) -> list[Any]:
    return [
        (stem, item, name, q)
        for stem, ex in gold.items()
        if (metas[stem]["language"] == "en") == english
        for _, item in ex.items()
        for name, q in item.figures().items()  # type: ignore[attr-defined]
    ]


def test_every_gold_figure_is_written_as_the_article_writes_it(
    gold: dict[str, ArticleExtraction], articles: dict[str, Article], metas: dict[str, dict[str, Any]]
) -> None:
    figures = _figures(gold, metas, english=True) + _figures(gold, metas, english=False)
    assert len(figures) > 100
    for stem, _item, name, q in figures:
        assert q.text in articles[stem].text, (stem, name, q.text)
        assert q.low is not None or q.high is not None, (stem, name, q.text)  # bounds written by hand


def test_english_figures_agree_with_the_parser_and_are_quoted(
    gold: dict[str, ArticleExtraction], metas: dict[str, dict[str, Any]]
) -> None:
    for stem, item, name, q in _figures(gold, metas, english=True):
        fig = parse_quantity(q.text)
        assert fig is not None, (stem, name, q.text)
        assert (q.low, q.high, q.qualifier) == (fig.low, fig.high, fig.qualifier), (stem, q.text)
        assert any(supports(ev.quote, fig) for ev in item.evidence), (stem, name, q.text)


@pytest.mark.xfail(strict=True, reason="locale-aware number parsing (issue 19b): parse_quantity('1,3 Milliarden "
                   "Euro') is not yet 1.3e9; remove this mark when the parser reads every figure below")
def test_non_english_figures_agree_with_the_parser(
    gold: dict[str, ArticleExtraction], metas: dict[str, dict[str, Any]]
) -> None:
    wrong = []
    for stem, item, _name, q in _figures(gold, metas, english=False):
        fig = parse_quantity(q.text)
        got = None if fig is None else (fig.low, fig.high, fig.qualifier)
        if got != (q.low, q.high, q.qualifier) or not any(supports(ev.quote, fig) for ev in item.evidence):
            wrong.append((stem, q.text, got))
    assert not wrong, wrong


def test_dev_gold_briefing_references_gold_items(gold: dict[str, ArticleExtraction]) -> None:
    gb = load_gold_briefing(DEV / "gold_briefing.json", GOLD)
    assert len(gb.claims) >= 20 and gb.series and gb.conflicts
    claim_ids = {c.id for c in gb.claims}
    for claim in gb.claims:
        stems = [r[0] for r in claim.refs]
        assert len(stems) == len(set(stems)), f"{claim.id}: one item per article"
        for ref in claim.refs:
            assert ref[1] == claim.section and gb.item(ref) is not None, (claim.id, ref)
    for group in [*gb.series, *gb.conflicts]:
        assert set(group.claims) <= claim_ids, group.id
    stories = {front_matter(p)["story"] for p in article_files()}
    multi = {front_matter(ARTICLES / f"{c.refs[0][0]}{_suffix(c.refs[0][0])}")["story"]
             for c in gb.claims if len(c.refs) > 1}
    assert len(multi) >= 6 and multi <= stories  # most stories have a claim reported by two or more articles


def _suffix(stem: str) -> str:
    return ".html" if (ARTICLES / f"{stem}.html").exists() else ".md"


def test_items_joined_as_one_claim_state_the_same_thing(gold: dict[str, ArticleExtraction]) -> None:
    """A claim reported by several articles: same claimant, same figures (bounds), whatever the language."""
    gb = load_gold_briefing(DEV / "gold_briefing.json", GOLD)
    joined = [c for c in gb.claims if len(c.refs) > 1]
    assert len(joined) >= 20
    for claim in joined:
        items = [gb.item(ref) for ref in claim.refs]
        assert len({(it.claimant or "").lower() for it in items}) == 1, (claim.id, [it.claimant for it in items])
        bounds = [{k: (q.low, q.high) for k, q in it.figures().items()} for it in items]  # type: ignore[attr-defined]
        shared = set.intersection(*(set(b) for b in bounds))
        for key in shared:
            assert len({b[key] for b in bounds}) == 1, (claim.id, key, [b[key] for b in bounds])


def test_offline_extractor_meets_issue_19s_target_on_the_english_articles(
    articles: dict[str, Article], gold: dict[str, ArticleExtraction], metas: dict[str, dict[str, Any]]
) -> None:
    """Issue 19: on the English dev articles, precision at least 0.95 and recall at least 0.55 (measured 0.96 / 0.59).

    `brief eval` scores the whole dev corpus; the target is for the English articles, so it is checked here.
    """
    from summarizer.evaluation import score_extractions
    from summarizer.offline import extract_offline

    english = sorted(stem for stem, meta in metas.items() if meta["language"] == "en")
    assert len(english) >= 15
    run = list(articles.values())
    predicted = [extract_offline(articles[stem], others=run) for stem in english]
    overall = score_extractions(predicted, [gold[stem] for stem in english]).overall
    assert overall.precision is not None and overall.recall is not None
    assert overall.precision >= 0.95 and overall.recall >= 0.55, (overall.tp, overall.fp, overall.fn)
