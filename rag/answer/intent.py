"""What a briefing request asks for: the one place its phrasings are recognised.

``intent(question)`` gives the ``Intent`` of an overview ("Summarize the report"), a topic
overview ("What happened in Idlib province?"), "Which reports mention X?", a timeline ("Timeline
of the siege", "What happened when in Voznesensk?") or a comparison ("Compare the accounts of the
rebels and the army"); None for any other question, which goes to the answerers. The rules are
anchored at both ends of the question, so a factual question that merely uses one of the words
("When did the army leave?", "What happened to the convoy?") is no briefing. The phrasings
recognised and the near misses that are not are listed in ``tests/answer/test_intent.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

IntentKind = Literal["overview", "topic", "mention", "timeline", "compare"]

_POLITE = r"(?:(?:please|now|ok(?:ay)?|so)[,\s]+)*(?:(?:can|could|would|will) you\s+)?(?:please\s+)?"
_ASKS = (
    r"summari[sz]e|sum up|recap|brief me(?: on| about)?|give (?:me )?(?:a |an )?"
    r"(?:short |quick |brief )?(?:summary|overview|rundown|recap|brief(?:ing)?)(?: of| on| about)?"
    r"|(?:a |an )?(?:short |quick |brief )?(?:summary|overview|recap)(?: of| on| about)?"
    r"|(?:what (?:are|were) )?(?:the )?(?:main|key) (?:points|facts|findings|takeaways)(?: of| in| from)?"
    r"|tl;?dr(?: of)?|gist of"
)
_END = r"\s*[?.!]*$"
_OVERVIEW = re.compile(rf"(?i)^{_POLITE}(?:{_ASKS})(?:\s+(?P<target>.*?))?{_END}")
_ABOUT = re.compile(rf"(?i)^what(?:'s|’s| is| are)\s+(?P<target>.+?)\s+(?:all\s+)?about{_END}")
_DOCUMENT = r"(?:reports?|documents?|articles?|files?|stor(?:y|ies)|texts?|briefs?|briefings?)"
_DOCUMENT_WORDS = re.compile(rf"(?i)\b(?:{_DOCUMENT}|it|this|these|them)\b")
_FILLER = re.compile(
    rf"(?i)^(?:(?:the|this|that|these|those|each|every|all|of|in)\s+)*(?:{_DOCUMENT}\b\s*)?"
    r"(?:(?:on|about|of|from|for|called|named)\s+)?(?:the\s+)?"
)
_TRAILING = re.compile(rf"(?i)\s*\b(?:{_DOCUMENT}|for me|please|briefly|in short)\s*$")
_MENTION = re.compile(
    r"(?i)^(?:which|what) (?:of the )?(?:reports?|documents?|articles?|files?|sources?)\s+"
    r"(?:mention|mentions|name|names|refer to|refers to|talk about|talks about|discuss|discusses"
    rf"|cover|covers|say anything about|says anything about|are about)\s+(?P<term>.+?){_END}"
)
_TOPIC = re.compile(
    rf"(?i)^{_POLITE}(?:tell me )?what(?:'s|’s| has| had)?\s+(?:happened|happens|is happening|was happening)"
    rf"\s+(?:in|at|around|inside|across)\s+(?P<target>.+?){_END}"
)
#: Topic words after "what happened in" that name a time or a manner, not a place or a topic.
_NOT_TOPIC = re.compile(
    r"(?i)^(?:the (?:end|meantime|past|interim|aftermath|morning|evening|night|afternoon)|response|return"
    r"|retaliation|between|total|particular|general|short|practice|fact|reality|turn)\b"
)
_TIMELINE_NOUN = (
    r"(?:time ?line|chronology|chronological (?:order|account|list|summary)|sequence of events"
    r"|order of events|(?:key|main|important) dates|dates and events)"
)
_TIMELINE = re.compile(
    rf"(?i)^{_POLITE}(?:(?:give|show|make|build|draw|list|tell|put together)(?: me| us)?\s+)?"
    rf"(?:(?:what|which) (?:is|was|are|were)\s+)?(?:a |an |the )?(?:short |brief |quick |full )?"
    rf"{_TIMELINE_NOUN}"
    rf"(?:\s+(?:of|for|in|on|about|around|during|from)\s+(?P<target>.+?))?{_END}"
)
_TIMELINE_AFTER = re.compile(rf"(?i)^(?:the\s+)?(?P<target>.+?)\s+(?:time ?line|chronology){_END}")
_WHAT_WHEN = re.compile(
    rf"(?i)^{_POLITE}(?:what happened when|when did what happen|what happened,? and when)"
    rf"(?:\s+(?:in|at|to|during|with|around|on)\s+(?P<target>.+?))?{_END}"
)
_IN_ORDER = re.compile(
    rf"(?i)^{_POLITE}(?:list|give|show|put|order|sort)(?: me)?\s+(?:all\s+)?(?:the\s+)?"
    r"(?:main\s+|key\s+)?events"
    r"(?:\s+(?:of|in|at|about|during|around)\s+(?P<target>.+?))?\s+in\s+(?:date|chronological|time)\s+order"
    rf"{_END}"
)
_COMPARE = re.compile(
    rf"(?i)^{_POLITE}(?:compare(?: and contrast)?|contrast|give (?:me )?a comparison of|a comparison of)\s+"
    rf"(?P<a>.+?)\s+(?:and|with|to|vs\.?|versus|against)\s+(?P<b>.+?){_END}"
)
_DIFFER = re.compile(
    rf"(?i)^(?:what(?:'s|’s| is| are)? the differences? between\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)"
    rf"|how do(?:es)?\s+(?P<a2>.+?)\s+and\s+(?P<b2>.+?)\s+differ){_END}"
)
#: Words around one side of a comparison that are not the side itself.
_SIDE_LEAD = re.compile(
    rf"(?i)^(?:the\s+)?(?:(?:two\s+)?(?:accounts?|versions?|views?|statements?|claims?|positions?|descriptions?"
    rf"|coverage|stories|{_DOCUMENT})\s+(?:of|from|by|on|in|about)\s+)?(?:(?:{_DOCUMENT})\s+(?=\S))?"
    r"(?:what\s+)?(?:the\s+)?"
)
_SIDE_TAIL = re.compile(rf"(?i)\s+(?:says?|said|reported|claims?|claimed|wrote|writes|account|{_DOCUMENT})$")
_QUOTES = " \"'“”‘’"


@dataclass(frozen=True)
class Intent:
    """A recognised briefing request: its kind and what it is about.

    ``target`` is the report, topic or term named ("" for none: the reports in scope);
    ``other`` is the second side of a comparison.
    """

    kind: IntentKind
    target: str = ""
    other: str = ""


def _clean(text: str | None) -> str:
    return (text or "").strip(_QUOTES)


def overview_target(question: str) -> str | None:
    """None if ``question`` asks no overview; else the report it names ("" for none named)."""
    question = " ".join(question.split())
    match = _OVERVIEW.match(question)
    if match is None:
        match = _ABOUT.match(question)
        if match is None or not _DOCUMENT_WORDS.search(match.group("target")):
            return None
    target = match.group("target") or ""
    for _ in range(2):
        target = _TRAILING.sub("", _FILLER.sub("", target)).strip(_QUOTES)
    return "" if target.lower() in {"", "it", "this", "them", "these", "all"} else target


def mention_target(question: str) -> str | None:
    """X of "Which reports mention X?", else None."""
    match = _MENTION.match(" ".join(question.split()))
    return _clean(match.group("term")) if match else None


def topic_target(question: str) -> str | None:
    """X of "What happened in X?" (a place or topic, not a time: "in the end"), else None."""
    match = _TOPIC.match(" ".join(question.split()))
    if match is None or _NOT_TOPIC.match(match.group("target")):
        return None
    return _clean(match.group("target"))


def timeline_target(question: str) -> str | None:
    """None if ``question`` asks no timeline; else what it is of ("" for the reports in scope)."""
    question = " ".join(question.split())
    for pattern in (_TIMELINE, _WHAT_WHEN, _IN_ORDER, _TIMELINE_AFTER):
        match = pattern.match(question)
        if match is not None:
            target = _clean(match.group("target"))
            return "" if target.lower() in {"it", "this", "them", "these", "all", "events"} else target
    return None


def compare_targets(question: str) -> tuple[str, str] | None:
    """The two sides of "compare A and B" (also "contrast", "the difference between", "how do A
    and B differ"), each without words like "the accounts of" or "report"; else None."""
    question = " ".join(question.split())
    match = _COMPARE.match(question) or _DIFFER.match(question)
    if match is None:
        return None
    parts = [match.group(k) or match.groupdict().get(f"{k}2") for k in "ab"]
    sides = [_SIDE_TAIL.sub("", _SIDE_LEAD.sub("", _clean(part))).strip(_QUOTES) for part in parts]
    return (sides[0], sides[1]) if all(sides) else None


def intent(question: str) -> Intent | None:
    """The briefing request ``question`` makes, or None for a question for the answerers."""
    if (term := mention_target(question)) is not None:
        return Intent("mention", term)
    if (target := timeline_target(question)) is not None:
        return Intent("timeline", target)
    if (sides := compare_targets(question)) is not None:
        return Intent("compare", *sides)
    if (target := overview_target(question)) is not None:
        return Intent("overview", target)
    if (target := topic_target(question)) is not None:
        return Intent("topic", target)
    return None
