"""The chat page: ``build_app(qa)`` lays out a Gradio ``Blocks`` over a ``ReportQA``.

The page holds no retrieval or answering logic; every handler calls ``ReportQA`` (through
``UISession``) and draws the result with ``rag.ui.render``. Handlers never raise: errors
become readable messages. API endpoints (for ``gradio_client``): ``ask``, ``reports``,
``remove``, and ``upload`` (the upload box).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.ui import render
from rag.ui.assets import CSS, HEAD
from rag.ui.session import EXTRACTIVE, GENERATIVE, MODES, UISession

log = logging.getLogger(__name__)

#: Example questions about the seed report, shown under the input box.
EXAMPLES = (
    "How many troops withdrew and to where?",
    "What did the rebels capture when they attacked the camp?",
    "Who reported that the convoy came under rebel fire?",
    "Which groups are among the rebel forces?",
    "And how many tanks did they have?",
)

#: File types the upload box accepts.
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".pdf", ".docx"]

#: What the empty chat shows.
PLACEHOLDER = "<b>Ask a question about the reports.</b><br>Answers quote the reports and cite them."

_SEP = "\u00a0·\u00a0"


def launch_options() -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch`` that style the page (Gradio 6 takes them there)."""
    theme = gr.themes.Default(primary_hue="indigo", neutral_hue="slate", radius_size="md")
    return {"css": CSS, "head": HEAD, "theme": theme, "footer_links": ["api", "settings"]}


def _header(count: int) -> str:
    plural = "s" if count != 1 else ""
    return (
        '<div id="dq-header"><h1>Dispatch QA</h1>'
        '<span class="dq-tagline">Ask about your reports. Every answer quotes its source.</span>'
        f'<span class="dq-pill">{count} report{plural} indexed{_SEP}offline</span></div>'
    )


def _readable(err: BaseException) -> str:
    text = str(err.args[0] if isinstance(err, KeyError) and err.args else err).strip()
    text = text or type(err).__name__
    return text[0].upper() + text[1:]


