"""A short real run of the harness: the real model over two benchmark articles (slow: ~1 min).

The full ten-article run is the benchmark (``make bench``), not a test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.cli import main
from rag.eval.datasets import load_qa_jsonl
from rag.eval.runner import evaluate

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BENCHMARK = REPO.parent / "shared" / "data" / "squad-v2-dev-10articles.json"


@pytest.fixture(scope="module")
def two_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first two articles of the benchmark as a SQuAD 2.0 file."""
    if not BENCHMARK.is_file():
        pytest.skip(f"benchmark data not found at {BENCHMARK}")
    data = json.loads(BENCHMARK.read_text(encoding="utf-8"))
    data["data"] = data["data"][:2]
    path = tmp_path_factory.mktemp("squad") / "two-articles.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _shares(figures: dict) -> list[float]:
    return [
        *figures["retrieval"]["recall"].values(),
        figures["retrieval"]["mrr"],
        *(v for k, v in figures["answers"].items() if k != "mean_words"),
        figures["abstention"]["unanswerable_abstained"],
        figures["abstention"]["answerable_abstained"],
    ]


def test_short_squad_run_with_baseline(
    two_articles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "eval" / "squad.json"
    argv = [
        "eval",
        "squad",
        str(two_articles),
        "--limit",
        "30",
        "--baseline",
        "--json",
        str(out),
        "--no-progress",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "recall@1" in printed and "langchain-naive" in printed and "ratio" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    product, baseline = data["product"], data["baseline"]
    assert data["reports"] == 2 and product["questions"] == 30
    assert product["answerable"] > 5 and product["unanswerable"] > 5
    for figures in (product, baseline):
        assert figures["citations"]["total"] > 0
        assert figures["citations"]["validity"] == 1.0
        assert all(0.0 <= x <= 1.0 for x in _shares(figures))
        recall = figures["retrieval"]["recall"]
        assert recall["@1"] <= recall["@3"] <= recall["@5"] <= recall["@10"]
        assert recall["@10"] >= 0.6
        assert figures["answers"]["contained_never_abstaining"] >= 0.3
        assert 5 <= figures["answers"]["mean_words"] <= 80
        latency = figures["speed"]["latency_ms"]
        assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
    assert product["speed"]["passages"] >= 80 and product["speed"]["index_mb"] > 0
    assert product["speed"]["peak_rss_mb"] > 100
    curve = product["abstention"]["curve"]
    assert curve[0]["threshold"] == "-Infinity" and curve[-1]["unanswerable_abstained"] == 1.0


def test_the_run_is_deterministic() -> None:
    eval_set = load_qa_jsonl(REPO / "evals" / "seed_questions.jsonl", REPO / "seeds").limited(12)
    runs = [evaluate(eval_set, {"llm": None}) for _ in range(2)]
    first, second = ({**r.product.model_dump(), "speed": None, "per_question": None} for r in runs)
    assert first == second
    strip = [[q.model_dump(exclude={"latency_s"}) for q in r.product.per_question] for r in runs]
    assert strip[0] == strip[1]
    assert runs[0].product.citations.validity == 1.0
