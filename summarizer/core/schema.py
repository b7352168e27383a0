"""The briefing contract: what the model fills, the merger joins and other tools import.

Modelled on conflict-event datasets: figures keep low/high bounds and the text's
qualifier (UCDP GED keeps low/best/high; ACLED keeps the conservative figure and
notes disputes), and every date keeps its precision. Fields marked "set by the
pipeline" are filled by verification and merging; a model leaves them empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .numbers import QUALIFIERS, parse_quantity

Precision = Literal["day", "week", "month", "year", "unknown"]
DateSource = Literal["stated", "dateline", "published", "relative", "carried", "bounded"]
Qualifier = Literal["exact", "about", "at_least", "more_than", "up_to", "fewer_than", "range", "vague"]
Alignment = Literal["exact", "normalised", "fuzzy"]
Verification = Literal["verified", "corrected", "unattributed"]
SectionName = Literal["casualties", "deployments", "arms_transfers", "aid", "diplomacy"]

_ISO_PARTIAL = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?|-W(?:0[1-9]|[1-4]\d|5[0-3]))?$")
_PRECISION_OF_FORMAT = {4: "year", 7: "month", 8: "week", 10: "day"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Quantity(_Model):
    """A figure exactly as the text gives it, with bounds from the shared number parser."""

    text: str = Field(
        description='The figure phrase copied from the article, qualifier included: "at least 100", '
        '"nearly 1,000", "several hundred", "£225m".'
    )
    low: int | float | None = Field(default=None, description="Lower bound; set by the pipeline from text.")
    high: int | float | None = Field(default=None, description="Upper bound; set by the pipeline from text.")
    qualifier: Qualifier | None = Field(default=None, description="Set by the pipeline from text.")
    unit: str | None = Field(default=None, description="ISO 4217 code for money (GBP, USD); else empty.")
    equivalents: list[Quantity] = Field(
        default_factory=list, description='A conversion the article states: "$286m" in "£225m ($286m)".'
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        """Accept a bare phrase and fill bounds, qualifier and currency from the parser."""
        if isinstance(data, (str, int, float)):
            data = {"text": str(data)}
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return data
        data = dict(data)
        fig = parse_quantity(data["text"])
        if fig is not None:
            if data.get("low") is None and data.get("high") is None:
                data["low"], data["high"] = fig.low, fig.high
            if data.get("qualifier") is None:
                data["qualifier"] = fig.qualifier
            if not data.get("unit") and fig.currency:
                data["unit"] = fig.currency
            if not data.get("equivalents") and fig.equivalents:
                data["equivalents"] = [{"text": e.text} for e in fig.equivalents]
        return data

    def shown(self) -> str:
        """The figure as the article gives it, plus any conversion the article states: "£225m ($286m)"."""
        extra = [e.text for e in self.equivalents if e.text not in self.text]
        return self.text + "".join(f" ({e})" for e in extra)

    @model_validator(mode="after")
    def _ordered(self) -> Quantity:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high} in {self.text!r}")
        if self.qualifier is not None and self.qualifier not in QUALIFIERS:
            raise ValueError(f"unknown qualifier {self.qualifier!r}")
        return self


class DateRef(_Model):
    """A date or period only as precise as the article states it."""

    text: str | None = Field(default=None, description='The article\'s own words: "last week", "in December".')
    start: str | None = Field(
        default=None,
        description="ISO date at the text's precision: 2024, 2024-12, 2024-W51 or 2024-12-19. Empty if unknown.",
    )
    end: str | None = Field(default=None, description="End of a period in the same format; empty for one date.")
    precision: Precision = Field(default="unknown", description="day, week, month, year or unknown.")
    source: DateSource | None = Field(
        default=None,
        description="Set by the pipeline: how the date was found. stated (the words give it), dateline (the "
        "article's own date line), published (the article's date), relative (the words resolved against the "
        "article's date or the interval it lies in), carried (another outlet's dated report of the same claim), "
        "bounded (an interval fixed by dated events the article reports).",
    )
    basis: str | None = Field(default=None, description="Set by the pipeline: what a recovered date rests on.")

    @field_validator("start", "end")
    @classmethod
    def _iso_partial(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        assert v is not None
        if not _ISO_PARTIAL.match(v):
            raise ValueError(f"{v!r} is not YYYY, YYYY-MM, YYYY-Www or YYYY-MM-DD")
        return v

    @model_validator(mode="after")
    def _precision_matches(self) -> DateRef:
        if self.start is None:
            return self
        implied = _PRECISION_OF_FORMAT[len(self.start)]
        if self.precision == "unknown":
            self.precision = implied  # type: ignore[assignment]
        elif self.precision != implied:
            raise ValueError(f"precision {self.precision!r} does not match {self.start!r} (which is {implied})")
        return self


class Evidence(_Model):
    """A verbatim quote; verification adds where it is in the article."""

    quote: str = Field(description="Words copied exactly from the article that state the item, figure included.")
    article_id: str | None = Field(default=None, description="Set by the pipeline.")
    start: int | None = Field(default=None, description="Set by the pipeline: character offset of the quote.")
    end: int | None = Field(default=None, description="Set by the pipeline.")
    alignment: Alignment | None = Field(default=None, description="Set by the pipeline.")

    @model_validator(mode="before")
    @classmethod
    def _from_str(cls, data: Any) -> Any:
        return {"quote": data} if isinstance(data, str) else data


class Item(_Model):
    """Fields every section's item carries."""

    evidence: Annotated[list[Evidence], Field(min_length=1)] = Field(
        description="One or more verbatim quotes from the article supporting this item."
    )
    claimant: str | None = Field(
        default=None,
        description="Who asserts it (agency, official, government), e.g. \"South Korea's National "
        'Intelligence Service"; never the outlet that published the article.',
    )
    conduit: str | None = Field(
        default=None, description="Through whom it reached the press, e.g. the lawmaker who briefed reporters."
    )
    claimed: DateRef | None = Field(default=None, description="When the claim was made or reported.")
    period: DateRef | None = Field(default=None, description="When the event happened (date or period).")
    id: str | None = Field(default=None, description="Set by the pipeline.")
    sources: list[str] = Field(default_factory=list, description="Set by the pipeline: supporting article ids.")
    variants: list[str] = Field(default_factory=list, description="Set by the pipeline: names seen for claimant.")
    reports: dict[str, list[DateRef | None]] = Field(
        default_factory=dict,
        description="Set by the pipeline: per source article, its own words for when: [claimed, period].",
    )
    verification: Verification | None = Field(
        default=None,
        description="Set by the pipeline: verified (as the article says it), corrected (see verification_notes) "
        "or unattributed (no claimant the article names).",
    )
    verification_notes: list[str] = Field(
        default_factory=list, description="Set by the pipeline: what verification changed, in plain words."
    )

    # What each section says about its items, read by verification, merge, estimates, render and evaluation.
    # A section's item class overrides what applies to it (see SECTION_SPECS for the rest of a section).

    def figures(self) -> dict[str, Quantity]:
        """Every figure of the item by the field it sits in ("killed", "items[0]", "components[1].amount")."""
        return {}

    def comparable_figures(self, name_key: Callable[[str], str]) -> dict[str, Quantity]:
        """The figures under keys that mean the same in two statements of one claim (merge compares them key by
        key); ``name_key`` is how names are compared."""
        return self.figures()

    def block_key(self) -> tuple[Any, ...]:
        """What two statements of one claim always share (who, to whom, what kind): merge compares only items
        of the same section, block key and figure keys."""
        return ()

    def measures(self) -> list[tuple[str, str, Quantity]]:
        """(side, measure, figure) rows the item adds to the estimates tables; none by default."""
        return []

    def event_words(self) -> str | None:
        """A reported event's own words (diplomacy: its summary), by which two undated reports of it are matched;
        None for a claimed figure. An event need not be recent news, and is cited even without a figure."""
        return None

    def describe(self) -> Description:
        """The item in words: its heading, figures and details as a briefing shows them, and one line."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its items")

    def statement(self) -> str:
        """One line saying what the item states, e.g. "NIS: at least 100 North Korean forces killed"."""
        return (f"{self.claimant}: " if self.claimant else "") + self.describe().line


class Description(NamedTuple):
    """An item in plain (unescaped) words: one describer per section, read by render, estimates and bottom line."""

    head: str  # "North Korean forces", "Russia to North Korea"
    figures: list[str]  # each figure with what it counts, as the article gives it ("at least 100 killed")
    details: list[str]  # the rest, in display order ("location: Kursk", "deployed")
    line: str  # one line without the claimant: "at least 100 North Korean forces killed in Kursk"


def _words(value: str) -> str:
    return value.replace("_", " ")


CASUALTY_MEASURES = ("killed", "wounded", "captured", "missing", "killed_or_wounded")


class Casualty(Item):
    """Losses of one side as one claimant states them. Never split, sum or average figures."""

    side: str = Field(description='Whose losses: "North Korean forces", "Russian forces", "civilians".')
    killed: Quantity | None = None
    wounded: Quantity | None = None
    captured: Quantity | None = None
    missing: Quantity | None = None
    killed_or_wounded: Quantity | None = Field(
        default=None, description='A combined figure ("casualties", "killed or wounded"), kept as given.'
    )
    location: str | None = None

    @model_validator(mode="after")
    def _has_figure(self) -> Casualty:
        if not any(getattr(self, m) is not None for m in CASUALTY_MEASURES):
            raise ValueError("a casualty item needs at least one of " + ", ".join(CASUALTY_MEASURES))
        return self

    def figures(self) -> dict[str, Quantity]:
        return {m: q for m in CASUALTY_MEASURES if (q := getattr(self, m)) is not None}

    def block_key(self) -> tuple[Any, ...]:
        return (self.side,)

    def measures(self) -> list[tuple[str, str, Quantity]]:
        return [(self.side, m, q) for m, q in self.figures().items()]

    def describe(self) -> Description:
        figs = list(self.figures().items())
        line = "; ".join([f"{figs[0][1].text} {self.side} {_words(figs[0][0])}",
                          *(f"{q.text} {_words(m)}" for m, q in figs[1:])])
        return Description(self.side, [f"{q.shown()} {_words(m)}" for m, q in figs],
                           [f"location: {self.location}"] if self.location else [],
                           line + (f" in {self.location}" if self.location else ""))


DeploymentStatus = Literal["deployed", "planned", "rotated", "repatriated", "withdrawn"]


class Deployment(Item):
    """Troops sent, planned, rotated or brought home."""

    force: str = Field(description='Whose troops: "North Korean troops".')
    size: Quantity | None = Field(default=None, description="Number of troops, as stated.")
    unit: str | None = Field(default=None, description='Unit or formation: "Storm Corps".')
    origin: str | None = None
    destination: str | None = Field(default=None, description='Country or region sent to: "Russia", "Kursk".')
    status: DeploymentStatus = Field(
        description="deployed, planned (incl. preparing), rotated, repatriated, withdrawn."
    )

    def figures(self) -> dict[str, Quantity]:
        return {"size": self.size} if self.size is not None else {}

    def block_key(self) -> tuple[Any, ...]:
        return (self.force, self.status)

    def measures(self) -> list[tuple[str, str, Quantity]]:
        return [(self.force, self.status, self.size)] if self.size is not None else []

    def describe(self) -> Description:
        details = [self.status] + [f"{label}: {v}" for label, v in (("unit", self.unit), ("from", self.origin),
                                                                    ("to", self.destination)) if v]
        line = ((f"{self.size.text} " if self.size else "") + self.force + (f" ({self.unit})" if self.unit else "")
                + f" {self.status}" + (f" to {self.destination}" if self.destination else ""))
        return Description(self.force, [f"size: {self.size.shown()}"] if self.size else [], details, line)


ArmsCategory = Literal[
    "ammunition", "artillery", "rocket_launcher", "missile", "drone", "air_defence", "armoured_vehicle",
    "aircraft", "naval", "electronic_warfare", "small_arms", "other",
]


class ArmsItem(_Model):
    name: str = Field(description='As the article names it: "artillery shells", "Pantsir-S1".')
    category: ArmsCategory = "other"
    quantity: Quantity | None = None


class ArmsTransfer(Item):
    """Weapons or military supplies moving from one state to another."""

    supplier: str
    recipient: str
    items: Annotated[list[ArmsItem], Field(min_length=1)]
    status: Literal["delivered", "alleged", "planned"] = Field(
        description="delivered (stated as fact), alleged (reported or accused), planned."
    )

    def figures(self) -> dict[str, Quantity]:
        return {f"items[{i}]": it.quantity for i, it in enumerate(self.items) if it.quantity is not None}

    def comparable_figures(self, name_key: Callable[[str], str]) -> dict[str, Quantity]:
        """By kind of weapon ("artillery#0"), numbered in name order: the same weapons compare, wherever listed."""
        out: dict[str, Quantity] = {}
        for it in sorted(self.items, key=lambda i: (i.category, name_key(i.name))):
            if it.quantity is not None:
                n = sum(1 for k in out if k.split("#")[0] == it.category)
                out[f"{it.category}#{n}"] = it.quantity
        return out

    def block_key(self) -> tuple[Any, ...]:
        # a different status or different kinds of weapons: another claim
        return (self.supplier, self.recipient, self.status, tuple(sorted({i.category for i in self.items})))

    def describe(self) -> Description:
        things = ", ".join((f"{i.quantity.text} " if i.quantity else "") + i.name for i in self.items)
        figs = [(f"{a.quantity.shown()} " if a.quantity else "") + f"{a.name} ({_words(a.category)})"
                for a in self.items]
        return Description(f"{self.supplier} to {self.recipient}", figs, [self.status],
                           f"{self.supplier} to {self.recipient}: {things} ({self.status})")


class AidComponent(_Model):
    description: str = Field(description='"air defence equipment including radars".')
    amount: Quantity | None = Field(default=None, description="Money for this component.")
    quantity: Quantity | None = Field(default=None, description='Count of things: "1,000" systems.')


class Aid(Item):
    """Money or goods pledged or paid by a donor to a recipient."""

    donor: str
    recipient: str
    amount: Quantity | None = Field(
        default=None, description="Total, with currency. A stated conversion goes in equivalents."
    )
    kind: Literal["military", "financial", "humanitarian"]
    components: list[AidComponent] = Field(default_factory=list)

    def figures(self) -> dict[str, Quantity]:
        out: dict[str, Quantity] = {"amount": self.amount} if self.amount is not None else {}
        for i, c in enumerate(self.components):
            if c.amount is not None:
                out[f"components[{i}].amount"] = c.amount
            if c.quantity is not None:
                out[f"components[{i}].quantity"] = c.quantity
        return out

    def block_key(self) -> tuple[Any, ...]:
        return (self.donor, self.recipient, self.kind)

    def describe(self) -> Description:
        figs = [self.amount.shown()] if self.amount else []
        for c in self.components:
            # "1,000 counter-drone systems: £39 million": the count names the things, the amount their cost.
            count = c.quantity.shown() if c.quantity is not None else ""
            stated = not count or (c.quantity is not None and c.quantity.text in c.description)
            what = c.description if stated else f"{count} {c.description}"
            figs.append(what + (f": {c.amount.shown()}" if c.amount is not None else ""))
        amount = f"{self.amount.text} " if self.amount else ""
        return Description(f"{self.donor} to {self.recipient}", figs, [f"{self.kind} aid"],
                           f"{self.donor}: {amount}{self.kind} aid to {self.recipient}")


DiplomacyType = Literal[
    "agreement_signed", "agreement_in_force", "visit", "meeting", "acknowledgement", "statement",
    "condemnation", "sanction", "talks",
]


class Diplomacy(Item):
    """A dated diplomatic event."""

    event_type: DiplomacyType
    parties: Annotated[list[str], Field(min_length=1)] = Field(description="States, leaders or bodies involved.")
    summary: str = Field(description="One line in plain words.")

    def block_key(self) -> tuple[Any, ...]:
        return (self.event_type, tuple(self.parties))

    def event_words(self) -> str | None:
        return self.summary

    def describe(self) -> Description:
        return Description(f"{_words(self.event_type)}: {', '.join(self.parties)}", [], [self.summary], self.summary)


@dataclass(frozen=True)
class SectionSpec:
    """One briefing section, described once: what merge, render, estimates and evaluation need beyond its item
    class. Adding a section: its item class (with ``describe`` and what else applies), a field of ``Sections``,
    its name in ``SectionName`` and an entry here; the model is told of it by the schema it is sent."""

    name: SectionName
    item: type[Item]
    title: str  # heading in a briefing
    short: str  # column label in evaluation reports
    figure_weight: float  # evaluation: weight of the figures in the similarity of two items
    # evaluation: the section's own fields in the similarity, (field, how compared, weight); how: "side" (the
    # same side), "name" (the same entity), "names" (lists of entities), "text" (place or unit words), "same"
    # (equal values), "words" (fuzzy words), "things" (named things of a list, gold's found in predicted)
    compare: tuple[tuple[str, str, float], ...] = ()
    keyed_figures: bool = False  # evaluation: figures pair by key (casualty measures), else by value


SECTION_SPECS: dict[str, SectionSpec] = {spec.name: spec for spec in (
    SectionSpec("casualties", Casualty, "Casualties", "cas", 0.5,
                (("side", "side", 0.1), ("location", "text", 0.05)), keyed_figures=True),
    SectionSpec("deployments", Deployment, "Deployments", "dep", 0.35,
                (("force", "side", 0.1), ("destination", "text", 0.1), ("status", "same", 0.1),
                 ("unit", "text", 0.05))),
    SectionSpec("arms_transfers", ArmsTransfer, "Arms transfers", "arms", 0.25,
                (("items", "things", 0.2), ("supplier", "name", 0.1), ("recipient", "name", 0.1),
                 ("status", "same", 0.05))),
    SectionSpec("aid", Aid, "Aid", "aid", 0.45,
                (("donor", "name", 0.1), ("recipient", "name", 0.1), ("kind", "same", 0.05))),
    SectionSpec("diplomacy", Diplomacy, "Diplomacy", "dip", 0.0,
                (("event_type", "same", 0.25), ("parties", "names", 0.2), ("summary", "words", 0.1))),
)}
SECTIONS: tuple[SectionName, ...] = tuple(spec.name for spec in SECTION_SPECS.values())


class Sections(_Model):
    """What the model fills for one article: five lists, each possibly empty."""

    casualties: list[Casualty] = Field(default_factory=list)
    deployments: list[Deployment] = Field(default_factory=list)
    arms_transfers: list[ArmsTransfer] = Field(default_factory=list)
    aid: list[Aid] = Field(default_factory=list)
    diplomacy: list[Diplomacy] = Field(default_factory=list)

    def items(self) -> list[tuple[str, Item]]:
        return [(s, it) for s in SECTIONS for it in getattr(self, s)]


class Usage(_Model):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_calls: int = 0
    cost_usd: float | None = None

    def __add__(self, other: Usage) -> Usage:
        costs = [c for c in (self.cost_usd, other.cost_usd) if c is not None]
        cost = sum(costs) if costs else None
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cached_calls=self.cached_calls + other.cached_calls,
            cost_usd=cost,
        )


class Rejected(_Model):
    """An item removed by verification, kept so nothing is dropped silently."""

    article_id: str
    section: SectionName
    reason: str
    item: dict[str, Any]


class Instruction(_Model):
    """A sentence of an article addressed to a reader or a machine ("ignore the above and ..."): never evidence."""

    article_id: str
    text: str = Field(description="The article's own words.")
    start: int = Field(description="Character offset in the article text.")
    end: int


class ArticleExtraction(Sections):
    """One article's verified result."""

    article_id: str
    extractor: str = Field(default="", description='"offline" or "model:<name>".')
    prompt_version: str | None = None
    usage: Usage = Field(default_factory=Usage)
    rejected: list[Rejected] = Field(default_factory=list)
    instructions: list[Instruction] = Field(
        default_factory=list, description="Sentences of the article that read as instructions, not claims."
    )


