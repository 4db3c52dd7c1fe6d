"""The command line: a thin shell over ``ReportQA`` (no retrieval or answering logic here).

python -m rag ingest PATH...        index reports (files or folders)
python -m rag ask "question" [--json]
python -m rag list                  the indexed reports
python -m rag remove SOURCE
python -m rag brief SOURCE [--json]  a report's cited brief and key entities
python -m rag eval ...              the evaluation harness (see rag.eval)
python -m rag --version             the release (rag.__version__)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any


def _parser() -> argparse.ArgumentParser:
    from rag import __version__

    parser = argparse.ArgumentParser(prog="python -m rag", description="Cited answers from reports.")
    parser.add_argument("--version", action="version", version=f"dispatch-qa {__version__}")
    parser.add_argument("--index-dir", help="index folder (default: RAG_INDEX_DIR or ./index)")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="index reports (files or folders)")
    ingest.add_argument("paths", nargs="+")
    ask = commands.add_parser("ask", help="ask a question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the whole Answer as JSON")
    ask.add_argument("--top-k", type=_top_k, help="passages to retrieve (1 to 100, like RAG_TOP_K)")
    ask.add_argument(
        "--source",
        action="append",
        dest="sources",
        metavar="SOURCE",
        help="search only this report (repeatable; see `list`); default: every report",
    )
    ask.add_argument("--llm", help="chat model spec for generative mode, e.g. ollama:llama3.2")
    commands.add_parser("list", help="list the indexed reports")
    remove = commands.add_parser("remove", help="remove a report from the index")
    remove.add_argument("source")
    _add_brief_parser(commands)
    try:
        from rag.eval.cli import add_eval_parser
    except ImportError:  # the harness is optional for the CLI to work
        pass
    else:
        add_eval_parser(commands)
    return parser


def _add_brief_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``brief SOURCE [--json] [--sentences N]`` (see ``ReportQA.brief``)."""
    brief = commands.add_parser("brief", help="a report's brief: its key sentences, cited, and entities")
    brief.add_argument("source", help="the report's name (see `list`)")
    brief.add_argument("--json", action="store_true", help="print the whole Brief as JSON")
    brief.add_argument("--sentences", type=int, default=5, help="sentences in the brief (1 to 6; default 5)")


def _print_brief(brief: Any) -> None:
    """A brief as text: its heading line, sentences, citations and entities by kind."""
    print(" · ".join(x for x in (brief.title or brief.source, brief.kind, brief.date) if x))
    print()
    print(brief.text)
    for citation in brief.citations:
        print(f"\n[{citation.marker}] {citation.source}, characters {citation.start}-{citation.end}")
    kinds: dict[str, list[str]] = {}
    for entity in brief.entities:
        kinds.setdefault(entity.kind, []).append(entity.text)
    if kinds:
        print()
    for kind, names in kinds.items():
        print(f"{kind}: {', '.join(names)}")


def _top_k(text: str) -> int:
    """``--top-k``, validated like ``RAG_TOP_K``."""
    from rag.settings import check_setting

    try:
        return int(check_setting("top_k", int(text)))
    except ValueError as err:
        message = str(err) if "allowed" in str(err) else f"{text!r} is not a whole number"
        raise argparse.ArgumentTypeError(message.replace("top_k (RAG_TOP_K)", "--top-k")) from None


def _open(args: argparse.Namespace, **overrides: Any) -> Any:
    from rag.qa import ReportQA

    if args.index_dir:
        overrides["index_dir"] = args.index_dir
    return ReportQA(**{k: v for k, v in overrides.items() if v is not None})


class EmptyIndexError(RuntimeError):
    """The index holds no reports (or does not exist)."""


def _no_reports(index_dir: str) -> EmptyIndexError:
    return EmptyIndexError(f"No reports indexed in {index_dir}: ingest some first")


def _open_filled(args: argparse.Namespace, **overrides: Any) -> Any:
    """The ``ReportQA`` for reading commands; ``EmptyIndexError`` if the index is missing or empty."""
    from rag.settings import Settings

    settings = Settings(**({"index_dir": args.index_dir} if args.index_dir else {}))
    if not settings.chroma_url and not settings.index_dir.is_dir():
        raise _no_reports(str(settings.index_dir))
    qa = _open(args, **overrides)
    if not qa.sources():
        raise _no_reports(qa.store.location)
    return qa


def _print_answer(answer: Any) -> None:
    from rag.prompts import UNCERTAIN_NOTE

    if answer.support == "uncertain":
        print(f"({UNCERTAIN_NOTE})")
    if answer.short:
        print(f"Answer: {answer.short}")
    print(answer.text)
    for citation in answer.citations:
        print(f"\n[{citation.marker}] {citation.source}, characters {citation.start}-{citation.end}:")
        print(f'    "{" ".join(citation.quote.split())}"')  # a quote may span wrapped lines
    for line in answer.unsupported:
        print(f"\n(unsupported by the reports: {line})")
    if answer.gaps:
        print("\nGaps in the evidence:")
    for gap in answer.gaps:
        print(f"  - {gap}")


def _run(args: argparse.Namespace) -> int:
    if args.command == "eval":
        from rag.eval.cli import run_eval_command

        return run_eval_command(args)
    if args.command == "ingest":
        qa = _open(args)
        report = qa.ingest(args.paths, progress=sys.stderr.isatty())
        print(report.summary())
        for note in report.notes:
            print(f"note: {note}")
        _finish_entities(qa)
        return 0 if not report.skipped or report.added or report.updated or report.unchanged else 1
    if args.command == "ask":
        qa = _open_filled(args, llm=args.llm)
        answer = qa.ask(args.question, top_k=args.top_k, sources=args.sources)
        if args.json:
            print(json.dumps(answer.model_dump(), indent=2, ensure_ascii=False))
        else:
            _print_answer(answer)
        return 0
    if args.command == "brief":
        brief = _open_filled(args).brief(args.source, sentences=args.sentences)
        if args.json:
            print(json.dumps(brief.model_dump(), indent=2, ensure_ascii=False))
        else:
            _print_brief(brief)
        return 0
    qa = _open_filled(args) if args.command == "list" else _open(args)
    if args.command == "list":
        print("\n".join(qa.sources()))
        return 0
    if qa.remove(args.source):
        print(f"removed {args.source}")
        return 0
    print(f"error: no report named {args.source!r}", file=sys.stderr)
    return 1


def _finish_entities(qa: Any) -> None:
    """Wait for the background pass that stores the new reports' entities (for their briefs),
    saying how far it is on a terminal."""
    while not qa.entity_pass.wait(1.0):
        if sys.stderr.isatty():
            done, total = qa.entity_pass.progress()
            print(f"\rentities: {done} of {total} reports", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for a usage or input error)."""
    from pydantic import ValidationError

    from rag.settings import setting_error

    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except EmptyIndexError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except ValidationError as err:
        print(f"error: {setting_error(err)}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, FileNotFoundError, RuntimeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"error: {message}", file=sys.stderr)
        return 2
