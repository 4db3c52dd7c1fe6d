"""Index stage: takes passages, gives them searchable (Chroma, BM25, catalog) in step by ``Index``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.index.index import Index

__all__ = ["Index"]


def __getattr__(name: str) -> object:
    """Import ``Index`` lazily: ``rag.index.sparse`` alone stays light."""
    if name == "Index":
        from rag.index.index import Index

        return Index
    raise AttributeError(f"module 'rag.index' has no attribute {name!r}")
