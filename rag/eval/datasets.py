"""Evaluation sets: a SQuAD 2.0 file turned into report files, or a user's JSONL question set.

A SQuAD article becomes the report ``NNN_<title>.txt``: its title, a blank line, then its
paragraphs separated by blank lines. The gold passage of a question is the retrieved passage of
that report whose span holds the gold answer's offset (paragraph offset + ``answer_start``).

A JSONL set has one object a line, either
``{"question": ..., "answers": ["400", ...], "source": "file.txt"}`` or
``{"question": ..., "unanswerable": true}``; its gold passage is a passage of ``source`` (of
any report when ``source`` is absent) whose text contains a gold answer.

The realistic sets (``reports-dev``) use ``{"question", "source", "answer_must_contain": [...],
"gold_quote"}``: the answer is right when its text holds every ``answer_must_contain`` string and
a citation of ``source`` overlaps the gold quote, found in the indexed text comparing letters and
digits only (see ``rag.eval.metrics.locate_quote``); a gold passage is one that overlaps it. A
``question_kinds.tsv`` beside the JSONL file (columns ``line``, ``kind``, ``two_part``,
``needs_context``) tags each question for the per-kind figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from rag.eval.metrics import contains_answer, locate_quote, overlaps


class EvalSetError(ValueError):
    """An evaluation file that cannot be read: the message names the file and the line."""


class PassageLike(Protocol):
    """The fields of a retrieved passage the gold test looks at."""

    @property
    def source(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def text(self) -> str: ...


class EvalQuestion(BaseModel):
    """One question of an evaluation set and what counts as its right answer."""

    model_config = ConfigDict(frozen=True)

    qid: str
    question: str
    answerable: bool
    answers: tuple[str, ...] = ()
    source: str | None = Field(None, description="The report that holds the answer, if known.")
    gold_offsets: tuple[int, ...] = Field(
        (), description="Character offsets of the gold answers in the report (SQuAD only)."
    )
    must_contain: tuple[str, ...] = Field(
        (), description="Strings a right answer must all hold (realistic sets)."
    )
    gold_quote: str | None = Field(None, description="The sentence that answers (realistic sets).")
    gold_spans: tuple[tuple[int, int], ...] = Field(
        (), description="Where gold_quote lies in the indexed text of source (set after ingest)."
    )
    kind: str = Field("", description="Question kind from question_kinds.tsv (how many, where, ...).")
    two_part: bool = False
    needs_context: bool = False

    @property
    def realistic(self) -> bool:
        """Whether this question is scored by the realistic-set rule (must-contain + gold quote)."""
        return bool(self.must_contain or self.gold_quote)

    def is_gold(self, passage: PassageLike) -> bool:
        """Whether ``passage`` is a gold passage of this question."""
        if not self.answerable:
            return False
        if self.source is not None and passage.source != self.source:
            return False
        if self.gold_spans:
            return overlaps(passage.start, passage.end, self.gold_spans)
        if self.gold_offsets:
            return any(passage.start <= o < passage.end for o in self.gold_offsets)
        return contains_answer(passage.text, self.answers)


class EvalSet(BaseModel):
    """Questions and the folder of reports they are asked against."""

    model_config = ConfigDict(frozen=True)

    name: str
    reports_dir: Path
    questions: tuple[EvalQuestion, ...]

    def limited(self, limit: int | None) -> EvalSet:
        """The set cut to ``limit`` questions spread evenly over it (all of it when None)."""
        return self.model_copy(update={"questions": spread(self.questions, limit)})

    def with_gold_spans(self, document_text: Callable[[str], str]) -> tuple[EvalSet, list[str]]:
        """Locate every gold quote in the indexed text; also the ids of quotes not found."""
        resolved, missing = [], []
        for q in self.questions:
            if q.gold_quote and q.source:
                try:
                    span = locate_quote(document_text(q.source), q.gold_quote)
                except KeyError:
                    span = None
                if span is None:
                    missing.append(q.qid)
                q = q.model_copy(update={"gold_spans": (span,) if span else ()})
            resolved.append(q)
        return self.model_copy(update={"questions": tuple(resolved)}), missing


def spread(items: Sequence[Any], limit: int | None) -> tuple[Any, ...]:
    """``limit`` items picked at even steps through ``items``, in order (deterministic)."""
    if limit is None or limit >= len(items):
        return tuple(items)
    if limit <= 0:
        return ()
    step = len(items) / limit
    return tuple(items[int(i * step)] for i in range(limit))


def report_file_name(number: int, title: str) -> str:
    """``NNN_<title>.txt`` with the title made safe for any file system."""
    safe = re.sub(r"[^\w\-]+", "_", title).strip("_") or "article"
    return f"{number:03d}_{safe}.txt"


def _article_text(article: dict[str, Any]) -> tuple[str, list[int]]:
    """The report text of one SQuAD article and the offset of each paragraph in it."""
    text = article["title"].replace("_", " ") + "\n\n"
    offsets: list[int] = []
    for i, paragraph in enumerate(article["paragraphs"]):
        if i:
            text += "\n\n"
        # The loader strips white space around paragraphs; strip it here too (answers keep their
        # offsets) so that the product's text of the report is exactly the file's.
        context = paragraph["context"]
        offsets.append(len(text) - (len(context) - len(context.lstrip())))
        text += context.strip()
    return text, offsets


def _squad_question(qa: dict[str, Any], source: str, offset: int) -> EvalQuestion:
    answers = qa.get("answers") or []
    answerable = not qa.get("is_impossible", False) and bool(answers)
    return EvalQuestion(
        qid=str(qa["id"]),
        question=qa["question"],
        answerable=answerable,
        answers=tuple(a["text"] for a in answers) if answerable else (),
        source=source,
        gold_offsets=tuple(sorted({offset + a["answer_start"] for a in answers})) if answerable else (),
    )


def load_squad(path: Path, out_dir: Path) -> EvalSet:
    """Write each article of a SQuAD 2.0 file as a report in ``out_dir``; return the questions."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvalSetError(f"{path}: not a SQuAD 2.0 file ({exc})") from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    questions: list[EvalQuestion] = []
    for number, article in enumerate(data, start=1):
        source = report_file_name(number, article["title"])
        text, offsets = _article_text(article)
        (out_dir / source).write_text(text, encoding="utf-8", newline="")
        for paragraph, offset in zip(article["paragraphs"], offsets, strict=True):
            questions.extend(_squad_question(qa, source, offset) for qa in paragraph["qas"])
    return EvalSet(name=Path(path).name, reports_dir=out_dir, questions=tuple(questions))


