"""Predicted items aligned one-to-one with gold items of one article and section (pure).

The alignment is an optimal assignment over a similarity that weighs the figures most (compared through
:mod:`summarizer.core.numbers`: same stated number, or same bounds), then the claimant (through
:class:`summarizer.reading.entities.Canonicalizer`), the quotes, the section's own fields and the dates.
Pairs below :data:`MIN_SIMILARITY`, and pairs whose figures all disagree, are not matches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from ..core.numbers import Figure, parse_quantity, same_figure
from ..core.quotes import normalise
from ..core.schema import (
    SECTION_SPECS,
    DateRef,
    Item,
    Quantity,
)
from ..reading.entities import Canonicalizer, key, same_person

MIN_SIMILARITY = 0.5
"""A predicted and a gold item below this similarity (0-1) are not a match."""
NAME_FUZZ = 90.0
"""Two names not known to the aliases are the same when their keys score this (rapidfuzz token_set_ratio)."""


# ---------------------------------------------------------------- comparing fields


@lru_cache(maxsize=1)
def _canon() -> Canonicalizer:
    return Canonicalizer(use_env=False)


def _initials(k: str) -> str:
    return "".join(w[0] for w in k.split() if w not in ("of", "and", "the"))


def same_name(a: str | None, b: str | None) -> bool:
    """Two claimants, conduits or parties name the same entity (aliases, person spellings, acronyms)."""
    if not a or not b:
        return not a and not b
    ka, kb = key(a), key(b)
    if ka == kb:
        return True
    canon = _canon()
    la, lb = canon.lookup(a), canon.lookup(b)
    if la is not None and lb is not None:
        return la == lb
    if same_person(a, b):
        return True
    short, long_ = sorted((ka, kb), key=len)
    if " " not in short and len(short) >= 2 and _initials(long_).endswith(short):
        return True
    if la is not None or lb is not None:  # one side is a known entity: compare with its canonical name too
        ka, kb = key(la or a), key(lb or b)
    return fuzz.token_set_ratio(ka, kb) >= NAME_FUZZ


def _same_side(a: str, b: str) -> bool:
    canon = _canon()
    return canon.side(a) == canon.side(b) or same_name(a, b)


def _figures_of(q: Quantity) -> list[Figure]:
    f = parse_quantity(q.text)
    return [f, *f.equivalents] if f is not None else []


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """The same figure: the same stated number (any qualifier, or a stated conversion), or the same bounds."""
    if any(same_figure(x, y) for x in _figures_of(a) for y in _figures_of(b)):
        return True
    return (a.low, a.high) == (b.low, b.high) and (a.low is not None or a.high is not None)


def pair_figures(section: str, p: Item, g: Item) -> list[tuple[Quantity, Quantity | None]]:
    """Each gold figure with the predicted figure that states the same number (by key where figures are keyed,
    as casualty measures are)."""
    pf, gf = p.figures(), g.figures()
    if SECTION_SPECS[section].keyed_figures:
        return [(q, pf[m] if m in pf and same_quantity(pf[m], q) else None) for m, q in gf.items()]
    free = list(pf.values())
    out: list[tuple[Quantity, Quantity | None]] = []
    for q in gf.values():
        hit = next((x for x in free if same_quantity(x, q)), None)
        if hit is not None:
            free.remove(hit)
        out.append((q, hit))
    return out


def _figure_score(section: str, p: Item, g: Item) -> float | None:
    """Share of figures stated alike (None when neither item has one); 0 means the figures disagree."""
    np_, ng = len(p.figures()), len(g.figures())
    if not np_ and not ng:
        return None
    hits = sum(1 for _, x in pair_figures(section, p, g) if x is not None)
    if SECTION_SPECS[section].keyed_figures:
        keys = set(p.figures()) | set(g.figures())
        return hits / len(keys)
    return 2 * hits / (np_ + ng)


def _date_score(a: DateRef | None, b: DateRef | None) -> float | None:
    if a is None and b is None:
        return None
    if a is None or b is None:
        return 0.0
    if a.start and b.start:
        if a.start == b.start:
            return 1.0
        return 0.5 if a.start.startswith(b.start) or b.start.startswith(a.start) else 0.0
    if a.start or b.start:
        return 0.0
    ta, tb = normalise(a.text or ""), normalise(b.text or "")
    return 1.0 if ta == tb else 0.5 if ta and tb and (ta in tb or tb in ta) else 0.0


def same_date(a: DateRef | None, b: DateRef | None) -> bool:
    """Field accuracy: same start at the same precision (two dates without a start agree)."""
    sa = (a.start, a.end, a.precision) if a is not None and a.start else None
    sb = (b.start, b.end, b.precision) if b is not None and b.start else None
    return sa == sb


def _text_score(a: str | None, b: str | None) -> float | None:
    if not a and not b:
        return None
    if not a or not b:
        return 0.0
    if same_name(a, b):
        return 1.0
    return fuzz.token_set_ratio(normalise(a), normalise(b)) / 100


def _evidence_score(p: Item, g: Item) -> float:
    return max(
        (fuzz.partial_ratio(normalise(x.quote), normalise(y.quote)) / 100 for x in p.evidence for y in g.evidence),
        default=0.0,
    )


def _eq(a: object, b: object) -> float:
    return 1.0 if a == b else 0.0


def _names(a: list[str], b: list[str]) -> float:
    if not a or not b:
        return 0.0
    hits = sum(1 for x in a if any(same_name(x, y) for y in b))
    hits_b = sum(1 for y in b if any(same_name(x, y) for x in a))
    return (hits + hits_b) / (len(a) + len(b))


def _things(a: list[Any], b: list[Any]) -> float:
    """Share of gold's named things (weapons) that the prediction names alike."""
    pn, gn = [i.name for i in a], [i.name for i in b]
    return sum(1 for x in gn if any(fuzz.token_set_ratio(normalise(x), normalise(y)) >= 80 for y in pn)) / len(gn)


