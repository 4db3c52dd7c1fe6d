"""The command line: a thin shell over ``ReportQA`` (no retrieval or answering logic here).

python -m rag ingest PATH...        index reports (files or folders)
python -m rag ask "question" [--json]
python -m rag list                  the indexed reports
python -m rag remove SOURCE
python -m rag eval ...              the evaluation harness (see rag.eval)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Cited answers from reports.")
    parser.add_argument("--index-dir", help="index folder (default: RAG_INDEX_DIR or ./index)")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="index reports (files or folders)")
    ingest.add_argument("paths", nargs="+")
    ask = commands.add_parser("ask", help="ask a question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the whole Answer as JSON")
    ask.add_argument("--top-k", type=int, help="passages to retrieve")
    ask.add_argument("--llm", help="chat model spec for generative mode, e.g. ollama:llama3.2")
    commands.add_parser("list", help="list the indexed reports")
    remove = commands.add_parser("remove", help="remove a report from the index")
    remove.add_argument("source")
    try:
        from rag.eval.cli import add_eval_parser
    except ImportError:  # the harness is optional for the CLI to work
        pass
    else:
        add_eval_parser(commands)
    return parser


def _open(args: argparse.Namespace, **overrides: Any) -> Any:
    from rag.qa import ReportQA

    if args.index_dir:
        overrides["index_dir"] = args.index_dir
    return ReportQA(**{k: v for k, v in overrides.items() if v is not None})


def _print_answer(answer: Any) -> None:
    from rag.prompts import UNCERTAIN_NOTE

    if answer.support == "uncertain":
        print(f"({UNCERTAIN_NOTE})")
    print(answer.text)
    for citation in answer.citations:
        print(f"\n[{citation.marker}] {citation.source}, characters {citation.start}-{citation.end}:")
        print(f'    "{citation.quote}"')
    for line in answer.unsupported:
        print(f"\n(unsupported by the reports: {line})")


def _run(args: argparse.Namespace) -> int:
    if args.command == "eval":
        from rag.eval.cli import run_eval_command

        return run_eval_command(args)
    if args.command == "ingest":
        report = _open(args).ingest(args.paths, progress=sys.stderr.isatty())
        print(report.summary())
        for note in report.notes:
            print(f"note: {note}")
        return 0 if not report.skipped or report.added or report.updated or report.unchanged else 1
    if args.command == "ask":
        answer = _open(args, llm=args.llm).ask(args.question, top_k=args.top_k)
        if args.json:
            print(json.dumps(answer.model_dump(), indent=2, ensure_ascii=False))
        else:
            _print_answer(answer)
        return 0
    qa = _open(args)
    if args.command == "list":
        sources = qa.sources()
        print("\n".join(sources) if sources else "(no reports indexed)")
        return 0
    if qa.remove(args.source):
        print(f"removed {args.source}")
        return 0
    print(f"error: no report named {args.source!r}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for a usage or input error)."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, KeyError, FileNotFoundError, RuntimeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"error: {message}", file=sys.stderr)
        return 2
