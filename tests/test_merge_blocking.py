"""merge()'s shortcuts never change a result: figure buckets, per-cluster look-alikes, the paused collector.

Inputs are SYNTHETIC extractions (no model).
"""

from __future__ import annotations

import gc
import hashlib
import math
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.schema import Article, ArticleExtraction, Casualty, Diplomacy, Item, Quantity
from summarizer.merging.merge import (
    MergeError,
    _cluster,
    _combine,
    _compatible,
    _Entry,
    _entry,
    _fig,
    _fig_buckets,
    _figure_ok,
    merge,
)


def _article(aid: str) -> Article:
    text = f"Synthetic article {aid}."
    return Article(id=aid, title=aid, text=text, published=date(2024, 12, 19),
                   content_hash=hashlib.sha256(text.encode()).hexdigest())


def _casualty(aid: str, killed: str, claimant: str | None = "NIS") -> dict[str, Any]:
    return {"side": "North Korean troops", "claimant": claimant, "killed": {"text": killed}, "sources": [aid],
            "evidence": [{"quote": f"{killed} killed", "article_id": aid, "start": 0, "end": 10}]}


def _share(a: Quantity, b: Quantity) -> bool:
    fa, fb = _fig_buckets(_fig(a)), _fig_buckets(_fig(b))
    assert fa is not None and fb is not None
    return bool(set(fa[0]) & set(fb[1])) and bool(set(fb[0]) & set(fa[1]))


def _q(x: float, qualifier: str = "exact") -> Quantity:
    return Quantity(text=str(x), low=x, high=x, qualifier=qualifier)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-10, max_value=1e12, allow_nan=False), st.floats(min_value=-0.006, max_value=0.006))
def test_figures_that_may_merge_always_share_a_bucket(x: float, rel: float) -> None:
    a, b = _q(x), _q(x * (1 + rel))
    if _figure_ok(_fig(a), _fig(b)):
        assert _share(a, b)


@pytest.mark.parametrize("x, y", [(2.99, 3.0), (2.0, 2.01), (0, 0.004), (2.986, 3.0), (1000, 1005), (1005, 1000),
                                  (math.exp(6.91), math.exp(6.91) * 1.004), (math.exp(6.9101), math.exp(6.9099))])
def test_bucket_edges(x: float, y: float) -> None:
    assert _figure_ok(_fig(_q(x)), _fig(_q(y)))
    assert _share(_q(x), _q(y))


def test_figures_with_no_bucket_are_still_compared() -> None:
    """An infinite bound or an empty unread text switches the buckets off: such figures still merge."""
    inf = Quantity(text="countless", low=math.inf, high=math.inf, qualifier="exact")
    assert _fig_buckets(_fig(inf)) is None
    assert _fig_buckets(_fig(Quantity(text="...", qualifier=None))) is None
    items = [ArticleExtraction(article_id=a, casualties=[_casualty(a, "countless")]) for a in ("a", "b")]  # type: ignore[list-item]
    items[0].casualties[0].killed = inf
    items[1].casualties[0].killed = Quantity(text="1,000", low=1000, high=1000, qualifier="exact")
    b = merge(items, [_article("a"), _article("b")])
    assert [c.sources for c in b.casualties] == [["a", "b"]]  # same stated number as far as _figure_ok can tell


def test_close_figures_across_a_bucket_edge_merge_and_far_ones_do_not() -> None:
    exts = [ArticleExtraction(article_id=a, casualties=[_casualty(a, k)])  # type: ignore[list-item]
            for a, k in (("a", "1,000"), ("b", "1,004"), ("c", "about 1,002"), ("d", "1,100"))]
    b = merge(exts, [_article(x) for x in "abcd"])
    assert sorted(c.sources for c in b.casualties) == [["a", "b", "c"], ["d"]]


def test_many_alike_undated_events_are_one_event() -> None:
    """Complete linkage compares an item once per distinct member: 300 reports of one visit are still one item."""
    exts = [ArticleExtraction(article_id=f"a{i}", diplomacy=[{  # type: ignore[list-item]
        "event_type": "visit", "parties": ["UK", "Ukraine"], "summary": "UK minister visited Kyiv for talks.",
        "sources": [f"a{i}"], "evidence": [{"quote": "visited Kyiv", "article_id": f"a{i}", "start": 0, "end": 12}]}])
        for i in range(300)]
    b = merge(exts, [_article(f"a{i}") for i in range(300)])
    assert len(b.diplomacy) == 1 and len(b.diplomacy[0].sources) == 300


def test_the_garbage_collector_is_left_as_it_was() -> None:
    exts = [ArticleExtraction(article_id="a", casualties=[_casualty("a", "100")])]  # type: ignore[list-item]
    assert gc.isenabled()
    merge(exts, [_article("a")])
    assert gc.isenabled()
    with pytest.raises(MergeError):
        merge(exts, [])
    assert gc.isenabled()
    gc.disable()
    try:
        merge(exts, [_article("a")])
        assert not gc.isenabled()
    finally:
        gc.enable()



