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
    clients = [_client(ui_app) for _ in range(8)]
    jobs = [(clients[i % 8], QUESTIONS[i % len(QUESTIONS)]) for i in range(40)]
    with ThreadPoolExecutor(max_workers=9) as pool:
        upload = pool.submit(alone.predict, [handle_file(note)], api_name="/upload")
        answers = list(pool.map(lambda job: (job[1], _answer(*job)), jobs))
        status = upload.result()[0]
    assert "1 added" in str(status)
    after = {q: _answer(alone, q) for q in QUESTIONS}
    for question, answer in answers:
        assert answer in (before[question], after[question]), question
    assert alone.predict("varna depot.txt", api_name="/remove") == {"removed": True}
