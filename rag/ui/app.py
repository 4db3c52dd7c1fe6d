"""The chat page: ``build_app(qa)`` lays out a Gradio ``Blocks`` over a ``ReportQA``.

The page holds no retrieval or answering logic; every handler calls ``ReportQA`` (through
``UISession``) and draws the result with ``rag.ui.render``. Handlers never raise: errors
become readable messages. Each page load reads the current reports; the conversation is kept
in the browser (``BrowserState``) and survives a reload. API endpoints (for
``gradio_client``): ``ask`` (question, history, top_k, sources), ``reports``, ``remove``, and
``upload`` (the upload box).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag.index.store import IndexBusyError
from rag.types import Answer
from rag.ui import render
from rag.ui.assets import CSS, HEAD
from rag.ui.brief import brief_view
from rag.ui.session import EXTRACTIVE, GENERATIVE, MODES, UISession

log = logging.getLogger(__name__)

#: How many example questions (about the reports in scope) the chat offers.
EXAMPLE_COUNT = 3

#: File types the upload box accepts.
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".pdf", ".docx"]

#: What the question box says while empty (short enough for a phone's width).
QUESTION_PLACEHOLDER = "Ask about the reports…"
#: The question box while the page loads (it is off until the stored conversation is back).
LOADING_PLACEHOLDER = "Loading the reports…"

#: How many components the page's load fills (``ChatHandlers.load``).
LOAD_OUTPUTS = 14

#: What the empty chat shows.
PLACEHOLDER = "<b>Ask a question about the reports.</b><br>Answers quote the reports and cite them."

_SEP = "\u00a0·\u00a0"


#: The page's fonts, served from Gradio's own files (no font download). Regular and Bold only:
#: Gradio's SemiBold files hold some 55 characters, so semibold text mixed in fallback glyphs.
FONT_WEIGHTS = (400, 700)


def theme() -> gr.themes.Base:
    """Gradio's default theme in indigo and slate, with complete local fonts (``FONT_WEIGHTS``) and
    secondary text dark enough to read (WCAG AA)."""
    return gr.themes.Default(
        primary_hue="indigo",
        neutral_hue="slate",
        radius_size="md",
        font=[gr.themes.GoogleFont("Source Sans Pro", FONT_WEIGHTS), "ui-sans-serif", "sans-serif"],
        font_mono=[gr.themes.GoogleFont("IBM Plex Mono", FONT_WEIGHTS), "ui-monospace", "monospace"],
    ).set(  # WCAG AA contrast (4.5:1) for secondary text and placeholders, light and dark
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_400",
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_400",
        color_accent="*primary_600",
        button_primary_background_fill="*primary_600",
        button_primary_background_fill_hover="*primary_700",
    )


def launch_options(max_file_mb: float | None = None, login_delay: float = 1.0) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch`` that style the page (Gradio 6 takes them there),
    refuse an uploaded file over ``max_file_mb`` (the ingest's own limit) before storing it, and
    slow repeated failed logins (``LoginThrottle``: ``login_delay`` s after 5, doubling)."""
    from starlette.middleware import Middleware

    from rag.ui.throttle import LoginThrottle

    options: dict[str, Any] = {
        "css": CSS,
        "head": HEAD,
        "theme": theme(),
        "footer_links": [],  # our own footer (``footer``); Settings is a tab of the page
        "app_kwargs": {"middleware": [Middleware(LoginThrottle, base_seconds=login_delay)]},
    }
    if max_file_mb is not None:
        options["max_file_size"] = int(max_file_mb * 1_000_000)
    return options


def _header(count: int) -> str:
    plural = "s" if count != 1 else ""
    return (
        '<div id="dq-header"><h1>Dispatch QA</h1>'
        '<span class="dq-tagline">Ask about your reports. Every answer quotes its source.</span>'
        f'<span class="dq-pill" id="dq-count">{count} report{plural} indexed{_SEP}offline</span></div>'
    )


