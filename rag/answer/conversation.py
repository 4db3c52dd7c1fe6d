"""Conversation: turn a follow-up question into one that stands alone for retrieval.

A question that stands on its own is answered as itself after any history ("How many cholera
deaths were there in Sarko?": "there" is existential and "Sarko" names the place). Only a
question that cannot stand alone is condensed: one that opens by leaning on the last turn
("And ...", "What about ..."), is a fragment of three words or fewer, or refers with a pronoun
("they", "it", "there" as a place) to something it does not name itself. Extractive mode then
searches it together with the previous question; generative mode asks the chat model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_LEANING_START = re.compile(r"^(and|but|also|so|then|what about|how about|and what|what else)\b", re.I)
_REFERRING_WORD = re.compile(
    r"\b(they|them|their|theirs|it|its|he|him|his|she|her|those|these|that one|this one|there)\b",
    re.I,
)
_BE = r"(?:is|are|was|were|be|been|being|'s|'re)"
#: "there were", "were there", "there have been": the existential "there", not a place.
_EXISTENTIAL_THERE = re.compile(
    rf"\bthere\s+(?:{_BE}|(?:has|have|had)\s+been|(?:will|would|could|might|may)\s+be)\b|\b{_BE}\s+there\b",
    re.I,
)
#: A word that names something: capitalised after the first word ("Sarko", "Idlib"), or a year.
_NAME = re.compile(r"(?<=\s)(?!I\b)[A-Z][\w\u00C0-\u024F'-]*|\b(?:1[0-9]{3}|20[0-9]{2})\b")
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


def _dangling_reference(question: str) -> bool:
    """True when a pronoun (or "there" as a place) refers to nothing the question names first."""
    named = bool(_NAME.search(question))
    for match in _REFERRING_WORD.finditer(question):
        if match.group(0).lower() == "there" and named and _EXISTENTIAL_THERE.search(question):
            continue  # "How many deaths were there in Sarko?": existential, and the place is named
        if _NAME.search(question[: match.start()]):
            continue  # "Who led the Russian army when it attacked?": the antecedent is in the question
        return True
    return False


def needs_context(question: str) -> bool:
    """True when ``question`` leans on an earlier turn to be understood."""
    question = question.strip()
    if _GREETING.match(question) and len(question.split()) <= 4:
        return False
    if _LEANING_START.match(question) or len(question.split()) <= 3:
        return True
    return _dangling_reference(question)


def standalone_question(question: str, history: Sequence[Any]) -> str:
    """``question`` itself, or joined with the previous user question when it needs context."""
    turns = user_turns(history)
    if not turns or not needs_context(question):
        return question
    return f"{turns[-1].strip()} {question}"
