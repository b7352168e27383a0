"""`brief eval`: run extractors on the gold articles, score them, write reports, check thresholds.

Two gold corpora are scored separately: the seed articles (``seeds/`` against ``evals/gold``) and
the development corpus of other stories and languages (``evals/dev/articles`` against
``evals/dev/gold``). Each has its own gold briefing, recording sets and thresholds section.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import EvalError, NoArticlesError, ReplayMissError, option
from ..core.resources import checkout_dir
from ..ingestion.articles import load_articles
from ..model.recordings import recording_config
from ..pipeline import run_brief
from .gold import load_gold, load_gold_briefing
from .report import EvalRow
from .score import score_briefing, score_extractions

CORPUS_NAMES = ("seeds", "dev")


@dataclass(frozen=True)
class Corpus:
    """A set of articles with hand-made gold, scored as one unit and reported in its own table."""

    name: str  # "seeds" | "dev" | "custom" (--gold/--articles)
    articles: Path
    gold: Path
    gold_briefing: Path
    recordings: Path  # recording sets made on this corpus' articles
    thresholds_key: str | None  # section of evals/thresholds.json; None = its top level


def seeds_corpus(evals_dir: Path, articles: Path | None = None) -> Corpus:
    here = Path("seeds")
    articles = articles or (here if here.is_dir() else evals_dir.parent / "seeds")
    return Corpus("seeds", articles, evals_dir / "gold", evals_dir / "gold_briefing.json", evals_dir / "recordings",
                  None)


def dev_corpus(evals_dir: Path) -> Corpus:
    dev = evals_dir / "dev"
    return Corpus("dev", dev / "articles", dev / "gold", dev / "gold_briefing.json", dev / "recordings", "dev")


def custom_corpus(evals_dir: Path, gold: Path | None, articles: Path | None) -> Corpus:
    """--gold/--articles: one corpus of the user's own, gated by the top-level thresholds."""
    base = seeds_corpus(evals_dir, articles)
    gold = gold or base.gold
    return Corpus("custom", base.articles, gold, gold.parent / "gold_briefing.json", base.recordings, None)


def corpora(evals_dir: Path, which: str) -> list[Corpus]:
    """The corpora named by ``which``: "seeds", "dev" or "all" (both, seeds first)."""
    if which not in (*CORPUS_NAMES, "all"):
        raise EvalError(f"unknown corpus {which!r}: use seeds, dev or all")
    found = {"seeds": seeds_corpus(evals_dir), "dev": dev_corpus(evals_dir)}
    return [found[n] for n in CORPUS_NAMES if which in (n, "all")]


def corpus_of_recording(folder: Path, evals_dir: Path) -> str:
    """The corpus a recording set was made on: "dev" when it sits under evals/dev/, else "seeds"."""
    try:
        Path(folder).resolve().relative_to((evals_dir / "dev").resolve())
    except ValueError:
        return "seeds"
    return "dev"


@dataclass
class Job:
    """One row to compute: an extractor or recording set on one corpus, with the options to brief it."""

    name: str
    kind: str  # "offline" | "recorded" | "model"
    corpus: Corpus
    options: dict[str, Any]


def plan_jobs(evals_dir: Path, options: dict[str, Any], *, run_all: bool = False, corpus: str | None = None,
              gold: Path | None = None, articles: Path | None = None, name: str | None = None) -> list[Job]:
    """The rows `brief eval` computes, corpus by corpus.

    ``options`` are the model options of the command line (model, base_url, offline, replay, ...).
    Corpora: --gold/--articles give one custom corpus; else ``corpus`` ("seeds", "dev", "all"),
    defaulting to all, to seeds for a live model (each article costs a call) and, for --replay, to
    the corpus the recording set was made on.
    """
    replay = options.get("replay")
    live = bool(options.get("model") or options.get("base_url")) and not options.get("offline")
    if gold or articles:
        chosen = [custom_corpus(evals_dir, gold, articles)]
    elif replay and not run_all and not corpus:
        chosen = corpora(evals_dir, corpus_of_recording(Path(replay), evals_dir))
    else:
        chosen = corpora(evals_dir, corpus or ("seeds" if live and not run_all else "all"))
    jobs: list[Job] = []
    for c in chosen:
        if run_all or options.get("offline") or not (options.get("model") or options.get("base_url") or replay):
            jobs.append(Job("offline", "offline", c, {"offline": True}))
        if run_all:
            for folder in recording_sets(c.recordings):
                cfg = recording_config(folder)
                jobs.append(Job(folder.name, "recorded", c, {**cfg, "replay": folder, "cache": False}))
        if replay and not run_all:
            folder = Path(replay)
            cfg = recording_config(folder)
            cfg.update({k: v for k, v in options.items() if v is not None and k in ("model", "mode")})
            jobs.append(Job(name or folder.name, "recorded", c, {**cfg, "replay": folder, "cache": False}))
        elif live:
            jobs.append(Job(name or str(options.get("model") or "model"), "model", c, {**options, "offline": False}))
    return jobs


