"""Tests of the load stage: real files of every supported type, built in ``tmp_path``."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from rag.read.load import (
    SUPPORTED_SUFFIXES,
    LoadError,
    content_hash,
    iter_report_files,
    load_text,
    normalize_text,
)
from tests.pdf_bytes import pdf_bytes

NEWS_PARAGRAPHS = [
    "The river rose by three metres overnight, forcing 1,200 residents of the northern "
    "district to leave their homes before dawn on Monday.",
    "Emergency crews said the water began receding on Tuesday morning, but warned that more "
    "rain was expected later in the week across the whole valley.",
    "\u201cWe have never seen anything like it,\u201d said the mayor, who asked residents to "
    "stay away from the river banks until further notice.",
]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    """Write a fixture file (str as UTF-8) and return its path."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF, written by hand: one Helvetica text line per string."""
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = [b"BT /F1 12 Tf 14 TL 72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(b"(" + escaped.encode("latin-1") + b") Tj T*")
        stream = b"\n".join([*ops, b"ET"])
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % len(objects)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    info = b""
    if title:
        objects.append(b"<< /Title (%s) >>" % title.encode("latin-1"))
        info = b" /Info %d 0 R" % len(objects)
    return pdf_bytes(objects, info)


def encrypted(pdf: bytes, user_password: str) -> bytes:
    """The PDF encrypted (RC4-128) with the given user password."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- normalisation and plain text --------------------------------------------------------


def test_normalize_text_rules() -> None:
    raw = "  Title \r\nline one\t \rline\x07 two\n\n\n\n\nnext\x00 para  \n\n"
    assert normalize_text(raw) == "Title\nline one\nline two\n\nnext para"
    assert normalize_text(normalize_text(raw)) == normalize_text(raw)


def test_utf8_text_is_kept_verbatim_apart_from_normalisation(tmp_path: Path) -> None:
    body = (
        "Situation Report № 4 — “Valley floods”\r\n"
        "Über 1,200 people moved; café closed.   \r\n"
        "\r\n\r\n\r\n"
        "\tIndented line keeps its tab. 東京 🌊\n"
    )
    loaded = load_text(write(tmp_path, "report.txt", body))
    assert loaded.text == (
        "Situation Report № 4 — “Valley floods”\n"
        "Über 1,200 people moved; café closed.\n"
        "\n"
        "\tIndented line keeps its tab. 東京 🌊"
    )
    assert loaded.title == "Situation Report № 4 — “Valley floods”"
    assert loaded.notes == ()


def test_same_bytes_give_same_text(tmp_path: Path) -> None:
    data = "Café “quoted” report.\n\nSecond paragraph – with a dash.".encode("cp1252")
    first = load_text(write(tmp_path, "a.txt", data))
    second = load_text(write(tmp_path, "b.txt", data))
    assert first == second


def test_utf8_bom_is_dropped_without_a_note(tmp_path: Path) -> None:
    loaded = load_text(write(tmp_path, "bom.txt", b"\xef\xbb\xbfFirst line\nMore"))
    assert loaded.text == "First line\nMore"
    assert loaded.notes == ()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("cp1252", "The mayor said: \u201cWe will rebuild\u201d \u2013 the café reopened."),
        ("cp1252", "Café au lait, résumé, naïve façade, à bientôt."),
        ("latin-1", "Zürich: Straßenbahn fährt wieder. Größere Schäden im Süden."),
    ],
)
def test_legacy_encodings_are_detected_with_a_note(tmp_path: Path, encoding: str, body: str) -> None:
    loaded = load_text(write(tmp_path, "legacy.txt", body.encode(encoding)))
    assert loaded.text == body
    assert len(loaded.notes) == 1
    assert loaded.notes[0].startswith("decoded as ")


@pytest.mark.parametrize("body", ["Zürich", "Grüße aus Zürich", "Zürich: 3 Tote, 12 Verletzte.", "Café"])
def test_short_latin1_file_reads_as_latin1(tmp_path: Path, body: str) -> None:
    # Detectors need many bytes: these came out as cp775 ("Z³rich"), cp1250 or UTF-16.
    loaded = load_text(write(tmp_path, "short.txt", body.encode("latin-1")))
    assert loaded.text == body
    assert loaded.notes == ("decoded as cp1252",)


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("cp1251", "Колонна прибыла в Одессу утром. Погибли 3 человека, ранены 12."),
        ("cp1250", "Kolumna dotarła do Łodzi rano. Zginęły 3 osoby, żołnierze są ranni."),
    ],
)
def test_non_western_code_pages_are_not_read_as_cp1252(tmp_path: Path, encoding: str, body: str) -> None:
    loaded = load_text(write(tmp_path, "report.txt", body.encode(encoding)))
    assert loaded.notes != ("decoded as cp1252",)
    assert loaded.notes[0].startswith("decoded as ")


def test_utf16_with_bom(tmp_path: Path) -> None:
    body = "Évacuation du quartier nord.\nDeuxième ligne."
    loaded = load_text(write(tmp_path, "utf16.txt", body.encode("utf-16")))
    assert loaded.text == body
    assert loaded.notes == ("decoded as utf-16",)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8,
        bytes(range(1, 32)) * 40,
    ],
)
def test_binary_content_with_txt_name_is_rejected(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(LoadError, match="binary file, not text"):
        load_text(write(tmp_path, "photo.txt", data))


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n  "])
@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_empty_files_are_rejected(tmp_path: Path, data: bytes, suffix: str) -> None:
    with pytest.raises(LoadError, match="empty file"):
        load_text(write(tmp_path, f"empty{suffix}", data))


def test_markdown_reads_as_the_text_a_reader_sees(tmp_path: Path) -> None:
    body = (
        "\n\n## Flood update: *day 3*\n\n**Unit:** 2nd Company\n**Author:** L. Moreau\n\n"
        "Some **bold** facts, see [the\nmap](http://x.org/m).\n\n"
        "- 06:55: civilians reported\n  armed men.\n- 08:10: a device found\n\n"
        "| District | Cases |\n|---|---|\n| Sarko | 131 |\n\n> Quoted <b>text</b>.\n\n"
        "```\nRAW  LOG\n```\n"
    )
    loaded = load_text(write(tmp_path, "update.md", body))
    assert loaded.title == "Flood update: day 3"
    assert loaded.text == (
        "Flood update: day 3\n\nUnit: 2nd Company\nAuthor: L. Moreau\n\nSome bold facts, see the map.\n\n"
        "06:55: civilians reported armed men.\n08:10: a device found\n\n"
        "District: Sarko; Cases: 131\n\nQuoted text.\n\nRAW  LOG"
    )


# --- HTML --------------------------------------------------------------------------------


def test_news_page_gives_article_paragraphs_only(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{p}</p>\n" for p in NEWS_PARAGRAPHS)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>River floods northern district | Valley News</title>
<style>p {{ color: red; }}</style></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<script>alert(1)</script>
<article><h1>River floods northern district</h1>
{paragraphs}</article>
<footer>Copyright Valley News</footer></body></html>"""
    loaded = load_text(write(tmp_path, "news.html", page))
    assert loaded.title == "River floods northern district"
    for paragraph in NEWS_PARAGRAPHS:
        assert f"\n\n{paragraph}" in loaded.text
    assert loaded.text.endswith(NEWS_PARAGRAPHS[-1])
    for unwanted in ("alert", "color: red", "Home", "Sport"):
        assert unwanted not in loaded.text


def test_a_data_table_in_a_page_is_kept_with_its_column_names(tmp_path: Path) -> None:
    rows = "".join(
        f"<tr><td>{d}</td><td>{c}</td><td>{x}</td></tr>" for d, c, x in [("Sarko", 131, 6), ("Bina", 47, 0)]
    )
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Cholera update</title></head>
<body><nav><a href="/">Home</a></nav><article><h1>Cholera update</h1><p>{NEWS_PARAGRAPHS[0]}</p>
<table><thead><tr><th>District</th><th>Cases</th><th>Deaths</th></tr></thead><tbody>{rows}</tbody></table>
<p>{NEWS_PARAGRAPHS[1]}</p></article></body></html>"""
    text = load_text(write(tmp_path, "cholera.html", page)).text
    table = "District: Sarko; Cases: 131; Deaths: 6\nDistrict: Bina; Cases: 47; Deaths: 0"
    assert f"{NEWS_PARAGRAPHS[0]}\n\n{table}\n\n{NEWS_PARAGRAPHS[1]}" in text


def test_tiny_page_falls_back_to_visible_text(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Notice</title><script>alert(1)</script></head>"
        "<body><p>Road closed.</p><div>Call 555<br>for help</div></body></html>"
    )
    loaded = load_text(write(tmp_path, "notice.htm", page))
    assert loaded.text == "Road closed.\n\nCall 555\nfor help"
    assert loaded.title == "Notice"


def test_declared_legacy_charset_is_used(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"><title>Café</title></head>'
        "<body><p>Café “open”.</p></body></html>"
    )
    loaded = load_text(write(tmp_path, "legacy.html", page.encode("cp1252")))
    assert loaded.text == "Café “open”."
    assert loaded.notes == ("decoded as windows-1252",)


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deeply_nested_html_does_not_crash(tmp_path: Path, depth: int) -> None:
    page = (
        "<html><head><title>Deep</title></head><body>"
        + "<div>" * depth
        + "<p>Text at the bottom of the nesting.</p><script>alert(1)</script>"
        + "</div>" * depth
        + "</body></html>"
    )
    loaded = load_text(write(tmp_path, "deep.html", page))
    assert loaded.text == "Text at the bottom of the nesting."
    assert loaded.title == "Deep"


def test_page_without_text_is_rejected(tmp_path: Path) -> None:
    page = "<html><head><script>alert(1)</script></head><body><img src=x></body></html>"
    with pytest.raises(LoadError, match="no text in HTML"):
        load_text(write(tmp_path, "blank.html", page))


# --- DOCX --------------------------------------------------------------------------------


def test_docx_round_trips_its_paragraphs(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "Valley flood assessment"
    document.add_heading("Assessment", level=1)
    document.add_paragraph(NEWS_PARAGRAPHS[0])
    document.add_paragraph("")
    document.add_paragraph(NEWS_PARAGRAPHS[2])
    table = document.add_table(rows=2, cols=2)
    for row, (left, right) in zip(table.rows, [("District", "Evacuated"), ("North", "1,200")]):
        row.cells[0].text, row.cells[1].text = left, right
    path = tmp_path / "assessment.docx"
    document.save(path)
    loaded = load_text(path)
    assert loaded.text == "\n\n".join(
        ["Assessment", NEWS_PARAGRAPHS[0], NEWS_PARAGRAPHS[2], "District: North; Evacuated: 1,200"]
    )
    assert loaded.title == "Valley flood assessment"


def test_corrupt_docx_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="corrupt DOCX"):
        load_text(write(tmp_path, "broken.docx", b"PK\x03\x04 not really a zip file"))


# --- PDF ---------------------------------------------------------------------------------


def test_text_pdf_extracts_pages_and_title(tmp_path: Path) -> None:
    pdf = make_pdf(
        [["Flood report for the valley.", "Water rose 3 metres."], ["Page two: 1,200 moved."]],
        title="Valley Flood",
    )
    loaded = load_text(write(tmp_path, "report.pdf", pdf))
    # Each short line was ended on purpose (the next word would have fitted): a paragraph each.
    assert loaded.text == ("Flood report for the valley.\n\nWater rose 3 metres.\n\nPage two: 1,200 moved.")
    assert loaded.title == "Valley Flood"


def test_pdf_without_title_uses_first_line(tmp_path: Path) -> None:
    loaded = load_text(write(tmp_path, "untitled.pdf", make_pdf([["Headline here", "Body."]])))
    assert loaded.title == "Headline here"


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    pdf = encrypted(make_pdf([["Secret text."]]), user_password="secret")
    with pytest.raises(LoadError, match="encrypted PDF"):
        load_text(write(tmp_path, "locked.pdf", pdf))


def test_pdf_encrypted_with_empty_password_opens(tmp_path: Path) -> None:
    pdf = encrypted(make_pdf([["Readable despite encryption."]]), user_password="")
    assert load_text(write(tmp_path, "owner-only.pdf", pdf)).text == "Readable despite encryption."


@pytest.mark.parametrize("keep", [0.25, 0.5, 0.9])
def test_truncated_pdf_is_rejected(tmp_path: Path, keep: float) -> None:
    pdf = make_pdf([["Some text that will be cut off."]])
    with pytest.raises(LoadError, match="corrupt PDF"):
        load_text(write(tmp_path, "cut.pdf", pdf[: int(len(pdf) * keep)]))


def test_pdf_without_text_is_reported_as_scanned(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"no text in PDF \(scanned\?\)"):
        load_text(write(tmp_path, "scan.pdf", make_pdf([[]])))


# --- any file ----------------------------------------------------------------------------


def test_unknown_suffix_names_supported_types(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"unsupported file type \.xyz \(supported: .*\.pdf"):
        load_text(write(tmp_path, "data.xyz", "hello"))


def test_file_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "x" * 2_000)
    with pytest.raises(LoadError, match="file too large"):
        load_text(path, max_bytes=1_000)
    assert load_text(path, max_bytes=2_000).text == "x" * 2_000


def test_missing_file_and_folder_are_load_errors(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="file not found"):
        load_text(tmp_path / "nowhere.txt")
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(LoadError, match="folder"):
        load_text(tmp_path / "folder.txt")


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_garbage_content_raises_only_load_error(tmp_path: Path, suffix: str) -> None:
    noise = random.Random(f"garbage{suffix}").randbytes
    samples = [noise(3_000), b"PK\x03\x04" + noise(500), b"%PDF-1.7\n" + noise(500)]
    samples.append(b"<" * 20_000 + b"\xff\xfe")
    for index, data in enumerate(samples):
        try:
            loaded = load_text(write(tmp_path, f"junk{index}{suffix}", data))
        except LoadError as err:
            assert str(err)
        else:
            assert loaded.text == normalize_text(loaded.text)


def test_iter_report_files_walks_folders_sorted_skipping_hidden(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    for name in ["b.txt", "a.md", "sub/z.pdf", "sub/deeper/c.docx", ".hidden.txt", ".git/x.txt"]:
        write(root, name, "x")
    write(root, "sub/.cache/y.txt", "x")
    lone = write(tmp_path, ".explicit.txt", "x")
    found = list(iter_report_files([root, str(lone), root / "b.txt"]))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "reports/a.md",
        "reports/b.txt",
        "reports/sub/deeper/c.docx",
        "reports/sub/z.pdf",
        ".explicit.txt",
    ]


def test_content_hash_is_sha256_of_bytes(tmp_path: Path) -> None:
    data = b"Report bytes \x00\xff"
    assert content_hash(write(tmp_path, "r.txt", data)) == hashlib.sha256(data).hexdigest()
