"""``ReportQA``: the library's front door. Ingest reports, ask questions, get cited answers.

A thin shell over the stages: settings, an ``Index`` (store, BM25, catalog; ingest and
remove), a ``HybridRetriever`` and the answerers (extractive, and generative per chat model).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.answer import Answerer
from rag.answer.brief import BRIEF_SENTENCES, Briefer
from rag.answer.entities import EntityPass
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.intent import intent
from rag.answer.overview import Briefings
from rag.answer.retrieve import HybridRetriever
from rag.index import Index
from rag.index.catalog import CatalogCache
from rag.index.embed import Embedder
from rag.index.sparse import SparseCache, SparseIndex
from rag.index.store import ChromaStore
from rag.offline import limit_blas_threads
from rag.read.ingest_guard import ProgressCallback
from rag.settings import Settings, check_setting
from rag.types import Answer, Brief, Candidate, IngestReport, Report

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.tools import BaseTool

    from rag.answer.generative import GenerativeAnswerer
    from rag.answer.generative.briefing import BriefingKind, GenerativeBriefings
    from rag.langchain import AnswerRunnable, ReportRetriever

#: How many generative answerers (one per chat model) a ``ReportQA`` keeps for ``ask(llm=...)``.
CHAT_MODELS_KEPT = 4

#: The ``llm`` of ``ask``/``stream`` that asks for an extractive answer even when a chat model is set.
EXTRACTIVE = "extractive"


def _warm_up(embedder: Embedder, reader: bool) -> threading.Thread:
    """Load the embedding model and the reader in a thread while the index opens (importing
    Chroma alone takes about 0.4 s of a cold start; hashing the weights and building the ONNX
    sessions run beside it on a second core). Their imports happen here first: two threads
    importing one module at once can see it half made. A failure is left to the first use,
    which reports it."""
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    from rag.answer.reader import shared_reader
    from rag.index.embed import PACKAGED_MODEL, resolve_model_path

    if embedder.model_name == PACKAGED_MODEL:
        resolve_model_path(PACKAGED_MODEL)  # imports the model's package

    def load() -> None:
        with contextlib.suppress(Exception):
            embedder.warm()
        if reader:
            with contextlib.suppress(Exception):
                shared_reader()

    thread = threading.Thread(target=load, name="warm-up")
    thread.start()
    return thread


class ReportQA:
    """Question answering over a collection of reports, with verified citations.

    Settings come from keyword arguments (any ``Settings`` field) over ``RAG_*`` variables.
    ``llm`` (a spec string such as ``"ollama:llama3.2"``, or a LangChain ``BaseChatModel``)
    turns on generative answers; unset (and ``RAG_LLM`` unset) means extractive answers.
    ``ask(..., llm=...)`` chooses the chat model for one question.
    """

    def __init__(
        self, index_dir: str | Path | None = None, settings: Settings | None = None, **overrides: Any
    ) -> None:
        if index_dir is not None:
            overrides["index_dir"] = Path(index_dir)
        chat_model = overrides.pop("llm") if not isinstance(overrides.get("llm"), (str, type(None))) else None
        base = settings.model_dump() if settings else {}
        self.settings = Settings(**{**base, **overrides})
        limit_blas_threads(self.settings.blas_threads)
        embedder = Embedder(self.settings)
        _warm_up(embedder, self.settings.reader)
        self.index = Index(self.settings, embedder)
        self.retriever = HybridRetriever(self.index, self.settings)
        self.answerer = ExtractiveAnswerer(
            self.index,
            self.retriever,
            self.settings.max_answer_sentences,
            self.settings.abstain_threshold,
            self.settings.answer_threshold,
            self.settings.reader,
            self.settings.short_answers,
        )
        # Briefs and overviews (rag.answer.brief, .overview): each report's brief, and its
        # entities when settings.brief_entities says so, are stored with its record at ingest.
        self.briefer = Briefer(self.index, entities_at_ingest=self.settings.brief_entities == "ingest")
        self.index.record_extras = self.briefer.record_extras
        self.entity_pass = EntityPass(self.index)
        self.briefings = Briefings(self.index, self.briefer)
        self.generator: GenerativeAnswerer | None = None
        self._chat_answerers: dict[Any, GenerativeAnswerer] = {}
        self._chat_lock = threading.Lock()
        self.set_llm(chat_model or self.settings.llm)

    def close(self, timeout: float = 60.0) -> None:
        """Stop the background work on the index, so that its folder may be removed: the entity
        pass drops its queue (a brief extracts those entities when asked) and finishes the report
        in hand; the BM25 cache's catch-up is waited for. Also run by ``with ReportQA(...) as qa:``."""
        self.entity_pass.stop(timeout)
        self.index.sparse_cache.wait(timeout)

    def __enter__(self) -> ReportQA:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The index -----------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """The embedding model of the index."""
        return self.index.embedder

    @property
    def store(self) -> ChromaStore:
        """The Chroma store of the index."""
        return self.index.store

    @property
    def sparse_cache(self) -> SparseCache:
        """The passage BM25 cache (``sparse_cache.wait()`` waits for a background catch-up)."""
        return self.index.sparse_cache

    @property
    def sparse(self) -> SparseIndex:
        """The passage BM25 index served to questions."""
        return self.index.sparse

    @property
    def catalogs(self) -> CatalogCache:
        """The catalog cache of the index."""
        return self.index.catalogs

    def ingest(
        self,
        paths: Iterable[str | Path] | str | Path,
        progress: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IngestReport:
        """Index the reports at ``paths`` (files or folders, recursively); see ``IngestReport``.

        ``on_progress(done, total, label)`` reports files and embedding batches as they
        finish; setting ``cancel`` stops at the next batch or file (see ``Index.ingest``).
        """
        report = self.index.ingest(paths, progress, on_progress, cancel)
        if self.settings.brief_entities == "background":
            self.entity_pass.add([*report.added, *report.updated])
        return report

    def remove(self, source: str) -> bool:
        """Delete a report from the index; False if there was none by that name."""
        return self.index.remove(source)

    def sources(self) -> list[str]:
        """Names of the indexed reports, sorted."""
        return self.index.sources()

    def report(self, source: str) -> Report:
        """A report's record: its text and its header's metadata (title, date, kind)."""
        return self.index.report(source)

    def document_text(self, source: str) -> str:
        """The extracted text of a report: every offset in an ``Answer`` indexes into it.

        The version is the one the calling thread's last question was answered from.
        """
        return self.index.document_text(source)

    # Questions -----------------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        """The question stripped, or ValueError if it is empty or too long."""
        if not isinstance(question, str) or not question.strip():
            raise ValueError("the question is empty: type a question about the reports")
        if len(question) > self.settings.max_question_chars:
            raise ValueError(
                f"the question is {len(question):,} characters long; the limit is "
                f"{self.settings.max_question_chars:,}"
            )
        return " ".join(question.split())

    def check_top_k(self, top_k: int | None) -> int | None:
        """``top_k`` if it is allowed (the bounds of ``RAG_TOP_K``), else ValueError; None stays."""
        return None if top_k is None else int(check_setting("top_k", top_k))

    def check_sources(self, sources: Sequence[str] | None) -> list[str] | None:
        """The report names a question is limited to (None: all), or ValueError naming unknown ones."""
        if sources is None:
            return None
        if isinstance(sources, str):
            sources = [sources]
        chosen = list(dict.fromkeys(sources))
        if not chosen:
            raise ValueError("no reports chosen: choose at least one report to search, or all")
        self.store.maybe_refresh()
        known = self.store.snapshot.hashes
        if unknown := [s for s in chosen if s not in known]:
            raise ValueError(f"no report named {', '.join(map(repr, unknown))} in the index")
        return chosen

    def retrieve(
        self, question: str, top_k: int | None = None, sources: Sequence[str] | None = None
    ) -> tuple[list[Candidate], np.ndarray]:
        """The best passages for a stand-alone question, and the question's embedding.

        ``sources`` (report names, checked by ``check_sources``) limits the search to them.
        """
        query = self.retriever.query(question, question)
        return self.retriever.run(query, top_k, sources), query.vector

    def set_llm(self, llm: str | BaseChatModel | None = None) -> None:
        """Switch to generative answers with ``llm`` (spec or ``BaseChatModel``), or back with None.

        A backend that cannot be built does not raise: ``self.generator.error`` says what was
        tried, and answers stay extractive with that ``Answer.note``.
        """
        if isinstance(llm, str) or llm is None:
            self.settings = self.settings.model_copy(update={"llm": llm or None})
        self.generator = self._chat_answerer(llm) if llm else None

    def _chat_answerer(self, llm: str | BaseChatModel) -> GenerativeAnswerer:
        """The generative answerer for ``llm``, built once per spec or model and kept."""
        from rag.answer.generative import GenerativeAnswerer

        key = llm if isinstance(llm, str) else id(llm)
        with self._chat_lock:
            found = self._chat_answerers.get(key)
            if found is None or found.model is None or (not isinstance(llm, str) and found.model is not llm):
                if len(self._chat_answerers) >= CHAT_MODELS_KEPT:
                    self._chat_answerers.pop(next(iter(self._chat_answerers)))
                found = GenerativeAnswerer(self.index, self.retriever, self.answerer, llm, self.settings)
                self._chat_answerers[key] = found
            return found

    def answerer_for(self, llm: str | BaseChatModel | None = None) -> Answerer:
        """The answerer of one question: ``llm``'s when given (``EXTRACTIVE``: the extractive
        answerer), else the configured one."""
        if llm == EXTRACTIVE:
            return self.answerer
        if llm:
            return self._chat_answerer(llm)
        return self.generator if self.generator is not None else self.answerer

    def ask(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        top_k: int | None = None,
        llm: str | BaseChatModel | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """Answer ``question`` from the reports, citing the exact passages it quotes.

        ``llm`` (spec or ``BaseChatModel``) answers this question with that chat model;
        ``EXTRACTIVE`` (``"extractive"``) answers it extractively whatever chat model is set.
        ``sources`` (report names) limits the answer to those reports: every retrieved passage
        and every citation comes from them. ValueError for an empty or too long question, a
        ``top_k`` outside the bounds of ``RAG_TOP_K``, or an unknown report.
        """
        question = self.check_question(question)
        top_k, sources = self.check_top_k(top_k), self.check_sources(sources)
        if (overview := self.briefings.answer(question, sources)) is not None:
            writer = self._briefing_writer(llm)
            return overview if writer is None else writer.answer(_briefing_kind(question), overview)
        return self.answerer_for(llm).ask(question, history or (), top_k, sources)

    def stream(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        top_k: int | None = None,
        llm: str | BaseChatModel | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Like ``ask``, streamed: yields text pieces (``str``) as they arrive, then the ``Answer``.

        The pieces are the chat model's raw reply; the final ``Answer`` carries the verified
        text (markers renumbered or removed), which should replace what was shown. In
        extractive mode the answer text is yielded as one piece.
        """
        question = self.check_question(question)
        top_k, sources = self.check_top_k(top_k), self.check_sources(sources)
        if (overview := self.briefings.answer(question, sources)) is not None:
            writer = self._briefing_writer(llm)
            if writer is not None:
                yield from writer.stream_answer(_briefing_kind(question), overview)
                return
            yield overview.text
            yield overview
            return
        yield from self.answerer_for(llm).stream(question, history or (), top_k, sources)

    # Briefs --------------------------------------------------------------------------------

    def example_questions(self, sources: Sequence[str] | None = None, count: int = 3) -> list[str]:
        """Up to ``count`` questions about the reports ``sources`` (None: all; the first few
        are read), made from their briefs (``rag.answer.examples``): never about another report."""
        from rag.answer.examples import example_questions

        names = self.sources() if sources is None else [s for s in sources if s in set(self.sources())]
        return example_questions([self.brief(s) for s in names[:count]], count)

    def brief(
        self,
        source: str,
        sentences: int = BRIEF_SENTENCES,
        entities: bool = True,
        llm: str | BaseChatModel | None = None,
    ) -> Brief:
        """The brief of report ``source``: its most salient sentences in report order, cited.

        ``sentences`` (1-6) bounds its length; a report with fewer prose sentences gets them all.
        ``entities`` adds the report's key people, places, organisations, dates and figures.
        ``UnknownReportError`` (a ``ValueError``) for a name the index does not hold, naming the
        closest names. Stored with the report's record at ingest: a brief reads it, parses nothing.
        In generative mode (``llm``, else the configured chat model) the chat model rewords the
        brief from its sentences, each sentence verified; else ``Brief.note`` says why not.
        """
        brief = self.briefer.brief(source, sentences, entities)
        writer = self._briefing_writer(llm)
        return brief if writer is None else writer.brief(brief)

    def _briefing_writer(self, llm: str | BaseChatModel | None) -> GenerativeBriefings | None:
        """The writer of generative briefings with ``llm``'s (else the configured) chat model;
        None in extractive mode."""
        answerer = self.answerer_for(llm)
        if answerer is self.answerer:
            return None
        from rag.answer.generative.briefing import GenerativeBriefings

        return GenerativeBriefings(answerer)  # type: ignore[arg-type]

    # Doors for LangChain (rag.langchain) ---------------------------------------------------

    def as_retriever(self, k: int | None = None, sources: Sequence[str] | None = None) -> ReportRetriever:
        """A LangChain ``BaseRetriever`` over the index: the passages ``ask`` retrieves, as
        ``Document``s (metadata: source, start, end, score, title, date, passage_id).

        ``k`` passages (default ``settings.top_k``), from ``sources`` only if given.
        """
        from rag.langchain import ReportRetriever

        return ReportRetriever(qa=self, k=self.check_top_k(k), sources=self.check_sources(sources))

    def as_tool(self, llm: str | BaseChatModel | None = None) -> BaseTool:
        """A LangChain tool (args: question, sources) whose content is the cited answer as text
        and whose artifact is its citations (``response_format="content_and_artifact"``)."""
        from rag.langchain import report_tool

        return report_tool(self, llm)

    def as_runnable(self, llm: str | BaseChatModel | None = None) -> AnswerRunnable:
        """A LangChain ``Runnable``: question (or dict) in, ``Answer`` out, through invoke, batch
        and stream (text pieces, then the ``Answer``); drops into LCEL chains and LangGraph nodes."""
        from rag.langchain import AnswerRunnable

        return AnswerRunnable(self, llm)


def _briefing_kind(question: str) -> BriefingKind:
    """The kind of briefing request ``question`` makes (one ``Briefings.answer`` answered)."""
    asked = intent(question)
    return asked.kind if asked is not None else "overview"
