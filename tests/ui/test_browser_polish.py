"""The polished page (issue 25) in Debian's Chromium at 1366x900 and 390x844: one upload progress
bar, example questions from the reports in scope, clickable report rows, citation jumps that
keep the chat in place, a truthful mode badge and Settings across a reload, our own footer, the
phone layout, and no WCAG 2 A/AA violation found by axe-core (``make browser`` installs it).

Screenshots go to ``eval-out/ui-shots`` (gitignored).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, SEED_SOURCE
from tests.ui.conftest import RunningApp, serve
from tests.ui.test_browser import CHROMIUM, ask, chromium, wait_until_ready

AXE = REPO / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO / "eval-out" / "ui-shots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG_TITLE = (
    "Quarterly logistics review of the northern supply corridor between the river depots and the "
    "mountain garrisons, with notes on fuel"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run `make browser`"),
]


def _long_report(path: Path) -> Path:
    """A report long enough that its Report pane scrolls far, with a quotable fact near its end."""
    lines = [
        f"Convoy {n} reached depot {n % 9} at dawn carrying {n + 3} crates of flour." for n in range(140)
    ]
    lines.append("The ferry Aurora carried 212 passengers to Hvar on the last day of the review.")
    path.write_text(f"{LONG_TITLE}\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def polish_app(seeded_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app over the seed report and one long report with a long title."""
    from rag.qa import ReportQA

    root = tmp_path_factory.mktemp("polish")
    shutil.copytree(seeded_index_dir, root / "index")
    qa = ReportQA(index_dir=root / "index")
    qa.ingest([_long_report(root / "logistics.txt")])
    with serve(qa) as app:
        yield app


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium with its own profile (local storage survives reloads)."""
    with chromium(tmp_path_factory.mktemp("chromium-polish")) as ctx:
        yield ctx


@pytest.fixture()
def page(context: Any, polish_app: RunningApp) -> Iterator[Any]:
    """A desktop-sized page on the app, opened afresh for each test."""
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    _open(page, polish_app.url)
    yield page
    page.close()


def _open(page: Any, url: str) -> None:
    page.goto(url, wait_until="load")
    wait_until_ready(page)
    page.locator("#dq-examples button.dq-example").first.wait_for(timeout=60_000)


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def _axe(page: Any) -> list[str]:
    """WCAG 2 A/AA violations axe-core finds on the page, as 'rule: element' lines."""
    assert AXE.is_file(), "axe-core is missing: run `make browser`"
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))"
        ".violations.flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ')))"
    )


def _select(page: Any, text: str) -> Any:
    """Click a report's title in the Reports tab; its row, now selected."""
    page.locator("#dq-tab-reports-button").click()
    row = page.locator("#dq-reports-list tr", has_text=text)
    row.locator("button.dq-pick").click()
    selected = page.locator("#dq-reports-list tr.dq-chosen-row", has_text=text)
    selected.locator(".dq-row-actions").wait_for()
    return selected


def test_examples_come_from_the_reports_in_scope_and_ask_on_click(page: Any) -> None:
    """Item 2: clicking an example asks it; with one report in scope, every example is about it."""
    examples = page.locator("#dq-examples button.dq-example")
    texts = examples.all_inner_texts()
    assert texts and not any("troops withdrew" in t for t in texts)  # not the fixed seed questions
    page.locator("#dq-scope input").fill("logistics")
    page.get_by_role("option", name="logistics.txt").first.click()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "t => !document.querySelector('#dq-examples').innerText.includes(t)", arg=texts[0], timeout=30_000
    )
    scoped = examples.all_inner_texts()
    assert scoped and not any(w in " ".join(scoped) for w in ("Syria", "Idlib", "Ariha", "Assad"))
    mention = next(q for q in scoped if q.startswith("Which reports mention"))
    examples.filter(has_text=mention).click()
    page.wait_for_function(
        "() => document.querySelectorAll('#dq-chat .dq-answer').length > 0", timeout=60_000
    )
    answer = page.locator("#dq-chat .dq-answer").last.inner_text()
    assert "logistics.txt" in answer and page.locator("#dq-chat .dq-abstain").count() == 0
    _shot(page, "desktop-examples.png")


