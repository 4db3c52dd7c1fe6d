"""The seed report's question set (evals/seed_questions.jsonl): answers and abstentions.

Every answerable question must be answered from the right sentence. Abstention is measured at
the product's threshold (tuned on SQuAD 2.0, not on these questions); the floor asserted here
is what the current model achieves, so a regression fails (see docs/evaluation.md).
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from rag import ReportQA
from tests.conftest import REPO

QUESTIONS = [
    json.loads(line) for line in (REPO / "evals" / "seed_questions.jsonl").read_text().splitlines() if line
]
ANSWERABLE = [q for q in QUESTIONS if not q.get("unanswerable")]
UNANSWERABLE = [q for q in QUESTIONS if q.get("unanswerable")]


def _normalise(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def _contains_gold(text: str, answers: list[str]) -> bool:
    return any(_normalise(gold) in _normalise(text) for gold in answers)


@pytest.fixture(scope="module")
def never_abstaining(seeded_index_dir: Path) -> ReportQA:
    return ReportQA(index_dir=seeded_index_dir, abstain_threshold=float("-inf"))


def test_the_set_has_enough_questions() -> None:
    assert len(ANSWERABLE) >= 25 and len(UNANSWERABLE) >= 5


@pytest.mark.parametrize("item", ANSWERABLE, ids=[q["question"] for q in ANSWERABLE])
def test_answerable_question_quotes_the_sentence_holding_the_answer(
    never_abstaining: ReportQA, item: dict
) -> None:
    answer = never_abstaining.ask(item["question"])
    assert _contains_gold(answer.text, item["answers"]), answer.text
    assert len(answer.text.split()) <= 80


def test_answerable_questions_are_answered_at_the_product_threshold(seeded_qa: ReportQA) -> None:
    answered_right = [
        q["question"]
        for q in ANSWERABLE
        if not (a := seeded_qa.ask(q["question"])).abstained and _contains_gold(a.text, q["answers"])
    ]
    # Measured 2026-11-30: 31 of 34 answered right (2 abstained on, 1 wrong). The floor, one
    # below, catches a regression and leaves room for int8 arithmetic on another CPU.
    assert len(answered_right) >= 30, answered_right


@pytest.mark.xfail(
    strict=True,
    reason="issue #13 target not met: the abstention model (MiniLM similarity + lexical cues + "
    "rag.answer.answerability signals) abstains on 3 of these 8 at the shipped threshold",
)
def test_every_unanswerable_question_is_abstained_on(seeded_qa: ReportQA) -> None:
    answered = [q["question"] for q in UNANSWERABLE if not seeded_qa.ask(q["question"]).abstained]
    assert not answered
