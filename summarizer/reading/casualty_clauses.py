"""How a sentence states casualty figures: the measure (killed, wounded, ...) and the side of each figure.

The clause reader shared by the offline extractor's casualties section and verification's second reader
(:mod:`summarizer.verification.meaning`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..core.numbers import Figure
from ..core.prefilter import as_written, gated, led
from .article_sentences import Sentence, counts
from .patterns import any_of, by_length, patterns, side_name, word_re

_LOST = r"\s+(?:had|has|have)\s+(?:also\s+)?lost\s+$"
# Sides that say who only by where they were ("42 people in Lebanon").
UNNAMED = ("people", "civilians", "crew members")


@lru_cache(maxsize=1)
def casualty_res() -> dict[str, Any]:
    p = patterns()
    noun, adj = p.side_noun_alt, p.side_adj_alt
    aux = (r"(?:(?:have|has|had)\s+(?:already\s+)?(?:been\s+)?|(?:were|was|are|is)\s+(?:already\s+)?"
           r"|(?:were|are|was|is)\s+(?:estimated|believed|reported|said|thought)\s+to\s+have\s+(?:been\s+)?)")
    verb = any_of([re.escape(v) for v in p.measure_verb] + ["died"])
    # the verbs, then the -ing forms, each in its alternation's order
    object_verbs = led(by_length([re.escape(v) for v in p.measure_verb] + ["died"]) + by_length(list(_OBJECT_VERBS)),
                       r"[\w-]", icase=True)
    link = (r"(?:estimated\s+at|expected\s+to\s+reach|put\s+at|stand\s+at|stood\s+at|reached|rose\s+to|risen\s+to"
            r"|climbed\s+to|totall?ed|numbered|(?<=toll)\s+of)")
    i = re.IGNORECASE
    return {
        "noun_after": re.compile(rf"^\s*[\"”’']?\s*(?:more\s+)?(?:(?P<adj>{adj})\s+)?(?P<m>{p.noun_re})(?![\w-])", i),
        "side_verb": re.compile(
            rf"^\s+(?:more\s+|other\s+)?(?P<side>{noun})(?![\w-])(?P<mid>[^.;\"“”]{{0,140}}?)\s+{aux}"
            rf"(?P<m>{verb})(?![\w-])", i
        ),
        "bare": re.compile(rf"^\s+(?P<side>{noun})\s+(?P<m>{verb})(?![\w-])", i),
        "suffered": gated(re.compile(
            rf"(?P<side>{noun})(?:\s+(?:who|which|that)\s+[^\"“”.;]*?)?\s+(?:have|has|had)\s+(?:also\s+)?"
            r"suffered\s+[\"“]?\s*$", i
        ), "suffered"),
        # searched in every figure's head: only where a measure noun is (core/prefilter.py)
        "noun_before": gated(re.compile(
            rf"(?:(?P<adj>{adj})\s+)?(?P<m>{p.noun_re})(?:\s+in\s+(?:the\s+)?[A-Z][\w-]*(?:\s+region)?)?\s+"
            rf"(?P<aux>(?:(?:are|is|were|was|have|has|had)\s+)?(?:already\s+)?(?:been\s+)?)(?P<link>{link})?\s*$", i
        ), p.noun_re),
        # searched in every figure's head: written to open with the verbs' first letters (prefilter.led)
        "object": re.compile(as_written(rf"(?P<m>{object_verbs})\s+$",
                                        rf"(?<![\w-])(?P<m>{verb}|{any_of(list(_OBJECT_VERBS))})\s+$"), i),
        "object_side": re.compile(rf"^\s+(?P<side>{noun})(?![\w-])", i),
        "paren": re.compile(rf"\(\s*(?:the\s+)?(?P<side>{noun})\s*\)", i),
        "cues": word_re(p.raw["continuation_cues"]),
        "exchange": gated(word_re(p.raw["exchange_phrases"])),
        "rate": gated(p.rate),
        "join": re.compile(r"^\s*,?\s*(?:and|with|including|of\s+which|of\s+whom|among\s+them)\s+"
                           rf"(?:(?:{any_of(list(_OBJECT_VERBS))})\s+)?(?:another\s+|a\s+further\s+)?$", i),
        "others": re.compile(r"^\s+(?:others|more)\b", i),
        "and": re.compile(r"^\s*,?\s*(?:and|as\s+well\s+as)\s+$", i),
        # "the army said it had lost two soldiers": the speaker's own dead, whose side is the speaker's
        "own_loss": re.compile(as_written(led(["it", "they", "we"], r"[\w-]", icase=True) + _LOST,
                                          r"(?<![\w-])(?:it|they|we)" + _LOST), i),
        "own_troops": re.compile(r"^\s+(?:of\s+(?:its|their|our)\s+(?:own\s+)?)?(?:soldiers|troops|servicemen|men)\b",
                                 i),
    }


def place_in(text: str) -> str | None:
    """The one place the sentence puts something "in" ("42 people in Lebanon"), else None."""
    found = {m.group("p") for m in _place_in_re().finditer(text)}
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=1)
def _place_in_re() -> re.Pattern[str]:
    return re.compile(rf"\bin\s+(?:the\s+)?(?P<p>{patterns().places.pattern})(?![\w'’-])")


# "killing at least 50 civilians and wounding 49 others": the -ing forms, with the figure as object
_OBJECT_VERBS = {"killing": "killed", "wounding": "wounded", "injuring": "wounded"}


def _measure(phrase: str) -> str:
    p = patterns()
    key = re.sub(r"\s+", " ", phrase.lower())
    return (p.measure_verb.get(key) or p.measure_noun.get(key) or _OBJECT_VERBS.get(key)
            or ("killed" if key == "died" else ""))


Reading = tuple[Figure, str, str | None, int]

# sentence text -> (its figures, its readings): the offline extractor reads every sentence, then verification's
# second reader asks again about the sentences its items quote
_READ: dict[str, tuple[list[Figure], tuple[Reading, ...]]] = {}
_MAX_READ = 256


def read_casualties(s: Sentence) -> list[Reading]:
    """(figure, measure, side or None, end of the reading) for each casualty figure of a sentence."""
    hit = _READ.get(s.text)
    if hit is not None and (hit[0] is s.figures or hit[0] == s.figures):
        return list(hit[1])
    out = _read_casualties(s)
    if len(_READ) >= _MAX_READ:
        _READ.clear()
    _READ[s.text] = (s.figures, tuple(out))
    return out


def _read_casualties(s: Sentence) -> list[Reading]:
    r = casualty_res()
    t = s.text
    out: list[tuple[Figure, str, str | None, int]] = []
    last_object = None  # the last reading of a figure as a verb's object, which a second object can follow
    for f in counts(s):
        head, tail = t[: f.start], t[f.end :]
        m = r["side_verb"].match(tail) or r["bare"].match(tail)
        if m and not (any(f.end < g.start < f.end + m.end() for g in s.figures)
                      or re.search(r"\d", m.groupdict().get("mid") or "")):
            out.append((f, _measure(m.group("m")), side_name(m.group("side"), "noun"), f.end + m.end()))
            continue
        if m := r["noun_after"].match(tail):
            side = side_name(m.group("adj"), "adjective") if m.group("adj") else None
            if side is None and (sm := r["suffered"].search(head)):
                side = side_name(sm.group("side"), "noun")
            out.append((f, _measure(m.group("m")), side, f.end + m.end()))
            continue
        if (m := r["object"].search(head)) and (om := r["object_side"].match(tail)):  # "killed eight members of"
            out.append((f, _measure(m.group("m")), side_name(om.group("side"), "noun"), f.end + om.end()))
            last_object = out[-1]
            continue
        if out and (m := r["object"].search(head)) and (om := r["others"].match(tail)):  # "... and wounding 49 others"
            out.append((f, _measure(m.group("m")), None, f.end + om.end()))
            continue
        # "has killed 46,000 Palestinians and around 1,500 Israelis": a second object of the same verb
        if (out and out[-1] is last_object and (om := r["object_side"].match(tail))
                and r["and"].match(t[out[-1][3] : f.start])):
            out.append((f, out[-1][1], side_name(om.group("side"), "noun"), f.end + om.end()))
            last_object = out[-1]
            continue
        if r["own_loss"].search(head) and (om := r["own_troops"].match(tail)):  # side: the speaker's, in casualties()
            out.append((f, "killed", None, f.end + om.end()))
            continue
        m = r["noun_before"].search(head)
        if m and (m.group("link") or (m.group("aux").strip() and f.qualifier != "exact")):
            side = side_name(m.group("adj"), "adjective") if m.group("adj") else None
            out.append((f, _measure(m.group("m")), side, f.end))
    # "killed and another 1,000 wounded", "4,700, including approximately 600 deaths": the same side
    for k in range(1, len(out)):
        f, measure, side, end = out[k]
        if side is None and r["join"].match(t[out[k - 1][3] : f.start]):
            out[k] = (f, measure, out[k - 1][2], end)
    return [o for o in out if o[1]]