def _reference(entries: list[_Entry]) -> list[list[_Entry]]:
    """Greedy complete linkage with no shortcut: every cluster of the block, every member."""
    clusters: list[list[_Entry]] = []
    for e in sorted(entries, key=lambda x: x.full):
        for cl in clusters:
            if cl[0].block == e.block and all(_compatible(e, m) for m in cl):
                cl.append(e)
                break
        else:
            clusters.append([e])
    return clusters


_FIGS = ["100", "101", "100.4", "some 100", "at least 100", "about 600", "nearly 1,000", "1,004", "995", "3", "2.99",
         "between 100 and 200", "200", "dozens", "several hundred", "hundreds", "up to 5", "£225m", "$225 million"]
_WHO = [None, "NIS", "JCS"]
_VIA = [None, "Lee Seong-kweun", "Kim Byung-kee"]
_DAYS = [None, "2024-12", "2024-12-01", "2024-12-19", "2024-W51", "2025-04"]
_SUMMARIES = ["A UK minister visited Kyiv", "UK minister visited Kyiv for air defence talks with the president",
              "UK minister visited Kyiv, then Lviv, to open a drone factory near the border", "Talks held"]


def _date(start: str | None) -> dict[str, Any] | None:
    return {"start": start} if start else None


@st.composite
def _items(draw: st.DrawFn) -> list[Item]:
    out: list[Item] = []
    for i in range(draw(st.integers(1, 25))):
        base = {"claimant": draw(st.sampled_from(_WHO)), "conduit": draw(st.sampled_from(_VIA)),
                "claimed": _date(draw(st.sampled_from(_DAYS))), "period": _date(draw(st.sampled_from(_DAYS))),
                "sources": [f"a{i}"], "evidence": [{"quote": f"q{i}", "article_id": f"a{i}"}]}
        if draw(st.booleans()):
            measures = draw(st.sets(st.sampled_from(["killed", "wounded"]), min_size=1))
            out.append(Casualty.model_validate({**base, "side": "North Korean forces",
                                                **{m: {"text": draw(st.sampled_from(_FIGS))} for m in measures}}))
        else:
            out.append(Diplomacy.model_validate({**base, "event_type": "visit", "parties": ["UK", "Ukraine"],
                                                 "summary": draw(st.sampled_from(_SUMMARIES))}))
    return out


@settings(max_examples=150, deadline=None)
@given(_items())
def test_clusters_are_those_of_plain_complete_linkage(items: list[Item]) -> None:
    for section, kind in (("casualties", Casualty), ("diplomacy", Diplomacy)):
        entries = [_entry(section, it) for it in items if isinstance(it, kind)]
        got = [[id(e) for e in cl] for cl in _cluster(entries)]
        assert got == [[id(e) for e in cl] for cl in _reference(entries)]


def _passes(section: str, items: list[Item], restricted: bool) -> tuple[list[str], int]:
    """_merge_section's passes: each pass's clusters combined until none is; the items in their final order."""
    entries = [_entry(section, it) for it in items]
    fresh: list[_Entry] | None = None
    n = 0
    while True:
        clusters = _cluster(entries, fresh if restricted else None)
        n += 1
        if all(len(cl) == 1 for cl in clusters):
            return [e.item.model_dump_json() for e in entries], n
        entries = [cl[0] if len(cl) == 1 else _entry(section, _combine(section, cl)) for cl in clusters]
        fresh = [e for e, cl in zip(entries, clusters, strict=True) if len(cl) > 1]


@settings(max_examples=200, deadline=None)
@given(_items(), st.randoms(use_true_random=False))
def test_a_later_pass_over_what_was_combined_clusters_as_a_pass_over_all(items: list[Item], rnd: Any) -> None:
    rnd.shuffle(items)
    for section, kind in (("casualties", Casualty), ("diplomacy", Diplomacy)):
        mine = [it for it in items if isinstance(it, kind)]
        assert _passes(section, mine, restricted=True) == _passes(section, mine, restricted=False)


def test_a_later_pass_is_restricted_to_entries_near_a_combined_one() -> None:
    """NIS's three reports of 100 killed combine in the first pass; the second looks again at what is near them."""
    rows = [("NIS", "100", "2024-12-19"), ("NIS", "100", "2024-12"), ("NIS", "100", None), ("JCS", "600", None),
            ("JCS", "about 600", "2024-12"), ("Pentagon", "5", None)]
    items: list[Item] = [Casualty.model_validate({"side": "North Korean forces", "claimant": who,
                                                  "killed": {"text": fig}, "claimed": _date(day),
                                                  "sources": [f"a{i}"], "evidence": [{"quote": f"q{i}"}]})
                         for i, (who, fig, day) in enumerate(rows)]
    entries = [_entry("casualties", it) for it in items]
    clusters = _cluster(entries)
    merged = [cl[0] if len(cl) == 1 else _entry("casualties", _combine("casualties", cl)) for cl in clusters]
    fresh = [e for e, cl in zip(merged, clusters, strict=True) if len(cl) > 1]
    assert fresh and len(merged) < len(entries)
    again = _cluster(merged, fresh)
    assert [[id(e) for e in cl] for cl in again] == [[id(e) for e in cl] for cl in _cluster(merged)]
