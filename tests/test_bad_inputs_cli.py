"""Bad input files next to good ones, through the real `brief` command: one clear line each, the rest briefed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from oai_server import OAIServer
from test_faults import FaultyModel, brief_env, capped, run_brief, synthetic_article, synthetic_quote

SCRIPT_TOKEN = "SCRIPTONLY-7f3a"
STYLE_TOKEN = "STYLEONLY-91bd"
HTML_INDEX = 50  # the HTML story reuses synthetic article 50's text


def _html_page() -> str:
    """A synthetic news page whose story is synthetic article 50, wrapped in scripts and styles."""
    text, _ = synthetic_article(HTML_INDEX)
    title, *paras = [p for p in text.split("\n") if p.strip()]
    scripts = "\n".join(
        f'<script>var tracker{i} = "{SCRIPT_TOKEN}"; document.write("{SCRIPT_TOKEN} 9,999 killed");</script>'
        for i in range(20)
    )
    styles = "\n".join(f"<style>.{STYLE_TOKEN}-{i} {{ color: red; }}</style>" for i in range(20))
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    filler = "<p>Aid workers said roads into the area remained closed for most of the week.</p>"
    return (f"<!doctype html><html><head><title>{title}</title>{styles}{scripts}</head><body>"
            f"<nav>Home | World | Sport</nav><article><h1>{title}</h1>{body}{filler}</article>"
            f"{scripts}<footer>Copyright synthetic</footer></body></html>")


def make_inputs(root: Path) -> tuple[Path, dict[str, str], set[int]]:
    """A folder of good and bad inputs; returns (folder, {bad name: expected word in its error}, good indices)."""
    folder = root / "inbox"
    folder.mkdir(parents=True)
    good = {1, 2, 3}
    for i in good:
        (folder / f"good_{i}.txt").write_text(synthetic_article(i)[0], encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    with (folder / "huge.txt").open("wb") as fh:  # 50 MB, sparse after a text header
        fh.write(b"Synthetic oversized article\n\n" + b"Words words words. " * 1000)
        fh.truncate(50 * 1024 * 1024)
    latin1 = "Synthetic caf\u00e9 report\n\nShelling near the Aldmoor caf\u00e9 went on all week."
    (folder / "latin1.txt").write_bytes(latin1.encode("latin-1"))
    (folder / "page.html").write_text(_html_page(), encoding="utf-8")
    rows = [json.dumps({"title": f"Row {i}", "text": synthetic_article(i)[0]}) for i in (10, 11)]
    (folder / "records.jsonl").write_text(rows[0] + "\n{\"title\": \"broken\", \"text\": \n" + rows[1] + "\n",
                                          encoding="utf-8")
    os.symlink("loop.txt", folder / "loop.txt")  # points at itself
    bad = {"empty.txt": "empty", "binary.txt": "binary", "huge.txt": "limit", "latin1.txt": "utf-8",
           "records.jsonl:2": "json", "loop.txt": "loop"}
    return folder, bad, good | {10, 11, HTML_INDEX}


def check(proc, folder: Path, bad: dict[str, str], missing: Path, out: Path) -> dict:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    for name, word in {**bad, missing.name: "not exist"}.items():
        named = [ln for ln in lines if name in ln and not ln.endswith(f"{name}:1")]
        if name == "records.jsonl:2":
            named = [ln for ln in lines if "records.jsonl" in ln]
        assert len(named) == 1, f"{name}: expected exactly one stderr line, got {named}"
        assert word in named[0].lower(), named[0]
        assert named[0].startswith("brief: ")
    briefing = json.loads(out.read_text(encoding="utf-8"))
    failed = {Path(f["path"]).name for f in briefing["run"]["failed"]}
    assert failed == set(bad) | {missing.name}, failed
    return briefing


def briefed_quotes(briefing: dict) -> set[str]:
    return {e["quote"] for s in ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")
            for item in briefing[s] for e in item["evidence"]}


def test_bad_inputs_offline(tmp_path: Path) -> None:
    folder, bad, good = make_inputs(tmp_path)
    missing, out = tmp_path / "no-such-article.txt", tmp_path / "out.json"
    proc = run_brief([str(folder), str(missing), "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                      "-o", str(out)], brief_env(tmp_path))
    briefing = check(proc, folder, bad, missing, out)
    sources = {Path(s["path"]).name if s["path"] else s["title"] for s in briefing["sources"]}
    assert {f"good_{i}.txt" for i in (1, 2, 3)} | {"page.html"} <= sources, sources
    assert len(briefing["sources"]) == 6  # three .txt, the page and two good JSONL rows
    text = out.read_text(encoding="utf-8")
    assert SCRIPT_TOKEN not in text and STYLE_TOKEN not in text
    assert "9,999" not in text
    quotes = briefed_quotes(briefing)
    assert any(str(100 + HTML_INDEX) in q for q in quotes), "the HTML story's figure was not briefed"


@pytest.mark.slow
def test_bad_inputs_with_model(tmp_path: Path) -> None:
    folder, bad, good = make_inputs(tmp_path)
    answers = {i: synthetic_article(i)[1] for i in good}
    model = FaultyModel(answers, rate=0.0, kinds=())
    missing, out = tmp_path / "no-such-article.txt", tmp_path / "out.json"
    with OAIServer(default=model) as server:
        proc = run_brief([str(folder), str(missing), "--model", "synthetic-model", "--base-url", server.base_url,
                          "--cache-dir", str(tmp_path / "cache"), "--format", "json", "-o", str(out)],
                         brief_env(tmp_path))
        bodies = json.dumps(server.bodies)
    briefing = check(proc, folder, bad, missing, out)
    assert set(model.calls) == good, model.calls  # only the good articles reach the model, once each
    assert all(n == 1 for n in model.calls.values())
    assert SCRIPT_TOKEN not in bodies and STYLE_TOKEN not in bodies  # scripts never reach the model
    quotes = briefed_quotes(briefing)
    assert {synthetic_quote(i) for i in good} <= quotes
    text = out.read_text(encoding="utf-8")
    assert SCRIPT_TOKEN not in text and STYLE_TOKEN not in text


# A 427-byte-class YAML alias bomb: each level repeats the one before nine times (9**8 strings if expanded).
ALIAS_BOMB = "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{chr(98 + k)}: &{chr(98 + k)} [{','.join([f'*{chr(97 + k)}'] * 9)}]\n" for k in range(7)
) + "title: *h\n---\nSynthetic alias bomb story: shelling went on all week in Aldmoor.\n"


def hostile_inputs(root: Path) -> tuple[Path, dict[str, str]]:
    """Files that once aborted or exhausted a run, next to one good article; {name: word in its error}."""
    folder = root / "hostile"
    folder.mkdir()
    (folder / "good_1.txt").write_text(synthetic_article(1)[0], encoding="utf-8")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (folder / "deep_line.jsonl").write_text(
        json.dumps({"text": synthetic_article(2)[0]}) + "\n" + "{\"a\":" * 50_000 + "1" + "}" * 50_000 + "\n",
        encoding="utf-8")
    (folder / "bad_date.md").write_text("---\ntitle: Synthetic\npublished: 2024-13-45\n---\nSynthetic story text about "
                                        "shelling near Aldmoor.\n", encoding="utf-8")
    (folder / "alias_bomb.md").write_text(ALIAS_BOMB, encoding="utf-8")
    (folder / "deep_yaml.md").write_text("---\ntitle: " + "[" * 7_000 + "]" * 7_000 + "\n---\nSynthetic story.\n",
                                         encoding="utf-8")
    (folder / "list_title.md").write_text("---\ntitle: [a, b]\n---\nSynthetic story about Aldmoor.\n",
                                          encoding="utf-8")
    (folder / "huge_front_matter.md").write_text("---\n" + "".join(f"k{i}: {'v' * 60}\n" for i in range(400))
                                                 + "---\nSynthetic story about Aldmoor.\n", encoding="utf-8")
    (folder / "empty_list.json").write_text("[]", encoding="utf-8")
    bad = {"deep.json": "deeply", "deep_line.jsonl:2": "deeply", "bad_date.md": "not a date",
           "alias_bomb.md": "alias", "deep_yaml.md": "deeply", "list_title.md": "plain text",
           "huge_front_matter.md": "front matter", "empty_list.json": "no articles"}
    return folder, bad


def test_hostile_files_cost_one_line_each_under_a_memory_cap(tmp_path: Path) -> None:
    """Deep JSON, a bad front-matter date and a YAML alias bomb each fail alone; the good articles are briefed."""
    folder, bad = hostile_inputs(tmp_path)
    out = tmp_path / "out.json"
    proc = run_brief([str(folder), "--format", "json", "-o", str(out)], brief_env(tmp_path), timeout=120,
                     limits=capped(memory_mb=2_000, cpu_seconds=90, file_mb=20))
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    for name, word in bad.items():
        named = [ln for ln in lines if f"{name}:" in ln and ln.startswith("brief: ")]
        assert len(named) == 1, f"{name}: expected one stderr line, got {named}"
        assert word in named[0], named[0]
    briefing = json.loads(out.read_text(encoding="utf-8"))
    assert {Path(s["path"]).name for s in briefing["sources"]} == {"good_1.txt", "deep_line.jsonl:1"}
    assert len(briefing["run"]["failed"]) == len(bad)
    assert out.stat().st_size < 1_000_000


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/v1", "http://[::1/v1", "127.0.0.1:8080/v1", "http:///v1"])
def test_malformed_base_url_is_a_usage_error(tmp_path: Path, url: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good_1.txt").write_text(synthetic_article(1)[0], encoding="utf-8")
    proc = run_brief([str(folder), "--model", "synthetic-model", "--base-url", url], brief_env(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "--base-url" in proc.stderr and "http://127.0.0.1:8080/v1" in proc.stderr, proc.stderr


def test_file_name_cannot_forge_a_stderr_line(tmp_path: Path) -> None:
    """A failing file whose name holds a newline is quoted: its error stays on one line."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good_1.txt").write_text(synthetic_article(1)[0], encoding="utf-8")
    evil = "x.txt\nbrief: 0 articles failed; all is well\n.txt"
    (folder / evil).write_bytes(b"")  # empty: fails
    (folder / "tab\tname.txt").write_text(synthetic_article(2)[0], encoding="utf-8")
    out = tmp_path / "out.json"
    proc = run_brief([str(folder), "--format", "json", "-o", str(out), "-v"], brief_env(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert not any(line.startswith("brief: 0 articles failed") for line in proc.stderr.splitlines()), proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if "all is well" in ln]
    assert repr(str(folder / evil)) in line and "empty" in line, line
    assert json.loads(out.read_text(encoding="utf-8"))["run"]["failed"][0]["path"] == str(folder / evil)
    assert all(ln.startswith("brief: ") for ln in proc.stderr.splitlines()), proc.stderr


def test_thousands_of_bad_lines_are_counted_not_listed(tmp_path: Path) -> None:
    """A .jsonl of 500 broken lines and one good article: 20 lines name a failure, then a count; -v lists all."""
    good = {"title": "Synthetic wire story", "text": "Officials said 12 soldiers were killed near the border."}
    lines = ["{broken"] * 500 + [json.dumps(good)]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_brief([str(tmp_path / "many.jsonl"), "--offline"], brief_env(tmp_path))
    named = [line for line in proc.stderr.splitlines() if "many.jsonl:" in line]
    assert len(named) == 20, proc.stderr[-2000:]
    assert "... and 480 more failed inputs (-v lists them all" in proc.stderr
    loud = run_brief([str(tmp_path / "many.jsonl"), "--offline", "-v"], brief_env(tmp_path))
    assert len([line for line in loud.stderr.splitlines() if "many.jsonl:" in line]) == 500