def test_report_rows_select_on_click_with_compact_actions(page: Any) -> None:
    """Item 3: a row's title selects it; View/Brief/Remove are small buttons on that row only; a long
    title ends in an ellipsis at a word; the list filters as you type; 'Searching all 2 reports'."""
    page.wait_for_function(
        "() => document.querySelector('#dq-scope-note').innerText.trim() === 'Searching all 2 reports.'"
    )
    row = _select(page, "logistics.txt")
    title = row.locator(".dq-report-title").inner_text()
    assert title.endswith("…") and LONG_TITLE.startswith(title[:-1].rstrip()) and len(title) < len(LONG_TITLE)
    assert LONG_TITLE[len(title[:-1].rstrip())] == " "  # cut between words, never inside one
    buttons = row.locator(".dq-row-actions button")
    assert buttons.all_inner_texts() == ["View", "Brief", "Remove…"]
    assert page.locator("#dq-reports-list .dq-row-actions").count() == 1
    heights = buttons.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert max(heights) < 32  # compact, not a tile
    page.locator("#dq-report-search input, #dq-report-search textarea").press_sequentially("assad", delay=40)
    page.wait_for_function("() => document.querySelectorAll('#dq-reports-list tbody tr').length === 1")
    assert SEED_SOURCE in page.locator("#dq-reports-list tbody").inner_text()
    _shot(page, "desktop-reports.png")
    page.locator("#dq-report-search input, #dq-report-search textarea").fill("")
    row = _select(page, SEED_SOURCE)
    row.locator("button.dq-act-brief").click()
    page.locator("#dq-report #dq-brief").wait_for()
    assert page.locator("#dq-tab-report-button").get_attribute("aria-selected") == "true"


def test_view_in_report_scrolls_the_report_pane_not_the_page(page: Any) -> None:
    """Item 4: on a long report, 'view in report' leaves the page (and the chat) where it was."""
    ask(page, "How many passengers did the ferry Aurora carry to Hvar?")
    page.locator("#dq-sources .dq-latest a.dq-view").first.wait_for()
    before = page.evaluate("() => window.scrollY")
    page.locator("#dq-sources .dq-latest a.dq-view").first.click()
    quote = page.locator("#dq-report mark.dq-quote").first  # near the end of the long report
    quote.wait_for()
    page.wait_for_function("() => document.getElementById('dq-report').scrollTop > 300", timeout=10_000)
    time.sleep(0.8)  # the smooth scroll ends
    assert page.evaluate("() => window.scrollY") == before
    from playwright.sync_api import expect

    expect(page.locator("#dq-question textarea")).to_be_in_viewport()
    expect(quote).to_be_in_viewport()
    _shot(page, "desktop-view-in-report.png")


