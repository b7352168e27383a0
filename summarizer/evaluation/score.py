"""Score predicted extractions and briefings against the hand-made gold in evals/ (see evals/GUIDELINES.md).

Per article and section, predicted items are aligned one-to-one with gold items by an optimal
assignment over a similarity that weighs the figures most (compared through
:mod:`summarizer.numbers`: same stated number, or same bounds), then the claimant (through
:class:`summarizer.entities.Canonicalizer`), the quotes, the section's own fields and the dates.
Pairs below :data:`MIN_SIMILARITY`, and pairs whose figures all disagree, are not matches.
Everything here is pure except the ``load_*`` helpers, which read files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rapidfuzz import fuzz

from ..dates import date_interval
from ..dating import words_of
from ..entities import Canonicalizer, key, same_person
from ..errors import EvalError
from ..numbers import Figure, parse_quantity, same_figure
from ..quotes import normalise
from ..schema import (
    SECTIONS,
    Aid,
    ArmsTransfer,
    ArticleExtraction,
    Briefing,
    Casualty,
    DateRef,
    Deployment,
    Diplomacy,
    Item,
    Quantity,
)

MIN_SIMILARITY = 0.5
"""A predicted and a gold item below this similarity (0-1) are not a match."""
NAME_FUZZ = 90.0
"""Two names not known to the aliases are the same when their keys score this (rapidfuzz token_set_ratio)."""
FIELDS = ("figure", "bounds", "qualifier", "claimant", "conduit", "claimed", "period")

Ref = tuple[str, str, int]  # (gold file stem, section, index)


# ---------------------------------------------------------------- result types


@dataclass
class Counts:
    """Matches (tp), predicted items with no gold (fp) and gold items with no prediction (fn)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        """None (n/a) when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None (n/a) when the gold has no item."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None and r is None:
            return None
        p, r = p or 0.0, r or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass
class FieldScore:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None

    def tally(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)


@dataclass
class Match:
    """One aligned pair: indices into the predicted and gold section lists of one article."""

    article_id: str
    section: str
    predicted: int
    gold: int
    similarity: float


@dataclass
class EvalScores:
    """Extraction scores over all articles: per section and overall (micro), fields of matched items, grounding."""

    sections: dict[str, Counts] = field(default_factory=lambda: {s: Counts() for s in SECTIONS})
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    evidence_total: int = 0
    evidence_grounded: int = 0
    articles: int = 0
    missing_articles: list[str] = field(default_factory=list)
    extra_articles: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)

    @property
    def overall(self) -> Counts:
        total = Counts()
        for c in self.sections.values():
            total.add(c)
        return total

    @property
    def grounding_rate(self) -> float | None:
        """Share of predicted quotes (kept and rejected items) that verification aligned to the article."""
        return self.evidence_grounded / self.evidence_total if self.evidence_total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "sections": {s: c.to_dict() for s, c in self.sections.items()},
            "fields": {f: {**asdict(s), "accuracy": s.accuracy} for f, s in self.fields.items()},
            "grounding": {
                "total": self.evidence_total, "grounded": self.evidence_grounded, "rate": self.grounding_rate,
            },
            "articles": self.articles,
            "missing_articles": self.missing_articles,
            "extra_articles": self.extra_articles,
            "misses": self.misses,
            "spurious": self.spurious,
        }


@dataclass
class BriefingScores:
    """A merged briefing against the gold briefing: claims found, duplicates, conflicts and series."""

    claims: int = 0
    claims_found: int = 0
    duplicated: int = 0
    conflicts: int = 0
    conflicts_found: int = 0
    series: int = 0
    series_found: int = 0
    false_conflicts: int = 0
    conflict_pairs: int = 0
    conflict_pairs_true: int = 0
    unmatched_items: int = 0
    dated_claims: int = 0
    dated_correct: int = 0
    dated_to_month: int = 0
    duplicated_claims: list[str] = field(default_factory=list)
    missed_conflicts: list[str] = field(default_factory=list)
    misdated_claims: list[str] = field(default_factory=list)

    @property
    def claim_recall(self) -> float | None:
        return self.claims_found / self.claims if self.claims else None

    @property
    def duplicate_rate(self) -> float | None:
        """Share of the claims found that the briefing shows as two or more items."""
        return self.duplicated / self.claims_found if self.claims_found else None

    @property
    def conflict_recall(self) -> float | None:
        return self.conflicts_found / self.conflicts if self.conflicts else None

    @property
    def conflict_precision(self) -> float | None:
        """Share of the distinct claim pairs the briefing flags as conflicting that the gold calls conflicts."""
        return self.conflict_pairs_true / self.conflict_pairs if self.conflict_pairs else None

    @property
    def series_recall(self) -> float | None:
        return self.series_found / self.series if self.series else None

    @property
    def dating_accuracy(self) -> float | None:
        """Share of the claims found (with a gold date) whose shown date interval holds the gold date."""
        return self.dated_correct / self.dated_claims if self.dated_claims else None

    @property
    def dating_month(self) -> float | None:
        """Share of the same claims dated correctly and to a month or better (at most 31 days wide)."""
        return self.dated_to_month / self.dated_claims if self.dated_claims else None

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "claim_recall": self.claim_recall,
            "duplicate_rate": self.duplicate_rate,
            "conflict_recall": self.conflict_recall,
            "conflict_precision": self.conflict_precision,
            "series_recall": self.series_recall,
            "dating_accuracy": self.dating_accuracy,
            "dating_month": self.dating_month,
        }


@dataclass
class GoldClaim:
    """One real-world claim and the gold items (one per article) that report it."""

    id: str
    section: str
    refs: list[Ref]
    summary: str = ""
    date: str | None = None  # when the claim was made (ISO, at the annotated precision), if the gold says


@dataclass
class GoldGroup:
    """A gold series (one claimant's revisions, oldest first), conflict or corroboration, as claim ids."""

    id: str
    claims: list[str]
    key: str = ""
    note: str = ""


@dataclass
class GoldBriefing:
    """The gold briefing with the gold extractions it refers to (by file stem)."""

    claims: list[GoldClaim]
    series: list[GoldGroup]
    conflicts: list[GoldGroup]
    corroborations: list[GoldGroup]
    gold: dict[str, ArticleExtraction]
    article_dates: dict[str, str] = field(default_factory=dict)  # file stem -> known date (ISO partial)

    def item(self, ref: Ref) -> Item:
        stem, section, index = ref
        return getattr(self.gold[stem], section)[index]  # type: ignore[no-any-return]

    def claim_date(self, claim: GoldClaim) -> tuple[date, date] | None:
        """When a gold claim was made: its own date, else the most precise ``claimed`` of its items, else the
        known date of its earliest article (a claim the article states with no date is that article's)."""
        if claim.date:
            return date_interval(DateRef(start=claim.date))
        stated = [iv for r in claim.refs if (iv := date_interval(self.item(r).claimed)) is not None]
        if stated:
            return min(stated, key=lambda iv: (iv[1] - iv[0], iv))
        known = [iv for r in claim.refs if r[0] in self.article_dates
                 for iv in [date_interval(DateRef(start=self.article_dates[r[0]]))] if iv is not None]
        return min(known) if known else None

    def all_claims(self) -> list[GoldClaim]:
        """The listed claims plus one single-item claim for every gold item no listed claim holds."""
        held = {r for c in self.claims for r in c.refs}
        out = list(self.claims)
        for stem, ex in sorted(self.gold.items()):
            for section in SECTIONS:
                for i in range(len(getattr(ex, section))):
                    if (stem, section, i) not in held:
                        out.append(GoldClaim(id=f"{stem}:{section}:{i}", section=section, refs=[(stem, section, i)]))
        return out


# ---------------------------------------------------------------- loading


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalError(f"{path} does not exist: check the path (gold lives in evals/)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(f"{path} is not readable JSON ({exc}): fix the file") from None


def load_gold_named(folder: str | Path) -> dict[str, ArticleExtraction]:
    """Gold extractions keyed by file stem (``evals/gold/<stem>.json``), in file-name order."""
    folder = Path(folder)
    files = sorted(folder.glob("*.json"))
    if not files:
        raise EvalError(f"no gold files (*.json) in {folder}: point to evals/gold or add annotations")
    out: dict[str, ArticleExtraction] = {}
    for f in files:
        try:
            out[f.stem] = ArticleExtraction.model_validate(_read_json(f))
        except ValidationError as exc:
            raise EvalError(f"{f} is not a valid ArticleExtraction: {exc.errors()[0]['msg']} "
                            f"at {'.'.join(map(str, exc.errors()[0]['loc']))}; fix the annotation") from None
    return out


def load_gold(folder: str | Path) -> list[ArticleExtraction]:
    """Every gold extraction in ``folder``, in file-name order."""
    return list(load_gold_named(folder).values())


def _groups(data: dict[str, Any], name: str, claim_ids: set[str], path: Path) -> list[GoldGroup]:
    out = []
    for g in data.get(name, []):
        unknown = [c for c in g.get("claims", []) if c not in claim_ids]
        if unknown:
            raise EvalError(f"{path}: {name} {g.get('id')!r} refers to unknown claims {unknown}; add them to 'claims'")
        out.append(GoldGroup(id=g["id"], claims=list(g["claims"]), key=g.get("key", ""), note=g.get("note", "")))
    return out


def load_gold_briefing(path: str | Path, gold_folder: str | Path) -> GoldBriefing:
    """Read ``evals/gold_briefing.json`` and check that every reference names an existing gold item."""
    path = Path(path)
    data = _read_json(path)
    gold = load_gold_named(gold_folder)
    claims: list[GoldClaim] = []
    seen: dict[Ref, str] = {}
    for c in data.get("claims", []):
        refs: list[Ref] = []
        for stem, section, index in c["items"]:
            ref = (stem, section, int(index))
            if stem not in gold or section not in SECTIONS or not 0 <= ref[2] < len(getattr(gold[stem], section)):
                raise EvalError(f"{path}: claim {c['id']!r} refers to {list(ref)}, which is not a gold item; fix it")
            if section != c["section"]:
                raise EvalError(f"{path}: claim {c['id']!r} is {c['section']} but holds {list(ref)}")
            if ref in seen:
                raise EvalError(f"{path}: {list(ref)} is in claims {seen[ref]!r} and {c['id']!r}; keep it in one")
            seen[ref] = c["id"]
            refs.append(ref)
        claims.append(GoldClaim(id=c["id"], section=c["section"], refs=refs, summary=c.get("summary", ""),
                                date=c.get("date")))
    ids = {c.id for c in claims}
    if len(ids) != len(claims):
        raise EvalError(f"{path}: claim ids must be unique")
    return GoldBriefing(
        claims=claims,
        series=_groups(data, "series", ids, path),
        conflicts=_groups(data, "conflicts", ids, path),
        corroborations=_groups(data, "corroborations", ids, path),
        gold=gold,
        article_dates=_article_dates(data, gold, path),
    )


def _article_dates(data: dict[str, Any], gold: dict[str, ArticleExtraction], path: Path) -> dict[str, str]:
    out = {k: v for k, v in (data.get("article_dates") or {}).items() if not k.startswith("_")}
    for stem, iso in out.items():
        if stem not in gold:
            raise EvalError(f"{path}: article_dates names {stem!r}, which has no gold file; fix it")
        try:
            DateRef(start=iso)
        except ValidationError:
            raise EvalError(f"{path}: article_dates[{stem!r}] = {iso!r} is not an ISO date (2024, 2024-12, "
                            "2024-12-19)") from None
    return out


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


def _pair_figures(section: str, p: Item, g: Item) -> list[tuple[Quantity, Quantity | None]]:
    """Each gold figure with the predicted figure that states the same number (by measure for casualties)."""
    pf: dict[str, Quantity] = p.figures()  # type: ignore[attr-defined]
    gf: dict[str, Quantity] = g.figures()  # type: ignore[attr-defined]
    if section == "casualties":
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
    np_, ng = len(p.figures()), len(g.figures())  # type: ignore[attr-defined]
    if not np_ and not ng:
        return None
    hits = sum(1 for _, x in _pair_figures(section, p, g) if x is not None)
    if section == "casualties":
        keys = set(p.figures()) | set(g.figures())  # type: ignore[attr-defined]
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


def _casualty(p: Casualty, g: Casualty) -> dict[str, tuple[float, float | None]]:
    return {
        "side": (0.1, 1.0 if _same_side(p.side, g.side) else 0.0),
        "location": (0.05, _text_score(p.location, g.location)),
    }


def _deployment(p: Deployment, g: Deployment) -> dict[str, tuple[float, float | None]]:
    return {
        "force": (0.1, 1.0 if _same_side(p.force, g.force) else 0.0),
        "destination": (0.1, _text_score(p.destination, g.destination)),
        "status": (0.1, _eq(p.status, g.status)),
        "unit": (0.05, _text_score(p.unit, g.unit)),
    }


def _arms(p: ArmsTransfer, g: ArmsTransfer) -> dict[str, tuple[float, float | None]]:
    pn, gn = [i.name for i in p.items], [i.name for i in g.items]
    item_hits = sum(1 for x in gn if any(fuzz.token_set_ratio(normalise(x), normalise(y)) >= 80 for y in pn))
    return {
        "items": (0.2, item_hits / len(gn)),
        "supplier": (0.1, 1.0 if same_name(p.supplier, g.supplier) else 0.0),
        "recipient": (0.1, 1.0 if same_name(p.recipient, g.recipient) else 0.0),
        "status": (0.05, _eq(p.status, g.status)),
    }


def _aid(p: Aid, g: Aid) -> dict[str, tuple[float, float | None]]:
    return {
        "donor": (0.1, 1.0 if same_name(p.donor, g.donor) else 0.0),
        "recipient": (0.1, 1.0 if same_name(p.recipient, g.recipient) else 0.0),
        "kind": (0.05, _eq(p.kind, g.kind)),
    }


def _diplomacy(p: Diplomacy, g: Diplomacy) -> dict[str, tuple[float, float | None]]:
    return {
        "event_type": (0.25, _eq(p.event_type, g.event_type)),
        "parties": (0.2, _names(p.parties, g.parties)),
        "summary": (0.1, fuzz.token_set_ratio(normalise(p.summary), normalise(g.summary)) / 100),
    }


_SECTION_PARTS: dict[str, Callable[[Any, Any], dict[str, tuple[float, float | None]]]] = {
    "casualties": _casualty,
    "deployments": _deployment,
    "arms_transfers": _arms,
    "aid": _aid,
    "diplomacy": _diplomacy,
}
_FIGURE_WEIGHT = {"casualties": 0.5, "deployments": 0.35, "arms_transfers": 0.25, "aid": 0.45, "diplomacy": 0.0}


def similarity(section: str, p: Item, g: Item) -> float:
    """0-1 likeness of a predicted and a gold item of one section; 0 when both state figures and none agree."""
    fig = _figure_score(section, p, g)
    if fig == 0.0 and p.figures() and g.figures():  # type: ignore[attr-defined]
        return 0.0
    parts: dict[str, tuple[float, float | None]] = {
        "figures": (_FIGURE_WEIGHT[section], fig),
        "claimant": (0.15, 1.0 if same_name(p.claimant, g.claimant) else 0.0),
        "conduit": (0.05, None if not p.conduit and not g.conduit else 1.0 if same_name(p.conduit, g.conduit) else 0.0),
        "evidence": (0.15, _evidence_score(p, g)),
        "claimed": (0.05, _date_score(p.claimed, g.claimed)),
        "period": (0.05, _date_score(p.period, g.period)),
        **_SECTION_PARTS[section](p, g),
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


# ---------------------------------------------------------------- extraction scores


def _describe(article_id: str, section: str, index: int, item: Item) -> str:
    figs = ", ".join(f"{k}={q.text}" for k, q in item.figures().items())  # type: ignore[attr-defined]
    return f"{article_id} {section}[{index}] {item.claimant or '-'}{': ' + figs if figs else ''}"


def _count_evidence(ex: ArticleExtraction, scores: EvalScores) -> None:
    for _, item in ex.items():
        for ev in item.evidence:
            scores.evidence_total += 1
            scores.evidence_grounded += int(ev.alignment is not None)
    for rej in ex.rejected:
        for ev in rej.item.get("evidence") or []:
            scores.evidence_total += 1
            scores.evidence_grounded += int(isinstance(ev, dict) and ev.get("alignment") is not None)


def _score_fields(section: str, p: Item, g: Item, fields: dict[str, FieldScore]) -> None:
    for gq, pq in _pair_figures(section, p, g):
        fields["figure"].tally(pq is not None)
        if pq is not None:
            fields["bounds"].tally((pq.low, pq.high) == (gq.low, gq.high))
            fields["qualifier"].tally(pq.qualifier == gq.qualifier)
    fields["claimant"].tally(same_name(p.claimant, g.claimant))
    fields["conduit"].tally(same_name(p.conduit, g.conduit))
    fields["claimed"].tally(same_date(p.claimed, g.claimed))
    fields["period"].tally(same_date(p.period, g.period))


def score_extractions(predicted: Sequence[ArticleExtraction], gold: Sequence[ArticleExtraction]) -> EvalScores:
    """Precision, recall and F1 per section and overall, field accuracy of matches, and grounding rate."""
    by_id: dict[str, ArticleExtraction] = {}
    for ex in predicted:
        if ex.article_id in by_id:
            raise EvalError(f"two predicted extractions for article {ex.article_id}: give one per article")
        by_id[ex.article_id] = ex
    gold_ids = {g.article_id for g in gold}
    scores = EvalScores(articles=len(gold), extra_articles=sorted(set(by_id) - gold_ids))
    for g in gold:
        p = by_id.get(g.article_id)
        if p is None:
            scores.missing_articles.append(g.article_id)
            p = ArticleExtraction(article_id=g.article_id)
        else:
            _count_evidence(p, scores)
        for section in SECTIONS:
            pi: list[Item] = getattr(p, section)
            gi: list[Item] = getattr(g, section)
            pairs = align(section, pi, gi)
            counts = scores.sections[section]
            counts.tp += len(pairs)
            counts.fp += len(pi) - len(pairs)
            counts.fn += len(gi) - len(pairs)
            for i, j, sim in pairs:
                scores.matches.append(Match(g.article_id, section, i, j, round(sim, 4)))
                _score_fields(section, pi[i], gi[j], scores.fields)
            matched_p, matched_g = {i for i, _, _ in pairs}, {j for _, j, _ in pairs}
            scores.misses += [_describe(g.article_id, section, j, x) for j, x in enumerate(gi) if j not in matched_g]
            scores.spurious += [_describe(g.article_id, section, i, x) for i, x in enumerate(pi) if i not in matched_p]
    return scores


# ---------------------------------------------------------------- briefing scores


def _claim_of_items(predicted: Briefing, gold: GoldBriefing) -> dict[str, list[str]]:
    """Gold claim id -> predicted item ids (or positions) that show it."""
    claim_of: dict[Ref, str] = {r: c.id for c in gold.all_claims() for r in c.refs}
    stem_of = {ex.article_id: stem for stem, ex in gold.gold.items()}
    shown: dict[str, list[str]] = {}
    for section in SECTIONS:
        for n, item in enumerate(getattr(predicted, section)):
            ids = set(item.sources) | {ev.article_id for ev in item.evidence if ev.article_id}
            stems = [stem_of[a] for a in sorted(ids) if a in stem_of] or sorted(gold.gold)
            best: tuple[float, Ref] | None = None
            # which claim an item shows is judged on the dates as the articles word them; the dates the
            # pipeline recovered are scored on their own (dating accuracy)
            worded = item.model_copy(update={"claimed": words_of(item.claimed), "period": words_of(item.period)})
            for stem in stems:
                for j, g in enumerate(getattr(gold.gold[stem], section)):
                    s = similarity(section, worded, g)
                    if s >= MIN_SIMILARITY and (best is None or s > best[0]):
                        best = (s, (stem, section, j))
            label = item.id or f"{section}[{n}]"
            shown.setdefault(claim_of[best[1]] if best else "", []).append(label)
    return shown


def score_briefing(predicted: Briefing, gold: GoldBriefing) -> BriefingScores:
    """Claim recall, duplicate rate, conflict and series recall of a merged briefing against the gold briefing."""
    shown = _claim_of_items(predicted, gold)
    unmatched = shown.pop("", [])
    claims = gold.all_claims()
    item_claim = {i: c for c, ids in shown.items() for i in ids}
    scores = BriefingScores(claims=len(claims), claims_found=len(shown), unmatched_items=len(unmatched))
    scores.duplicated_claims = sorted(c for c, ids in shown.items() if len(ids) > 1)
    scores.duplicated = len(scores.duplicated_claims)

    predicted_conflicts = [[item_claim.get(i) for i in group] for e in predicted.estimates for group in e.conflicts]
    predicted_series = [[item_claim.get(i) for i in s] for e in predicted.estimates for s in e.series]
    scores.conflicts = len(gold.conflicts)
    for c in gold.conflicts:
        if any(len({x for x in group if x in c.claims}) >= 2 for group in predicted_conflicts):
            scores.conflicts_found += 1
        else:
            scores.missed_conflicts.append(c.id)
    scores.false_conflicts = sum(
        1 for c in gold.corroborations for group in predicted_conflicts if len({x for x in group if x in c.claims}) >= 2
    )
    gold_pairs = {frozenset((a, b)) for c in gold.conflicts for a in c.claims for b in c.claims if a != b}
    flagged = {
        frozenset((a, b)) for group in predicted_conflicts for a in group for b in group if a and b and a != b
    }
    scores.conflict_pairs, scores.conflict_pairs_true = len(flagged), len(flagged & gold_pairs)
    scores.series = len(gold.series)
    for s in gold.series:
        for seq in predicted_series:
            order = [s.claims.index(x) for x in seq if x in s.claims]
            if len(set(order)) >= 2 and order == sorted(order):
                scores.series_found += 1
                break
    _score_dates(predicted, gold, claims, shown, scores)
    return scores


def _score_dates(predicted: Briefing, gold: GoldBriefing, claims: list[GoldClaim], shown: dict[str, list[str]],
                 scores: BriefingScores) -> None:
    """Dating accuracy: every item showing a found claim has a ``claimed`` interval that holds the gold date
    (or lies within it, when the gold is coarser)."""
    items = {it.id: it for _, it in predicted.items() if it.id}
    for c in claims:
        if c.id not in shown:
            continue
        want = gold.claim_date(c)
        if want is None:
            continue
        scores.dated_claims += 1
        got = [date_interval(items[i].claimed) if i in items else None for i in shown[c.id]]
        ok = all(iv is not None and ((iv[0] <= want[0] and want[1] <= iv[1]) or (want[0] <= iv[0] and iv[1] <= want[1]))
                 for iv in got)
        if ok:
            scores.dated_correct += 1
            if all(iv is not None and (iv[1] - iv[0]).days <= 30 for iv in got):
                scores.dated_to_month += 1
        else:
            scores.misdated_claims.append(c.id)


# ---------------------------------------------------------------- reports


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def report_markdown(rows: Sequence[tuple[str, EvalScores, BriefingScores | None]],
                    title: str = "# Evaluation against evals/gold") -> str:
    """Side-by-side Markdown tables: one row per extractor or recording set."""
    short = {"casualties": "cas", "deployments": "dep", "arms_transfers": "arms", "aid": "aid", "diplomacy": "dip"}
    out = [title, "", "## Extraction (micro over articles)", ""]
    head = ["run", "P", "R", "F1", *(f"{short[s]} F1" for s in SECTIONS), "tp/fp/fn", "grounded"]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, ev, _ in rows:
        o = ev.overall
        cells = [name, _fmt(o.precision), _fmt(o.recall), _fmt(o.f1), *(_fmt(ev.sections[s].f1) for s in SECTIONS),
                 f"{o.tp}/{o.fp}/{o.fn}", _fmt(ev.grounding_rate)]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "## Field accuracy of matched items", ""]
    out += ["| run | " + " | ".join(FIELDS) + " |", "|" + "---|" * (len(FIELDS) + 1)]
    for name, ev, _ in rows:
        out.append("| " + " | ".join([name, *(_fmt(ev.fields[f].accuracy) for f in FIELDS)]) + " |")
    with_b = [(name, b) for name, _, b in rows if b is not None]
    if with_b:
        out += ["", "## Merged briefing", ""]
        out += ["| run | claim recall | duplicate rate | conflict recall | conflict precision | series recall "
                "| false conflicts | dating accuracy | dated to a month |", "|---|---|---|---|---|---|---|---|---|"]
        for name, b in with_b:
            out.append(f"| {name} | {_fmt(b.claim_recall)} | {_fmt(b.duplicate_rate)} | {_fmt(b.conflict_recall)} "
                       f"| {_fmt(b.conflict_precision)} | {_fmt(b.series_recall)} | {b.false_conflicts} "
                       f"| {_fmt(b.dating_accuracy)} | {_fmt(b.dating_month)} |")
    return "\n".join(out) + "\n"


def report_json(rows: Sequence[tuple[str, EvalScores, BriefingScores | None]]) -> str:
    """The same rows as JSON: {"rows": [{"name", "extraction", "briefing"}]}."""
    data = {
        "rows": [
            {"name": name, "extraction": ev.to_dict(), "briefing": b.to_dict() if b is not None else None}
            for name, ev, b in rows
        ]
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def check_thresholds(row: dict[str, Any], limits: dict[str, Any]) -> list[str]:
    """Failures of one ``report_json`` row against one run kind of evals/thresholds.json (null limits are skipped)."""
    failures: list[str] = []

    def walk(lim: Any, got: Any, path: str) -> None:
        if isinstance(lim, dict):
            for k, v in lim.items():
                if k.startswith("_"):
                    continue
                name = k[: -len("_max")] if k.endswith("_max") else k
                sub = got.get(name) if isinstance(got, dict) else None
                if isinstance(sub, dict) and "accuracy" in sub and not isinstance(v, dict):
                    sub = sub["accuracy"]
                if k.endswith("_max") and v is not None:
                    if sub is not None and sub > v:
                        failures.append(f"{path}{name} = {sub:.3f} is above the maximum {v}")
                    continue
                walk(v, sub, f"{path}{k}.")
            return
        if lim is None:
            return
        if got is None or got < lim:
            shown = "n/a" if got is None else f"{got:.3f}"
            failures.append(f"{path.rstrip('.')} = {shown} is below the minimum {lim}")

    walk(limits, row, "")
    return failures
