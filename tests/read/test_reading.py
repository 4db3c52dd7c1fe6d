"""Real report files read as written: wrapped PDFs, bulletins, header blocks, tables."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from rag.eval.render import split_report, to_markdown, to_pdf
from rag.read.chunk import chunk_report
from rag.read.load import load_text
from tests.conftest import REPO, SEED_SOURCE, SEEDS

FILES_SET = REPO.parent / "shared" / "data" / "reports-dev" / "files" / "reports"
SEED_TEXT = (SEEDS / SEED_SOURCE).read_text(encoding="utf-8")
WITHDREW = "The estimated 400 men withdrew with most of their equipment to nearby Ariha, a town of 70,000."

BULLETIN = """992
NOUS44 KSHV 150251
PNSSHV
ARZ050-051-059>061-070>073-LAZ001>006-010>014-017>022-OKZ077-
TXZ096-097-108>112-124>126-136>138-149>153-165>167-151500-

Public Information Statement
National Weather Service Shreveport LA
851 PM CST Wed Dec 14 2022

...NWS Damage Survey for 12/13/22 Tornado Event - Update #1...

.Overview...A strong cold front moved through East Texas,
Southeast Oklahoma, Southwest Arkansas, and Northwest Louisiana
during the afternoon and evening hours. As a result, severe
thunderstorms developed along the front and in the warm sector
ahead of the front. There were numerous tornado warnings issued
during the event with at least 3 confirmed tornadoes.

.Tornado #1...Panola/Harrison County, TX

Rating:                 EF2
Estimated Peak Wind:    115 mph
Path Length /statute/:  9.1611 miles

Summary: The tornado initially touched down in a forested area in
Panola County off of CR-3123. There, approximately 200 softwood
trees were snapped and uprooted across an area around 460 yards
wide. It finally crossed FM-
9 and hit a two story home.

$$

