"""Report briefs (``ReportQA.brief``): real index over seeds/, real model, real spaCy pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rag import ReportQA
from rag.answer.brief import BRIEF_KEY, StoredBrief, UnknownReportError, choose, is_prose, mmr
from rag.answer.entities import ENTITIES_KEY, entities_from_json
from rag.index.store import report_id
from rag.types import Brief
from tests.conftest import SEED_SOURCE

WITHDRAWAL = "The estimated 400 men withdrew with most of their equipment to nearby Ariha"
CAPTURE = "capturing three tanks and some large artillery pieces"
GROUPS = "Jabhat al Nusra"
CONVOY = "The convoy of 20 or more trucks and at least seven tanks"


def _sentences(brief: Brief) -> list[str]:
    return [s.strip() for s in re.split(r"\[\d+\]", brief.text) if s.strip()]


def _check_citations(qa: ReportQA, brief: Brief) -> None:
    """Every sentence is one citation's quote, markers 1..n, exact slices, in report order."""
    text = qa.document_text(brief.source)
    assert [c.marker for c in brief.citations] == list(range(1, len(brief.citations) + 1))
    assert _sentences(brief) == [" ".join(c.quote.split()) for c in brief.citations]
    for citation in brief.citations:
        assert text[citation.start : citation.end] == citation.quote
        assert f"[{citation.marker}]" in brief.text
    starts = [c.start for c in brief.citations]
    assert starts == sorted(starts)


def test_seed_brief_covers_the_withdrawal_the_capture_and_the_groups(seeded_qa: ReportQA) -> None:
    brief = seeded_qa.brief(SEED_SOURCE)
    assert len(brief.citations) == 5
    _check_citations(seeded_qa, brief)
    assert brief.title == "Assad troops abandon their last military base in Syria’s Idlib province"
    assert brief.text.startswith("In the latest blow to the government of President Bashar Assad")
    for fact in (WITHDRAWAL, CAPTURE, GROUPS):
        assert fact in brief.text


def test_a_six_sentence_seed_brief_also_quotes_the_convoy(seeded_qa: ReportQA) -> None:
    brief = seeded_qa.brief(SEED_SOURCE, sentences=6)
    _check_citations(seeded_qa, brief)
    assert len(brief.citations) == 6 and CONVOY in brief.text and WITHDRAWAL in brief.text


def test_seed_brief_lists_key_entities(seeded_qa: ReportQA) -> None:
    entities = {(e.kind, e.text) for e in seeded_qa.brief(SEED_SOURCE).entities}
    assert ("figure", "400") in entities
    assert ("place", "Ariha") in entities and ("date", "Tuesday") in entities
    # One kind per name (the small pipeline also tagged Ariha a person), no possessive "'s", and
    # dates are days, months or years, not spans of time ("weeks", "the past two months").
    assert [kind for kind, text in entities if text == "Ariha"] == ["place"]
    assert ("organisation", "al Qaida") in entities
    assert not {text for kind, text in entities if kind == "date"} & {"weeks", "the past two months"}
    assert not any(e.kind == "figure" for e in seeded_qa.brief(SEED_SOURCE, entities=False).entities)


def test_brief_never_quotes_the_title(seeded_qa: ReportQA) -> None:
    brief = seeded_qa.brief(SEED_SOURCE, sentences=6)
    assert all(not c.quote.startswith("Assad troops abandon") for c in brief.citations)


def test_unknown_report_is_an_error_naming_the_closest(seeded_qa: ReportQA) -> None:
    with pytest.raises(UnknownReportError, match=re.escape(SEED_SOURCE)) as caught:
        seeded_qa.brief("000_06aad305.txt")
    assert isinstance(caught.value, ValueError) and "no report named '000_06aad305.txt'" in str(caught.value)
    assert seeded_qa.brief(SEED_SOURCE.removesuffix(".txt")).source == SEED_SOURCE  # the stem names it


