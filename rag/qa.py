"""``ReportQA``: the library's front door. Ingest reports, ask questions, get cited answers."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer import ExtractiveAnswerer, Selection
from rag.catalog import CatalogCache
from rag.chunk import chunk_report
from rag.cite import cite
from rag.conversation import standalone_question
from rag.embed import Embedder
from rag.ingest_guard import IngestCancelled, IngestProgress, LoadLimits, ProgressCallback, budget, checkpoint
from rag.load import LoadError, content_hash, iter_report_files, load_text
from rag.names import NamedFile, assign_names
from rag.offline import limit_blas_threads
from rag.prompts import ABSTAIN_TEXT
from rag.retrieve import Candidate, HybridRetriever
from rag.settings import Settings, check_setting
from rag.sparse import SparseCache, SparseIndex
from rag.store import ChromaStore, write_lock
from rag.support import support_level
from rag.types import Answer, IngestReport, Passage, RenamedFile, Report, SkippedFile


class ReportQA:
    """Question answering over a collection of reports, with verified citations.

    Settings come from keyword arguments (any ``Settings`` field) over ``RAG_*`` variables.
    ``llm`` (a spec string such as ``"ollama:llama3.2"``, or a LangChain ``BaseChatModel``)
    turns on generative answers; unset (and ``RAG_LLM`` unset) means extractive answers.
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
        self.embedder = Embedder(self.settings)
        self.store = ChromaStore(self.settings, self.embedder)
        self.answerer = ExtractiveAnswerer(self.settings.max_answer_sentences)
        self._write_lock = threading.RLock()
        self._texts: dict[tuple[str, str | None], str] = {}
        self.sparse_cache = SparseCache(self.store, self._sparse_dir)
        self.sparse = self._open_sparse()
        self.catalogs = CatalogCache(
            self.store, self.embedder.encode, self._sparse_dir.with_suffix(".catalog")
        )
        self.retriever = HybridRetriever(self.store, self.sparse, self.catalogs, self.settings)
        self.generator: Any = None
        self.set_llm(chat_model or self.settings.llm)

    # Index maintenance ---------------------------------------------------------------------

    @property
    def _sparse_dir(self) -> Path:
        if self.settings.chroma_url:
            tag = hashlib.sha1(f"{self.settings.chroma_url}/{self.settings.collection}".encode()).hexdigest()[
                :12
            ]
            return Path(self.settings.index_dir) / f"sparse-{tag}"
        return Path(self.settings.index_dir) / f"{self.settings.collection}-sparse"

    def _open_sparse(self) -> SparseIndex:
        return self.sparse_cache.open()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time: this object's threads, then (embedded) other processes."""
        with self._write_lock:
            if self.settings.chroma_url:
                yield
                return
            with write_lock(Path(self.settings.index_dir)):
                yield

    def ingest(
        self,
        paths: Iterable[str | Path] | str | Path,
        progress: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IngestReport:
        """Index the reports at ``paths`` (files or folders, recursively); see ``IngestReport``.

        ``progress`` draws a console bar; ``on_progress(done, total, label)`` is called as files
        and their embedding batches finish (``done`` counts files, with a fraction for the file
        in progress). Setting ``cancel`` stops the ingest at the next batch or file: the file
        in progress is left as it was, the files already done stay indexed, and the report
        says ``cancelled``.
        """
        if isinstance(paths, (str, Path)):
            paths = [paths]
        added, updated, unchanged, notes = [], [], [], []
        skipped: list[SkippedFile] = []
        found = list(_named_files(paths, skipped))
        cancelled = False
        with self._writing():
            if cleaned := self.store.clean_orphans():
                notes.append(f"removed {cleaned} leftover records of an interrupted ingest")
            known = dict(self.store.snapshot.hashes)
            files = list(assign_names(found, self.store.report_origins(), skipped))
            tracker = IngestProgress(len(files), on_progress, progress)
            for index, named in enumerate(files):
                tracker.start_file(index, named.source)
                try:
                    with budget(self.settings.max_file_seconds, cancel):
                        checkpoint()
                        outcome, note = self._ingest_file(named, known.get(named.source), tracker)
                except LoadError as err:
                    skipped.append(SkippedFile(path=str(named.path), reason=str(err)))
                    continue
                except IngestCancelled:
                    cancelled = True
                    rest = files[index:]
                    skipped.extend(SkippedFile(path=str(f.path), reason="ingest cancelled") for f in rest)
                    break
                {"added": added, "updated": updated, "unchanged": unchanged}[outcome].append(named.source)
                notes.extend(f"{named.source}: {n}" for n in note)
            tracker.finish()
            if added or updated or cleaned:
                self._rebuild_indexes()
        renamed = [
            RenamedFile(path=str(f.path), source=f.source, wanted=f.wanted, held_by=f.held_by)
            for f in files
            if f.renamed and f.source in {*added, *updated, *unchanged}
        ]
        return IngestReport(
            added=tuple(added),
            updated=tuple(updated),
            unchanged=tuple(unchanged),
            skipped=tuple(skipped),
            notes=tuple(notes),
            renamed=tuple(renamed),
            cancelled=cancelled,
        )

    def _ingest_file(
        self, named: NamedFile, old_hash: str | None, tracker: IngestProgress
    ) -> tuple[str, tuple[str, ...]]:
        source, path = named.source, named.path
        digest = content_hash(path)
        if digest == old_hash:
            return "unchanged", ()
        loaded = load_text(path, limits=LoadLimits.from_settings(self.settings))
        checkpoint()
        chunks = chunk_report(
            source, loaded.text, self.embedder.count_tokens, self.settings.max_passage_tokens, digest
        )
        if not chunks:
            raise LoadError("no text to index")
        checkpoint()
        sentences = [s.text for c in chunks for s in c.sentences]
        vectors = self.embedder.encode([c.text for c in chunks] + sentences, on_batch=tracker.texts_embedded)
        passage_vecs, sentence_vecs = vectors[: len(chunks)], vectors[len(chunks) :]
        report = Report(
            source=source,
            text=loaded.text,
            content_hash=digest,
            title=loaded.title,
            date=loaded.date,
            kind=loaded.kind,
            origin=named.origin,
        )
        if old_hash is not None:
            self.document_text(source)  # questions pinned to the old version can still cite it
        self.store.put_report(report, chunks, passage_vecs, sentence_vecs)  # the commit point
        self.store.commit(source, digest)
        self._forget_texts(source, keep={digest, old_hash})
        self.store.delete_passages(source, keep_hash=digest)
        return ("added" if old_hash is None else "updated"), loaded.notes

    def remove(self, source: str) -> bool:
        """Delete a report from the index; False if there was none by that name."""
        with self._writing():
            if self.store.get_report(source) is None:
                return False
            self.store.delete_report(source)
            self.store.commit(source, None)
            self._forget_texts(source, keep=set())
            self._rebuild_indexes()
            return True

    def _rebuild_indexes(self) -> None:
        """Bring the catalog and the passage BM25 up to this process's latest commit."""
        catalog = self.catalogs.refresh()
        if catalog.token == self.store.snapshot.token:
            self.sparse_cache.adopt(catalog.passage_index())
        else:
            self.sparse_cache.rebuild()

    def _text_or_empty(self, source: str) -> str:
        """The report's text, or "" if it was removed meanwhile (its citations then drop)."""
        try:
            return self.document_text(source)
        except KeyError:
            return ""

    def _forget_texts(self, source: str, keep: set[str | None]) -> None:
        for key in [k for k in list(self._texts) if k[0] == source and k[1] not in keep]:
            self._texts.pop(key, None)

    def sources(self) -> list[str]:
        """Names of the indexed reports, sorted."""
        return sorted(self.store.report_hashes())

    def report(self, source: str) -> Report:
        """A report's record: its text and its header's metadata (title, date, kind)."""
        report = self.store.get_report(source)
        if report is None:
            raise KeyError(f"no report named {source!r} in the index at {self.store.location}")
        return report

    def document_text(self, source: str) -> str:
        """The extracted text of a report: every offset in an ``Answer`` indexes into it.

        The version is the one the calling thread's last question was answered from.
        """
        cached = self._texts.get((source, self.store.view().hashes.get(source)))
        if cached is not None:
            return cached
        report = self.report(source)
        self._texts[(source, report.content_hash)] = report.text
        return report.text

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
        return None if top_k is None else check_setting("top_k", top_k)

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
        vector = self.embedder.encode([question])[0]
        return self.retriever.run(question, vector, top_k or self.settings.top_k, sources), vector

    def set_llm(self, llm: Any = None) -> None:
        """Switch to generative answers with ``llm`` (spec or ``BaseChatModel``), or back with None.

        A backend that cannot be built does not raise: ``self.generator.error`` says what was
        tried, and answers stay extractive with that ``Answer.note``.
        """
        if isinstance(llm, str) or llm is None:
            self.settings = self.settings.model_copy(update={"llm": llm or None})
        if not llm:
            self.generator = None
            return
        from rag.generative import GenerativeAnswerer

        self.generator = GenerativeAnswerer(self, llm)

    def ask(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """Answer ``question`` from the reports, citing the exact passages it quotes.

        ``sources`` (report names) limits the answer to those reports: every retrieved
        passage and every citation comes from them. ValueError for an empty or too long
        question, a ``top_k`` outside the bounds of ``RAG_TOP_K``, or an unknown report.
        """
        question = self.check_question(question)
        top_k, sources = self.check_top_k(top_k), self.check_sources(sources)
        if self.generator is not None:
            return self.generator.ask(question, history or (), top_k, sources)
        query = standalone_question(question, history or ())
        candidates, vector = self.retrieve(query, top_k, sources)
        return self.extractive_answer(question, query, candidates, vector)

    def stream(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Like ``ask``, streamed: yields text pieces (``str``) as they arrive, then the ``Answer``.

        The pieces are the chat model's raw reply; the final ``Answer`` carries the verified
        text (markers renumbered or removed), which should replace what was shown. In
        extractive mode the answer text is yielded as one piece.
        """
        question = self.check_question(question)
        top_k, sources = self.check_top_k(top_k), self.check_sources(sources)
        if self.generator is not None:
            yield from self.generator.stream(question, history or (), top_k, sources)
            return
        answer = self.ask(question, history, top_k, sources)
        yield answer.text
        yield answer

    def extractive_answer(
        self, question: str, query: str, candidates: list[Candidate], vector: np.ndarray
    ) -> Answer:
        """The extractive answer from retrieved ``candidates`` (also the generative fallback)."""
        passages = tuple(_passage(c) for c in candidates)
        selection = self.answerer.run(query, vector, candidates)
        return self._answer(question, query, selection, passages)

    def _answer(
        self, question: str, query: str, selection: Selection, passages: tuple[Passage, ...]
    ) -> Answer:
        common = {
            "question": question,
            "passages": passages,
            "confidence": selection.confidence,
            "retrieval_query": query,
        }
        support = support_level(
            selection.confidence, self.settings.abstain_threshold, self.settings.answer_threshold
        )
        if selection.sentences and support != "abstained":
            quotes = [
                (s.chunk.source, s.chunk.passage_id, s.sentence.start, s.sentence.end)
                for s in selection.sentences
            ]
            texts = {src: self._text_or_empty(src) for src, *_ in quotes}
            text, citations = cite(query, quotes, texts)
            if citations:
                return Answer(
                    **common,
                    text=text,
                    abstained=False,
                    citations=citations,
                    support=support,
                )
        return Answer(**common, text=ABSTAIN_TEXT, abstained=True)


def _passage(candidate: Candidate) -> Passage:
    chunk = candidate.chunk
    return Passage(
        passage_id=chunk.passage_id,
        source=chunk.source,
        text=chunk.text,
        start=chunk.start,
        end=chunk.end,
        score=candidate.score,
        ordinal=chunk.ordinal,
    )


def _named_files(paths: Iterable[str | Path], skipped: list[SkippedFile]) -> Iterable[tuple[str, Path]]:
    """(natural source name, path) for every file under ``paths`` (``rag.names`` settles clashes)."""
    for given in paths:
        root = Path(given)
        if not root.exists():
            skipped.append(SkippedFile(path=str(root), reason="no such file or folder"))
            continue
        for path in iter_report_files([root]):
            yield (path.relative_to(root).as_posix() if root.is_dir() else path.name), path
