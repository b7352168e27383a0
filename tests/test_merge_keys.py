"""merge's cheaper keys give exactly what the straightforward ones gave.

``_ref_json`` reads a DateRef's fields instead of ``model_dump(mode="json")``, ``_Rest`` works out the tail of an
entry's processing order only when two entries of equal content meet, the bottom line picks its conflict in
one pass, ``_copied`` and ``_claim`` build models without pydantic's general steps, interval_ref hands out one
copy per arguments to a caller that keeps a record, and _entry works out each shared figure once. Each is checked
here on random (SYNTHETIC) dates, quotes, sources, items and pairs against the form it replaces; so is the pick of
one article's most precise report, which writes JSON only for candidates tied on precision.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.schema import Casualty, Claim, DateRef, DateSource, Evidence, Quantity
from summarizer.merging.bottom_line import _most_sourced_pair
from summarizer.merging.dating import _interval_ref, interval_ref
from summarizer.merging.estimates import _claim
from summarizer.merging.merge import (
    _copied,
    _entry,
    _evidence_key,
    _in_full_order,
    _most_precise_report,
    _ref_json,
    _reports_json,
    _Rest,
    _Seen,
)

_TEXTS = st.one_of(st.none(), st.sampled_from(["last week", "in December", "Monday", "“early 2024”", ""]))


@st.composite
def _ref(draw: st.DrawFn) -> DateRef | None:
    if draw(st.integers(0, 4)) == 0:
        return None
    start = draw(st.sampled_from([None, "2024", "2024-12", "2024-W51", "2024-12-19"]))
    precision = {None: "unknown", "2024": "year", "2024-12": "month", "2024-W51": "week", "2024-12-19": "day"}[start]
    return DateRef(text=draw(_TEXTS), start=start, precision=precision,  # type: ignore[arg-type]
                   source=draw(st.sampled_from([None, "stated", "dateline", "carried"])),
                   basis=draw(st.sampled_from([None, "publication date", "a report"])))


_IDS = st.sampled_from(["a1", "a2", "b3"])
_EVIDENCE = st.builds(Evidence, quote=st.sampled_from(["At least 100 were killed.", "Some 3,000 troops."]),
                      article_id=st.one_of(st.none(), _IDS), start=st.one_of(st.none(), st.integers(0, 40)),
                      end=st.one_of(st.none(), st.integers(41, 90)),
                      alignment=st.sampled_from([None, "exact", "fuzzy"]))  # type: ignore[arg-type]
_REPORTS = st.dictionaries(_IDS, st.lists(_ref(), min_size=2, max_size=2), max_size=3)


@given(_ref())
def test_ref_json_is_model_dump(ref: DateRef | None) -> None:
    assert _ref_json(ref) == (None if ref is None else ref.model_dump(mode="json"))


def _tail(parts: tuple[list[str], list[Evidence], list[str], dict[str, list[DateRef | None]]]) -> tuple[Any, ...]:
    """The tuple _Rest stands for, as merge built it before: every part worked out at once."""
    sources, evidence, variants, reports = parts
    dumped = {a: [r.model_dump(mode="json") if r is not None else None for r in refs] for a, refs in reports.items()}
    return (tuple(sources), tuple(_evidence_key(ev) for ev in evidence), tuple(variants),
            json.dumps(dumped, sort_keys=True))


_PARTS = st.tuples(st.lists(_IDS, max_size=2), st.lists(_EVIDENCE, max_size=2),
                   st.lists(st.sampled_from(["NIS", "Kyiv"]), max_size=2), _REPORTS)


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(["x", "y"]), _PARTS), min_size=1, max_size=8))
def test_rest_orders_as_the_full_tuple(rows: list[tuple[str, Any]]) -> None:
    lazy = [(content, _Rest(*parts)) for content, parts in rows]
    eager = [(content, _tail(parts)) for content, parts in rows]
    order = sorted(range(len(rows)), key=lambda i: lazy[i])
    assert order == sorted(range(len(rows)), key=lambda i: eager[i])  # sorted is stable: ties keep their places
    assert min(range(len(rows)), key=lambda i: lazy[i]) == min(range(len(rows)), key=lambda i: eager[i])
    for i in range(len(rows)):
        for j in range(len(rows)):
            assert (lazy[i] == lazy[j]) == (eager[i] == eager[j])
            assert (lazy[i] < lazy[j]) == (eager[i] < eager[j])


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(["x", "y", "z"]), _PARTS), min_size=1, max_size=10))
def test_full_order_is_sorted_by_the_full_tuple(rows: list[tuple[str, Any]]) -> None:
    entries = [SimpleNamespace(content=content, full=(content, _Rest(*parts))) for content, parts in rows]
    want = [id(entries[i]) for i in sorted(range(len(rows)), key=lambda i: (rows[i][0], _tail(rows[i][1])))]
    assert [id(e) for e in _in_full_order(entries, lambda e: e)] == want  # type: ignore[arg-type,return-value]


def test_reports_json_keeps_the_articles_and_nones() -> None:
    ref = DateRef(text="last week")
    assert _reports_json({"a1": [ref, None]}) == {"a1": [ref.model_dump(mode="json"), None]}


_CLAIM_IDS = st.sampled_from(["a", "b", "c", "d", "zz"])


@settings(max_examples=300)
@given(st.lists(st.lists(_CLAIM_IDS, max_size=3), max_size=12),
       st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 3)))
def test_most_sourced_pair_is_the_max_of_sources_then_ids(pairs: list[list[str]], n: dict[str, int]) -> None:
    known = [(n[p[0]] + n[p[1]], p[0], p[1]) for p in pairs if len(p) >= 2 and p[0] in n and p[1] in n]
    assert _most_sourced_pair(pairs, n) == (max(known)[1:] if known else None)


@settings(max_examples=300)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=2, max_size=2), max_size=12),
       st.fixed_dictionaries({k: st.integers(0, 3) for k in "abcd"}))
def test_most_sourced_pair_of_an_estimates_own_pairs(pairs: list[list[str]], n: dict[str, int]) -> None:
    """Every pair two ids with a count (an estimate's conflicts): the short way by map()."""
    known = [(n[x] + n[y], x, y) for x, y in pairs]
    assert _most_sourced_pair(pairs, n) == (max(known)[1:] if known else None)


@settings(max_examples=200)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)), st.integers(0, 400),
       st.sampled_from(["day", "week", "month", "year", "unknown"]), _TEXTS,
       st.sampled_from(["relative", "published", "carried", "bounded"]), st.one_of(st.none(), st.text(max_size=8)))
