"""Quote verification: every quote is located in the article and every figure is checked against it.

Nothing a model (or the offline extractor) says reaches the user unless the article supports it:

* :func:`locate` finds a quote exactly, then after normalisation (whitespace, curly quotes,
  dashes, case, ellipsis; an elided quote "A ... B" matches when each part does, in order),
  then fuzzily (rapidfuzz, similarity >= :data:`FUZZY_THRESHOLD`, quotes of
  :data:`FUZZY_MIN_CHARS` characters or more). Offsets always index the original text.
* :func:`verify` locates every quote of every item, replaces a normalised or fuzzy quote by the
  article's own words, re-derives figure bounds through :mod:`summarizer.core.numbers`, and moves an
  item to ``rejected`` (with a reason) when a quote is missing or too short, or a figure is not
  stated in the article span of one of its quotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz import fuzz

from ..core.language import article_language, looks_english
from ..core.locale_numbers import find_figures_in, parse_quantity_in
from ..core.numbers import Figure, find_figures, parse_figure_text, parse_quantity, same_figure
from ..core.quotes import Normalised, normalise, normalised
from ..core.schema import (
    SECTIONS,
    Alignment,
    Article,
    ArticleExtraction,
    Evidence,
    Instruction,
    Item,
    Quantity,
    Rejected,
    Sections,
    Usage,
)
from .injection import find_instructions, instruction_family, overlapping
from .meaning import Reader, check

FUZZY_THRESHOLD: float = 90.0
"""Minimum rapidfuzz ``ratio`` (0-100) between the normalised quote and the article span it is aligned to."""
FUZZY_MIN_CHARS = 24
"""Shorter normalised quotes are only matched exactly or after normalisation: one typo is a large share."""
FUZZY_MAX_CHARS = 2_000
"""Longer quotes are not fuzzy-matched (caps the work; a model should copy them exactly)."""
FUZZY_MAX_TEXT = 1_000_000
"""Articles longer than this (in characters) get exact and normalised matching only."""
FUZZY_BUDGET = 10_000_000_000
"""Fuzzy work allowed per answer, in character pairs compared (quote length x article length per search;
about 2 s of CPU). Past it, the answer's remaining quotes are matched exactly or after normalisation only,
so a flood of long near-miss quotes cannot stall verification."""
FUZZY_SNAP_TOKENS = 8
"""Token boundaries tried on each side of a fuzzy window's ends when snapping it to whole tokens."""
MIN_QUOTE_WORDS = 4
"""A quote needs this many words, and at least one word that is not part of a figure, to ground an item."""

_EDGE = " \"'.,;:!?"
_ELLIPSIS_RE = re.compile(r"\s*\.\.\.+\s*")
_CLIP = 80
_EARLIER_TRIES = 8


class FuzzyBudget:
    """What is left of one answer's fuzzy-matching work (see :data:`FUZZY_BUDGET`)."""

    def __init__(self, pairs: int = FUZZY_BUDGET) -> None:
        self.left = pairs
        self.refused = 0  # fuzzy searches not run because the budget was spent

    def spend(self, pairs: int) -> bool:
        """Take ``pairs`` from the budget; False (and nothing taken) when not enough is left."""
        if pairs > self.left:
            return False
        self.left -= pairs
        return True


def normalise_quote(quote: str) -> str:
    """A quote's normalised form without the quote marks, spaces and punctuation a model adds at its ends."""
    return normalise(quote).strip(_EDGE)