BT/CW/BB/AC
"""


def sentences_of(name: str, text: str) -> list[str]:
    """Every sentence the chunker makes of ``text``, white space collapsed."""
    chunks = chunk_report(name, text, lambda s: len(s.split()))
    for chunk in chunks:
        for sentence in chunk.sentences:
            assert text[sentence.start : sentence.end] == sentence.text
    return [" ".join(s.text.split()) for c in chunks for s in c.sentences]


@pytest.mark.parametrize("columns", [1, 2])
def test_wrapped_pdf_reads_as_the_text_it_was_printed_from(tmp_path: Path, columns: int) -> None:
    pdf = to_pdf(SEED_TEXT, tmp_path / "seed.pdf", columns, running_header="Dispatch: Idlib", font_size=16)
    assert len(PdfReader(pdf).pages) >= 2  # so the running header and page numbers repeat
    loaded = load_text(pdf)
    title, body = split_report(SEED_TEXT)
    assert loaded.title == title
    assert loaded.text == "\n\n".join([title, *body])  # no header, page number or wrap left
    assert WITHDREW in sentences_of("seed.pdf", loaded.text)


def test_two_column_page_with_hyphenation_and_running_lines(tmp_path: Path) -> None:
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_font("helvetica", size=10)
    left = ["Negotiators met in Geneva on Monday to", "discuss the ceasefire. The talks were", "medi-"]
    left += ["ated by Norway, and both delegations", "signed a weapons-", "grade fuel accord."]
    right = [
        "Aid convoys reached the city on",
        "Tuesday, carrying food for 12,000",
        "people. The UN said more trucks",
    ]
    right += [
        "would follow on Wednesday if the",
        "roads stayed open and the truce",
        "held.",
    ]
    for page in (1, 2):
        pdf.add_page()
        pdf.text(450, 30, "Ceasefire brief")  # running header
        pdf.text(300, 770, str(page))  # page number
        for row, line in enumerate(left):
            pdf.text(60, 100 + row * 12, line)
        for row, line in enumerate(right):
            pdf.text(320, 100 + row * 12, line)
    path = tmp_path / "brief.pdf"
    pdf.output(str(path))
    text = load_text(path).text
    first = (
        "Negotiators met in Geneva on Monday to discuss the ceasefire. The talks were mediated by"
        " Norway, and both delegations signed a weapons-grade fuel accord."
    )
    second = (
        "Aid convoys reached the city on Tuesday, carrying food for 12,000 people. The UN said more trucks"
        " would follow on Wednesday if the roads stayed open and the truce held."
    )
    assert text.split("\n\n") == [first, second, first, second]
    assert "Ceasefire brief" not in text


def test_header_block_becomes_metadata_not_passages(tmp_path: Path) -> None:
    path = tmp_path / "survey.txt"
    path.write_text(BULLETIN, encoding="utf-8")
    loaded = load_text(path)
    assert loaded.title == "NWS Damage Survey for 12/13/22 Tornado Event - Update #1"
    assert loaded.date == "851 PM CST Wed Dec 14 2022"
    assert loaded.kind == "Public Information Statement"
    assert loaded.text == BULLETIN.strip()  # plain text stays the file's text: offsets stay exact
    sentences = sentences_of("survey.txt", loaded.text)
    assert sentences[0] == "851 PM CST Wed Dec 14 2022"  # the date line can still be quoted
    for code in ("NOUS44 KSHV 150251", "PNSSHV", "$$", "BT/CW/BB/AC", "Public Information Statement"):
        assert not any(code in s for s in sentences)


HEADERS = {
    "statement": (
        "Statement from President Joe Biden on Coalition Strikes in Yemen\nJanuary 11, 2024\n\n"
        "Today, at my direction, U.S. military forces conducted strikes.\n",
        ("Statement from President Joe Biden on Coalition Strikes in Yemen", "January 11, 2024", "Statement"),
        "Today, at my direction, U.S. military forces conducted strikes.",
    ),
    "sitrep with a subtitle and a clock time": (
        "SITUATION REPORT NO. 4\nLower Valley Flood Response\nIssued: 14 March 2026, 18:00 local time\n\n"
        "1. SUMMARY\nAbout 2,300 people have left their homes.\n",
        (
            "SITUATION REPORT NO. 4: Lower Valley Flood Response",
            "Issued: 14 March 2026, 18:00 local time",
            "Situation report",
        ),
        "About 2,300 people have left their homes.",
    ),
}


@pytest.mark.parametrize("name", HEADERS)
def test_title_and_date_lines_become_metadata(name: str, tmp_path: Path) -> None:
    text, metadata, body = HEADERS[name]
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    loaded = load_text(path)
    assert (loaded.title, loaded.date, loaded.kind) == metadata
    sentences = sentences_of("report.txt", loaded.text)
    assert sentences[0] == loaded.date  # the date line can still be quoted, the title cannot
    heading = text.split("\n\n")[0].split("\n")[:-1]  # the lines above the date line
    assert sentences[-1] == body and not any(line in s for line in heading for s in sentences)


def test_a_heading_over_body_text_is_not_a_subtitle(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Flood note\nThe river rose two metres and the bridge closed.\n", encoding="utf-8")
    loaded = load_text(path)
    assert loaded.date == "" and "The river rose" in sentences_of("note.txt", loaded.text)[-1]


def test_bulletin_wrapped_lines_joined_and_key_value_lines_kept_whole() -> None:
    sentences = sentences_of("survey.txt", BULLETIN.strip())
    assert "Rating: EF2" in sentences
    assert "Estimated Peak Wind: 115 mph" in sentences
    assert "Path Length /statute/: 9.1611 miles" in sentences
    joined = [
        "As a result, severe thunderstorms developed along the front and in the warm sector ahead of the"
        " front.",
        "There, approximately 200 softwood trees were snapped and uprooted across an area around 460 yards"
        " wide.",
    ]
    assert all(sentence in sentences for sentence in joined)
    assert "It finally crossed FM- 9 and hit a two story home." in sentences
    assert (
        ".Overview...A strong cold front moved through East Texas, Southeast Oklahoma, Southwest Arkansas,"
        " and Northwest Louisiana during the afternoon and evening hours." in sentences
    )


def test_docx_table_row_is_a_sentence_with_its_column_headers(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Cholera cases by district, week 32.")
    table = document.add_table(rows=3, cols=3)
    rows = [("District", "Cases", "Deaths"), ("Sarko", "131", "6"), ("Bina", "47", "0")]
    for row, cells in zip(table.rows, rows):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    path = tmp_path / "cholera.docx"
    document.save(path)
    sentences = sentences_of("cholera.docx", load_text(path).text)
    assert "District: Sarko; Cases: 131; Deaths: 6" in sentences
    assert "District: Bina; Cases: 47; Deaths: 0" in sentences


PATROL_MD = """# Field report: northern sector patrol

