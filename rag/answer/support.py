"""Graded support: how well the evidence supports an answer, from its confidence.

``answered`` at or above ``Settings.answer_threshold``; ``uncertain`` from
``Settings.abstain_threshold`` up to it: the answer quotes the closest evidence, and
``Answer.support`` marks it as possibly not answering the question (the CLI and the UI say so),
so a wrong guess costs less than a wrong answer; ``abstained`` below.
"""

from __future__ import annotations

from typing import Literal

Support = Literal["answered", "uncertain", "abstained"]


def support_level(confidence: float, abstain_threshold: float, answer_threshold: float) -> Support:
    """The support grade of an answer with ``confidence`` (0-1) under the two thresholds."""
    if confidence < abstain_threshold:
        return "abstained"
    return "answered" if confidence >= answer_threshold else "uncertain"
