"""The gazetteer behind the offline extractor: any country, body or armed group, none of them hard-coded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from summarizer.core.schema import ArticleExtraction
from summarizer.ingestion.articles import article_from_text
from summarizer.offline import extract_offline
from summarizer.reading.gazetteer import gazetteer, plural, translated_names
from summarizer.reading.patterns import side_name

PKG = Path(__file__).resolve().parent.parent / "summarizer"
# The seed story's actors: the extractor must find them through the gazetteer, never by name.
SEED_ACTORS = ["North Korea", "Pyongyang", "DPRK", "Kursk", "Putin", "Zelensk", "Kim Jong", "Syrsky", "Storm Corps",
               "National Intelligence Service", "Seoul", "Kyiv", "Kiev", "the North\\b", "Lee Sung", "Healey"]


def _extract(text: str) -> ArticleExtraction:
    return extract_offline(article_from_text(text, title="Test story"))


def _code_and_patterns() -> list[tuple[Path, str]]:
    """Every statement of the offline extractor's code and pattern data, comments and docstrings removed."""
    out = []
    paths = sorted([*(PKG / "offline").glob("*.py"), *(PKG / "reading").glob("*.py")])
    assert len(paths) >= 10, "the offline extractor's modules moved: point this test at them"
    for path in [*paths, PKG / "data" / "offline_patterns.yaml"]:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'"""[\s\S]*?"""', "", text)
        text = "\n".join(line.split("#")[0] if not line.lstrip().startswith(("r\"", "rf\"")) else line
                         for line in text.splitlines())
        out.append((path, text))
    return out


@pytest.mark.parametrize("actor", SEED_ACTORS)
def test_code_and_pattern_data_name_no_seed_actor(actor: str) -> None:
    for path, text in _code_and_patterns():
        assert not re.search(actor, text), f"{path.name} names {actor!r}: put it in the gazetteer data instead"


def test_pattern_file_has_no_country_list() -> None:
    raw = yaml.safe_load((PKG / "data" / "offline_patterns.yaml").read_text(encoding="utf-8"))
    assert "states" not in raw and "forces" not in raw  # states come from the gazetteer


def test_countries_demonyms_and_groups() -> None:
    g = gazetteer()
    assert g.alias["Sudan"] == "Sudan" and g.alias["Khartoum"] == "Sudan"
    assert g.alias["DRC"] == "Democratic Republic of the Congo"
    assert g.adjective["Rwandan"] == "Rwanda" and g.people["Palestinians"] == "Palestine"
    assert g.forces("Eritrea") == "Eritrean forces" and g.forces("United States") == "US forces"
    assert g.forces("Israel Defense Forces") == "Israeli forces"  # a state's own army is its forces
    assert g.forces("Houthis") == "Houthis" and g.alias["RSF"] == "Rapid Support Forces"
    assert g.aid_kind("International Monetary Fund") == "financial"
    assert g.adjective.get("Korean") is None  # names neither Korea
    assert plural("Ukrainian") == "Ukrainians" and plural("Sudanese") is None and plural("British") is None


def test_translated_country_names() -> None:
    assert translated_names("de")["Russland"] == "Russia"
    assert translated_names("fr")["Soudan"] == "Sudan"
    assert translated_names("es")["Israel"] == "Israel"
    assert translated_names("xx") == {}


@pytest.mark.parametrize(("phrase", "kind", "side"), [
    ("Rwandan troops", "noun", "Rwandan forces"),
    ("Eritrean soldiers", "noun", "Eritrean forces"),
    ("Houthi rebels", "noun", "Houthis"),
    ("RSF fighters", "noun", "Rapid Support Forces"),
    ("IDF soldiers", "noun", "Israeli forces"),
    ("Israeli", "adjective", "Israeli forces"),
    ("Palestinians", "noun", "Palestinians"),
    ("Sudanese and Chadian troops", "noun", "Chadian and Sudanese forces"),
    ("Korean soldiers", "noun", None),
    ("workers", "noun", None),
])
def test_side_names(phrase: str, kind: str, side: str | None) -> None:
    assert side_name(phrase, kind) == side


def test_other_stories_are_read() -> None:
    ex = _extract("U.N. experts said on Wednesday that some 4,000 Rwandan troops have been deployed in eastern "
                  "Congo.\n\nIran has supplied Russia with 200 Fath-360 missiles, the U.S. Treasury said.\n\n"
                  "Germany pledged €1.3 billion in military aid to Ukraine on Tuesday.\n\n"
                  "The health ministry said 35 Palestinians were killed in Gaza.")
    assert [(d.force, d.size.text if d.size else None, d.status) for d in ex.deployments] == [
        ("Rwandan forces", "some 4,000", "deployed")]
    assert [(a.supplier, a.recipient, [i.category for i in a.items]) for a in ex.arms_transfers] == [
        ("Iran", "Russia", ["missile"])]
    assert [(a.donor, a.recipient, a.amount.text if a.amount else None, a.kind) for a in ex.aid] == [
        ("Germany", "Ukraine", "€1.3 billion", "military")]
    assert [(c.side, c.killed.text if c.killed else None) for c in ex.casualties] == [("Palestinians", "35")]


def test_leader_introduced_with_nationality_stands_for_the_state() -> None:
    ex = _extract("Kenyan President William Ruto met officials on Monday.\n\n"
                  "On 3 March 2025, Ruto visited Doha and signed a security agreement with Qatar.")
    parties = {tuple(d.parties) for d in ex.diplomacy if d.event_type == "agreement_signed"}
    assert any("Kenya" in p and "Qatar" in p for p in parties), parties


