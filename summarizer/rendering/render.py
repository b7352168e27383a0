"""Briefing -> Markdown, JSON or one self-contained HTML page (pure and deterministic: same briefing, same bytes).

Every string that came from an article or a model (titles, names, quotes, article text) is
untrusted: Markdown output escapes it so it cannot open a heading, a table cell, a link or raw
HTML; HTML output runs it through ``html.escape``. Estimates are shown claim by claim with the
stated bounds and rule, never averaged.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core.dates import date_interval
from ..core.schema import (
    SECTION_SPECS,
    Article,
    Briefing,
    Claim,
    DateRef,
    Estimate,
    Evidence,
    Item,
    Quantity,
    Rejected,
    Source,
)
from .chart import LEGEND as CHART_LEGEND
from .chart import estimate_svg

SECTION_TITLES: dict[str, str] = {name: spec.title for name, spec in SECTION_SPECS.items()}

# ---------------------------------------------------------------- plain-text views shared by both formats


def _words(value: str) -> str:
    return value.replace("_", " ")


_OPENING_QUOTES = "“\"‘'«„‚"


def _quoted(quote: str) -> str:
    """A quote in curly marks, unless it already opens with a quotation mark of its own (no ““ doubling)."""
    return quote if quote[:1] in _OPENING_QUOTES else f"“{quote}”"


def _fmt_quantity(q: Quantity) -> str:
    """The figure as the article gives it, plus any conversion the article states."""
    return q.shown()


def _fmt_number(n: int | float) -> str:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return f"{n:,}"


def _fmt_date(d: DateRef | None) -> str | None:
    """``2024-12 (month; "in December")``: the date only as precise as the article states it, and how a date
    the pipeline recovered was found (``2023-12 to 2024-12 (month; "in December"; relative)``). Words that
    give no date are shown as they are."""
    if d is None or (d.start is None and not d.text):
        return None
    if d.start is None:
        return f'"{d.text}"'
    span = d.start + (f" to {d.end}" if d.end else "")
    words = f'; "{d.text}"' if d.text else ""
    how = f"; {d.source}" if d.source and d.source != "stated" else ""
    return f"{span} ({d.precision}{words}{how})"


def _fmt_source_date(s: Source) -> str | None:
    """A source's date: stated, else what the pipeline recovered (``2024-08-01 to 2025-08-31, bounded``)."""
    if s.published is not None:
        return s.published.isoformat()
    d = s.dated
    if d is None:
        return None
    if d.start is None:
        return f"{d.text}, {d.source}" if d.text else None
    return d.start + (f" to {d.end}" if d.end else "") + (f", {d.source}" if d.source else "")


def _fmt_day(d: DateRef | None) -> str | None:
    """Compact date for notes: the ISO start, else the article's words."""
    if d is None:
        return None
    if d.start:
        return d.start + (f" to {d.end}" if d.end else "")
    return f'"{d.text}"' if d.text else None


def _fmt_who(claimant: str | None, conduit: str | None) -> str | None:
    if claimant and conduit:
        return f"{claimant} via {conduit}"
    if conduit:
        return f"via {conduit}"
    return claimant or None


@dataclass
class _ItemView:
    """One item reduced to plain (unescaped) strings in display order."""

    section: str
    anchor: str
    number: int
    head: str
    figures: list[str]
    details: list[str]
    who: str | None
    when: list[str]
    sources: list[str]
    evidence: list[Evidence] = field(default_factory=list)
    status: str | None = None  # verification's status in words: "verified", "corrected: ...", "unattributed"


def _views(b: Briefing) -> list[_ItemView]:
    """All items in section order, each with a unique anchor (its id, or section-index when it has none)."""
    views: list[_ItemView] = []
    used: set[str] = set()
    for section, item in b.items():
        base = item.id or f"{section}-{sum(v.section == section for v in views) + 1}"
        anchor, k = base, 1
        while anchor in used:
            k += 1
            anchor = f"{base}-{k}"
        used.add(anchor)
        head, figures, details, _ = item.describe()
        when = [f"{label} {d}" for label, d in (("claimed", _fmt_date(item.claimed)),
                                                ("when", _fmt_date(item.period))) if d]
        views.append(_ItemView(section, anchor, len(views) + 1, head, figures, details,
                               _fmt_who(item.claimant, item.conduit), when, list(item.sources), list(item.evidence),
                               _status(item)))
    return views


