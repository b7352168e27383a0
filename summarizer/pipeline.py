"""brief(): articles in, one verified, merged Briefing out. The CLI is a thin layer over this.

The library reads no environment variable: it runs the offline extractor unless ``model=``, ``base_url=``,
``replay=`` or ``config=`` is given. (The command line reads BRIEF_* / OPENAI_* and passes them on;
``config=ModelConfig.from_env()`` does the same for a library caller who wants it.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.errors import ArticleError, BriefError, ConfigError, DeadlineError, NoArticlesError, option
from .core.extractor import Extractor, Progress
from .core.packed import Packed
from .core.runinfo import Totals
from .core.schema import Article, ArticleExtraction, Briefing, FailedArticle, RunInfo, Usage
from .ingestion.articles import LoadResult, load_into
from .verification.coverage import unread

if TYPE_CHECKING:  # pragma: no cover
    from .model.config import ModelConfig


@dataclass
class BriefRun:
    """A briefing with the articles it was made from and every error met on the way."""

    briefing: Briefing
    articles: Sequence[Article]  # a list, or packed (summarizer.core.packed): a sequence either way
    extractions: Sequence[ArticleExtraction] = field(default_factory=list)
    errors: list[BriefError] = field(default_factory=list)
    duplicates: list[ArticleError] = field(default_factory=list)  # skipped copies: notes, not failures

    @property
    def ok(self) -> bool:
        return not self.errors


def _collect(
    paths_or_articles: Sequence[str | Path | Article] | str | Path, max_bytes: int, related: str, pack: bool = False
) -> tuple[Sequence[Article], list[BriefError], list[ArticleError]]:
    """The articles given and those loaded from the paths given; ``pack``: kept packed as they load."""
    if isinstance(paths_or_articles, (str, Path)):
        paths_or_articles = [paths_or_articles]
    given = [a for a in paths_or_articles if isinstance(a, Article)]
    articles: list[Article] | Packed[Article] = Packed(Article, given) if pack else given
    paths = [p for p in paths_or_articles if not isinstance(p, Article)]
    errors: list[BriefError] = []
    duplicates: list[ArticleError] = []
    if paths:
        loaded = LoadResult(articles=[])
        load_into(articles.append, loaded, paths, max_bytes=max_bytes, related=related)  # type: ignore[arg-type]
        errors.extend(loaded.errors)
        duplicates.extend(loaded.duplicates)
    return articles, errors, duplicates


def _nothing_loaded(inputs: Sequence[object], errors: list[BriefError]) -> NoArticlesError:
    named = ", ".join(str(p) for p in inputs[:3]) + (", ..." if len(inputs) > 3 else "")
    if errors:
        return NoArticlesError(f"no article could be read from {named}: all {len(errors)} input(s) failed "
                               f"(first: {errors[0]})", errors)
    return NoArticlesError(f"no articles found in {named}: give article files (.txt, .md, .html, .json, .jsonl), "
                           "folders holding them, web addresses, or - for standard input", errors)


BOTTOM_LINES = ("template", "model")
DEFAULT_MAX_BYTES = 5_000_000  # an article file larger than this is refused (load_articles' max_bytes)


def _path(value: str | Path | None) -> Path | None:
    return Path(value) if value else None


@dataclass(frozen=True)
class BriefOptions:
    """Every setting of a run but its inputs and callbacks, checked once: what :func:`run_brief`'s keywords
    build (:meth:`build`) and :func:`run_with_options` runs. ``config`` None means the offline extractor."""

    config: ModelConfig | None = None
    title: str | None = None
    aliases: tuple[Path, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    related: str = "drop"
    bottom_line: str = "template"
    deadline: float | None = None  # seconds for the whole run

    def __post_init__(self) -> None:
        _check_run_options(self.deadline, self.bottom_line)
        if self.bottom_line == "model" and self.config is None:
            raise ConfigError(f"a model-written bottom line needs a model: give {option('model')}, or drop "
                              f"{option('bottom_line', 'model')} to use the templates")

    @classmethod
    def build(
        cls,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        mode: str | None = None,
        concurrency: int | None = None,
        offline: bool | None = None,
        config: ModelConfig | None = None,
        cache: bool = True,
        cache_dir: str | Path | None = None,
        record: str | Path | None = None,
        replay: str | Path | None = None,
        title: str | None = None,
        aliases: str | Path | Sequence[str | Path] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        related: str = "drop",
        bottom_line: str = "template",
        deadline: float | None = None,
        **model_options: Any,
    ) -> BriefOptions:
        """The options from run_brief's keywords; the model settings go to ModelConfig.from_options as given."""
        _check_run_options(deadline, bottom_line)
        if not offline and config is None:
            from .model.config import ModelConfig

            config = ModelConfig.from_options(
                model=model, base_url=base_url, api_key=api_key, mode=mode, concurrency=concurrency, cache=cache,
                cache_dir=_path(cache_dir), record=_path(record), replay=_path(replay), **model_options)
        if offline:
            config = None
        elif config is None and offline is False:
            raise ConfigError(f"no model configured: give {option('model')} (and {option('base_url')} for a "
                              "server other than OpenAI's), or use the offline extractor")
        paths = [aliases] if isinstance(aliases, (str, Path)) else list(aliases or [])
        return cls(config=config, title=title, aliases=tuple(Path(a) for a in paths), max_bytes=max_bytes,
                   related=related, bottom_line=bottom_line, deadline=deadline)


