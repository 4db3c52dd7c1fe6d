"""The sparse stage: its tokenizer and the persisted BM25 index."""

from __future__ import annotations

import json
from pathlib import Path

from rag.index.sparse import SparseIndex, tokenize


def test_word_forms_share_a_token_and_numbers_stay_whole() -> None:
    assert tokenize("Which sect dominates Latakia?") == tokenize("sect dominated Latakia")
    assert tokenize("The 400 men withdrew in 2011") == ["400", "men", "withdraw", "2011"]


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


def test_scores_are_bm25s_own_to_the_bit_and_saved_in_its_layout(tmp_path: Path) -> None:
    import bm25s
    import numpy as np

    from rag.index.bm25 import BM25Scores

    corpus = [tokenize(t) for t in ("Troops withdrew to Ariha.", "Rebels seized Idlib and Ariha.", "Rain.")]
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index(corpus, show_progress=False)
    built = BM25Scores.build(corpus, 1.2, 0.75)
    built.save(tmp_path / "bm25")
    loaded, by_bm25s = BM25Scores.load(tmp_path / "bm25"), bm25s.BM25.load(str(tmp_path / "bm25"))
    reference.save(str(tmp_path / "saved_by_bm25s"))  # an index saved before this module existed
    older = BM25Scores.load(tmp_path / "saved_by_bm25s")
    for terms in (["ariha"], ["troop", "ariha", "ariha"], ["rain", "idlib"]):
        expected = reference.get_scores(terms)
        assert expected.dtype == built.get_scores(terms).dtype == np.float32
        for index in (built, loaded, by_bm25s, older):
            assert np.array_equal(index.get_scores(terms), expected)


def test_asking_imports_neither_bm25s_nor_scipy(tmp_path: Path) -> None:
    import subprocess
    import sys

    index = SparseIndex()
    index.build([("a", "Troops withdrew to Ariha.")], token="t1")
    index.save(tmp_path / "bm25")
    script = (
        "import sys; from pathlib import Path; from rag.index.sparse import SparseIndex; "
        f"i = SparseIndex.load(Path({str(tmp_path / 'bm25')!r})); print(i.scores('ariha')[0] > 0, "
        "[m for m in ('bm25s', 'scipy') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "[]"]
