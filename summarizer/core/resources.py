"""Where the files the package reads at run time live: bundled in the wheel, or in a checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

_PKG = Path(__file__).resolve().parents[1]  # the summarizer package (this file is in summarizer/core/)
_REPO = _PKG.parent


def resource_dir(name: str) -> Path:
    """``prompts`` or ``schemas``: inside an installed wheel, else the checkout's top-level folder."""
    bundled = _PKG / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _REPO / name


def checkout_dir() -> Path:
    """The folder holding the package: a checkout's root (where evals/ is), or site-packages when installed."""
    return _REPO


def data_path(name: str) -> Path:
    """A data file shipped inside the package (aliases, prices, patterns)."""
    return _PKG / "data" / name


def read_data_yaml(name: str, what: str) -> Any:
    """A shipped YAML data file, parsed; a missing or broken one is a ConfigError naming it and ``what`` it holds."""
    path = data_path(name)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc}); reinstall the package") from exc