def _unread_note(b: Briefing) -> str | None:
    """One sentence for the top of the briefing: 'No items recognised in 3 of 7 articles: ...', or None."""
    if not b.run.unread:
        return None
    n, total = len(b.run.unread), len(b.sources)
    by_reason: dict[str, list[str]] = {}
    for u in b.run.unread:
        by_reason.setdefault(u.reason, []).append(u.path or u.title)
    names = "; ".join(f"{', '.join(paths)} ({reason})" for reason, paths in by_reason.items())
    hint = ("Brief them with a model (--model, or `brief serve-local` for a local one) to read them."
            if b.run.extractor == "offline" else "Check them with -v (the rejected items) or try another model.")
    return f"No items recognised in {n} of {total} articles: {names}. {hint}"


def _empty_section(b: Briefing) -> str:
    """What an empty section says: 'None reported.' only when every article was read."""
    if not b.run.unread:
        return "None reported."
    read, n = len(b.sources) - len(b.run.unread), len(b.run.unread)
    if read == 0:
        return f"Nothing recognised: none of the {n} articles was understood (see the note at the top)."
    articles = "article" if read == 1 else "articles"
    return f"None found in the {read} {articles} read; {n} not understood (see the note at the top)."


def _status(item: Item) -> str | None:
    """Verification's status with its notes ("corrected: measure corrected: ...", "unattributed: claimant ...")."""
    if item.verification is None:
        return None
    if item.verification_notes:  # corrected: what changed; unattributed: whose name was removed
        return f"{item.verification}: " + "; ".join(item.verification_notes)
    return item.verification


def _instruction_lines(b: Briefing, numbers: dict[str, int]) -> list[tuple[str, str]]:
    """(article label, the planted sentence) for every instruction found in an article."""
    return [(f"article {numbers[i.article_id]}" if i.article_id in numbers else f"article {i.article_id}", i.text)
            for i in b.run.instructions]


def _scope(b: Briefing) -> str:
    partial = ("Partial briefing: the run's deadline ran out before every article was read; the ones left "
               "are listed under failed articles. ") if b.run.partial else ""
    failed = len(b.run.failed)
    # Articles that were read but could not be briefed are not among the sources: say so where the count is.
    more = (f" {failed} more input{'s' if failed != 1 else ''} could not be briefed (listed at the end)."
            if failed else "")
    return f"{partial}{_coverage(b)}{more} {_made_by(b)}"


def _made_by(b: Briefing) -> str:
    """Who filled the briefing, stated in its header."""
    r = b.run
    if r.extractor == "offline":
        return "Extracted by the offline extractor (no model configured): rule-based, every figure quoted."
    if r.model:
        return f"Extracted by model {r.model}" + (f" ({r.mode} mode)." if r.mode else ".")
    return f"Extracted by {r.extractor or 'an unknown extractor'}."


def _coverage(b: Briefing) -> str:
    n = len(b.sources)
    count = f"{n} article{'s' if n != 1 else ''}"
    dates = sorted(s.published for s in b.sources if s.published is not None)
    undated = n - len(dates)
    if not dates:
        return f"{count}; no publication dates known." if n else "No articles."
    span = dates[0].isoformat() if dates[0] == dates[-1] else f"{dates[0].isoformat()} to {dates[-1].isoformat()}"
    if not undated:
        return f"{count}, published {span}."
    estimated = sum(1 for s in b.sources if s.published is None and s.dated is not None)
    how = ("each dated from its text" if estimated == undated
           else f"{estimated} of them dated from their text" if estimated else "and nothing in their text dates them")
    return f"{count}, published {span} ({undated} without a publication date, {how}: see Sources)."


def _bounds_line(e: Estimate) -> str | None:
    """The stated low/high (the rule is stated once, in the legend); never an average."""
    if e.measure == RELATED:
        return None
    units = {c.figure.unit for c in e.claims}
    unit = f" {units.pop()}" if len(units) == 1 and None not in units else ""
    low = _fmt_number(e.low) + unit if e.low is not None else "open"
    high = _fmt_number(e.high) + unit if e.high is not None else "open"
    return f"Low {low}, high {high}."


