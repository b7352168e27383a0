"""Rendering: golden Markdown/JSON/HTML from a synthetic briefing, determinism, escaping, no averages.

Regenerate the golden files after an intended change with:
    UPDATE_GOLDEN=1 python -m pytest tests/test_render.py -q
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from summarizer.core.resources import resource_dir
from summarizer.core.schema import Article, Briefing, RunInfo
from summarizer.rendering.render import render_html, render_json, render_markdown

FIXTURE = Path(__file__).parent / "fixtures" / "synthetic_briefing.json"
GOLDEN = Path(__file__).parent / "fixtures" / "golden"
SCRIPT = "<script>window.__pwned=1</script>"


def load_raw() -> dict[str, Any]:
    raw = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert raw["_synthetic"] is True
    return raw


def build(raw: dict[str, Any]) -> tuple[Briefing, list[Article]]:
    return Briefing.model_validate(raw["briefing"]), [Article.model_validate(a) for a in raw["articles"]]


def hostile_raw() -> dict[str, Any]:
    """The synthetic fixture with markup, pipes and newlines planted in every kind of untrusted text."""
    raw = copy.deepcopy(load_raw())
    b, arts = raw["briefing"], raw["articles"]
    b["title"] = f"# {SCRIPT} | `tick` [x](javascript:alert(1))"
    b["sources"][0]["title"] = f"Title {SCRIPT} | pipe"
    arts[0]["title"] = b["sources"][0]["title"]
    b["casualties"][1]["claimant"] = "Ministry | of\nDefence"
    b["estimates"][1]["claims"][0]["claimant"] = "Ministry | of\nDefence"
    planted = f'Officials said "{SCRIPT}" and <img src=x onerror="window.__pwned=1"> twice.\n'
    text = arts[2]["text"]
    arts[2]["text"] = text + planted
    quote = f'"{SCRIPT}" and <img src=x onerror="window.__pwned=1">'
    start = arts[2]["text"].index(quote)
    b["diplomacy"][0]["evidence"].append(
        {"quote": quote, "article_id": arts[2]["id"], "start": start, "end": start + len(quote), "alignment": "exact"}
    )
    b["run"]["rejected"][0]["reason"] = f"quote not found | {SCRIPT}\n# heading"
    return raw


RENDERERS: dict[str, Callable[[Briefing, list[Article]], str]] = {
    "synthetic_briefing.md": lambda b, a: render_markdown(b),
    "synthetic_briefing.verbose.md": lambda b, a: render_markdown(b, verbose=True),
    "synthetic_briefing.json": lambda b, a: render_json(b),
    "synthetic_briefing.html": render_html,
}


def test_fixture_offsets_match_the_article_text() -> None:
    b, arts = build(load_raw())
    texts = {a.id: a.text for a in arts}
    evidence = [ev for _, item in b.items() for ev in item.evidence]
    assert len(evidence) == 13
    for ev in evidence:
        assert ev.article_id is not None and ev.start is not None and ev.end is not None
        assert texts[ev.article_id][ev.start : ev.end] == ev.quote


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_golden(name: str) -> None:
    b, arts = build(load_raw())
    actual = RENDERERS[name](b, arts).encode("utf-8")
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 python -m pytest tests/test_render.py"
    assert actual == path.read_bytes(), f"{name} differs from the golden file (UPDATE_GOLDEN=1 if intended)"


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_deterministic(name: str) -> None:
    b1, arts1 = build(load_raw())
    b2, arts2 = build(load_raw())
    assert RENDERERS[name](b1, arts1) == RENDERERS[name](b2, arts2)
    assert RENDERERS[name](b1, arts1) == RENDERERS[name](b1, list(reversed(arts1)))


def test_json_is_valid_against_the_schema_and_round_trips() -> None:
    b, _ = build(load_raw())
    schema = json.loads((resource_dir("schemas") / "Briefing.json").read_text(encoding="utf-8"))
    out = render_json(b)
    assert out.endswith("}\n") and out.startswith("{\n  ")
    jsonschema.validate(json.loads(out), schema)
    assert Briefing.model_validate_json(out) == b


def test_markdown_content() -> None:
    b, _ = build(load_raw())
    md = render_markdown(b)
    assert md.startswith("# Synthetic briefing: North Korean troops in Russia's war (test fixture)\n\n"
                         "3 articles, published 2024-12-19 to 2025-04-30. "
                         "1 more input could not be briefed (listed at the end). "
                         "Extracted by model synthetic-model (tools mode).\n")
    assert "| [1] | eb44cb620602392c | Synthetic: Seoul says at least 100 North Korean troops killed | " \
           "Synthetic Wire | 2024-12-19 |" in md
    # key figures: current claims only, one line each
    key = md.split("## Key figures\n\n")[1].split("\n\n")[0].splitlines()
    assert key == [
        "- North Korean forces, killed: **Around 600** — South Korea's National Intelligence Service via "
        "Lee Seong-kweun, 2025-04-30 (day) [3]",
        "- North Korean forces, killed or wounded: **around 1,100** — South Korea's Joint Chiefs of Staff, "
        "2025-01-13 (day) [2]",
        "- North Korean forces, killed or wounded: **more than 3,000** — Volodymyr Zelenskyy, 2025-01-13 (day) [2]",
        "- North Korean forces, wounded: **nearly 1,000** — South Korea's National Intelligence Service via "
        "Lee Seong-kweun, 2024-12-19 (day) [1]",
    ]
    assert ("- **North Korean forces**: at least 100 killed; nearly 1,000 wounded — South Korea's National "
            "Intelligence Service via Lee Seong-kweun; claimed 2024-12-19 (day; \"on Thursday\"); "
            "when 2024-12 (month; \"in December\") [1]\n") in md
    assert "to: Russia — North Korea; claimed 2025-04-30 (day) [1][3]\n" in md
    assert "- **United Kingdom to Ukraine**: £225m ($286m); air defence equipment; military aid" in md
    assert ("| at least 100 | South Korea's National Intelligence Service via Lee Seong-kweun | 2024-12-19 (day) "
            "| [1] | superseded |") in md
    assert "| Around 600 | South Korea's National Intelligence Service via Lee Seong-kweun | 2025-04-30 (day) " \
           "| [3] | current |" in md
    assert "Series: South Korea's National Intelligence Service via Lee Seong-kweun revised the figure: " \
           "at least 100 (2024-12-19) then Around 600 (2025-04-30)." in md
    assert "Conflict: these claims, by different claimants at about the same time, cannot both hold: " \
           "around 1,100 (South Korea's Joint Chiefs of Staff, 2025-01-13) vs " \
           "more than 3,000 (Volodymyr Zelenskyy, 2025-01-13)." in md
    # bounds per estimate, each rule once as a legend at the top of the section (never next to every table)
    assert "Low 990, high open.\n" in md and "(rule:" not in md
    legend = "Rule: lowest low and highest high of the current claims; an open bound stays open."
    assert md.count(legend) == 1 and md.index(legend) < md.index("### North Korean forces: killed")
    assert "(date unknown)" not in md
    assert "- 2025-04-28 (day; \"on Monday\") — Diplomacy: North Korea acknowledged for the first time" in md
    footer = md.split("\n---\n")[1]
    assert footer == (
        "\n- Extractor: model:synthetic-model (model synthetic-model, mode tools)\n"
        "- Prompt version: synthetic-0001\n"
        "- Tokens: 4,200 prompt + 900 completion = 5,100 in 3 calls (1 cached)\n"
        "- Cost: $0.0123\n"
        "- Failed articles: 1\n"
        "  - synthetic/broken.html: no readable text after cleaning\n"
        "- Items rejected by verification: 2 (use --verbose to list them)\n"
    )


def test_rejected_list_only_in_verbose() -> None:
    b, _ = build(load_raw())
    plain, verbose = render_markdown(b), render_markdown(b, verbose=True)
    reasons = [r.reason for r in b.run.rejected]
    assert reasons and not any(r in plain for r in reasons)
    assert "- Items rejected by verification: 2\n" in verbose
    assert "  - Casualties, [1]: figure 'about 200' is not stated in the quote — “At least 100 North Korean " \
           "soldiers”\n" in verbose
    assert "  - Diplomacy, [3]: quote not found in the article — “leaders met in Moscow”\n" in verbose
    assert "  - “Pyongyang was preparing for the rotation or additional deployment of soldiers” [2]\n" in verbose
    assert "Pyongyang was preparing" not in plain


@pytest.mark.parametrize("verbose", [False, True])
def test_never_an_average(verbose: bool) -> None:
    b, arts = build(load_raw())
    for text in (render_markdown(b, verbose=verbose), render_html(b, arts)):
        assert not re.search(r"\baverage|\bmean\b|\bmedian\b", text, re.IGNORECASE)
        # the midpoint of 990 and 3,000 or of 540 and 660 is never computed
        assert "1,995" not in text and "2,050" not in text


def test_markdown_escapes_untrusted_text() -> None:
    b, _ = build(hostile_raw())
    md = render_markdown(b, verbose=True)
    assert not re.search(r"(?<!\\)[<>`]", md), "an unescaped <, > or backtick"
    assert md.count("\\<script\\>") >= 4
    assert md.startswith("# \\# \\<script\\>window.\\_\\_pwned=1\\</script\\> \\| \\`tick\\` "
                         "\\[x\\](javascript:alert(1))\n")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert len(headings) == 1 + 1 + 1 + 5 + 1 + 3 + 1  # title, sources, key figures, sections, estimates(+3), timeline
    assert "Ministry \\| of Defence" in md and "of\nDefence" not in md
    for line in md.splitlines():
        if line.startswith("|"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 6, line
    assert "quote not found \\| \\<script\\>" in md and "\n# heading" not in md


def test_html_escapes_untrusted_text() -> None:
    b, arts = build(hostile_raw())
    page = render_html(b, arts)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in page


class _Links(HTMLParser):
    """Collects element ids, link targets, marks and resource attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.hrefs: list[tuple[str, dict[str, str | None]]] = []
        self.resources: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids[a["id"] or ""] = tag
        for name in ("href", "src", "action", "srcset", "poster", "data"):
            if a.get(name) is not None:
                self.resources.append(a[name] or "")
        if tag == "a" and a.get("href"):
            self.hrefs.append((a["href"] or "", a))


