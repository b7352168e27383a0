"""A non-editable install works from any directory: prompts/ and schemas/ travel inside the wheel."""

from __future__ import annotations

import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_install_runs_from_another_directory(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True, timeout=600,
    )
    wheel = next(dist.glob("*.whl"))
    env_dir = tmp_path / "venv"
    # System site-packages provide the dependencies; the wheel itself shadows any editable install.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = (
        "import summarizer, summarizer.core.resources as r, summarizer.model.prompts as p;"
        "print(summarizer.__file__); print(r.resource_dir('prompts')); print(r.resource_dir('schemas'));"
        "print(p.load_prompts().version)"
    )
    out = subprocess.run([str(py), "-c", probe], cwd=elsewhere, capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert str(env_dir) in lines[0], f"imported the checkout instead of the wheel: {lines[0]}"
    assert "_bundled" in lines[1] and "_bundled" in lines[2]
    assert len(lines[3]) >= 8
    brief = env_dir / "bin" / "brief"
    run = subprocess.run([str(brief), str(ROOT / "seeds")], cwd=elsewhere, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Sources" in run.stdout
    check = subprocess.run([str(brief), "schema", "--check"], cwd=elsewhere, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr  # the bundled copy, when the current folder has no schemas/
    site = Path(lines[0]).parent
    written = subprocess.run([str(brief), "schema"], cwd=elsewhere, capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    assert sorted(p.name for p in (elsewhere / "schemas").iterdir()) == ["ArticleExtraction.json", "Briefing.json"]
    assert str(site) not in written.stdout  # never into site-packages
    ev = subprocess.run([str(brief), "eval", "--offline"], cwd=elsewhere, capture_output=True, text=True)
    assert ev.returncode == 1 and "no gold fixtures at" in ev.stderr and "--gold" in ev.stderr, ev.stderr
    ev = subprocess.run([str(brief), "eval", "--offline", "--gold", str(ROOT / "evals" / "gold"), "--articles",
                         str(ROOT / "seeds")], cwd=elsewhere, capture_output=True, text=True, timeout=300)
    assert ev.returncode == 0, ev.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["schemas"]  # no report written unless asked
    meta = subprocess.run([str(py), "-c", "import importlib.metadata as m; print(m.requires('brief-summarizer'))"],
                          capture_output=True, text=True, check=True).stdout
    assert "'httpx2" in meta and re.search(r"'openai[^']*<4", meta), meta