**Unit:** 2nd Reconnaissance Company

## Events

- 06:55: civilians at the Kora well reported armed men moving east.
- 11:45: the patrol met a *water truck* convoy of 12 vehicles heading to [Bir Salam](http://m.example/bs).
"""


def test_wrapped_markdown_reads_as_the_text_it_was_written_from(tmp_path: Path) -> None:
    extra = "\n\n1. The *old* camp [sic] was <b>held</b> by\n\n- the army_of_x # `twice`."  # markup
    text = SEED_TEXT + extra
    path = to_markdown(text, tmp_path / "seed.md", width=40)
    assert sentences_of("seed.md", load_text(path).text) == sentences_of("seed.txt", split_text(text))


def split_text(text: str) -> str:
    """The text the renderers write: the title, then paragraphs with their white space collapsed."""
    title, body = split_report(text)
    return "\n\n".join([title, *body])


def test_markdown_items_are_sentences_without_markup(fresh_qa, tmp_path: Path) -> None:
    path = tmp_path / "patrol.md"
    path.write_text(PATROL_MD, encoding="utf-8")
    sentences = sentences_of("patrol.md", load_text(path).text)
    item = "11:45: the patrol met a water truck convoy of 12 vehicles heading to Bir Salam."
    assert item in sentences
    fresh_qa.ingest([path])
    answer = fresh_qa.ask("How many vehicles were in the water truck convoy?", sources=["patrol.md"])
    assert [c.quote for c in answer.citations][:1] == [item]
    assert fresh_qa.report("patrol.md").title == "Field report: northern sector patrol"


@pytest.mark.skipif(not FILES_SET.is_dir(), reason="the reports-dev files set is not beside the repo")
@pytest.mark.parametrize("name", sorted(p.name for p in FILES_SET.glob("*")) if FILES_SET.is_dir() else [])
def test_every_sentence_of_the_files_set_slices_its_report(name: str) -> None:
    text = load_text(FILES_SET / name).text
    assert len(sentences_of(name, text)) > 10  # sentences_of checks each slice


def test_wrapped_pdf_seed_answers_the_headline_question(fresh_qa, tmp_path: Path) -> None:
    pdf = to_pdf(SEED_TEXT, tmp_path / "idlib.pdf", columns=1, running_header="Dispatch: Idlib")
    fresh_qa.remove(SEED_SOURCE)
    fresh_qa.ingest([pdf])
    answer = fresh_qa.ask("How many troops withdrew and to where?")
    assert not answer.abstained
    quotes = [c.quote for c in answer.citations]
    assert WITHDREW in quotes
    for citation in answer.citations:
        assert fresh_qa.document_text(citation.source)[citation.start : citation.end] == citation.quote
    assert fresh_qa.report("idlib.pdf").title == split_report(SEED_TEXT)[0]


def test_a_cancel_stops_the_pdf_layout_instead_of_falling_back(tmp_path: Path) -> None:
    """Cancellation (and the time budget) reach inside the PDF reader: no silent line-by-line fallback."""
    import threading

    import pytest

    from rag.read.ingest_guard import IngestCancelled, budget
    from rag.read.load import load_text

    pdf = FPDF(unit="pt", format="letter")
    pdf.set_font("helvetica", size=10)
    for town in ("Hama", "Homs", "Idlib"):
        pdf.add_page()
        pdf.set_y(300)
        pdf.multi_cell(400, 12, f"The convoy reached {town} on Tuesday with food for 12,000 people.")
    path = tmp_path / "convoy.pdf"
    pdf.output(str(path))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(IngestCancelled), budget(600, cancel):
        load_text(path)
    assert "The convoy reached Homs on Tuesday" in load_text(path).text
