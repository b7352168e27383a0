"""A run's settings in one dataclass: run_brief's keywords build a BriefOptions, checked once."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import ConfigError, run_brief
from summarizer.pipeline import BriefOptions, run_with_options

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_model_keywords_reach_the_model_config_once() -> None:
    options = BriefOptions.build(model="m", base_url="http://127.0.0.1:9/v1", timeout=5, cache=False,
                                 cache_dir="some/where", aliases="a.json")
    assert options.config is not None
    assert (options.config.timeout, options.config.cache, options.config.cache_dir) == (5, False, Path("some/where"))
    assert options.aliases == (Path("a.json"),)
    assert BriefOptions.build().config is None  # no model named: offline
    assert BriefOptions.build(model="m", base_url="http://127.0.0.1:9/v1", offline=True).config is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"deadline": 0}, "positive number of seconds"),
    ({"bottom_line": "poem"}, "'template' or 'model'"),
    ({"bottom_line": "model"}, "needs a model"),
    ({"offline": False}, "no model configured"),
    ({"model": "m", "base_url": "http://127.0.0.1:9/v1", "temprature": 0.5}, "unknown model option"),
])
def test_bad_options_are_refused_before_any_work(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BriefOptions.build(**kwargs)  # type: ignore[arg-type]


def test_run_with_options_is_run_brief() -> None:
    by_keywords = run_brief([SEEDS], title="T")
    by_options = run_with_options([SEEDS], BriefOptions(title="T"))
    assert by_options.briefing.title == by_keywords.briefing.title == "T"
    assert [i.id for _, i in by_options.briefing.items()] == [i.id for _, i in by_keywords.briefing.items()]
    assert [i.id for _, i in by_options.briefing.items()]
