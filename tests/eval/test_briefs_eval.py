"""``python -m rag eval briefs``: the key facts file and the coverage harness (a tiny real index)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.eval.briefs import DATA, FACTS, covered, evaluate_briefs, load_facts, render
from rag.eval.datasets import EvalSetError
from rag.read.load import load_text
from tests.conftest import TINY_REPORTS


def test_the_facts_file_has_five_facts_per_report_each_copied_from_it() -> None:
    facts = load_facts(FACTS)
    assert len(facts) == 19 and all(len(f.facts) == 5 for f in facts)
    if not DATA.is_dir():
        pytest.skip(f"no reports-dev data at {DATA}")
    for fact_set in facts:
        text = " ".join(load_text(DATA / fact_set.set / "reports" / fact_set.report).text.split()).lower()
        missing = [f for f in fact_set.facts if f.lower() not in text]
        assert not missing, f"{fact_set.report}: {missing}"


def test_covered_is_case_and_whitespace_blind() -> None:
    assert covered(("400 men", "Ariha", "tanks"), ["The estimated 400\nMEN withdrew", "to ariha."]) == 2


def test_a_malformed_facts_line_is_an_eval_set_error(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text('{"set": "x", "facts": []}\n')
    with pytest.raises(EvalSetError, match=r"facts\.jsonl:1"):
        load_facts(path)


def rows_of(rows: list[dict]) -> list[str]:
    return [r["report"] for r in rows]


def test_evaluate_briefs_scores_every_method_on_a_tiny_set(tmp_path: Path) -> None:
    reports = tmp_path / "data" / "tiny" / "reports"
    reports.mkdir(parents=True)
    for name, text in TINY_REPORTS.items():
        (reports / name).write_text(text, encoding="utf-8")
    facts = tmp_path / "facts.jsonl"
    harbour = ["3 March", "1,200", "Ines Caldor", "Sandvik", "zzz"]
    bridge = ["Aln", "Tuesday", "fishermen", "1962", "yyy"]
    rows = [
        {"set": "tiny", "report": "harbour.txt", "facts": harbour},
        {"set": "tiny", "report": "bridge.txt", "facts": bridge},
    ]
    facts.write_text("\n".join(json.dumps(r) for r in rows))
    scores = evaluate_briefs(facts, tmp_path / "data", sentences=2)
    assert set(scores.covered) == {"brief", "lead", "centroid", "oracle"}
    assert scores.covered["lead"] == {"harbour.txt": 2, "bridge.txt": 3}
    assert scores.covered["oracle"] == {"harbour.txt": 3, "bridge.txt": 3}  # two facts share a sentence
    oracle = scores.covered["oracle"]
    assert all(scores.covered[m][r] <= oracle[r] for m in scores.covered for r in rows_of(rows))
    table = render(scores)
    assert "mean" in table and "oracle" in table and "3.00" in table
