"""The chat page in a real browser: Debian's Chromium driven by Playwright (``make browser``)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import RunningApp

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DOCS_IMG = Path(__file__).resolve().parent.parent.parent / "docs" / "img"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium: run `make browser` to install it"
    ),
]


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """Debian's Chromium, headless, with its own profile folder (local storage survives reloads)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1440, "height": 960},
        )
        try:
            yield context
        finally:
            context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(ui_app: RunningApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh Chromium page (own profile folder) on the running app."""
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        page = context.new_page()
        page.outside = []  # requests that left this machine
        page.on("request", lambda r: _record_outside(page, ui_app.url, r.url))
        page.goto(ui_app.url, wait_until="load")
        wait_until_ready(page)
        yield page


def _record_outside(page: Any, base: str, url: str) -> None:
    if not url.startswith((base, "data:", "blob:", "about:")):
        page.outside.append(url)


def wait_until_ready(page: Any) -> None:
    """Wait for the page's load to end: it restores the conversation, the scope and the report
    list (closing an open dropdown), then turns the question box on."""
    page.locator("#dq-question textarea").wait_for()
    page.wait_for_function(
        "() => { const box = document.querySelector('#dq-question textarea'); return box && !box.disabled; }",
        timeout=60_000,
    )


def ask(page: Any, question: str) -> None:
    """Type a question, send it, and wait until its answer is in the chat."""
    before = page.locator("#dq-chat .dq-answer, #dq-chat .dq-abstain, #dq-chat .dq-error").count()
    page.locator("#dq-question textarea").fill(question)
    page.locator("#dq-ask").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#dq-chat .dq-answer, #dq-chat .dq-abstain, #dq-chat .dq-error')"
        ".length > n",
        arg=before,
        timeout=60_000,
    )


def test_ask_highlight_and_jump_to_citation(page: Any) -> None:
    """Seed question: answer with a marker, quote highlighted, marker click reveals the passage."""
    ask(page, "How many troops withdrew and to where?")
    answer = page.locator("#dq-chat .dq-answer").last
    assert "400 men withdrew" in answer.inner_text()
    key = page.locator("#dq-sources .dq-latest mark.dq-key", has_text="Ariha").first
    key.wait_for()
    assert key.is_visible()
    marker = answer.locator("a.dq-marker").first
    marker.click()
    card = page.locator("#cite-0-1")
    card.wait_for()
    page.wait_for_function("() => document.querySelector('#cite-0-1').classList.contains('dq-flash')")
    assert card.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=False)
    DOCS_IMG.mkdir(parents=True, exist_ok=True)  # the README's picture, never stale
    page.screenshot(path=str(DOCS_IMG / "chat.png"), full_page=False)


def test_view_in_report_highlights_in_place(page: Any) -> None:
    """'view in report' opens the whole report with the quote highlighted at its place."""
    page.locator("#cite-0-1 a.dq-view").click()
    quote = page.locator("#dq-report mark.dq-quote", has_text="men withdrew with most").first
    quote.wait_for()
    assert quote.is_visible()
    assert "Idlib province" in page.locator("#dq-report .dq-report-text").inner_text()
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    page.locator("#dq-tab-sources-button").click()


def test_empty_question_is_a_readable_message(page: Any) -> None:
    """An empty question shows a warning, not a stack trace."""
    page.locator("#dq-question textarea").fill("   ")
    page.locator("#dq-ask").click()
    toast = page.get_by_text("Type a question about the reports first.")
    toast.first.wait_for(timeout=10_000)
    assert "Traceback" not in page.content()


def test_page_makes_no_outside_requests(page: Any) -> None:
    """Nothing phones home: every request the page made went to the app itself."""
    assert page.outside == []


HOSTILE = (
    'Night bulletin\n\nThe ferry to Skarvik sank at 03:10 with <img src=x onerror="window.__pwned=1"> '
    "<script>window.__pwned=2</script> 41 passengers aboard, all rescued by the coast guard.\n\n"
    "${window.__pwned=3} The harbour master resigned."
)


def test_uploaded_markup_is_shown_as_text_and_can_be_removed(page: Any, tmp_path: Path) -> None:
    """Upload a report full of markup through the page: it is indexed, cited as text, removed."""
    report = tmp_path / "night <bulletin>.txt"
    report.write_text(HOSTILE, encoding="utf-8")
    page.locator("#dq-tab-reports-button").click()
    page.locator("#dq-upload input[type=file]").set_input_files(str(report))
    status = page.locator("#dq-upload-status .dq-ingest-counts")
    status.wait_for(timeout=60_000)
    assert "1 added" in status.inner_text()
    listed = page.locator("#dq-reports-list tr", has_text="night").locator(".dq-source-name").inner_text()
    name = listed.strip()  # the safe name it was stored under (no "<", ">", "/")
    assert name.endswith(".txt") and not set(name) & set("<>/\\")

    ask(page, "How many passengers were aboard the ferry to Skarvik?")
    page.locator("#dq-tab-sources-button").click()
    card = page.locator("#dq-sources .dq-latest .dq-cited").first
    card.wait_for()
    assert "<script>window.__pwned=2</script>" in card.inner_text()
    assert page.evaluate("() => window.__pwned") is None
    page.screenshot(path=str(ARTIFACTS / "hostile.png"))

    page.locator("#dq-tab-reports-button").click()
    page.locator("#dq-reports-list tr", has_text=name).locator("button.dq-pick").click()
    page.locator("#dq-reports-list tr.dq-chosen-row button.dq-act-remove").click()
    page.locator("#dq-confirm-remove").click()
    page.get_by_text(f"Removed {name}.").wait_for(timeout=30_000)
    assert name not in page.locator("#dq-reports-list").inner_text()
    page.locator("#dq-tab-sources-button").click()
