"""Conversation: turn a follow-up question into one that stands alone for retrieval.

Extractive mode uses a rule: a follow-up that leans on the conversation ("And how many tanks
did they have?") is searched together with the previous question. A question that already
stands alone, or a greeting, passes through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_LEANING_START = re.compile(r"^(and|but|also|so|then|what about|how about|and what|what else)\b", re.I)
_REFERRING_WORD = re.compile(
    r"\b(they|them|their|theirs|it|its|he|him|his|she|her|those|these|that one|there|this one)\b",
    re.I,
)
_GREETING = re.compile(r"^(hi|hello|hey|thanks|thank you|good (morning|afternoon|evening))\b[\s!.,]*", re.I)


def user_turns(history: Sequence[Any]) -> list[str]:
    """The user's earlier questions from a history of strings, (user, bot) pairs or messages."""
    turns: list[str] = []
    for item in history:
        if isinstance(item, str):
            turns.append(item)
        elif isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            turns.append(content if isinstance(content, str) else str(content))
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            turns.append(item[0])
    return [t for t in turns if t.strip()]


def needs_context(question: str) -> bool:
    """True when ``question`` leans on an earlier turn to be understood."""
    if _GREETING.match(question) and len(question.split()) <= 4:
        return False
    words = question.split()
    return bool(_LEANING_START.match(question) or _REFERRING_WORD.search(question) or len(words) <= 3)


def standalone_question(question: str, history: Sequence[Any]) -> str:
    """``question`` itself, or joined with the previous user question when it needs context."""
    turns = user_turns(history)
    if not turns or not needs_context(question):
        return question
    return f"{turns[-1].strip()} {question}"