@pytest.mark.parametrize("count", [0, 7])
def test_brief_length_outside_1_to_6_is_refused(seeded_qa: ReportQA, count: int) -> None:
    with pytest.raises(ValueError, match="1 to 6"):
        seeded_qa.brief(SEED_SOURCE, sentences=count)


BULLETIN = """FACT SHEET: Harbour storm response
February 10, 2023

Rating:                 EF2
Estimated Peak Wind:    115 mph
Fatalities:             0

FY2020 380 353 (93.9%) $500 million $3.1 billion (620%)

The storm damaged the northern pier of the port of Velmora on 3 March.

About 1,200 dock workers were sent home while engineers inspected the cranes.

Repairs are expected to take six weeks, the harbour master Ines Caldor said.

Ferries will dock at Sandvik until the pier reopens in April.
"""


def _ingest(qa: ReportQA, folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    qa.ingest([folder])


def test_brief_quotes_no_header_field_line_or_table_row(fresh_qa: ReportQA, tmp_path: Path) -> None:
    _ingest(fresh_qa, tmp_path / "reports", "bulletin.txt", BULLETIN)
    brief = fresh_qa.brief("bulletin.txt", sentences=6)
    _check_citations(fresh_qa, brief)
    assert brief.date == "February 10, 2023" and brief.kind == "Fact sheet"
    assert len(brief.citations) == 4  # the four prose sentences, nothing else
    for citation in brief.citations:
        assert not re.search(r"FACT SHEET|February 10|Rating|Peak Wind|Fatalities|FY2020", citation.quote)


def test_a_two_sentence_report_gets_both_and_briefs_follow_ingest_and_remove(
    fresh_qa: ReportQA, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    note = "Harbour note\n\nThe ferry Aurora sank. All 37 crew were rescued.\n"
    _ingest(fresh_qa, folder, "note.txt", note)
    brief = fresh_qa.brief("note.txt")
    _check_citations(fresh_qa, brief)
    assert _sentences(brief) == ["The ferry Aurora sank.", "All 37 crew were rescued."]
    _ingest(fresh_qa, folder, "note.txt", "Harbour note\n\nThe tug Boreas ran aground near Pelican Point.\n")
    assert _sentences(fresh_qa.brief("note.txt")) == ["The tug Boreas ran aground near Pelican Point."]
    assert fresh_qa.remove("note.txt")
    with pytest.raises(UnknownReportError):
        fresh_qa.brief("note.txt")


@pytest.mark.parametrize(
    ("sentence", "prose"),
    [
        ("The storm damaged the northern pier of the port on 3 March.", True),
        ("Rating:                 EF2", False),
        ("Path Width /maximum/:   460.0 yards", False),
        ("FY2021 350 327 (93.4%) $1 billion $3.5 billion (350%) $987.2 million", False),
        ("Name | Age | Town | Role", False),
        ("Overview of BRIC", False),
        ("It was bad.", False),
    ],
)
def test_is_prose(sentence: str, prose: bool) -> None:
    assert is_prose(sentence) is prose


def test_mmr_skips_a_duplicate_of_a_chosen_sentence() -> None:
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], dtype=np.float32)
    assert mmr(np.array([1.0, 0.99, 0.9, 0.0]), vectors, 2) == [0, 2]


def test_choose_keeps_report_order_and_takes_all_of_a_short_report(seeded_qa: ReportQA) -> None:
    from rag.answer.brief import eligible_sentences

    catalog = seeded_qa.index.catalog()
    number = catalog.sources.index(SEED_SOURCE)
    text = seeded_qa.document_text(SEED_SOURCE)
    found = eligible_sentences(catalog, number, text)
    picked = choose(found, text, 4)
    assert picked == sorted(picked) and len(picked) == 4
    assert choose(found, text, len(found) + 3) == list(range(len(found)))


def _record(qa: ReportQA, source: str) -> dict[str, object]:
    return qa.index.report_record(source)[1]


