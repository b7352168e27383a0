"""The README's Python examples run as written, and README.md is assembled from docs/readme/."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

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
    if "summarizer.local" in BLOCKS[index] and importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("needs the local model server: bash scripts/install-local.sh")
    run = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, f"README example {index} failed:\n{BLOCKS[index]}\n{run.stderr}"


def test_readme_is_assembled_from_docs(tmp_path: Path) -> None:
    built = tmp_path / "README.md"
    script = ROOT / "scripts" / "build-readme.sh"
    subprocess.run(["bash", str(script), str(built)], check=True, capture_output=True)
    assert built.read_bytes() == (ROOT / "README.md").read_bytes(), (
        "README.md differs from docs/readme/: run scripts/build-readme.sh and commit"
    )