def _badge(mode: str, spec: str, problem: str = "") -> str:
    """The one header badge that says how answers are made (and if the chat model is down)."""
    if mode != GENERATIVE:
        return '<span class="dq-pill dq-mode" id="dq-llm-badge">Extractive answers</span>'
    if not (spec or "").strip():
        return (
            '<span class="dq-pill dq-mode dq-down" id="dq-llm-badge" title="Set a chat model in Settings">'
            "Generative: no chat model set, answering extractively</span>"
        )
    if problem:
        return (
            f'<span class="dq-pill dq-mode dq-down" id="dq-llm-badge" title="{render.esc(problem)}">'
            f"⚠ Chat model unreachable{_SEP}answering extractively</span>"
        )
    name = render.esc(spec or "chat model")
    return f'<span class="dq-pill dq-mode" id="dq-llm-badge">Generative{_SEP}{name}</span>'


def _readable(err: BaseException) -> str:
    text = str(err.args[0] if isinstance(err, KeyError) and err.args else err).strip()
    text = text or type(err).__name__
    return text[0].upper() + text[1:]


def _llm_problem(note: str) -> str:
    """The note of an answer whose chat model could not be used ('' for any other note)."""
    return note if note.endswith("answering extractively") else ""


def _scope_note(chosen: list[str], total: int) -> str:
    if not chosen:
        if total == 1:
            return '<div class="dq-scope-note">Searching the 1 report.</div>'
        return f'<div class="dq-scope-note">Searching all {total} reports.</div>'
    names = ", ".join(render.esc(s) for s in chosen[:3]) + (" …" if len(chosen) > 3 else "")
    return f'<div class="dq-scope-note dq-scoped">Searching {len(chosen)} of {total} reports: {names}</div>'


def _stored(chat: list[Any], answers: list[Any]) -> dict[str, Any]:
    """What the browser keeps of a conversation (the last ``KEEP_TURNS`` turns)."""
    return {"chat": chat, "answers": [a.model_dump(mode="json") for a in answers[-KEEP_TURNS:]]}


#: Turns of a conversation kept in the browser across reloads.
KEEP_TURNS = 30


