"""Sentence splitting for the offline extractor: offsets, paragraphs, headings and figures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pysbd

from .numbers import Figure, find_figures
from .offline_patterns import _END_PUNCT

# ---------------------------------------------------------------- sentences


@dataclass
class Sentence:
    """One sentence of the article, with its offsets and figures."""

    index: int
    start: int
    end: int
    text: str
    block: int  # paragraph number; a blank line starts a new one
    heading: bool
    figures: list[Figure] = field(default_factory=list)


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _blocks(text: str) -> list[tuple[int, int, int]]:
    """(start, end, paragraph) of runs of lines that belong together.

    A line break ends a sentence unless the line ends with a comma-like mark or the next
    line starts in lower case ('So far,\\nNorth Korean troop casualties\\nare estimated').
    """
    out: list[tuple[int, int, int]] = []
    pos, para, cur = 0, 0, None
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
            prev = text[cur[0] : cur[1]].rstrip()
            if prev[-1] in ",;:—–-(" or stripped[0].islower():
                cur = (cur[0], e, para)
                continue
            out.append(cur)
        cur = (s, e, para)
    if cur is not None:
        out.append(cur)
    return out


def _simple_spans(text: str) -> list[tuple[int, int]]:
    """Fallback splitter: a sentence ends at . ! or ? (and a closing quote) before a capital or quote."""
    ends = [m.end() for m in re.finditer(r"[.!?][\"”’)]?(?=\s+[\"“‘A-Z])", text)]
    starts = [0, *ends]
    return [(a, b) for a, b in zip(starts, [*ends, len(text)], strict=True) if text[a:b].strip()]


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with exact offsets: lines joined as in :func:`_blocks`, then pysbd inside each block."""
    out: list[Sentence] = []
    seg = _segmenter()
    for bstart, bend, para in _blocks(text):
        block = text[bstart:bend]
        flat = block.replace("\n", " ")
        try:
            spans = [(sp.start, sp.end) for sp in seg.segment(flat) if flat[sp.start : sp.end] == sp.sent]
        except Exception:  # pysbd is heuristic; never let it stop an extraction
            spans = []
        if not spans or sum(len(flat[a:b].strip()) for a, b in spans) < len(flat.strip()) - len(spans):
            spans = _simple_spans(flat)  # pysbd lost text or offsets: split on sentence ends instead
        single_line = "\n" not in block.strip()
        for a, b in spans:
            raw = block[a:b]
            lead = len(raw) - len(raw.lstrip())
            s, e = bstart + a + lead, bstart + a + len(raw.rstrip())
            if e <= s or not re.search(r"[^\W\d_]", text[s:e]):
                continue
            sent = text[s:e]
            heading = single_line and len(spans) == 1 and sent[-1] not in _END_PUNCT
            out.append(Sentence(len(out), s, e, sent, para, heading, find_figures(sent)))
    return out
