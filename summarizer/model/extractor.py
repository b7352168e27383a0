"""Model extraction per article: prompts + llm + chunking of long articles + grounding."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from ..core.errors import BriefError, ConfigError, DeadlineError, ModelError, option
from ..core.extractor import Progress
from ..core.schema import SECTIONS, Article, ArticleExtraction, Item, RunInfo, Sections, Usage
from ..core.sentences import line_sentence_spans
from ..verification.grounding import verify
from .answers import Answer, AnswerIndex
from .config import ModelConfig, estimate_tokens, schema_json
from .prompts import PromptSet, build_messages, load_prompts, system_prompt
from .recordings import write_recording_config
from .verifier import MIN_ANSWERS, WORKER_QUEUE, VerifyWorker, spare_cores, warm_grounding

if TYPE_CHECKING:  # pragma: no cover
    from .client import CallState, LLMClient

MIN_ARTICLE_TOKENS = 256
MIN_ANSWER_TOKENS = 1024


def article_budget(config: ModelConfig, prompts: PromptSet) -> int:
    """Tokens left for article text: context minus system prompt, schema and room for the answer."""
    overhead = _overhead(config.mode, system_prompt(prompts), prompts.files["user.txt"])
    reserve = max(MIN_ANSWER_TOKENS, config.context_tokens // 8)
    budget = config.context_tokens - overhead - reserve
    if budget < MIN_ARTICLE_TOKENS:
        raise ConfigError(
            f"a context of {config.context_tokens} tokens leaves {budget} for the article after the prompt and "
            f"schema ({overhead}) and the answer ({reserve}); raise {option('context_tokens')}"
            + (f" or use {option('mode', 'tools')}, whose schema costs fewer tokens"
               if config.mode in ("json", "md_json") else "")
        )
    return budget


ANSWER_BASE_TOKENS = 640  # a short article's answer (the seeds' gold answers take about 1,000 to 1,750)
ANSWER_PER_ARTICLE_TOKEN = 0.5


def answer_tokens(config: ModelConfig, text: str) -> int | None:
    """max_tokens for one call: config.max_tokens, or with max_tokens_per_article sized from the text (capped
    by config.max_tokens), so a model that loops stops early on a short article."""
    if not config.max_tokens_per_article:
        return None
    sized = int(ANSWER_BASE_TOKENS + ANSWER_PER_ARTICLE_TOKEN * ((len(text) + 3) // 4))  # chars/4 (char_tokens)
    return min(sized, config.max_tokens) if config.max_tokens else sized


@lru_cache(maxsize=4)
def _overhead(mode: str, system: str, user: str) -> int:
    return estimate_tokens(system) + estimate_tokens(user) + estimate_tokens(schema_json(mode))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, covering the text without gaps (each line split on its own, linear time)."""
    starts = [s for s, _ in line_sentence_spans(text)]
    if not starts:
        return [(0, len(text))] if text else []
    starts[0] = 0
    return list(zip(starts, [*starts[1:], len(text)], strict=True))