class ChatHandlers:
    """The page's event handlers, bound to one ``UISession``."""

    def __init__(self, session: UISession) -> None:
        self.session = session
        self._cancel = threading.Event()  # the running upload's; a new one per upload

    def respond(
        self,
        question: str,
        chat: list[Any],
        answers: list[Any],
        top_k: float,
        mode: str,
        spec: str,
        scope: list[str] | None,
    ) -> Iterator[tuple[Any, ...]]:
        """Answer a question: chat (streamed in generative mode), answers, panels, badge, storage."""
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question about the reports first.")
            yield gr.skip(), chat, answers, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        pending = [*chat, {"role": "user", "content": render.esc(question)}]
        skip5 = (gr.skip(),) * 5

        def show(message: dict[str, Any] | str) -> tuple[Any, ...]:
            reply = message if isinstance(message, dict) else {"role": "assistant", "content": message}
            return ("", [*pending, reply], answers, *skip5)

        yield show('<div class="dq-note">Searching the reports…</div>')
        history = [a.question for a in answers]
        streamed = ""
        try:
            for piece in self.session.stream(question, history, int(top_k), mode, spec, scope or None):
                if isinstance(piece, str):
                    streamed += piece
                    yield show(render.streaming_message(streamed))
                else:
                    answer = piece
        except ValueError as err:
            yield show(render.message_error(_readable(err)))
            return
        except Exception as err:
            log.exception("answering %r failed", question)
            yield show(render.message_error(f"Something went wrong while answering ({_readable(err)})."))
            return
        yield self._answered(answer, pending, answers, mode, spec)

    def _answered(
        self, answer: Answer, pending: list[Any], answers: list[Any], mode: str, spec: str
    ) -> tuple[Any, ...]:
        """The outputs of ``respond`` once ``answer`` is in: chat, answers, panels, badge, storage."""
        problem = _llm_problem(answer.note)
        answers = [*answers, answer]
        turn = len(answers) - 1
        reply = {
            "role": "assistant",
            "content": render.answer_message(answer, turn, "" if problem else answer.note),
        }
        sources = render.sources_panel(answers, self.session.document_text, self.session.title)
        report = (
            render.cited_reports_view(answer, turn, self.session.document_text)
            if answer.citations
            else gr.skip()
        )
        chat = [*pending, reply]
        badge = _badge(mode, spec or self.session.default_spec, problem)
        return "", chat, answers, sources, report, gr.Tabs(selected="sources"), badge, _stored(chat, answers)

    def clear(self) -> tuple[Any, ...]:
        """A new conversation: empty chat, history, panels and stored copy."""
        return (
            [],
            [],
            render.sources_panel([], self.session.document_text),
            render.cited_reports_view(None, None, self.session.document_text),
            {},
        )

    def load(
        self, stored: dict[str, Any] | None, query: str, prefs: dict[str, Any] | None
    ) -> tuple[Any, ...]:
        """A page (re)opened: the current reports, the stored conversation and Settings, examples
        (then ``_ready`` turns the question box on, see ``_chat_column``). If that fails, the
        page keeps what it shows and is logged: a question can still be asked."""
        try:
            return self._load(stored, query, prefs)
        except Exception:
            log.exception("the page's load failed")
            return tuple(gr.skip() for _ in range(LOAD_OUTPUTS))

    def _load(
        self, stored: dict[str, Any] | None, query: str, prefs: dict[str, Any] | None
    ) -> tuple[Any, ...]:
        stored = stored or {}
        try:
            answers = [Answer.model_validate(a) for a in stored.get("answers", [])]
            chat = list(stored.get("chat", []))
        except Exception:  # stored by another version of the page: start afresh
            answers, chat = [], []
        last = len(answers) - 1
        report = (
            render.cited_reports_view(answers[-1], last, self.session.document_text)
            if answers and answers[-1].citations
            else gr.skip()
        )
        panel = render.sources_panel(answers, self.session.document_text, self.session.title)
        mode, spec, top_k = self.preferences(prefs)
        settings = (mode, spec, top_k, _badge(mode, spec or self.session.default_spec))
        return (*self._reports_outputs(query, None, []), chat, answers, panel, report, *settings)

    def preferences(self, prefs: dict[str, Any] | None) -> tuple[str, str, float]:
        """Answer mode, chat model spec and passages from the browser's stored Settings (when valid),
        else the page's defaults."""
        prefs = prefs or {}
        spec = self.session.default_spec
        mode = GENERATIVE if spec else EXTRACTIVE
        top_k = float(min(30, self.session.qa.settings.top_k))
        if prefs.get("mode") in MODES:
            mode = prefs["mode"]
        if isinstance(prefs.get("spec"), str):
            spec = prefs["spec"]
        with contextlib.suppress(TypeError, ValueError):
            top_k = float(min(30, max(1, int(prefs.get("top_k", top_k)))))
        return mode, spec, top_k

    def save_settings(self, mode: str, spec: str, top_k: float) -> tuple[Any, ...]:
        """Settings changed: the badge that says how answers are made, and the stored Settings."""
        badge = _badge(mode, (spec or "").strip() or self.session.default_spec)
        return badge, {"mode": mode, "spec": spec or "", "top_k": top_k}

    def search(self, query: str | None, chosen: str | None) -> str:
        """The reports list narrowed to those matching ``query`` (as the user types)."""
        return render.reports_list(self.session.reports(), query or "", chosen)

    def examples(self, scope: list[str] | None) -> str:
        """Example questions about the reports in scope (all when none is chosen), as buttons."""
        try:
            questions = self.session.qa.example_questions(list(scope) if scope else None, EXAMPLE_COUNT)
        except Exception:  # examples are a convenience: never an error on the page
            log.exception("example questions failed")
            questions = []
        return render.example_chips(questions)

    def upload(
        self,
        files: list[Any] | None,
        query: str | None = None,
        chosen: str | None = None,
        scope: list[str] | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Ingest uploaded files: one progress bar (file, stage, share), then what was added,
        updated, skipped and why. Outputs: status, the reports outputs, files, progress."""
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])]
        if not paths:
            yield (gr.skip(),) * 7 + (None, "")
            return
        events: queue.Queue[tuple[float, int, str]] = queue.Queue()
        outcome: dict[str, Any] = {}
        self._cancel = cancel = threading.Event()

        def work() -> None:
            try:
                outcome["done"] = self.session.ingest_uploads(paths, lambda *a: events.put(a), cancel)
            except BaseException as err:  # reported below, in the page
                outcome["error"] = err

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        skip = (gr.skip(),) * 8
        shown = render.upload_progress(0, len(paths), Path(paths[0]).name)
        yield (*skip, shown)
        while worker.is_alive() or not events.empty():
            latest = None
            with contextlib.suppress(queue.Empty):
                latest = events.get(timeout=0.25)
                while not events.empty():
                    latest = events.get_nowait()
            if latest is not None and latest[2]:
                yield (*skip, render.upload_progress(*latest))
        worker.join()
        discard_temporary(paths)  # indexed (copied into uploads/) or refused: not needed
        if isinstance(outcome.get("error"), IndexBusyError):
            status = render.error_message(
                "Another process is adding reports to this index right now; upload again when it "
                "has finished.",
                heading="Not indexed: the index is busy.",
            )
        elif "error" in outcome:
            log.error("ingesting uploads failed", exc_info=outcome["error"])
            status = render.error_message(
                _readable(outcome["error"]), heading="The upload could not be indexed."
            )
        else:
            report, names = outcome["done"]
            status = render.ingest_summary(report, names)
            chosen = next(iter(report.added + report.updated), chosen)  # unchanged: keep the choice
        yield (status, *self._reports_outputs(query, chosen, scope), None, "")

    def cancel_upload(self) -> None:
        """Stop the running upload's ingest at its next embedding batch (files done stay)."""
        self._cancel.set()

    def pick(
        self, query: str | None, chosen: str | None, answers: list[Any], evt: gr.EventData
    ) -> tuple[Any, ...]:
        """A click in the reports list: a title selects its report; View, Brief and Remove… act on
        the selected one. Outputs: list, choice, Report pane, tabs, confirmation, its text, pending."""
        data = getattr(evt, "_data", None) or {}
        source, action = str(data.get("source") or ""), str(data.get("action") or "select")
        if not source:  # a click beside the buttons
            return (gr.skip(),) * 7
        names = set(self.session.sources())
        keep = (gr.skip(),) * 4
        if source not in names:
            gr.Warning(f"{source or 'That report'} is no longer indexed.")
            return (self.search(query, None), None, *keep, None)
        if action == "view":
            return (gr.skip(), source, *self.view(source, answers), gr.skip(), gr.skip(), gr.skip())
        if action == "brief":
            return (gr.skip(), source, *self.brief(source), gr.skip(), gr.skip(), gr.skip())
        if action == "remove":
            return (gr.skip(), source, gr.skip(), gr.skip(), *self.ask_remove(source))
        return (self.search(query, source), source, gr.skip(), gr.skip(), gr.Group(visible=False), "", None)

    def ask_remove(self, source: str | None) -> tuple[Any, ...]:
        """Ask to confirm removing ``source``: nothing is removed before the user confirms."""
        if not source:
            gr.Warning("Choose a report to remove first.")
            return gr.skip(), gr.skip(), None
        text = (
            f'<div class="dq-confirm-text">Remove <b>{render.esc(source)}</b> from the index? '
            "Its passages and its uploaded copy are deleted; answers can no longer cite it.</div>"
        )
        return gr.Group(visible=True), text, source

    def cancel_remove(self) -> tuple[Any, ...]:
        """Close the confirmation without removing anything."""
        return gr.Group(visible=False), None

    def remove(self, source: str | None, query: str, scope: list[str] | None) -> tuple[Any, ...]:
        """Remove the report the user confirmed (not whatever is chosen now)."""
        hide = gr.Group(visible=False)
        if not source:
            return (gr.skip(),) * 7 + (hide, None)
        try:
            removed = self.session.remove(source)
        except Exception as err:
            log.exception("removing %r failed", source)
            status = render.error_message(_readable(err), heading=f"Could not remove {source}.")
            return (status, *(gr.skip(),) * 6, hide, None)
        message = f"Removed {source}." if removed else f"{source} was not in the index."
        status = f'<div class="dq-ingest">{render.esc(message)}</div>'
        return (status, *self._reports_outputs(query, None, scope), hide, None)

    def view(self, source: str | None, answers: list[Any]) -> tuple[Any, ...]:
        """Show a whole report in the Report tab, with the latest answer's quotes highlighted."""
        if not source:
            gr.Warning("Choose a report to view first.")
            return gr.skip(), gr.skip()
        turn = len(answers) - 1 if answers else None
        last = answers[-1] if answers else None
        html = render.cited_reports_view(last, turn, self.session.document_text, chosen=source)
        return html, gr.Tabs(selected="report")

    def brief(self, source: str | None) -> tuple[Any, ...]:
        """Show a report's brief in the Report tab, above the report with its sentences highlighted."""
        if not source:
            gr.Warning("Choose a report to brief first.")
            return gr.skip(), gr.skip()
        try:
            html = brief_view(self.session.qa.brief(source), self.session.document_text(source))
        except (ValueError, KeyError) as err:
            html = render.error_message(_readable(err), heading=f"Could not brief {source}.")
        return html, gr.Tabs(selected="report")

    def rescope(self, scope: list[str] | None) -> tuple[str, str]:
        """The line above the chat that says which reports are searched, and examples about them."""
        return _scope_note(list(scope or []), len(self.session.sources())), self.examples(scope)

    def _reports_outputs(
        self, query: str | None, chosen: str | None, scope: list[str] | None
    ) -> tuple[Any, ...]:
        """Reports list, the chosen report, header count, scope picker and its line, examples."""
        reports = self.session.reports()
        names = [r.source for r in reports]
        chosen = chosen if chosen in names else None
        kept = [s for s in (scope or []) if s in names]
        return (
            self.search(query, chosen),
            chosen,
            _header(len(reports)),
            gr.Dropdown(choices=_choices(reports), value=kept),
            _scope_note(kept, len(reports)),
            self.examples(kept),
        )

    # API -----------------------------------------------------------------------------------

    def api_ask(
        self,
        question: str,
        history: list[str] | None = None,
        top_k: int | None = None,
        sources: list[str] | None = None,
    ) -> dict[str, Any]:
        """Answer a question (within ``sources``, if given); the ``Answer`` as JSON, or ``{"error": ...}``."""
        try:
            answer = self.session.ask(question, history or [], top_k, EXTRACTIVE, "", sources)
        except ValueError as err:
            return {"error": _readable(err)}
        except Exception as err:
            log.exception("api ask failed")
            return {"error": f"Something went wrong while answering ({_readable(err)})."}
        return answer.model_dump(mode="json")

    def api_reports(self) -> list[str]:
        """Names of the indexed reports."""
        return self.session.sources()

    def api_remove(self, source: str) -> dict[str, Any]:
        """Remove a report; ``{"removed": bool}``."""
        try:
            return {"removed": self.session.remove(source)}
        except Exception as err:
            return {"removed": False, "error": _readable(err)}


def discard_temporary(paths: list[str]) -> None:
    """Delete Gradio's temporary copies of uploaded files, and the folders they leave empty.

    Only files inside Gradio's upload folder are touched (never a link, never the folder itself).
    """
    from gradio.utils import get_upload_folder

    root = Path(get_upload_folder()).resolve()
    for name in paths:
        path = Path(name)
        if path.is_symlink() or root not in path.resolve().parents:
            continue
        path.unlink(missing_ok=True)
        if path.resolve().parent != root:
            with contextlib.suppress(OSError):  # not empty: another upload's files are in it
                path.parent.rmdir()


def _choices(reports: list[Any]) -> list[tuple[str, str]]:
    """Scope picker entries: "name · title" (what typing matches), the name as value."""
    return [
        (f"{r.source}{_SEP}{render.shorten(r.title, 70)}" if r.title else r.source, r.source) for r in reports
    ]


def product_version() -> str:
    """The installed version of Dispatch QA ('' when it cannot be read)."""
    import rag

    found = getattr(rag, "__version__", None)
    if not found:
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            found = version("dispatch-qa")
    return str(found or "")


def footer() -> str:
    """The page's own footer: product, version, and that nothing leaves this machine."""
    version = product_version()
    name = f"Dispatch QA {render.esc(version)}" if version else "Dispatch QA"
    return (
        f'<footer class="dq-footer" id="dq-footer">{name}{_SEP}offline: the reports and questions '
        f"stay on this machine{_SEP}answers quote their sources</footer>"
    )


#: The reports list's clicks become one "click" event with the report and the action.
_LIST_CLICKS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  trigger('click', {source: button.dataset.source, action: button.dataset.action});
});
"""

#: An example question's click becomes one "click" event carrying the question.
_EXAMPLE_CLICKS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-question]');
  if (button) trigger('click', {question: button.dataset.question});
});
"""