def _jsonl_question(record: Any, where: str, reports_dir: Path) -> EvalQuestion:
    if not isinstance(record, dict) or not isinstance(record.get("question"), str):
        raise EvalSetError(f"{where}: expected an object with a string 'question'")
    qid = str(record.get("id", where))
    source = record.get("source")
    if source is not None and not (reports_dir / source).is_file():
        raise EvalSetError(f"{where}: source {source!r} is not a file in {reports_dir}")
    if record.get("unanswerable") is True:
        return EvalQuestion(qid=qid, question=record["question"], answerable=False, source=source)
    realistic = "answer_must_contain" in record
    answers = record.get("answer_must_contain" if realistic else "answers")
    key = "answer_must_contain" if realistic else "answers"
    if not answers or not all(isinstance(a, str) and a.strip() for a in answers):
        raise EvalSetError(f"{where}: {key!r} must be a non-empty list of strings")
    gold_quote = record.get("gold_quote")
    if realistic and not (isinstance(gold_quote, str) and gold_quote.strip() and source):
        raise EvalSetError(f"{where}: 'answer_must_contain' needs a 'source' and a 'gold_quote'")
    return EvalQuestion(
        qid=qid,
        question=record["question"],
        answerable=True,
        answers=tuple(answers),
        source=source,
        must_contain=tuple(answers) if realistic else (),
        gold_quote=gold_quote if realistic else None,
    )


def _read_kinds(path: Path) -> dict[int, dict[str, Any]]:
    """``question_kinds.tsv`` beside a question file: line number -> kind, two_part, needs_context."""
    kinds_file = path.parent / "question_kinds.tsv"
    if not kinds_file.is_file():
        return {}
    rows = kinds_file.read_text(encoding="utf-8").splitlines()
    header = rows[0].split("\t") if rows else []
    tags: dict[int, dict[str, Any]] = {}
    for row in rows[1:]:
        cells = dict(zip(header, row.split("\t")))
        if cells.get("line", "").isdigit():
            tags[int(cells["line"])] = {
                "kind": cells.get("kind", ""),
                "two_part": cells.get("two_part") == "1",
                "needs_context": cells.get("needs_context") == "1",
            }
    return tags


def load_qa_jsonl(path: Path, reports_dir: Path) -> EvalSet:
    """Read a JSONL question set whose reports are the files of ``reports_dir``."""
    path, reports_dir = Path(path), Path(reports_dir)
    if not reports_dir.is_dir():
        raise EvalSetError(f"{reports_dir}: not a folder of reports")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalSetError(f"{path}: {exc.strerror or exc}") from exc
    questions: list[EvalQuestion] = []
    kinds = _read_kinds(path)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise EvalSetError(f"{where}: not JSON ({exc})") from exc
        question = _jsonl_question(record, where, reports_dir)
        if number in kinds:
            question = question.model_copy(update=kinds[number])
        questions.append(question)
    if not questions:
        raise EvalSetError(f"{path}: no questions")
    return EvalSet(name=path.name, reports_dir=reports_dir, questions=tuple(questions))
