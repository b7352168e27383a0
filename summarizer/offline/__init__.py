"""The offline extractor: the no-model baseline, sentence patterns filling the briefing schema.

It reads with :mod:`summarizer.reading` (the clause patterns, sentences, dates and attribution that
verification's second reader uses too) and builds the items here: ``items`` (what the sections share:
quantities, merging repeats), one module per section (``casualties``, ``deployments``, ``arms``, ``aid``,
``diplomacy``) and ``extract``, the entry point, which grounds them like a model's answer.
"""

from __future__ import annotations

from .extract import extract_offline, read_offline

__all__ = ["extract_offline", "read_offline"]
