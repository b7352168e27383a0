"""`brief eval`: reports, thresholds gating CI, and stale recordings caught (subprocess, no network)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def brief(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", "eval", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_offline_eval_prints_a_report_and_writes_json(tmp_path: Path) -> None:
    run = brief("--offline", "--json", "--report-dir", str(tmp_path))
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)["rows"]
    assert [(r["name"], r["corpus"]) for r in rows] == [("offline", "seeds"), ("offline", "dev")]
    seeds, dev = rows
    overall = seeds["extraction"]["overall"]
    assert 0.5 < overall["precision"] <= 1.0 and 0.3 < overall["recall"] <= 1.0
    assert seeds["extraction"]["articles"] == 5 and dev["extraction"]["articles"] >= 30
    assert json.loads((tmp_path / "latest.json").read_text(encoding="utf-8")) == json.loads(run.stdout)
    report = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert report.count("| offline |") == 6  # three tables per corpus
    assert report.index("# Evaluation: seed articles") < report.index("# Evaluation: development corpus")


def test_corpus_option_scores_one_corpus_only(tmp_path: Path) -> None:
    run = brief("--offline", "--corpus", "dev", "--json", "--report-dir", str(tmp_path))
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)["rows"]
    assert [(r["name"], r["corpus"]) for r in rows] == [("offline", "dev")]
    gold_items = rows[0]["extraction"]["overall"]["tp"] + rows[0]["extraction"]["overall"]["fn"]
    assert gold_items > 100  # the dev gold, not the seeds' 53 items
    assert "seed articles" not in (tmp_path / "latest.md").read_text(encoding="utf-8")


def test_dev_rows_use_the_dev_section_of_the_thresholds(tmp_path: Path) -> None:
    limits = {
        "offline": {"extraction": {"overall": {"recall": 0.1}}},  # met by the seeds (0.77)
        "dev": {"offline": {"extraction": {"overall": {"recall": 0.999}}}},
    }
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps(limits), encoding="utf-8")
    run = brief("--offline", "--check", "--thresholds", str(path), "--report-dir", str(tmp_path))
    assert run.returncode == 1
    failures = [ln for ln in run.stderr.splitlines() if "below threshold" in ln]
    assert len(failures) == 1 and "offline (dev): extraction.overall.recall" in failures[0]


def test_check_fails_below_a_threshold(tmp_path: Path) -> None:
    limits = {"offline": {"extraction": {"overall": {"precision": 0.999, "recall": 0.999}}}}
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps(limits), encoding="utf-8")
    run = brief("--offline", "--check", "--thresholds", str(path), "--report-dir", str(tmp_path))
    assert run.returncode == 1
    assert "below threshold: offline: extraction.overall.recall" in run.stderr


def test_committed_thresholds_pass(tmp_path: Path) -> None:
    run = brief("--all", "--check", "--report-dir", str(tmp_path))  # never into the checkout
    assert run.returncode == 0, run.stderr + run.stdout
    assert "meet evals/thresholds.json" in run.stderr
    assert "# Evaluation: development corpus" in run.stdout  # CI gates both corpora


def test_committed_thresholds_gate_the_dev_corpus() -> None:
    limits = json.loads((ROOT / "evals" / "thresholds.json").read_text(encoding="utf-8"))
    dev = limits["dev"]["offline"]
    gated = [dev["extraction"]["overall"]["recall"], dev["extraction"]["overall"]["f1"],
             dev["briefing"]["claim_recall"], dev["extraction"]["grounding"]["rate"]]
    assert all(v is not None and v > 0 for v in gated)


def test_recording_sets_belong_to_the_corpus_they_sit_in(tmp_path: Path) -> None:
    from summarizer.evaluation.run import corpora, corpus_of_recording, recording_sets

    evals = tmp_path / "evals"
    (evals / "dev" / "recordings" / "m").mkdir(parents=True)
    (evals / "dev" / "recordings" / "m" / "x.json").write_text("{}", encoding="utf-8")
    (evals / "recordings" / "n").mkdir(parents=True)
    (evals / "recordings" / "n" / "y.json").write_text("{}", encoding="utf-8")
    assert corpus_of_recording(evals / "dev" / "recordings" / "m", evals) == "dev"
    assert corpus_of_recording(evals / "recordings" / "n", evals) == "seeds"
    seeds, dev = corpora(evals, "all")
    assert [p.name for p in recording_sets(seeds.recordings)] == ["n"]
    assert [p.name for p in recording_sets(dev.recordings)] == ["m"]
    assert (seeds.thresholds_key, dev.thresholds_key) == (None, "dev")


def test_stale_recording_set_is_an_error_not_a_zero_score(tmp_path: Path) -> None:
    stale = tmp_path / "stale-set"
    src = ROOT / "evals" / "recordings" / "smollm2-135m"
    shutil.copytree(src, stale)
    for entry in stale.glob("*.json"):
        if entry.name != "config.json":
            entry.unlink()
            break  # one article's answer is gone: as if the prompt had changed for it
    run = brief("--replay", str(stale), "--report-dir", str(tmp_path))
    assert run.returncode == 1
    assert "no longer matches the requests brief makes" in run.stderr


def test_plan_jobs_picks_the_corpora(tmp_path: Path) -> None:
    from summarizer.evaluation.run import plan_jobs

    evals = tmp_path / "evals"
    dev_set = evals / "dev" / "recordings" / "m"
    dev_set.mkdir(parents=True)
    (dev_set / "config.json").write_text(json.dumps({"model": "m", "mode": "tools"}), encoding="utf-8")

    def planned(options: dict[str, object], **kw: object) -> list[tuple[str, str, str]]:
        return [(j.name, j.kind, j.corpus.name) for j in plan_jobs(evals, options, **kw)]  # type: ignore[arg-type]

    assert planned({}) == [("offline", "offline", "seeds"), ("offline", "offline", "dev")]
    assert planned({"model": "gpt"}) == [("gpt", "model", "seeds")]  # a live model costs: seeds unless asked
    assert planned({"model": "gpt"}, corpus="dev") == [("gpt", "model", "dev")]
    assert planned({"replay": str(dev_set)}) == [("m", "recorded", "dev")]  # the corpus the set was made on
    assert planned({}, run_all=True) == [("offline", "offline", "seeds"), ("offline", "offline", "dev"),
                                         ("m", "recorded", "dev")]
    assert planned({}, gold=tmp_path / "g") == [("offline", "offline", "custom")]


def test_run_jobs_wraps_only_live_model_jobs_and_check_folders_names_the_missing_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.core.errors import EvalError
    from summarizer.evaluation import run as eval_run

    evals = tmp_path / "evals"
    jobs = eval_run.plan_jobs(evals, {"model": "gpt", "offline": None}, corpus="seeds")
    jobs = [eval_run.Job("offline", "offline", jobs[0].corpus, {"offline": True}), *jobs]
    with pytest.raises(EvalError, match=f"no gold fixtures at {evals / 'gold'}"):
        eval_run.check_folders(jobs)

    calls: list[tuple[str, dict[str, Any]]] = []

    def run_one(name: str, kind: str, corpus: object, **options: Any) -> None:
        calls.append((kind, options))

    monkeypatch.setattr(eval_run, "run_one", run_one)
    wrapped: list[str] = []

    @contextlib.contextmanager
    def live(options: dict[str, Any]) -> Iterator[dict[str, Any]]:
        wrapped.append(str(options.get("model")))
        yield {**options, "base_url": "http://127.0.0.1:1/v1"}

    eval_run.run_jobs(jobs, live=live)
    assert wrapped == ["gpt"]
    assert [(kind, options.get("base_url")) for kind, options in calls] == [("offline", None),
                                                                            ("model", "http://127.0.0.1:1/v1")]
