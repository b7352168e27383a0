"""The form quotes are compared in, with offsets back into the original text (grounding and evaluation use it).

One space per whitespace run, straight quotes, '-' dashes, invisible characters dropped, case-folded.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Normalised", "normalise", "normalised"]

_CHAR_MAP: dict[str, str] = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟«»″", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
}


@dataclass(frozen=True)
class Normalised:
    """A normalised text and, for each of its characters, the offset of the original character."""

    text: str
    index: array[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalised span ``[start, end)``."""
        return self.index[start], self.index[end - 1] + 1


@lru_cache(maxsize=8)
def normalised(text: str) -> Normalised:
    """``text`` in the form quotes are compared in, with the original offset of every character."""
    chars: list[str] = []
    index = array("q")
    in_space = False
    for i, c in enumerate(text):
        if c.isspace():
            if not in_space:
                chars.append(" ")
                index.append(i)
            in_space = True
            continue
        in_space = False
        for o in _CHAR_MAP.get(c, c).casefold():
            chars.append(o)
            index.append(i)
    return Normalised("".join(chars), index)


def normalise(text: str) -> str:
    """The form quotes are compared in: one space per whitespace run, straight quotes, '-' dashes, case-folded."""
    return normalised(text).text
