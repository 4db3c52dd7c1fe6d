"""The harness's figures on small hand-made cases whose right values are known (no model)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rag.eval import metrics as m
from rag.eval.cli import add_eval_parser, run_eval_command
from rag.eval.datasets import (
    EvalQuestion,
    EvalSet,
    EvalSetError,
    load_qa_jsonl,
    load_squad,
    report_file_name,
    spread,
)
from rag.eval.report import ratios, render_table, write_chart, write_json
from rag.eval.runner import (
    EvalResult,
    NaiveBaseline,
    SpeedFigures,
    evaluate,
    score_answer,
    split_sentences,
    summarize,
)
from rag.read.load import load_text
from rag.types import Answer, Citation, IngestReport, Passage

REPO = Path(__file__).resolve().parents[2]
SEED = "000_06aad305b551b79d.txt"

# The metric functions ------------------------------------------------------------------------


def test_normalisation_follows_the_official_squad_script() -> None:
    assert m.normalize_answer("The  Normans' conquest, of  England!") == "normans conquest of england"
    assert m.normalize_answer("An apple a day") == "apple day"
    assert m.exact_match("the Ariha.", "Ariha")
    assert not m.exact_match("Ariha town", "Ariha")


def test_containment_is_word_aligned_and_ignores_empty_golds() -> None:
    assert m.contains_answer("The estimated 400 men withdrew.", ["400"])
    assert not m.contains_answer("Some 1400 men withdrew.", ["400"])
    assert m.contains_answer("to nearby Ariha, a town", ["Idlib", "ariha"])
    assert not m.contains_answer("anything", ["", "the"])
    assert m.strip_markers("400 men [1] withdrew [12].") == "400 men   withdrew  ."


def test_containment_reads_past_curly_quotation_marks_and_apostrophes() -> None:
    quote = "townspeople from Ariha marched on it, chanting, “The people want the government to fall.” [1]"
    assert m.contains_answer(quote, ["The people want the government to fall"])
    assert m.contains_answer("Syria’s unrest", ["Syria's unrest"])
    assert m.normalize_answer("“The people”") == "“ people”"  # EM and F1 keep the official rule


def test_token_f1_by_hand() -> None:
    # pred {cat, sat}, gold {cat, sat, down}: precision 1, recall 2/3, F1 0.8.
    assert m.token_f1("the cat sat", "cat sat down") == pytest.approx(0.8)
    assert m.token_f1("dog", "cat") == 0.0
    assert m.token_f1("", "") == 1.0
    assert m.best_f1("cat sat", ["dog", "cat sat down", "cat"]) == pytest.approx(0.8)
    assert m.best_f1("cat", []) == 0.0


def test_recall_and_mrr_by_hand() -> None:
    ranks = [1, 3, None, 2]
    assert m.first_hit_rank([False, False, True, True]) == 3
    assert m.first_hit_rank([False]) is None
    assert m.recall_at_k(ranks, 1) == 0.25
    assert m.recall_at_k(ranks, 3) == 0.75
    assert m.recall_at_k(ranks, 10) == 0.75
    assert m.mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert m.recall_at_k([], 5) == 0.0 and m.mean_reciprocal_rank([]) == 0.0


def test_percentiles_interpolate_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert m.percentile(values, 50) == 30.0
    assert m.percentile(values, 95) == pytest.approx(48.0)
    assert m.percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert m.percentile([7.0], 99) == 7.0 and m.percentile([], 50) == 0.0


OUTCOMES = [
    m.Outcome(answerable=True, confidence=0.9, contained=True),
    m.Outcome(answerable=True, confidence=0.5, contained=False),
    m.Outcome(answerable=True, confidence=0.7, contained=True, always_abstains=True),
    m.Outcome(answerable=False, confidence=0.2),
    m.Outcome(answerable=False, confidence=0.6),
]


def test_abstention_point_by_hand() -> None:
    point = m.abstention_point(OUTCOMES, 0.55)
    assert point.unanswerable_abstained == 0.5  # 0.2 < 0.55, 0.6 is not
    assert point.answerable_abstained == pytest.approx(2 / 3)  # 0.5, and the one always abstained
    assert point.answerable_contained == pytest.approx(1 / 3)  # only the 0.9 one


def test_abstention_curve_spans_never_to_always() -> None:
    curve = m.abstention_curve(OUTCOMES)
    assert [p.threshold for p in curve] == [-math.inf, 0.2, 0.5, 0.6, 0.7, 0.9, math.inf]
    assert (curve[0].unanswerable_abstained, curve[0].answerable_abstained) == (0.0, pytest.approx(1 / 3))
    assert (curve[-1].unanswerable_abstained, curve[-1].answerable_abstained) == (1.0, 1.0)
    assert curve[-1].answerable_contained == 0.0
    shares = [p.unanswerable_abstained for p in curve]
    assert shares == sorted(shares)


def test_curve_thresholds_are_capped() -> None:
    thresholds = m.curve_thresholds([i / 1000 for i in range(1000)], max_points=11)
    assert len(thresholds) == 11
    assert thresholds[1] == 0.0 and thresholds[-2] == 0.999


# Scoring answers: one right, one wrong, one abstained, one unanswerable ----------------------

TEXT = "Title\n\nThe estimated 400 men withdrew to Ariha.\n\nRebels seized Idlib on March 28."
P1 = Passage(passage_id="p1", source="r.txt", text=TEXT[7:47], start=7, end=47, score=0.9)
P2 = Passage(passage_id="p2", source="r.txt", text=TEXT[49:], start=49, end=len(TEXT), score=0.5)


def _docs(source: str) -> str:
    if source != "r.txt":
        raise KeyError(source)
    return TEXT


def _citation(passage: Passage, quote_start: int, quote_end: int, quote: str | None = None) -> Citation:
    return Citation(
        marker=1,
        source=passage.source,
        passage_id=passage.passage_id,
        quote=TEXT[quote_start:quote_end] if quote is None else quote,
        start=quote_start,
        end=quote_end,
    )


QUESTIONS = {
    "right": EvalQuestion(
        qid="right", question="How many?", answerable=True, answers=("400",), gold_offsets=(21,)
    ),
    "wrong": EvalQuestion(
        qid="wrong", question="When?", answerable=True, answers=("March 28",), gold_offsets=(72,)
    ),
    "abst": EvalQuestion(
        qid="abst", question="Where?", answerable=True, answers=("Ariha",), gold_offsets=(41,)
    ),
    "none": EvalQuestion(qid="none", question="Who led?", answerable=False),
}
ANSWERS = {
    "right": Answer(
        question="How many?",
        text="The estimated 400 men withdrew to Ariha. [1]",
        abstained=False,
        citations=(_citation(P1, 7, 47),),
        passages=(P1, P2),
        confidence=0.8,
    ),
    "wrong": Answer(  # wrong sentence, a citation whose quote does not match its offsets
        question="When?",
        text="The estimated 400 men withdrew. [1]",
        abstained=False,
        citations=(_citation(P1, 7, 47, quote="The estimated 400 men withdrew."),),
        passages=(P1, P2),
        confidence=0.6,
    ),
    "abst": Answer(
        question="Where?", text="The reports do not say.", abstained=True, passages=(P2,), confidence=0.1
    ),
    "none": Answer(
        question="Who led?",
        text="Rebels seized Idlib on March 28. [1]",
        abstained=False,
        citations=(_citation(P2, 49, len(TEXT)),),
        passages=(P2, P1),
        confidence=0.3,
    ),
}


def _results() -> list[Any]:
    return [score_answer(QUESTIONS[k], ANSWERS[k], _docs, 0.01 * (i + 1)) for i, k in enumerate(QUESTIONS)]


def test_score_answer_by_hand() -> None:
    right, wrong, abst, none = _results()
    assert (right.rank, right.contained, right.first_citation_gold, right.citations_valid) == (
        1,
        True,
        True,
        1,
    )
    assert right.f1 == pytest.approx(2 / 7)  # "400" among 6 tokens: P 1/6, R 1
    assert (wrong.rank, wrong.contained, wrong.f1, wrong.first_citation_gold) == (2, False, 0.0, False)
    assert (wrong.citations, wrong.citations_valid) == (1, 0)
    assert (abst.rank, abst.always_abstains, abst.contained, abst.citations) == (None, True, False, 0)
    assert (none.rank, none.first_citation_gold, none.citations_valid) == (None, False, 1)


def _speed() -> SpeedFigures:
    return SpeedFigures(
        model_load_s=1.0,
        ingest_s=2.0,
        passages=2,
        passages_per_s=1.0,
        latency_ms={"p50": 25.0, "p95": 38.5, "p99": 39.7, "mean": 25.0},
        peak_rss_mb=100.0,
        index_mb=1.0,
    )


def test_summary_figures_by_hand() -> None:
    figures = summarize("sys", _results(), threshold=0.5, speed=_speed())
    assert (figures.questions, figures.answerable, figures.unanswerable) == (4, 3, 1)
    assert figures.retrieval.recall == {
        "@1": pytest.approx(1 / 3),
        "@3": pytest.approx(2 / 3),
        "@5": pytest.approx(2 / 3),
        "@10": pytest.approx(2 / 3),
    }
    assert figures.retrieval.mrr == pytest.approx((1 + 0.5 + 0) / 3)
    assert figures.answers.contained == pytest.approx(1 / 3)
    assert figures.answers.first_citation_gold == pytest.approx(1 / 3)
    assert figures.answers.f1 == pytest.approx((2 / 7) / 3)
    assert figures.abstention.unanswerable_abstained == 1.0  # confidence 0.3 < 0.5
    assert figures.abstention.answerable_abstained == pytest.approx(1 / 3)  # only the abstained one
    assert (figures.citations.total, figures.citations.valid, figures.citations.validity) == (
        3,
        2,
        pytest.approx(2 / 3),
    )
    # At a threshold of 0.7 the wrong answer (0.6) is abstained on too, the right one (0.8) kept.
    strict = summarize("sys", _results(), threshold=0.7, speed=_speed())
    assert strict.abstention.answerable_abstained == pytest.approx(2 / 3)
    assert strict.answers.contained == pytest.approx(1 / 3)


# The whole run, against a fake ReportQA (no model) -----------------------------------------


VOCABULARY = ("400", "men", "withdrew", "ariha", "rebels", "seized", "idlib", "march")


class FakeEmbedder:
    """Counts of a few words of TEXT: a question without them is equally far from everything."""

    def embed_query(self, text: str) -> list[float]:
        words = m.normalize_answer(text).split()
        return [float(words.count(w)) for w in VOCABULARY]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]


class FakeVectorstore:
    """Returns the two passages, the one closer to the query vector first."""

    def similarity_search_by_vector_with_relevance_scores(
        self, vector: list[float], k: int
    ) -> list[tuple[Any, float]]:
        from langchain_core.documents import Document

        docs = []
        for p in (P1, P2):
            meta = {"source": p.source, "start": p.start, "end": p.end, "passage_id": p.passage_id}
            distance = 1.0 - _cos(vector, FakeEmbedder().embed_query(p.text))
            docs.append((Document(page_content=p.text, metadata=meta), distance))
        return sorted(docs, key=lambda pair: pair[1])[:k]


def _cos(a: list[float], b: list[float]) -> float:
    norm = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b)) / norm if norm else 0.0


class FakeQA:
    """The shape of ``ReportQA`` the runner uses, answering from the hand-made ANSWERS."""

    def __init__(self, index_dir: Path, **settings: Any) -> None:
        assert settings["abstain_threshold"] == -math.inf and settings["chroma_url"] is None
        self.settings = SimpleNamespace(llm=settings.get("llm"), top_k=10, embedding_model="fake")
        index_dir.mkdir(parents=True)
        (index_dir / "data.bin").write_bytes(b"\0" * 1024 * 1024)
        self.embedder = FakeEmbedder()
        self.store = SimpleNamespace(passages=SimpleNamespace(count=lambda: 2), vectorstore=FakeVectorstore())
        self.by_question = {a.question: a for a in ANSWERS.values()}

    def ingest(self, paths: list[Path], progress: bool = False) -> IngestReport:
        return IngestReport(added=tuple(p.name for p in Path(paths[0]).iterdir()))

    def ask(self, question: str) -> Answer:
        return self.by_question[question]

    def document_text(self, source: str) -> str:
        return _docs(source)


@pytest.fixture()
def fake_result(tmp_path: Path) -> EvalResult:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "r.txt").write_text(TEXT, encoding="utf-8", newline="")
    eval_set = EvalSet(name="hand-made", reports_dir=reports, questions=tuple(QUESTIONS.values()))
    overrides = {"llm": None, "abstain_threshold": 0.5}
    return evaluate(eval_set, overrides, baseline=True, qa_factory=FakeQA)


def test_evaluate_applies_the_operating_threshold_itself(fake_result: EvalResult) -> None:
    product = fake_result.product
    assert (fake_result.reports, fake_result.mode, product.speed.passages) == (1, "extractive", 2)
    assert product.abstention.threshold == 0.5
    assert product.abstention.unanswerable_abstained == 1.0
    assert product.answers.contained == pytest.approx(1 / 3)
    assert product.citations.validity == pytest.approx(2 / 3)
    assert product.speed.index_mb == pytest.approx(1.0)
    assert len(product.speed.latency_ms) == 4 and product.speed.latency_ms["p50"] >= 0


def test_the_baseline_never_abstains_and_cites_its_top_passage(fake_result: EvalResult) -> None:
    baseline = fake_result.baseline
    assert baseline is not None
    assert baseline.abstention.unanswerable_abstained == 0.0
    assert baseline.abstention.answerable_abstained == 0.0
    assert baseline.citations.validity == 1.0
    # The questions share no word of VOCABULARY with any passage: P1 comes first every time.
    assert [r.rank for r in baseline.per_question] == [1, 2, 1, None]
    assert baseline.per_question[1].text == "The estimated 400 men withdrew to Ariha."
    assert baseline.answers.contained == pytest.approx(2 / 3)


def test_table_json_and_chart(fake_result: EvalResult, tmp_path: Path) -> None:
    table = render_table(fake_result)
    for label in ("recall@1", "MRR", "token F1", "ask() latency p99 ms", "ratio", "langchain-naive"):
        assert label in table
    assert ratios(fake_result)["recall@10"] == pytest.approx((2 / 3) / 1.0)
    written = write_json(fake_result, tmp_path / "out" / "figures.json")
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["product"]["abstention"]["curve"][0]["threshold"] == "-Infinity"
    assert data["baseline"]["name"] == "langchain-naive" and "recall@1" in data["ratios"]
    assert EvalResult.model_validate_json(json.dumps({k: v for k, v in data.items() if k != "ratios"}))
    chart = write_chart(fake_result, written.with_suffix(".png"))
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_naive_baseline_sentence_split() -> None:
    assert split_sentences("One two. Three? Four!  ") == [(0, 8), (9, 15), (16, 21)]
    answer = NaiveBaseline(FakeVectorstore(), FakeEmbedder()).ask("who seized idlib")
    assert answer.passages[0].passage_id == "p2" and not answer.abstained


# Evaluation sets ------------------------------------------------------------------------------

SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Steam_engine/valves",
            "paragraphs": [
                {
                    "context": "Watt improved the engine in 1781.",
                    "qas": [
                        {
                            "id": "a",
                            "question": "When?",
                            "is_impossible": False,
                            "answers": [{"text": "1781", "answer_start": 28}],
                        },
                        {
                            "id": "b",
                            "question": "Who sold it?",
                            "is_impossible": True,
                            "answers": [],
                            "plausible_answers": [{"text": "Watt", "answer_start": 0}],
                        },
                    ],
                },
                {
                    "context": "Boulton built it.",
                    "qas": [
                        {
                            "id": "c",
                            "question": "Who built it?",
                            "is_impossible": False,
                            "answers": [
                                {"text": "Boulton", "answer_start": 0},
                                {"text": "Boulton", "answer_start": 0},
                            ],
                        }
                    ],
                },
            ],
        },
        {"title": "Normans", "paragraphs": [{"context": "Normandy is in France.", "qas": []}]},
    ],
}


def test_squad_articles_become_reports_with_gold_offsets(tmp_path: Path) -> None:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    eval_set = load_squad(path, tmp_path / "reports")
    assert sorted(p.name for p in eval_set.reports_dir.iterdir()) == [
        "001_Steam_engine_valves.txt",
        "002_Normans.txt",
    ]
    text = (eval_set.reports_dir / "001_Steam_engine_valves.txt").read_text(encoding="utf-8")
    assert text == "Steam engine/valves\n\nWatt improved the engine in 1781.\n\nBoulton built it."
    a, b, c = eval_set.questions
    assert text[a.gold_offsets[0] : a.gold_offsets[0] + 4] == "1781"
    assert c.gold_offsets == (text.index("Boulton"),) and c.answers == ("Boulton", "Boulton")
    assert (b.answerable, b.answers, b.gold_offsets) == (False, (), ())
    first = Passage(passage_id="x", source=a.source or "", text="", start=21, end=54, score=0)
    second = first.model_copy(update={"start": 56, "end": len(text)})
    assert a.is_gold(first) and not a.is_gold(second) and c.is_gold(second) and not b.is_gold(first)
    assert not a.is_gold(first.model_copy(update={"source": "002_Normans.txt"}))
    assert report_file_name(7, "???") == "007_article.txt"


def test_squad_paragraph_white_space_is_stripped_as_the_loader_does(tmp_path: Path) -> None:
    """SQuAD's Packet_switching has a paragraph ending in two spaces: the loader strips them, so
    the written report must too, or every later gold offset is off by two."""
    qas = [
        {
            "id": "q",
            "question": "Who?",
            "is_impossible": False,
            "answers": [{"text": "Baran", "answer_start": 2}],
        }
    ]
    article = {
        "title": "T",
        "paragraphs": [
            {"context": "  Baran named it.  ", "qas": qas},
            {
                "context": "Next.",
                "qas": [
                    {
                        "id": "r",
                        "question": "What?",
                        "is_impossible": False,
                        "answers": [{"text": "Next", "answer_start": 0}],
                    }
                ],
            },
        ],
    }
    path = tmp_path / "squad.json"
    path.write_text(json.dumps({"data": [article]}), encoding="utf-8")
    eval_set = load_squad(path, tmp_path / "reports")
    file = eval_set.reports_dir / "001_T.txt"
    text = file.read_text(encoding="utf-8")
    assert text == load_text(file).text == "T\n\nBaran named it.\n\nNext."
    for question in eval_set.questions:
        start = question.gold_offsets[0]
        assert text[start : start + len(question.answers[0])] == question.answers[0]


def test_limit_spreads_questions_evenly() -> None:
    assert spread(list(range(10)), 3) == (0, 3, 6)
    assert spread(list(range(4)), None) == (0, 1, 2, 3)
    assert spread(list(range(4)), 9) == (0, 1, 2, 3)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", ":2: not JSON"),
        ('{"question": "Q?", "answers": []}', "non-empty list"),
        ('{"question": "Q?", "answers": ["x"], "source": "missing.txt"}', "is not a file"),
        ('{"answers": ["x"]}', "string 'question'"),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "r.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "set.jsonl"
    path.write_text('{"question": "Who?", "unanswerable": true}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=message):
        load_qa_jsonl(path, tmp_path)


def test_jsonl_gold_passage_is_the_one_holding_the_answer(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "set.jsonl"
    path.write_text('\n{"question": "When?", "answers": ["March 28"], "source": "r.txt"}\n', encoding="utf-8")
    (question,) = load_qa_jsonl(path, tmp_path).questions
    assert question.is_gold(P2) and not question.is_gold(P1)


def test_the_seed_question_set() -> None:
    eval_set = load_qa_jsonl(REPO / "evals" / "seed_questions.jsonl", REPO / "seeds")
    seed_text = (REPO / "seeds" / SEED).read_text(encoding="utf-8")
    answerable = [q for q in eval_set.questions if q.answerable]
    assert len(answerable) >= 25 and len(eval_set.questions) - len(answerable) >= 5
    for question in answerable:
        assert question.source == SEED
        assert all(a in seed_text for a in question.answers), question.question
    openers = {q.question.split()[0].lower() for q in eval_set.questions}
    assert {"how", "when", "where", "who", "what"} <= openers | {"which"}


def test_cli_arguments(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_eval_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "squad", "x.json", "--limit", "5", "--baseline", "--json", "o/f.json"])
    assert (args.eval_kind, args.limit, args.baseline, args.json, args.mode) == (
        "squad",
        5,
        True,
        Path("o/f.json"),
        "extractive",
    )
    monkeypatch.delenv("RAG_LLM", raising=False)
    seeds = str(REPO / "seeds")
    args = parser.parse_args(
        [
            "eval",
            "qa",
            str(REPO / "evals" / "seed_questions.jsonl"),
            "--reports",
            seeds,
            "--mode",
            "generative",
        ]
    )
    assert run_eval_command(args) == 2
    assert "--llm" in capsys.readouterr().err


# The realistic sets (answer_must_contain + gold_quote) -------------------------------------------

WRAPPED = "Sources said the estimated 400 men with-\ndrew with most of their equipment\nto nearby Ariha."


def test_gold_quotes_are_located_across_line_breaks_and_hyphens() -> None:
    quote = "The estimated 400 men withdrew with most of their equipment to nearby Ariha."
    start, end = m.locate_quote(WRAPPED, quote) or (0, 0)
    assert (
        WRAPPED[start:end]
        == "the estimated 400 men with-\ndrew with most of their equipment\nto nearby Ariha"
    )
    assert m.locate_quote(WRAPPED, "to nearby Idlib") is None and m.locate_quote(WRAPPED, "...") is None


def test_must_contain_and_overlap_rules() -> None:
    assert m.contains_all("About 400 men went to\nAriha [1].", ["400", "ariha"])
    assert not m.contains_all("About 400 men went to Idlib [1].", ["400", "Ariha"])
    assert m.overlaps(5, 10, [(9, 20)]) and not m.overlaps(5, 10, [(10, 20)])


def _realistic_set(tmp_path: Path) -> Path:
    (tmp_path / "r.txt").write_text(WRAPPED, encoding="utf-8")
    records = [
        {
            "question": "How many soldiers pulled out, and where to?",
            "source": "r.txt",
            "answer_must_contain": ["400", "Ariha"],
            "gold_quote": "the estimated 400 men withdrew with most of their equipment to nearby Ariha.",
        },
        {"question": "Who led them?", "source": "r.txt", "unanswerable": True, "why": "never said"},
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (tmp_path / "question_kinds.tsv").write_text(
        "line\tsource\tkind\ttwo_part\tneeds_context\tquestion\n1\tr.txt\thowmany\t1\t0\tq\n"
        "2\tr.txt\tunans-absent\t0\t0\tq\n",
        encoding="utf-8",
    )
    return path


def _cited(start: int, end: int, text: str = "400 men ... Ariha [1]", source: str = "r.txt") -> Answer:
    citation = Citation(
        marker=1, source=source, passage_id="p", quote=WRAPPED[start:end], start=start, end=end
    )
    return Answer(question="q", text=text, abstained=False, citations=(citation,), confidence=0.9)


def test_realistic_questions_are_scored_by_quote_overlap_and_must_contain(tmp_path: Path) -> None:
    eval_set = load_qa_jsonl(_realistic_set(tmp_path), tmp_path)
    located, missing = eval_set.with_gold_spans(lambda source: WRAPPED)
    answerable, unanswerable = located.questions
    assert missing == [] and answerable.kind == "howmany" and answerable.two_part
    assert unanswerable.kind == "unans-absent" and not unanswerable.answerable
    start = WRAPPED.index("400")
    cases = {
        "right": (_cited(start, len(WRAPPED)), True),
        "the wrong sentence": (_cited(0, 12), False),
        "another report": (_cited(start, len(WRAPPED), source="x.txt"), False),
        "a missing word": (_cited(start, len(WRAPPED), text="400 men left [1]"), False),
    }
    for name, (answer, expected) in cases.items():
        assert score_answer(answerable, answer, lambda s: WRAPPED, 0.01).right is expected, name
    rows = [
        score_answer(answerable, cases["right"][0], lambda s: WRAPPED, 0.01),
        score_answer(unanswerable, _cited(0, 12), lambda s: WRAPPED, 0.01),
    ]
    figures = summarize("sys", rows, threshold=0.5, speed=_speed())
    assert figures.realistic is not None
    assert (figures.realistic.right, figures.realistic.unanswerable_abstained) == (0.5, 0.0)
    strict = summarize("sys", rows, threshold=0.95, speed=_speed())
    assert strict.realistic is not None and strict.realistic.refused == 1.0
    assert strict.realistic.right == 0.5  # the unanswerable one is now abstained on: right
    assert set(figures.by_kind) == {"howmany", "two-part", "unans-absent"}
    assert figures.by_report["r.txt"].questions == 2


def test_realistic_records_need_a_gold_quote(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text(WRAPPED, encoding="utf-8")
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "Q?", "source": "r.txt", "answer_must_contain": ["400"]}\n', encoding="utf-8"
    )
    with pytest.raises(EvalSetError, match="gold_quote"):
        load_qa_jsonl(path, tmp_path)


def test_kendall_tau_counts_pairs_of_distinct_dates() -> None:
    from rag.eval.metrics import kendall_tau

    assert kendall_tau(["2015-01-01", "2015-02-01", "2015-03-01"], [0, 1, 2]) == (3, 0)
    assert kendall_tau(["2015-01-01", "2015-02-01", "2015-03-01"], [2, 1, 0]) == (0, 3)
    assert kendall_tau(["2015-01-01", "2015-01-01", "2015-03-01"], [1, 0, 2]) == (
        2,
        0,
    )  # a tie is not counted


def test_a_multi_part_short_answer_matches_exactly_only_when_every_part_does() -> None:
    from rag.eval.runner import _short_scores
    from rag.types import Answer, Citation

    quote = "The estimated 400 men withdrew to nearby Ariha."
    citation = Citation(marker=1, source="a.txt", passage_id="p", quote=quote, start=0, end=len(quote))
    question = EvalQuestion(
        qid="1", question="How many withdrew and to where?", answerable=True, must_contain=("400", "Ariha")
    )

    def scores(*parts: str) -> dict[str, Any]:
        answer = Answer(
            question=question.question,
            text=f"{quote} [1]",
            abstained=False,
            citations=(citation,),
            short="; ".join(parts),
            short_parts=parts if len(parts) > 1 else (),
        )
        return _short_scores(question, answer, answer.text)

    assert scores("400", "Ariha")["short_exact"]
    assert not scores("400", "nearby Ariha")["short_exact"]
    assert scores("400")["short_exact"]  # one part, one gold string
    assert scores("400", "Ariha")["short_f1"] == 1.0 and scores("400", "nearby Ariha")["short_f1"] < 1.0
    # the share of the key strings the short answer holds, whatever its wording around them
    assert scores("400", "nearby Ariha")["short_keys"] == 1.0 and scores("400")["short_keys"] == 0.5