def default_evals_dir() -> Path:
    """evals/ (gold, recordings, thresholds, reports): in the current folder, else in the checkout's root."""
    here = Path("evals")
    return here if here.is_dir() else checkout_dir() / "evals"


def recording_sets(root: Path) -> list[Path]:
    """Every committed recording set in ``root`` (evals/recordings/, evals/dev/recordings/): folders of exchanges."""
    return sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*.json"))) if root.is_dir() else []


def check_folders(jobs: list[Job]) -> None:
    """Raise EvalError when a job's gold or article folder is missing (after `pip install .` there is no evals/
    next to the package): say where it was looked for."""
    for job in jobs:
        if not job.corpus.gold.is_dir():
            raise EvalError(f"no gold fixtures at {job.corpus.gold}: run `brief eval` in a checkout of "
                            "the project (it reads evals/ there), or give --gold DIR and --articles DIR")
        if not job.corpus.articles.is_dir():
            raise EvalError(f"no article folder at {job.corpus.articles}: give --articles DIR, the "
                            "folder the gold was annotated from")


def run_jobs(jobs: list[Job], live: Callable[[dict[str, Any]], AbstractContextManager[dict[str, Any]]] | None = None
             ) -> list[EvalRow]:
    """Every job's row, in order. ``live``: wraps each live-model job (e.g. starts a local server for it and
    gives the options that point at it)."""
    rows = []
    for job in jobs:
        if job.kind == "model" and live is not None:
            with live(job.options) as options:
                rows.append(run_one(job.name, job.kind, job.corpus, **options))
            continue
        rows.append(run_one(job.name, job.kind, job.corpus, **job.options))
    return rows


def run_one(name: str, kind: str, corpus: Corpus, **options: Any) -> EvalRow:
    """Brief the corpus' gold articles with these options and score the result."""
    gold = load_gold(corpus.gold)
    wanted = {g.article_id for g in gold}
    loaded = load_articles([corpus.articles])
    articles = [a for a in loaded.articles if a.id in wanted]
    missing = wanted - {a.id for a in articles}
    if missing:
        raise EvalError(
            f"gold articles {', '.join(sorted(missing))} are not in {corpus.articles}: pass {option('articles_dir')} "
            "with the folder the gold was annotated from"
        )
    try:
        result = run_brief(articles, **options)
    except NoArticlesError as exc:  # every article failed: still a row (scored zero), with the reasons
        if exc.run is None:
            raise EvalError(str(exc)) from exc
        result = exc.run
    misses = [e for e in result.errors if isinstance(e, ReplayMissError)]
    if misses:
        raise EvalError(
            f"recording set {name!r} no longer matches the requests brief makes ({len(misses)} of "
            f"{len(articles)} {corpus.name} articles missing; the prompt, schema or model options changed): "
            "re-record it (see the README: Recording a model) and commit the new set"
        )
    extractions = result.extractions
    scores = score_extractions(extractions, gold)
    bscores = score_briefing(result.briefing, load_gold_briefing(corpus.gold_briefing, corpus.gold))
    failed = [f"{f.path}: {f.reason}" for f in result.briefing.run.failed]
    return EvalRow(name=name, kind=kind, extraction=scores, briefing=bscores, failed=failed, corpus=corpus.name,
                   thresholds_key=corpus.thresholds_key)