# How a section's own field is compared (see SectionSpec.compare): predicted value, gold value -> score or None.
_COMPARE: dict[str, Callable[[Any, Any], float | None]] = {
    "side": lambda a, b: 1.0 if _same_side(a, b) else 0.0,
    "name": lambda a, b: 1.0 if same_name(a, b) else 0.0,
    "names": _names,
    "text": _text_score,
    "same": _eq,
    "words": lambda a, b: fuzz.token_set_ratio(normalise(a), normalise(b)) / 100,
    "things": _things,
}


def similarity(section: str, p: Item, g: Item) -> float:
    """0-1 likeness of a predicted and a gold item of one section; 0 when both state figures and none agree."""
    spec = SECTION_SPECS[section]
    fig = _figure_score(section, p, g)
    if fig == 0.0 and p.figures() and g.figures():
        return 0.0
    parts: dict[str, tuple[float, float | None]] = {
        "figures": (spec.figure_weight, fig),
        "claimant": (0.15, 1.0 if same_name(p.claimant, g.claimant) else 0.0),
        "conduit": (0.05, None if not p.conduit and not g.conduit else 1.0 if same_name(p.conduit, g.conduit) else 0.0),
        "evidence": (0.15, _evidence_score(p, g)),
        "claimed": (0.05, _date_score(p.claimed, g.claimed)),
        "period": (0.05, _date_score(p.period, g.period)),
        **{f: (w, _COMPARE[how](getattr(p, f), getattr(g, f))) for f, how, w in spec.compare},
    }
    used = [(w, s) for w, s in parts.values() if s is not None and w > 0]
    total = sum(w for w, _ in used)
    return sum(w * s for w, s in used) / total if total else 0.0


# ---------------------------------------------------------------- assignment


def assign(weights: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """Rows paired with columns one-to-one so that the summed weight is largest (Hungarian method)."""
    n = len(weights)
    m = len(weights[0]) if n else 0
    if not n or not m:
        return []
    if n > m:
        return [(r, c) for c, r in assign([[weights[r][c] for r in range(n)] for c in range(m)])]
    top = max(max(row) for row in weights)
    cost = [[top - w for w in row] for row in weights]
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    p, way = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv, used = [inf] * (m + 1), [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    return sorted((p[j] - 1, j - 1) for j in range(1, m + 1) if p[j])


def align(section: str, predicted: Sequence[Item], gold: Sequence[Item]) -> list[tuple[int, int, float]]:
    """(predicted index, gold index, similarity) for the best one-to-one matching above MIN_SIMILARITY."""
    if not predicted or not gold:
        return []
    sims = [[similarity(section, p, g) for g in gold] for p in predicted]
    bonus = len(predicted) + len(gold) + 1.0  # more matches always beat higher similarity
    weights = [[bonus + s if s >= MIN_SIMILARITY else 0.0 for s in row] for row in sims]
    return [(i, j, sims[i][j]) for i, j in assign(weights) if sims[i][j] >= MIN_SIMILARITY]


