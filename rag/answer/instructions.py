"""Instructions inside report text: recognised so that a quote of them can be flagged.

Report text is data. A report may still contain text written to steer a chat model ("ignore
previous instructions", "you are now ...", "SYSTEM: ..."). Such text is never followed (the
prompt fences passages as data, extractive answers only quote); when it is quoted or shown,
``has_instructions`` lets the UI say so.
"""

from __future__ import annotations

import re

_PATTERNS = (
    r"\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(instructions?|prompts?|rules|context|guidelines)\b",
    r"\byou are now\b",
    r"\b(act|behave|respond|reply|answer)\s+(only\s+)?(as|like|with)\b[^.\n]{0,40}"
    r"\b(assistant|ai|model|developer|admin|every question)\b",
    r"\banswer every question\b",
    r"\b(reveal|print|show|repeat|leak)\b[^.\n]{0,20}\b(your|the)\s+(system\s+)?(prompt|instructions)\b",
    r"(^|\n)\s*(system|assistant)\s*:",
    r"\b(developer|maintenance|jailbreak|god)\s+mode\b",
    r"\bnew instructions?\b",
    r"</?\s*(passage|system|instructions?)\s*>",
)
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def has_instructions(text: str) -> bool:
    """True when ``text`` reads like instructions to a chat model (to flag, never to follow)."""
    return bool(_INSTRUCTION.search(text or ""))
