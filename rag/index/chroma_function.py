"""Chroma's embedding-function interface over our ``Embedder``: every collection we open carries
our model, so Chroma never reaches for its default one (which downloads). Its own module, imported
when a store opens, because importing Chroma takes about 0.4 s that the models' loading can overlap
(``rag.qa``)."""

from __future__ import annotations

from typing import Any, Literal

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaVectors

from rag.index.embed import Embedder
from rag.settings import PACKAGED_MODEL, Settings


class ChromaEmbedding(EmbeddingFunction[Documents]):
    """Chroma's embedding-function interface over an ``Embedder``."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> ChromaVectors:
        return list(self.embedder.encode(list(input)))

    @staticmethod
    def name() -> str:
        """The name Chroma records in the collection's configuration."""
        return "dispatch-qa-sentence-transformers"

    def get_config(self) -> dict[str, Any]:
        """What Chroma persists to rebuild this function."""
        return {"model": self.embedder.model_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbedding:
        """Rebuild from a persisted configuration (the model loads lazily)."""
        return ChromaEmbedding(Embedder(Settings(embedding_model=config.get("model", PACKAGED_MODEL))))

    def default_space(self) -> Literal["cosine"]:
        """Our vectors are unit length: cosine distance."""
        return "cosine"