def example_question(evt: gr.EventData) -> str:
    """The example question a click in the examples line carried (into the question box)."""
    return str((getattr(evt, "_data", None) or {}).get("question") or "")


def build_app(qa: Any, upload_dir: str | None = None) -> gr.Blocks:
    """The chat page over ``qa`` (a ``ReportQA``); launch it with ``launch_options()``.

    Every page load reads the current reports (another client's changes included), the
    conversation and the Settings kept in the browser.
    """
    session = UISession(qa, upload_dir)
    handlers = ChatHandlers(session)
    with gr.Blocks(title="Dispatch QA", fill_width=True) as demo:
        with gr.Row(equal_height=True, elem_id="dq-top"):
            header = gr.HTML(_header(0), elem_id="dq-header-box")
            badge = gr.HTML(_badge(GENERATIVE if session.default_spec else EXTRACTIVE, session.default_spec))
        answers = gr.State([])
        stored = gr.BrowserState({}, storage_key="dispatch-qa-chat")
        prefs = gr.BrowserState({}, storage_key="dispatch-qa-settings")
        with gr.Row(equal_height=False, elem_id="dq-main"):
            with gr.Column(scale=3, min_width=320, elem_id="dq-chat-col"):
                main = _chat_column()
            with (
                gr.Column(scale=2, min_width=320, elem_id="dq-side-col"),
                gr.Tabs(selected="sources") as tabs,
            ):
                main["tabs"] = tabs
                with gr.Tab("Sources", id="sources", elem_id="dq-tab-sources"):
                    main["panel"] = gr.HTML(
                        render.sources_panel([], session.document_text), elem_id="dq-sources"
                    )
                with gr.Tab("Report", id="report", elem_id="dq-tab-report"):
                    main["report"] = gr.HTML(
                        render.cited_reports_view(None, None, session.document_text), elem_id="dq-report"
                    )
                with gr.Tab("Reports", id="reports", elem_id="dq-tab-reports"):
                    side = _reports_tab()
                with gr.Tab("Settings", id="settings", elem_id="dq-tab-settings"):
                    side.update(_settings_tab(qa, session.default_spec))
        gr.HTML(footer(), elem_id="dq-footer-box")
        side.update(header=header, badge=badge, stored=stored, answers=answers, prefs=prefs)
        _wire(demo, handlers, side, main)
    return demo


