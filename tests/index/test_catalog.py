"""The catalog (rag.index.catalog): incremental rebuilds equal full ones; the cache maps its vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag import ReportQA
from rag.index.catalog import Catalog, build_catalog
from rag.index.sparse import SparseIndex, tokenize
from tests.conftest import SEED_SOURCE

BRIEFING = """Harbour briefing

The ferry Aurora left Port Veld at 06:40 with 212 passengers and reached Kessel at noon.

Inspectors found a cracked valve on the second engine. The operator said repairs would take nine days.
"""


def _same(left: Catalog, right: Catalog) -> None:
    assert left.sources == right.sources and left.hashes == right.hashes
    assert left.passage_ids == right.passage_ids and left.texts == right.texts
    for name in ("spans", "sentence_rows", "sentence_spans", "report_rows", "passage_report"):
        assert np.array_equal(getattr(left, name), getattr(right, name)), name
    assert np.array_equal(np.asarray(left.passage_vecs), np.asarray(right.passage_vecs))
    assert np.array_equal(np.asarray(left.sentence_vecs), np.asarray(right.sentence_vecs))
    assert left.tokens == right.tokens and left.sentence_tokens == right.sentence_tokens
    assert left.extra_tokens == right.extra_tokens and left.idf == right.idf
    assert all(left.report_vocab(r) == right.report_vocab(r) for r in range(len(left.sources)))


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "briefing.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_adding_a_report_gives_the_catalog_a_full_rebuild_would(fresh_qa: ReportQA, tmp_path: Path) -> None:
    fresh_qa.ingest([_write(tmp_path / "in", BRIEFING)])
    incremental = fresh_qa.catalogs.get()
    assert incremental.sources == [SEED_SOURCE, "briefing.txt"]
    _same(incremental, build_catalog(fresh_qa.store, fresh_qa.embedder.encode))
    # The title line is report-level evidence, not a passage, but it is in the report's words.
    assert set(tokenize("Harbour briefing")) <= incremental.report_vocab(1)
    assert not any("Harbour briefing" in text for text in incremental.texts)


def test_an_updated_report_replaces_its_rows(fresh_qa: ReportQA, tmp_path: Path) -> None:
    path = _write(tmp_path / "in", BRIEFING)
    fresh_qa.ingest([path])
    before = set(fresh_qa.catalogs.get().passage_ids)
    path.write_text(BRIEFING.replace("nine days", "three weeks"), encoding="utf-8")
    assert fresh_qa.ingest([path]).updated == ("briefing.txt",)
    after = fresh_qa.catalogs.get()
    _same(after, build_catalog(fresh_qa.store, fresh_qa.embedder.encode))
    seed_rows = [pid for pid in after.passage_ids if pid in before]
    assert len(seed_rows) == len(after) - 2  # the seed report's rows were reused, the briefing's are new
    answer = fresh_qa.ask("How long will the repairs to the ferry take?")
    assert "three weeks" in answer.text and "nine days" not in answer.text


def test_a_removed_report_leaves_the_catalog(fresh_qa: ReportQA, tmp_path: Path) -> None:
    fresh_qa.ingest([_write(tmp_path / "in", BRIEFING)])
    assert fresh_qa.remove("briefing.txt")
    catalog = fresh_qa.catalogs.get()
    assert catalog.sources == [SEED_SOURCE]
    _same(catalog, build_catalog(fresh_qa.store, fresh_qa.embedder.encode))


def test_a_reopened_index_maps_the_cached_vectors_and_answers_the_same(fresh_qa: ReportQA) -> None:
    question = "How many troops withdrew and to where?"
    first = fresh_qa.ask(question)
    again = ReportQA(index_dir=fresh_qa.settings.index_dir)
    catalog = again.catalogs.get()
    assert isinstance(catalog.sentence_vecs, np.memmap) and isinstance(catalog.passage_vecs, np.memmap)
    second = again.ask(question)
    assert second.text == first.text and second.citations == first.citations
    assert second.confidence == first.confidence


def test_a_damaged_cache_is_rebuilt(fresh_qa: ReportQA) -> None:
    folder = fresh_qa.catalogs.path
    (folder / "catalog.pkl").write_bytes(b"not a pickle")
    again = ReportQA(index_dir=fresh_qa.settings.index_dir)
    answer = again.ask("How many troops withdrew and to where?")
    assert "400" in answer.text and not answer.abstained
    assert Catalog.load(folder, again.store.snapshot.token) is not None  # rewritten


def test_a_question_never_mixes_the_catalog_of_one_state_with_the_bm25_of_another(
    fresh_qa: ReportQA, tmp_path: Path
) -> None:
    fresh_qa.ingest([_write(tmp_path / "in", BRIEFING)])
    question = "How many passengers did the ferry Aurora carry?"
    expected = fresh_qa.ask(question)
    assert "212 passengers" in expected.text
    stale = SparseIndex()
    stale.build([("elsewhere", "The ferry Aurora carried passengers.")], token="an older state")
    fresh_qa.sparse.adopt(stale)  # as if an ingest had published the catalog but not the BM25
    assert fresh_qa.ask(question) == expected
