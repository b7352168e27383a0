"""JSON Schemas generated from the Pydantic models, and the drift check."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import SchemaDriftError
from .resources import resource_dir
from .schema import SCHEMA_MODELS


def schema_texts() -> dict[str, str]:
    """File name -> JSON text for every published model."""
    return {
        f"{name}.json": json.dumps(model.model_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, model in SCHEMA_MODELS.items()
    }


def write_schemas(folder: Path | None = None) -> list[Path]:
    """Write the schemas; returns the paths written."""
    folder = folder or resource_dir("schemas")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def check_schemas(folder: Path | None = None) -> None:
    """Raise SchemaDriftError when the committed files differ from the models."""
    folder = folder or resource_dir("schemas")
    stale = [
        name
        for name, text in schema_texts().items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]
    if stale:
        raise SchemaDriftError(
            f"{', '.join(stale)} in {folder} differ from summarizer/core/schema.py: run `brief schema` and commit "
            "the result"
        )
