"""benchmarks/fit_features/fit_passages.py: gold labels of a real pool, gold ranks, folds, the fit."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from rag.answer import features
from rag.answer.retrieve import HybridRetriever
from rag.settings import Settings
from tests.conftest import TINY_REPORTS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "fit_features"))
import fit_passages


@pytest.fixture(scope="module")
def pooled(tiny_index):
    retriever = HybridRetriever(tiny_index, Settings(index_dir=tiny_index.settings.index_dir))
    return retriever.pool(retriever.query("q", "Who rescued the people from the river Aln?"))


def test_the_passage_holding_the_gold_quote_is_the_only_gold_one(pooled) -> None:
    cands, _ = pooled
    text = TINY_REPORTS["bridge.txt"]
    start = text.index("Two cars fell")
    gold = (start, start + len("Two cars fell into the water"))
    y = fit_passages.gold_labels({"source": "bridge.txt"}, gold, cands)
    assert y.sum() == 1
    assert "rescued by fishermen" in cands[int(np.argmax(y))].text
    other = fit_passages.gold_labels(
        {"source": "harbour.txt"}, gold, cands
    )  # the same offsets in another report
    assert all(c.chunk.source == "harbour.txt" for c, g in zip(cands, other, strict=True) if g)
    assert fit_passages.gold_labels({"source": "bridge.txt", "unanswerable": True}, gold, cands).sum() == 0


def test_without_a_gold_quote_a_passage_holding_an_answer_is_gold(pooled) -> None:
    cands, _ = pooled
    y = fit_passages.gold_labels({"source": "bridge.txt", "answers": ["1962", "nowhere"]}, None, cands)
    assert y.sum() == 1 and "1962" in cands[int(np.argmax(y))].text


def _pool(group: tuple[str, object], x: np.ndarray, y: list[float], name: str = "news") -> fit_passages.Pool:
    return fit_passages.Pool(name, group, True, x, np.array(y), [f"p{i}" for i in range(len(y))])


def test_gold_rank_breaks_ties_by_passage_id_and_misses_at_999() -> None:
    x = np.zeros((3, len(features.PASSAGE_FEATURES)))
    w = np.ones(len(features.PASSAGE_FEATURES))
    assert fit_passages.gold_rank(_pool(("news", "a"), x, [0, 1, 0]), w) == 1
    assert fit_passages.gold_rank(_pool(("news", "a"), x, [0, 0, 0]), w) == 999
    x[2, 0] = 1.0
    assert fit_passages.gold_rank(_pool(("news", "a"), x, [0, 0, 1]), w) == 0


def test_folds_leave_whole_reports_out() -> None:
    x = np.zeros((2, len(features.PASSAGE_FEATURES)))
    pools = [_pool(("news", r), x, [1, 0]) for r in "abcdefabc"] + [_pool(("squad", 7), x, [1, 0], "squad")]
    fold = fit_passages.folds(pools)
    by_report: dict = {}
    for p, k in zip(pools, fold, strict=True):
        by_report.setdefault(p.group, set()).add(int(k))
    assert all(len(ks) == 1 for ks in by_report.values())
    assert fold[-1] == 7 % fit_passages.FOLDS
    assert len(set(fold[:-1].tolist())) == fit_passages.FOLDS


def test_the_fit_ranks_the_gold_passage_first_when_one_feature_tells_it() -> None:
    rng = np.random.default_rng(0)
    pools = []
    for q in range(40):
        x = rng.normal(size=(6, len(features.PASSAGE_FEATURES)))
        x[q % 6, 3] += 4.0  # sdense_max marks the gold passage
        y = np.zeros(6)
        y[q % 6] = 1
        pools.append(_pool(("news", q % 4), x, list(y)))
    w = fit_passages.fit(pools, range(len(pools)), weight=1)
    assert np.argmax(np.abs(w)) == 3 and w[3] > 0
    assert all(fit_passages.gold_rank(p, w) == 0 for p in pools)