def _check_run_options(deadline: float | None, bottom_line: str) -> None:
    if deadline is not None and deadline <= 0:
        raise ConfigError(f"{option('deadline', deadline)}: give a positive number of seconds")
    if bottom_line not in BOTTOM_LINES:
        raise ConfigError(f"{option('bottom_line', bottom_line)}: give 'template' or 'model'")


def run_brief(
    paths_or_articles: Sequence[str | Path | Article] | str | Path,
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    mode: str | None = None,
    concurrency: int | None = None,
    offline: bool | None = None,
    config: ModelConfig | None = None,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    record: str | Path | None = None,
    replay: str | Path | None = None,
    title: str | None = None,
    aliases: str | Path | Sequence[str | Path] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    related: str = "drop",
    bottom_line: str = "template",
    progress: Progress | None = None,
    on_loaded: Callable[[int], None] | None = None,
    deadline: float | None = None,
    **model_options: Any,
) -> BriefRun:
    """Load, extract (model or offline), verify and merge; failures are collected, never raised per article.

    The model is used only when ``model``, ``base_url``, ``replay`` or ``config`` is given (no environment
    variable is read); ``offline=True`` forces the offline extractor, ``offline=False`` insists on a model.
    ``progress(article, result)`` is called as each article finishes; ``on_loaded(n)`` once articles are read.
    ``deadline`` (seconds for the whole run): articles not finished by then are listed as failed and the
    briefing of the others is returned, marked partial (``run.partial``).
    ``bottom_line="model"`` has the model write the bottom line (needs a model); the default builds it from
    templates. Other keywords (``timeout``, ``max_tokens``, ...) are :class:`ModelConfig` fields.

    Raises NoArticlesError when nothing could be read or every article failed (``.run`` then holds the
    failures), so a total failure is never mistaken for a quiet story.
    """
    options = BriefOptions.build(
        model=model, base_url=base_url, api_key=api_key, mode=mode, concurrency=concurrency, offline=offline,
        config=config, cache=cache, cache_dir=cache_dir, record=record, replay=replay, title=title, aliases=aliases,
        max_bytes=max_bytes, related=related, bottom_line=bottom_line, deadline=deadline, **model_options)
    return run_with_options(paths_or_articles, options, progress=progress, on_loaded=on_loaded)


def run_with_options(
    paths_or_articles: Sequence[str | Path | Article] | str | Path,
    options: BriefOptions,
    *,
    progress: Progress | None = None,
    on_loaded: Callable[[int], None] | None = None,
) -> BriefRun:
    """:func:`run_brief` with its settings already in a :class:`BriefOptions`."""
    from .merging.merge import merge

    config, title = options.config, options.title
    until = None if options.deadline is None else time.monotonic() + options.deadline
    # An offline run keeps its articles packed (compressed JSON, validated on access) and its extractions too:
    # 10,000 articles as objects take over 100 MB, their extractions about 480 MB (see summarizer/core/packed.py).
    articles, errors, duplicates = _collect(paths_or_articles, options.max_bytes, options.related,
                                            pack=config is None)
    if not articles:
        inputs = [paths_or_articles] if isinstance(paths_or_articles, (str, Path)) else list(paths_or_articles)
        raise _nothing_loaded(inputs, errors)
    if on_loaded is not None:
        on_loaded(len(articles))
    ids = [a.id for a in articles]

    extractor: Extractor
    if config is None:
        extractor = OfflineExtractor()
    else:
        from .model.extractor import ModelExtractor

        extractor = ModelExtractor(config)
    results = extractor.extract_many(articles, progress, deadline=None if until is None else until - time.monotonic())
    extractions: Sequence[ArticleExtraction]
    if isinstance(results, Packed):
        extractions = results.models()
        errors.extend(results.others())
    else:
        extractions = [res for res in results if not isinstance(res, BriefError)]
        errors.extend(res for res in results if isinstance(res, BriefError))
    del results
    run = extractor.run_info(extractions)
    totals = Totals()
    ok_ids: set[str] = set()
    no_items: set[str] = set()  # articles whose extraction has no item: coverage.unread reads only those
    for ex in extractions:
        totals.add(ex)
        ok_ids.add(ex.article_id)
        if not any(True for _ in ex.items()):
            no_items.add(ex.article_id)
    failed_usage = [u for err in errors if isinstance(u := getattr(err, "usage", None), Usage)]
    run.usage = totals.usage(failed_usage)
    run.partial = any(isinstance(err, DeadlineError) for err in errors)
    run.rejected = totals.rejected()
    run.instructions = totals.instructions()
    where = {a.id: a.path or a.id for a in articles} if errors else {}
    run.failed = [FailedArticle(path=_error_path(err, where), reason=_error_reason(err)) for err in errors]
    run.unread = unread([ex for ex in extractions if ex.article_id in no_items] if no_items else [],
                        [a for a in articles if a.id in no_items] if no_items else [], offline=extractor.offline)
    if not extractions and title is None:  # "Briefing: 0 articles" would hide that articles were read
        n = len(articles)
        title = f"Briefing: none of the {n} article{'s' if n != 1 else ''} read could be briefed"
    ok = [i for i, art_id in enumerate(ids) if art_id in ok_ids]
    briefing = merge(
        extractions,
        articles.subset(ok) if isinstance(articles, Packed) else [articles[i] for i in ok],
        run=run,
        title=title,
        aliases=list(options.aliases),
    )
    result = BriefRun(briefing=briefing, articles=articles, extractions=extractions, errors=errors,
                      duplicates=duplicates)
    if not extractions:
        failed = NoArticlesError(f"all {len(articles)} article(s) failed, nothing was briefed (first: "
                                 f"{run.failed[0].path}: {run.failed[0].reason})", errors)
        failed.run = result
        raise failed
    if options.bottom_line == "model":
        _model_bottom_line(briefing, config, until)
    return result