def test_brief_and_entities_are_read_from_the_record_without_parsing(
    seeded_qa: ReportQA, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.answer.brief as brief_module
    import rag.answer.entities as entities_module

    expected = seeded_qa.brief(SEED_SOURCE, sentences=6)
    meta = _record(seeded_qa, SEED_SOURCE)
    content_hash = seeded_qa.report(SEED_SOURCE).content_hash
    assert StoredBrief.from_json(meta[BRIEF_KEY], content_hash) is not None
    assert entities_from_json(meta[ENTITIES_KEY], content_hash) == expected.entities

    def fail(*_: object, **__: object) -> None:
        raise AssertionError("parsed at question time")

    monkeypatch.setattr(brief_module, "eligible_sentences", fail)
    monkeypatch.setattr(entities_module, "report_entities", fail)
    for count in range(1, 7):
        again = seeded_qa.brief(SEED_SOURCE, sentences=count)
        assert len(again.citations) == count
        assert {c.start for c in again.citations} <= {c.start for c in expected.citations}
    assert seeded_qa.brief(SEED_SOURCE, sentences=6) == expected


def test_stored_brief_is_the_brief_computed_from_the_catalog(seeded_qa: ReportQA) -> None:
    from rag.answer.brief import eligible_sentences

    catalog = seeded_qa.index.catalog()
    text = seeded_qa.document_text(SEED_SOURCE)
    found = eligible_sentences(catalog, catalog.sources.index(SEED_SOURCE), text)
    content_hash = seeded_qa.report(SEED_SOURCE).content_hash
    stored = StoredBrief.from_json(_record(seeded_qa, SEED_SOURCE)[BRIEF_KEY], content_hash)
    assert stored is not None
    for count in (1, 3, 5, 6):
        picked = [(*found.spans[i], found.passage_ids[i]) for i in choose(found, text, count)]
        assert stored.pick(count) == picked


def test_an_index_without_stored_briefs_computes_them_once_and_stores_them(fresh_qa: ReportQA) -> None:
    store = fresh_qa.store
    store.reports.update(ids=[report_id(SEED_SOURCE)], metadatas=[{BRIEF_KEY: "", ENTITIES_KEY: ""}])
    content_hash = fresh_qa.report(SEED_SOURCE).content_hash
    assert StoredBrief.from_json(_record(fresh_qa, SEED_SOURCE)[BRIEF_KEY], content_hash) is None
    brief = fresh_qa.brief(SEED_SOURCE)
    assert WITHDRAWAL in brief.text and ("place", "Ariha") in {(e.kind, e.text) for e in brief.entities}
    meta = _record(fresh_qa, SEED_SOURCE)
    assert StoredBrief.from_json(meta[BRIEF_KEY], content_hash) is not None
    assert entities_from_json(meta[ENTITIES_KEY], content_hash) == brief.entities


def test_reingest_restamps_the_brief_and_the_background_pass_stores_entities(
    fresh_qa: ReportQA, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    _ingest(fresh_qa, folder, "ferry.txt", "Ferry note\n\nThe ferry Aurora sank off Velmora on Monday.\n")
    fresh_qa.entity_pass.wait(60)
    first = fresh_qa.report("ferry.txt").content_hash
    assert entities_from_json(_record(fresh_qa, "ferry.txt")[ENTITIES_KEY], first) is not None
    _ingest(fresh_qa, folder, "ferry.txt", "Ferry note\n\nThe tug Boreas ran aground near Pelican Point.\n")
    second = fresh_qa.report("ferry.txt").content_hash
    meta = _record(fresh_qa, "ferry.txt")
    stored = StoredBrief.from_json(meta[BRIEF_KEY], second)
    assert stored is not None and StoredBrief.from_json(meta[BRIEF_KEY], first) is None
    fresh_qa.entity_pass.wait(60)
    names = entities_from_json(_record(fresh_qa, "ferry.txt")[ENTITIES_KEY], second)
    assert names is not None and "Pelican Point" in {e.text for e in names}