class ChatHandlers:
    """The page's event handlers, bound to one ``UISession``."""

    def __init__(self, session: UISession) -> None:
        self.session = session

    def respond(
        self, question: str, chat: list, answers: list, top_k: float, mode: str, spec: str
    ) -> Iterator[tuple]:
        """Answer a question from the input box: chat, answers, sources panel, report view."""
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question about the reports first.")
            yield gr.skip(), chat, answers, gr.skip(), gr.skip(), gr.skip()
            return
        pending = [*chat, {"role": "user", "content": render.esc(question)}]
        waiting = '<div class="dq-note">Searching the reports…</div>'
        yield (
            "",
            [*pending, {"role": "assistant", "content": waiting}],
            answers,
            gr.skip(),
            gr.skip(),
            gr.skip(),
        )
        try:
            history = [a.question for a in answers]
            answer, note = self.session.ask(question, history, int(top_k), mode, spec)
        except ValueError as err:
            yield (
                "",
                [*pending, render.message_error(_readable(err))],
                answers,
                gr.skip(),
                gr.skip(),
                gr.skip(),
            )
            return
        except Exception as err:
            log.exception("answering %r failed", question)
            message = render.message_error(f"Something went wrong while answering ({_readable(err)}).")
            yield "", [*pending, message], answers, gr.skip(), gr.skip(), gr.skip()
            return
        answers = [*answers, answer]
        turn = len(answers) - 1
        reply = {"role": "assistant", "content": render.answer_message(answer, turn, note)}
        sources = render.sources_panel(answers, self.session.document_text)
        report = (
            render.cited_reports_view(answer, turn, self.session.document_text)
            if answer.citations
            else gr.skip()
        )
        yield "", [*pending, reply], answers, sources, report, gr.Tabs(selected="sources")

    def clear(self) -> tuple:
        """A new conversation: empty chat and panels."""
        return (
            [],
            [],
            render.sources_panel([], self.session.document_text),
            render.cited_reports_view(None, None, self.session.document_text),
        )

    def upload(self, files: list | None, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        """Ingest uploaded files with a progress bar; say what was added, updated, skipped and why."""
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])]
        if not paths:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), None

        def step(done: int, total: int, name: str) -> None:
            progress((done, total), desc=f"Indexing {name}" if name else "Done", unit="files")

        chosen = None
        try:
            report, names = self.session.ingest_uploads(paths, step)
            status = render.ingest_summary(report, names)
            chosen = next(iter(report.added + report.updated), None)
        except Exception as err:
            log.exception("ingesting uploads failed")
            status = render.error_message(f"The upload could not be indexed ({_readable(err)}).")
        return (status, *self._reports_outputs(chosen), None)

    def remove(self, source: str | None) -> tuple:
        """Remove the chosen report from the index."""
        if not source:
            gr.Warning("Choose a report to remove first.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            removed = self.session.remove(source)
        except Exception as err:
            log.exception("removing %r failed", source)
            return (
                render.error_message(f"Could not remove {source} ({_readable(err)})."),
                gr.skip(),
                gr.skip(),
                gr.skip(),
            )
        message = f"Removed {source}." if removed else f"{source} was not in the index."
        return (f'<div class="dq-ingest">{render.esc(message)}</div>', *self._reports_outputs(None))

    def view(self, source: str | None, answers: list) -> tuple:
        """Show a whole report in the Report tab, with the latest answer's quotes highlighted."""
        if not source:
            gr.Warning("Choose a report to view first.")
            return gr.skip(), gr.skip()
        turn = len(answers) - 1 if answers else None
        last = answers[-1] if answers else None
        html = render.cited_reports_view(last, turn, self.session.document_text, chosen=source)
        return html, gr.Tabs(selected="report")

    def _reports_outputs(self, chosen: str | None) -> tuple:
        sources = self.session.sources()
        value = chosen if chosen in sources else (sources[0] if sources else None)
        return (
            render.reports_list(sources),
            gr.Dropdown(choices=sources, value=value),
            _header(len(sources)),
        )

    # API -----------------------------------------------------------------------------------

    def api_ask(self, question: str, history: list[str] | None = None, top_k: int | None = None) -> dict:
        """Answer a question; the ``Answer`` as JSON (plus ``note``), or ``{"error": message}``."""
        try:
            answer, note = self.session.ask(question, history or [], top_k, EXTRACTIVE, "")
        except ValueError as err:
            return {"error": _readable(err)}
        except Exception as err:
            log.exception("api ask failed")
            return {"error": f"Something went wrong while answering ({_readable(err)})."}
        return {**answer.model_dump(mode="json"), "note": note}

    def api_reports(self) -> list[str]:
        """Names of the indexed reports."""
        return self.session.sources()

    def api_remove(self, source: str) -> dict:
        """Remove a report; ``{"removed": bool}``."""
        try:
            return {"removed": self.session.remove(source)}
        except Exception as err:
            return {"removed": False, "error": _readable(err)}


def build_app(qa: Any, upload_dir: str | None = None) -> gr.Blocks:
    """The chat page over ``qa`` (a ``ReportQA``); launch it with ``launch_options()``."""
    session = UISession(qa, upload_dir)
    handlers = ChatHandlers(session)
    sources = session.sources()
    with gr.Blocks(title="Dispatch QA", fill_width=True) as demo:
        header = gr.HTML(_header(len(sources)))
        answers = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                main = _chat_column()
            with gr.Column(scale=2, min_width=380), gr.Tabs(selected="sources") as tabs:
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
                    side = _reports_tab(sources)
                with gr.Tab("Settings", id="settings", elem_id="dq-tab-settings"):
                    side.update(_settings_tab(qa))
        _wire(demo, handlers, header, answers, side, main)
    return demo


def _chat_column() -> dict[str, Any]:
    """The chat, the question box and the example questions."""
    chat = gr.Chatbot(
        height=600,
        show_label=False,
        elem_id="dq-chat",
        placeholder=PLACEHOLDER,
        feedback_options=None,
        buttons=["copy"],
    )
    with gr.Row(equal_height=True):
        box = gr.Textbox(
            placeholder="Ask about the reports… (Enter to send)",
            show_label=False,
            scale=6,
            lines=1,
            max_lines=4,
            elem_id="dq-question",
            autofocus=True,
        )
        ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="dq-ask")
    gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[box], label="Try asking")
    clear = gr.Button("New conversation", size="sm", variant="secondary", elem_id="dq-clear")
    return {"chat": chat, "box": box, "ask": ask, "clear": clear}


