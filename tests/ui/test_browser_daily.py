"""The page as a daily tool, in Debian's Chromium: scope, a fresh page after another client's
ingest, remove with confirmation, the look of an uncertain answer, streaming, the conversation
across a reload and the trash icon, plain-text aria labels, the chat-model badge.

Screenshots go to ``tests/artifacts``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from tests.answer.generative.conftest import SEED_ANSWER
from tests.conftest import REPO, SEED_SOURCE
from tests.test_scope import HARBOUR
from tests.ui.conftest import RunningApp, serve
from tests.ui.test_browser import ARTIFACTS, CHROMIUM, ask, chromium, wait_until_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium: run `make browser` to install it"
    ),
]

#: A question whose answer the stand-in for ``Answer.support`` marks "uncertain".
UNCERTAIN_QUESTION = "Who commanded the rebel force that took Mastoumeh?"  # no commander is named


class SlowChatModel(BaseChatModel):
    """A chat model that writes the seed answer word by word, slowly enough to watch it stream."""

    reply: str = SEED_ANSWER  # no [n] marker, as small models write: attributed after the fact
    delay: float = 0.25

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply))])

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        for i, word in enumerate(self.reply.split(" ")):
            time.sleep(self.delay)
            yield ChatGenerationChunk(message=AIMessageChunk(content=("" if i == 0 else " ") + word))

    @property
    def _llm_type(self) -> str:
        return "slow-scripted"


def _uncertain_qa(folder: Path) -> Any:
    """A ``ReportQA`` whose answer to ``UNCERTAIN_QUESTION`` carries ``support="uncertain"``,
    whatever its confidence, so that the page's look of it is tested on a known answer."""
    from rag.qa import ReportQA

    class UncertainQA(ReportQA):
        def ask(self, question: str, *args: Any, **kwargs: Any) -> Any:
            answer = super().ask(question, *args, **kwargs)
            if question == UNCERTAIN_QUESTION and not answer.abstained:
                return answer.model_copy(update={"support": "uncertain"})
            return answer

    return UncertainQA(index_dir=folder, llm=SlowChatModel())


