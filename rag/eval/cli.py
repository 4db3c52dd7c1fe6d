"""``python -m rag eval squad|qa|briefs ...``: the harness's command line (registered by ``rag.cli``)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from rag.eval.datasets import EvalSet, EvalSetError, load_qa_jsonl, load_squad


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, help="ask only N questions, spread evenly over the set")
    parser.add_argument(
        "--mode",
        choices=("extractive", "generative"),
        default="extractive",
        help="extractive (default) or generative (needs --llm or RAG_LLM)",
    )
    parser.add_argument("--llm", help="chat model spec for generative mode, e.g. ollama:llama3.2")
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="write every figure here, and a PNG beside it"
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also run the naive LangChain recipe on the same index and compare",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")


def add_eval_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``eval squad PATH.json`` and ``eval qa PATH.jsonl --reports DIR`` to the CLI."""
    parser = subparsers.add_parser(
        "eval",
        help="measure retrieval, answers, abstention, citations and speed",
        description="Evaluate Dispatch QA on a fresh temporary index (the --index-dir is not used).",
    )
    kinds = parser.add_subparsers(dest="eval_kind", required=True)
    squad = kinds.add_parser("squad", help="a SQuAD 2.0 JSON file: each article becomes a report")
    squad.add_argument("path", type=Path, metavar="PATH.json")
    _common(squad)
    qa = kinds.add_parser("qa", help="your own JSONL question set over a folder of reports")
    qa.add_argument("path", type=Path, metavar="PATH.jsonl")
    qa.add_argument("--reports", type=Path, required=True, metavar="DIR", help="folder of the reports")
    _common(qa)
    _add_briefs(kinds)


def _add_briefs(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``eval briefs [--facts FILE] [--data DIR] [--sentences N]`` (see ``rag.eval.briefs``)."""
    from rag.eval.briefs import DATA, FACTS

    briefs = kinds.add_parser("briefs", help="key-fact coverage of report briefs vs lead and centroid")
    briefs.add_argument("--facts", type=Path, default=FACTS, help="JSONL of key facts per report")
    briefs.add_argument("--data", type=Path, default=DATA, help="folder holding <set>/reports/")
    briefs.add_argument("--sentences", type=int, default=5, help="sentences per brief (default 5)")


def _run_briefs(args: argparse.Namespace) -> int:
    from rag.eval.briefs import evaluate_briefs, render

    print(render(evaluate_briefs(args.facts, args.data, args.sentences)))
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    if args.mode == "extractive":
        return {"llm": None}
    from rag.settings import Settings

    llm = args.llm or Settings().llm
    if not llm:
        raise EvalSetError("--mode generative needs a chat model: pass --llm SPEC or set RAG_LLM")
    return {"llm": llm}


def _run(args: argparse.Namespace, eval_set: EvalSet) -> int:
    from rag.eval.report import render_table, write_chart, write_json
    from rag.eval.runner import evaluate

    if args.limit is not None and args.limit < 1:
        raise EvalSetError("--limit must be at least 1")
    result = evaluate(
        eval_set.limited(args.limit),
        overrides=_overrides(args),
        baseline=args.baseline,
        progress=not args.no_progress,
    )
    print(render_table(result))
    if args.json:
        written = write_json(result, args.json)
        chart = write_chart(result, written.with_suffix(".png"))
        print(f"\nFigures: {written}\nChart: {chart}")
    return 0


def run_eval_command(args: argparse.Namespace) -> int:
    """Run ``python -m rag eval ...``; returns the process exit code."""
    try:
        if args.eval_kind == "briefs":
            return _run_briefs(args)
        if args.eval_kind == "qa":
            return _run(args, load_qa_jsonl(args.path, args.reports))
        with tempfile.TemporaryDirectory(prefix="rag-eval-reports-") as tmp:
            return _run(args, load_squad(args.path, Path(tmp)))
    except EvalSetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
