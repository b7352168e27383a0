"""ResponseStore on its own, and cache / record / replay through the real client."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from oai_server import OAIServer
from test_llm import SENTINEL, basic_article, config, good

from summarizer.core.errors import ReplayMissError, StoreError
from summarizer.core.resources import resource_dir
from summarizer.model.extractor import extract
from summarizer.model.prompts import load_prompts, prompt_version
from summarizer.model.store import ResponseStore, request_key

REQ = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.0}
RESP = {"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}}], "model": "m",
        "usage": {"prompt_tokens": 3, "completion_tokens": 1}}


def test_key_is_canonical_and_sensitive() -> None:
    shuffled = {"temperature": 0.0, "messages": [{"content": "hi", "role": "user"}], "model": "m"}
    assert request_key(REQ) == request_key(shuffled)
    assert len(request_key(REQ)) == 64
    for change in ({"model": "n"}, {"temperature": 0.5}, {"messages": [{"role": "user", "content": "hi!"}]},
                   {"tools": [{"type": "function"}]}):
        assert request_key({**REQ, **change}) != request_key(REQ)


def test_put_get_roundtrip_is_readable_json(tmp_path: Path) -> None:
    store = ResponseStore("cache", tmp_path)
    assert store.get(REQ) is None
    store.put(REQ, RESP, {"article_id": "a1"})
    assert store.get(REQ) == RESP
    files = list(tmp_path.iterdir())
    assert [p.name for p in files] == [f"{request_key(REQ)}.json"]  # no temp files left behind
    entry = json.loads(files[0].read_text())
    assert entry["request_summary"]["messages"] == [{"role": "user", "chars": 2}]
    assert (entry["model"], entry["usage"]["prompt_tokens"], entry["meta"]["article_id"]) == ("m", 3, "a1")
    assert "request" not in entry  # a cache entry is found by its key; only recordings keep the full request
    rec = ResponseStore("record", tmp_path / "rec")
    rec.put(REQ, RESP, {})
    recorded = json.loads(rec.path(request_key(REQ)).read_text())
    assert request_key(recorded["request"]) == recorded["key"]


def test_damaged_entry_is_a_miss_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = ResponseStore("cache", tmp_path)
    store.put(REQ, RESP, {})
    path = store.path(store.key(REQ))
    path.write_text(path.read_text()[:40])  # truncated
    with caplog.at_level(logging.WARNING, logger="summarizer.model.store"):
        assert store.get(REQ) is None
    assert "damaged" in caplog.text and path.name in caplog.text


def test_modes(tmp_path: Path) -> None:
    ResponseStore("replay", tmp_path).put(REQ, RESP, {})
    assert list(tmp_path.iterdir()) == []
    assert ResponseStore("off", None).get(REQ) is None
    with pytest.raises(StoreError, match="does not exist"):
        ResponseStore("replay", tmp_path / "missing")
    with pytest.raises(StoreError, match="unknown store mode"):
        ResponseStore("vcr", tmp_path)


def test_cache_hit_makes_zero_calls(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.script(good())
    cfg = config(oai_server, cache=True, cache_dir=tmp_path)
    first = extract(basic_article(), cfg)
    assert len(oai_server.requests) == 1 and first.usage.calls == 1
    second = extract(basic_article(), cfg)
    assert len(oai_server.requests) == 1  # nothing new reached the server
    assert (second.usage.calls, second.usage.cached_calls, second.usage.prompt_tokens) == (0, 1, 0)
    assert second.model_dump(exclude={"usage"}) == first.model_dump(exclude={"usage"})


def test_damaged_cache_entry_is_refetched(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.script(good(), good())
    cfg = config(oai_server, cache=True, cache_dir=tmp_path)
    extract(basic_article(), cfg)
    shutil.rmtree(tmp_path / "answers")  # the answer index would answer first (tested in test_answers.py)
    (entry,) = [p for p in tmp_path.iterdir() if p.is_file()]  # the request cache's entry
    entry.write_text("{not json")
    assert len(extract(basic_article(), cfg).casualties) == 1
    assert len(oai_server.requests) == 2
    assert json.loads(entry.read_text())["response"]["choices"]


def test_changed_prompt_is_a_miss(oai_server: OAIServer, tmp_path: Path) -> None:
    oai_server.script(good(), good())
    cfg = config(oai_server, cache=True, cache_dir=tmp_path / "cache")
    prompts = tmp_path / "prompts"
    shutil.copytree(resource_dir("prompts"), prompts)
    first = extract(basic_article(), cfg, prompts=load_prompts(prompts))
    (prompts / "system.txt").write_text((prompts / "system.txt").read_text() + "\nBe brief.\n")
    second = extract(basic_article(), cfg, prompts=load_prompts(prompts))
    assert len(oai_server.requests) == 2
    assert first.prompt_version != second.prompt_version == prompt_version(prompts)


def test_record_then_replay_is_identical(oai_server: OAIServer, tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    oai_server.script({"status": 500}, {"sections": {"casualties": [{"side": "x", "evidence": ["x"]}]}}, good())
    recorded = extract(basic_article(), config(oai_server, record=rec))
    assert len(list(rec.glob("*.json"))) == 2  # the failed 500 is not an exchange; the re-ask is
    for p in rec.glob("*.json"):
        text = p.read_text()
        assert SENTINEL not in text and "authorization" not in text.lower()
        assert json.loads(text)["meta"]["article"].startswith("'Garrow reports losses")
    oai_server.stop()  # replay needs no server at all
    replayed = extract(basic_article(), config(oai_server, replay=rec, base_url="http://127.0.0.1:9/v1"))
    assert replayed.model_dump(exclude={"usage"}) == recorded.model_dump(exclude={"usage"})
    assert (replayed.usage.calls, replayed.usage.cached_calls) == (0, 2)


def test_replay_miss_names_the_article_and_key(tmp_path: Path) -> None:
    art = basic_article()
    cfg = config(OAIServer(), replay=tmp_path, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ReplayMissError) as info:
        extract(art, cfg)
    msg = str(info.value)
    assert msg.startswith(f"article {art.id}: 'Garrow reports losses near Tarn Ford'")
    assert f"replay folder {tmp_path}" in msg and "request key " in msg and "(record)" in msg


def test_a_cache_folder_removed_during_a_run_is_made_again(tmp_path: Path) -> None:
    from summarizer.model.store import write_bytes_atomic

    write_bytes_atomic(tmp_path / "answers" / "a.json", b"{}\n")
    shutil.rmtree(tmp_path / "answers")
    write_bytes_atomic(tmp_path / "answers" / "b.json", b"{}\n")
    assert (tmp_path / "answers" / "b.json").read_bytes() == b"{}\n"


def test_stored_files_are_written_as_mkstemp_made_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Owner-only files, whole, no temporary file left; a temporary name already taken (a file left by an
    earlier process with the same id) is passed over, never written through."""
    import itertools
    import os
    import stat

    from summarizer.model import store

    monkeypatch.setattr(store, "_TMP_COUNT", itertools.count(7))
    taken = tmp_path / f".a.json.{os.getpid()}-7.tmp"
    taken.write_bytes(b"left over")
    content = b"x" * 300_000 + b"\n"
    store.write_bytes_atomic(tmp_path / "a.json", content)
    assert (tmp_path / "a.json").read_bytes() == content
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600 or os.name != "posix"
    assert taken.read_bytes() == b"left over"
    assert sorted(p.name for p in tmp_path.iterdir()) == [taken.name, "a.json"]
