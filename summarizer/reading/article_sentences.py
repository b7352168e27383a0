"""Sentence splitting for the offline extractor: offsets, paragraphs, headings and figures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..core.numbers import Figure, find_figures
from ..core.sentences import sentence_spans
from .patterns import END_PUNCT

# ---------------------------------------------------------------- sentences


@dataclass(frozen=True)
class Sentence:
    """One sentence of the article, with its offsets and figures (shared between readers: never changed)."""

    index: int
    start: int
    end: int
    text: str
    block: int  # paragraph number; a blank line starts a new one
    heading: bool
    figures: list[Figure] = field(default_factory=list)


def _blocks(text: str) -> list[tuple[int, int, int]]:
    """(start, end, paragraph) of runs of lines that belong together.

    A line break ends a sentence unless the line ends with a comma-like mark or the next
    line starts in lower case ('So far,\\nNorth Korean troop casualties\\nare estimated').
    """
    out: list[tuple[int, int, int]] = []
    pos, para, cur, last = 0, 0, None, ""
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        stripped = line.strip()
        if not stripped:
            if cur is not None:
                out.append(cur)
                cur = None
            para += 1
            continue
        if cur is not None:
            # `last` is the previous line's last visible character (only that line is looked at: linear time)
            if last in ",;:—–-(" or stripped[0].islower():
                cur = (cur[0], e, para)
                last = stripped[-1]
                continue
            out.append(cur)
        cur = (s, e, para)
        last = stripped[-1]
    if cur is not None:
        out.append(cur)
    return out


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with exact offsets: lines joined as in :func:`_blocks`, then split inside each block
    by :func:`summarizer.core.sentences.sentence_spans` (linear time, whatever the block's length).

    The offline extractor and verification's second reader both read an article's sentences: the split is
    kept for the last few texts, so it is done once per article.
    """
    return list(_split(text))


_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=8)
def _split(text: str) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    for bstart, bend, para in _blocks(text):
        block = text[bstart:bend]
        flat = block.replace("\n", " ")
        spans = sentence_spans(flat)
        single_line = "\n" not in block.strip()
        for a, b in spans:
            raw = block[a:b]
            lead = len(raw) - len(raw.lstrip())
            s, e = bstart + a + lead, bstart + a + len(raw.rstrip())
            if e <= s or not _LETTER.search(text, s, e):
                continue
            sent = text[s:e]
            heading = single_line and len(spans) == 1 and sent[-1] not in END_PUNCT
            out.append(Sentence(len(out), s, e, sent, para, heading, find_figures(sent)))
    return tuple(out)


def counts(s: Sentence) -> list[Figure]:
    """The sentence's figures that count something: not years, percentages or sums of money."""
    return [f for f in s.figures if not f.year_like and not f.percent and f.currency is None]


@dataclass
class TableRow:
    """One row of a table written with bars ('| May 2024 | Germany | €500 million |'): one sentence of its own."""

    sentence: Sentence
    cells: list[tuple[int, int]]  # (start, end) of each cell's text in the sentence, spaces trimmed

    def cell(self, k: int) -> str:
        a, b = self.cells[k]
        return self.sentence.text[a:b]


def _row(s: Sentence) -> TableRow | None:
    t = s.text
    if not (t.startswith("|") and t.endswith("|")) or t.count("|") < 3:
        return None
    bars = [k for k, c in enumerate(t) if c == "|"]
    cells = []
    for a, b in zip(bars, bars[1:], strict=False):
        raw = t[a + 1 : b]
        lead = len(raw) - len(raw.lstrip())
        cells.append((a + 1 + lead, a + 1 + len(raw.rstrip())))
    return TableRow(s, cells)


def tables(sentences: list[Sentence]) -> list[tuple[list[str], list[TableRow]]]:
    """(header cells, rows) of each table: consecutive bar-delimited lines, the first one the header.

    The '|---|---|' line under the header has no letters, so it is no sentence and never a row.
    """
    out: list[tuple[list[str], list[TableRow]]] = []
    run: list[TableRow] = []
    for s in [*sentences, None]:
        row = _row(s) if s is not None else None
        if row is not None and (not run or row.sentence.index == run[-1].sentence.index + 1):
            run.append(row)
            continue
        if len(run) > 1:
            head = [run[0].cell(k) for k in range(len(run[0].cells))]
            out.append((head, [r for r in run[1:] if len(r.cells) == len(head)]))
        run = [row] if row is not None else []
    return out