def locate(quote: str, text: str, budget: FuzzyBudget | None = None) -> tuple[int, int, Alignment] | None:
    """Offsets ``(start, end, alignment)`` of the first place ``text`` states ``quote``, or None.

    ``budget``: fuzzy matching is tried only while it lasts (``budget.refused`` counts the refusals).
    """
    q = quote.strip()
    if not q:
        return None
    i = text.find(q)
    if i >= 0:
        return i, i + len(q), "exact"
    nq = normalise_quote(q)
    if not nq:
        return None
    hay = normalised(text)
    j = hay.text.find(nq)
    if j >= 0:
        return (*hay.span(j, j + len(nq)), "normalised")
    if "..." in nq:
        elided = _locate_elided(nq, hay)
        if elided is not None:
            return (*hay.span(*elided), "normalised")
    if FUZZY_MIN_CHARS <= len(nq) <= min(FUZZY_MAX_CHARS, len(hay.text)) and len(hay.text) <= FUZZY_MAX_TEXT:
        if budget is not None and not budget.spend(len(nq) * len(hay.text)):
            budget.refused += 1
            return None
        found = _locate_fuzzy(nq, hay.text, budget)
        if found is not None:
            return (*hay.span(*found), "fuzzy")
    return None


ELIDED_MIN_WORDS = 3
"""Each part of an elided quote ("A ... B") needs this many words: a clause, not a stray word or number."""
ELIDED_MAX_GAP = 300
"""Characters allowed between two parts of an elided quote; they must also be at most one sentence apart."""
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s")
_ELIDED_STARTS = 20


def _locate_elided(nq: str, hay: Normalised) -> tuple[int, int] | None:
    """'A ... B': every part a clause, found in order, each within a sentence of the one before."""
    parts = [p.strip(_EDGE) for p in _ELLIPSIS_RE.split(nq)]
    if len(parts) < 2 or any(len(p.split()) < ELIDED_MIN_WORDS for p in parts):
        return None
    text = hay.text
    start = text.find(parts[0])
    for _ in range(_ELIDED_STARTS):  # the first place where all parts lie close together
        if start < 0:
            return None
        pos = start + len(parts[0])
        for p in parts[1:]:
            k = text.find(p, pos)
            gap = text[pos:k]
            if k < 0 or len(gap) > ELIDED_MAX_GAP or len(_SENTENCE_END.findall(gap)) > 1:
                break
            pos = k + len(p)
        else:
            return start, pos
        start = text.find(parts[0], start + 1)
    return None


def _token_starts(hay: str, lo: int, hi: int) -> list[int]:
    n = len(hay)
    return [p for p in range(max(lo, 0), min(hi, n - 1) + 1) if hay[p] != " " and (p == 0 or hay[p - 1] == " ")]


def _token_ends(hay: str, lo: int, hi: int) -> list[int]:
    n = len(hay)
    return [p for p in range(max(lo, 1), min(hi, n) + 1) if hay[p - 1] != " " and (p == n or hay[p] == " ")]


