"""Format invariance: the same reports as .txt, wrapped-line PDF, DOCX, HTML and Markdown score alike.

Renders every report of a reports-dev set (news by default) as a wrapped-line PDF (one and two
columns, running header, page numbers), a DOCX, an HTML page and a hard-wrapped Markdown file
(``rag.eval.render``), points the questions' ``source`` at the rendered files, runs the same
``python -m rag eval qa`` on each format in a fresh index, and prints right% / refused% /
abstained% per format beside the .txt run (target: within 2 points of .txt).

    python benchmarks/format_invariance.py [--set ../shared/data/reports-dev/news] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rag.eval.render import to_docx, to_html, to_markdown, to_pdf

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared" / "data" / "reports-dev" / "news"
FORMATS = {
    "txt": lambda text, path: path.write_text(text, encoding="utf-8"),
    "pdf": lambda text, path: to_pdf(text, path, columns=1, running_header=path.stem),
    "pdf2col": lambda text, path: to_pdf(text, path, columns=2, running_header=path.stem),
    "docx": to_docx,
    "html": to_html,
    "md": to_markdown,
}


def render_set(eval_set: Path, fmt: str, out: Path) -> Path:
    """Write the set's reports in ``fmt`` under ``out`` with a questions file that names them."""
    suffix = "pdf" if fmt.startswith("pdf") else fmt
    reports = out / "reports"
    reports.mkdir(parents=True)
    for report in sorted((eval_set / "reports").glob("*.txt")):
        FORMATS[fmt](report.read_text(encoding="utf-8"), reports / f"{report.stem}.{suffix}")
    lines = []
    for line in (eval_set / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            question = json.loads(line)
            if question.get("source"):
                question["source"] = f"{Path(question['source']).stem}.{suffix}"
            lines.append(json.dumps(question, ensure_ascii=False))
    (out / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    kinds = eval_set / "question_kinds.tsv"
    if kinds.exists():
        shutil.copy(kinds, out / "question_kinds.tsv")
    return out / "questions.jsonl"


def evaluate(questions: Path, limit: int | None) -> dict[str, float]:
    """Run ``rag eval qa`` on a rendered set in a fresh index; its realistic-set figures."""
    result = questions.parent / "result.json"
    command = [sys.executable, "-m", "rag", "eval", "qa", str(questions), "--reports"]
    command += [str(questions.parent / "reports"), "--no-progress", "--json", str(result)]
    command += ["--limit", str(limit)] if limit else []
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.loads(result.read_text(encoding="utf-8"))["product"]["realistic"]


def main() -> None:
    """Render, evaluate and print one row per format."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="a reports-dev set folder")
    parser.add_argument("--limit", type=int, default=None, help="questions spread over the set")
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    args = parser.parse_args()
    print(f"{'format':8} {'right%':>7} {'answerable right%':>18} {'refused%':>9} {'abstained%':>11}  vs txt")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats:
            figures = evaluate(render_set(args.set, fmt, Path(tmp, fmt)), args.limit)
            right = 100 * figures["answerable_right"]
            base = right if base is None else base
            print(
                f"{fmt:8} {100 * figures['right']:7.1f} {right:18.1f} {100 * figures['refused']:9.1f}"
                f" {100 * figures['unanswerable_abstained']:11.1f}  {right - base:+.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