def _hard_split(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split one over-long sentence at whitespace into pieces of at most ``max_chars``."""
    out: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut + 1 if cut > start else start + max_chars
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def chunk_spans(text: str, budget: int, overlap: int | None = None) -> list[tuple[int, int]]:
    """Sentence-aligned (start, end) chunks of at most ``budget`` tokens, consecutive chunks overlapping."""
    if estimate_tokens(text) <= budget:
        return [(0, len(text))]
    overlap = min(200, budget // 8) if overlap is None else overlap
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if estimate_tokens(text[s:e]) > budget:
            spans.extend(_hard_split(text, s, e, max(budget * 3, 1)))
        else:
            spans.append((s, e))
    cost = [estimate_tokens(text[s:e]) for s, e in spans]
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        j, used = i, 0
        while j < len(spans) and (j == i or used + cost[j] <= budget):
            used += cost[j]
            j += 1
        chunks.append((spans[i][0], spans[j - 1][1]))
        if j >= len(spans):
            break
        k, carried = j, 0
        while k - 1 > i and carried + cost[k - 1] <= overlap:
            carried += cost[k - 1]
            k -= 1
        i = k
    return chunks


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").replace("“", '"').replace("”", '"').split()).strip(" .,;:\"'")


def _same_item(a: Item, b: Item) -> bool:
    """Same quotes, or overlapping quotes with the same figures (or same fields when there are none)."""
    qa, qb = {_norm(e.quote) for e in a.evidence}, {_norm(e.quote) for e in b.evidence}
    if qa == qb:
        return True
    if not any(x in y or y in x for x in qa for y in qb):
        return False
    fa = {k: _norm(v.text) for k, v in a.figures().items()}
    fb = {k: _norm(v.text) for k, v in b.figures().items()}
    if fa or fb:
        return fa == fb
    skip = {"evidence", "id", "sources", "variants", "claimed", "period"}
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


def merge_chunks(parts: Sequence[Sections]) -> Sections:
    """Union of the chunks' items, dropping duplicates (same section, same quotes/figures); first wins."""
    out: dict[str, list[Item]] = {s: [] for s in SECTIONS}
    for part in parts:
        for section, item in part.items():
            if not any(_same_item(item, other) for other in out[section]):
                out[section].append(item)
    return Sections(**out)  # type: ignore[arg-type]


async def aextract(
    article: Article, config: ModelConfig, *, client: LLMClient | None = None, prompts: PromptSet | None = None
) -> ArticleExtraction:
    """Extract and verify one article (several calls when it is longer than the context budget)."""
    prompts = prompts or load_prompts()
    index = AnswerIndex.for_config(config, prompts.version)
    if index is not None and (answer := index.get(article, extractor=config.extractor_name)) is not None:
        if answer.verified is not None:
            return _stored(answer)
        return await _grounded(answer.sections, article, config, prompts, Usage(calls=0, cached_calls=answer.calls),
                               worker=None, index=index, answer=answer)
    return await _aextract_model(article, config, client=client, prompts=prompts, index=index)


def _stored(answer: Answer) -> ArticleExtraction:
    """A cached answer's stored grounded extraction, counted as a cached call."""
    assert answer.verified is not None
    answer.verified.usage = Usage(calls=0, cached_calls=answer.calls)
    return answer.verified


async def _grounded(
    sections: Sections, article: Article, config: ModelConfig, prompts: PromptSet, usage: Usage, *,
    worker: VerifyWorker | None, index: AnswerIndex | None, answer: Answer | None,
) -> ArticleExtraction:
    """verify() in the worker process when there is one and it is not behind, else here; stored with the answer.

    When the worker falls behind (WORKER_QUEUE answers waiting), this process grounds the overflow itself,
    after its own warm-up (in a thread, once), so the two processes share the work."""
    extractor = config.extractor_name
    got = None
    if worker is not None and worker.waiting() < WORKER_QUEUE:
        got = await worker.verify(sections, article, extractor=extractor, prompt_version=prompts.version, usage=usage)
    if got is not None:
        extraction, body = got
    else:
        if worker is not None:  # the child is behind (or gone): this process's own warm-up, in a thread
            worker.warm_here()
            await worker.here_ready()
        extraction, body = verify(sections, article, extractor=extractor, prompt_version=prompts.version,
                                  usage=usage, copy=False), None
    if index is not None and answer is not None:
        index.put_verified(answer, article, extraction, body=body)
    return extraction


async def _aextract_model(
    article: Article, config: ModelConfig, *, client: LLMClient | None, prompts: PromptSet, index: AnswerIndex | None,
    worker: VerifyWorker | None = None,
) -> ArticleExtraction:
    own = client is None
    if client is None:
        from .client import LLMClient

        client = LLMClient(config)
    try:
        async with client.slots:
            with client.article(article) as state, _counting(state):
                spans = chunk_spans(article.text, article_budget(config, prompts))
                reask = prompts.files["reask.txt"]
                if len(spans) == 1:
                    sections = await client.sections(build_messages(article, prompts), reask=reask,
                                                     max_tokens=answer_tokens(config, article.text))
                else:
                    calls = [
                        client.sections(build_messages(article, prompts, text=article.text[s:e],
                                                       part=(i, len(spans))),
                                        reask=reask, max_tokens=answer_tokens(config, article.text[s:e]))
                        for i, (s, e) in enumerate(spans, 1)
                    ]
                    results = await asyncio.gather(*calls, return_exceptions=True)
                    for r in results:
                        if isinstance(r, BaseException):
                            raise r
                    sections = merge_chunks([r for r in results if isinstance(r, Sections)])
                answer = index.put(article, sections, calls=len(spans)) if index is not None else None
                usage = state.usage.model_copy()
        # Grounded once the slot is free: the next article's request goes out meanwhile.
        return await _grounded(sections, article, config, prompts, usage, worker=worker, index=index, answer=answer)
    finally:
        if own:
            await client.aclose()


@contextlib.contextmanager
def _counting(state: CallState) -> Iterator[None]:
    """A failed article's error carries what its calls cost, so run.usage counts failed attempts too."""
    try:
        yield
    except ModelError as exc:
        exc.usage = state.usage.model_copy()
        raise


def extract(article: Article, config: ModelConfig, *, prompts: PromptSet | None = None) -> ArticleExtraction:
    """Synchronous :func:`aextract` (not callable from inside a running event loop)."""
    return asyncio.run(aextract(article, config, prompts=prompts))


async def aextract_many(
    articles: Sequence[Article], config: ModelConfig, *, progress: Progress | None = None,
    prompts: PromptSet | None = None, deadline: float | None = None,
) -> list[ArticleExtraction | BriefError]:
    """Extract many articles concurrently (bounded by config.concurrency); one entry per article, in order.

    Answers found in the answer index are used first; the model client (and with it openai and
    instructor) is only created when some article is not there. ``deadline`` (seconds from now):
    articles not finished by then are stopped and returned as :class:`DeadlineError` entries, with
    what their calls cost so far.
    """
    loop = asyncio.get_running_loop()
    until = None if deadline is None else loop.time() + deadline
    prompts = prompts or load_prompts()
    index = AnswerIndex.for_config(config, prompts.version)
    out: list[ArticleExtraction | BriefError | None] = [None] * len(articles)

    def done(i: int, result: ArticleExtraction | BriefError) -> None:
        out[i] = result
        if progress is not None:
            progress(articles[i], result)

    todo: list[int] = []
    ungrounded: list[tuple[int, Answer]] = []  # cached answers without a stored grounded extraction
    for i, article in enumerate(articles):
        answer = index.get(article, extractor=config.extractor_name) if index is not None else None
        if answer is None:
            todo.append(i)
        elif answer.verified is None:
            ungrounded.append((i, answer))
        else:
            try:
                done(i, _stored(answer))
            except Exception as exc:  # a bug must not stop the other articles
                done(i, ModelError(article.id, f"unexpected {type(exc).__name__}: {exc}"))
    if len(todo) + len(ungrounded) < MIN_ANSWERS or not spare_cores():
        worker = None
    else:
        worker = await VerifyWorker.start()
    try:
        return await _extract_rest(articles, config, prompts, index, todo, ungrounded, done, out, until, worker)
    finally:
        if worker is not None:
            await worker.aclose()


async def _extract_rest(
    articles: Sequence[Article], config: ModelConfig, prompts: PromptSet, index: AnswerIndex | None,
    todo: list[int], ungrounded: list[tuple[int, Answer]], done: Callable[[int, ArticleExtraction | BriefError], None],
    out: list[ArticleExtraction | BriefError | None], until: float | None, worker: VerifyWorker | None,
) -> list[ArticleExtraction | BriefError]:
    """aextract_many's articles that the stored grounded extractions did not answer."""
    loop = asyncio.get_running_loop()

    async def reground(i: int, answer: Answer) -> None:
        article = articles[i]
        result: ArticleExtraction | BriefError
        try:
            result = await _grounded(answer.sections, article, config, prompts,
                                     Usage(calls=0, cached_calls=answer.calls), worker=worker, index=index,
                                     answer=answer)
        except Exception as exc:  # a bug must not stop the other articles
            result = ModelError(article.id, f"unexpected {type(exc).__name__}: {exc}")
        done(i, result)

    running = []
    for i, answer in ungrounded:
        running.append(asyncio.ensure_future(reground(i, answer)))
        await asyncio.sleep(0)  # a turn of the loop: the child's answers are read, so its queue length is current
    await asyncio.gather(*running)
    if not todo:
        return [r for r in out if r is not None]

    from .client import LLMClient

    client = LLMClient(config)
    if worker is None:
        warm_grounding()

    async def one(i: int) -> None:
        article = articles[i]
        result: ArticleExtraction | BriefError
        try:
            result = await _aextract_model(article, config, client=client, prompts=prompts, index=index,
                                           worker=worker)
        except BriefError as exc:
            result = exc
        except Exception as exc:  # a bug must not stop the other articles
            result = ModelError(article.id, f"unexpected {type(exc).__name__}: {exc}")
        done(i, result)

    try:
        with _fewer_collections() if len(todo) >= MIN_ANSWERS else contextlib.nullcontext():
            tasks = {i: asyncio.ensure_future(one(i)) for i in todo}
            if until is None:
                await asyncio.gather(*tasks.values())
            else:
                _, pending = await asyncio.wait(tasks.values(), timeout=max(until - loop.time(), 0.0))
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                for i, task in tasks.items():
                    if task in pending:
                        error = DeadlineError(articles[i].id)
                        if (state := client.states.get(articles[i].id)) is not None:
                            error.usage = state.usage.model_copy()
                        done(i, error)
        return [r for r in out if r is not None]
    finally:
        await client.aclose()


@contextlib.contextmanager
def _fewer_collections(young: int = 10_000) -> Iterator[None]:
    """Run Python's cyclic garbage collector less often (restored on exit).

    Every request allocates thousands of objects (openai's and httpx's models, the request and answer
    dicts), so with the default threshold (700 allocations) a run of 1,000 answers collected about 500
    times and spent 1.1 s of its 4.6 s of CPU there (N=1000, C=64, benchmarks/run.py). The young
    generation is collected after ``young`` allocations instead: about 25 collections, 0.3 s. Memory
    is the same: the objects are freed by reference counting, the collector only finds cycles. (Reading
    1,000 stored extractions back gained nothing from it: they are kept, so each is traversed anyway.)
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], young), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def extract_many(
    articles: Sequence[Article], config: ModelConfig, *, progress: Progress | None = None,
    prompts: PromptSet | None = None, deadline: float | None = None,
) -> list[ArticleExtraction | BriefError]:
    """Synchronous :func:`aextract_many`; a failed article is a BriefError entry, never raised."""
    return asyncio.run(aextract_many(articles, config, progress=progress, prompts=prompts, deadline=deadline))


class ModelExtractor:
    """The model extractor behind the :class:`~summarizer.core.extractor.Extractor` interface."""

    offline = False

    def __init__(self, config: ModelConfig, prompts: PromptSet | None = None) -> None:
        self.config = config
        self.prompts = prompts

    def extract_many(self, articles: Sequence[Article], progress: Progress | None = None, *,
                     deadline: float | None = None) -> list[ArticleExtraction | BriefError]:
        """:func:`extract_many`; a recording run first writes the set's config.json."""
        if self.config.record is not None:
            write_recording_config(self.config)
        return extract_many(articles, self.config, progress=progress, prompts=self.prompts, deadline=deadline)

    def run_info(self, extractions: Sequence[ArticleExtraction]) -> RunInfo:
        config = self.config
        versions = sorted({e.prompt_version for e in extractions if e.prompt_version})
        return RunInfo(
            extractor=config.extractor_name,
            model=config.model,
            base_url=config.safe_base_url(),
            mode=config.mode,
            prompt_version=versions[0] if len(versions) == 1 else (",".join(versions) or None),
        )