class OfflineExtractor:
    """The offline extractor (summarizer.offline) behind the :class:`~summarizer.core.extractor.Extractor` interface."""

    offline = True

    def extract_many(self, articles: Sequence[Article], progress: Progress | None = None, *,
                     deadline: float | None = None) -> Sequence[ArticleExtraction | BriefError]:
        """As the Extractor interface says; the extractions come back packed (summarizer.core.packed), so a
        large run does not hold them all as objects."""
        from .offline import extract_offline
        from .reading.claimants import run_leaders

        until = None if deadline is None else time.monotonic() + deadline
        leaders = run_leaders(a.text for a in articles)  # once for the run, not once per article
        out: Packed[ArticleExtraction | BriefError] = Packed(ArticleExtraction)
        for art in articles:
            result: ArticleExtraction | BriefError
            if until is not None and time.monotonic() >= until:
                result = DeadlineError(art.id)
            else:
                try:
                    result = extract_offline(art, leaders=leaders)
                except Exception as exc:  # a bug on one article must not lose the others
                    result = ArticleError(art.path or art.id, f"the offline extractor failed ({type(exc).__name__}: "
                                          f"{' '.join(str(exc).split())[:200]}); the other articles were briefed")
            out.append(result)
            if progress:
                progress(art, result)
        return out

    def run_info(self, extractions: Sequence[ArticleExtraction]) -> RunInfo:
        return RunInfo(extractor="offline")


def _model_bottom_line(briefing: Briefing, config: Any, until: float | None) -> None:
    """Replace the template bottom line with the model's sentences that pass the number check (in place).

    Within the run's deadline, if any: past it, or if the call fails, the template sentences stay (noted)."""
    import asyncio

    from .model.bottom_line import amodel_bottom_line

    if config is None:
        raise ConfigError(f"a model-written bottom line needs a model: give {option('model')}, or drop "
                          f"{option('bottom_line', 'model')} to use the templates")
    if not briefing.bottom_line and not any(True for _ in briefing.items()):
        return  # nothing verified to write about
    left = None if until is None else until - time.monotonic()
    if left is not None and left <= 0:
        briefing.run.notes.append("bottom line: the run's deadline had passed; the template sentences are shown")
        return

    async def write() -> Any:
        from .model.client import LLMClient

        client = LLMClient(config)
        try:
            return await asyncio.wait_for(amodel_bottom_line(briefing, client), left)
        finally:
            await client.aclose()

    try:
        kept, dropped, usage = asyncio.run(write())
    except TimeoutError:
        briefing.run.notes.append("bottom line: the run's deadline ran out during the model call; the template "
                                  "sentences are shown")
        return
    except BriefError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        briefing.run.notes.append(f"bottom line: the model call failed ({reason}); the template sentences are shown")
        return
    briefing.bottom_line = kept
    briefing.run.usage = briefing.run.usage + usage
    briefing.run.notes.extend(dropped)


def _error_path(err: BriefError, where: dict[str, str]) -> str:
    if isinstance(err, ArticleError):
        return err.path
    article_id = str(getattr(err, "article_id", "") or "")
    return where.get(article_id, article_id)


def _error_reason(err: BriefError) -> str:
    return str(getattr(err, "reason", None) or err)


def brief(paths_or_articles: Sequence[str | Path | Article] | str | Path, **options: Any) -> Briefing:
    """The merged, verified briefing for these paths or articles (see run_brief for options and errors)."""
    return run_brief(paths_or_articles, **options).briefing