def _locate_fuzzy(nq: str, hay: str, budget: FuzzyBudget | None = None) -> tuple[int, int] | None:
    """Best window by ``partial_ratio``, snapped to whole tokens, kept if its full ``ratio`` meets the threshold."""
    hit = fuzz.partial_ratio_alignment(nq, hay, score_cutoff=FUZZY_THRESHOLD)
    if hit is None:
        return None
    for _ in range(_EARLIER_TRIES):  # the first of equally good windows, as exact matching takes the first
        if budget is not None and not budget.spend(len(nq) * (hit.dest_end - 1)):
            break  # out of budget: keep the window found
        earlier = fuzz.partial_ratio_alignment(nq, hay[: hit.dest_end - 1], score_cutoff=hit.score - 1e-9)
        if earlier is None or earlier.dest_start >= hit.dest_start:
            break
        hit = earlier
    ds, de = hit.dest_start, hit.dest_end
    slack = max(6, len(nq) // 10)
    # Whole tokens only, so a span never cuts a number ("10,000" read as "0,000").
    starts = _nearest(_token_starts(hay, ds - slack, ds + slack), ds) or [hay.rfind(" ", 0, ds) + 1]
    ends = _nearest(_token_ends(hay, de - slack, de + slack), de) or [_next_space(hay, de)]
    # Also try each token without the quote marks and punctuation at its edges ('"1,000.').
    starts += [t for s in starts if (t := len(hay) - len(hay[s:].lstrip(_EDGE))) not in starts]
    ends += [t for e in ends if (t := len(hay[:e].rstrip(_EDGE))) not in ends]
    best: tuple[float, int, int] | None = None
    for s in starts:
        for e in ends:
            if e <= s:
                continue
            score = fuzz.ratio(nq, hay[s:e])
            if best is None or score > best[0]:
                best = (score, s, e)
    if best is None or best[0] < FUZZY_THRESHOLD:
        return None
    return best[1], best[2]


def _nearest(positions: list[int], target: int) -> list[int]:
    """The FUZZY_SNAP_TOKENS positions closest to ``target``, in order: the ratio search over start x end
    pairs is quadratic in their number, and a long quote's slack can hold hundreds of tokens."""
    if len(positions) <= FUZZY_SNAP_TOKENS:
        return positions
    return sorted(sorted(positions, key=lambda p: (abs(p - target), p))[:FUZZY_SNAP_TOKENS])


def _next_space(hay: str, pos: int) -> int:
    k = hay.find(" ", pos)
    return len(hay) if k < 0 else k


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"


def _too_short(quote: str) -> bool:
    """Fewer than MIN_QUOTE_WORDS words, or nothing but figures and punctuation."""
    if len(quote.split()) < MIN_QUOTE_WORDS:
        return True
    rest = list(quote)
    for f in find_figures(quote):
        for g in (f, *f.equivalents):
            rest[g.start : g.end] = " " * (g.end - g.start)
    return re.search(r"[^\W\d_]", "".join(rest)) is None


def _stated(span: str, lang: str | None = None) -> list[Figure]:
    """Every figure the span states, bracketed conversions included: read in English and, for an article in
    another language, in that language too (English never reads "11.000" or "1,4", so the two cannot clash)."""
    found = find_figures(span) + (find_figures_in(span, lang) if lang else [])
    return [g for f in found for g in (f, *f.equivalents)]


def _same(fig: Figure, other: Figure) -> bool:
    """The same figure through the parser, with the same currency and percent sign; a range needs both ends."""
    if not same_figure(fig, other) or fig.percent != other.percent:
        return False
    if len(fig.stated) > 1 and sorted(fig.stated) != sorted(other.stated):
        return False
    return fig.currency is None or other.currency is None or fig.currency == other.currency


def _check_quantity(name: str, q: Quantity, stated: list[tuple[Figure, int]],
                    located: dict[str, list[int]], whole: bool = True, lang: str | None = None) -> str | None:
    """Read the figure text whole, find it in a quote, and show the article's own figure phrase.

    ``stated`` holds each quoted figure with its offset in the article; ``located[name]`` gets the offsets of
    every quoted figure this one matches (the meaning checks pick the one whose clause fits).
    """
    # Whole-phrase reading is English ("at least", "nearly"); another language keeps the first-figure reading.
    fig = parse_figure_text(q.text) if whole else parse_quantity(q.text)
    if lang and (own := parse_quantity_in(q.text, lang)) and any(_same(own, f) for f, _ in stated):
        fig = own  # "rund 11.000" copied from a German article, read in German
    if fig is None:
        return _not_a_figure(name, q)
    hits = [(f, at) for f, at in stated if _same(fig, f)]
    if not hits:
        return f"figure {name}={_clip(q.text)!r} is not stated in any quote"
    same = [h for h in hits if (h[0].low, h[0].high, h[0].qualifier) == (fig.low, fig.high, fig.qualifier)]
    match = (same or hits)[0][0]
    located[name] = [at for _, at in (same or hits)]  # where the very figure is quoted, when it is
    currency = fig.currency or match.currency
    if not same:
        q.text, fig = match.text, match  # the article's words: "1,000" quoted as "nearly 1,000" is "nearly 1,000"
    elif not q.text.strip(" \"'“”‘’.,;:").endswith(fig.text):
        q.text = q.text[: q.text.find(fig.text) + len(fig.text)].strip()  # the number phrase, not the noun counted
    q.low, q.high, q.qualifier = fig.low, fig.high, fig.qualifier  # type: ignore[assignment]
    if currency:
        q.unit = currency
    for k, eq in enumerate(q.equivalents):
        reason = _check_quantity(f"{name}.equivalents[{k}]", eq, stated, {}, whole, lang)
        if reason:
            return reason
    return None


def _not_a_figure(name: str, q: Quantity) -> str:
    what = "is not a number phrase" if find_figures(q.text) else "has no number"
    return f"figure text {what}: {name}={_clip(q.text)!r}"


def _drop_non_figures(item: Item) -> list[str]:
    """Remove figure fields whose text is no number phrase ("around several villages") when another figure
    remains; the notes say what was removed. An item whose every figure is such text is left to be rejected."""
    bad = [name for name, q in item.figures().items() if parse_figure_text(q.text) is None]
    if not bad or len(bad) == len(item.figures()):
        return []
    notes = []
    for name in bad:
        q = item.figures()[name]
        notes.append(f"{_words(name)} {q.text!r} removed: not a number phrase")
        _set_figure(item, name, None)
    return notes


def _set_figure(item: Item, name: str, value: Quantity | None) -> None:
    """Set a figure by its path in :meth:`Item.figures` ("killed", "items[2]", "components[0].amount")."""
    m = re.fullmatch(r"(\w+)\[(\d+)\](?:\.(\w+))?", name)
    if m is None:
        setattr(item, name, value)
        return
    obj = getattr(item, m.group(1))[int(m.group(2))]
    setattr(obj, m.group(3) or "quantity", value)


def _words(name: str) -> str:
    """A field path in plain words: "components[0].quantity" -> "component 1 quantity", "killed_or_wounded" -> ..."""
    name = re.sub(r"(\w+)s\[(\d+)\]", lambda m: f"{m.group(1)} {int(m.group(2)) + 1}", name)
    return name.replace(".", " ").replace("_", " ")


def headline_end(article: Article) -> int:
    """Where the article's headline ends when its text opens with it; 0 when it does not."""
    first = article.text.split("\n", 1)[0]
    return len(first) if first.strip() and normalise(first) == normalise(article.title) else 0


def _from_the_body(section: str, item: Item, article: Article, reader: Callable[[], Reader], english: bool,
                   budget: FuzzyBudget | None, lang: str | None, headline: int) -> list[str]:
    """An item quoted from the headline alone: ground it on the first body sentence stating all its figures.

    A headline is no evidence (evals/GUIDELINES.md): it drops the claimant and the qualifiers, and the body
    states the same claim with them. The item is then checked on that sentence like any other.
    """
    wanted = [f for q in item.figures().values() if (f := parse_figure_text(q.text)) is not None]
    if not wanted:
        return [f"quoted only from the headline, and a headline is not evidence: {_clip(item.evidence[0].quote)!r}"]
    for s in reader().sentences:
        if s.start < headline or s.heading:
            continue
        stated = _stated(s.text, lang)
        if all(any(_same(f, g) for g in stated) for f in wanted):
            break
    else:
        return [f"quoted only from the headline, and the body states none of its figures the same way: "
                f"{_clip(item.evidence[0].quote)!r}"]
    item.evidence = [Evidence(quote=article.text[s.start : s.end].strip())]
    reasons = _ground_item(section, item, article, reader, english, budget, lang, headline=0)
    if not reasons:
        item.verification_notes.insert(0, "evidence moved from the headline to the body sentence that states it")
        item.verification = "corrected"
    return reasons


def _ground_item(section: str, item: Item, article: Article, reader: Callable[[], Reader], english: bool,
                 budget: FuzzyBudget | None = None, lang: str | None = None, headline: int = 0) -> list[str]:
    """Locate the item's quotes, check its figures and its meaning in place; the reasons it fails (empty: kept).

    ``headline`` is where the article's headline ends (0: no headline to tell apart).
    """
    reasons: list[str] = []
    stated: list[tuple[Figure, int]] = []
    spans: list[tuple[int, int]] = []
    item.verification, item.verification_notes = None, []  # set here only, whatever the extractor sent
    for ev in item.evidence:
        if _too_short(ev.quote):
            reasons.append(f"quote too short to ground: {_clip(ev.quote)!r}")
            continue
        if instruction_family(ev.quote):
            reasons.append(f"the quote is an instruction to a reader or a model, not a reported claim: "
                           f"{_clip(ev.quote)!r}")
            continue
        refused = budget.refused if budget is not None else 0
        found = locate(ev.quote, article.text, budget)
        if found is None:
            skipped = budget is not None and budget.refused > refused
            why = " (not fuzzy-matched: this answer's fuzzy-matching budget was spent)" if skipped else ""
            reasons.append(f"quote not found in article{why}: {_clip(ev.quote)!r}")
            continue
        start, end, alignment = found
        # Judge the article's words, not the model's copy: the quote may be a typo'd or partial instruction.
        planted = overlapping(article.text, start, end)
        if planted is not None:
            reasons.append(f"the quote is part of an instruction found in the article, not a reported claim: "
                           f"{_clip(article.text[planted.start : planted.end])!r}")
            continue
        ev.article_id, ev.start, ev.end, ev.alignment = article.id, start, end, alignment
        ev.quote = article.text[start:end]
        spans.append((start, end))
        stated.extend((g, start + g.start) for g in _stated(ev.quote, lang))
    if reasons:
        return reasons
    if headline and spans and all(end <= headline for _, end in spans):
        return _from_the_body(section, item, article, reader, english, budget, lang, headline)
    located: dict[str, list[int]] = {}
    dropped = _drop_non_figures(item) if english else []
    for name, q in item.figures().items():
        reason = _check_quantity(name, q, stated, located, english, lang)
        if reason:
            reasons.append(reason)
    if reasons:
        return reasons
    if not english:  # the second reader reads English: elsewhere, quotes and figures are all that is checked
        return []
    outcome = check(section, item, reader(), located, spans, [f for f, _ in stated])
    if outcome.reasons:
        return outcome.reasons
    item.verification_notes = dropped + outcome.notes
    corrected = any(not n.startswith("claimant ") or "filled in" in n for n in item.verification_notes)
    item.verification = ("corrected" if corrected else "unattributed" if item.claimant is None
                         else "verified")
    return []


def verify(
    sections: Sections,
    article: Article,
    *,
    extractor: str = "",
    prompt_version: str | None = None,
    usage: Usage | None = None,
    copy: bool = True,
) -> ArticleExtraction:
    """Ground every item of ``sections`` in ``article``; failures go to ``rejected`` with a reason, never raise.

    ``copy=False`` lets a caller that owns ``sections`` (a freshly parsed answer) skip the deep copy; the
    items are then updated in place.
    """
    work = sections.model_copy(deep=True) if copy else sections
    kept: dict[str, list[Item]] = {s: [] for s in SECTIONS}
    rejected: list[Rejected] = list(getattr(work, "rejected", []))
    budget = FuzzyBudget()
    second: list[Reader] = []
    english = looks_english(article.text)
    lang = article_language(article) if any(True for _ in work.items()) else None
    lang = None if lang == "en" else lang  # an article in another language: its figures are read in it too

    def reader() -> Reader:  # built on first use: an answer with no grounded item needs no sentence split
        if not second:
            second.append(Reader(article))
        return second[0]

    headline = headline_end(article)
    for section, item in work.items():
        item.sources = [article.id]
        reasons = _ground_item(section, item, article, reader, english, budget, lang, headline)
        if reasons:
            rejected.append(
                Rejected(
                    article_id=article.id,
                    section=section,  # type: ignore[arg-type]
                    reason="; ".join(reasons),
                    item=item.model_dump(mode="json"),
                )
            )
        else:
            kept[section].append(item)
    return ArticleExtraction(
        article_id=article.id,
        extractor=extractor,
        prompt_version=prompt_version,
        usage=usage if usage is not None else Usage(),
        rejected=rejected,
        instructions=[Instruction(article_id=article.id, text=article.text[f.start : f.end], start=f.start, end=f.end)
                      for f in find_instructions(article.text)],
        **kept,  # type: ignore[arg-type]
    )
