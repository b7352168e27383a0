"""The answer index: cached re-runs skip the client stack, damaged entries are named and asked again."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from oai_server import OAIServer
from test_extract import answer_for, numbered_article
from test_llm import basic_article, config, good

from summarizer.core.schema import ArticleExtraction, Sections
from summarizer.ingestion.articles import load_articles
from summarizer.model.answers import AnswerIndex
from summarizer.model.config import ModelConfig
from summarizer.model.extractor import extract, extract_many
from summarizer.model.prompts import load_prompts
from summarizer.pipeline import run_brief
from summarizer.rendering.render import render_html, render_json, render_markdown
from summarizer.verification.grounding import verify

ROOT = Path(__file__).resolve().parent.parent

_RERUN = textwrap.dedent(
    """
    import json, sys
    from summarizer.pipeline import run_brief
    run = run_brief([sys.argv[1]], model="gpt-4o-mini", base_url=sys.argv[2], api_key="sk-test",
                    cache_dir=sys.argv[3])
    print(json.dumps({"usage": run.briefing.run.usage.model_dump(), "errors": [str(e) for e in run.errors],
                      "openai": "openai" in sys.modules, "instructor": "instructor" in sys.modules,
                      "items": len(run.briefing.items())}))
    """
)


def _fresh_process_run(folder: Path, base_url: str, cache: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _RERUN, str(folder), base_url, str(cache)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_cached_rerun_in_a_new_process_makes_no_call_and_never_imports_openai(
    oai_server: OAIServer, tmp_path: Path
) -> None:
    oai_server.respond_with(answer_for)
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(4):
        (folder / f"r{i}.txt").write_text(numbered_article(i).text, encoding="utf-8")
    cache = tmp_path / "cache"
    first = _fresh_process_run(folder, oai_server.base_url, cache)
    assert first["usage"]["calls"] == 4 and first["errors"] == [] and first["openai"]  # type: ignore[index]
    assert len(list((cache / "answers").glob("*.json"))) == 4
    second = _fresh_process_run(folder, oai_server.base_url, cache)
    assert len(oai_server.requests) == 4  # nothing new reached the server
    assert second["usage"]["calls"] == 0 and second["usage"]["cached_calls"] == 4  # type: ignore[index]
    assert second["openai"] is False and second["instructor"] is False
    assert second["items"] == first["items"] > 0


def test_the_index_answer_is_the_same_extraction(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.script(good())
    cfg = config(oai_server, cache=True, cache_dir=tmp_path)
    first = extract(basic_article(), cfg)
    assert (tmp_path / "answers").is_dir()
    (request_entry,) = [p for p in tmp_path.iterdir() if p.is_file()]
    request_entry.unlink()  # only the index is left: it alone must give the same result
    second = extract(basic_article(), cfg)
    assert len(oai_server.requests) == 1
    assert (second.usage.calls, second.usage.cached_calls) == (0, 1)
    assert second.model_dump(exclude={"usage"}) == first.model_dump(exclude={"usage"})


def test_a_damaged_answer_is_named_and_the_request_cache_answers(
    oai_server: OAIServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    oai_server.script(good())
    cfg = config(oai_server, cache=True, cache_dir=tmp_path)
    first = extract(basic_article(), cfg)
    (entry,) = (tmp_path / "answers").glob("*.json")
    entry.write_text(json.dumps({"format": 1, "sections": {"casualties": "not a list"}}))
    with caplog.at_level(logging.WARNING, logger="summarizer.model.answers"):
        second = extract(basic_article(), cfg)
    assert entry.name in caplog.text and "damaged" in caplog.text
    assert len(oai_server.requests) == 1  # the request-level cache still had the answer
    assert second.model_dump(exclude={"usage"}) == first.model_dump(exclude={"usage"})
    assert json.loads(entry.read_text())["sections"]["casualties"]  # rewritten with the good answer


def test_a_failed_article_is_not_indexed(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.respond_with(answer_for)
    arts = [numbered_article(0), numbered_article(1, " FAIL")]
    results = extract_many(arts, config(oai_server, cache=True, cache_dir=tmp_path))
    assert isinstance(results[0], ArticleExtraction) and not isinstance(results[1], ArticleExtraction)
    assert len(list((tmp_path / "answers").glob("*.json"))) == 1


def test_key_follows_what_decides_the_answer(oai_server: OAIServer, tmp_path: Path) -> None:
    art = basic_article()
    base = config(oai_server, cache=True, cache_dir=tmp_path)
    key = AnswerIndex(base, "v1").key(art)
    assert AnswerIndex(base, "v1").key(art) == key
    assert AnswerIndex(base, "v2").key(art) != key  # prompt version
    for change in ({"base_url": "http://127.0.0.1:9/v1"}, {"model": "other"}, {"mode": "json"},
                   {"temperature": 0.5}, {"max_tokens": 100}, {"context_tokens": 4096}):
        assert AnswerIndex(config(oai_server, cache=True, cache_dir=tmp_path, **change), "v1").key(art) != key
    assert AnswerIndex(config(oai_server, cache=True, cache_dir=tmp_path, api_key="sk-other"), "v1").key(art) == key
    edited = art.model_copy(update={"text": art.text + " More."})
    assert AnswerIndex(base, "v1").key(edited) != key


def test_recording_replay_and_no_cache_do_not_use_the_index(oai_server: OAIServer, tmp_path: Path) -> None:
    assert AnswerIndex.for_config(config(oai_server, cache=True, cache_dir=tmp_path), "v") is not None
    assert AnswerIndex.for_config(config(oai_server, cache=False), "v") is None
    assert AnswerIndex.for_config(config(oai_server, cache=True, record=tmp_path / "rec"), "v") is None
    (tmp_path / "rep").mkdir()
    assert AnswerIndex.for_config(config(oai_server, cache=True, replay=tmp_path / "rep"), "v") is None


# ---------------------------------------------------------------- grounded extractions kept with the answers

SEEDS = ROOT / "seeds"
RECORDINGS = ROOT / "evals" / "recordings"


def _recorded_sections(articles: list[Any]) -> dict[str, Sections]:
    """Each seed's answer from the committed recordings (real model answers): the last one that validates."""
    found: dict[str, Sections] = {}
    for path in sorted(RECORDINGS.glob("*/*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        if "response" not in entry:
            continue
        user = entry["request"]["messages"][-1]["content"]
        calls = entry["response"]["choices"][0]["message"].get("tool_calls") or []
        try:
            sections = Sections.model_validate(json.loads(calls[0]["function"]["arguments"]))
        except (IndexError, KeyError, ValueError):
            continue
        for article in articles:
            if article.text in user:
                found[article.id] = sections
    return found


def _seed_index(tmp_path: Path) -> tuple[ModelConfig, list[Any]]:
    """A cache folder whose answer index holds a recorded answer for every seed it can; the model's address
    is a closed port, so a run that asked anything would fail."""
    articles = load_articles([SEEDS]).articles
    cfg = ModelConfig(model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1", api_key="sk-test", cache=True,
                      cache_dir=tmp_path / "cache", max_retries=0, timeout=2.0)
    index = AnswerIndex(cfg, load_prompts().version)
    answers = _recorded_sections(articles)
    assert len(answers) >= 3  # the recordings answer most seeds
    for article in articles:
        if article.id in answers:
            index.put(article, answers[article.id], calls=1)
    return cfg, [a for a in articles if a.id in answers]


def _rendered(run: Any) -> tuple[str, str, str]:
    b = run.briefing
    return render_markdown(b, verbose=True), render_json(b), render_html(b, run.articles)


def test_a_rerun_reads_the_grounded_extraction_back_and_renders_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, articles = _seed_index(tmp_path)
    grounded = run_brief(articles, config=cfg)  # grounds every answer and stores the result
    assert not grounded.errors and grounded.briefing.run.usage.calls == 0
    stored = sorted((cfg.cache_dir / "verified").glob("*.json"))  # type: ignore[operator]
    assert len(stored) == len(articles)
    assert any(e.rejected for e in grounded.extractions)  # real answers: some items are rejected...
    assert any(it.verification_notes for e in grounded.extractions for _, it in e.items())  # ...some corrected

    def no_grounding(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a stored grounded extraction was grounded again")

    monkeypatch.setattr("summarizer.model.extractor.verify", no_grounding)
    again = run_brief(articles, config=cfg)
    assert [e.model_dump() for e in again.extractions] == [e.model_dump() for e in grounded.extractions]
    assert _rendered(again) == _rendered(grounded)


def test_a_change_to_the_code_the_answer_or_the_article_grounds_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, articles = _seed_index(tmp_path)
    first = run_brief(articles, config=cfg)
    grounded: list[str] = []
    real_verify = verify

    def counting(sections: Sections, article: Any, **kwargs: Any) -> ArticleExtraction:
        grounded.append(article.id)
        return real_verify(sections, article, **kwargs)

    monkeypatch.setattr("summarizer.model.extractor.verify", counting)
    run_brief(articles, config=cfg)
    assert grounded == []
    # Another version of the code (or of a package it uses): every answer is grounded again, once.
    monkeypatch.setattr("summarizer.model.answers.code_fingerprint", lambda: "another version")
    again = run_brief(articles, config=cfg)
    assert sorted(grounded) == sorted(a.id for a in articles)
    assert _rendered(again) == _rendered(first)
    grounded.clear()
    run_brief(articles, config=cfg)
    assert grounded == []  # stored again for the new version
    # Another answer for one article (asked again after its entry was lost): that one is grounded again.
    index = AnswerIndex(cfg, load_prompts().version)
    target = articles[0]
    index.put(target, Sections(), calls=1)
    changed = run_brief(articles, config=cfg)
    assert grounded == [target.id]
    assert not next(e for e in changed.extractions if e.article_id == target.id).items()
    # The same text under another path is another article: grounded on its own.
    grounded.clear()
    moved = target.model_copy(update={"path": "elsewhere.txt"})
    answer = AnswerIndex(cfg, load_prompts().version).get(moved, extractor="model:gpt-4o-mini")
    assert answer is not None and answer.verified is None
    assert AnswerIndex(cfg, load_prompts().version).get(target, extractor="model:gpt-4o-mini").verified  # type: ignore[union-attr]


def test_a_damaged_grounded_extraction_is_named_and_grounded_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg, articles = _seed_index(tmp_path)
    first = run_brief(articles, config=cfg)
    (entry, *_) = sorted((cfg.cache_dir / "verified").glob("*.json"))  # type: ignore[operator]
    head = entry.read_bytes().partition(b"\n")[0]
    entry.write_bytes(head + b"\n{\"casualties\": \"not a list\"}\n")
    with caplog.at_level(logging.WARNING, logger="summarizer.model.answers"):
        again = run_brief(articles, config=cfg)
    assert entry.name in caplog.text and "damaged" in caplog.text
    assert _rendered(again) == _rendered(first)
    assert entry.read_bytes().partition(b"\n")[2] != b"{\"casualties\": \"not a list\"}\n"  # stored again


def test_grounded_extractions_read_back_equal_on_real_articles() -> None:
    """Every offline extraction of the seeds and the dev articles (all verification states) reads back from JSON
    equal; only the few whose items share a part (the offline reader gives two items one period) are refused."""
    from summarizer.model.answers import _is_tree, readable_back
    from summarizer.offline import extract_offline

    articles = load_articles([SEEDS, ROOT / "evals" / "dev" / "articles"]).articles
    assert len(articles) > 30
    refused = 0
    for article in articles:
        extraction = extract_offline(article)
        assert ArticleExtraction.model_validate_json(extraction.model_dump_json()) == extraction, article.path
        if readable_back(extraction) is None:
            assert not _is_tree(extraction), article.path
            refused += 1
    assert refused <= len(articles) // 10


def test_a_shared_part_or_a_value_json_changes_is_not_stored() -> None:
    from summarizer.model.answers import readable_back

    article = basic_article()
    sections = Sections.model_validate(good()["sections"])
    extraction = verify(sections, article)
    assert readable_back(extraction) is not None
    item = next(it for _, it in extraction.items())
    shared = extraction.model_copy(update={"casualties": [item, item]})
    assert readable_back(shared) is None  # one object in two places: a copy read back would not share it
    odd = extraction.model_copy(deep=True)
    next(it for _, it in odd.items()).evidence = tuple(next(it for _, it in odd.items()).evidence)  # type: ignore[assignment]
    assert readable_back(odd) is None  # a tuple reads back as a list