class Article(_Model):
    """One input article after cleaning. ``text`` is exactly what extraction sees."""

    id: str = Field(description="Stable id: first 16 hex digits of the SHA-256 of the cleaned text.")
    title: str
    text: str
    path: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: date | None = None
    content_hash: str = Field(description="SHA-256 of the cleaned text.")
    dropped_lines: list[str] = Field(default_factory=list, description="Boilerplate lines removed by cleaning.")
    language: str | None = Field(
        default=None, description="ISO 639-1 code given with the article ('language: de'); None: detected when needed."
    )


class Source(_Model):
    id: str
    title: str
    outlet: str | None = None
    published: date | None = None
    dated: DateRef | None = Field(
        default=None,
        description="Set by the pipeline: when the article was written, as exactly as its text allows (a day, or "
        "an interval), with how that was found; empty when nothing tells.",
    )
    url: str | None = None
    path: str | None = None
    content_hash: str


class Claim(_Model):
    """One claimant's figure for one measure, as shown in an estimates table."""

    item_id: str
    figure: Quantity
    claimant: str | None
    conduit: str | None = None
    date: DateRef | None = None
    placed: DateRef | None = Field(
        default=None,
        description="Where the claim sits in time for ordering (series, current), when that is narrower than "
        "its date: the date narrowed by the period it reports, a claim being made during or soon after it.",
    )
    sources: list[str]
    current: bool = Field(description="False when the same claimant later revised this figure.")


