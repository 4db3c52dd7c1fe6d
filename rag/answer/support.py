"""Graded support: how well the evidence supports an answer.

``abstained`` when the confidence (do the reports answer the question?) is under
``Settings.abstain_threshold``; else ``answered`` when the grade (the fitted probability that the
quote is right, ``rag.answer.grade``) reaches ``Settings.answer_threshold``, and ``uncertain``
below it: the answer quotes the closest evidence, and
``Answer.support`` marks it as possibly not answering the question (the CLI and the UI say so),
so a wrong guess costs less than a wrong answer; ``abstained`` below.
"""

from __future__ import annotations

from typing import Literal

Support = Literal["answered", "uncertain", "abstained"]


def support_level(
    confidence: float, abstain_threshold: float, answer_threshold: float, grade: float | None = None
) -> Support:
    """The support grade of an answer with ``confidence`` (0-1) and ``grade`` (0-1, the
    probability that it is right; the confidence stands in for it when None)."""
    if confidence < abstain_threshold:
        return "abstained"
    return "answered" if (confidence if grade is None else grade) >= answer_threshold else "uncertain"
