"""Articles in other languages: figures read by the article's language, detection, and what is left unread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from oai_server import OAIServer

from summarizer.core.language import article_language, detect_language
from summarizer.core.locale_numbers import find_figures_in, parse_quantity_in, supported
from summarizer.core.numbers import find_figures, parse_quantity
from summarizer.ingestion.articles import article_from_text, load_articles
from summarizer.offline import extract_offline


def _brief(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process (an in-process run would leave the CLI's settings behind for other tests)."""
    return subprocess.run([sys.executable, "-m", "summarizer.cli", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


# (text, language, figure text, low, high, qualifier, currency)
LOCALE_CASES = [
    ("rund 11.000", "de", "rund 11.000", 9900, 12100, "about", None),
    ("11.000", "de", "11.000", 11000, 11000, "exact", None),
    ("1,4 Milliarden Euro", "de", "1,4 Milliarden Euro", 1_400_000_000, 1_400_000_000, "exact", "EUR"),
    ("mindestens 40", "de", "mindestens 40", 40, None, "at_least", None),
    ("plus de 3 000", "fr", "plus de 3 000", 3000, None, "more_than", None),
    ("plus de 3\u202f000 morts", "fr", "plus de 3\u202f000", 3000, None, "more_than", None),
    ("más de 1.000", "es", "más de 1.000", 1000, None, "more_than", None),
    ("unas 1.200 personas", "es", "unas 1.200", 1080, 1320, "about", None),
    ("4,7 millions d'euros", "fr", "4,7 millions d'euros", 4_700_000, 4_700_000, "exact", "EUR"),
    ("almeno 42 persone", "it", "almeno 42", 42, None, "at_least", None),
    ("mais de 3.500 mortos", "pt", "mais de 3.500", 3500, None, "more_than", None),
]


@pytest.mark.parametrize(("text", "lang", "phrase", "low", "high", "qualifier", "currency"), LOCALE_CASES)
def test_figures_read_in_the_articles_language(text: str, lang: str, phrase: str, low: float, high: float | None,
                                              qualifier: str, currency: str | None) -> None:
    f = parse_quantity_in(text, lang)
    assert f is not None
    assert (f.text, f.low, f.high, f.qualifier, f.currency) == (phrase, low, high, qualifier, currency)


@pytest.mark.parametrize("text", ["rund 11.000", "1,4 Milliarden Euro", "plus de 3 000", "más de 1.000",
                                  "11.000.000 Menschen", "plus de 3\u202f000"])
def test_english_parser_never_misreads_other_languages_digits(text: str) -> None:
    # English reads none of these: leaving them out is right, "11" or "1" or "3" would be wrong
    assert parse_quantity(text) is None
    assert find_figures(text) == []


def test_english_figures_unchanged() -> None:
    assert [(f.text, f.low) for f in find_figures("about 1,000 troops and $1.125 billion, 2.5 million")] == [
        ("about 1,000", 900), ("$1.125 billion", 1_125_000_000), ("2.5 million", 2_500_000)]
    assert find_figures_in("nearly 1,000 wounded", "en") == find_figures("nearly 1,000 wounded")
    assert find_figures_in("nearly 1,000 wounded", None) == find_figures("nearly 1,000 wounded")


def test_dates_times_and_years_are_not_figures() -> None:
    de = find_figures_in("Am 7. Oktober 2023 um 14:05 Uhr wurden 1.200 Menschen getötet.", "de")
    assert [(f.text, f.year_like) for f in de] == [("2023", True), ("1.200", False)]
    es = find_figures_in("El 7 de octubre murieron unas 1.200 personas.", "es")
    assert [f.text for f in es] == ["unas 1.200"]
    assert [f.percent for f in find_figures_in("12 Prozent", "de")] == [True]


def test_unknown_language_reads_no_figures() -> None:
    assert not supported("fi")
    assert find_figures_in("yli 1.000 ihmistä", "fi") == []  # never read with another language's rules
    assert supported("de") and supported("en") and supported(None) and supported("pt-BR")


def test_language_detection() -> None:
    assert detect_language("Nach Angaben des Gesundheitsministeriums wurden rund 11.000 Menschen getötet.") == "de"
    assert detect_language("Le ministère a indiqué que plus de 3 000 personnes avaient été tuées.") == "fr"
    assert detect_language("The ministry said more than 3,000 people had been killed in the fighting.") == "en"
    assert detect_language("12 345") is None  # no words: not sure


def test_front_matter_language_wins(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text("---\ntitle: T\nlanguage: DE\n---\nThe ministry said 40 people were killed.\n", encoding="utf-8")
    (art,) = load_articles([f]).articles
    assert art.language == "de" and article_language(art) == "de"
    plain = article_from_text("Le ministère a indiqué que plus de 3 000 personnes avaient été tuées hier soir.")
    assert plain.language is None and article_language(plain) == "fr"


def test_offline_extractor_leaves_other_languages_unread() -> None:
    # English patterns never read a German article, whose "11.000" an English reader would take for 11
    art = article_from_text("Nach Angaben des Ministeriums wurden rund 11.000 nordkoreanische Soldaten getötet. "
                            "Russland hat 40 Panzer an die Ukraine geliefert, sagte das Ministerium am Montag.")
    ex = extract_offline(art)
    assert not ex.casualties and not ex.deployments and not ex.arms_transfers and not ex.aid and not ex.diplomacy


def test_briefing_says_which_articles_were_not_understood(tmp_path: Path) -> None:
    (tmp_path / "en.md").write_text(
        "---\ntitle: Strike\nlanguage: en\n---\nThe health ministry said 35 Palestinians were killed on Monday.\n",
        encoding="utf-8")
    (tmp_path / "de.md").write_text(
        "---\ntitle: Angriff\nlanguage: de\n---\nDas Ministerium sagte, rund 11.000 Menschen seien getötet worden.\n",
        encoding="utf-8")
    (tmp_path / "odd.md").write_text(
        "---\ntitle: Odd\nlanguage: en\n---\nThe tally of the quarrel reached 900 by the evening, the clerk noted.\n",
        encoding="utf-8")
    (tmp_path / "none.md").write_text("---\ntitle: Calm\n---\nNothing happened in the town today at all.\n",
                                      encoding="utf-8")
    out = tmp_path / "b.md"
    res = _brief([str(tmp_path / n) for n in ("en.md", "de.md", "odd.md", "none.md")]
                 + ["-o", str(out), "--offline", "-q"])
    assert res.returncode == 0, res.stderr
    md = out.read_text(encoding="utf-8")
    assert "No items recognised in 2 of 4 articles" in md
    assert "de.md (written in de, and the offline extractor reads English only)" in md
    assert "odd.md (figures in sentences the offline extractor's patterns do not recognise)" in md
    assert "none.md" not in md.split("## Sources")[0]  # no figures: nothing was missed there
    assert "--model" in md
    assert "None reported." not in md  # not true of the two articles that were not read
    assert "None found in the 2 articles read; 2 not understood" in md
    assert "Palestinians" in md


GERMAN = ("---\ntitle: Angriff auf Charkiw\nlanguage: de\npublished: 2025-03-04\n---\n"
          "Bei dem Angriff wurden nach Angaben des Gesundheitsministeriums rund 11.000 Menschen verletzt, "
          "sagte Minister Petro Kowal am Montag.\n\n"
          "Deutschland sagte der Ukraine weitere Militärhilfe im Wert von 1,4 Milliarden Euro zu.\n")


def german_answer(body: dict[str, Any]) -> dict[str, Any]:
    """Synthetic model answer: English items whose quotes and figure texts stay in the article's German."""
    return {"sections": {
        "casualties": [{"side": "civilians", "wounded": {"text": "rund 11.000"}, "claimant": "Health ministry",
                        "evidence": [{"quote": "Bei dem Angriff wurden nach Angaben des Gesundheitsministeriums "
                                               "rund 11.000 Menschen verletzt"}]}],
        "aid": [{"donor": "Germany", "recipient": "Ukraine", "kind": "military",
                 "amount": {"text": "1,4 Milliarden Euro"},
                 "evidence": [{"quote": "Deutschland sagte der Ukraine weitere Militärhilfe im Wert von "
                                        "1,4 Milliarden Euro zu."}]}],
    }}


def test_model_items_from_a_german_article_keep_german_quotes(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.respond_with(german_answer)
    (tmp_path / "de.md").write_text(GERMAN, encoding="utf-8")
    out = tmp_path / "b.json"
    res = _brief([str(tmp_path / "de.md"), "--base-url", oai_server.base_url, "--model", "m",
                  "--cache-dir", str(tmp_path / "cache"), "-o", str(out), "-q", "--format", "json"],
                 env={"OPENAI_API_KEY": "sk-test"})
    assert res.returncode == 0, res.stderr
    b = json.loads(out.read_text(encoding="utf-8"))
    (cas,) = b["casualties"]
    assert (cas["wounded"]["low"], cas["wounded"]["high"], cas["wounded"]["qualifier"]) == (9900, 12100, "about")
    assert "Gesundheitsministeriums" in cas["evidence"][0]["quote"]
    (aid,) = b["aid"]
    assert (aid["amount"]["low"], aid["amount"]["unit"]) == (1_400_000_000, "EUR")
    assert b["run"]["rejected"] == [] and b["run"]["unread"] == []