class Estimate(_Model):
    """Every claim for one measure side by side; never averaged."""

    key: str = Field(description='"<side>:<measure>", e.g. "north korean forces:killed".')
    side: str
    measure: str
    claims: list[Claim]
    series: list[list[str]] = Field(
        default_factory=list, description="Item ids of one claimant's revisions, oldest first."
    )
    conflicts: list[list[str]] = Field(
        default_factory=list,
        description="Pairs of item ids: claims by different claimants, at about the same time, that cannot both hold.",
    )
    corroborations: list[list[str]] = Field(
        default_factory=list,
        description="Pairs of item ids: claims by different claimants, reported side by side at about the same "
        "time, whose bounds share a value: they support each other.",
    )
    low: int | float | None = None
    high: int | float | None = None
    rule: str = ""


class TimelineEntry(_Model):
    date: DateRef
    section: SectionName
    item_id: str
    summary: str


class FailedArticle(_Model):
    path: str
    reason: str


class Unread(_Model):
    """An article with figures from which nothing was extracted, and why."""

    article_id: str
    path: str | None = None
    title: str
    language: str | None = None
    reason: str


class RunInfo(_Model):
    extractor: str
    model: str | None = None
    base_url: str | None = None
    mode: str | None = None
    prompt_version: str | None = None
    usage: Usage = Field(default_factory=Usage)
    rejected: list[Rejected] = Field(default_factory=list)
    instructions: list[Instruction] = Field(
        default_factory=list, description="Instructions found in articles: shown as warnings, never as evidence."
    )
    failed: list[FailedArticle] = Field(default_factory=list)
    unread: list[Unread] = Field(
        default_factory=list, description="Articles that state figures but gave no item: what was not understood."
    )
    partial: bool = False  # the run's deadline ran out: the articles not finished are in ``failed``
    notes: list[str] = Field(
        default_factory=list,
        description="What the run left out besides articles and items, one line each (e.g. a model-written "
        "bottom-line sentence stating a number that no item it cites states).",
    )


