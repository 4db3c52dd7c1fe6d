"""Parsing a reply into cited claims and checking each claim against its passage."""

from __future__ import annotations

import pytest

from rag import ABSTAIN_TEXT
from rag.answer.generative.verify import key_terms, parse_reply, split_sentences, verify
from tests.answer.generative.conftest import SEED_ANSWER, SEED_QUESTION


def test_sentences_keep_their_markers_wherever_they_stand() -> None:
    reply = (
        "About 400 men withdrew. [1] They went to Ariha [2]. The U.S. did not comment [3][4].\n- A bullet [1]"
    )
    assert split_sentences(reply) == [
        "About 400 men withdrew. [1]",
        "They went to Ariha [2].",
        "The U.S. did not comment [3][4].",
        "A bullet [1]",
    ]


def test_markers_out_of_range_are_dropped_and_lists_are_read() -> None:
    claims = parse_reply("Ariha has 70,000 people [1, 3]. Tanks left [Passage 2][9]. Nothing here [0].", 3)
    assert [(c.text, c.markers, c.dropped) for c in claims] == [
        ("Ariha has 70,000 people.", (1, 3), ()),
        ("Tanks left.", (2,), (9,)),
        ("Nothing here.", (), (0,)),
    ]


def test_key_terms_are_numbers_and_names() -> None:
    assert key_terms("About 400 men withdrew to nearby Ariha, a town of 70,000.") >= {"400", "ariha"}
    assert "about" not in key_terms("About 400 men withdrew")


@pytest.fixture(scope="module")
def seed_passages(gen_qa):
    candidates, _ = gen_qa.retrieve(SEED_QUESTION)
    chunks = [c.chunk for c in candidates[:5]]
    assert SEED_ANSWER in chunks[0].text and any("seven tanks" in c.text for c in chunks)
    return chunks


def _verify(gen_qa, chunks, reply: str):
    vectors = gen_qa.store.sentence_vectors([c.passage_id for c in chunks])
    return verify(SEED_QUESTION, reply, chunks, vectors, gen_qa.embedder.encode, gen_qa.document_text)


def test_a_supported_claim_cites_the_exact_sentence(gen_qa, seed_passages) -> None:
    checked = _verify(gen_qa, seed_passages, "About 400 men withdrew to nearby Ariha [1].")
    assert checked.text == "About 400 men withdrew to nearby Ariha. [1]"
    assert checked.has_support and checked.unsupported == () and not checked.abstained
    (citation,) = checked.citations
    assert citation.quote == SEED_ANSWER and citation.marker == 1
    assert gen_qa.document_text(citation.source)[citation.start : citation.end] == citation.quote


def test_markers_are_renumbered_in_order_of_use(gen_qa, seed_passages) -> None:
    tanks = next(n for n, c in enumerate(seed_passages, 1) if "seven tanks" in c.text)
    ariha = next(n for n, c in enumerate(seed_passages, 1) if SEED_ANSWER in c.text)
    reply = (
        f"At least seven tanks traveled over farm roads [{tanks}]. About 400 men withdrew to Ariha [{ariha}]."
    )
    checked = _verify(gen_qa, seed_passages, reply)
    assert [c.marker for c in checked.citations] == [1, 2]
    assert checked.text.endswith("roads. [1] About 400 men withdrew to Ariha. [2]")
    assert "tanks" in checked.citations[0].quote


def test_a_marker_naming_no_passage_is_removed_and_flagged(gen_qa, seed_passages) -> None:
    checked = _verify(gen_qa, seed_passages, "About 400 men withdrew to nearby Ariha [7].")
    assert checked.text == "About 400 men withdrew to nearby Ariha."
    assert checked.citations == () and checked.unsupported == ("About 400 men withdrew to nearby Ariha.",)


def test_a_claim_the_passage_does_not_support_is_flagged(gen_qa, seed_passages) -> None:
    reply = "About 400 men withdrew to nearby Ariha [1]. About 900 men fled to Aleppo [1]. "
    reply += "The rebels used gas [1]."
    checked = _verify(gen_qa, seed_passages, reply)
    assert checked.unsupported == ("About 900 men fled to Aleppo.", "The rebels used gas.")
    assert (
        checked.text
        == "About 400 men withdrew to nearby Ariha. [1] About 900 men fled to Aleppo. The rebels used gas."
    )
    assert len(checked.citations) == 1


def test_a_sentence_without_markers_is_attributed_to_its_best_passage(gen_qa, seed_passages) -> None:
    checked = _verify(gen_qa, seed_passages, "About 400 men withdrew to nearby Ariha.")
    assert checked.text == "About 400 men withdrew to nearby Ariha. [1]" and checked.unsupported == ()
    (citation,) = checked.citations
    assert "400 men withdrew" in citation.quote


def test_an_unsupported_sentence_without_markers_stays_uncited(gen_qa, seed_passages) -> None:
    checked = _verify(gen_qa, seed_passages, "The army used chemical weapons in Damascus.")
    assert not checked.has_support
    assert checked.unsupported == ("The army used chemical weapons in Damascus.",)


def test_the_abstention_sentence_abstains(gen_qa, seed_passages) -> None:
    checked = _verify(gen_qa, seed_passages, f"  {ABSTAIN_TEXT}\n")
    assert checked.abstained and checked.text == ABSTAIN_TEXT and checked.unsupported == ()


def test_echoed_passage_fences_are_no_claims(gen_qa, seed_passages) -> None:
    reply = '<passage number="1" report="x.txt">\nAbout 400 men withdrew to nearby Ariha.\n</passage>'
    checked = _verify(gen_qa, seed_passages, reply)
    assert checked.text == "About 400 men withdrew to nearby Ariha. [1]" and checked.unsupported == ()
