"""The scorer: alignment, counts, field accuracy, briefing metrics and reports (predictions built from gold)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from summarizer.core.errors import EvalError
from summarizer.core.schema import SECTIONS, ArticleExtraction, Briefing, DateRef, Estimate, Quantity, Rejected, RunInfo
from summarizer.evaluation import (
    GoldBriefing,
    assign,
    check_thresholds,
    load_gold,
    load_gold_briefing,
    report_json,
    report_markdown,
    same_name,
    score_briefing,
    score_extractions,
    similarity,
)

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "evals" / "gold"
S000, S001, S002 = "000_e726931a88cfd514", "001_d228352cad494497", "002_d5b554a282af7b66"


@pytest.fixture(scope="module")
def gold() -> list[ArticleExtraction]:
    return load_gold(GOLD)


@pytest.fixture(scope="module")
def gold_briefing() -> GoldBriefing:
    return load_gold_briefing(ROOT / "evals" / "gold_briefing.json", GOLD)


def copies(gold: list[ArticleExtraction]) -> list[ArticleExtraction]:
    return [g.model_copy(deep=True) for g in gold]


def n_items(extractions: list[ArticleExtraction]) -> int:
    return sum(len(e.items()) for e in extractions)


def test_perfect_prediction_scores_one(gold: list[ArticleExtraction]) -> None:
    s = score_extractions(copies(gold), gold)
    assert (s.overall.tp, s.overall.fp, s.overall.fn) == (n_items(gold), 0, 0)
    assert s.overall.precision == s.overall.recall == s.overall.f1 == 1.0
    assert all(s.sections[sec].f1 == 1.0 for sec in SECTIONS)
    assert {f: v.accuracy for f, v in s.fields.items()} == dict.fromkeys(s.fields, 1.0)
    assert s.misses == [] and s.spurious == []


def test_deleting_one_item_lowers_recall_by_one_item_share(gold: list[ArticleExtraction]) -> None:
    pred = copies(gold)
    del pred[0].casualties[0]
    s = score_extractions(pred, gold)
    n = n_items(gold)
    assert s.overall.recall == pytest.approx((n - 1) / n)
    assert s.overall.precision == 1.0
    assert (s.sections["casualties"].tp, s.sections["casualties"].fn) == (14, 1)
    assert s.misses == [f"{gold[0].article_id} casualties[0] South Korea's National Intelligence Service: "
                        "killed=at least 100, wounded=nearly 1,000"]


def test_a_wrong_figure_is_a_mismatch(gold: list[ArticleExtraction]) -> None:
    pred = copies(gold)
    item = pred[3].casualties[2]  # HUR: eight members of the Akhmat unit killed
    assert item.killed is not None and item.killed.text == "eight"
    item.killed = Quantity(text="eighty")
    assert similarity("casualties", item, gold[3].casualties[2]) == 0.0
    s = score_extractions(pred, gold)
    assert (s.overall.tp, s.overall.fp, s.overall.fn) == (n_items(gold) - 1, 1, 1)


def test_one_wrong_measure_of_two_still_matches_but_costs_field_accuracy(gold: list[ArticleExtraction]) -> None:
    pred = copies(gold)
    pred[2].casualties[2].wounded = Quantity(text="another 2,000")  # NIS: some 100 deaths, 1,000 wounded
    s = score_extractions(pred, gold)
    assert s.overall.tp == n_items(gold)
    assert s.fields["figure"].total - s.fields["figure"].correct == 1


def test_same_number_with_another_qualifier_matches_and_counts_the_qualifier(gold: list[ArticleExtraction]) -> None:
    pred = copies(gold)
    pred[0].casualties[0].killed = Quantity(text="100")  # gold: "at least 100"
    s = score_extractions(pred, gold)
    assert s.overall.tp == n_items(gold)
    assert s.fields["figure"].accuracy == 1.0
    assert s.fields["qualifier"].correct == s.fields["qualifier"].total - 1
    assert s.fields["bounds"].correct == s.fields["bounds"].total - 1


def test_claimant_spelling_variants_still_match(gold: list[ArticleExtraction]) -> None:
    assert same_name("Lee Seong-kweun", "Lee Sung-kwon")
    assert same_name("NIS", "National Intelligence Service")
    assert same_name("NIS", "South Korea's National Intelligence Service")
    assert same_name("Seoul's Joint Chiefs of Staff", "JCS")
    assert not same_name("NIS", "South Korea's Joint Chiefs of Staff (JCS)")
    assert not same_name("Lee Seong-kweun", "Lee Jae-myung")
    pred = copies(gold)
    item = pred[0].casualties[0]
    item.claimant, item.conduit = "National Intelligence Service", "Lee Seong-kweun"
    s = score_extractions(pred, gold)
    assert s.overall.tp == n_items(gold)
    assert s.fields["claimant"].accuracy == 1.0 and s.fields["conduit"].accuracy == 1.0


def test_a_different_claimant_costs_claimant_accuracy(gold: list[ArticleExtraction]) -> None:
    pred = copies(gold)
    pred[2].casualties[0].claimant = "Volodymyr Zelenskyy"  # gold: the JCS
    s = score_extractions(pred, gold)
    assert s.fields["claimant"].correct == s.fields["claimant"].total - 1


def test_item_and_article_order_do_not_matter(gold: list[ArticleExtraction]) -> None:
    pred = copies(gold)[::-1]
    for ex in pred:
        for sec in SECTIONS:
            getattr(ex, sec).reverse()
    s = score_extractions(pred, gold)
    assert (s.overall.tp, s.overall.fp, s.overall.fn) == (n_items(gold), 0, 0)
    assert all(v.accuracy == 1.0 for v in s.fields.values())


def test_empty_prediction_scores_zero_recall_without_crashing(gold: list[ArticleExtraction]) -> None:
    for pred in ([], [ArticleExtraction(article_id=g.article_id) for g in gold]):
        s = score_extractions(pred, gold)
        assert s.overall.recall == 0.0
        assert s.overall.precision is None  # n/a: nothing predicted
        assert s.overall.f1 == 0.0
        assert s.grounding_rate is None
        assert all(v.accuracy is None for v in s.fields.values())
    s = score_extractions([], gold)
    assert s.missing_articles == [g.article_id for g in gold]
    md = report_markdown([("empty", s, None)])
    assert "| empty | n/a | 0.00 | 0.00 |" in md


def test_prediction_for_an_unknown_article_is_listed_not_scored(gold: list[ArticleExtraction]) -> None:
    pred = [*copies(gold), ArticleExtraction(article_id="ffffffffffffffff")]
    s = score_extractions(pred, gold)
    assert s.extra_articles == ["ffffffffffffffff"]
    assert s.overall.precision == 1.0
    with pytest.raises(EvalError, match="two predicted extractions"):
        score_extractions([gold[0], gold[0]], gold)


def test_grounding_rate_counts_kept_and_rejected_quotes(gold: list[ArticleExtraction]) -> None:
    pred = copies(gold)[:1]
    quotes = [ev for _, it in pred[0].items() for ev in it.evidence]
    for ev in quotes[:4]:
        ev.alignment = "exact"
    pred[0].rejected.append(
        Rejected(article_id=pred[0].article_id, section="aid", reason="quote not found",
                 item={"evidence": [{"quote": "made up"}]})
    )
    s = score_extractions(pred, gold)
    assert (s.evidence_grounded, s.evidence_total) == (4, len(quotes) + 1)


def test_assign_is_optimal_on_small_matrices() -> None:
    rng = random.Random(7)
    for _ in range(60):
        n, m = rng.randint(1, 5), rng.randint(1, 5)
        w = [[rng.choice([0.0, 0.3, 0.5, 0.7, 1.0]) for _ in range(m)] for _ in range(n)]
        pairs = assign(w)
        assert len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs}) == min(n, m)
        got = sum(w[i][j] for i, j in pairs)
        if n <= m:
            best = max(sum(w[i][p[i]] for i in range(n)) for p in itertools.permutations(range(m), n))
        else:
            best = max(sum(w[p[j]][j] for j in range(m)) for p in itertools.permutations(range(n), m))
        assert got == pytest.approx(best)


def briefing_from(gold_briefing: GoldBriefing, refs: list[tuple[str, str, int]]) -> tuple[Briefing, list[str]]:
    """A briefing holding the given gold items unmerged, each with its article as source."""
    b = Briefing(title="t", sources=[], run=RunInfo(extractor="test"))
    ids = []
    for n, (stem, sec, i) in enumerate(refs):
        item = gold_briefing.item((stem, sec, i)).model_copy(deep=True)
        item.id, item.sources = f"i{n}", [gold_briefing.gold[stem].article_id]
        getattr(b, sec).append(item)
        ids.append(item.id)
    return b, ids


def test_briefing_duplicates_conflicts_and_series(gold_briefing: GoldBriefing) -> None:
    refs = [
        (S000, "casualties", 0), (S001, "casualties", 0),  # the NIS December claim shown twice
        (S002, "casualties", 0), (S002, "casualties", 1),  # JCS vs Zelenskyy
        ("004_e768fbc29f10ce67", "casualties", 0),  # NIS April 2025
    ]
    b, ids = briefing_from(gold_briefing, refs)
    b.estimates = [
        Estimate(key="north korean forces:killed_or_wounded", side="North Korean forces", measure="killed_or_wounded",
                 claims=[], conflicts=[[ids[2], ids[3]]]),
        Estimate(key="north korean forces:killed", side="North Korean forces", measure="killed", claims=[],
                 series=[[ids[0], ids[4]]]),
    ]
    s = score_briefing(b, gold_briefing)
    assert s.claims == len(gold_briefing.all_claims())
    assert (s.claims_found, s.duplicated, s.duplicate_rate) == (4, 1, 0.25)
    assert s.duplicated_claims == ["nis-nk-losses-2024-12"]
    assert (s.conflicts_found, s.conflicts) == (1, 3)
    assert s.conflict_precision == 1.0
    assert (s.series_found, s.series) == (1, 2)
    assert s.false_conflicts == 0 and s.unmatched_items == 0


def test_dating_accuracy_holds_the_gold_date(gold_briefing: GoldBriefing) -> None:
    """A claim's shown date is correct when its interval holds the gold date (December 2024 for the NIS claim,
    from the annotated article dates), or lies within it; a wrong or missing date is not."""
    refs = [(S000, "casualties", 0), ("004_e768fbc29f10ce67", "casualties", 0), (S002, "casualties", 0)]
    b, ids = briefing_from(gold_briefing, refs)
    b.casualties[0].claimed = DateRef(start="2024-08", end="2025-08", source="bounded")  # holds 2024-12: correct
    b.casualties[1].claimed = DateRef(start="2025-04-30", source="stated")  # the gold date itself: to the day
    b.casualties[2].claimed = DateRef(start="2025-01")  # the JCS claim was December 2024: wrong
    s = score_briefing(b, gold_briefing)
    assert gold_briefing.article_dates[S000] == "2024-12"
    assert (s.dated_claims, s.dated_correct, s.dated_to_month) == (3, 2, 1)
    assert s.dating_accuracy == pytest.approx(2 / 3) and s.dating_month == pytest.approx(1 / 3)
    assert s.misdated_claims == ["jcs-nk-casualties-2024-12"]
    b.casualties[0].claimed = None  # undated: not correct
    assert score_briefing(b, gold_briefing).dated_correct == 1


def test_briefing_flagging_a_corroboration_is_a_false_conflict(gold_briefing: GoldBriefing) -> None:
    stem = "003_f9df8e67c73be4ec"
    b, ids = briefing_from(gold_briefing, [(stem, "casualties", 0), (stem, "casualties", 1)])
    b.estimates = [Estimate(key="k", side="North Korean forces", measure="killed_or_wounded", claims=[],
                            conflicts=[ids])]
    s = score_briefing(b, gold_briefing)
    assert (s.false_conflicts, s.conflicts_found, s.conflict_precision) == (1, 0, 0.0)
    assert s.duplicate_rate == 0.0


def test_reports_put_runs_side_by_side(gold: list[ArticleExtraction], gold_briefing: GoldBriefing) -> None:
    perfect = score_extractions(copies(gold), gold)
    empty = score_extractions([], gold)
    b, _ = briefing_from(gold_briefing, [(S000, "aid", 0)])
    rows = [("gold", perfect, score_briefing(b, gold_briefing)), ("empty", empty, None)]
    md = report_markdown(rows)
    assert "| gold | 1.00 | 1.00 | 1.00 |" in md and "| empty | n/a | 0.00 | 0.00 |" in md
    assert "## Merged briefing" in md
    data = json.loads(report_json(rows))
    assert [r["name"] for r in data["rows"]] == ["gold", "empty"]
    assert data["rows"][0]["extraction"]["overall"]["f1"] == 1.0
    assert data["rows"][1]["briefing"] is None
    assert data["rows"][0]["briefing"]["claims_found"] == 1


def test_load_gold_errors_tell_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="no gold files"):
        load_gold(tmp_path)
    (tmp_path / "x.json").write_text('{"article_id": "a", "casualties": [{"side": "x"}]}', encoding="utf-8")
    with pytest.raises(EvalError, match="not a valid ArticleExtraction"):
        load_gold(tmp_path)


def test_limits_are_checked(gold: list[ArticleExtraction]) -> None:
    limits = json.loads((ROOT / "evals" / "thresholds.json").read_text(encoding="utf-8"))
    for section in limits["offline"]["extraction"].values():
        for key in list(section):
            section[key] = None  # start from "nothing enforced", then set the limits under test
    limits["offline"]["briefing"] = {k: None for k in limits["offline"]["briefing"]}
    pred = copies(gold)
    del pred[0].casualties[0]
    row = json.loads(report_json([("run", score_extractions(pred, gold), None)]))["rows"][0]
    assert check_thresholds(row, limits["offline"]) == []
    limits["offline"]["extraction"]["overall"]["recall"] = 0.99
    limits["offline"]["extraction"]["fields"]["claimant"] = 1.0
    limits["offline"]["briefing"]["duplicate_rate_max"] = 0.0  # no briefing scored: skipped
    assert check_thresholds(row, limits["offline"]) == [
        f"extraction.overall.recall = {(n_items(gold) - 1) / n_items(gold):.3f} is below the minimum 0.99"
    ]
