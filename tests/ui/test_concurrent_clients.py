"""Eight gradio_client users ask at once while a report is uploaded: no errors, same answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.ui.conftest import RunningApp

QUESTIONS = [
    "How many troops withdrew and to where?",
    "When did Islamists seize Idlib?",
    "Which agency reported the loss of soldiers?",
    "What did the rebels capture when they attacked the camp?",
    "Which airport does the government still control?",
]
NOTE = "Depot report\n\nThe depot at Varna held 312 trucks and 40 fuel tankers in March.\n"


def _client(app: RunningApp) -> Any:
    from gradio_client import Client

    return Client(app.url, verbose=False, download_files=False)


def _answer(client: Any, question: str) -> str:
    result = client.predict(question, None, None, api_name="/ask")
    assert not result.get("error"), result
    return repr(result)


def test_eight_clients_during_an_upload_get_the_solo_answers(ui_app: RunningApp, tmp_path: Path) -> None:
    from gradio_client import handle_file

    alone = _client(ui_app)
    before = {q: _answer(alone, q) for q in QUESTIONS}
    note = tmp_path / "varna depot.txt"
    note.write_text(NOTE)
    users = [_client(ui_app) for _ in range(8)]  # one Client per user: a Client is not thread-safe
    uploader = _client(ui_app)

    def session(user: Any) -> list[tuple[str, str]]:
        return [(q, _answer(user, q)) for q in QUESTIONS]

    with ThreadPoolExecutor(max_workers=9) as pool:
        upload = pool.submit(uploader.predict, [handle_file(note)], api_name="/upload")
        sessions = list(pool.map(session, users))
        status = upload.result()[0]
    assert "1 added" in str(status)
    after = {q: _answer(alone, q) for q in QUESTIONS}
    answers = [pair for pairs in sessions for pair in pairs]
    assert len(answers) == 40
    for question, answer in answers:
        assert answer in (before[question], after[question]), question
    assert alone.predict("varna depot.txt", api_name="/remove") == {"removed": True}
