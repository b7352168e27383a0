"""The offline extractor: the no-model baseline, sentence patterns filling the briefing schema.

Its modules, lowest first: ``patterns`` (the compiled tables of ``summarizer/data/offline_patterns.yaml``
and the look-ups over them), ``sentences``, ``dates``, ``claimants`` (who one sentence says is
speaking), ``context`` (one article being read: attribution across sentences, dates),
``items`` (what the sections share: quantities, merging repeats), one module per section
(``casualties``, ``deployments``, ``arms``, ``aid``, ``diplomacy``) and ``extract``, the entry point.

``extract_offline`` is loaded on first use: :mod:`summarizer.grounding` reads sentences with
this package's clause patterns (through :mod:`summarizer.meaning`), and ``extract`` grounds
its items with :mod:`summarizer.grounding`, so importing ``extract`` here would make
``import summarizer.grounding`` circular.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .extract import extract_offline

__all__ = ["extract_offline"]


def __getattr__(name: str) -> Any:
    if name == "extract_offline":
        from .extract import extract_offline

        return extract_offline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
