"""Article loading: seeds, cleaning, metadata, formats and every kind of bad input."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from summarizer.core.errors import ArticleError, ConfigError
from summarizer.ingestion.articles import (
    article_from_text,
    clean_text,
    load_articles,
    load_rules,
    parse_byline,
    parse_published,
    split_related,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "articles"

SEED_TITLES = [
    "'At least 100 North Koreans killed' in Russia war",
    "South Korea reports North Korean troops' losses in Russia's war against Ukraine",
    "Over 1,000 North Korean casualties in Ukraine warfare, Seoul says",
    "Ukraine-Russia war latest: North Korea suffering ‘significant losses’ amid claims they shot Putin’s own men",
    "600 North Korean soldiers killed fighting for Russia against Ukraine: Seoul",
]
BOILERPLATE = [
    "Stay tuned with 24 News HD Android App",
    "Tired of too many ads? go ad free now",
    "To view this video please enable JavaScript",
    "Try Our AI Features",
    "Explore what Daily8 AI can do for you:",
    "Orange background",
    "Related Articles",
    "No comments yet...",
    "Download the App",
    "DOWNLOAD THE APP",
    "app-storeplay-store",
    "time33 minutes ago",
]
STORY_LINES = [
    "At least 100 North Koreans deployed to support Russia's war effort",
    "IMF pays out $1.1 billion to Ukraine",
    "Britain on Thursday unveiled a package of £225 million ($286 million) in new military aid",
    "“There was a report that there have been at least 100 deaths and the injured are approaching 1,000,” he said.",
    "His comments support claims by Ukraine’s military spy agency that at least 30 North Korean soldiers",
    "are estimated at around 4,700, including approximately 600 deaths.",
    "Evidence of North Korean troops in Russia emerges",
    "kb/rm (AFP, Reuters)",
]


@pytest.fixture(scope="module")
def seeds():
    result = load_articles([SEEDS])
    assert result.errors == []
    return result.articles


@pytest.fixture(scope="module")
def seed_004(seeds):
    return next(a for a in seeds if a.path and a.path.endswith("004_e768fbc29f10ce67.txt"))


def write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# ------------------------------------------------------------------ seeds


def test_seeds_load_five_articles_with_exact_titles(seeds):
    assert [a.title for a in seeds] == SEED_TITLES
    assert [Path(a.path).name for a in seeds] == sorted(p.name for p in SEEDS.iterdir())


def test_seed_boilerplate_is_gone(seeds):
    for article in seeds:
        for line in BOILERPLATE:
            assert line.lower() not in article.text.lower(), (article.path, line)


def test_seed_story_lines_are_kept(seeds):
    everything = "\n".join(a.text for a in seeds)
    for line in STORY_LINES:
        assert line in everything, line


def test_dropped_lines_are_recorded(seeds, seed_004):
    by_name = {Path(a.path).name[:3]: a for a in seeds}
    assert by_name["000"].dropped_lines == ["Stay tuned with 24 News HD Android App"]
    assert by_name["001"].dropped_lines == []
    assert by_name["002"].dropped_lines == [
        "To view this video please enable JavaScript, and consider upgrading to a web browser that supports HTML5 video"
    ]
    dropped = seed_004.dropped_lines
    assert dropped[:2] == ["logo", "Tired of too many ads? go ad free now"]
    for line in ["Orange background", "Try Our AI Features", "Comments", "No comments yet...", "Related Articles",
                 "Time of India30-04-2025", "DOWNLOAD THE APP", "Get Started Now: Download the App", "NDTV",
                 "Russia Says Expect Ukraine To Discuss Ceasefire Conditions In Istanbul"]:
        assert line in dropped, line
    assert dropped.count("Tired of too many ads? go ad free now") == 2
    assert dropped.count("600 North Korean soldiers killed fighting for Russia against Ukraine: Seoul") == 1
    assert len(dropped) == 36


def test_seed_004_outlet_date_and_title_once(seed_004):
    assert seed_004.outlet == "Time of India"
    assert seed_004.published == date(2025, 4, 30)
    assert seed_004.text.count(seed_004.title) == 1
    assert seed_004.text.startswith(seed_004.title + "\n\nAround 600 North Korean soldiers deployed")
    assert seed_004.text.endswith("raising alarm in Seoul, Washington, and allied capitals.")
    assert "Time of India" not in seed_004.text
    assert "Pantsir" not in seed_004.text  # the related stories are not part of this article


def test_other_seeds_have_no_invented_metadata(seeds):
    for a in seeds[:4]:
        assert a.outlet is None and a.published is None and a.url is None


def test_ids_are_content_hashes_and_deterministic(seeds):
    again = load_articles([SEEDS]).articles
    assert [a.id for a in again] == [a.id for a in seeds]
    for a in seeds:
        digest = hashlib.sha256(a.text.encode("utf-8")).hexdigest()
        assert a.content_hash == digest
        assert a.id == digest[:16]
    assert len({a.id for a in seeds}) == 5


def test_text_is_kept_exactly(seeds):
    """Only trailing whitespace and line endings change; lines are not reflowed."""
    raw_002 = (SEEDS / "002_d5b554a282af7b66.txt").read_text(encoding="utf-8")
    a002 = seeds[2]
    assert a002.text.startswith("Over 1,000 North Korean casualties in Ukraine warfare, Seoul says\n\nSouth Korea‘s")
    assert "Ukraine received $1.1\u00a0billion (€1 billion)" in a002.text
    kept = [ln.rstrip() for ln in raw_002.splitlines() if not ln.startswith("To view this video")]
    expected = "\n".join(kept).strip("\n").replace("emerges\n\n\nIMF", "emerges\n\nIMF")  # one blank line left
    assert a002.text == expected
    a001 = seeds[1]
    assert a001.text == (SEEDS / "001_d228352cad494497.txt").read_text(encoding="utf-8").rstrip("\n")


def test_unicode_quotes_preserved(seeds):
    assert "“Through various sources of information and intelligence," in seeds[2].text
    assert "North Korea suffering ‘significant losses’ amid claims they shot Putin’s own men" in seeds[3].text
    assert "signed a \"comprehensive strategic partnership” agreement" in seeds[1].text


def test_related_split_yields_the_three_related_stories():
    result = load_articles([SEEDS], related="split")
    assert result.errors == []
    assert len(result.articles) == 8
    related = result.articles[5:]
    assert [(a.title, a.outlet, a.published) for a in related] == [
        ("North Korea's arsenal fuels Russia's war: Secret arms, troop deployments, and sanctions defied",
         "Time of India", None),
        ("Russia Defies UN Sanctions To Arm North Korea With High-Speed Pantsir Defence System: Report",
         "News18", None),
        ("Russia Says Expect Ukraine To Discuss Ceasefire Conditions In Istanbul", "NDTV", None),
    ]
    assert [a.path.rsplit("#", 1)[1] for a in related] == ["related-1", "related-2", "related-3"]
    arsenal, pantsir, istanbul = related
    assert "over 20,000 shipping containers of munitions and up to nine million rounds" in arsenal.text
    assert "Live Events" not in arsenal.text
    assert "more than 90 lakh artillery shells, hundreds of tactical missiles" in pantsir.text
    assert pantsir.text.startswith(pantsir.title + "\n\nRussia's overt flouting of the arms embargo")
    assert "Download the News18 App" not in pantsir.text and "Last Updated" not in pantsir.text
    assert istanbul.text.endswith("between Russian-backed separatists and Ukrainian troops.")
    assert "DOWNLOAD THE APP" not in istanbul.text and "Ready to dive" not in istanbul.text
    # The main 004 article is the same in both modes.
    assert result.articles[4] == load_articles([SEEDS]).articles[4]


def test_split_related_without_structure_emits_nothing():
    assert split_related(["Some headline", "", "Some body text that is not a story block."]) == []


def test_loading_seeds_is_fast():
    code = (
        "import time, sys; t = time.perf_counter(); from summarizer.ingestion.articles import load_articles; "
        f"r = load_articles([{str(SEEDS)!r}]); assert len(r.articles) == 5; "
        "print(time.perf_counter() - t); print('trafilatura' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, imported = out.stdout.split()
    assert float(seconds) < 1.0
    assert imported == "False"


# ------------------------------------------------------------------ other formats


def test_markdown_front_matter():
    [a] = load_articles([FIXTURES / "front_matter.md"]).articles
    assert a.title == "UK to supply £225m in military equipment to Ukraine"
    assert a.url == "https://example.org/uk-aid"
    assert a.outlet == "Example Wire"
    assert a.published == date(2024, 12, 19)
    assert a.text.startswith("Britain on Thursday unveiled a package of £225 million ($286 million)")
    assert "---" not in a.text and "source:" not in a.text


def test_markdown_without_front_matter_takes_heading_as_title(tmp_path):
    p = write(tmp_path / "a.md", "# Kyiv says 30 killed\n\nAt least 30 North Korean soldiers were killed.\n")
    [a] = load_articles([p]).articles
    assert a.title == "Kyiv says 30 killed"
    assert a.text == "# Kyiv says 30 killed\n\nAt least 30 North Korean soldiers were killed."


def test_markdown_bad_front_matter_is_one_error(tmp_path):
    p = write(tmp_path / "bad.md", "---\ntitle: [unclosed\n---\nBody text.\n")
    q = write(tmp_path / "bad_date.md", "---\ntitle: T\npublished: last Tuesday\n---\nBody text.\n")
    result = load_articles([p, q])
    assert result.articles == []
    assert [e.path for e in result.errors] == [str(p), str(q)]
    assert "front matter is not valid YAML" in result.errors[0].reason
    assert "'last Tuesday' is not a date: write it as YYYY-MM-DD" in result.errors[1].reason


def test_html_main_text_and_metadata():
    [a] = load_articles([FIXTURES / "page.html"]).articles
    assert a.title == "Seoul says 600 North Korean soldiers killed"
    assert a.outlet == "Example Herald"
    assert a.published == date(2025, 4, 30)
    assert "estimated at around 4,700, including approximately 600 deaths" in a.text
    assert "“So far," in a.text
    assert "Stay tuned" not in a.text and a.dropped_lines == ["Stay tuned with 24 News HD Android App"]
    assert "Home" not in a.text and "Copyright" not in a.text


def test_html_without_date_gets_none(tmp_path):
    body = "".join(f"<p>Paragraph {w} about the war in Ukraine, with enough words to count as text.</p>"
                   for w in ("one", "two", "three", "four"))
    p = write(tmp_path / "x.htm", f"<html><head><title>A headline</title></head><body><article>{body}"
                                  "</article></body></html>")
    [a] = load_articles([p]).articles
    assert a.title == "A headline"
    assert a.published is None and a.outlet is None


def test_html_without_text_is_an_error(tmp_path):
    html = "<html><head><title>x</title></head><body><script>var x = 1;</script></body></html>"
    p = write(tmp_path / "empty.html", html)
    result = load_articles([p])
    assert result.articles == []
    assert "no article text found in the HTML" in result.errors[0].reason


def test_json_list_with_one_bad_record():
    result = load_articles([FIXTURES / "records.json"])
    [a] = result.articles
    assert a.title == "IMF pays out $1.1 billion to Ukraine"
    assert (a.url, a.outlet, a.published) == ("https://example.org/imf", "Example Wire", date(2024, 12, 23))
    assert a.path == f"{FIXTURES / 'records.json'}[0]"
    [err] = result.errors
    assert err.path == f"{FIXTURES / 'records.json'}[1]"
    assert "has no 'text' field" in err.reason


def test_json_single_object(tmp_path):
    p = write(tmp_path / "one.json", '{"text": "Headline here\\nAt least 100 were killed.", "source": "Wire"}')
    [a] = load_articles([p]).articles
    assert (a.title, a.outlet, a.path) == ("Headline here", "Wire", str(p))


def test_jsonl_broken_line_names_file_and_line():
    result = load_articles([FIXTURES / "records.jsonl"])
    assert [a.title for a in result.articles] == [
        "Kyiv says at least 30 North Korean soldiers killed or wounded",
        "Ukraine estimates 11,000 North Koreans",
    ]
    assert result.articles[0].published == date(2024, 12, 16)
    assert result.articles[1].path == f"{FIXTURES / 'records.jsonl'}:3"
    [err] = result.errors
    assert err.path == f"{FIXTURES / 'records.jsonl'}:2"
    assert err.reason.startswith("line is not valid JSON")
    assert str(err).startswith(f"{FIXTURES / 'records.jsonl'}:2: ")


def test_invalid_json_file(tmp_path):
    p = write(tmp_path / "bad.json", '{"text": "x",')
    [err] = load_articles([p]).errors
    assert "is not valid JSON (line 1" in err.reason


# ------------------------------------------------------------------ bad input


def test_every_bad_input_is_one_error_and_the_rest_loads(tmp_path):
    good = write(tmp_path / "good.txt", "Headline\nAt least 100 North Koreans were killed.\n")
    empty = write(tmp_path / "empty.txt", "")
    blank = write(tmp_path / "blank.txt", "  \n\n\t\n")
    binary = write(tmp_path / "binary.txt", b"PK\x03\x04\x00\x00binary\x00data")
    latin1 = write(tmp_path / "latin1.txt", "Caf\u00e9 attack kills 3\n".encode("latin-1"))
    utf16 = write(tmp_path / "utf16.txt", "Headline\nBody\n".encode("utf-16"))
    unknown = write(tmp_path / "report.pdf", b"%PDF-1.4")
    noext = write(tmp_path / "README", "Headline\nBody\n")
    big = write(tmp_path / "big.txt", "Headline\n" + "x" * 2_000)
    only_boiler = write(tmp_path / "furniture.txt", "logo\nTry Our AI Features\n")
    missing = tmp_path / "missing.txt"
    loop = tmp_path / "loop.txt"
    os.symlink(loop, loop)
    broken = tmp_path / "broken.txt"
    os.symlink(tmp_path / "nowhere.txt", broken)
    inputs = [good, empty, blank, binary, latin1, utf16, unknown, noext, big, only_boiler, missing, loop, broken]
    result = load_articles(inputs, max_bytes=1_000)
    assert [a.path for a in result.articles] == [str(good)]
    reasons = {Path(e.path).name: e.reason for e in result.errors}
    assert len(result.errors) == len(inputs) - 1 == len(reasons)
    assert reasons["empty.txt"].startswith("is empty")
    assert reasons["blank.txt"].startswith("is empty")
    assert reasons["binary.txt"].startswith("is a binary file (it contains NUL bytes)")
    assert reasons["latin1.txt"].startswith("is not valid UTF-8 (byte 0xe9 at offset 3): re-save it as UTF-8")
    assert reasons["utf16.txt"].startswith("is UTF-16 text: re-save it as UTF-8")
    assert reasons["report.pdf"].startswith("unsupported file type '.pdf': use .txt, .md, .html, .htm, .json or .jsonl")
    assert reasons["README"].startswith("unsupported file type (no extension)")
    assert reasons["big.txt"] == (
        "is 2,009 bytes, over the 1,000-byte limit: split it, or raise max_bytes if it is one article"
    )
    assert reasons["furniture.txt"].startswith("has no story text (2 boilerplate lines removed)")
    assert reasons["missing.txt"] == "does not exist: check the path"
    assert reasons["loop.txt"].startswith("is a symlink loop")
    assert reasons["broken.txt"].startswith("is a broken symlink")


def test_folder_with_bad_files_and_symlinked_folder_loop(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    write(folder / "b.txt", "B headline\nSecond story body.\n")
    write(folder / "sub" / "a.txt", "A headline\nFirst story body.\n")
    write(folder / "c.bin", b"\x00\x01")
    write(folder / ".hidden.txt", "ignored\n")
    os.symlink(folder, folder / "sub" / "back")
    first = load_articles([folder])
    assert [a.title for a in first.articles] == ["B headline", "A headline"]
    assert [(Path(e.path).name, e.reason.split(" (")[0]) for e in first.errors] == [
        ("c.bin", "unsupported file type '.bin': use .txt, .md, .html, .htm, .json or .jsonl"),
        ("back", "is a symlink loop"),
    ]
    second = load_articles([folder])
    assert [a.id for a in second.articles] == [a.id for a in first.articles]


def test_same_file_twice_loads_once_and_same_text_twice_is_reported(tmp_path):
    a = write(tmp_path / "a.txt", "Headline\nBody.\n")
    b = write(tmp_path / "b.txt", "Headline\r\nBody.   \r\n")
    result = load_articles([a, a, tmp_path])
    assert [x.path for x in result.articles] == [str(a)]
    assert result.errors == []  # a duplicate is a note, not a failure
    [err] = result.duplicates
    assert err.path == str(b) and err.reason == f"has the same text as {a}: skipped so it is not counted twice"


def test_options_are_checked():
    with pytest.raises(ConfigError, match="use 'drop' or 'split'"):
        load_articles([SEEDS], related="keep")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="positive"):
        load_articles([SEEDS], max_bytes=0)


# ------------------------------------------------------------------ article_from_text and helpers


def test_article_from_text_cleans_and_keeps_metadata():
    a = article_from_text(
        "Headline\r\nStay tuned with 24 News HD Android App\r\nAt least 100 were killed, “Lee” said.  \r\n",
        path="x.txt",
        outlet="Wire",
        published=date(2024, 12, 19),
    )
    assert a.title == "Headline"
    assert a.text == "Headline\nAt least 100 were killed, “Lee” said."
    assert (a.outlet, a.published, a.path) == ("Wire", date(2024, 12, 19), "x.txt")
    assert a.dropped_lines == ["Stay tuned with 24 News HD Android App"]
    assert a.id == hashlib.sha256(a.text.encode()).hexdigest()[:16]


def test_article_from_text_empty_raises_article_error():
    with pytest.raises(ArticleError, match="has no story text"):
        article_from_text("\n\n logo \n")


def test_header_dates_are_found_only_when_explicit():
    c = clean_text("Headline\nPublished: 30 April 2025, 10:45 IST\nBody text about the war.\n")
    assert (c.published, c.outlet) == (date(2025, 4, 30), None)
    assert c.text == "Headline\nBody text about the war."
    c = clean_text("Headline\nReuters | 2024-12-19\nBody.\n")
    assert (c.published, c.outlet) == (date(2024, 12, 19), "Reuters")
    c = clean_text("Headline\nOn 30 April 2025 the ministry said at least 600 soldiers had been killed in Kursk.\n")
    assert c.published is None  # a story sentence, not a byline
    c = clean_text("Headline\nIn February 2022 Russia invaded.\n")
    assert c.published is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Time of India30-04-2025", (date(2025, 4, 30), "Time of India")),
        ("Reuters | 2024-12-19", (date(2024, 12, 19), "Reuters")),
        ("Kyiv, 19 December 2024", (date(2024, 12, 19), None)),
        ("By Jane Doe, 30 April 2025", (date(2025, 4, 30), None)),
        ("Updated 2025-04-30 10:45", (date(2025, 4, 30), None)),
        ("At least 600 killed on 30-04-2025 in Kursk region, Seoul said", None),
        ("Time of India", None),
        ("31-02-2025", None),
    ],
)
def test_byline_lines(line, expected):
    assert parse_byline(line) == expected


def test_line_that_is_only_an_inline_phrase_is_removed():
    c = clean_text("Headline\n\nLive Events\n\nBody. Live Events More body.\n")
    assert c.text == "Headline\n\nBody. More body."
    assert c.dropped == ["Live Events", "Live Events"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-04-30", date(2025, 4, 30)),
        ("2025-04-30T09:15:00Z", date(2025, 4, 30)),
        ("30-04-2025", date(2025, 4, 30)),
        ("30 April 2025", date(2025, 4, 30)),
        ("April 30, 2025", date(2025, 4, 30)),
        (date(2024, 12, 19), date(2024, 12, 19)),
        (None, None),
        ("", None),
    ],
)
def test_parse_published(value, expected):
    assert parse_published(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "31-02-2025", 12])
def test_parse_published_rejects_non_dates(value):
    with pytest.raises(ValueError, match="is not a date"):
        parse_published(value)


def test_rules_file_errors_name_the_line(tmp_path):
    bad = write(tmp_path / "rules.txt", "# comment\nline: logo\nwhatever: x\n")
    with pytest.raises(ConfigError, match=r"rules.txt:3: expected 'line\|block\|related\|inline: pattern'"):
        load_rules(bad)
    bad_re = write(tmp_path / "rules2.txt", "line: (unclosed\n")
    with pytest.raises(ConfigError, match=r"rules2.txt:1: '\(unclosed' is not a valid regular expression"):
        load_rules(bad_re)
    rules = load_rules(write(tmp_path / "ok.txt", "line: logo\nblock: comments\ninline: Live Events\n"))
    assert rules.line.fullmatch("LOGO") and rules.block.fullmatch("Comments")
    assert not rules.related.fullmatch("Related Articles")
