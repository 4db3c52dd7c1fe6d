"""The running app through ``gradio_client``: ask, follow up, upload a report, ask about it, remove it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SEED_SOURCE
from tests.ui.conftest import RunningApp

NOTE = (
    "Harbour log\n\nThe lighthouse at Port Vell was repainted red in 1998 by twelve volunteers "
    "from the fishermen's guild.\n\nThe keeper, Marta Soler, reported "
    "<script>alert('x')</script> nothing else."
)


@pytest.fixture(scope="module")
def client(ui_app: RunningApp) -> Iterator[Any]:
    """A gradio_client ``Client`` on the running app."""
    from gradio_client import Client

    yield Client(ui_app.url, verbose=False, download_files=False)


def test_ask_seed_question_returns_answer_and_citations(client: Any, ui_app: RunningApp) -> None:
    result = client.predict("How many troops withdrew and to where?", None, None, api_name="/ask")
    assert not result["abstained"]
    assert "400" in result["text"] and "Ariha" in result["text"] and "[1]" in result["text"]
    first = result["citations"][0]
    assert first["source"] == SEED_SOURCE
    assert ui_app.qa.document_text(SEED_SOURCE)[first["start"] : first["end"]] == first["quote"]
    assert first["highlights"]


def test_follow_up_is_asked_in_context(client: Any) -> None:
    history = ["How many troops withdrew and to where?"]
    result = client.predict("And how many tanks did they have?", history, None, api_name="/ask")
    assert result["retrieval_query"].startswith(history[0])


def test_empty_and_overlong_questions_are_readable_errors(client: Any) -> None:
    assert "empty" in client.predict("   ", None, None, api_name="/ask")["error"]
    error = client.predict("why " * 2000, None, None, api_name="/ask")["error"]
    assert "limit" in error and "Traceback" not in error


def test_upload_ask_and_remove(client: Any, ui_app: RunningApp, tmp_path: Path) -> None:
    from gradio_client import handle_file

    note = tmp_path / "harbour log.md"
    note.write_text(NOTE, encoding="utf-8")
    empty = tmp_path / "blank.txt"
    empty.write_text("   \n", encoding="utf-8")
    status, listing, *_ = client.predict([handle_file(note), handle_file(empty)], api_name="/upload")
    assert "1 added" in status and "1 skipped" in status and "blank.txt" in status
    assert "harbour log.md" in listing
    assert (ui_app.index_dir / "uploads" / "harbour log.md").is_file()
    assert not (ui_app.index_dir / "uploads" / "blank.txt").exists()

    result = client.predict("Who repainted the lighthouse at Port Vell?", None, None, api_name="/ask")
    assert not result["abstained"] and "twelve volunteers" in result["text"]
    assert result["citations"][0]["source"] == "harbour log.md"

    again, *_ = client.predict([handle_file(note)], api_name="/upload")
    assert "1 unchanged" in again

    assert client.predict("harbour log.md", api_name="/remove") == {"removed": True}
    assert "harbour log.md" not in client.predict(api_name="/reports")
    assert not (ui_app.index_dir / "uploads" / "harbour log.md").exists()
    assert client.predict("harbour log.md", api_name="/remove") == {"removed": False}


def test_reports_lists_the_seed(client: Any) -> None:
    assert SEED_SOURCE in client.predict(api_name="/reports")


def test_page_fonts_are_served_locally_and_complete(ui_app: RunningApp) -> None:
    """Every font the page declares comes from the app itself and is a whole font: Gradio's
    SemiBold files hold some 55 characters, which made bold titles mix in fallback glyphs."""
    import re
    import urllib.request

    css = urllib.request.urlopen(ui_app.url + "theme.css", timeout=30).read().decode()
    fonts = re.findall(r"url\('([^']+)'\)", css)
    assert fonts and not any("//" in url for url in fonts)
    for url in fonts:
        body = urllib.request.urlopen(ui_app.url + url, timeout=30).read()
        assert len(body) > 20_000, f"{url} is a {len(body):,}-byte subset"


def _temporary(names: set[str]) -> list[Path]:
    """Files of these names in Gradio's upload folder (the server runs in this process)."""
    from gradio.utils import get_upload_folder

    return [p for p in Path(get_upload_folder()).rglob("*") if p.name in names]


def test_uploads_leave_no_temporary_copy(client: Any, tmp_path: Path) -> None:
    """Gradio's copy of an upload is deleted once the file is indexed or refused."""
    import uuid

    from gradio_client import handle_file

    tag = uuid.uuid4().hex[:8]
    good, blank = tmp_path / f"kept-{tag}.txt", tmp_path / f"blank-{tag}.txt"
    good.write_text("The ferry Aurora carried 96 passengers to Hvar.", encoding="utf-8")
    blank.write_text("  \n", encoding="utf-8")
    status, *_ = client.predict([handle_file(good), handle_file(blank)], api_name="/upload")
    assert "1 added" in status and "1 skipped" in status
    assert _temporary({good.name, blank.name}) == []
    client.predict(good.name, api_name="/remove")


def test_upload_over_the_file_size_limit_is_refused_before_it_is_stored(ui_app: RunningApp) -> None:
    """A POST bigger than max_file_mb (50 MB) to Gradio's upload route: 413, nothing kept."""
    import urllib.error
    import urllib.request
    import uuid

    name = f"huge-{uuid.uuid4().hex[:8]}.txt"
    size = int(ui_app.qa.settings.max_file_mb * 1_000_000) + 10_000  # the rest fits in socket buffers
    boundary = "dq-boundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'
    body = head.encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        ui_app.url + "gradio_api/upload",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=120)
    assert refused.value.code == 413
    assert _temporary({name}) == []
