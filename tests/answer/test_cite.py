"""The cite stage: answer text with [n] markers, citations verified by slicing, highlights."""

from __future__ import annotations

from rag.answer.cite import cite, highlight_spans, is_verified
from rag.types import Citation

REPORT = "Harbour closure\n\nThe port closed on 3 March.\nAbout 1,200 dock workers\nwere sent home."


def _quote(text: str) -> tuple[int, int]:
    start = REPORT.index(text)
    return start, start + len(text)


def test_each_quote_becomes_a_verbatim_sentence_with_its_marker() -> None:
    first, second = _quote("The port closed on 3 March."), _quote("About 1,200 dock workers\nwere sent home.")
    text, citations = cite(
        "How many workers?", [("r.txt", "p1", *first), ("r.txt", "p2", *second)], {"r.txt": REPORT}
    )
    assert text == "The port closed on 3 March. [1] About 1,200 dock workers were sent home. [2]"
    assert [c.marker for c in citations] == [1, 2]
    for citation in citations:
        assert REPORT[citation.start : citation.end] == citation.quote


def test_a_quote_outside_its_report_is_dropped_and_markers_stay_consecutive() -> None:
    good = _quote("The port closed on 3 March.")
    quotes = [("r.txt", "p0", 500, 520), ("gone.txt", "p9", 0, 5), ("r.txt", "p1", *good)]
    text, citations = cite("When did the port close?", quotes, {"r.txt": REPORT})
    assert text == "The port closed on 3 March. [1]"
    assert len(citations) == 1 and citations[0].marker == 1


def test_highlights_are_the_asked_kind_not_in_the_question() -> None:
    start, end = _quote("About 1,200 dock workers\nwere sent home.")
    quote = REPORT[start:end]
    spans = highlight_spans("How many dock workers were sent home?", quote, start)
    assert [REPORT[s.start : s.end] for s in spans] == ["1,200"]
    assert highlight_spans("Why did the port close?", quote, start) == ()


def test_is_verified_checks_the_exact_characters() -> None:
    start, end = _quote("The port closed on 3 March.")
    ok = Citation(marker=1, source="r", passage_id="p", quote=REPORT[start:end], start=start, end=end)
    assert is_verified(ok, REPORT)
    assert not is_verified(ok.model_copy(update={"end": end + 1}), REPORT)
    assert not is_verified(ok.model_copy(update={"quote": "The port closed on 4 March."}), REPORT)