def test_html_is_self_contained_and_every_link_resolves() -> None:
    b, arts = build(load_raw())
    page = render_html(b, arts)
    p = _Links()
    p.feed(page)
    assert p.resources and all(r.startswith("#") for r in p.resources)
    assert "url(" not in page and "@import" not in page and "script" not in p.tags
    for href, _ in p.hrefs:
        assert href[1:] in p.ids, f"dangling link {href}"
    items = {i for i, tag in p.ids.items() if i.startswith("item-")}
    assert items == {f"item-{item.id}" for _, item in b.items()}
    marks = {i for i, tag in p.ids.items() if tag == "mark"}
    assert len(marks) == 12  # 13 quotes, one stretch cited by two items
    back = {a["data-q"] for h, a in p.hrefs if a.get("class") == "back"}
    assert back == marks
    quoted = {h[1:] for h, a in p.hrefs if a.get("class") == "qref"}
    assert quoted == marks
    # a stretch cited by two items links back to both
    shared = [a["href"] for h, a in p.hrefs if a.get("class") == "back" and a["data-q"] == f"q-{arts[0].id}-1"]
    assert shared == ["#item-cas-1", "#item-dep-4"]
    # the article urls are shown as text, never as links
    assert "https://example.org/synthetic/a" in page
    assert not any("example.org" in h for h, _ in p.hrefs)