def _reports_tab(sources: list[str]) -> dict[str, Any]:
    """Upload reports, see which are indexed, view or remove one."""
    files = gr.File(
        label="Add reports: txt, md, html, pdf, docx (several at once)",
        file_count="multiple",
        file_types=UPLOAD_TYPES,
        height=130,
        elem_id="dq-upload",
    )
    status = gr.HTML("", elem_id="dq-upload-status")
    listing = gr.HTML(render.reports_list(sources), elem_id="dq-reports-list")
    with gr.Row(equal_height=True):
        chosen = gr.Dropdown(
            choices=sources,
            value=sources[0] if sources else None,
            label="Report",
            interactive=True,
            scale=3,
            elem_id="dq-chosen",
        )
        view = gr.Button("View", size="sm", variant="secondary", scale=1, min_width=70, elem_id="dq-view-btn")
        remove = gr.Button(
            "Remove", size="sm", variant="stop", scale=1, min_width=70, elem_id="dq-remove-btn"
        )
    return {
        "files": files,
        "status": status,
        "listing": listing,
        "chosen": chosen,
        "view": view,
        "remove": remove,
    }


def _settings_tab(qa: Any) -> dict[str, Any]:
    """Answer mode, chat model and passages to retrieve; they apply to the next question."""
    llm = qa.settings.llm or ""
    mode = gr.Radio(list(MODES), value=GENERATIVE if llm else EXTRACTIVE, label="Answer mode")
    spec = gr.Textbox(
        value=llm,
        label="Chat model for generative mode",
        placeholder="ollama:llama3.2  or  openai-compatible:http://127.0.0.1:8080/v1#model",
        info="If the model cannot be reached, the answer is extractive and says why.",
    )
    top_k = gr.Slider(1, 30, value=qa.settings.top_k, step=1, label="Passages to retrieve")
    gr.Markdown("Changes apply to the next question; no restart needed.", elem_classes="dq-note")
    return {"mode": mode, "spec": spec, "top_k": top_k}


def _wire(
    demo: gr.Blocks, h: ChatHandlers, header: gr.HTML, answers: gr.State, side: dict, main: dict
) -> None:
    """Connect events to handlers, and register the API endpoints."""
    ask_in = [main["box"], main["chat"], answers, side["top_k"], side["mode"], side["spec"]]
    ask_out = [main["box"], main["chat"], answers, main["panel"], main["report"], main["tabs"]]
    for trigger in (main["box"].submit, main["ask"].click):
        trigger(h.respond, ask_in, ask_out, api_name="ui_ask", api_visibility="private")
    main["clear"].click(
        h.clear,
        None,
        [main["chat"], answers, main["panel"], main["report"]],
        api_name="ui_clear",
        api_visibility="private",
    )
    listing = [side["listing"], side["chosen"], header]
    side["files"].upload(
        h.upload, [side["files"]], [side["status"], *listing, side["files"]], api_name="upload"
    )
    side["remove"].click(
        h.remove, [side["chosen"]], [side["status"], *listing], api_name="ui_remove", api_visibility="private"
    )
    side["view"].click(
        h.view,
        [side["chosen"], answers],
        [main["report"], main["tabs"]],
        api_name="ui_view",
        api_visibility="private",
    )
    gr.api(h.api_ask, api_name="ask")
    gr.api(h.api_reports, api_name="reports")
    gr.api(h.api_remove, api_name="remove")