RELATED = "related_measures"


def _legend(b: Briefing) -> list[str]:
    """Each estimate rule once, for the whole Estimates section (every estimate carries its rule in JSON)."""
    rules = list(dict.fromkeys(e.rule for e in b.estimates if e.rule))
    return [f"Rule: {r}." for r in rules]


def _key_figures(b: Briefing) -> list[tuple[Estimate, Claim]]:
    """Current claims by side and measure, the latest first (undated last); related-measures groups only
    restate claims shown under their own measure, so they are left out."""
    out: list[tuple[Estimate, Claim]] = []
    for e in sorted((e for e in b.estimates if e.measure != RELATED), key=lambda e: (e.side.lower(), e.measure)):
        current = [c for c in e.claims if c.current]
        out += [(e, c) for c in sorted(current, key=lambda c: (_latest(c.date), c.claimant or "", c.item_id))]
    return out


def _latest(d: DateRef | None) -> tuple[int, int]:
    """Sort key, latest first: by the first day a claim can be from (what is surely known), then the last."""
    iv = date_interval(d)
    return (-iv[0].toordinal(), -iv[1].toordinal()) if iv is not None else (1, 0)


def _claim_label(c: Claim) -> str:
    date = _fmt_day(c.date)
    who = _fmt_who(c.claimant, c.conduit) or "unattributed"
    return f"{_fmt_quantity(c.figure)} ({who}{', ' + date if date else ''})"


def _series_lines(e: Estimate) -> list[str]:
    by_id = {c.item_id: c for c in e.claims}
    out = []
    for ids in e.series:
        first = by_id.get(ids[0]) if ids else None
        who = (_fmt_who(first.claimant, first.conduit) if first else None) or "one claimant"
        # the interval a claim is ordered by (its date narrowed by the period it reports), when narrower
        steps = [_fmt_quantity(by_id[i].figure) + (f" ({d})" if (d := _fmt_day(by_id[i].placed or by_id[i].date))
                                                   else "")
                 if i in by_id else i for i in ids]
        out.append(f"Series: {who} revised the figure: {' then '.join(steps)}.")
    for ids in e.conflicts:
        out.append("Conflict: these claims, by different claimants at about the same time, cannot both hold: "
                   + " vs ".join(_claim_label(by_id[i]) if i in by_id else i for i in ids) + ".")
    for ids in e.corroborations:
        out.append("Corroboration: reported side by side at about the same time, these claims can both hold: "
                   + " and ".join(_claim_label(by_id[i]) if i in by_id else i for i in ids) + ".")
    return out


def _rejected_quote(r: Rejected) -> str | None:
    """The first quote of a rejected item (kept as a loose dict, so read defensively)."""
    evidence = r.item.get("evidence")
    first = evidence[0] if isinstance(evidence, list) and evidence else None
    quote = first.get("quote") if isinstance(first, dict) else first
    return quote if isinstance(quote, str) and quote else None


def _run_lines(b: Briefing) -> list[str]:
    r = b.run
    who = f"Extractor: {r.extractor or 'unknown'}"
    if r.model:
        who += f" (model {r.model}" + (f", mode {r.mode}" if r.mode else "") + ")"
    u = r.usage
    tokens = (f"Tokens: {u.prompt_tokens:,} prompt + {u.completion_tokens:,} completion = {u.total_tokens:,} "
              f"in {u.calls:,} call{'s' if u.calls != 1 else ''} ({u.cached_calls:,} cached)")
    cost = f"Cost: ${u.cost_usd:.4f}" if u.cost_usd is not None else "Cost: not known"
    return [who, f"Prompt version: {r.prompt_version or 'none'}", tokens, cost, *r.notes]


# ---------------------------------------------------------------- Markdown

_MD_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")
_MD_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


def _md(text: str | None) -> str:
    """Untrusted text as inert inline Markdown: one line, no markup, no raw HTML, safe in a table cell."""
    text = _MD_CONTROL.sub("", _MD_BREAKS.sub(" ", text or ""))
    return _MD_ENTITY.sub(r"\\&", _MD_SPECIAL.sub(r"\\\1", text)).strip()