def test_upload_shows_one_progress_bar_and_nothing_over_the_page(
    page: Any, polish_app: RunningApp, tmp_path: Path
) -> None:
    """Item 1: one bar in the Reports tab with the file name and stage; no Gradio progress text
    stamped over other components; the page stays usable; the copy goes with Remove."""
    lines = [f"Patrol {n} crossed ridge {n % 11} at dawn with {n + 4} vehicles." for n in range(1500)]
    upload = tmp_path / "patrol log.txt"
    upload.write_text("Patrol log\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    page.locator("#dq-tab-reports-button").click()
    page.locator("#dq-upload input[type=file]").set_input_files(str(upload))
    bar = page.locator("#dq-upload-progress .dq-progress")
    bar.wait_for(timeout=30_000)
    stages = set()
    overlays = 0
    while page.locator("#dq-upload-status .dq-ingest-counts").count() == 0:
        for text in bar.all_inner_texts():  # no wait: the bar may go between a check and a read
            assert "patrol log.txt" in text
            stages |= {s for s in ("reading", "embedding", "saving") if s in text}
            if len(stages) == 1 and "embedding" in stages:
                _shot(page, "desktop-upload-progress.png")
        overlays = max(overlays, page.locator(".progress-text, .eta-bar, .meta-text").count())
        assert page.locator("#dq-question textarea").is_enabled()
        time.sleep(0.2)
    assert "embedding" in stages and overlays == 0
    assert "1 added" in page.locator("#dq-upload-status").inner_text()
    assert page.locator("#dq-upload-progress .dq-progress").count() == 0  # gone once done
    copy = polish_app.index_dir / "uploads" / "patrol log.txt"
    assert copy.is_file()
    _select(page, "patrol log.txt").locator("button.dq-act-remove").click()
    # The entity pass (spaCy, in the app's process) reads the 1,500-paragraph upload meanwhile: on
    # two busy cores the confirmation can take longer than Playwright's default 30 s.
    page.locator("#dq-confirm-remove").click(timeout=90_000)
    page.get_by_text("Removed patrol log.txt.").wait_for(timeout=30_000)
    assert not copy.exists()


def test_badge_and_settings_survive_a_reload(page: Any, polish_app: RunningApp) -> None:
    """Item 5: Generative without a chat model says it answers extractively; Settings persist."""
    badge = page.locator("#dq-llm-badge")
    assert badge.inner_text() == "Extractive answers"
    page.locator("#dq-tab-settings-button").click()
    page.get_by_label("Generative (LLM)").check()
    page.wait_for_function(
        "() => document.querySelector('#dq-llm-badge').textContent.includes('no chat model set')"
    )
    assert badge.inner_text() == "Generative: no chat model set, answering extractively"
    page.locator("#dq-top-k input[type=number]").fill("7")
    page.locator("#dq-top-k input[type=number]").press("Enter")
    time.sleep(1.0)
    _open(page, polish_app.url)
    page.wait_for_function("() => document.querySelector('#dq-llm-badge').textContent.includes('no chat')")
    page.locator("#dq-tab-settings-button").click()
    assert page.get_by_label("Generative (LLM)").is_checked()
    assert page.locator("#dq-top-k input[type=number]").input_value() == "7"
    page.get_by_label("Extractive", exact=True).check()
    page.wait_for_function("() => document.querySelector('#dq-llm-badge').textContent.includes('Extractive')")


def test_chrome_footer_and_new_conversation(page: Any) -> None:
    """Item 6: no Gradio footer (its Settings, API, 'Built with'), our footer with the version,
    and New conversation a normal button beside Ask."""
    from rag.ui.app import product_version

    assert page.locator("footer:not(.dq-footer)").filter(has_text="Settings").count() == 0
    assert page.get_by_text("Built with Gradio").count() == 0
    footer = page.locator("#dq-footer").inner_text()
    assert product_version() and f"Dispatch QA {product_version()}" in footer
    clear, box = page.locator("#dq-clear").bounding_box(), page.locator("#dq-ask").bounding_box()
    assert clear["width"] < 260 and clear["height"] < 80 and abs(clear["y"] - box["y"]) < 10


def test_phone_layout_opens_at_the_input_with_the_placeholder_whole(
    context: Any, polish_app: RunningApp
) -> None:
    """Item 6: at 390x844 the question box is on screen at once and its placeholder fits."""
    page = context.new_page()
    page.set_viewport_size(PHONE)
    _open(page, polish_app.url)
    from playwright.sync_api import expect

    box = page.locator("#dq-question textarea")
    expect(box).to_be_in_viewport()
    fits = box.evaluate(
        "el => { const s = getComputedStyle(el); const c = document.createElement('canvas').getContext('2d');"
        " c.font = s.fontSize + ' ' + s.fontFamily;"
        " const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);"
        " return c.measureText(el.placeholder).width <= room; }"
    )
    assert fits
    _shot(page, "phone-open.png")
    ask(page, "How many troops withdrew and to where?")
    _shot(page, "phone-answer.png")
    page.close()


def test_no_wcag_violations_and_everything_reachable_by_keyboard(page: Any) -> None:
    """Item 10: axe-core finds no WCAG 2 A/AA violation on the chat with an answer and the Sources,
    Report and Reports tabs; Tab reaches the question box, examples and the report rows, with a
    visible focus ring."""
    ask(page, "How many troops withdrew and to where?")
    found = {"chat + Sources": _axe(page)}
    page.locator("#dq-sources .dq-latest a.dq-view").first.click()
    page.locator("#dq-report mark.dq-quote").first.wait_for()
    found["Report"] = _axe(page)
    _select(page, SEED_SOURCE)
    found["Reports"] = _axe(page)
    _shot(page, "desktop-a11y-reports.png")
    assert {tab: v for tab, v in found.items() if v} == {}

    reached = []
    page.locator("#dq-question textarea").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement; const s = getComputedStyle(e);"
                " return [e.className || e.id || e.tagName,"
                " s.outlineStyle !== 'none' || s.boxShadow !== 'none'] }"
            )
        )
    names = " ".join(str(name) for name, _ in reached)
    assert "dq-example" in names and "dq-pick" in names and "dq-act" in names
    assert all(ring for name, ring in reached if "dq-" in str(name))  # focus visible on our buttons