def _strip_marks(fragment: str) -> str:
    fragment = re.sub(r'<sup class="back">.*?</sup>', "", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_highlighting_keeps_article_text_and_splits_crossing_spans() -> None:
    b, arts = build(load_raw())
    page = render_html(b, arts)
    for a in arts:
        body = page.split(f'id="art-{a.id}"')[1].split('<div class="text">')[1].split("</div></article>")[0]
        assert _strip_marks(body) == a.text
    # article [2]: "North Korean troops had suffered around 1,100 casualties" crosses
    # "around 1,100 casualties in combat with Ukrainian forces in Kursk": the second continues after the first ends
    b_id = arts[1].id
    assert (f'<mark class="q" id="q-{b_id}-1">North Korean troops had suffered <mark class="q" id="q-{b_id}-2">'
            f"around 1,100 casualties<sup") in page
    assert f'</mark><mark class="q cont" data-q="q-{b_id}-2"> in combat with Ukrainian forces in Kursk</mark>.' in page


def test_html_without_articles_or_with_bad_offsets_still_renders() -> None:
    raw = load_raw()
    b, arts = build(raw)
    page = render_html(b, [])
    assert "<mark" not in page and page.count("(not located in the supplied text)") == 13
    raw["briefing"]["casualties"][0]["evidence"][0]["end"] = 10_000
    b2, _ = build(raw)
    assert render_html(b2, arts).count("(not located in the supplied text)") == 1


def test_empty_briefing() -> None:
    b = Briefing(title="Empty", sources=[], run=RunInfo(extractor="offline"))
    md = render_markdown(b)
    assert "No articles." in md and md.count("None reported.") == 5 and "No estimates." in md
    assert "- Extractor: offline\n- Prompt version: none\n" in md and "Cost: not known" in md
    assert "None reported." in render_html(b, [])
    jsonschema.validate(json.loads(render_json(b)),
                        json.loads((resource_dir("schemas") / "Briefing.json").read_text(encoding="utf-8")))


def test_markdown_escaping_holds_in_a_commonmark_parser() -> None:
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is not installed")
    b, _ = build(hostile_raw())
    page = markdown_it.MarkdownIt("commonmark").enable("table").render(render_markdown(b, verbose=True))
    assert "<script" not in page and "<img" not in page and "<code>" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert 'href="javascript' not in page and "<a " not in page
    assert page.count("<h1>") == 1 and page.count("<table>") == 4
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)
    assert len(rows) == 4 + 3 + 3 + 2 and all(len(re.findall(r"<t[hd][ >]", r)) == 5 for r in rows)
    assert "<td>Ministry | of Defence</td>" in page


def test_the_header_says_how_articles_without_a_publication_date_are_dated() -> None:
    """An article without a publication date is still placed in time from its text; the header says so."""
    import summarizer

    b = summarizer.brief([Path(__file__).parent.parent / "seeds"])
    undated = [s for s in b.sources if s.published is None]
    assert undated and all(s.dated is not None for s in undated)
    n = len(undated)
    assert f"({n} without a publication date, each dated from its text: see Sources)." in render_markdown(b)
    undated[0].dated = None
    assert f"({n} without a publication date, {n - 1} of them dated from their text: see Sources)." in (
        render_markdown(b))
    for s in undated:
        s.dated = None
    assert f"({n} without a publication date, and nothing in their text dates them: see Sources)." in (
        render_markdown(b))
