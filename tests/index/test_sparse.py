"""The sparse stage: its tokenizer and the persisted BM25 index."""

from __future__ import annotations

import json
from pathlib import Path

from rag.index.sparse import SparseIndex, tokenize


def test_word_forms_share_a_token_and_numbers_stay_whole() -> None:
    assert tokenize("Which sect dominates Latakia?") == tokenize("sect dominated Latakia")
    assert tokenize("The 400 men withdrew in 2011") == ["400", "men", "withdrew", "2011"]


def test_saved_index_answers_like_the_built_one(tmp_path: Path) -> None:
    index = SparseIndex()
    index.build([("a", "Troops withdrew to Ariha."), ("b", "Rebels seized Idlib.")], token="t1")
    assert index.save(tmp_path / "bm25")
    loaded = SparseIndex.load(tmp_path / "bm25")
    assert loaded is not None and loaded.token == "t1"
    assert loaded.scores("where did troops withdraw").tolist() == index.scores("troops withdrawing").tolist()
    assert loaded.scores("troops")[0] > 0 == loaded.scores("troops")[1]


def test_index_saved_by_another_tokenizer_is_not_reused(tmp_path: Path) -> None:
    index = SparseIndex()
    index.build([("a", "Troops withdrew to Ariha.")], token="t1")
    index.save(tmp_path / "bm25")
    meta_file = tmp_path / "bm25" / "ids.json"
    meta = json.loads(meta_file.read_text())
    meta_file.write_text(json.dumps({**meta, "tokenizer": "suffix-stripper"}))
    assert SparseIndex.load(tmp_path / "bm25") is None