@contextlib.contextmanager
def _own_app_page(context: Any, seeded_index_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """A page on an app of its own over a copy of the seed index (built after any monkeypatch)."""
    from rag.qa import ReportQA

    shutil.copytree(seeded_index_dir, tmp_path / "index")
    with serve(ReportQA(index_dir=tmp_path / "index")) as app:
        page = context.new_page()
        page.set_viewport_size(DESKTOP)
        page.goto(app.url, wait_until="load")
        yield page
        page.close()


def test_a_question_asked_while_the_page_loads_stays_in_the_chat(
    context: Any, seeded_index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page's load puts the stored conversation in the chat; on a cold server it can take
    # seconds, and a question answered before it ended was wiped out. The box waits for it now.
    from rag.ui import app as ui

    loaded = ui.ChatHandlers.load

    def slow_load(self: Any, *args: Any) -> tuple[Any, ...]:
        time.sleep(1.5)
        return loaded(self, *args)

    monkeypatch.setattr(ui.ChatHandlers, "load", slow_load)
    with _own_app_page(context, seeded_index_dir, tmp_path) as page:
        ask(page, "How many troops withdrew and to where?")  # typing waits for the box to come on
        page.wait_for_timeout(2000)
        assert page.locator("#dq-chat .dq-answer").count() == 1
        assert "400 men withdrew" in page.locator("#dq-chat .dq-answer").first.inner_text()
        page.reload(wait_until="load")  # once on, the box holds the cursor (autofocus came too early)
        page.wait_for_function("() => document.querySelector('#dq-question textarea')?.disabled === false")
        page.wait_for_function("() => document.activeElement?.closest('#dq-question') != null")


def test_the_question_box_comes_on_even_when_the_page_load_fails(
    context: Any, seeded_index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The box is off until the load ends; a load that fails must not leave it off for good.
    from rag.ui import app as ui

    def failing_preferences(*args: Any) -> tuple[str, str, float]:
        raise RuntimeError("the stored Settings could not be read")

    monkeypatch.setattr(ui.ChatHandlers, "preferences", failing_preferences)
    with _own_app_page(context, seeded_index_dir, tmp_path) as page:
        ask(page, "How many troops withdrew and to where?")
        assert "400 men withdrew" in page.locator("#dq-chat .dq-answer").last.inner_text()