def _chat_column() -> dict[str, Any]:
    """The reports to search, the chat, the question box with Ask and New conversation, and
    example questions about the reports in scope."""
    scope = gr.Dropdown(
        choices=[],
        value=[],
        multiselect=True,
        label="Search in (type to find reports; empty = all reports)",
        elem_id="dq-scope",
    )
    scope_note = gr.HTML("", elem_id="dq-scope-note")
    chat = gr.Chatbot(
        height=540,
        show_label=False,
        elem_id="dq-chat",
        placeholder=PLACEHOLDER,
        feedback_options=None,
        buttons=["copy"],
    )
    with gr.Row(equal_height=True, elem_id="dq-ask-row"):
        # Off until the page has loaded (``ChatHandlers.load``): the load puts the stored
        # conversation in the chat, and a question answered before it would be wiped out.
        box = gr.Textbox(
            placeholder=LOADING_PLACEHOLDER,
            show_label=False,
            scale=6,
            lines=1,
            max_lines=4,
            min_width=160,
            elem_id="dq-question",
            interactive=False,
        )
        ask = gr.Button("Ask", variant="primary", scale=0, min_width=72, elem_id="dq-ask", interactive=False)
        clear = gr.Button("New conversation", variant="secondary", scale=0, min_width=170, elem_id="dq-clear")
    examples = gr.HTML("", elem_id="dq-examples", js_on_load=_EXAMPLE_CLICKS)
    return {
        "chat": chat,
        "box": box,
        "ask": ask,
        "clear": clear,
        "scope": scope,
        "scope_note": scope_note,
        "examples": examples,
    }