def test_aid_table_rows_are_items_and_a_row_the_text_states_adds_its_quote() -> None:
    text = ("Since 2022 Norway has announced several humanitarian aid packages for Somalia, listed below.\n\n"
            "| Announced | Donor | Value | Main items |\n|---|---|---|---|\n"
            "| March 2022 | Norway | $40 million | food, water |\n"
            "| June 2023 | Norway | $40 million | shelter |\n"
            "| May 2024 | Sweden | $25 million | medicine |\n\n"
            "Sweden announced $25 million for Somalia in May.\n")
    ex = _extract(text)
    rows = {(a.donor, a.recipient, a.amount.text if a.amount else None, a.kind) for a in ex.aid}
    assert rows == {("Norway", "Somalia", "$40 million", "humanitarian"),
                    ("Sweden", "Somalia", "$25 million", "humanitarian")}
    norway = next(a for a in ex.aid if a.donor == "Norway")
    assert norway.claimant is None and norway.claimed is not None and norway.claimed.start == "2022-03"
    assert [e.quote for e in norway.evidence] == ["| March 2022 | Norway | $40 million | food, water |",
                                                 "| June 2023 | Norway | $40 million | shelter |"]
    sweden = next(a for a in ex.aid if a.donor == "Sweden")
    assert [e.quote for e in sweden.evidence] == ["Sweden announced $25 million for Somalia in May.",
                                                 "| May 2024 | Sweden | $25 million | medicine |"]


def test_a_table_without_donor_and_amount_columns_or_recipient_is_not_aid() -> None:
    no_recipient = ("The figures below come from several governments.\n\n| Donor | Value |\n|---|---|\n"
                    "| Norway | $40 million |\n")
    no_donor = ("Aid for Somalia since 2022.\n\n| Year | Value |\n|---|---|\n| 2022 | $40 million |\n")
    assert _extract(no_recipient).aid == [] and _extract(no_donor).aid == []


def test_a_second_object_of_a_casualty_verb_is_its_own_side() -> None:
    ex = _extract("The war has killed 2,000 Armenians and around 300 Azerbaijanis, officials said.")
    assert {(c.side, c.killed.text if c.killed else None) for c in ex.casualties} == {
        ("Armenians", "2,000"), ("Azerbaijanis", "around 300")}


def test_a_range_between_two_numbers_keeps_between() -> None:
    ex = _extract("Analysts estimate that Chad has between 1,000 and 1,500 of its soldiers in Niger, fighting "
                  "alongside the army.")
    assert [(d.force, d.size.text if d.size else None, d.status) for d in ex.deployments] == [
        ("Chadian forces", "between 1,000 and 1,500", "deployed")]
    assert ex.rejected == []


def test_a_weekday_is_no_claimant_or_conduit() -> None:
    ex = _extract("U.N. experts estimate that Chad has deployed 1,000 soldiers in Niger, according to a report "
                  "they released on Wednesday.")
    assert [(d.claimant, d.conduit) for d in ex.deployments] == [("U.N. experts", None)]


def test_listing_a_group_as_terrorists_is_a_sanction() -> None:
    ex = _extract("Canada has listed al-Shabaab as a terrorist organisation.")
    assert [(d.event_type, d.parties) for d in ex.diplomacy] == [("sanction", ["Canada", "al-Shabaab"])]


def test_a_table_row_and_the_text_in_other_words_are_one_item() -> None:
    text = ("Humanitarian aid packages for Somalia since 2022.\n\n| Announced | Donor | Value |\n|---|---|---|\n"
            "| May 2024 | Sweden | €25 million |\n| June 2024 | Sweden | $25 million |\n\n"
            "Sweden announced 25 million euros for Somalia in May.\n")
    amounts = sorted(a.amount.text for a in _extract(text).aid if a.amount)
    assert amounts == ["$25 million", "25 million euros"]  # the euro row joins the text's item; dollars do not


def test_it_announced_after_a_donors_aid_is_the_same_donors() -> None:
    ex = _extract("Since 2023 Japan has committed $90 million in humanitarian aid to Jordan. In March it announced "
                  "a $15 million package.")
    assert {(a.donor, a.recipient, a.amount.text if a.amount else None) for a in ex.aid} == {
        ("Japan", "Jordan", "$90 million"), ("Japan", "Jordan", "$15 million")}


def test_it_announced_without_a_donor_just_before_is_nothing() -> None:
    assert _extract("The talks went on for a week. In March it announced a $15 million humanitarian aid "
                    "package.").aid == []


def test_a_donor_speaking_in_the_recipients_capital() -> None:
    ex = _extract("Japanese Foreign Minister Taro Kono, in Amman on Monday, announced $15 million in new "
                  "humanitarian aid.")
    assert [(a.donor, a.recipient, a.amount.text if a.amount else None) for a in ex.aid] == [
        ("Japan", "Jordan", "$15 million")]


def test_a_speakers_own_losses_are_its_forces() -> None:
    ex = _extract("Chad's army said it had lost three soldiers in the clashes.")
    assert [(c.side, c.killed.text if c.killed else None) for c in ex.casualties] == [("Chadian forces", "three")]
    assert _extract("The company said it had lost three soldiers of fortune.").casualties == []
