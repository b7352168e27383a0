"""The README's Python examples run as written, and README.md is assembled from docs/readme/."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_readme_has_the_two_setup_commands_first() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```bash\n(.*?)```", text, re.S)
    assert first is not None
    assert first.group(1).strip().splitlines() == [
        "pip install . && brief seeds/",
        "pip install -e '.[test]' && pytest",
    ]


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_python_example_runs(index: int, tmp_path: Path) -> None:
    if "summarizer.model.local" in BLOCKS[index] and importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("needs the local model server: bash scripts/install-local.sh")
    run = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, f"README example {index} failed:\n{BLOCKS[index]}\n{run.stderr}"
    # A line ending in "# -> TEXT" claims that the example prints TEXT: hold it to that.
    for claimed in re.findall(r"#\s*->\s*(.+?)\s*$", BLOCKS[index], re.M):
        assert claimed in run.stdout.splitlines(), f"README example {index} claims it prints {claimed!r}:\n{run.stdout}"


def test_readme_is_assembled_from_docs(tmp_path: Path) -> None:
    built = tmp_path / "README.md"
    script = ROOT / "scripts" / "build-readme.sh"
    subprocess.run(["bash", str(script), str(built)], check=True, capture_output=True)
    assert built.read_bytes() == (ROOT / "README.md").read_bytes(), (
        "README.md differs from docs/readme/: run scripts/build-readme.sh and commit"
    )


# ---------------------------------------------------------------- statements about output, checked against it

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sentence(pattern: str) -> re.Match[str]:
    """The README sentence a test holds to the output; a reworded sentence must be re-checked here."""
    found = re.search(pattern, " ".join(README.split()))
    assert found, f"the README no longer says {pattern!r}: update this test with the new statement"
    return found


@pytest.fixture(scope="module")
def offline_run() -> Any:
    import summarizer

    return summarizer.run_brief([ROOT / "seeds"], offline=True)


def _figures(run: Any) -> list[Any]:
    from summarizer.core.numbers import parse_quantity

    out = []
    for _, item in run.briefing.items():
        for q in item.figures().values():
            out.append(parse_quantity(q.text))
        for component in getattr(item, "components", []):
            out += [parse_quantity(q.text) for q in (component.amount, component.quantity) if q is not None]
    return [f for f in out if f is not None]


def test_offline_findings_paragraph_matches_an_offline_run(offline_run: Any) -> None:
    """'What the offline extractor finds on the seed corpus (41 items; ...) includes the NIS figures (...)'."""
    from summarizer.core.numbers import find_figures
    from summarizer.evaluation import load_gold, score_extractions

    said = _sentence(r"What the offline extractor finds on the seed corpus \((\d+) items; ([\d.]+) precision, "
                     r"([\d.]+) recall against `evals/gold`\) includes (.*?the defence pact)\.")
    items = sum(len(list(e.items())) for e in offline_run.extractions)
    scores = score_extractions(offline_run.extractions, load_gold(ROOT / "evals" / "gold"))
    tp, fp, fn = scores.overall.tp, scores.overall.fp, scores.overall.fn
    assert int(said.group(1)) == items
    assert float(said.group(2)) == round(tp / (tp + fp), 2) and float(said.group(3)) == round(tp / (tp + fn), 2)
    fields = _sentence(r"Field accuracy of matched items: claimant ([\d.]+), conduit ([\d.]+), claimed ([\d.]+), "
                       r"period ([\d.]+)\.")
    for name, value in zip(("claimant", "conduit", "claimed", "period"), fields.groups(), strict=True):
        f = scores.fields[name]
        assert float(value) == round(f.correct / f.total, 2), name
    # Every figure the paragraph names ("at least 100", "1,000", "£39m", ...) is a figure of the briefing,
    # with the same bounds and the same qualifier ("nearly 1,000" would not pass for "1,000").
    found = {(f.low, f.high, f.qualifier) for f in _figures(offline_run)}
    for fig in find_figures(said.group(4)):
        if not fig.year_like:
            assert (fig.low, fig.high, fig.qualifier) in found, f"README names {fig.text!r}; not in the output"


def test_mixed_side_and_skipped_figures_as_the_readme_says(offline_run: Any) -> None:
    _sentence(r'"around 200 Russian and North Korean soldiers" is counted for \*North Korean and Russian forces\* '
              r'\(one name in either order\), never for either army alone\. "eight members of the Chechen Akhmat unit" '
              r'and rates \("2,000 \.\.\. each day"\) are skipped\.')
    casualties = [(c.side, q.text) for c in offline_run.briefing.casualties for q in c.figures().values()]
    assert ("North Korean and Russian forces", "around 200") in casualties
    assert not [c for c in casualties if c[1] == "around 200" and c[0] != "North Korean and Russian forces"]
    assert not [c for c in casualties if c[1] in ("eight", "2,000")]


def test_qualifier_examples_appear_in_the_markdown(offline_run: Any) -> None:
    from summarizer.rendering.render import render_markdown

    said = _sentence(r"Figures keep the article's qualifier \(\"([^\"]+)\", \"([^\"]+)\"\)")
    md = render_markdown(offline_run.briefing).lower()
    for phrase in said.groups():
        assert phrase.lower() in md, phrase


def test_smollm2_replay_counts_match_the_readme() -> None:
    import summarizer
    from summarizer.model.recordings import recording_config

    said = _sentence(r"Replayed, it gives (\d+) articles? briefed and (\d+) failed, with nothing\s+kept")
    folder = ROOT / "evals" / "recordings" / "smollm2-135m"
    config = recording_config(folder)  # model, mode and the request options it was recorded with
    try:
        run = summarizer.run_brief([ROOT / "seeds"], replay=folder, base_url="http://127.0.0.1:9/v1", cache=False,
                                   **config)
    except summarizer.NoArticlesError as exc:
        run = exc.run
    briefed = [e for e in run.extractions]
    assert int(said.group(1)) == len(briefed) and int(said.group(2)) == len(run.errors)
    assert all(not list(e.items()) for e in briefed)  # "with nothing grounded"
