"""The HTML page in a real headless Chromium (Debian's chromium, driven by Playwright): links, highlights, escaping.

Needs /usr/bin/chromium (apt-get install chromium) and the Python playwright package; no
`playwright install` download is used. Writes test-artifacts/briefing.png for a look.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser_fixtures  # skips this module without chromium or playwright
import pytest
from test_render import build, hostile_raw, load_raw

from summarizer.rendering.render import render_html

ARTIFACTS = browser_fixtures.ARTIFACTS
browser = browser_fixtures.browser  # the shared module-scoped fixture

pytestmark = pytest.mark.browser


@pytest.fixture()
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    b, arts = build(hostile_raw())
    path = tmp_path / "briefing.html"
    path.write_text(render_html(b, arts), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=True)
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(path.as_uri())
    pg.requests = requests
    yield pg
    context.close()


def _in_view(pg: Any, element_id: str) -> bool:
    return bool(pg.evaluate(
        """id => { const r = document.getElementById(id).getBoundingClientRect();
                   return r.height > 0 && r.top >= 0 && r.top < window.innerHeight; }""",
        element_id,
    ))


def test_no_script_runs_and_nothing_is_fetched(page: Any) -> None:
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed, link').length") == 0
    assert page.evaluate("window.__pwned") is None
    assert page.requests == [page.url]
    assert "<script>window.__pwned=1</script>" in page.evaluate("document.title")
    assert page.locator("#diplomacy a.qref").nth(1).inner_text().startswith('"<script>window.__pwned=1</script>"')


def test_every_item_links_to_an_existing_highlight_with_its_quote(page: Any) -> None:
    rows = page.evaluate(
        """() => [...document.querySelectorAll('li.item')].map(li => ({
              id: li.id,
              links: [...li.querySelectorAll('a.qref')].map(a => {
                const id = a.getAttribute('href').slice(1);
                const mark = document.getElementById(id);
                const parts = mark ? [mark, ...document.querySelectorAll(`mark.cont[data-q="${id}"]`)] : [];
                const text = parts.map(m => { const c = m.cloneNode(true);
                  c.querySelectorAll('sup.back').forEach(s => s.remove()); return c.textContent; }).join('');
                return {tag: mark ? mark.tagName : null, quote: a.textContent, text};
              })}))"""
    )
    b, _ = build(hostile_raw())
    assert [r["id"] for r in rows] == [f"item-{item.id}" for _, item in b.items()]
    for row in rows:
        assert row["links"], f"{row['id']} links to no highlight"
        for link in row["links"]:
            assert link["tag"] == "MARK"
            assert link["text"] == link["quote"]


def test_every_highlight_links_back_to_an_existing_item(page: Any) -> None:
    marks = page.evaluate(
        """() => [...document.querySelectorAll('mark[id]')].map(m => ({
              id: m.id,
              back: [...document.querySelectorAll(`a.back[data-q="${m.id}"]`)].map(a => {
                const t = document.getElementById(a.getAttribute('href').slice(1));
                return t ? t.tagName + '.' + t.className : null; })}))"""
    )
    assert len(marks) == 13
    for m in marks:
        assert m["back"] and all(t == "LI.item" for t in m["back"]), m


def test_clicking_brings_the_target_into_view(page: Any) -> None:
    links = page.locator("a.qref")
    count = links.count()
    assert count == 14
    for i in range(count):
        page.evaluate("window.scrollTo(0, 0)")
        link = links.nth(i)
        target = link.get_attribute("href")[1:]
        assert not _in_view(page, target), "the highlight should start out of view"
        link.click()
        assert page.evaluate("location.hash") == f"#{target}"
        assert _in_view(page, target), f"{target} not in view after the click"
    backs = page.locator("a.back")
    for i in range(backs.count()):
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        link = backs.nth(i)
        target = link.get_attribute("href")[1:]
        link.click()
        assert _in_view(page, target), f"{target} not in view after the click"


def test_screenshot(browser: Any, tmp_path: Path) -> None:
    b, arts = build(load_raw())
    path = tmp_path / "briefing.html"
    path.write_text(render_html(b, arts), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(path.as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "briefing.png"))
    pg.locator("#deployments a.qref").nth(1).click()
    pg.screenshot(path=str(ARTIFACTS / "briefing-articles.png"))
    context.close()
    assert (ARTIFACTS / "briefing.png").stat().st_size > 10_000
