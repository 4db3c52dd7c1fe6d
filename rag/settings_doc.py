"""docs/settings.md, generated from ``rag.settings.Settings``: every field, its variable, default, meaning.

``python -m rag.settings_doc`` writes the file; ``--check`` exits 1 if it is stale (so does
``tests/test_docs.py``). Edit a setting's ``description`` in ``rag/settings.py``, never the table.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from rag.settings import Settings, allowed_values, env_name

#: The command that regenerates the file (named in messages about a stale file).
COMMAND = "python -m rag.settings_doc"

#: Where the file lives, relative to the repository's root.
DOC_PATH = Path("docs") / "settings.md"

#: The human-written part above the table.
INTRO = f"""# Settings

<!-- Generated from rag/settings.py by `{COMMAND}`: edit the fields' descriptions there. -->

Every setting is a field of `rag.settings.Settings`; pass it to `ReportQA(...)` as a keyword
argument or set its variable in the environment (arguments win over the environment, which wins
over the defaults). The generative knobs are one nested group: `ReportQA(generative={{"prompt_passages": 3}})`
or `RAG_GENERATIVE__PROMPT_PASSAGES=3`. The defaults of `candidates`, `abstain_threshold` and
`answer_threshold` are the fitted values in `rag/models/answer_models.json`.

| setting | env | default | meaning |
|---|---|---|---|
"""

#: A mention of another page of docs/ in a description ("docs/scale.md"), made a link.
_DOC_MENTION = re.compile(r"\bdocs/([\w-]+\.md)(#[\w-]+)?")


def settings_fields(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    """``(dotted name, field)`` of every setting in declaration order, nested groups expanded."""
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from settings_fields(annotation, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", field


def shown_default(field: FieldInfo) -> str:
    """A field's default as the table shows it (its ``doc_default`` when the value depends on the machine)."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("doc_default"), str):
        return str(extra["doc_default"])
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, SecretStr):
        return "set"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return f"`{value}`"


def meaning(name: str, field: FieldInfo) -> str:
    """A field's description, its allowed values appended, docs/ mentions made links."""
    text = " ".join((field.description or "").split())
    if not text:
        raise ValueError(f"setting {name} has no description: give it one in rag/settings.py")
    allowed = allowed_values(name)
    if allowed:
        text += f" Allowed: {allowed}."
    return _DOC_MENTION.sub(r"[\1](\1\2)", text)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """The whole of docs/settings.md."""
    rows = [
        f"| {name} | {env_name(name)} | {_cell(shown_default(field))} | {_cell(meaning(name, field))} |"
        for name, field in settings_fields()
    ]
    return INTRO + "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write docs/settings.md (or with ``--check``, exit 1 if it differs from what would be written)."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DOC_PATH, help=f"the file (default: {DOC_PATH})")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale; write nothing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
