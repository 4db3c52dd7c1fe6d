"""``python -m rag eval briefs``: key-fact coverage of report briefs against two baselines.

Each line of the facts file (``evals/brief_facts.jsonl``) names a report of the reports-dev
sets (``{"set": "news", "report": "korea.txt", "facts": [...]}``) and five short strings a good
briefing of it must convey, copied from the report. A fact is covered when it appears
(case-insensitive, whitespace collapsed) in one of the chosen sentences. Compared, at the same
number of sentences and over the same eligible (prose) sentences: the brief (MMR over
centrality, position and a names/figures prior), the lead (the first sentences), the centroid
(closest to the mean vector) and the oracle (the sentences that cover most facts, greedily).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.answer import brief as briefs
from rag.eval.datasets import EvalSetError

#: Where the facts file and the reports-dev sets are, relative to the repository.
FACTS = Path(__file__).resolve().parents[2] / "evals" / "brief_facts.jsonl"
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "reports-dev"

Chooser = Callable[[briefs.ReportSentences, str, int], list[int]]

#: The methods compared, by name.
METHODS: dict[str, Chooser] = {
    "brief": briefs.choose,
    "lead": lambda found, text, count: briefs.lead(found, count),
    "centroid": lambda found, text, count: briefs.centroid(found, count),
}


@dataclass(frozen=True)
class FactSet:
    """One report's key facts."""

    set: str
    report: str
    facts: tuple[str, ...]


@dataclass
class BriefScores:
    """Covered facts per report and method (``oracle`` included)."""

    sentences: int
    covered: dict[str, dict[str, int]] = field(default_factory=dict)  # method -> report -> facts

    def mean(self, method: str) -> float:
        """Mean facts covered per report by ``method``."""
        values = list(self.covered[method].values())
        return sum(values) / len(values) if values else 0.0


def load_facts(path: Path) -> list[FactSet]:
    """The fact sets of ``path`` (JSONL); ``EvalSetError`` on a malformed line."""
    out: list[FactSet] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise EvalSetError(f"cannot read {path}: {err}") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(FactSet(row["set"], row["report"], tuple(row["facts"])))
        except (ValueError, KeyError, TypeError) as err:
            raise EvalSetError(f"{path}:{number}: not a fact set ({err})") from err
    return out


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def covered(facts: tuple[str, ...], sentences: list[str]) -> int:
    """How many ``facts`` appear in one of ``sentences`` (case-insensitive)."""
    joined = "\n".join(_norm(s) for s in sentences)
    return sum(_norm(f) in joined for f in facts)


def oracle(found: briefs.ReportSentences, text: str, facts: tuple[str, ...], count: int) -> list[int]:
    """The sentences that cover most facts, picked greedily (the ceiling of any extract)."""
    texts = [text[s:e] for s, e in found.spans]
    chosen: list[int] = []
    for _ in range(min(count, len(texts))):
        gains = [
            (covered(facts, [texts[j] for j in [*chosen, i]]), -i)
            for i in range(len(texts))
            if i not in chosen
        ]
        chosen.append(-max(gains)[1])
    return chosen


def score_set(reports: Path, facts: list[FactSet], scores: BriefScores, methods: dict[str, Chooser]) -> None:
    """Index the reports folder in a temporary index and score every method on its fact sets."""
    from rag.qa import ReportQA

    with tempfile.TemporaryDirectory(prefix="rag-eval-briefs-") as tmp:
        qa = ReportQA(index_dir=tmp, llm=None, brief_entities="on-demand")  # no pass outliving tmp
        qa.ingest([reports])
        score_reports(qa, facts, scores, methods)


def score_reports(qa: Any, facts: list[FactSet], scores: BriefScores, methods: dict[str, Chooser]) -> None:
    """Score every method on the fact sets of the reports indexed by ``qa``."""
    catalog = qa.index.catalog()
    for fact_set in facts:
        if fact_set.report not in catalog.sources:
            raise EvalSetError(f"{fact_set.report} is not indexed")
        text = qa.document_text(fact_set.report)
        found = briefs.eligible_sentences(catalog, catalog.sources.index(fact_set.report), text)
        picks = {name: choose(found, text, scores.sentences) for name, choose in methods.items()}
        picks["oracle"] = oracle(found, text, fact_set.facts, scores.sentences)
        for name, chosen in picks.items():
            quoted = [text[found.spans[i][0] : found.spans[i][1]] for i in chosen]
            scores.covered.setdefault(name, {})[fact_set.report] = covered(fact_set.facts, quoted)


def evaluate_briefs(
    facts_path: Path = FACTS, data: Path = DATA, sentences: int = 5, methods: dict[str, Chooser] | None = None
) -> BriefScores:
    """Key-fact coverage of every method over every set named in ``facts_path``."""
    facts = load_facts(facts_path)
    scores = BriefScores(sentences)
    for name in dict.fromkeys(f.set for f in facts):
        folder = data / name / "reports"
        if not folder.is_dir():
            raise EvalSetError(f"no reports folder {folder}")
        score_set(folder, [f for f in facts if f.set == name], scores, methods or METHODS)
    return scores


def render(scores: BriefScores) -> str:
    """A table: facts covered (of 5) per report and method, then the means."""
    methods = list(scores.covered)
    reports = list(scores.covered[methods[0]])
    width = max(len(r) for r in reports)
    lines = [f"Key facts covered by {scores.sentences} sentences (of 5 per report)", ""]
    lines.append(f"{'report':<{width}}  " + "  ".join(f"{m:>8}" for m in methods))
    for report in reports:
        lines.append(f"{report:<{width}}  " + "  ".join(f"{scores.covered[m][report]:>8}" for m in methods))
    lines.append(f"{'mean':<{width}}  " + "  ".join(f"{scores.mean(m):>8.2f}" for m in methods))
    return "\n".join(lines)
