"""Canonical names: aliases file, normalisation, fuzzy person names (no model involved)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.reading.entities import AliasError, Canonicalizer, display, key, same_person


@pytest.fixture
def canon(monkeypatch: pytest.MonkeyPatch) -> Canonicalizer:
    monkeypatch.delenv("BRIEF_ALIASES", raising=False)
    return Canonicalizer()


def test_key_drops_case_possessives_punctuation_and_titles() -> None:
    assert key("South Korea’s National Intelligence Service (NIS)") == "south korea national intelligence service"
    assert key("South Korean lawmaker Lee Sung-kwon") == "lee sung kwon"
    assert key("MP Lee Seong-kweun") == "lee seong kweun"
    assert key("the U.S.") == "us"
    assert key("Head of the Center for Countering Disinformation") == "head of the center for countering disinformation"


def test_display_keeps_spelling_without_titles() -> None:
    assert display("South Korean MP Lee Seong-kweun") == "Lee Seong-kweun"
    assert display("national security communications adviser John Kirby") == (
        "national security communications adviser John Kirby"
    )
    assert display("NIS") == "NIS"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NIS", "South Korea's National Intelligence Service"),
        ("National Intelligence Service", "South Korea's National Intelligence Service"),
        ("South Korea's intelligence agency", "South Korea's National Intelligence Service"),
        ("South Korea’s spy agency", "South Korea's National Intelligence Service"),
        ("HUR", "Ukraine's military intelligence agency (HUR)"),
        ("Ukraine's military spy agency", "Ukraine's military intelligence agency (HUR)"),
        ("Ukraine's HUR military spy agency", "Ukraine's military intelligence agency (HUR)"),
        ("Joint Chiefs of Staff", "South Korea's Joint Chiefs of Staff (JCS)"),
        ("Seoul's Joint Chiefs of Staff (JCS)", "South Korea's Joint Chiefs of Staff (JCS)"),
        ("South Korea's military leadership", "South Korea's Joint Chiefs of Staff (JCS)"),
        ("Russia's Kursk region", "Kursk"),
        ("the Kursk region", "Kursk"),
        ("Pyongyang", "North Korea"),
    ],
)
def test_aliases(canon: Canonicalizer, name: str, expected: str) -> None:
    assert canon.canonical(name) == expected


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        ("North Korean troops", "North Korean forces"),
        ("North Korean soldiers", "North Korean forces"),
        ("North Korean army", "North Korean forces"),
        ("North Korean units", "North Korean forces"),
        ("North Koreans", "North Korean forces"),
        ("Russian soldiers", "Russian forces"),
        ("Chechen Akhmat unit soldiers", "Chechen Akhmat unit forces"),
        ("civilians", "civilians"),
    ],
)
def test_sides(canon: Canonicalizer, side: str, expected: str) -> None:
    assert canon.side(side) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Lee Sung-kwon", "Lee Seong-kweun", True),
        ("South Korean lawmaker Lee Sung-kwon", "MP Lee Seong-kweun", True),
        ("Lee Seongkweun", "Lee Seong-kweun", False),  # syllable count differs: not guessed
        ("Lee Sung-kwon", "Lee Jae-myung", False),
        ("Lee Jae-myung", "Lee Jae-yong", False),
        ("Lee Sung-kwon", "Lee Sang-kwon", False),
        ("Kim Jong Un", "Kim Jong-un", True),
        ("Kim Jong Un", "Kim Jong Il", False),
        ("Volodymyr Zelensky", "Volodymyr Zelenskyy", True),
        ("Lee", "Lee Sung-kwon", False),
    ],
)
def test_same_person(a: str, b: str, same: bool) -> None:
    assert same_person(a, b) is same
    assert same_person(b, a) is same


def test_resolve_keeps_people_apart_and_is_order_independent(canon: Canonicalizer) -> None:
    names = ["Lee Sung-kwon", "South Korean MP Lee Seong-kweun", "Lee Jae-myung", "NIS", "Zelenskyy", "Lee"]
    got = canon.resolve(names)
    assert got == {
        "Lee Sung-kwon": "Lee Seong-kweun",
        "South Korean MP Lee Seong-kweun": "Lee Seong-kweun",
        "Lee Jae-myung": "Lee Jae-myung",
        "NIS": "South Korea's National Intelligence Service",
        "Zelenskyy": "Volodymyr Zelensky",
        "Lee": "Lee",  # two people called Lee in the set: a lone surname stays unresolved
    }
    assert canon.resolve(reversed(names)) == got
    # With one Lee in the set, "said Lee" is that Lee.
    assert canon.resolve(["Lee", "Lee Sung-kwon", "Lee Seong-kweun"])["Lee"] == "Lee Seong-kweun"


def test_generic_conduits(canon: Canonicalizer) -> None:
    assert canon.is_generic("MPs") and canon.is_generic("reporters")
    assert not canon.is_generic("Lee Sung-kwon")


def test_user_aliases_file_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "more.json"
    extra.write_text(json.dumps({"Ukraine's military intelligence agency (HUR)": ["Budanov's agency"],
                                 "Kyrylo Budanov": ["Budanov"]}))
    monkeypatch.delenv("BRIEF_ALIASES", raising=False)
    assert Canonicalizer().canonical("Budanov's agency") == "Budanov's agency"
    assert Canonicalizer(extra).canonical("Budanov's agency") == "Ukraine's military intelligence agency (HUR)"
    monkeypatch.setenv("BRIEF_ALIASES", str(extra))
    assert Canonicalizer().canonical("Budanov") == "Budanov"  # the library reads no environment variable...
    assert Canonicalizer(use_env=True).canonical("Budanov") == "Kyrylo Budanov"  # ...unless asked to
    assert Canonicalizer(use_env=True).canonical("NIS") == "South Korea's National Intelligence Service"  # bundled
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"Kyrylo Budanov": ["Budanov", "the spy chief"]}))
    both = Canonicalizer([extra, other, extra])  # several files; the same file twice is read once
    assert both.canonical("the spy chief") == "Kyrylo Budanov"
    assert both.canonical("Budanov's agency") == "Ukraine's military intelligence agency (HUR)"


def test_bad_alias_files(tmp_path: Path) -> None:
    with pytest.raises(AliasError, match="does not exist"):
        Canonicalizer(tmp_path / "missing.json", use_env=False)
    bad = tmp_path / "bad.json"
    bad.write_text('{"X": "not a list"}')
    with pytest.raises(AliasError, match="must be a list of strings"):
        Canonicalizer(bad, use_env=False)
    bad.write_text("{oops")
    with pytest.raises(AliasError, match="not readable JSON"):
        Canonicalizer(bad, use_env=False)
