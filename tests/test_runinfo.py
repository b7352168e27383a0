"""Run totals are added up in one place, so `brief` and summarizer.merge() report the same ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import BriefRun, merge, run_brief
from summarizer.core.runinfo import all_instructions, all_rejected, total_usage
from summarizer.core.schema import Usage
from summarizer.model.recordings import recording_config

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
RECORDING = ROOT / "evals" / "recordings" / "qwen2.5-coder-1.5b"  # its answers have rejected items


@pytest.fixture(scope="module")
def replayed() -> BriefRun:
    return run_brief([SEEDS], **recording_config(RECORDING), replay=RECORDING, cache=False)


def test_brief_and_merge_report_the_same_totals(replayed: BriefRun) -> None:
    run = replayed
    assert run.briefing.run.rejected, "the seeds should reject something, or this test proves nothing"
    alone = merge(run.extractions, run.articles).run
    assert alone.rejected == run.briefing.run.rejected
    assert alone.instructions == run.briefing.run.instructions
    assert alone.usage == run.briefing.run.usage


def test_an_article_merged_twice_is_counted_once_in_the_lists(replayed: BriefRun) -> None:
    run = replayed
    twice = [*run.extractions, *run.extractions]
    assert all_rejected(twice) == all_rejected(run.extractions)
    assert all_instructions(twice) == all_instructions(run.extractions)
    assert len(all_rejected(run.extractions)) == len({r.model_dump_json() for e in run.extractions
                                                       for r in e.rejected})


def test_failed_articles_usage_is_added(replayed: BriefRun) -> None:
    run = replayed
    paid = Usage(calls=2, prompt_tokens=10, completion_tokens=5, total_tokens=15, cost_usd=0.5)
    total = total_usage(run.extractions, [paid])
    assert total.calls == total_usage(run.extractions).calls + 2
    assert total.cost_usd == 0.5