class BottomLineSentence(_Model):
    """One sentence of the bottom line, built only from verified items, each of which it cites."""

    text: str
    items: list[str] = Field(description="Ids of the items whose figures the sentence states.")
    sources: list[str] = Field(description="Article ids of those items.")
    written_by: str = Field(default="template", description='"template" or "model:<name>".')


class Briefing(Sections):
    """The merged result for many articles."""

    title: str
    sources: list[Source]
    bottom_line: list[BottomLineSentence] = Field(default_factory=list)
    estimates: list[Estimate] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    run: RunInfo


PIPELINE_SET = "set by the pipeline"
# The model is told what each field means once, in the system prompt (prompts/sections.txt), not in the schema.
COMMON_FIELDS = frozenset({"evidence", "claimant", "conduit", "claimed", "period"})


MAX_ITEMS_PER_SECTION = 6  # model-facing cap: the seeds' gold has at most 5 items in a section
MAX_QUOTES_PER_ITEM = 2
# The order the model fills the lists in: diplomacy (12 of the seeds' 53 gold items) before the two smallest
# sections, so an answer cut off at max_tokens has still reached it (prompt v2 put it last and never got there).
MODEL_SECTION_ORDER: tuple[SectionName, ...] = ("casualties", "deployments", "diplomacy", "arms_transfers", "aid")
# Shown to the model as a plain string: Quantity and Evidence accept one (their "before" validators fill the
# rest from the parser and verification), DateRef's precision follows from start.
_AS_STRING = ("#/$defs/Quantity", "#/$defs/Evidence")
_NOT_SHOWN = {"DateRef": ("precision",)}