def _ready() -> tuple[Any, Any]:
    """The question box and the Ask button on, once the page's load has ended (even if it failed:
    ``then`` runs either way)."""
    return gr.update(interactive=True, placeholder=QUESTION_PLACEHOLDER), gr.update(interactive=True)


#: Once the page has loaded and the question box is on, put the cursor in it.
_FOCUS_QUESTION = (
    "() => { const box = document.querySelector('#dq-question textarea'); if (box) box.focus(); }"
)

#: After "Remove…", bring the confirmation into view (a long report list can push it below the fold).
_SCROLL_TO_CONFIRM = (
    "() => setTimeout(() => { const box = document.getElementById('dq-confirm');"
    " if (box && box.offsetParent) box.scrollIntoView({behavior: 'smooth', block: 'nearest'}); }, 50)"
)


def _shown() -> Any:
    """Show a component (the Cancel button while an upload is indexed)."""
    return gr.update(visible=True)


def _hidden() -> Any:
    """Hide a component again."""
    return gr.update(visible=False)


def _reports_tab() -> dict[str, Any]:
    """Upload reports (one progress bar), find them in the list as you type, select one by its
    title and view, brief or remove it (after confirming) with the buttons on its row."""
    gr.HTML('<div class="dq-upload-label">Add reports: txt, md, html, pdf, docx (several at once)</div>')
    files = gr.File(
        label="Add reports",
        show_label=False,  # the line above says it; Gradio's floating label covered the upload icon
        file_count="multiple",
        file_types=UPLOAD_TYPES,
        height=120,
        elem_id="dq-upload",
    )
    progress = gr.HTML("", elem_id="dq-upload-progress")
    cancel = gr.Button(
        "Cancel indexing", size="sm", variant="secondary", visible=False, elem_id="dq-cancel-upload"
    )
    status = gr.HTML("", elem_id="dq-upload-status")
    search = gr.Textbox(
        placeholder="Find a report by name, title, date or kind…",
        show_label=False,
        elem_id="dq-report-search",
    )
    listing = gr.HTML(render.reports_list([]), elem_id="dq-reports-list", js_on_load=_LIST_CLICKS)
    with gr.Group(visible=False, elem_id="dq-confirm") as confirm:
        confirm_text = gr.HTML("")
        with gr.Row():
            yes = gr.Button("Remove it", variant="stop", size="sm", elem_id="dq-confirm-remove")
            no = gr.Button("Cancel", variant="secondary", size="sm", elem_id="dq-cancel-remove")
    return {
        "files": files,
        "progress": progress,
        "cancel": cancel,
        "status": status,
        "search": search,
        "listing": listing,
        "chosen": gr.State(None),
        "confirm": confirm,
        "confirm_text": confirm_text,
        "yes": yes,
        "no": no,
        "pending": gr.State(None),
    }


