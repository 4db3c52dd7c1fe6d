"""Shared fixtures: a real embedded Chroma index over seeds/, built once per test session."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.offline import go_offline

go_offline()

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SEED_SOURCE = "000_06aad305b551b79d.txt"
BENCHMARK = REPO.parent / "shared" / "data" / "squad-v2-dev-10articles.json"


def stop_process(process: subprocess.Popen, seconds: float = 20) -> None:
    """Stop a server the test started: terminate it, and kill it if it lingers past ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def seeded_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding an index built from seeds/ (built once; copy it before writing)."""
    from rag.qa import ReportQA

    folder = tmp_path_factory.mktemp("seeded-index")
    qa = ReportQA(index_dir=folder)
    qa.ingest([SEEDS])
    qa.entity_pass.wait()  # the entities are stored before the folder is copied
    return folder


@pytest.fixture(scope="session")
def seeded_qa(seeded_index_dir: Path):
    """A read-only ``ReportQA`` over the seed report (do not ingest or remove with it)."""
    from rag.qa import ReportQA

    return ReportQA(index_dir=seeded_index_dir)


@pytest.fixture()
def fresh_qa(seeded_index_dir: Path, tmp_path: Path) -> Iterator:
    """A writable ``ReportQA`` over a private copy of the seeded index."""
    from rag.qa import ReportQA

    folder = tmp_path / "index"
    shutil.copytree(seeded_index_dir, folder)
    yield ReportQA(index_dir=folder)


#: Two small reports for the unit tests of retrieve, answer and cite (see ``tiny_index``).
TINY_REPORTS = {
    "harbour.txt": (
        "Harbour closure\n\n"
        "The port of Velmora closed on 3 March after a storm damaged the northern pier. "
        "About 1,200 dock workers were sent home.\n\n"
        "Repairs are expected to take six weeks. The harbour master, Ines Caldor, said ferries "
        "would dock at Sandvik until then."
    ),
    "bridge.txt": (
        "Bridge collapse\n\n"
        "A road bridge over the river Aln collapsed on Tuesday evening. Two cars fell into the water "
        "and three people were rescued by fishermen.\n\n"
        "The bridge was built in 1962 and had been due for inspection in May."
    ),
}


def index_of(texts: dict[str, str], tmp_path_factory: pytest.TempPathFactory, name: str = "texts"):
    """A new ``Index`` (real Chroma, real model) over reports named and written as in ``texts``."""
    from rag.index import Index
    from rag.settings import Settings

    reports = tmp_path_factory.mktemp(f"{name}-reports")
    for source, text in texts.items():
        (reports / source).write_text(text, encoding="utf-8")
    index = Index(Settings(index_dir=tmp_path_factory.mktemp(f"{name}-index")))
    index.ingest([reports])
    return index


@pytest.fixture(scope="session")
def tiny_index(tmp_path_factory: pytest.TempPathFactory):
    """A read-only ``Index`` over the two ``TINY_REPORTS`` (real Chroma, real model)."""
    return index_of(TINY_REPORTS, tmp_path_factory, "tiny")