def model_facing_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema a model is shown: only what it fills, as compactly as it can be valid.

    The published schemas/ keep every field; every token of this schema is paid for on every article
    (benchmarks/seed_tokens.py), so it has no descriptions, titles or defaults (the system prompt says what
    each section holds), figures and quotes are plain strings, and fields the pipeline sets are left out.
    Lists are capped (maxItems): a server that turns the schema into a grammar (llama.cpp) then cannot let a
    small model repeat one item until max_tokens, as Qwen2.5-Coder-1.5B did.
    """
    props = schema.get("properties") if isinstance(schema, dict) else None
    if isinstance(props, dict) and all(s in props for s in SECTIONS):
        for name in SECTIONS:
            props[name]["maxItems"] = MAX_ITEMS_PER_SECTION
        schema["properties"] = {name: props[name] for name in MODEL_SECTION_ORDER}
        defs = schema.get("$defs") or {}
        for d in defs.values():
            evidence = (d.get("properties") or {}).get("evidence")
            if isinstance(evidence, dict) and evidence.get("type") == "array":
                evidence["maxItems"] = MAX_QUOTES_PER_ITEM
        for type_name, fields in _NOT_SHOWN.items():
            for f in fields:
                (defs.get(type_name) or {}).get("properties", {}).pop(f, None)
        schema = _strings(schema)
        for ref in _AS_STRING:
            schema["$defs"].pop(ref.rsplit("/", 1)[1], None)
    schema.pop("description", None)  # the title stays: it names the tool
    return _model_facing(schema)


def _strings(node: Any) -> Any:
    """Replace each reference to a type the model writes as a plain string by {"type": "string"}."""
    if isinstance(node, dict):
        if node.get("$ref") in _AS_STRING:
            return {"type": "string"}
        return {k: _strings(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strings(x) for x in node]
    return node


def _model_facing(schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(schema, dict):
        props = schema.get("properties")
        if isinstance(props, dict):
            dropped = [k for k, v in props.items() if PIPELINE_SET in str(v.get("description", "")).lower()]
            for k in dropped:
                del props[k]
            if "required" in schema:
                schema["required"] = [r for r in schema["required"] if r not in dropped]
            for v in props.values():
                v.pop("title", None)
                v.pop("description", None)
                v.pop("default", None)
                # Optional fields are simply left out: {"anyOf": [X, {"type": "null"}]} -> X.
                alts = v.get("anyOf")
                if isinstance(alts, list) and len(alts) == 2 and {"type": "null"} in alts:
                    (kept,) = [a for a in alts if a != {"type": "null"}]
                    del v["anyOf"]
                    v.update(kept)
        if schema.get("additionalProperties") is False:
            del schema["additionalProperties"]
        for d in (schema.get("$defs") or {}).values():
            d.pop("title", None)
            d.pop("description", None)
        for v in list(schema.values()):
            if isinstance(v, dict):
                _model_facing(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, dict):
                        _model_facing(x)
    return schema


SCHEMA_MODELS: dict[str, type[BaseModel]] = {"ArticleExtraction": ArticleExtraction, "Briefing": Briefing}
