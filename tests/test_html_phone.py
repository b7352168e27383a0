"""The HTML page on a 390 px phone and on a desktop, and its estimate charts, in a real headless Chromium.

Same set-up as test_html_browser.py (Debian's chromium driven by Playwright; skipped without it). Pages are
rendered from the SYNTHETIC briefing fixture (which has a series and a conflict) and from a real offline
run over seeds/. Screenshots go to test-artifacts/ for a look.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import browser_fixtures  # skips this module without chromium or playwright
import pytest
from test_render import build, load_raw

import summarizer
from summarizer.rendering.chart import chartable, estimate_svg
from summarizer.rendering.render import render_html

ARTIFACTS = browser_fixtures.ARTIFACTS
browser = browser_fixtures.browser  # the shared module-scoped fixture

ROOT = Path(__file__).resolve().parents[1]
PHONE, DESKTOP = 390, 1280

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    synthetic = folder / "synthetic.html"
    synthetic.write_text(render_html(*build(load_raw())), encoding="utf-8")
    run = summarizer.run_brief([ROOT / "seeds"])
    seeds = folder / "seeds.html"
    seeds.write_text(render_html(run.briefing, run.articles), encoding="utf-8")
    return {"synthetic": synthetic, "seeds": seeds}


def _open(browser: Any, path: Path, width: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 844}, java_script_enabled=True)
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(path.as_uri())
    return context, pg, requests


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("name", ["synthetic", "seeds"])
def test_page_fits_the_screen_and_wide_tables_scroll_in_their_own_box(browser: Any, pages: dict[str, Path],
                                                                       name: str, width: int) -> None:
    context, pg, requests = _open(browser, pages[name], width)
    try:
        assert pg.evaluate("document.documentElement.scrollWidth") <= width
        boxes = pg.evaluate("""() => [...document.querySelectorAll('table')].map(t => {
              const box = t.parentElement;
              return {boxed: box.classList.contains('scroll'), right: box.getBoundingClientRect().right,
                      overflow: getComputedStyle(box).overflowX}; })""")
        assert boxes, "no tables rendered"
        for box in boxes:
            assert box["boxed"] and box["overflow"] == "auto" and box["right"] <= width, box
        assert requests == [pg.url]  # the charts are inline: nothing is fetched
    finally:
        context.close()


@pytest.mark.parametrize("name", ["synthetic", "seeds"])
def test_every_link_and_button_is_44_px_on_a_phone(browser: Any, pages: dict[str, Path], name: str) -> None:
    context, pg, _ = _open(browser, pages[name], PHONE)
    try:
        pg.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        sizes = pg.evaluate("""() => [...document.querySelectorAll('a[href], summary, button')].map(a => {
              const r = a.getBoundingClientRect();
              return {text: a.textContent.slice(0, 40), w: r.width, h: r.height}; })""")
        assert len(sizes) > 20
        small = [s for s in sizes if s["w"] < 44 or s["h"] < 44]
        assert small == [], small[:5]
    finally:
        context.close()


def test_one_chart_per_estimate_group_with_bars_arrows_series_and_conflicts(browser: Any,
                                                                            pages: dict[str, Path]) -> None:
    b, _ = build(load_raw())
    expected = [e for e in b.estimates if chartable(e)]
    context, pg, _ = _open(browser, pages["synthetic"], DESKTOP)
    try:
        charts = pg.evaluate("""() => [...document.querySelectorAll('#estimates svg.chart')].map(svg => ({
              title: svg.querySelector('title').textContent,
              width: svg.getBoundingClientRect().width,
              labels: [...svg.querySelectorAll(':scope > text')].map(t => t.firstChild.textContent)
                        .filter(t => t.includes(' — ')),
              bars: svg.querySelectorAll('rect[height="10"]').length,
              dots: svg.querySelectorAll('circle').length,
              arrows: svg.querySelectorAll('polygon').length,
              series: [...svg.querySelectorAll('polyline.series')].map(p => p.getAttribute('points')),
              red: [...svg.querySelectorAll('text')].filter(t => t.getAttribute('fill') === '#b3261e')
                     .map(t => t.firstChild.textContent)}))""")
        assert [c["title"] for c in charts] == [f"{e.side}: {e.measure.replace('_', ' ')}" for e in expected]
        by_title = {c["title"]: c for c in charts}
        killed = by_title["North Korean forces: killed"]
        # "at least 100" is open above (tick + arrow), "Around 600" a range; the NIS revision is one series line.
        assert killed["bars"] == 2 and killed["arrows"] == 1 and len(killed["series"]) == 1
        assert killed["labels"][0].startswith(("at least 100", "Around 600"))
        kw = by_title["North Korean forces: killed or wounded"]
        assert sorted(label.split(" [")[0] for label in kw["red"]) == ["around 1,100", "more than 3,000"]
        assert all("⚠ conflict" in label for label in kw["red"])
        # Every row cites its sources by the page's numbers, as the tables do.
        assert all(re.search(r"^\S.* \[\d+\]", label) for c in charts for label in c["labels"]), charts
        assert all(c["width"] > 300 for c in charts)
    finally:
        context.close()


def test_chart_geometry_matches_the_stated_figures() -> None:
    """Bars sit where the figures put them on the axis: a range from low to high, one bound plus an arrow."""
    b, _ = build(load_raw())
    killed = next(e for e in b.estimates if e.measure == "killed")
    svg = estimate_svg(killed)
    assert svg.startswith("<svg") and "<script" not in svg
    assert 'text-anchor="end">800</text>' in svg  # axis: 660 x 1.08 rounds up to 800, ticks every 200
    # Around 600 is 540-660: from 12 + 456 x 540/800 = 319.8 to 12 + 456 x 660/800 = 388.2.
    assert '<rect x="319.8" y=' in svg and 'width="68.4"' in svg
    # at least 100: a tick at 12 + 456 x 100/800 = 69 and an arrow at the right edge (468).
    assert '<rect x="66.0"' in svg and '<polygon points="468,' in svg


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_screenshot_of_the_estimates_and_charts(browser: Any, pages: dict[str, Path], width: int) -> None:
    context, pg, _ = _open(browser, pages["seeds"], width)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        top = ARTIFACTS / f"briefing-{width}px.png"
        pg.screenshot(path=str(top))
        charts = ARTIFACTS / f"briefing-charts-{width}px.png"
        pg.locator("#estimates figure.chart").nth(2).screenshot(path=str(charts))
        assert top.stat().st_size > 10_000 and charts.stat().st_size > 5_000
    finally:
        context.close()