def test_interval_ref_is_a_fresh_copy_of_what_validation_makes(lo: date, days: int, precision: str, text: str | None,
                                                                source: DateSource, basis: str | None) -> None:
    hi = lo + timedelta(days=days)
    made = _interval_ref.__wrapped__(lo, hi, precision, text, source, basis)
    first = interval_ref(lo, hi, precision, text=text, source=source, basis=basis)
    again = interval_ref(lo, hi, precision, text=text, source=source, basis=basis)
    assert first == made and again == made and first is not again
    assert first.model_dump_json() == made.model_dump_json() and first.model_fields_set == made.model_fields_set


_CASUALTY = st.builds(
    Casualty, side=st.sampled_from(["North Korean forces", "Ukraine"]), evidence=st.lists(_EVIDENCE, min_size=1,
                                                                                          max_size=2),
    claimant=st.one_of(st.none(), st.sampled_from(["NIS", "Kyiv"])), claimed=_ref(), period=_ref(),
    killed=st.builds(Quantity, text=st.sampled_from(["at least 100", "1,000", "dozens"])),
    sources=st.lists(_IDS, max_size=2), reports=_REPORTS)
_UPDATES = st.dictionaries(st.sampled_from(["claimant", "conduit", "id", "sources", "variants", "claimed"]),
                           st.one_of(st.none(), st.just(["a1"]), st.just("NIS")), max_size=4)


# model_copy(update=) does not validate, so values of the wrong type are allowed in and pydantic warns when
# both copies are serialised for the comparison; the warning is expected here.
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
@settings(max_examples=200)
@given(st.one_of(_CASUALTY, _EVIDENCE, st.builds(DateRef, text=_TEXTS)), _UPDATES, st.booleans())
def test_copied_is_model_copy(obj: Any, update: dict[str, Any], partly_set: bool) -> None:
    update = {k: v for k, v in update.items() if k in type(obj).model_fields}
    if partly_set:  # a record of set fields that is not every field (as a caller may hand in)
        obj = type(obj).model_construct(_fields_set={next(iter(type(obj).model_fields))}, **dict(obj))
    before = (obj.model_dump_json(), set(obj.model_fields_set))
    ours, theirs = _copied(obj, update), obj.model_copy(update=update)
    assert type(ours) is type(theirs) and ours is not obj
    assert ours.__dict__ == theirs.__dict__ and ours.model_fields_set == theirs.model_fields_set
    assert (ours.__pydantic_extra__, ours.__pydantic_private__) == (theirs.__pydantic_extra__,
                                                                     theirs.__pydantic_private__)
    assert ours.model_dump_json() == theirs.model_dump_json()
    for name in ours.__dict__:  # the copy is its own: changing it leaves the original as it was
        ours.__dict__[name] = None
    ours.model_fields_set.add("changed")
    assert (obj.model_dump_json(), set(obj.model_fields_set)) == before


