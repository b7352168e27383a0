"""Score predicted extractions and briefings against the hand-made gold in evals/ (see evals/GUIDELINES.md).

Per article and section, predicted items are matched with gold items (:mod:`.align`); these scores count the
matches, the fields of matched items, grounding, and what a merged briefing shows of the gold claims (pure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core.dates import date_interval
from ..core.errors import EvalError
from ..core.schema import (
    SECTIONS,
    ArticleExtraction,
    Briefing,
    Item,
)
from ..merging.dating import words_of
from .align import MIN_SIMILARITY, align, pair_figures, same_date, same_name, similarity
from .gold import GoldBriefing, GoldClaim, Ref

FIELDS = ("figure", "bounds", "qualifier", "claimant", "conduit", "claimed", "period")


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


# ---------------------------------------------------------------- extraction scores


def _describe(article_id: str, section: str, index: int, item: Item) -> str:
    figs = ", ".join(f"{k}={q.text}" for k, q in item.figures().items())
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
    for gq, pq in pair_figures(section, p, g):
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


