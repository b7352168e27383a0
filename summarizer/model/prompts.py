"""Prompt files in prompts/: loading, explicit {variables}, version hash, chat messages for an article."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ConfigError
from ..core.resources import resource_dir
from ..core.schema import Article, Sections

FILES = ("system.txt", "sections.txt", "user.txt", "example_article.txt", "example_answer.json", "reask.txt")
ARTICLE_OPEN = "<<<ARTICLE"
ARTICLE_CLOSE = "ARTICLE>>>"
# Only lower-case identifiers in braces are variables, so JSON braces in a prompt never are.
_VAR = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True)
class PromptSet:
    """The prompt files of one version."""

    folder: Path
    files: dict[str, str]
    version: str

    def render(self, name: str, **variables: str) -> str:
        """Fill ``{variables}`` of one file; a variable the file names but the caller lacks is an error."""
        return fill(self.files[name], variables, where=name)


def fill(template: str, variables: dict[str, str], *, where: str = "prompt") -> str:
    """Replace each ``{name}``; raise ConfigError naming every missing variable."""
    missing = sorted({m for m in _VAR.findall(template) if m not in variables})
    if missing:
        raise ConfigError(f"{where}: no value for variable(s) {', '.join(missing)}; pass them or fix the prompt file")
    return _VAR.sub(lambda m: variables[m.group(1)], template)


def prompt_version(folder: Path) -> str:
    """Short SHA-256 over the prompt files' names and bytes, sorted by name."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def _load(folder: Path) -> PromptSet:
    files: dict[str, str] = {}
    for name in FILES:
        path = folder / name
        try:
            files[name] = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"prompt file {path} cannot be read ({exc.strerror}); reinstall brief") from exc
    try:
        Sections.model_validate(json.loads(files["example_answer.json"]))
    except ValueError as exc:
        raise ConfigError(f"{folder / 'example_answer.json'} is not a valid Sections answer: {exc}") from exc
    return PromptSet(folder=folder, files=files, version=prompt_version(folder))


def load_prompts(folder: Path | None = None) -> PromptSet:
    """The prompt set in ``folder`` (default: the bundled or checkout prompts/)."""
    return _load((folder or resource_dir("prompts")).resolve())


def _guard(text: str) -> str:
    """Keep the article from closing its own delimiters."""
    return text.replace(ARTICLE_OPEN, "<< <ARTICLE").replace(ARTICLE_CLOSE, "ARTICLE> >>")


_SYSTEM_PROMPTS: dict[str, str] = {}


def system_prompt(prompts: PromptSet) -> str:
    """The system message: rules, section guidance and the worked example (built once per prompt version)."""
    if prompts.version not in _SYSTEM_PROMPTS:
        _SYSTEM_PROMPTS[prompts.version] = _render_system(prompts)
    return _SYSTEM_PROMPTS[prompts.version]


def _render_system(prompts: PromptSet) -> str:
    return prompts.render(
        "system.txt",
        section_guidance=prompts.files["sections.txt"].strip(),
        example_article=prompts.files["example_article.txt"].strip(),
        # Compact JSON: the same answer in a third fewer tokens than the readable file.
        example_answer=json.dumps(json.loads(prompts.files["example_answer.json"]), ensure_ascii=False,
                                  separators=(",", ":")),
    )


def build_messages(
    article: Article, prompts: PromptSet, *, text: str | None = None, part: tuple[int, int] | None = None
) -> list[dict[str, str]]:
    """System + user messages for an article, or for one part (``text``, ``part=(i, n)``) of a long one."""
    note = ""
    if part is not None:
        note = (
            f"This is part {part[0]} of {part[1]} of a long article; extract only what this part states.\n"
        )
    user = prompts.render(
        "user.txt",
        title=article.title,
        outlet=article.outlet or "unknown",
        published=article.published.isoformat() if article.published else "unknown",
        chunk_note=note,
        article=_guard(article.text if text is None else text),
    )
    return [{"role": "system", "content": system_prompt(prompts)}, {"role": "user", "content": user}]