@settings(max_examples=200)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)), st.integers(0, 400),
       st.sampled_from(["day", "week", "month", "year", "unknown"]), _TEXTS)
def test_interval_ref_with_a_record_gives_one_copy_per_arguments(lo: date, days: int, precision: str,
                                                                 text: str | None) -> None:
    hi, made = lo + timedelta(days=days), {}
    first = interval_ref(lo, hi, precision, text=text, source="relative", basis=None, made=made)
    again = interval_ref(lo, hi, precision, text=text, source="relative", basis=None, made=made)
    assert first is again and first is not _interval_ref(lo, hi, precision, text, "relative", None)
    assert first.model_dump_json() == interval_ref(lo, hi, precision, text=text, source="relative",
                                                   basis=None).model_dump_json()
    other = interval_ref(lo, hi, precision, text=text, source="carried", basis=None, made=made)
    assert other is not first and len(made) == 2


@settings(max_examples=100)
@given(st.sampled_from(["cas-1", "dep-2"]), st.builds(Quantity, text=st.sampled_from(["at least 100", "1,000"])),
       st.one_of(st.none(), st.sampled_from(["NIS", "Kyiv"])), _ref(), st.lists(_IDS, max_size=2), st.booleans())
def test_claim_is_model_construct(item_id: str, figure: Quantity, claimant: str | None, date_: DateRef | None,
                                  sources: list[str], current: bool) -> None:
    values = {"item_id": item_id, "figure": figure, "claimant": claimant, "conduit": None, "date": date_,
              "placed": None, "sources": sources, "current": current}
    assert list(values) == list(Claim.model_fields)  # every field, in order: what _claim relies on
    assert not Claim.__pydantic_post_init__ and not Claim.__private_attributes__
    ours, theirs = _claim(dict(values)), Claim.model_construct(**values)
    assert list(ours.__dict__.items()) == list(theirs.__dict__.items())
    assert ours.model_fields_set == theirs.model_fields_set
    assert (ours.__pydantic_extra__, ours.__pydantic_private__) == (theirs.__pydantic_extra__,
                                                                     theirs.__pydantic_private__)
    assert ours.model_dump_json() == theirs.model_dump_json() and ours == theirs


@settings(max_examples=100)
@given(st.lists(_CASUALTY, min_size=1, max_size=6), st.lists(st.integers(0, 5), max_size=6))
def test_entries_with_figures_seen_are_the_same(items: list[Casualty], shares: list[int]) -> None:
    """_entry with a record of the figures seen (as merge passes it): the same comparison keys as without one,
    also when items share one figure object (as _Shared makes them) or a figure is equal but another object."""
    for n, k in enumerate(shares):  # some items take another item's figure object
        if n < len(items) and k < len(items):
            items[n].killed = items[k].killed
    seen = _Seen()
    for it in items + items:  # each item twice: the second time every figure was seen
        ours, theirs = _entry("casualties", it, seen), _entry("casualties", it)
        assert (ours.sigs, ours.buckets, ours.cmp, ours.block) == (theirs.sigs, theirs.buckets, theirs.cmp,
                                                                   theirs.block)


@settings(max_examples=300)
@given(st.lists(st.lists(_ref(), min_size=2, max_size=2), min_size=1, max_size=6))
def test_most_precise_report_is_the_min_of_precision_then_json(cands: list[list[DateRef | None]]) -> None:
    def rank(refs: list[DateRef | None]) -> tuple[Any, ...]:  # merge's key before: every candidate's JSON
        return (tuple(-({"day": 4, "week": 3, "month": 2, "year": 1, "unknown": 0}[r.precision] if r is not None
                        else -1) for r in refs),
                json.dumps([None if r is None else r.model_dump(mode="json") for r in refs], sort_keys=True))

    assert _most_precise_report(cands) is min(cands, key=rank)
