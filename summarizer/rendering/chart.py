"""One inline SVG chart per estimate group: each claim a range bar, rows by claimant then date.

A claim's bar runs from its stated low to its stated high on a linear axis starting at zero. An open end
("at least 100", "as many as 12,000") is an arrow pointing the way the figure is open; a single figure is
a dot; a claim with no number at all ("several") is a labelled row without a bar. A claimant's series
(revisions) is joined by a dashed line, and claims that conflict are drawn in red and marked. Nothing is
averaged or interpolated. Pure: the same estimate gives the same bytes, and all text is escaped.
"""

from __future__ import annotations

import html
import math

from ..core.schema import Claim, Estimate

WIDTH = 480  # viewBox units; the page scales the chart to its column (a phone shows it about 1:0.75)
PAD = 12
LABEL = 17  # the label line above each bar
BAR = 10
ROW = LABEL + BAR + 13
AXIS = 30
MAX_LABEL = 58  # characters that fit the chart's width at its font size
_FONT = 'font-family="system-ui, sans-serif"'


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above value (a round axis end)."""
    if value <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(value))
    return next(m * base for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * base >= value)


def _fmt(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _day(c: Claim) -> str:
    if c.date is None:
        return ""
    if c.date.start and c.date.end:  # a recovered date known only as an interval: show all of it
        return f"{c.date.start} to {c.date.end}"
    return c.date.start or (f'"{c.date.text}"' if c.date.text else "")


def _who(c: Claim) -> str:
    if c.claimant and c.conduit:
        return f"{c.claimant} via {c.conduit}"
    return c.claimant or (f"via {c.conduit}" if c.conduit else "unattributed")


def chartable(e: Estimate) -> bool:
    """Worth a chart: at least one claim with a number, and every number in the same unit."""
    units = {c.figure.unit for c in e.claims if c.figure.low is not None or c.figure.high is not None}
    return e.measure != "related_measures" and len(units) == 1


def estimate_svg(e: Estimate, numbers: dict[str, int] | None = None) -> str:
    """The chart for one estimate group as an inline <svg> element ("" when the group has nothing to plot).

    ``numbers`` maps article ids to the page's source numbers: each label then cites its sources ("[2]").
    """
    if not chartable(e):
        return ""
    # Rows: claimants alphabetically, each claimant's claims by date (undated last), so a series reads downwards.
    rows = sorted(enumerate(e.claims), key=lambda ic: (_who(ic[1]).lower(), _day(ic[1]) == "", _day(ic[1]), ic[0]))
    values = [v for _, c in rows for v in (c.figure.low, c.figure.high) if v is not None]
    top = _nice_max(max(values) * 1.08)
    left, right = PAD, WIDTH - PAD

    def x(v: float) -> float:
        return round(left + (right - left) * v / top, 1)

    in_conflict = {i for pair in e.conflicts for i in pair}
    height = PAD + ROW * len(rows) + AXIS
    title = f"{e.side}: {e.measure.replace('_', ' ')}"
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{_e("Chart of " + title)}" '
           f'xmlns="http://www.w3.org/2000/svg" {_FONT}>', f"<title>{_e(title)}</title>"]
    centre: dict[str, tuple[float, float]] = {}  # item id -> where a series line meets its bar
    for n, (_, c) in enumerate(rows):
        y0 = PAD + n * ROW
        bar_y = y0 + LABEL + BAR / 2
        conflict = c.item_id in in_conflict
        colour = "#b3261e" if conflict else ("#1f5fa8" if c.current else "#8a939e")
        # The figure first, so a label cut short for a narrow chart still shows it; the whole label is the tooltip.
        refs = "".join(f"[{n}]" for n in sorted({numbers[s] for s in c.sources if s in numbers})) if numbers else ""
        label = f"{c.figure.text}{' ' + refs if refs else ''}{' ⚠ conflict' if conflict else ''}"
        label += f"{' (superseded)' if not c.current else ''} — "
        label += f"{_who(c)}{', ' + _day(c) if _day(c) else ''}"
        short = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"
        out.append(f'<text x="{left}" y="{y0 + LABEL - 5}" font-size="14" fill="{colour}">{_e(short)}'
                   f"<title>{_e(label)}</title></text>")
        lo, hi = c.figure.low, c.figure.high
        if lo is None and hi is None:
            out.append(f'<text x="{left}" y="{bar_y + 4}" font-size="11" fill="#5d6672">no number stated</text>')
            continue
        if lo is not None and hi is not None and lo == hi:
            cx = x(lo)
            out.append(f'<circle cx="{cx}" cy="{bar_y}" r="5" fill="{colour}"><title>{_e(c.figure.text)}</title>'
                       "</circle>")
            centre[c.item_id] = (cx, bar_y)
            continue
        opacity = 0.85 if c.current else 0.45
        tip = f"<title>{_e(c.figure.text)}</title>"
        if lo is not None and hi is not None:  # a stated range: one solid bar
            start, end = x(lo), x(hi)
            width = round(max(end - start, 3), 1)
            out.append(f'<rect x="{start}" y="{bar_y - BAR / 2}" width="{width}" height="{BAR}" rx="2" '
                       f'fill="{colour}" fill-opacity="{opacity}">{tip}</rect>')
            centre[c.item_id] = ((start + end) / 2, bar_y)
            continue
        # One bound only: a solid tick at the stated bound and a thin line running to an arrow at the open end.
        bound = x(lo if lo is not None else hi)  # type: ignore[arg-type]
        tip_x, back = (right, -9) if hi is None else (left, 9)
        a, b = sorted((bound, tip_x))
        out.append(f'<rect x="{a}" y="{bar_y - 1.5}" width="{round(max(b - a, 1), 1)}" height="3" fill="{colour}" '
                   f'fill-opacity="{opacity}">{tip}</rect>')
        out.append(f'<rect x="{bound - 3}" y="{bar_y - BAR / 2}" width="6" height="{BAR}" rx="1" fill="{colour}">'
                   f"{tip}</rect>")
        out.append(f'<polygon points="{tip_x},{bar_y} {tip_x + back},{bar_y - 7} {tip_x + back},{bar_y + 7}" '
                   f'fill="{colour}" fill-opacity="{opacity}"/>')
        centre[c.item_id] = (bound, bar_y)
    for ids in e.series:
        points = [centre[i] for i in ids if i in centre]
        if len(points) > 1:
            path = " ".join(f"{px},{py}" for px, py in points)
            out.append(f'<polyline class="series" points="{path}" fill="none" stroke="#1d232b" '
                       'stroke-width="1.5" stroke-dasharray="4 3"/>')
    axis_y = PAD + ROW * len(rows) + 2
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#5d6672"/>')
    for k in range(5):
        v = top * k / 4
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        out.append(f'<line x1="{x(v)}" y1="{axis_y}" x2="{x(v)}" y2="{axis_y + 4}" stroke="#5d6672"/>'
                   f'<text x="{x(v)}" y="{axis_y + 17}" font-size="12" fill="#5d6672" text-anchor="{anchor}">'
                   f"{_fmt(v)}</text>")
    out.append("</svg>")
    return "".join(out)


LEGEND = ("Charts: each bar is one claim, from the low to the high figure it states (a dot is a single figure); "
          "an arrow marks an open end (\u201cat least\u201d, \u201cas many as\u201d); a dashed line joins one "
          "claimant's revisions; red marks claims that conflict. Claims are shown side by side, each as stated.")
