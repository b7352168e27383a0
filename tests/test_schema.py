"""The Pydantic contract: valid and invalid items per section, round trips, and the schema drift check."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from summarizer.core.errors import SchemaDriftError
from summarizer.core.schema import (
    Aid,
    ArmsTransfer,
    Article,
    ArticleExtraction,
    Briefing,
    Casualty,
    Claim,
    DateRef,
    Deployment,
    Diplomacy,
    Estimate,
    Evidence,
    Quantity,
    Rejected,
    RunInfo,
    Sections,
    Source,
    TimelineEntry,
    Usage,
)
from summarizer.core.schema_files import check_schemas, schema_texts, write_schemas

ROOT = Path(__file__).resolve().parent.parent
QUOTE = "At least 100 North Korean soldiers stationed in Russia were killed and another 1,000 wounded"


# ------------------------------------------------------------------ Quantity and DateRef


@pytest.mark.parametrize(
    ("phrase", "low", "high", "qualifier", "unit"),
    [
        ("at least 100", 100, None, "at_least", None),
        ("nearly 1,000", 900, 1000, "about", None),
        ("several hundred", 200, 999, "vague", None),
        ("as many as 12,000", None, 12000, "up_to", None),
        ("£92 million", 92_000_000, 92_000_000, "exact", "GBP"),
        ("10,000 to 12,000", 10000, 12000, "range", None),
    ],
)
def test_quantity_from_bare_phrase_fills_bounds(phrase, low, high, qualifier, unit):
    q = Quantity.model_validate(phrase)
    assert (q.text, q.low, q.high, q.qualifier, q.unit) == (phrase, low, high, qualifier, unit)


def test_quantity_keeps_stated_conversion_as_equivalent():
    q = Quantity.model_validate({"text": "£225 million ($286 million)"})
    assert (q.low, q.unit) == (225_000_000, "GBP")
    assert [(e.text, e.low, e.unit) for e in q.equivalents] == [("$286 million", 286_000_000, "USD")]


def test_quantity_given_bounds_are_kept_and_checked():
    q = Quantity(text="about 600", low=500, high=700, qualifier="about")
    assert (q.low, q.high) == (500, 700)
    with pytest.raises(ValidationError, match="low 700 is above high 500"):
        Quantity(text="about 600", low=700, high=500)
    with pytest.raises(ValidationError):
        Quantity(text="600", qualifier="roughly")  # not a known qualifier
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Quantity(text="600", best=600)  # type: ignore[call-arg]


def test_quantity_without_a_number_has_no_bounds():
    q = Quantity.model_validate("significant losses")
    assert (q.low, q.high, q.qualifier) == (None, None, None)


@pytest.mark.parametrize(
    ("start", "precision"), [("2024", "year"), ("2024-12", "month"), ("2024-W51", "week"), ("2024-12-19", "day")]
)
def test_dateref_precision_is_implied(start, precision):
    assert DateRef(start=start).precision == precision
    assert DateRef(start=start, precision=precision).start == start


def test_dateref_invalid():
    with pytest.raises(ValidationError, match="precision 'day' does not match '2024-12'"):
        DateRef(start="2024-12", precision="day")
    with pytest.raises(ValidationError, match="is not YYYY, YYYY-MM, YYYY-Www or YYYY-MM-DD"):
        DateRef(start="19 December 2024")
    with pytest.raises(ValidationError):
        DateRef(start="2024-13")
    assert DateRef(text="last week", start="").start is None
    assert DateRef(text="last week").precision == "unknown"


def test_evidence_from_string():
    assert Evidence.model_validate(QUOTE).quote == QUOTE
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Evidence(quote=QUOTE, page=3)  # type: ignore[call-arg]


# ------------------------------------------------------------------ sections


def test_casualty_valid_and_figures():
    c = Casualty.model_validate(
        {"side": "North Korean forces", "killed": "at least 100", "wounded": "another 1,000", "evidence": [QUOTE],
         "claimant": "South Korea's National Intelligence Service", "conduit": "Lee Seong-kweun",
         "period": {"text": "in December", "start": "2024-12"}}
    )
    assert set(c.figures()) == {"killed", "wounded"}
    assert c.killed is not None and (c.killed.low, c.killed.high) == (100, None)
    assert c.period is not None and c.period.precision == "month"


def test_casualty_without_figure_is_invalid():
    with pytest.raises(ValidationError, match="a casualty item needs at least one of killed, wounded"):
        Casualty(side="North Korean forces", evidence=[Evidence(quote=QUOTE)])


def test_item_needs_evidence_and_forbids_extras():
    with pytest.raises(ValidationError):
        Casualty.model_validate({"side": "x", "killed": "100", "evidence": []})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Casualty.model_validate({"side": "x", "killed": "100", "evidence": [QUOTE], "confidence": 0.9})


def test_deployment_valid_and_invalid():
    d = Deployment.model_validate(
        {"force": "North Korean troops", "size": "as many as 12,000", "destination": "Russia", "status": "deployed",
         "evidence": ["as many as 12,000 North Korean troops had been sent to Russia"]}
    )
    assert d.figures()["size"].high == 12000
    with pytest.raises(ValidationError):
        Deployment.model_validate({"force": "x", "status": "sent", "evidence": [QUOTE]})
    with pytest.raises(ValidationError):
        Deployment.model_validate({"force": "x", "evidence": [QUOTE]})  # status is required


def test_arms_transfer_valid_and_invalid():
    a = ArmsTransfer.model_validate(
        {"supplier": "North Korea", "recipient": "Russia", "status": "alleged",
         "items": [{"name": "containers of artillery shells", "category": "ammunition", "quantity": "more than 10,000"},
                   {"name": "240mm rocket launchers", "category": "rocket_launcher"}],
         "evidence": ["Pyongyang has also sent more than 10,000 containers of artillery shells"]}
    )
    assert list(a.figures()) == ["items[0]"]
    with pytest.raises(ValidationError):
        ArmsTransfer.model_validate({**a.model_dump(), "items": []})
    with pytest.raises(ValidationError):
        ArmsTransfer.model_validate(
            {**a.model_dump(), "items": [{"name": "Pantsir-S1", "category": "air_defense"}]}  # British spelling only
        )


def test_aid_valid_and_invalid():
    aid = Aid.model_validate(
        {"donor": "United Kingdom", "recipient": "Ukraine", "kind": "military",
         "amount": "£225 million ($286 million)",
         "components": [{"description": "navy equipment", "amount": "£92 million"},
                        {"description": "counter-drone systems", "amount": "£39 million", "quantity": "1,000"}],
         "evidence": ["Britain on Thursday unveiled a package of £225 million ($286 million)"]}
    )
    assert list(aid.figures()) == ["amount", "components[0].amount", "components[1].amount",
                                   "components[1].quantity"]
    assert aid.amount is not None and aid.amount.equivalents[0].unit == "USD"
    with pytest.raises(ValidationError):
        Aid.model_validate({**aid.model_dump(), "kind": "loan"})
    with pytest.raises(ValidationError):
        Aid.model_validate({"recipient": "Ukraine", "kind": "financial", "evidence": [QUOTE]})  # no donor


def test_diplomacy_valid_and_invalid():
    d = Diplomacy.model_validate(
        {"event_type": "agreement_in_force", "parties": ["North Korea", "Russia"],
         "summary": "Defence pact came into force", "evidence": ["came into force earlier this month"]}
    )
    assert d.figures() == {}
    with pytest.raises(ValidationError):
        Diplomacy.model_validate({**d.model_dump(), "parties": []})
    with pytest.raises(ValidationError):
        Diplomacy.model_validate({**d.model_dump(), "event_type": "handshake"})


def test_sections_items_in_section_order():
    s = Sections.model_validate(
        {"diplomacy": [{"event_type": "visit", "parties": ["UK", "Ukraine"], "summary": "Healey visited Kyiv",
                        "evidence": ["Healey visited Kyiv on Wednesday"]}],
         "casualties": [{"side": "North Korean forces", "killed": "at least 100", "evidence": [QUOTE]}]}
    )
    assert [name for name, _ in s.items()] == ["casualties", "diplomacy"]
    with pytest.raises(ValidationError):
        Sections.model_validate({"weather": []})


# ------------------------------------------------------------------ round trips


def _extraction() -> ArticleExtraction:
    return ArticleExtraction.model_validate(
        {"article_id": "2cf729938a3aa93c", "extractor": "offline",
         "casualties": [{"side": "North Korean forces", "killed": "at least 100", "wounded": "another 1,000",
                         "evidence": [{"quote": QUOTE, "article_id": "2cf729938a3aa93c", "start": 0, "end": len(QUOTE),
                                       "alignment": "exact"}],
                         "claimant": "National Intelligence Service", "sources": ["2cf729938a3aa93c"]}],
         "usage": {"calls": 1, "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
         "rejected": [{"article_id": "2cf729938a3aa93c", "section": "aid", "reason": "quote not found",
                       "item": {"donor": "x"}}]}
    )


def test_article_extraction_json_round_trip():
    ex = _extraction()
    again = ArticleExtraction.model_validate_json(ex.model_dump_json())
    assert again == ex
    assert again.casualties[0].killed.low == 100  # type: ignore[union-attr]
    assert json.loads(ex.model_dump_json())["casualties"][0]["evidence"][0]["alignment"] == "exact"


def test_briefing_json_round_trip():
    ex = _extraction()
    item = ex.casualties[0].model_copy(update={"id": "cas-1"})
    b = Briefing(
        title="North Korean troops in Russia's war",
        casualties=[item],
        sources=[Source(id="2cf729938a3aa93c", title="South Korea reports losses", outlet="Reuters",
                        published=date(2024, 12, 19), content_hash="0" * 64)],
        estimates=[Estimate(key="north korean forces:killed", side="North Korean forces", measure="killed",
                            claims=[Claim(item_id="cas-1", figure=Quantity.model_validate("at least 100"),
                                          claimant="National Intelligence Service", sources=["2cf729938a3aa93c"],
                                          current=True, date=DateRef(start="2024-12-19"))],
                            low=100, high=None, rule="one claim")],
        timeline=[TimelineEntry(date=DateRef(start="2024-12"), section="casualties", item_id="cas-1",
                                summary="at least 100 killed")],
        run=RunInfo(extractor="offline", usage=Usage(calls=1) + Usage(calls=2, cost_usd=0.5),
                    rejected=ex.rejected),
    )
    text = b.model_dump_json()
    again = Briefing.model_validate_json(text)
    assert again == b
    assert again.run.usage.calls == 3 and again.run.usage.cost_usd == 0.5
    assert again.sources[0].published == date(2024, 12, 19)
    assert again.timeline[0].date.precision == "month"
    with pytest.raises(ValidationError):
        Briefing.model_validate({**json.loads(text), "summary": "extra"})


def test_article_model():
    a = Article(id="0" * 16, title="t", text="x", content_hash="0" * 64)
    assert a.dropped_lines == [] and a.published is None
    with pytest.raises(ValidationError):
        Article(id="0" * 16, title="t", text="x")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Rejected(article_id="a", section="weather", reason="r", item={})  # type: ignore[arg-type]


# ------------------------------------------------------------------ schema files


def test_committed_schemas_match_models():
    check_schemas()
    check_schemas(ROOT / "schemas")
    for name, text in schema_texts().items():
        assert (ROOT / "schemas" / name).read_text(encoding="utf-8") == text


def test_drift_is_detected_on_a_modified_copy(tmp_path):
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", copy)
    check_schemas(copy)
    path = copy / "Briefing.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["properties"]["title"]["type"] = "integer"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    drift = r"Briefing.json in .* differ from summarizer/core/schema.py: run `brief schema`"
    with pytest.raises(SchemaDriftError, match=drift):
        check_schemas(copy)
    (copy / "ArticleExtraction.json").unlink()
    with pytest.raises(SchemaDriftError, match="ArticleExtraction.json, Briefing.json"):
        check_schemas(copy)
    written = write_schemas(copy)
    assert sorted(p.name for p in written) == ["ArticleExtraction.json", "Briefing.json"]
    check_schemas(copy)


def test_model_facing_schema_drops_only_what_the_pipeline_sets() -> None:
    """The model is shown what it fills, compactly; the published schemas keep every field."""
    import json

    from summarizer.core.schema import MODEL_SECTION_ORDER, SECTIONS, Sections, model_facing_schema

    full = Sections.model_json_schema()
    lean = model_facing_schema(Sections.model_json_schema())
    assert set(full["$defs"]["Evidence"]["properties"]) == {"quote", "article_id", "start", "end", "alignment"}
    # Quotes and figures are plain strings to the model; Evidence and Quantity accept them.
    assert "Evidence" not in lean["$defs"] and "Quantity" not in lean["$defs"]
    cas = lean["$defs"]["Casualty"]["properties"]
    assert cas["evidence"] == {"items": {"type": "string"}, "minItems": 1, "type": "array", "maxItems": 2}
    assert cas["killed"] == {"type": "string"}
    assert {"side", "killed", "killed_or_wounded", "evidence", "claimant", "conduit", "claimed", "period"} <= set(cas)
    assert not {"id", "sources", "variants"} & set(cas)
    assert "required" in lean["$defs"]["Casualty"] and "side" in lean["$defs"]["Casualty"]["required"]
    assert set(lean["$defs"]["DateRef"]["properties"]) == {"text", "start", "end"}
    # Every section is there, diplomacy before the two smallest; no descriptions anywhere (the prompt has them).
    assert list(lean["properties"]) == list(MODEL_SECTION_ORDER) and set(MODEL_SECTION_ORDER) == set(SECTIONS)
    assert '"description": "' not in json.dumps(lean).replace('"description": {"type"', "")
    assert lean["title"] == "Sections"  # names the tool
    assert len(json.dumps(lean)) < 0.3 * len(json.dumps(full))
    # An answer in exactly the shown shape validates, with the parser's bounds and the inferred precision.
    answer = {"casualties": [{"evidence": ["At least 100 soldiers were killed in December"], "side": "troops",
                              "killed": "At least 100", "period": {"text": "in December", "start": "2024-12"}}],
              "aid": [{"evidence": ["pledged £225m ($286m)"], "donor": "A", "recipient": "B",
                       "amount": "£225m ($286m)", "kind": "military"}]}
    s = Sections.model_validate(answer)
    c = s.casualties[0]
    assert c.evidence[0].quote.startswith("At least 100") and c.killed is not None and c.killed.low == 100
    assert c.period is not None and c.period.precision == "month"
    assert s.aid[0].amount is not None and s.aid[0].amount.unit == "GBP" and s.aid[0].amount.equivalents
