"""`brief eval`: reports, thresholds gating CI, and stale recordings caught (subprocess, no network)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def brief(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", "eval", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_offline_eval_prints_a_report_and_writes_json(tmp_path: Path) -> None:
    run = brief("--offline", "--json", "--report-dir", str(tmp_path))
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)["rows"]
    assert [r["name"] for r in rows] == ["offline"]
    overall = rows[0]["extraction"]["overall"]
    assert 0.5 < overall["precision"] <= 1.0 and 0.3 < overall["recall"] <= 1.0
    assert json.loads((tmp_path / "latest.json").read_text(encoding="utf-8")) == json.loads(run.stdout)
    assert "| offline |" in (tmp_path / "latest.md").read_text(encoding="utf-8")


def test_check_fails_below_a_threshold(tmp_path: Path) -> None:
    limits = {"offline": {"extraction": {"overall": {"precision": 0.999, "recall": 0.999}}}}
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps(limits), encoding="utf-8")
    run = brief("--offline", "--check", "--thresholds", str(path), "--report-dir", str(tmp_path))
    assert run.returncode == 1
    assert "below threshold: offline: extraction.overall.recall" in run.stderr


def test_committed_thresholds_pass() -> None:
    run = brief("--all", "--check", "--report-dir", str(ROOT / "evals" / "reports"))
    assert run.returncode == 0, run.stderr + run.stdout
    assert "meet evals/thresholds.json" in run.stderr


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
