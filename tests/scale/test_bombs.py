"""Decompression bombs and oversized content: refused before parsing, in bounded memory, with a
reason, while the other files of the same call are indexed and nothing indexed is lost."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import docx
import psutil
import pytest

from rag.qa import ReportQA
from rag.read.ingest_guard import LoadLimits, check_pdf_streams, check_zip
from rag.read.load import LoadError, load_text
from tests.conftest import SEED_SOURCE
from tests.scale.bombs import (
    docx_bomb,
    docx_understating,
    pdf_encrypted_stream,
    pdf_run_length,
    pdf_with_huge_stream,
)

GOOD = "The ferry Aurora carried 96 passengers to Hvar on Sunday.\n"


def _state(qa: ReportQA) -> tuple:
    return qa.store.report_hashes(), qa.store.passages.count(), qa.store.sentences.count()


@pytest.mark.parametrize(
    ("name", "make"), [("bomb.docx", docx_bomb), ("stream.pdf", pdf_with_huge_stream)], ids=["docx", "pdf"]
)
def test_bomb_is_refused_in_bounded_memory_and_the_rest_is_indexed(
    fresh_qa: ReportQA, tmp_path: Path, name: str, make
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bomb = make(folder / name)  # inflates to 500 MB
    (folder / "ferry.txt").write_text(GOOD)
    hashes = fresh_qa.store.report_hashes()
    rss = psutil.Process().memory_info().rss
    result = fresh_qa.ingest([folder])
    assert psutil.Process().memory_info().rss - rss < 200 * 1024 * 1024
    assert [(s.path, "decompression bomb" in s.reason) for s in result.skipped] == [(str(bomb), True)]
    assert "(the limit is 200 MB)" in result.skipped[0].reason, result.summary()
    assert result.added == ("ferry.txt",)
    after = fresh_qa.store.report_hashes()
    assert after.keys() == {*hashes, "ferry.txt"} and all(after[k] == v for k, v in hashes.items())
    assert "96 passengers" in fresh_qa.ask("How many passengers did the Aurora carry?").text


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_rules_each_refuse_alone() -> None:
    limits = LoadLimits(max_inflated_bytes=3_000_000, max_zip_entries=50)
    check_zip(_zip({"a.xml": b"<p>varied text %d</p>" * 10_000}), limits)  # ordinary: passes
    with pytest.raises(LoadError, match=r"zeros\.bin inflates [\d,]+ times"):
        check_zip(_zip({"zeros.bin": bytes(2_000_000)}), limits)
    unlimited_ratio = LoadLimits(max_inflated_bytes=3_000_000, max_zip_ratio=1e9)
    with pytest.raises(LoadError, match=r"contents declare 4\.0 MB"):
        check_zip(_zip({f"part{i}.bin": bytes(1_000_000) for i in range(4)}), unlimited_ratio)
    with pytest.raises(LoadError, match="60 entries"):
        check_zip(_zip({f"e{i}": b"x" for i in range(60)}), limits)


def test_docx_that_understates_its_sizes_is_refused(tmp_path: Path) -> None:
    # The central directory says document.xml holds 1,000 bytes; it inflates to 5 MB. Nothing
    # reads past the declared size (the check and the DOCX reader alike), and the file is refused.
    template = io.BytesIO()
    docx.Document().save(template)
    parts = {i.filename: zipfile.ZipFile(template).read(i) for i in zipfile.ZipFile(template).infolist()}
    body = b"<w:p><w:r><w:t>Convoy.</w:t></w:r></w:p>" * 125_000
    parts["word/document.xml"] = parts.pop("word/document.xml").replace(b"<w:body>", b"<w:body>" + body)
    data = bytearray(_zip(parts))
    central = bytes(data).rfind(b"PK\x01\x02")  # the last entry: word/document.xml
    assert int.from_bytes(data[central + 24 : central + 28], "little") > 5_000_000
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    path = tmp_path / "understated.docx"
    path.write_bytes(bytes(data))
    rss = psutil.Process().memory_info().rss
    with pytest.raises(LoadError, match="DOCX"):
        load_text(path)
    assert psutil.Process().memory_info().rss - rss < 50 * 1024 * 1024


_PEAK_CHILD = """
import json, re, sys, time
from pathlib import Path
from rag.read.load import LoadError, load_text
started = time.perf_counter()
try:
    load_text(Path(sys.argv[1]))
    reason = ""
except LoadError as err:
    reason = str(err)