@pytest.fixture(scope="module")
def daily_app(seeded_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app over the seed report and ``harbour.txt``, started in generative mode (slow model)."""
    root = tmp_path_factory.mktemp("daily")
    folder = root / "index"
    shutil.copytree(seeded_index_dir, folder)
    (root / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    qa = _uncertain_qa(folder)
    qa.ingest([root / "harbour.txt"])
    with serve(qa) as app:
        yield app


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium with its own profile (its local storage survives page reloads)."""
    with chromium(tmp_path_factory.mktemp("chromium-daily")) as context:
        yield context


@pytest.fixture(scope="module")
def page(browser: Any, daily_app: RunningApp) -> Any:
    """One page on the app, opened once for the module."""
    page = browser.new_page()
    _open(page, daily_app.url)
    return page


def _open(page: Any, url: str) -> None:
    page.goto(url, wait_until="load")
    wait_until_ready(page)
    page.wait_for_function("() => /report/.test(document.querySelector('#dq-count')?.textContent || '')")
    page.locator("#dq-scope-note .dq-scope-note").wait_for()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_generative_answer_streams_then_the_verified_text_replaces_it(page: Any) -> None:
    """Generative mode: words appear one after another, then the checked answer with its marker."""
    assert "Generative" in page.locator("#dq-llm-badge").inner_text()
    page.locator("#dq-question textarea").fill("Where did the estimated 400 men withdraw to?")
    page.locator("#dq-ask").click()
    streaming = page.locator("#dq-chat .dq-streaming")
    streaming.wait_for(timeout=60_000)
    seen = []
    script = "() => document.querySelector('#dq-chat .dq-streaming')?.innerText ?? null"
    while (text := page.evaluate(script)) is not None and len(seen) < 300:
        seen.append(text)
        if len(seen) == 6:
            _shot(page, "streaming.png")
        time.sleep(0.1)
    partial = {s.split("Writing")[0].strip() for s in seen if s}
    assert len(partial) >= 3  # several growing states of the reply were shown
    answer = page.locator("#dq-chat .dq-answer").last
    answer.wait_for()
    # the short answer (bold) may come first, then the verified quote with its one marker
    assert SEED_ANSWER in answer.inner_text() and answer.locator("a.dq-marker").count() == 1
    assert page.locator("#dq-chat .dq-streaming").count() == 0


def test_unreachable_chat_model_is_one_header_badge(page: Any) -> None:
    page.locator("#dq-tab-settings-button").click()
    spec = page.get_by_label("Chat model for generative mode")
    spec.fill("openai-compatible:http://127.0.0.1:9/v1#nothing-listens")
    ask(page, "When did Islamists seize Idlib?")
    page.wait_for_function(
        "() => document.querySelector('#dq-llm-badge').textContent.includes('unreachable')", timeout=10_000
    )
    answer = page.locator("#dq-chat .dq-answer").last
    assert "March 28" in answer.inner_text() and "extractively" not in answer.inner_text()
    _shot(page, "badge.png")
    page.locator("#dq-tab-settings-button").click()
    page.get_by_label("Extractive", exact=True).check()
    page.wait_for_function("() => document.querySelector('#dq-llm-badge').textContent.includes('Extractive')")


def test_uncertain_answer_looks_different(page: Any) -> None:
    ask(page, UNCERTAIN_QUESTION)
    last = page.locator("#dq-chat .dq-answer").last
    assert "dq-uncertain" in (last.get_attribute("class") or "")
    assert "Uncertain" in last.inner_text()
    plain = page.locator("#dq-chat .dq-answer:not(.dq-uncertain)").first
    style = "e => [getComputedStyle(e).borderLeftWidth, getComputedStyle(e).backgroundColor]"
    plain_border, plain_bg = plain.evaluate(style)
    border, background = last.evaluate(style)
    assert plain_border == "0px" and border == "4px" and background != plain_bg
    _shot(page, "uncertain.png")


def test_an_abstention_names_no_gap_of_a_report_it_did_not_quote(page: Any) -> None:
    page.locator("#dq-tab-settings-button").click()
    page.get_by_label("Extractive", exact=True).check()
    page.wait_for_function("() => document.querySelector('#dq-llm-badge').textContent.includes('Extractive')")
    ask(page, "How many civilians were killed in Ariha in 2015?")
    last = page.locator("#dq-chat .dq-abstain").last
    assert "The reports do not say." in last.inner_text()
    assert last.locator(".dq-gaps").count() == 0  # nothing quoted: no gap (issue 25, item 9)
    _shot(page, "gaps.png")


def test_chat_bubbles_have_plain_text_aria_labels(page: Any) -> None:
    labels = page.locator("#dq-chat [aria-label*='message']").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert labels and not [label for label in labels if "<div" in label or "class=" in label]
    assert any("400 men withdrew" in label for label in labels)


def test_conversation_survives_a_reload_and_the_trash_icon_clears_it(
    page: Any, daily_app: RunningApp
) -> None:
    before = page.locator("#dq-chat .dq-answer").count()
    assert before >= 3
    _open(page, daily_app.url)
    page.locator("#dq-chat .dq-answer").nth(before - 1).wait_for()
    assert page.locator("#dq-chat .dq-answer").count() == before
    assert "Q3." in page.locator("#dq-sources").inner_text()

    page.locator("#dq-chat button[aria-label='Clear']").click()
    page.wait_for_function("() => !document.querySelector('#dq-chat .dq-answer')")
    ask(page, "And how many tanks did they have?")
    answer = page.locator("#dq-chat .dq-answer, #dq-chat .dq-abstain").last
    assert "Q1." in page.locator("#dq-sources").inner_text()
    assert "Q2." not in page.locator("#dq-sources").inner_text()
    assert "400 men" not in answer.inner_text()  # the cleared question no longer leads the search
    _open(page, daily_app.url)
    assert page.locator("#dq-chat .dq-answer, #dq-chat .dq-abstain").count() == 1


def test_scope_limits_the_answer_to_the_chosen_report(page: Any) -> None:
    page.locator("#dq-scope input").fill("harbour")
    page.get_by_role("option", name="harbour.txt").first.click()
    page.keyboard.press("Escape")
    note = page.locator("#dq-scope-note")
    page.wait_for_function("() => document.querySelector('#dq-scope-note').textContent.includes('1 of 2')")
    assert "harbour.txt" in note.inner_text()
    ask(page, "How many troops withdrew and to where?")
    answer = page.locator("#dq-chat .dq-answer").last
    assert "120 troops" in answer.inner_text()
    sources = page.locator("#dq-sources .dq-latest .dq-source-name").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    assert sources and set(sources) == {"harbour.txt"}
    _shot(page, "scope.png")
    page.locator("#dq-scope .token-remove, #dq-scope [aria-label^='Remove']").first.click()
    page.wait_for_function("() => document.querySelector('#dq-scope-note').textContent.includes('all 2')")


def test_fresh_page_shows_another_clients_ingest(browser: Any, daily_app: RunningApp, tmp_path: Path) -> None:
    report = tmp_path / "zulu-bulletin.txt"
    report.write_text(
        "Zulu sector bulletin\nIssued 3 May 2026\n\nThe bridge at Orsk reopened after repairs.\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "rag", "--index-dir", str(daily_app.index_dir), "ingest", str(report)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert run.returncode == 0 and "1 added" in run.stdout, run.stderr
    time.sleep(daily_app.qa.settings.refresh_seconds + 0.5)
    fresh = browser.new_page()
    _open(fresh, daily_app.url)
    assert "3 reports indexed" in fresh.locator("#dq-count").inner_text()
    fresh.locator("#dq-tab-reports-button").click()
    listing = fresh.locator("#dq-reports-list")
    row = listing.locator("tr", has_text="zulu-bulletin.txt")
    row.wait_for()
    assert "Zulu sector bulletin" in row.inner_text() and "3 May 2026" in row.inner_text()
    fresh.locator("#dq-report-search input, #dq-report-search textarea").fill("zulu")
    fresh.wait_for_function("() => document.querySelectorAll('#dq-reports-list tbody tr').length === 1")
    _shot(fresh, "reports-list.png")
    fresh.close()


def test_remove_asks_first_and_keeps_the_upload_until_confirmed(
    page: Any, daily_app: RunningApp, tmp_path: Path
) -> None:
    upload = tmp_path / "yankee note.txt"
    upload.write_text("Yankee note\n\nThe well at Dorva was poisoned on Sunday.\n", encoding="utf-8")
    page.locator("#dq-tab-reports-button").click()
    page.locator("#dq-upload input[type=file]").set_input_files(str(upload))
    status = page.locator("#dq-upload-status .dq-ingest-counts")
    status.wait_for(timeout=60_000)
    assert "1 added" in status.inner_text()
    copy = daily_app.index_dir / "uploads" / "yankee note.txt"
    assert copy.is_file()
    chosen = "#dq-reports-list tr.dq-chosen-row"
    assert "yankee note.txt" in page.locator(chosen).inner_text()

    harbour = daily_app.index_dir.parent / "harbour.txt"  # an unchanged upload keeps the selection
    page.locator("#dq-upload input[type=file]").set_input_files(str(harbour))
    page.wait_for_function(
        "() => document.querySelector('#dq-upload-status').textContent.includes('1 unchanged')"
    )
    assert "yankee note.txt" in page.locator(chosen).inner_text()

    # The user scrolled until "Remove…" sits at the window's bottom edge: the question must not
    # open out of sight below it.
    page.set_viewport_size({"width": 1280, "height": 420})
    remove = page.locator(f"{chosen} button.dq-act-remove")
    remove.evaluate("el => el.scrollIntoView({block: 'end'})")
    remove.click()
    confirm = page.locator("#dq-confirm-remove")
    confirm.wait_for()
    assert "Remove yankee note.txt from the index?" in page.locator(".dq-confirm-text").inner_text()
    from playwright.sync_api import expect

    expect(confirm).to_be_in_viewport(timeout=5_000)  # scrolled into view, not left below the fold
    _shot(page, "remove-confirm.png")
    assert "yankee note.txt" in daily_app.qa.sources() and copy.is_file()
    page.locator("#dq-cancel-remove").click()
    confirm.wait_for(state="hidden")
    assert "yankee note.txt" in daily_app.qa.sources() and copy.is_file()

    remove.click()
    page.locator("#dq-confirm-remove").click()
    page.get_by_text("Removed yankee note.txt.").wait_for(timeout=30_000)
    assert "yankee note.txt" not in daily_app.qa.sources() and not copy.exists()
    assert "yankee note.txt" not in page.locator("#dq-reports-list").inner_text()
    assert SEED_SOURCE in page.locator("#dq-reports-list").inner_text()


def test_cancel_indexing_stops_a_running_upload(page: Any, daily_app: RunningApp, tmp_path: Path) -> None:
    upload = tmp_path / "long log.txt"
    lines = [f"Patrol {n} crossed ridge {n % 11} at dawn with {n + 4} vehicles." for n in range(6000)]
    upload.write_text("Long patrol log\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    before = set(daily_app.qa.sources())
    page.locator("#dq-tab-reports-button").click()
    cancel = page.locator("#dq-cancel-upload")
    assert not cancel.is_visible()  # nothing to cancel yet
    page.locator("#dq-upload input[type=file]").set_input_files(str(upload))
    time.sleep(2.0)  # the ingest is embedding by now (6,000 paragraphs, 72k words, take ~10 s or more)
    cancel.click()
    status = page.locator("#dq-upload-status .dq-ingest-counts")
    status.wait_for(timeout=60_000)
    assert "cancelled" in status.inner_text() and "0 added" in status.inner_text()
    assert "ingest cancelled" in page.locator("#dq-upload-status").inner_text()
    _shot(page, "upload-cancelled.png")
    cancel.wait_for(state="hidden", timeout=10_000)
    assert set(daily_app.qa.sources()) == before
    assert not (daily_app.index_dir / "uploads" / "long log.txt").exists()
