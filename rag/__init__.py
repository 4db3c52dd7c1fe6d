"""Dispatch QA: cited answers from reports, offline.

>>> from rag import ReportQA
>>> qa = ReportQA(index_dir="index")
>>> qa.ingest(["seeds/"])
>>> qa.ask("How many troops withdrew and to where?").text
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.prompts import ABSTAIN_TEXT
from rag.settings import Settings
from rag.types import Answer, Citation, IngestReport, Passage, SkippedFile, Span
from rag.version import package_version

if TYPE_CHECKING:
    from rag.qa import ReportQA

__all__ = [
    "ABSTAIN_TEXT",
    "Answer",
    "Citation",
    "IngestReport",
    "Passage",
    "ReportQA",
    "Settings",
    "SkippedFile",
    "Span",
    "__version__",
    "ask",
    "default_qa",
]

#: The release, e.g. "0.9.0" (from the package metadata; see ``rag.version``).
__version__ = package_version()

_default: ReportQA | None = None
_default_lock = threading.Lock()


def __getattr__(name: str) -> object:
    """Import ``ReportQA`` lazily, so ``import rag`` stays cheap for the types."""
    if name == "ReportQA":
        from rag.qa import ReportQA

        return ReportQA
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


def default_qa() -> ReportQA:
    """The ``ReportQA`` over the default index, built from the seeds folder if it is empty."""
    global _default
    with _default_lock:
        if _default is None:
            from rag.qa import ReportQA

            qa = ReportQA()
            if not qa.sources() and qa.settings.seeds_dir.is_dir():
                qa.ingest([qa.settings.seeds_dir])
            _default = qa
        return _default


def ask(question: str, sources: Sequence[str] | None = None) -> Answer:
    """Answer ``question`` from the default index (see ``default_qa``), within ``sources`` if given."""
    return default_qa().ask(question, sources=sources)
