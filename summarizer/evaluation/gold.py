"""The hand-made gold of evals/ (see evals/GUIDELINES.md): gold extractions per article, and the gold briefing
(claims, series, conflicts, corroborations) that refers to them. The ``load_*`` functions read and check files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.dates import date_interval
from ..core.errors import EvalError
from ..core.schema import (
    SECTIONS,
    ArticleExtraction,
    DateRef,
    Item,
)

Ref = tuple[str, str, int]  # (gold file stem, section, index)


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
        return getattr(self.gold[stem], section)[index]

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


