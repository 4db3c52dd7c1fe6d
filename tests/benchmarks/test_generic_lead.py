"""benchmarks/fit_features/experiments/generic_lead.py: the experimental generic-lead columns."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from rag.answer.features import SentenceRef
from rag.index.stats import idf_table
from tests.candidates import candidate_of, chunk_of

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "fit_features"))
from experiments import generic_lead

TEXT = "The siege of Fort Arden was a battle. The garrison held out. About 400 soldiers were killed."


def _columns(names: list[str], ordinal: int = 0) -> np.ndarray:
    topic, count, other = np.eye(4)[:3]
    vecs = np.array([topic, 0.8 * topic + 0.6 * other, 0.8 * topic + 0.6 * count])
    cand = candidate_of(chunk_of(TEXT, ordinal=ordinal), vecs, title="Siege of Fort Arden")
    refs = [SentenceRef(0, i, s, e) for i, (s, e) in enumerate(cand.sent_spans)]
    question = "Which soldiers were killed at Fort Arden?"
    q_vec = 0.9 * topic + np.sqrt(0.19) * count
    return generic_lead.columns(names, question, q_vec, [cand], refs, idf_table([cand.tokens]))


def test_the_lead_columns_are_zero_outside_the_reports_first_sentence() -> None:
    first = _columns(["lead_dl", "lead_central"])
    assert first[1:].tolist() == [[0.0, 0.0], [0.0, 0.0]] and first[0, 1] > 0.9
    assert not _columns(["lead_dl", "lead_central"], ordinal=2).any()


def test_coverage_beyond_the_topic_counts_only_words_outside_the_title() -> None:
    spec = _columns(["cov_spec", "topic_only"])
    assert spec[2, 0] == pytest.approx(1.0)  # "soldiers killed": the non-title question words
    assert spec[0, 0] == 0.0 and spec[0, 1] == 1.0  # the lead shares only "Fort Arden"


def test_a_copula_definition_counts_unless_the_question_asks_for_one() -> None:
    assert _columns(["definition_off"])[:, 0].tolist() == [1.0, 0.0, 0.0]  # "... was a battle."
    assert generic_lead.ASKS_DEFINITION.search("What was the siege of Fort Arden?")
    assert not generic_lead.ASKS_DEFINITION.search("Which soldiers were killed at Fort Arden?")
