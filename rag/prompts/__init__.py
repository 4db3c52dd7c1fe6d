"""Prompts and fixed texts: every one a named constant; prompt bodies are the ``*.txt`` files of ``prompts/``.

The folder is ``Settings.prompts_dir`` (``RAG_PROMPTS_DIR``); by default the top-level ``prompts/``
of the checkout, installed as the package ``rag.prompts.files`` (so the prompts ship in a wheel).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

#: The answer when the reports do not support one; code tests for this exact text.
ABSTAIN_TEXT = "The reports do not say."

#: Shown with an "uncertain" answer: the closest evidence, which may not answer the question.
UNCERTAIN_NOTE = "The reports may not answer this exactly; this is the closest they come."

#: The prompt files of generative answers and of generative briefings (``rag.answer.generative``).
ANSWER_PROMPT = "answer"
BRIEFING_PROMPT = "briefing"

#: What a generative briefing asks of the chat model, by request kind (rule 5 of ``briefing.txt``).
BRIEFING_TASKS = {
    "brief": "Summarize the report in three to six short sentences, in the order the report tells it.",
    "overview": "Summarize in three to six short sentences, in the order the passages come.",
    "topic": "Say what happened, in three to six short sentences; name the report of each fact.",
    "timeline": "List the events in date order, one short sentence per event, each starting with its date.",
    "compare": "Compare the two sides: what each says, where they agree and where they differ.",
    "mention": "Say which reports mention it: one short sentence per report, naming the report.",
}

#: The prompt files shipped with the package: ``prompts/``, installed as ``rag.prompts.files``.
PROMPTS_DIR = Path(str(files("rag.prompts.files")))


@cache
def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> str:
    """The text of ``<name>.txt`` in ``folder``."""
    path = Path(folder) / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt named {name!r} (looked for {path})")
    return path.read_text(encoding="utf-8")
