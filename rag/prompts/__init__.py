"""Prompts and fixed texts: every one a named constant; prompt bodies are the ``*.txt`` files here."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

#: The answer when the reports do not support one; code tests for this exact text.
ABSTAIN_TEXT = "The reports do not say."

#: Shown with an "uncertain" answer: the closest evidence, which may not answer the question.
UNCERTAIN_NOTE = "The reports may not answer this exactly; this is the closest they come."

#: Folder of the prompt files (override with RAG_PROMPTS_DIR).
PROMPTS_DIR = Path(os.environ.get("RAG_PROMPTS_DIR", Path(__file__).resolve().parent))


@cache
def load_prompt(name: str) -> str:
    """The text of ``<name>.txt`` in ``PROMPTS_DIR``."""
    path = PROMPTS_DIR / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt named {name!r} (looked for {path})")
    return path.read_text(encoding="utf-8")
