"""The sentence signals of ``rag.answer.signals``: topic-free coverage, context, the asked kind."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answer import features, signals
from rag.answer.features import SentenceRef
from rag.answer.retrieve import HybridRetriever
from rag.index.stats import idf_table
from rag.settings import Settings
from rag.text import tokenize
from rag.types import Candidate
from tests.candidates import candidate_of, chunk_of

COLUMNS = {name: i for i, name in enumerate(features.SENTENCE_EXTRAS)}


def _candidate(text: str, title: str, ordinal: int = 0, vectors: np.ndarray | None = None) -> Candidate:
    """A candidate passage built as ingest builds one (tokens, sentence spans), with given vectors."""
    chunk = chunk_of(text, ordinal=ordinal, passage_id=f"p{ordinal}")
    vecs = vectors if vectors is not None else np.eye(len(chunk.sentences), 4)
    return candidate_of(chunk, vecs, title=title)


def _extras(question: str, cands: list[Candidate], q_vec: np.ndarray | None = None) -> np.ndarray:
    refs = [SentenceRef(p, i, s, e) for p, c in enumerate(cands) for i, (s, e) in enumerate(c.sent_spans)]
    idf_tab = idf_table(c.tokens for c in cands)
    vec = q_vec if q_vec is not None else np.zeros(4)
    return signals.sentence_extras(question, vec, cands, refs, idf_tab)


REPORT = (
    "The siege of Fort Arden was a battle of the Velmora war. "
    "The garrison of Fort Arden held out for a month. "
    "It was captured by the rebels on 9 September 2015. "
    "About 400 soldiers were killed in the fighting."
)


def test_one_row_per_sentence_and_one_column_per_signal() -> None:
    x = _extras("When was Fort Arden captured?", [_candidate(REPORT, "Siege of Fort Arden")])
    assert x.shape == (4, len(features.SENTENCE_EXTRAS))
    shares = x[:, [COLUMNS["cov_rest"], COLUMNS["cov_local"], COLUMNS["win_local"]]]
    assert ((shares >= 0.0) & (shares <= 1.0)).all()


def test_words_every_sentence_shares_weigh_nothing_locally() -> None:
    text = "Arden troops marched north. Arden troops lost 12 tanks. Arden troops rested."
    x = _extras("Which tanks were lost by the Arden troops?", [_candidate(text, "Arden")])
    local = x[:, COLUMNS["cov_local"]]
    assert local[1] == pytest.approx(1.0)
    assert local[0] == local[2] < 0.15  # "Arden troops": half of the question, shared by all three


def test_a_sentence_that_refers_back_gets_the_previous_sentence_coverage() -> None:
    x = _extras("When was the garrison of Fort Arden captured?", [_candidate(REPORT, "Siege of Fort Arden")])
    assert x[2, COLUMNS["anaphor_prev"]] > 0.5  # "It was captured ..." after "The garrison ..."
    assert x[1, COLUMNS["anaphor_prev"]] > 0.0  # "The garrison ..." refers back too
    assert x[3, COLUMNS["anaphor_prev"]] == 0.0  # "About 400 soldiers ..." does not
    assert x[2, COLUMNS["win_local"]] >= x[2, COLUMNS["cov_local"]]


def test_the_report_lead_is_flagged_only_in_its_first_passage() -> None:
    first = _extras("q", [_candidate(REPORT, "t", ordinal=0)])[:, COLUMNS["lead"]]
    later = _extras("q", [_candidate(REPORT, "t", ordinal=3)])[:, COLUMNS["lead"]]
    assert first.tolist() == [1.0, 0.0, 0.0, 0.0] and not later.any()


def test_the_asked_kind_a_date_or_a_count_of_what_is_asked() -> None:
    when = _extras("When did Fort Arden fall?", [_candidate(REPORT, "t")])[:, COLUMNS["date_hit"]]
    assert when.tolist() == [0.0, 0.0, 1.0, 0.0]
    many = _extras("How many soldiers were killed at Fort Arden?", [_candidate(REPORT, "t")])
    assert many[:, COLUMNS["count_hit"]].tolist() == [0.0, 0.0, 0.0, 1.0]  # the date is no count
    assert many[:, COLUMNS["count_focus"]].tolist() == [0.0, 0.0, 0.0, 1.0]
    other = _extras("Who captured Fort Arden?", [_candidate(REPORT, "t")])
    assert not other[:, [COLUMNS["date_hit"], COLUMNS["count_hit"], COLUMNS["count_focus"]]].any()


def test_reading_with_the_previous_sentence_moves_the_dense_similarity() -> None:
    vecs = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    text = "Fort Arden stood on the hill. It fell."
    x = _extras("q", [_candidate(text, "t", vectors=vecs)], q_vec=np.array([1.0, 0.0, 0.0, 0.0]))
    gain = x[:, COLUMNS["win_dense"]]
    assert gain[0] == 0.0 and gain[1] == pytest.approx(np.sqrt(0.5))


def test_the_topic_all_sentences_share_is_taken_out_of_the_dense_similarity() -> None:
    topic, date, place = np.eye(4)[:3]
    vecs = np.array([topic, 0.8 * topic + 0.6 * date, 0.8 * topic + 0.6 * place])
    text = "Fort Arden was a fort. It fell in 2015. It stood on a hill."
    x = _extras("q", [_candidate(text, "t", vectors=vecs)], q_vec=0.9 * topic + np.sqrt(0.19) * date)
    local = x[:, COLUMNS["dense_local"]]
    assert local.argmax() == 1 and local[1] > 0.9  # the date sentence, once the fort is set aside
    assert local[2] < 0.0  # the place sentence shares only the topic with the question
    gain = x[:, COLUMNS["win_dense_local"]]
    assert gain[0] == 0.0 and gain[1] < 0.0  # read with the topic sentence, the date sentence says less


@pytest.fixture(scope="module")
def retriever(tiny_index) -> HybridRetriever:
    return HybridRetriever(tiny_index, Settings(index_dir=tiny_index.settings.index_dir))


def test_signals_of_retrieved_candidates_and_the_scorer_picks_the_answer(retriever: HybridRetriever) -> None:
    query = retriever.query("q", "How many people were rescued from the river Aln?")
    ranked = retriever.run(query)[: features.ANSWER_PASSAGES]
    catalog = ranked[0].catalog
    assert catalog is not None
    scores = [c.score for c in ranked]
    refs, x = features.sentence_features(query.text, query.vector, ranked, scores, catalog.idf)
    extras = signals.sentence_extras(query.text, query.vector, ranked, refs, catalog.idf)
    assert extras.shape == (len(refs), len(features.SENTENCE_EXTRAS)) and np.isfinite(extras).all()
    best = refs[int(np.argmax(np.hstack([x, extras]) @ features.SENTENCE_WEIGHTS))]
    assert "rescued by fishermen" in ranked[best.passage].text[best.start : best.end]
    assert tokenize("rescued")[0] in ranked[best.passage].sent_tokens[best.sentence]
