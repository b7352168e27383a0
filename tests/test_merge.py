"""merge(): duplicates, estimates, timeline, determinism. Inputs are SYNTHETIC extractions (no model)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.core.schema import Article, ArticleExtraction, Briefing, Casualty, DateRef, Rejected, Usage
from summarizer.merging.merge import MergeError, briefing_as_extraction, date_interval, merge

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "synthetic_extractions"
NIS = "South Korea's National Intelligence Service"
A000, A001, A002, A003, A004 = (
    "e726931a88cfd514", "d228352cad494497", "d5b554a282af7b66", "f9df8e67c73be4ec", "e768fbc29f10ce67",
)


@pytest.fixture(autouse=True)
def _no_user_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEF_ALIASES", raising=False)


def _seed_inputs() -> tuple[list[ArticleExtraction], list[Article]]:
    extractions, articles = [], []
    for p in sorted(FIXTURES.glob("*_synthetic.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        assert doc["_synthetic"] is True
        extractions.append(ArticleExtraction.model_validate(doc["extraction"]))
        seed = ROOT / "seeds" / doc["_article"]["seed"]
        text = seed.read_text(encoding="utf-8")
        articles.append(Article(
            id=seed.stem.split("_", 1)[1], title=text.splitlines()[0], text=text, path=f"seeds/{seed.name}",
            outlet=doc["_article"]["outlet"], published=date.fromisoformat(doc["_article"]["published"]),
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
        ))
    return extractions, articles


SEED_EXTRACTIONS, SEED_ARTICLES = _seed_inputs()


@pytest.fixture(scope="module")
def briefing() -> Briefing:
    return merge(SEED_EXTRACTIONS, SEED_ARTICLES)


# ---- small synthetic builders ---------------------------------------------------------------------


def article(aid: str, published: str | None = "2024-12-19") -> Article:
    text = f"Synthetic article {aid}."
    return Article(id=aid, title=f"Synthetic {aid}", text=text, published=date.fromisoformat(published) if published
                   else None, content_hash=hashlib.sha256(text.encode()).hexdigest())


def cas(aid: str, quote: str, *, claimant: str | None = None, conduit: str | None = None, claimed: str | None = None,
        side: str = "North Korean troops", **figures: str) -> dict[str, Any]:
    item: dict[str, Any] = {"side": side, "claimant": claimant, "conduit": conduit,
                            "evidence": [{"quote": quote, "article_id": aid, "start": 0, "end": len(quote)}],
                            "sources": [aid]}
    if claimed:
        item["claimed"] = {"start": claimed}
    item.update({m: {"text": t} for m, t in figures.items()})
    return item


def ex(aid: str, *casualties: dict[str, Any], **kw: Any) -> ArticleExtraction:
    return ArticleExtraction(article_id=aid, extractor="synthetic", casualties=list(casualties), **kw)  # type: ignore[arg-type]


def run(*extractions: ArticleExtraction) -> Briefing:
    ids = sorted({e.article_id for e in extractions})
    return merge(extractions, [article(i) for i in ids])


# ---- the seed story -------------------------------------------------------------------------------


def test_nis_figure_from_three_articles_is_one_claim(briefing: Briefing) -> None:
    nis = [c for c in briefing.casualties if c.claimant == NIS and c.wounded is not None]
    assert len(nis) == 1
    item = nis[0]
    assert item.sources == sorted([A000, A001, A002])
    assert sorted(ev.article_id for ev in item.evidence) == sorted([A000, A000, A001, A002])  # 000 has two quotes
    assert all(ev.start is not None and ev.end is not None for ev in item.evidence)
    assert item.side == "North Korean forces"
    assert item.conduit == "Lee Seong-kweun"  # both spellings of the lawmaker, one person
    assert {"South Korean lawmaker Lee Sung-kwon", "South Korean MP Lee Seong-kweun", "National Intelligence Service",
            "National Intelligence Service (NIS)", "South Korea’s intelligence agency", NIS} <= set(item.variants)
    assert item.claimed is not None and item.claimed.start == "2024-12-19"  # the most precise of day / week
    assert item.killed is not None and item.killed.low == 100
    assert item.id is not None and len(item.id) == 12


def test_same_article_duplicates_merge_across_alias_spellings(briefing: Briefing) -> None:
    hur = [c for c in briefing.casualties if c.claimant == "Ukraine's military intelligence agency (HUR)"
           and c.killed_or_wounded is not None]
    assert len(hur) == 1
    assert len(hur[0].evidence) == 2 and hur[0].sources == [A003]
    assert hur[0].location == "Kursk"


def test_claimant_revising_its_figure_is_a_series(briefing: Briefing) -> None:
    est = next(e for e in briefing.estimates if e.key == "north korean forces:killed")
    assert [(c.figure.text, c.claimant, c.current) for c in est.claims] == [
        ("At least 100", NIS, False),
        ("approximately 600", NIS, True),
    ]
    assert est.claims[0].sources == sorted([A000, A001, A002]) and est.claims[1].sources == [A004]
    assert est.series == [[est.claims[0].item_id, est.claims[1].item_id]]
    assert est.conflicts == []
    assert (est.low, est.high) == (540, 660)  # only the current claim counts
    assert "no figure is combined with another" in est.rule and "averag" not in est.rule


def test_killed_or_wounded_is_its_own_estimate(briefing: Briefing) -> None:
    est = next(e for e in briefing.estimates if e.key == "north korean forces:killed_or_wounded")
    texts = [c.figure.text for c in est.claims]
    assert "several hundred" in texts and "around 1,100" in texts and "around 4,700" in texts
    assert "At least 100" not in texts and "approximately 600" not in texts
    assert all(c.current for c in est.claims)
    assert est.low == 24 and est.high is None  # "several dozens" lower bound; "at least 30" leaves it open
    by_text = {c.figure.text: c.item_id for c in est.claims}
    # only pairs whose bounds cannot both hold, dated within 30 days; "At least 30" and "several dozens" agree
    assert est.conflicts == [[by_text[a], by_text[b]] for a, b in [
        ("several dozens", "several hundred"), ("several dozens", "exceeded 200"), ("several dozens", "around 1,100"),
        ("several dozens", "more than 3,000"), ("several hundred", "more than 3,000"),
        ("around 1,100", "more than 3,000")]]
    assert not any(by_text["At least 30"] in g for g in est.conflicts)
    assert not any(by_text["around 4,700"] in g for g in est.conflicts)  # months later: not the same time


def test_related_measures_conflict(briefing: Briefing) -> None:
    """NIS's killed and wounded against the US official's "several hundred" casualties, at the same time."""
    est = next(e for e in briefing.estimates if e.key == "north korean forces:related_measures")
    nis = next(c for c in briefing.casualties if c.claimant == NIS and c.wounded is not None)
    us = next(c for c in briefing.casualties if c.claimant == "US military official")
    assert [us.id, nis.id] in est.conflicts
    assert est.measure == "related_measures" and est.low is None and est.high is None
    assert "Killed and wounded are different people" in est.rule and "averag" not in est.rule
    jcs = next(c for c in briefing.casualties if c.claimant == "South Korea's Joint Chiefs of Staff (JCS)")
    assert not any(jcs.id in g for g in est.conflicts)  # around 1,100 fits at least 100 + another 1,000


def test_deployment_estimates_use_status_as_measure(briefing: Briefing) -> None:
    keys = [e.key for e in briefing.estimates]
    assert "north korean forces:deployed" in keys and "north korean forces:repatriated" in keys
    dep = next(e for e in briefing.estimates if e.key == "north korean forces:deployed")
    assert [c.figure.text for c in dep.claims] == ["as many as 12,000", "more than 10,000", "18,000"]
    lone = next(c for c in dep.claims if c.figure.text == "18,000")
    # "Lee" alone is resolved to the one Lee, and Lee only ever relays the NIS: the claim is the NIS's
    assert lone.claimant == NIS and lone.conduit == "Lee Seong-kweun"
    first = next(c for c in dep.claims if c.figure.text == "as many as 12,000")
    assert dep.series == [[first.item_id, lone.item_id]] and not first.current


def test_timeline_order_and_summaries(briefing: Briefing) -> None:
    starts = [date_interval(t.date)[0] for t in briefing.timeline]  # type: ignore[index]
    assert starts == sorted(starts)
    assert briefing.timeline[0].section == "deployments" and briefing.timeline[0].date.start == "2024-10"
    summaries = [t.summary for t in briefing.timeline]
    nis_line = f"{NIS}: At least 100 North Korean forces killed; another 1,000 wounded"
    assert any(s.startswith(nis_line) for s in summaries)
    assert "United Kingdom: £225 million ($286 million) military aid to Ukraine" in summaries
    assert all(t.date.precision != "unknown" for t in briefing.timeline)
    same_day = [(t.section, t.item_id) for t in briefing.timeline if t.date.start == "2024-12-18"]
    assert same_day == sorted(same_day, key=lambda p: ("casualties", "diplomacy").index(p[0]))


def test_sources_run_and_title(briefing: Briefing) -> None:
    assert [s.id for s in briefing.sources] == sorted([A000, A001, A002, A003, A004])
    assert briefing.run.extractor == "synthetic" and briefing.run.prompt_version == "synthetic-v1"
    assert briefing.title == "Briefing: 5 articles, 2024-12-17 to 2025-04-30"
    assert merge(SEED_EXTRACTIONS, SEED_ARTICLES, title="Mine").title == "Mine"


def test_determinism_and_idempotence_on_seeds(briefing: Briefing) -> None:
    again = merge(SEED_EXTRACTIONS, SEED_ARTICLES)
    assert again.model_dump_json() == briefing.model_dump_json()
    remerged = merge([briefing_as_extraction(briefing)], SEED_ARTICLES)
    assert remerged.model_dump_json() == briefing.model_dump_json()


# ---- duplicate rules on small synthetic inputs ----------------------------------------------------


def test_vague_figures() -> None:
    b = run(ex("a1", cas("a1", "several hundred killed", claimant="NIS", claimed="2024-12", killed="several hundred")),
            ex("a2", cas("a2", "hundreds killed", claimant="NIS", claimed="2024-12-19", killed="hundreds")),
            ex("a3", cas("a3", "dozens killed", claimant="NIS", claimed="2024-12-19", killed="dozens")))
    assert sorted(c.sources for c in b.casualties) == [["a1", "a2"], ["a3"]]
    est = b.estimates[0]
    assert len(est.claims) == 2 and est.conflicts == []  # a conflict needs two claimants


def test_conflict_between_claimants() -> None:
    b = run(ex("a1", cas("a1", "at least 1,000 killed", claimant="NIS", claimed="2024-12-19", killed="at least 1,000")),
            ex("a2", cas("a2", "several hundred killed", claimant="a senior US military official",
                         claimed="2024-12-17", killed="several hundred")))
    est = b.estimates[0]
    assert est.key == "north korean forces:killed"
    assert all(c.current for c in est.claims) and est.series == []
    assert est.conflicts == [[est.claims[0].item_id, est.claims[1].item_id]]
    assert [c.claimant for c in est.claims] == ["US military official", NIS]  # by date
    assert (est.low, est.high) == (200, None)


def test_overlapping_bounds_corroborate() -> None:
    """HUR "at least 30" [30, open) and Kirby "several dozens" [24, 99]: both can hold, no conflict."""
    b = run(ex("a1", cas("a1", "at least 30 killed or wounded", claimant="HUR", claimed="2024-11-04",
                         killed_or_wounded="at least 30"),
               cas("a1", "several dozens", claimant="John Kirby", claimed="2024-11-04",
                   killed_or_wounded="several dozens")))
    assert b.estimates[0].conflicts == []
    at_least_100 = run(ex("a1", cas("a1", "at least 100 killed", claimant="NIS", claimed="2024-12-19",
                                    killed="at least 100")),
                       ex("a2", cas("a2", "several hundred killed", claimant="HUR", claimed="2024-12-17",
                                    killed="several hundred")))
    assert at_least_100.estimates[0].conflicts == []


def test_conflicts_need_the_same_time() -> None:
    months_apart = run(ex("a1", cas("a1", "dozens killed", claimant="HUR", claimed="2024-11", killed="dozens")),
                       ex("a2", cas("a2", "3,000 killed", claimant="NIS", claimed="2025-04-30", killed="3,000")))
    assert months_apart.estimates[0].conflicts == []  # a change over time, not a disagreement
    undated = [article("a1", None), article("a2", None)]
    same_article = merge([ex("a1", cas("a1", "dozens killed", claimant="HUR", killed="dozens"),
                             cas("a1", "3,000 killed", claimant="NIS", killed="3,000"))], undated[:1])
    assert len(same_article.estimates[0].conflicts) == 1  # both undated, reported side by side
    apart = merge([ex("a1", cas("a1", "dozens killed", claimant="HUR", killed="dozens")),
                   ex("a2", cas("a2", "3,000 killed", claimant="NIS", killed="3,000"))], undated)
    assert apart.estimates[0].conflicts == []  # no date, no common article: not known to be the same time
    one_dated = merge([ex("a1", cas("a1", "dozens killed", claimant="HUR", killed="dozens", claimed="2024-09"),
                          cas("a1", "3,000 killed", claimant="NIS", killed="3,000"))], undated[:1])
    assert one_dated.estimates[0].conflicts == []  # the article dates one claim only: an earlier statement


def test_related_measures_and_partial_counts() -> None:
    b = merge([ex("a1", cas("a1", "at least 100 killed, nearly 1,000 wounded", claimant="NIS", killed="at least 100",
                            wounded="nearly 1,000"),
                  cas("a1", "several casualties including officers", claimant="NIS", killed_or_wounded="several"),
                  cas("a1", "several hundred casualties", claimant="a senior US military official",
                      killed_or_wounded="several hundred"),
                  cas("a1", "around 1,100 casualties", claimant="JCS", killed_or_wounded="around 1,100"))],
              [article("a1", None)])
    nis, several, us, jcs = (next(c for c in b.casualties if c.evidence[0].quote.startswith(w)).id
                             for w in ("at least 100", "several casualties", "several hundred", "around 1,100"))
    related = next(e for e in b.estimates if e.measure == "related_measures")
    assert related.conflicts == [[nis, us]]  # 100 killed and 900 wounded do not fit in at most 999 casualties
    assert {c.item_id for c in related.claims} == {nis, us}
    kow = next(e for e in b.estimates if e.measure == "killed_or_wounded")
    # NIS's own "several" is below its 100 killed: a partial count, listed but in no conflict
    assert several in {c.item_id for c in kow.claims}
    assert kow.conflicts == []
    assert jcs in {c.item_id for c in kow.claims}
    assert (kow.low, kow.high) == (200, 1210)  # the partial "several" [3, 9] is no total: not in low/high


def test_different_claimants_same_figure_stay_separate() -> None:
    b = run(ex("a1", cas("a1", "100 killed", claimant="NIS", claimed="2024-12-19", killed="100")),
            ex("a2", cas("a2", "100 killed", claimant="HUR", claimed="2024-12-19", killed="100")))
    assert len(b.casualties) == 2
    assert b.estimates[0].conflicts == []  # they agree


def test_same_claimant_different_times_stay_separate() -> None:
    b = run(ex("a1", cas("a1", "100 killed", claimant="NIS", claimed="2024-12", killed="at least 100")),
            ex("a2", cas("a2", "100 killed", claimant="NIS", claimed="2025-04-30", killed="at least 100")),
            ex("a3", cas("a3", "600 killed", claimant="NIS", claimed="2025-04-30", killed="about 600")))
    assert len(b.casualties) == 3
    est = b.estimates[0]
    assert [c.current for c in est.claims] == [False, True, True]


def test_precision_aware_dates_merge() -> None:
    b = run(ex("a1", cas("a1", "at least 100 killed", claimant="NIS", claimed="2024-12", killed="at least 100")),
            ex("a2", cas("a2", "some 100 killed", claimant="NIS", claimed="2024-W51", killed="some 100")),
            ex("a3", cas("a3", "100 killed", claimant="NIS", claimed="2024-12-19", killed="100")))
    assert len(b.casualties) == 1 and b.casualties[0].claimed.start == "2024-12-19"  # type: ignore[union-attr]


def test_unknown_claimants() -> None:
    same = run(ex("a1", cas("a1", "at least 100 killed", killed="at least 100")),
               ex("a2", cas("a2", "At least 100 died", killed="At least 100")))
    assert len(same.casualties) == 1 and same.casualties[0].sources == ["a1", "a2"]
    not_identical = run(ex("a1", cas("a1", "at least 100 killed", killed="at least 100")),
                        ex("a2", cas("a2", "about 100 died", killed="about 100")))
    assert len(not_identical.casualties) == 2
    via_conduit = run(ex("a1", cas("a1", "100 killed", conduit="Lee Sung-kwon", killed="at least 100")),
                      ex("a2", cas("a2", "100 killed", claimant="NIS", conduit="Lee Seong-kweun", killed="100")),
                      ex("a3", cas("a3", "100 killed", conduit="Kim Byung-kee", killed="at least 100")))
    assert sorted(c.sources for c in via_conduit.casualties) == [["a1", "a2"], ["a3"]]
    merged = next(c for c in via_conduit.casualties if len(c.sources) == 2)
    assert merged.claimant == NIS


def test_relaying_lawmaker_named_as_claimant_is_the_agency() -> None:
    b = run(ex("a1", cas("a1", "at least 100 killed", claimant="NIS", conduit="Lee Sung-kwon", claimed="2024-12-19",
                         killed="at least 100")),
            ex("a2", cas("a2", "at least 100 died", claimant="MP Lee Seong-kweun", claimed="2024-12-19",
                         killed="At least 100")))
    assert len(b.casualties) == 1
    assert (b.casualties[0].claimant, b.casualties[0].conduit) == (NIS, "Lee Seong-kweun")
    two_agencies = run(ex("a1", cas("a1", "100 killed", claimant="NIS", conduit="Lee Sung-kwon", killed="100"),
                          cas("a1", "5 killed", claimant="HUR", conduit="Lee Sung-kwon", killed="5")),
                       ex("a2", cas("a2", "100 killed", claimant="Lee Seong-kweun", killed="100")))
    assert len(two_agencies.casualties) == 3  # Lee relays two agencies: his own claim stays his


def test_different_named_conduits_stay_separate() -> None:
    b = run(ex("a1", cas("a1", "100 killed", claimant="NIS", conduit="Lee Sung-kwon", claimed="2024-12-19",
                         killed="100")),
            ex("a2", cas("a2", "100 killed", claimant="NIS", conduit="Kim Byung-kee", claimed="2024-12-19",
                         killed="100")))
    assert len(b.casualties) == 2


def test_arms_items_of_another_status_or_kind_stay_separate() -> None:
    def arms(aid: str, quote: str, status: str, *names: tuple[str, str]) -> dict[str, Any]:
        return {"supplier": "North Korea", "recipient": "Russia", "status": status, "claimant": "JCS",
                "items": [{"name": n, "category": c} for n, c in names],
                "evidence": [{"quote": quote, "article_id": aid, "start": 0, "end": len(quote)}], "sources": [aid]}

    exs = [ArticleExtraction(article_id="a1", arms_transfers=[  # type: ignore[list-item]
        arms("a1", "intends to give drones", "planned", ("self-destructible drones", "drone")),
        arms("a1", "has supplied rocket launchers", "alleged", ("240mm rocket launchers", "rocket_launcher")),
    ]), ArticleExtraction(article_id="a2", arms_transfers=[  # type: ignore[list-item]
        arms("a2", "supplied launchers", "alleged", ("rocket launchers", "rocket_launcher")),
    ])]
    b = merge(exs, [article("a1"), article("a2")])
    assert sorted((t.status, t.sources) for t in b.arms_transfers) == [("alleged", ["a1", "a2"]), ("planned", ["a1"])]


def test_diplomacy_with_the_same_month_words_merges() -> None:
    def dip(aid: str, summary: str) -> dict[str, Any]:
        return {"event_type": "agreement_signed", "parties": ["Russia", "North Korea"], "summary": summary,
                "period": {"text": "In June"}, "evidence": [{"quote": summary, "article_id": aid}], "sources": [aid]}

    exs = [ArticleExtraction(article_id="a1", diplomacy=[dip("a1", "North Korea and Russia signed the pact")]),  # type: ignore[list-item]
           ArticleExtraction(article_id="a2", diplomacy=[dip("a2", "They signed a strategic partnership agreement")])]  # type: ignore[list-item]
    assert len(merge(exs, [article("a1"), article("a2")]).diplomacy) == 1
    exs[1].diplomacy[0].period = DateRef(text="on Monday")
    exs[0].diplomacy[0].period = DateRef(text="on Monday")
    assert len(merge(exs, [article("a1"), article("a2")]).diplomacy) == 2  # relative words: not known the same


def test_undated_claim_is_placed_by_its_period() -> None:
    item = cas("a1", "at least 100 killed", claimant="NIS", killed="at least 100")
    item["period"] = {"text": "in December", "start": "2024-12"}
    b = merge([ex("a1", item), ex("a2", cas("a2", "about 600 killed", claimant="NIS", claimed="2025-04-30",
                                              killed="about 600"))], [article("a1", None), article("a2", None)])
    est = b.estimates[0]
    assert [c.figure.text for c in est.claims] == ["at least 100", "about 600"]
    assert est.series == [[c.item_id for c in est.claims]] and [c.current for c in est.claims] == [False, True]


def test_gold_through_verify_and_merge() -> None:
    """The hand-made gold, merged: every claim once, both series, and only the conflicts the gold lists."""
    from summarizer.evaluation import load_gold, load_gold_briefing, score_briefing
    from summarizer.ingestion.articles import load_articles
    from summarizer.verification.grounding import verify

    articles = load_articles([ROOT / "seeds"]).articles
    by_id = {a.id: a for a in articles}
    gold = load_gold(ROOT / "evals" / "gold")
    b = merge([verify(g, by_id[g.article_id], extractor="gold") for g in gold], articles)
    s = score_briefing(b, load_gold_briefing(ROOT / "evals" / "gold_briefing.json", ROOT / "evals" / "gold"))
    assert (s.claim_recall, s.duplicate_rate, s.series_recall) == (1.0, 0.0, 1.0)
    assert s.false_conflicts == 0 and s.conflict_precision == 1.0
    # us-official-vs-zelensky: six days apart in different undated articles, linked by the NIS report that
    # 000 dates "Thursday" and 002 "last week"
    assert s.missed_conflicts == [] and (s.conflicts_found, s.conflicts) == (3, 3)
    kow = next(e for e in b.estimates if e.measure == "killed_or_wounded")
    names = {c.item_id: c.claimant for c in kow.claims}
    assert [sorted(names[i] or "" for i in pair) for pair in kow.corroborations] == [
        ["John Kirby", "Ukraine's military intelligence agency (HUR)"]]  # shown as agreeing, not as a conflict


def test_killed_or_wounded_never_merged_with_killed() -> None:
    b = run(ex("a1", cas("a1", "at least 100 killed", claimant="NIS", claimed="2024-12-19", killed="at least 100")),
            ex("a2", cas("a2", "at least 100 casualties", claimant="NIS", claimed="2024-12-19",
                         killed_or_wounded="at least 100")))
    assert len(b.casualties) == 2
    assert [e.key for e in b.estimates] == ["north korean forces:killed", "north korean forces:killed_or_wounded"]
    assert all(len(e.claims) == 1 for e in b.estimates)


def test_run_info_is_gathered() -> None:
    rej = Rejected(article_id="a2", section="casualties", reason="quote not found", item={"side": "x"})
    b = run(ex("a1", cas("a1", "q", claimant="NIS", killed="5"), usage=Usage(calls=1, total_tokens=10)),
            ex("a2", usage=Usage(calls=2, total_tokens=5, cost_usd=0.5), rejected=[rej], prompt_version="p1"))
    assert b.run.usage.calls == 3 and b.run.usage.total_tokens == 15 and b.run.usage.cost_usd == 0.5
    assert b.run.rejected == [rej] and b.run.prompt_version == "p1"


def test_missing_article_is_an_error() -> None:
    with pytest.raises(MergeError, match="not among the articles"):
        merge([ex("a1", cas("a1", "q", claimant="NIS", killed="5"))], [article("other")])


def test_user_aliases_change_the_merge(tmp_path: Path) -> None:
    extra = tmp_path / "aliases.json"
    extra.write_text(json.dumps({"Defence Intelligence": ["DIU", "Ukraine's defence intelligence"]}))
    exs = [ex("a1", cas("a1", "10 killed", claimant="DIU", claimed="2024-12-19", killed="10")),
           ex("a2", cas("a2", "10 killed", claimant="Ukraine's defence intelligence", claimed="2024-12-19",
                        killed="10"))]
    arts = [article("a1"), article("a2")]
    assert len(merge(exs, arts).casualties) == 2
    merged = merge(exs, arts, aliases=extra).casualties
    assert len(merged) == 1 and merged[0].claimant == "Defence Intelligence"


def test_many_items_merge_correctly() -> None:
    """2,000 synthetic items: 500 distinct claims, each reported by 4 articles in different words."""
    claimants = [f"Agency {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(50)]
    months = [f"2024-{m:02d}" for m in range(1, 11)]
    spell = ["at least {n}", "At least {n}", "at least {n:,}", "no fewer than {n}"]
    extractions = []
    for copy in range(4):
        items = []
        for i in range(500):
            n = 1000 + i
            items.append(cas(f"s{copy}", f"claim {i}", claimant=claimants[i % 50], claimed=months[i // 50],
                             killed=spell[copy].format(n=n)))
        extractions.append(ex(f"s{copy}", *items))
    b = merge(extractions, [article(f"s{c}") for c in range(4)])
    assert len(b.casualties) == 500
    assert all(c.sources == ["s0", "s1", "s2", "s3"] and len(c.evidence) == 4 for c in b.casualties)
    assert len({c.id for c in b.casualties}) == 500


# ---- properties ------------------------------------------------------------------------------------

_CLAIMANTS = st.sampled_from([None, "NIS", "National Intelligence Service", "HUR", "Ukraine's military spy agency",
                              "JCS", "Lee Sung-kwon"])
_CONDUITS = st.sampled_from([None, "Lee Sung-kwon", "MP Lee Seong-kweun", "MPs", "Kim Byung-kee"])
_FIGURES = st.sampled_from(["at least 100", "some 100", "100", "several hundred", "hundreds", "about 600",
                            "nearly 1,000", "another 1,000", "dozens", "more than 3,000"])
_DATES = st.sampled_from([None, "2024-12", "2024-12-19", "2024-W51", "2024-12-23", "2025-04", "2025-04-30", "2024"])
_MEASURES = st.sampled_from(["killed", "wounded", "killed_or_wounded"])
_SIDES = st.sampled_from(["North Korean troops", "North Koreans", "Russian soldiers"])


@st.composite
def _extractions(draw: st.DrawFn) -> list[ArticleExtraction]:
    out = []
    for a in range(draw(st.integers(1, 4))):
        aid = f"p{a}"
        items = []
        for i in range(draw(st.integers(0, 5))):
            figures = {m: draw(_FIGURES) for m in draw(st.sets(_MEASURES, min_size=1, max_size=2))}
            items.append(cas(aid, f"quote {i}", claimant=draw(_CLAIMANTS), conduit=draw(_CONDUITS),
                             claimed=draw(_DATES), side=draw(_SIDES), **figures))
        out.append(ex(aid, *items))
    return out


_ARTICLES = [article(f"p{a}") for a in range(4)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_extractions(), st.randoms(use_true_random=False))
def test_order_independent_and_idempotent(extractions: list[ArticleExtraction], rnd: Any) -> None:
    b = merge(extractions, _ARTICLES)
    shuffled = [e.model_copy(update={"casualties": rnd.sample(e.casualties, len(e.casualties))}) for e in extractions]
    rnd.shuffle(shuffled)
    articles = list(_ARTICLES)
    rnd.shuffle(articles)
    assert merge(shuffled, articles).model_dump_json() == b.model_dump_json()
    assert merge([briefing_as_extraction(b)], _ARTICLES).model_dump_json() == b.model_dump_json()
    ids = [c.id for c in b.casualties]
    assert len(ids) == len(set(ids))
    for c in b.casualties:
        assert isinstance(c, Casualty) and c.sources == sorted(set(c.sources))


# ---- claims of undated articles, linked by a report they share ----------------------------------


def _text_article(aid: str, text: str, published: str | None = None) -> Article:
    return Article(id=aid, title=f"Synthetic {aid}", text=text, content_hash=hashlib.sha256(text.encode()).hexdigest(),
                   published=date.fromisoformat(published) if published else None)


def _rel(aid: str, quote: str, claimant: str, when: str | None, **figures: str) -> dict[str, Any]:
    item = cas(aid, quote, claimant=claimant, **figures)
    if when:
        item["claimed"] = {"text": when}
    return item


def test_undated_articles_linked_by_a_shared_report_are_about_the_same_time() -> None:
    """The US official (a1, "Tuesday") and Zelensky (a2, "on Monday") are days apart: a1 dates the NIS report
    "Thursday", a2 "last week". Neither article has a date, so only the shared report links them."""
    a1 = _rel("a1", "at least 100 killed", "NIS", "Thursday", killed="at least 100", wounded="nearly 1,000")
    us = _rel("a1", "several hundred casualties", "a US official", "Tuesday", killed_or_wounded="several hundred")
    a2 = _rel("a2", "some 100 deaths", "NIS", "Last week", killed="some 100", wounded="another 1,000")
    zel = _rel("a2", "more than 3,000 killed or wounded", "Zelensky", "on Monday", killed_or_wounded="more than 3,000")
    arts = [_text_article("a1", "Synthetic one."), _text_article("a2", "Synthetic two.")]
    linked = merge([ex("a1", a1, us), ex("a2", a2, zel)], arts)
    kow = next(e for e in linked.estimates if e.measure == "killed_or_wounded")
    assert len(kow.conflicts) == 1
    unlinked = merge([ex("a1", us), ex("a2", zel)], arts)  # no shared report: not known to be the same time
    assert next(e for e in unlinked.estimates if e.measure == "killed_or_wounded").conflicts == []


def test_a_loosely_bounded_claim_is_not_the_same_time_as_anything() -> None:
    """An article bounded to seven months (its "third winter" since February 2022) says nothing about which week."""
    winter = _text_article("w1", "The war enters its third winter since the invasion began in February 2022.")
    dated = _text_article("d1", "Synthetic dated.", "2025-01-10")
    b = merge([ex("w1", _rel("w1", "dozens killed", "HUR", None, killed="dozens")),
               ex("d1", _rel("d1", "3,000 killed", "NIS", None, killed="3,000"))], [winter, dated])
    est = b.estimates[0]
    assert est.conflicts == [] and all(c.current for c in est.claims)
    w = next(c for c in est.claims if "HUR" in (c.claimant or ""))
    assert w.date is not None and (w.date.start, w.date.end, w.date.source) == ("2024-09", "2025-03", "bounded")


def test_claims_that_agree_side_by_side_are_a_corroboration() -> None:
    b = merge([ex("a1", _rel("a1", "at least 30 killed or wounded", "HUR", None, killed_or_wounded="at least 30"),
                  _rel("a1", "several dozens", "John Kirby", None, killed_or_wounded="several dozens"))],
              [_text_article("a1", "Synthetic.")])
    est = b.estimates[0]
    assert est.conflicts == [] and len(est.corroborations) == 1
    assert sorted(est.corroborations[0]) == sorted(c.item_id for c in est.claims)