# VmHWM, not ru_maxrss: the latter keeps the forked parent's peak across exec
peak = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak, "reason": reason}))
"""


def test_docx_whose_headers_hide_a_gigabyte_is_refused_fast_in_bounded_memory(tmp_path: Path) -> None:
    """Local and central headers declare 5 KB for a document.xml that inflates to 1.1 GB: the
    check inflates what the data really holds, in pieces, and stops at the limit (the reader
    used to inflate it all in one call: 2.2 GB, then "Bad CRC-32")."""
    path = docx_understating(tmp_path / "lying.docx", inflated_mb=1100, declared=5_000)
    assert zipfile.ZipFile(path).getinfo("word/document.xml").file_size == 5_000
    child = subprocess.run([sys.executable, "-c", _PEAK_CHILD, str(path)], capture_output=True, text=True)
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    assert "over the inflation limit" in figures["reason"], figures
    assert "word/document.xml" in figures["reason"] and "(the limit is 200 MB)" in figures["reason"]
    assert figures["seconds"] < 5 and figures["peak_mb"] < 600, figures


def test_pdf_stream_under_the_limit_is_measured_to_its_end(tmp_path: Path) -> None:
    """A stream inflating to 3 MB (several pieces): once zlib reaches the end of the stream it
    repeats the unread tail; the check used to feed it back for ever."""
    data = pdf_with_huge_stream(tmp_path / "three.pdf", inflated_mb=3).read_bytes()
    check = threading.Thread(target=check_pdf_streams, args=(data, 200_000_000), daemon=True)
    check.start()
    check.join(10)
    assert not check.is_alive()


@pytest.mark.parametrize("make", [pdf_run_length, pdf_encrypted_stream], ids=["run-length", "encrypted"])
def test_pdf_stream_the_byte_check_cannot_see_is_bounded_where_it_is_decoded(tmp_path: Path, make) -> None:
    """A stream the byte check cannot measure (another filter, or encrypted) decodes to 30 MB:
    pdfminer's decoding stops at the limit (10 MB here) and the file is refused."""
    path = make(tmp_path / "hidden.pdf", 30)
    rss = psutil.Process().memory_info().rss
    with pytest.raises(LoadError, match="over the inflation limit"):
        load_text(path, limits=LoadLimits(max_inflated_bytes=10_000_000))
    assert psutil.Process().memory_info().rss - rss < 100 * 1024 * 1024


def test_zip_entries_other_than_deflate_or_stored_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("word/document.xml", b"<w:p>Convoy.</w:p>")
    with pytest.raises(LoadError, match="compressed with method 12"):
        check_zip(buffer.getvalue(), LoadLimits())


def test_docx_under_the_limits_still_reads(tmp_path: Path) -> None:
    document = docx.Document()
    for i in range(200):
        document.add_paragraph(f"Paragraph {i}: the convoy reached checkpoint {i} at dawn.")
    path = tmp_path / "ordinary.docx"
    document.save(path)
    assert "checkpoint 199" in load_text(path).text


def test_text_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("The convoy moved north. " * 1000)
    with pytest.raises(LoadError, match="text too long"):
        load_text(path, limits=LoadLimits(max_text_chars=10_000))
    assert load_text(path, limits=LoadLimits(max_text_chars=100_000)).text


def test_file_over_its_time_budget_is_skipped_and_changes_nothing(
    seeded_index_dir: Path, tmp_path: Path
) -> None:
    shutil.copytree(seeded_index_dir, tmp_path / "index")
    qa = ReportQA(index_dir=tmp_path / "index", max_file_seconds=1e-6)
    before = _state(qa)
    path = tmp_path / "slow.txt"
    path.write_text(GOOD)
    result = qa.ingest([path])
    assert len(result.skipped) == 1 and "took too long" in result.skipped[0].reason, result.summary()
    assert _state(qa) == before and qa.sources() == [SEED_SOURCE]


def test_markdown_that_parses_slowly_is_stopped_by_the_time_budget(tmp_path: Path) -> None:
    """markdown-it takes ~10 s per MB of some inputs: the file's budget is checked between the
    pieces it is parsed in, so the ingest stops with a reason instead of running on."""
    from rag.read.ingest_guard import budget

    path = tmp_path / "brackets.md"
    path.write_text("[[[[ [[ [ **a [b](c\n\n" * 600_000)  # 13 MB
    with budget(0.5, None), pytest.raises(LoadError, match="took too long"):
        load_text(path)
    one = tmp_path / "one.md"
    one.write_text("[" * 3_000_000 + "\n\nThe depot held **312** trucks.\n")  # one 3 MB block
    assert load_text(one).text.endswith("The depot held 312 trucks.")
