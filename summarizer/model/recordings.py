"""A recording set's config.json: written when a run records, read when a run or `brief eval` replays it.

It holds the options that shape the request body (model, mode, sampling, context size), so a replay builds
the same requests and finds them; the prompt version and the local server's settings are informational.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import EvalError
from .config import DEFAULT_CONTEXT_TOKENS, ModelConfig
from .prompts import load_prompts

CONFIG_FILE = "config.json"


def write_recording_config(config: ModelConfig) -> None:
    """What a recording set needs to be replayed: the options that shape the request body."""
    assert config.record is not None
    cfg: dict[str, Any] = {"model": config.model, "mode": config.mode, "prompt_version": load_prompts().version,
                           "temperature": config.temperature}
    for name in ("max_tokens", "seed", "frequency_penalty", "repeat_penalty"):
        if getattr(config, name) is not None:
            cfg[name] = getattr(config, name)
    if config.max_tokens_per_article:
        cfg["max_tokens_per_article"] = True
    if config.context_tokens != DEFAULT_CONTEXT_TOKENS:
        cfg["context_tokens"] = config.context_tokens
    config.record.mkdir(parents=True, exist_ok=True)
    (config.record / CONFIG_FILE).write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")


def write_server_settings(folder: Path, settings: dict[str, Any]) -> None:
    """Add the server's settings to a recording set's config.json (informational; never sent to a model)."""
    path = folder / CONFIG_FILE
    cfg = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    cfg["server"] = settings
    path.write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")


def recording_config(folder: Path) -> dict[str, Any]:
    """Model options a recording set was made with: its config.json, else read off a recorded request."""
    cfg_path = folder / CONFIG_FILE
    if cfg_path.is_file():
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        if not isinstance(cfg, dict) or "model" not in cfg:
            raise EvalError(f"{cfg_path}: expected a JSON object with at least \"model\"")
        cfg.pop("prompt_version", None)  # informational: a stale set shows up as replay misses
        cfg.pop("server", None)  # informational: how the local server that answered was set up
        return cfg
    for entry_path in sorted(folder.glob("*.json")):
        try:
            entry = json.loads(entry_path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        request = entry.get("request") if isinstance(entry, dict) else None
        if isinstance(request, dict) and request.get("model"):
            fmt = request.get("response_format") or {}
            mode = ("tools" if request.get("tools") else
                     "json_schema" if fmt.get("type") == "json_schema" else
                     "json_object_schema" if fmt.get("type") == "json_object" and "schema" in fmt else
                     "json" if fmt.get("type") == "json_object" else "md_json")
            return {"model": request["model"], "mode": mode}
    raise EvalError(f"{folder} holds no recorded exchange: record one with `brief eval --model M --record {folder}`")
