"""Each section is described once (schema.py): a new section needs no edit to merge, estimates, render or evaluation.

The toy-section test copies the package, adds a sixth section by editing schema.py alone (an item class, a
``Sections`` field, its name in ``SectionName`` and a ``SECTION_SPECS`` entry), and runs verification, merge,
the timeline, the three renderers and the evaluation on it. A per-section ``isinstance`` chain or a table keyed
by section name in any of those modules makes it fail (a missing describer, block, weight or column).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import typing
from pathlib import Path

from summarizer.core.schema import SECTION_SPECS, SECTIONS, ArticleExtraction, Briefing, Item, SectionName, Sections

ROOT = Path(__file__).resolve().parent.parent

TOY_CLASS = '''
class Sighting(Item):
    """Drones seen over a place (a toy section added by tests/test_sections.py)."""

    place: str
    count: Quantity | None = None

    def figures(self) -> dict[str, Quantity]:
        return {"count": self.count} if self.count is not None else {}

    def block_key(self) -> tuple[Any, ...]:
        return (self.place,)

    def describe(self) -> Description:
        count = f"{self.count.text} " if self.count else ""
        figs = [f"{self.count.shown()} drones"] if self.count else []
        return Description(f"over {self.place}", figs, [], f"{count}drones seen over {self.place}")


'''

# (anchor in schema.py, text put in its place): the whole edit that adds the section
EDITS = [
    ('SectionName = Literal["casualties", "deployments", "arms_transfers", "aid", "diplomacy"]',
     'SectionName = Literal["casualties", "deployments", "arms_transfers", "aid", "diplomacy", "sightings"]'),
    ("@dataclass(frozen=True)\nclass SectionSpec:",
     TOY_CLASS.lstrip("\n") + "@dataclass(frozen=True)\nclass SectionSpec:"),
    (")}\nSECTIONS: tuple[SectionName, ...]",
     '    SectionSpec("sightings", Sighting, "Sightings", "sig", 0.5, (("place", "text", 0.1),)),\n'
     ")}\nSECTIONS: tuple[SectionName, ...]"),
    ("    diplomacy: list[Diplomacy] = Field(default_factory=list)\n",
     "    diplomacy: list[Diplomacy] = Field(default_factory=list)\n"
     "    sightings: list[Sighting] = Field(default_factory=list)\n"),
]

SCRIPT = r'''
import json
from datetime import date

from summarizer.ingestion.articles import article_from_text
from summarizer.evaluation import report_markdown, score_extractions
from summarizer.verification.grounding import verify
from summarizer.merging.merge import briefing_as_extraction, merge
from summarizer.rendering.render import render_html, render_json, render_markdown
from summarizer.core.schema import Sections, Sighting

texts = [
    "Ukraine's air force said on Monday that 12 drones were seen over Kharkiv on 3 March 2025, none of them shot down.",
    "Twelve drones were seen over Kharkiv on 3 March 2025, Ukraine's air force said, and more were expected.",
]
articles = [article_from_text(t, title=f"Report {i}", published=date(2025, 3, 4)) for i, t in enumerate(texts)]
quotes = ["12 drones were seen over Kharkiv", "Twelve drones were seen over Kharkiv"]
extractions = [
    verify(Sections(sightings=[Sighting(place="Kharkiv", count={"text": q.split()[0]}, evidence=[q],
                                        claimant="Ukraine's air force",
                                        period={"text": "on 3 March 2025", "start": "2025-03-03"})]),
           a, extractor="toy")
    for a, q in zip(articles, quotes)
]
briefing = merge(extractions, articles)
again = merge([briefing_as_extraction(briefing)], articles)
scores = score_extractions(extractions[:1], extractions[:1])
print(json.dumps({
    "verified": [len(e.sightings) for e in extractions],
    "rejected": [r.reason for e in extractions for r in e.rejected],
    "items": [[it.model_dump(mode="json")["count"]["text"], sorted(it.sources)] for it in briefing.sightings],
    "timeline": [(t.section, t.summary) for t in briefing.timeline],
    "idempotent": [it.id for it in again.sightings] == [it.id for it in briefing.sightings],
    "markdown": render_markdown(briefing),
    "html": render_html(briefing, articles),
    "json_sections": sorted(k for k in json.loads(render_json(briefing)) if k == "sightings"),
    "tp": scores.sections["sightings"].tp,
    "report": report_markdown([("toy", scores, None)]),
}))
'''


def test_registry_matches_the_contract() -> None:
    """SECTION_SPECS, SECTIONS, SectionName and the fields of Sections name the same sections in the same order."""
    assert tuple(SECTION_SPECS) == SECTIONS == typing.get_args(SectionName)
    assert list(Sections.model_fields) == list(SECTIONS)
    for name, spec in SECTION_SPECS.items():
        assert spec.name == name
        assert Sections.model_fields[name].annotation == list[spec.item]  # type: ignore[name-defined]
        assert issubclass(spec.item, Item) and spec.item is not Item
        assert spec.item.describe is not Item.describe, f"{name} items need a describer"
        for field, _how, _weight in spec.compare:
            assert field in spec.item.model_fields, (name, field)
    for model in (ArticleExtraction, Briefing):
        assert all(s in model.model_fields for s in SECTIONS)


def test_a_new_section_needs_only_schema_py(tmp_path: Path) -> None:
    pkg = tmp_path / "checkout"
    shutil.copytree(ROOT / "summarizer", pkg / "summarizer", ignore=shutil.ignore_patterns("__pycache__", "_bundled"))
    for folder in ("prompts", "schemas"):
        shutil.copytree(ROOT / folder, pkg / folder)
    schema = pkg / "summarizer" / "core" / "schema.py"
    text = schema.read_text(encoding="utf-8")
    for anchor, replacement in EDITS:
        assert text.count(anchor) == 1, f"schema.py changed: update this test's edit at {anchor!r}"
        text = text.replace(anchor, replacement)
    schema.write_text(text, encoding="utf-8")

    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=pkg, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(pkg), "PATH": "", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["verified"] == [1, 1] and out["rejected"] == []
    # the two reports of one claim are joined into one item citing both articles
    assert len(out["items"]) == 1 and len(out["items"][0][1]) == 2
    assert out["timeline"] == [["sightings", f"Ukraine's air force: {out['items'][0][0]} drones seen over Kharkiv"]]
    assert out["idempotent"]
    figure = out["items"][0][0]
    assert f"## Sightings\n\n- **over Kharkiv**: {figure} drones — Ukraine's air force;" in out["markdown"]
    html = out["html"]
    assert '<section id="sightings"><h2>Sightings</h2>' in html
    assert "over Kharkiv" in html.split('<section id="sightings">')[1].split("</section>")[0]
    assert out["json_sections"] == ["sightings"]
    assert out["tp"] == 1 and "sig F1" in out["report"]
