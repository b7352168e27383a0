"""Fuzz the article loaders: arbitrary bytes and structures in every supported format.

Run by tests/test_hostile.py in a subprocess under a memory and CPU cap (so a blow-up fails the test
instead of hanging CI): ``python tests/fuzz_loaders.py [EXAMPLES]``. Each example writes one good
article and several hostile files into a fresh folder, loads them with ``load_articles`` and runs the
offline extractor on whatever loaded. Required: nothing raises, the good article is always loaded and
briefed, and every hostile file either loads or is named by at least one error (one per bad record).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.ingestion.articles import load_articles  # noqa: E402
from summarizer.offline import extract_offline  # noqa: E402

GOOD = "Synthetic fuzz anchor story\n\nAt least 12 people were killed in Aldmoor on Monday, officials said.\n"
SUFFIXES = (".txt", ".md", ".html", ".json", ".jsonl")

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
# Records shaped like articles, with every field of any type.
records = st.fixed_dictionaries(
    {},
    optional={k: json_values | st.text(max_size=200) for k in ("text", "title", "published", "date", "url",
                                                               "source", "headline", "outlet")},
)
yaml_words = st.sampled_from(["title", "published", "date", "url", "source", "outlet", "tags", "&a", "*a",
                              "<<", "!!timestamp", "!!binary", "!!python/object", "[", "]", "{", "}", ":", "-",
                              "2024-13-45", "2024-02-30", "null", "~", "yes", "'", '"', "|", ">", "\n", " ", "  "])


@st.composite
def front_matter(draw: Any) -> str:
    body = draw(st.text(max_size=200))
    if draw(st.booleans()):
        head = "".join(draw(st.lists(yaml_words, max_size=40)))
    else:
        head = "\n".join(f"{k}: {json.dumps(v)}" for k, v in draw(records).items())
    return f"---\n{head}\n---\n{body}"


@st.composite
def deep(draw: Any) -> str:
    depth = draw(st.integers(1, 60_000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    return opener * depth + "1" + closer * depth


@st.composite
def hostile_file(draw: Any) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(SUFFIXES))
    kind = draw(st.sampled_from(["bytes", "text", "structure", "records", "front_matter", "deep"]))
    if kind == "bytes":
        data = draw(st.binary(max_size=2_000))
    elif kind == "text":
        data = draw(st.text(max_size=2_000)).encode("utf-8", "surrogatepass")
    elif kind == "structure":
        data = json.dumps(draw(json_values)).encode()
    elif kind == "records":
        rows = draw(st.lists(records, max_size=5))
        if suffix == ".jsonl":
            data = "\n".join(json.dumps(r) for r in rows).encode()
        else:
            data = json.dumps(rows).encode()
    elif kind == "front_matter":
        data = draw(front_matter()).encode("utf-8", "surrogatepass")
    else:
        data = draw(deep()).encode()
    return suffix, data


@settings(max_examples=int(sys.argv[1]) if len(sys.argv) > 1 else 150, deadline=None, derandomize=True,
          database=None, suppress_health_check=list(HealthCheck))
@given(files=st.lists(hostile_file(), min_size=1, max_size=4))
def check_loaders(files: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "a_good.txt").write_text(GOOD, encoding="utf-8")
        names = []
        for n, (suffix, data) in enumerate(files):
            name = f"hostile_{n}{suffix}"
            (folder / name).write_bytes(data)
            names.append(name)
        result = load_articles([folder])  # must not raise
        loaded_from = {Path((a.path or "").split("#")[0].split("[")[0].rsplit(":", 1)[0]).name
                       for a in result.articles}
        named = {Path(e.path.split("[")[0]).name.rsplit(":", 1)[0] for e in [*result.errors, *result.duplicates]}
        assert "a_good.txt" in loaded_from, result.errors
        for name in names:
            assert name in loaded_from or name in named, (name, result.errors)
        for error in result.errors:
            assert error.reason.strip() and "\n" not in str(error), error
        for article in result.articles:
            extraction = extract_offline(article)  # must not raise either
            assert extraction.article_id == article.id


if __name__ == "__main__":
    check_loaders()
    print("fuzz: ok")
