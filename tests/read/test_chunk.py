"""Chunking: passages follow paragraphs, sentences split right, every offset slices exactly."""

from __future__ import annotations

from rag.read.chunk import chunk_report, split_paragraphs, split_sentences
from tests.conftest import SEED_SOURCE, SEEDS


def _words(text: str) -> int:
    return len(text.split())


def test_every_passage_and_sentence_slices_the_report_exactly() -> None:
    text = (SEEDS / SEED_SOURCE).read_text(encoding="utf-8")
    chunks = chunk_report(SEED_SOURCE, text, _words)
    assert len(chunks) == len(split_paragraphs(text)) - 1 == 13  # the title line is no passage
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        for sentence in chunk.sentences:
            assert text[sentence.start : sentence.end] == sentence.text


def test_sentences_respect_abbreviations_initials_and_numbers() -> None:
    text = "Gen. Smith met U.S. envoys at 3.5 p.m. on Jan. 4. They left. Did it work? Yes!"
    assert [s.text for s in split_sentences(text)] == [
        "Gen. Smith met U.S. envoys at 3.5 p.m. on Jan. 4.",
        "They left.",
        "Did it work?",
        "Yes!",
    ]


def test_quoted_sentence_end_and_glued_period() -> None:
    text = "They chanted, “The people want the government to fall.” Troops fired.Eleven died."
    assert [s.text for s in split_sentences(text)] == [
        "They chanted, “The people want the government to fall.”",
        "Troops fired.",
        "Eleven died.",
    ]


def test_long_paragraph_splits_at_sentence_boundaries_within_the_window() -> None:
    sentence = "The convoy of twenty trucks moved slowly through the olive groves at night."
    text = " ".join([sentence] * 12)
    chunks = chunk_report("r.txt", text, _words, max_tokens=40)
    assert len(chunks) == 4
    assert all(_words(c.text) <= 40 for c in chunks)
    assert "".join(text[c.start : c.end] for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_passage_ids_are_stable_and_change_with_the_content() -> None:
    text = "First paragraph here.\n\nSecond one."
    first = [c.passage_id for c in chunk_report("a.txt", text, _words, content_hash="h1")]
    again = [c.passage_id for c in chunk_report("a.txt", text, _words, content_hash="h1")]
    other = [c.passage_id for c in chunk_report("a.txt", text, _words, content_hash="h2")]
    assert first == again and len(set(first)) == 2
    assert not set(first) & set(other)


def test_an_overlong_sentence_is_cut_into_bounded_pieces() -> None:
    text = " ".join(f"w{i}" for i in range(1000)) + " The pilot counted 41 barges. Done."
    chunks = chunk_report("one-line.txt", text, _words, max_tokens=256)
    sentences = [s for c in chunks for s in c.sentences]
    assert max(_words(s.text) for s in sentences) <= 150
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert any("41 barges" in s.text for s in sentences)


def test_a_section_heading_line_is_its_passage_context_not_a_sentence() -> None:
    text = (
        "Flood note\n\n3. INFRASTRUCTURE\nRoute 9 is closed. The rail line is open.\n\n"
        "HAZARDS AFFECTING LAND\n----------------------\nWIND...GALE FORCE WINDS ARE OCCURRING.\n\n"
        "CLOSED ROADS\n- Route 9\n- Route 12\n\n"
        "The council met today\nand asked for sandbags."
    )
    chunks = chunk_report("r.txt", text, _words)
    assert chunks[0].text.startswith("3. INFRASTRUCTURE\n")
    assert [s.text for s in chunks[0].sentences] == ["Route 9 is closed.", "The rail line is open."]
    assert chunks[1].text.startswith("HAZARDS AFFECTING LAND\n---")
    assert [s.text for s in chunks[1].sentences] == ["WIND...GALE FORCE WINDS ARE OCCURRING."]
    assert chunks[2].sentences[0].text == "CLOSED ROADS"  # a list's introduction stays
    assert chunks[3].sentences[0].text.startswith("The council met today")  # mixed case: no heading
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