def _settings_tab(qa: Any, spec: str) -> dict[str, Any]:
    """Answer mode, chat model and passages to retrieve; they apply to the next question and are
    kept in the browser (a reload keeps them)."""
    mode = gr.Radio(
        list(MODES),
        value=GENERATIVE if spec else EXTRACTIVE,
        label="Answer mode",
        info="Extractive quotes the reports and never calls a chat model.",
        elem_id="dq-mode",
    )
    spec_box = gr.Textbox(
        value=spec,
        label="Chat model for generative mode",
        placeholder="ollama:llama3.2  or  openai-compatible:http://127.0.0.1:8080/v1#model",
        info="The reply streams in, then its checked version replaces it. If the model cannot be "
        "reached, answers are extractive and the header says so.",
        elem_id="dq-spec",
    )
    top_k = gr.Slider(
        1, 30, value=min(30, qa.settings.top_k), step=1, label="Passages to retrieve", elem_id="dq-top-k"
    )
    gr.Markdown("Changes apply to the next question and are kept in this browser.", elem_classes="dq-note")
    return {"mode": mode, "spec": spec_box, "top_k": top_k}


def _wire(demo: gr.Blocks, h: ChatHandlers, side: dict[str, Any], main: dict[str, Any]) -> None:
    """Connect events to handlers, and register the API endpoints."""
    private: dict[str, Any] = {"api_visibility": "private"}
    quiet: dict[str, Any] = {"show_progress": "hidden", **private}
    chat, answers, stored = main["chat"], side["answers"], side["stored"]
    scope = main["scope"]
    settings = [side["mode"], side["spec"], side["top_k"]]
    listing = [side["listing"], side["chosen"], side["header"], scope, main["scope_note"], main["examples"]]
    loaded = [*listing, chat, answers, main["panel"], main["report"], *settings, side["badge"]]
    assert len(loaded) == LOAD_OUTPUTS, "ChatHandlers.load's outputs changed: update LOAD_OUTPUTS"
    demo.load(
        h.load,
        [stored, side["search"], side["prefs"]],
        loaded,
        api_name="ui_load",
        **quiet,
    ).then(_ready, None, [main["box"], main["ask"]], **quiet).then(None, js=_FOCUS_QUESTION)
    ask_in = [main["box"], chat, answers, side["top_k"], side["mode"], side["spec"], scope]
    ask_out = [main["box"], chat, answers, main["panel"], main["report"], main["tabs"], side["badge"], stored]
    for trigger in (main["box"].submit, main["ask"].click):
        trigger(h.respond, ask_in, ask_out, api_name="ui_ask", **quiet)
    main["examples"].click(
        example_question,
        None,
        [main["box"]],
        queue=False,
        **quiet,
    ).then(h.respond, ask_in, ask_out, **quiet)
    cleared = [chat, answers, main["panel"], main["report"], stored]
    main["clear"].click(h.clear, None, cleared, api_name="ui_clear", **quiet)
    chat.clear(h.clear, None, cleared, api_name="ui_trash", **quiet)
    scope.change(h.rescope, [scope], [main["scope_note"], main["examples"]], api_name="ui_scope", **quiet)
    side["search"].change(
        h.search, [side["search"], side["chosen"]], [side["listing"]], trigger_mode="always_last", **quiet
    )
    side["cancel"].click(h.cancel_upload, None, None, api_name="ui_cancel_upload", **quiet)
    side["files"].upload(_shown, None, side["cancel"], queue=False, **quiet).then(
        h.upload,
        [side["files"], side["search"], side["chosen"], scope],
        [side["status"], *listing, side["files"], side["progress"]],
        api_name="upload",
        show_progress="hidden",
        concurrency_id="upload",  # questions are answered while a file is indexed
        concurrency_limit=1,
    ).then(_hidden, None, side["cancel"], queue=False, **quiet)
    confirm = [side["confirm"], side["confirm_text"], side["pending"]]
    side["listing"].click(
        h.pick,
        [side["search"], side["chosen"], answers],
        [side["listing"], side["chosen"], main["report"], main["tabs"], *confirm],
        api_name="ui_pick",
        **quiet,
    ).then(None, js=_SCROLL_TO_CONFIRM)
    side["no"].click(h.cancel_remove, None, [side["confirm"], side["pending"]], **quiet)
    side["yes"].click(
        h.remove,
        [side["pending"], side["search"], scope],
        [side["status"], *listing, side["confirm"], side["pending"]],
        api_name="ui_confirm_remove",
        **quiet,
    )
    for control in settings:
        control.change(h.save_settings, settings, [side["badge"], side["prefs"]], **quiet)
    gr.api(h.api_ask, api_name="ask")
    gr.api(h.api_reports, api_name="reports")
    gr.api(h.api_remove, api_name="remove")
