"""The evaluation harness: ``python -m rag eval squad PATH.json`` or ``eval qa PATH.jsonl --reports DIR``.

- ``metrics``: pure functions (SQuAD normalisation, token F1, recall@k, MRR, abstention curve).
- ``datasets``: a SQuAD 2.0 file as report files + questions; a user's JSONL question set.
- ``runner``: runs the product and the naive LangChain baseline on one fresh index and scores them.
- ``report``: the terminal table, the JSON of every figure, the PNG chart.
- ``cli``: the ``eval`` sub-command that ``rag.cli`` registers.
"""

from __future__ import annotations

from rag.eval.datasets import EvalQuestion, EvalSet, load_qa_jsonl, load_squad

__all__ = ["EvalQuestion", "EvalSet", "load_qa_jsonl", "load_squad"]
