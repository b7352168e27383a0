"""The pair scan behind conflicts and corroborations finds exactly the pairs that testing every pair finds.

estimates._same_time_pair_sets compares a claim only with claims dated near it or reported by linked articles,
and answers "about the same time" on day numbers (_same_time_test); here both are checked against the
straightforward definition: every pair (i < j) that the filter keeps and ``same_time`` accepts.
Inputs are SYNTHETIC claim times (no articles, no model).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.merging.dating import Chronology, ClaimTime
from summarizer.merging.estimates import (
    _in_claim_order,
    _same_time_id_pairs,
    _same_time_pair_sets,
    _same_time_test,
    same_time,
)

_ARTICLES = [f"a{n}" for n in range(6)]
_BASE = date(2024, 10, 1)
_WIDTHS = [0, 0, 1, 6, 29, 30, 31, 60, 61, 62, 121, 122, 123, 200]  # around every threshold of same_time


@st.composite
def _claim(draw: st.DrawFn) -> ClaimTime:
    iv = None
    if draw(st.booleans()) or draw(st.booleans()):
        start = _BASE + timedelta(days=draw(st.integers(0, 150)))
        iv = (start, start + timedelta(days=draw(st.sampled_from(_WIDTHS))))
    rel = draw(st.lists(st.tuples(st.sampled_from(_ARTICLES), st.integers(-40, 5), st.sampled_from(_WIDTHS[:8])),
                        max_size=2))
    return ClaimTime(iv, iv, tuple(sorted({(a, lo, lo + w) for a, lo, w in rel})))


@st.composite
def _chronology(draw: st.DrawFn) -> Chronology | None:
    if draw(st.booleans()):
        return None
    far: dict[str, dict[str, int]] = {}
    for a, b, lo, width in draw(st.lists(st.tuples(st.sampled_from(_ARTICLES), st.sampled_from(_ARTICLES),
                                                    st.integers(-70, 70), st.integers(0, 40)), max_size=6)):
        if a != b:  # t_b - t_a within [lo, lo + width]
            far.setdefault(a, {})[b] = lo + width
            far.setdefault(b, {})[a] = -lo
    # as Chronology._pairs builds it: linked articles share a group (here one group for all of them)
    return Chronology(own={a: None for a in _ARTICLES}, _far=far, _group={a: 0 for a in far})


def _plain(whens: list[ClaimTime], keep: Callable[[int, int], bool], chron: Chronology | None) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(whens)) for j in range(i + 1, len(whens))
            if keep(i, j) and same_time(whens[i], whens[j], chron)]


@settings(max_examples=300, deadline=None)
@given(st.lists(_claim(), max_size=24), _chronology(), st.integers(0, 2**16))
def test_pair_scan_finds_what_testing_every_pair_finds(whens: list[ClaimTime], chron: Chronology | None,
                                                       salt: int) -> None:
    def keep_all(i: int, j: int) -> bool:
        return True

    def keep_some(i: int, j: int) -> bool:  # a filter that depends on the pair, like "different claimants"
        return hash((min(i, j), max(i, j), salt)) % 3 != 0

    def bulk(keep: Callable[[int, int], bool]) -> Callable[[int, list[int]], list[int]]:
        return lambda i, js: [j for j in js if keep(min(i, j), max(i, j))]

    found = _same_time_pair_sets(whens, [bulk(keep_all), bulk(keep_some)], chron)
    assert found == [_plain(whens, keep_all, chron), _plain(whens, keep_some, chron)]
    ids = [f"claim{n}" for n in range(len(whens))]  # as an estimate lists them: the pairs of ids, in that order
    assert _same_time_id_pairs(whens, [bulk(keep_all), bulk(keep_some)], chron, ids) == [
        [[ids[i], ids[j]] for i, j in pairs] for pairs in found]


@settings(max_examples=300, deadline=None)
@given(st.lists(_claim(), min_size=2, max_size=8), _chronology())
def test_same_time_on_day_numbers_is_same_time(whens: list[ClaimTime], chron: Chronology | None) -> None:
    close = _same_time_test(whens, chron)
    everyone = list(range(len(whens)))
    for i in everyone:
        for j in everyone:
            assert close(i, [j]) == ([j] if same_time(whens[i], whens[j], chron) else [])
        assert close(i, everyone[::-1]) == [j for j in everyone[::-1] if same_time(whens[i], whens[j], chron)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["k1", "k2", "w1", "kw1", "kw2", ""]), min_size=1, max_size=7), st.data())
def test_related_pairs_in_claim_order(names: list[str], data: st.DataObject) -> None:
    """_in_claim_order against the form it replaces: (place, place, id, id) tuples, the earlier claim first."""
    size = len(names)
    pairs = data.draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=12))
    codes = sorted({i * size + j for i, j in pairs})
    involved = sorted({names[k // size] for k in codes} | {names[k % size] for k in codes})
    claim_ids = data.draw(st.permutations(involved + data.draw(st.lists(st.sampled_from(involved or ["x"]),
                                                                        max_size=3))))
    order = {c: n for n, c in reversed(list(enumerate(claim_ids)))}
    conflicts = [(names[k // size], names[k % size]) for k in codes]
    ranked = {(order[a], order[b], a, b) if (order[a], a) <= (order[b], b) else (order[b], order[a], b, a)
              for a, b in conflicts}
    assert _in_claim_order(codes, names, claim_ids) == [[a, b] for _, _, a, b in sorted(ranked)]