def _md_refs(ids: Sequence[str], numbers: dict[str, int]) -> str:
    nums = sorted({numbers[i] for i in ids if i in numbers})
    unknown = sorted({i for i in ids if i not in numbers})
    return "".join(f"[{n}]" for n in nums) + "".join(f"[source {_md(i)}?]" for i in unknown)


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_item(v: _ItemView, numbers: dict[str, int], verbose: bool) -> list[str]:
    body = "; ".join(_md(x) for x in v.figures + v.details)
    tail = "; ".join(([_md(v.who)] if v.who else []) + [_md(w) for w in v.when])
    line = f"- **{_md(v.head)}**" + (f": {body}" if body else "") + (f" — {tail}" if tail else "")
    status = f" *({_md(v.status)})*" if v.status else ""
    out = [f"{line} {_md_refs(v.sources, numbers)}".rstrip() + status]
    if verbose:
        for ev in v.evidence:
            ref = _md_refs([ev.article_id], numbers) if ev.article_id else ""
            out.append(f"  - {_md(_quoted(ev.quote))} {ref}".rstrip())
    return out


def render_markdown(b: Briefing, *, verbose: bool = False) -> str:
    """The briefing as Markdown; ``verbose`` adds each item's quotes and the items verification rejected."""
    numbers = {s.id: i for i, s in enumerate(b.sources, 1)}
    views = _views(b)
    by_id = {v.anchor: v for v in views}
    out = [f"# {_md(b.title)}", "", _md(_scope(b)), ""]
    if unread_note := _unread_note(b):
        out += [f"**{_md(unread_note)}**", ""]
    if b.bottom_line:
        out += ["## Bottom line", ""]
        out += [f"- {_md(s.text)} {_md_refs(s.sources, numbers)}".rstrip() for s in b.bottom_line] + [""]
    out += ["## Sources", ""]
    out += [_md_row(["#", "Id", "Title", "Outlet", "Date"]), _md_row(["---"] * 5)]
    for i, s in enumerate(b.sources, 1):
        out.append(_md_row([f"[{i}]", _md(s.id), _md(s.title), _md(s.outlet) or "—", _md(_fmt_source_date(s)) or "—"]))
    if b.run.instructions:
        out += ["", "## Instructions found in articles", "",
                "These sentences are addressed to a reader or a machine; they are not claims and are never used "
                "as evidence.", ""]
        out += [f"- Instructions found in {_md(where)}: “{_md(text)}”"
                for where, text in _instruction_lines(b, numbers)]
    out += ["", "## Key figures", ""]
    key = _key_figures(b)
    out += [f"- {_md(e.side)}, {_md(_words(e.measure))}: **{_md(_fmt_quantity(c.figure))}** — "
            f"{_md(_fmt_who(c.claimant, c.conduit) or 'unattributed')}"
            + (f", {_md(d)}" if (d := _fmt_date(c.date)) else "") + f" {_md_refs(c.sources, numbers)}"
            for e, c in key] or ["No figures."]
    for section, title in SECTION_TITLES.items():
        out += ["", f"## {title}", ""]
        lines = [line for v in views if v.section == section for line in _md_item(v, numbers, verbose)]
        out += lines or [_md(_empty_section(b))]
    out += ["", "## Estimates", ""]
    if not b.estimates:
        out.append("No estimates.")
    else:
        out += [line for r in _legend(b) for line in (_md(r), "")]
    for e in b.estimates:
        out += [f"### {_md(e.side)}: {_md(_words(e.measure))}", ""]
        out += [_md_row(["Figure", "Claimant", "Date", "Sources", "Status"]), _md_row(["---"] * 5)]
        out += [_md_row([_md(_fmt_quantity(c.figure)), _md(_fmt_who(c.claimant, c.conduit)) or "—",
                         _md(_fmt_date(c.date)) or "—", _md_refs(c.sources, numbers) or "—",
                         "current" if c.current else "superseded"]) for c in e.claims]
        notes = _series_lines(e) + ([bl] if (bl := _bounds_line(e)) else [])
        out += [line for n in notes for line in ("", _md(n))] + [""]
    if b.estimates:
        out.pop()
    out += ["", "## Timeline", ""]
    out += [f"- {_md(_fmt_date(t.date) or 'undated')} — {SECTION_TITLES[t.section]}: {_md(t.summary)}"
            + (f" {_md_refs(by_id[t.item_id].sources, numbers)}" if t.item_id in by_id else "")
            for t in b.timeline] or ["No dated events."]
    out += ["", "---", ""] + [f"- {_md(line)}" for line in _run_lines(b)]
    out.append(f"- Failed articles: {len(b.run.failed)}")
    out += [f"  - {_md(f.path)}: {_md(f.reason)}" for f in b.run.failed]
    rejected = b.run.rejected
    hint = " (use --verbose to list them)" if rejected and not verbose else ""
    out.append(f"- Items rejected by verification: {len(rejected)}{hint}")
    if verbose:
        for r in rejected:
            quote = f" — {_md(_quoted(q))}" if (q := _rejected_quote(r)) else ""
            out.append(f"  - {SECTION_TITLES[r.section]}, {_md_refs([r.article_id], numbers)}: "
                       f"{_md(r.reason)}{quote}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- JSON


def render_json(b: Briefing) -> str:
    """The briefing as JSON valid against schemas/Briefing.json."""
    return b.model_dump_json(indent=2) + "\n"


# ---------------------------------------------------------------- HTML

_CSS = """
:root { --ink: #1d232b; --muted: #5d6672; --line: #d9dee4; --mark: #fff1a8; --mark2: #ffd86b; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.5rem 4rem; background: #fff; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.scope, .meta, .muted { color: var(--muted); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .6rem; font-size: .93rem; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
tr.superseded td { color: var(--muted); }
td.date, td.fig { white-space: nowrap; }
code { font: .82rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); }
ul { padding-left: 1.3rem; }
li { margin: .3rem 0; }
li.item { list-style: none; margin-left: -1.3rem; padding: .35rem .5rem; border-radius: 6px; }
.num { display: inline-block; min-width: 1.7rem; padding: 0 .3rem; margin-right: .3rem; border-radius: 999px;
  background: #e3ebf6; color: var(--accent); font-size: .8rem; font-weight: 600; text-align: center; }
.fig { font-weight: 600; }
.who { font-style: italic; }
ul.quotes { margin: .2rem 0 0 2.2rem; padding: 0; font-size: .9rem; }
ul.quotes li { list-style: "\\201C  "; margin: .1rem 0; }
ul.quotes li.own { list-style: "\\2002  "; }
.ref { font-size: .85rem; }
.unlocated { color: var(--muted); }
.note { margin: .2rem 0; font-size: .93rem; }
.status { font-size: .8rem; color: var(--muted); }
.status-corrected { color: #8a5a00; }
.status-unattributed { color: #8a5a00; font-style: italic; }
li.instruction { color: #8a1f1f; }
article.source { border-top: 1px solid var(--line); margin-top: 1.5rem; }
.text { white-space: pre-wrap; font-family: Georgia, "Times New Roman", serif; font-size: 1.02rem; line-height: 1.65; }
mark.q { background: var(--mark); padding: .05rem 0; border-radius: 2px; }
mark.q mark.q { background: var(--mark2); }
sup.back { font-family: system-ui, sans-serif; font-size: .7rem; margin-left: .15rem; }
sup.back a { margin-right: .15rem; }
:target { scroll-margin-top: 4rem; }
li.item:target { background: #e9f2ff; outline: 2px solid var(--accent); }
mark.q:target { outline: 3px solid #e08a00; background: var(--mark2); }
footer { margin-top: 2.5rem; padding-top: .8rem; border-top: 2px solid var(--line); font-size: .9rem;
  color: var(--muted); }
footer ul { margin: .3rem 0; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll table { margin: 0; }
h1, h3, .text, code, footer li, .note { overflow-wrap: anywhere; }
.scroll code { overflow-wrap: normal; white-space: nowrap; }
figure.chart { margin: .6rem 0 .4rem; }
svg.chart { display: block; width: 100%; max-width: 36rem; height: auto; }
.legend { font-size: .9rem; color: var(--muted); }
@media (max-width: 40rem), (pointer: coarse) {
  main { padding: 1rem .75rem 3rem; }
  /* Every link and button is at least 44 x 44 px to tap. */
  main a, summary { display: inline-block; min-width: 44px; min-height: 44px; padding: .65rem .2rem; }
  ul.quotes li a.qref { display: block; }
  sup.back { font-size: .8rem; }
}
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(text: str | None) -> str:
    return html.escape(text or "", quote=True)


@dataclass
class _Span:
    """One highlighted stretch of an article; several items may cite the same stretch."""

    article_id: str
    start: int
    end: int
    anchor: str = ""
    items: list[_ItemView] = field(default_factory=list)


def _collect_spans(views: list[_ItemView], articles: dict[str, Article]) -> dict[tuple[str, int, int], _Span]:
    """Every located quote, numbered per article in text order (outer span first when two start together)."""
    found: dict[tuple[str, int, int], _Span] = {}
    for v in views:
        for ev in v.evidence:
            art = articles.get(ev.article_id or "")
            if art is None or ev.start is None or ev.end is None or not 0 <= ev.start < ev.end <= len(art.text):
                continue
            span = found.setdefault((art.id, ev.start, ev.end), _Span(art.id, ev.start, ev.end))
            if all(x.anchor != v.anchor for x in span.items):
                span.items.append(v)
    counts: dict[str, int] = {}
    for key in sorted(found, key=lambda k: (k[0], k[1], -k[2])):
        counts[key[0]] = counts.get(key[0], 0) + 1
        found[key].anchor = f"q-{key[0]}-{counts[key[0]]}"
    return found


def _highlight(text: str, spans: list[_Span]) -> str:
    """Article text with <mark> per span; a span crossing another's end is split and continues (no id)."""
    spans = sorted(spans, key=lambda s: (s.start, -s.end, s.anchor))
    cuts = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    out: list[str] = []
    stack: list[_Span] = []
    opened: set[str] = set()
    closed: set[str] = set()

    def close(s: _Span) -> None:
        if s.anchor not in closed:
            closed.add(s.anchor)
            links = "".join(f'<a class="back" data-q="{_e(s.anchor)}" href="#item-{_e(v.anchor)}" '
                            f'title="back to item {v.number}">&#8593;{v.number}</a>' for v in s.items)
            out.append(f'<sup class="back">{links}</sup>')
        out.append("</mark>")

    for a, z in zip(cuts, cuts[1:], strict=False):
        want = [s for s in spans if s.start <= a and z <= s.end]
        keep = 0
        while keep < min(len(stack), len(want)) and stack[keep] is want[keep]:
            keep += 1
        for s in reversed(stack[keep:]):
            close(s)
        for s in want[keep:]:
            if s.anchor in opened:
                out.append(f'<mark class="q cont" data-q="{_e(s.anchor)}">')
            else:
                opened.add(s.anchor)
                out.append(f'<mark class="q" id="{_e(s.anchor)}">')
        stack = want
        out.append(_e(text[a:z]))
    for s in reversed(stack):
        close(s)
    return "".join(out)


def _html_refs(ids: Sequence[str], numbers: dict[str, int]) -> str:
    nums = sorted({numbers[i] for i in ids if i in numbers})
    unknown = sorted({i for i in ids if i not in numbers})
    return "".join(f'<a class="ref" href="#src-{n}">[{n}]</a>' for n in nums) + "".join(
        f'<span class="ref">[source {_e(i)}?]</span>' for i in unknown)


def _html_item(v: _ItemView, numbers: dict[str, int], spans: dict[tuple[str, int, int], _Span]) -> str:
    body = "; ".join([f'<span class="fig">{_e(f)}</span>' for f in v.figures] + [_e(d) for d in v.details])
    tail = "; ".join(([f'<span class="who">{_e(v.who)}</span>'] if v.who else []) + [_e(w) for w in v.when])
    quotes = []
    for ev in v.evidence:
        span = spans.get((ev.article_id or "", ev.start or 0, ev.end or 0))
        ref = _html_refs([ev.article_id], numbers) if ev.article_id else ""
        own = ' class="own"' if ev.quote[:1] in _OPENING_QUOTES else ""  # opens with its own mark: no “ bullet
        if span is not None:
            quotes.append(f'<li{own}><a class="qref" href="#{_e(span.anchor)}">{_e(ev.quote)}</a> {ref}</li>')
        else:
            quotes.append(f'<li{own}><span class="unlocated">{_e(ev.quote)} (not located in the supplied text)</span> '
                          f"{ref}</li>")
    return (f'<li class="item" id="item-{_e(v.anchor)}"><span class="num">{v.number}</span>'
            f"<strong>{_e(v.head)}</strong>" + (f": {body}" if body else "") + (f" — {tail}" if tail else "")
            + f" {_html_refs(v.sources, numbers)}"
            + (f' <span class="status status-{_e(v.status.split(":")[0])}">{_e(v.status)}</span>' if v.status else "")
            + f'<ul class="quotes">{"".join(quotes)}</ul></li>')


def _html_item_link(item_id: str, by_id: dict[str, _ItemView], label: str) -> str:
    v = by_id.get(item_id)
    return f'<a href="#item-{_e(v.anchor)}">{label}</a>' if v else label


def _html_estimate(e: Estimate, numbers: dict[str, int], by_id: dict[str, _ItemView]) -> list[str]:
    svg = estimate_svg(e, numbers)
    out = [f"<h3>{_e(e.side)}: {_e(_words(e.measure))}</h3>"]
    out += [f'<figure class="chart">{svg}</figure>'] if svg else []
    out += ['<div class="scroll"><table><thead><tr><th>Figure</th><th>Claimant</th>'
            "<th>Date</th><th>Sources</th><th>Status</th></tr></thead><tbody>"]
    for c in e.claims:
        status = "current" if c.current else "superseded"
        fig = _html_item_link(c.item_id, by_id, _e(_fmt_quantity(c.figure)))
        out.append(f'<tr class="{status}"><td class="fig">{fig}</td>'
                   f"<td>{_e(_fmt_who(c.claimant, c.conduit)) or '—'}</td>"
                   f'<td class="date">{_e(_fmt_date(c.date)) or "—"}</td>'
                   f"<td>{_html_refs(c.sources, numbers) or '—'}</td><td>{status}</td></tr>")
    out.append("</tbody></table></div>")
    notes = _series_lines(e) + ([bl] if (bl := _bounds_line(e)) else [])
    return out + [f'<p class="note">{_e(n)}</p>' for n in notes]


def _html_sources(b: Briefing, articles: dict[str, Article]) -> list[str]:
    out = ['<div class="scroll"><table><thead><tr><th>#</th><th>Title</th><th>Outlet</th><th>Date</th><th>Id</th>'
           "</tr></thead><tbody>"]
    for i, s in enumerate(b.sources, 1):
        title = f'<a href="#art-{_e(s.id)}">{_e(s.title)}</a>' if s.id in articles else _e(s.title)
        url = f'<div class="muted"><code>{_e(s.url)}</code></div>' if s.url else ""
        date = _e(_fmt_source_date(s)) or "—"
        out.append(f'<tr id="src-{i}"><td>[{i}]</td><td>{title}{url}</td><td>{_e(s.outlet) or "—"}</td>'
                   f'<td class="date">{date}</td><td><code>{_e(s.id)}</code></td></tr>')
    return out + ["</tbody></table></div>"]


def _html_bottom_line(b: Briefing, numbers: dict[str, int]) -> list[str]:
    if not b.bottom_line:
        return []
    return (['<section id="bottom-line"><h2>Bottom line</h2><ul>']
            + [f"<li>{_e(s.text)} {_html_refs(s.sources, numbers)}</li>" for s in b.bottom_line] + ["</ul></section>"])


def _html_footer(b: Briefing, numbers: dict[str, int]) -> list[str]:
    out = ["<footer><ul>"] + [f"<li>{_e(line)}</li>" for line in _run_lines(b)]
    out.append(f"<li>Failed articles: {len(b.run.failed)}<ul>"
               + "".join(f"<li>{_e(f.path)}: {_e(f.reason)}</li>" for f in b.run.failed) + "</ul></li>")
    out.append(f"<li><details><summary>Items rejected by verification: {len(b.run.rejected)}</summary><ul>")
    for r in b.run.rejected:
        quote = f" — {_e(_quoted(q))}" if (q := _rejected_quote(r)) else ""
        refs = _html_refs([r.article_id], numbers)
        out.append(f"<li>{SECTION_TITLES[r.section]}, {refs}: {_e(r.reason)}{quote}</li>")
    return out + ["</ul></details></li></ul></footer>"]


def render_html(b: Briefing, articles: Sequence[Article]) -> str:
    """One self-contained page: the briefing, then each article with its quoted spans highlighted and cross-linked."""
    numbers = {s.id: i for i, s in enumerate(b.sources, 1)}
    by_article = {a.id: a for a in articles}
    views = _views(b)
    by_id = {v.anchor: v for v in views}
    spans = _collect_spans(views, by_article)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(b.title)}</title><style>{_CSS}</style></head>", "<body><main>",
           f"<header><h1>{_e(b.title)}</h1><p class=\"scope\">{_e(_scope(b))}</p>"
           + (f'<p class="unread"><strong>{_e(n)}</strong></p>' if (n := _unread_note(b)) else "") + "</header>",
           *_html_bottom_line(b, numbers),
           '<section id="sources"><h2>Sources</h2>', *_html_sources(b, by_article), "</section>"]
    if b.run.instructions:
        out += ['<section id="instructions"><h2>Instructions found in articles</h2>',
                '<p class="muted">These sentences are addressed to a reader or a machine; they are not claims and '
                "are never used as evidence.</p><ul>"]
        out += [f'<li class="instruction">Instructions found in {_e(where)}: “{_e(text)}”</li>'
                for where, text in _instruction_lines(b, numbers)]
        out += ["</ul></section>"]
    out += ['<section id="key-figures"><h2>Key figures</h2><ul>']
    key = _key_figures(b)
    for e, c in key:
        date = _fmt_date(c.date)
        fig = _html_item_link(c.item_id, by_id, f'<span class="fig">{_e(_fmt_quantity(c.figure))}</span>')
        out.append(f"<li>{_e(e.side)}, {_e(_words(e.measure))}: {fig} — "
                   f'<span class="who">{_e(_fmt_who(c.claimant, c.conduit) or "unattributed")}</span>'
                   + (f", {_e(date)}" if date else "") + f" {_html_refs(c.sources, numbers)}</li>")
    out += ["</ul>" if key else "<li>No figures.</li></ul>", "</section>"]
    for section, title in SECTION_TITLES.items():
        items = [_html_item(v, numbers, spans) for v in views if v.section == section]
        out += [f'<section id="{section}"><h2>{title}</h2>',
                f'<ul class="items">{"".join(items)}</ul>' if items else f"<p>{_e(_empty_section(b))}</p>",
                "</section>"]
    out.append('<section id="estimates"><h2>Estimates</h2>')
    out += [f'<p class="note legend">{_e(r)}</p>' for r in _legend(b)]
    if any(estimate_svg(e) for e in b.estimates):
        out.append(f'<p class="legend">{_e(CHART_LEGEND)}</p>')
    out += [line for e in b.estimates for line in _html_estimate(e, numbers, by_id)] or ["<p>No estimates.</p>"]
    out += ["</section>", '<section id="timeline"><h2>Timeline</h2><ul>']
    out += [f"<li>{_e(_fmt_date(t.date) or 'undated')} — {SECTION_TITLES[t.section]}: "
            + _html_item_link(t.item_id, by_id, _e(t.summary))
            + (f" {_html_refs(by_id[t.item_id].sources, numbers)}" if t.item_id in by_id else "") + "</li>"
            for t in b.timeline] or ["<li>No dated events.</li>"]
    out += ["</ul></section>", *_html_footer(b, numbers), '<section id="articles"><h2>Articles</h2>']
    ordered = [by_article[s.id] for s in b.sources if s.id in by_article]
    ordered += [a for a in articles if a.id not in numbers]
    for a in ordered:
        n = f"[{numbers[a.id]}] " if a.id in numbers else ""
        meta = [x for x in (a.outlet, a.published.isoformat() if a.published else None, a.url, a.id) if x]
        mine = [s for s in spans.values() if s.article_id == a.id]
        out += [f'<article class="source" id="art-{_e(a.id)}"><h3>{n}{_e(a.title)}</h3>',
                f'<p class="meta">{" · ".join(_e(x) for x in meta)}</p>',
                f'<div class="text">{_highlight(a.text, mine)}</div></article>']
    out += ["</section>", "</main></body></html>"]
    return "\n".join(out) + "\n"
