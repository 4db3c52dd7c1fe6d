"""Helpers for the scale and robustness tests: reports built from the SQuAD benchmark articles."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from tests.conftest import BENCHMARK

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"


def articles() -> list[dict[str, Any]]:
    """The benchmark's articles: title, paragraphs and questions."""
    return json.loads(BENCHMARK.read_text(encoding="utf-8"))["data"]


def article_text(article: dict[str, Any], seed: int | None = None, limit: int | None = None) -> str:
    """An article as a report: its title, then its paragraphs (shuffled when ``seed`` is set)."""
    paragraphs = [p["context"].strip() for p in article["paragraphs"]][:limit]
    if seed is not None:
        random.Random(seed).shuffle(paragraphs)
    return article["title"].replace("_", " ") + "\n\n" + "\n\n".join(paragraphs) + "\n"


def write_reports(folder: Path, count: int, seed: int | None = None, limit: int | None = None) -> list[Path]:
    """Write the first ``count`` articles as reports into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles()[:count]:
        path = folder / f"{article['title']}.txt"
        path.write_text(article_text(article, seed, limit), encoding="utf-8")
        paths.append(path)
    return paths


def questions(count: int, articles_used: int) -> list[str]:
    """``count`` answerable and unanswerable questions about the first ``articles_used`` articles."""
    found = [
        qa["question"]
        for article in articles()[:articles_used]
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    ]
    return found[:count]


def check_consistent(qa: Any, versions: dict[str, set[str]]) -> None:
    """Every indexed report is complete in one of its ``versions`` (content hashes), and no
    passage of another version is visible."""
    from rag.read.chunk import chunk_report

    store = qa.store
    store.refresh()
    hashes = store.report_hashes()
    assert set(hashes) <= set(versions), set(hashes) - set(versions)
    for source, digest in hashes.items():
        assert digest in versions[source], (source, digest)
        text = qa.document_text(source)
        want = chunk_report(source, text, qa.embedder.count_tokens, qa.settings.max_passage_tokens, digest)
        found = store.passages.get(where={"source": source}, include=["metadatas"])
        visible = {
            pid for pid, meta in zip(found["ids"], found["metadatas"]) if meta["report_hash"] == digest
        }
        assert visible == {c.passage_id for c in want}, source
        chunks = store.get_chunks([c.passage_id for c in want])
        assert all(text[c.start : c.end] == c.text for c in chunks.values())
        assert set(store.sentence_vectors(sorted(visible))) == visible, source
