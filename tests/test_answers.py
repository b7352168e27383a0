"""The answer index: cached re-runs skip the client stack, damaged entries are named and asked again."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from oai_server import OAIServer
from test_extract import answer_for, numbered_article
from test_llm import basic_article, config, good

from summarizer.core.schema import ArticleExtraction
from summarizer.model.answers import AnswerIndex
from summarizer.model.extractor import extract, extract_many

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
