"""The bottom line written by the model (``--bottom-line model``): the prompt, the answer's shape, and the check
that keeps only sentences whose numbers belong to the items they cite (the templates are in
:mod:`summarizer.merging.bottom_line`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ..core.schema import BottomLineSentence, Briefing, Item, Usage
from ..merging.bottom_line import MAX_SENTENCES, MIN_SENTENCES, check_sentence, template_bottom_line, when_words

if TYPE_CHECKING:
    from .client import LLMClient

__all__ = ["WrittenBottomLine", "accept", "amodel_bottom_line", "bottom_line_messages"]

class WrittenSentence(BaseModel):
    """One sentence as the model writes it."""

    text: str
    items: list[str] = Field(default_factory=list)


class WrittenBottomLine(BaseModel):
    """The model's answer."""

    sentences: list[WrittenSentence] = Field(default_factory=list)


PROMPT_FOLDER = "bottom_line"


def _prompt(name: str) -> str:
    from ..core.errors import ConfigError
    from ..core.resources import resource_dir

    path = resource_dir("prompts") / PROMPT_FOLDER / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt file {path} cannot be read ({exc.strerror}); reinstall brief") from exc


def _claim_line(section: str, item: Item) -> str:
    parts = [f"[{item.id}] {section}: {item.statement()}"]
    for label, ref in (("claimed", item.claimed), ("about", item.period)):
        if ref is not None and (ref.start or ref.text):
            when = when_words(ref) or ""
            words = f" (“{ref.text}”)" if ref.text else ""
            parts.append(f"{label} {when}{words}".strip())
    parts.append(f"{len(item.sources)} source(s)")
    return "; ".join(parts)


def bottom_line_messages(b: Briefing) -> list[dict[str, str]]:
    """System and user messages for a model-written bottom line (prompts/bottom_line/)."""
    from .prompts import fill

    claims = [_claim_line(s, it) for s, it in b.items() if it.id and (it.figures() or it.event_words() is not None)]
    for e in b.estimates:
        for ids in e.series:
            claims.append(f"series ({e.side}, {e.measure}), oldest first: " + ", ".join(f"[{i}]" for i in ids))
        for ids in e.conflicts:
            claims.append(f"conflict ({e.side}, {e.measure}): " + " vs ".join(f"[{i}]" for i in ids))
    system = fill(_prompt("system.txt"), {"min_sentences": str(MIN_SENTENCES), "max_sentences": str(MAX_SENTENCES)},
                  where="bottom_line/system.txt")
    user = fill(_prompt("user.txt"), {"title": b.title, "claims": "\n".join(claims) or "(none)"},
                where="bottom_line/user.txt")
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def accept(answer: WrittenBottomLine, b: Briefing, written_by: str) -> tuple[list[BottomLineSentence], list[str]]:
    """The model's sentences that pass :func:`check_sentence` (at most MAX_SENTENCES), and why others were
    dropped. Too few survivors are topped up from the templates."""
    items: dict[str, Item] = {it.id: it for _, it in b.items() if it.id}
    kept: list[BottomLineSentence] = []
    dropped: list[str] = []
    for n, s in enumerate(answer.sentences, 1):
        text = " ".join(s.text.split())
        cited = list(dict.fromkeys(i.strip().strip("[]") for i in s.items if i.strip()))
        why = "it is empty" if not text else check_sentence(text, cited, items)
        if why is None and len(kept) >= MAX_SENTENCES:
            why = f"more than {MAX_SENTENCES} sentences"
        if why is not None:
            dropped.append(f"bottom line sentence {n} dropped: {why}")
            continue
        sources = sorted({src for i in cited for src in items[i].sources})
        kept.append(BottomLineSentence(text=text, items=sorted(cited), sources=sources, written_by=written_by))
    if len(kept) < MIN_SENTENCES:
        used = {i for s in kept for i in s.items}
        kept += [t for t in template_bottom_line(b) if not used & set(t.items)][: MIN_SENTENCES - len(kept)]
    return kept, dropped


async def amodel_bottom_line(b: Briefing, client: LLMClient) -> tuple[list[BottomLineSentence], list[str], Usage]:
    """Ask the model for the bottom line and keep only the sentences whose numbers belong to cited items."""
    with client.task("bottom-line", "the bottom line") as state:
        answer = await client.structured(bottom_line_messages(b), WrittenBottomLine)
    kept, dropped = accept(answer, b, client.config.extractor_name)
    return kept, dropped, state.usage.model_copy()
