"""One short answer per part of a multi-part question: how often is a part's span right, by its
score and its length limit? (the measurement behind ``rag.answer.read.part_answers``)

    python benchmarks/fit_features/part_answers.py      # about 2 minutes (ingest, then one ask each)

The answerable questions of reports-dev news and files that ``rag.text.question_parts`` splits
are asked of the product (its own index, under a temporary folder); each part is read by the reader
against the answer's quotes, at two span limits (the whole question's 24 tokens, and 16). A part's
span is "right" when it holds one of the question's must-contain strings. Printed: per limit, the
spans kept and right under score floors (``-inf`` and the fitted ``short_min_logit`` among them);
then, at 16 tokens, a filter not shipped: a part's span kept only when it holds the kind of thing
the part asks for (``rag.text.holds_kind``: a number for "how many", a date for "when", a name for
"where" / "who"), the best such span among the quotes.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from rag import ReportQA  # noqa: E402
from rag.answer.read import short_min_logit  # noqa: E402
from rag.answer.reader import shared_reader  # noqa: E402
from rag.text import WORD, holds_kind, question_parts, question_type  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "reports-dev"
LIMITS = (24, 16)


#: Span limit of the kind filter's variant, and its rows' marker in ``part_spans``' output.
TYPED = -16


def part_spans(qa: ReportQA, questions: Path) -> list[tuple[int, float, bool]]:
    """(span limit, span score, right) for every part of every split answerable question; rows
    of limit ``TYPED``: the kind filter's span (score -inf when no quote's span holds the kind)."""
    reader, out = shared_reader(), []
    for line in questions.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        must, parts = item.get("answer_must_contain") or [], question_parts(item["question"])
        if not must or len(parts) < 2:
            continue
        answer = qa.ask(item["question"])
        quotes = [c.quote for c in answer.citations]
        for limit in LIMITS if quotes else ():
            for part in parts:
                readings = reader.predict(part, quotes, [""] * len(quotes), span_tokens=limit)
                best = max(range(len(quotes)), key=lambda i: readings[i].span_logit)
                a, b = readings[best].span
                span = quotes[best][a:b].lower()
                out.append((limit, readings[best].span_logit, any(m.lower() in span for m in must)))
                if limit == -TYPED:
                    out.append(typed_span(part, quotes, readings, must))
    return out


def typed_span(part: str, quotes: list[str], readings: list, must: list[str]) -> tuple[int, float, bool]:
    """The kind filter's row for one part (see the module docstring)."""
    kind, words = question_type(part), {w.lower() for w in WORD.findall(part)}
    spans = [(r.span_logit, q[r.span[0] : r.span[1]]) for q, r in zip(quotes, readings)]
    kept = [s for s in spans if kind == "other" or holds_kind(kind, s[1], words)]
    if not kept:
        return TYPED, float("-inf"), False
    score, span = max(kept)
    return TYPED, score, any(m.lower() in span.lower() for m in must)


def main() -> None:
    """Command line: see the module docstring."""
    rows: list[tuple[int, float, bool]] = []
    for name in ("news", "files"):
        with tempfile.TemporaryDirectory(prefix="part-answers-") as tmp, ReportQA(tmp) as qa:
            qa.ingest([DATA / name / "reports"])
            rows += part_spans(qa, DATA / name / "questions.jsonl")
    floors = (float("-inf"), 4.0, 6.0, 7.0, 8.0, short_min_logit(), 9.0)
    for limit in (*LIMITS, TYPED):
        spans = [(score, right) for lim, score, right in rows if lim == limit]
        if limit == TYPED:
            kept = [right for score, right in spans if score > float("-inf")]
            print(f"kind filter, {-TYPED} tokens: kept {len(kept)} of {len(spans)}, right {sum(kept)}")
            continue
        print(f"span limit {limit} tokens: {len(spans)} part spans")
        for floor in floors:
            kept = [right for score, right in spans if score >= floor]
            share = sum(kept) / len(kept) if kept else 0.0
            print(f"  score >= {floor:6.2f}: kept {len(kept):3d}, right {sum(kept):3d} ({share:.0%})")


if __name__ == "__main__":
    main()
