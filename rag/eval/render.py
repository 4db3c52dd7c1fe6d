"""Render a text report as the files users bring: a wrapped-line PDF, a DOCX, an HTML page, a
hard-wrapped Markdown file.

Used by the format-invariance benchmark and the reading tests. The report's first paragraph is
its title; the others are body paragraphs. The PDF is laid out by fpdf2 (a development
dependency) in DejaVu Sans from matplotlib's fonts, with a running header and page numbers, in
one or two columns, so that every line break inside a paragraph is a wrap.
"""

from __future__ import annotations

import html
import re
import textwrap
from pathlib import Path

import matplotlib


def _font(name: str) -> str:
    return str(Path(matplotlib.get_data_path(), "fonts", "ttf", name))


def split_report(text: str) -> tuple[str, list[str]]:
    """(title, body paragraphs) of a text report: its first paragraph, if it is a title line
    (at most 25 words, not ending like a sentence), is the title; else the title is empty."""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    first = paragraphs[0] if paragraphs else ""
    if len(first.split()) <= 25 and not first.endswith((".", "!", "?")):
        return first, paragraphs[1:]
    return "", paragraphs


def to_pdf(text: str, path: Path, columns: int = 1, running_header: str = "", font_size: float = 10) -> Path:
    """Write the report as a PDF with wrapped lines (``columns`` 1 or 2), page header and numbers."""
    from fpdf import FPDF

    title, body = split_report(text)

    class _Report(FPDF):
        def header(self) -> None:
            if self.page_no() > 1 and running_header:
                self.set_font("dejavu", size=8)
                self.cell(0, 8, running_header, align="R")
                self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("dejavu", size=8)
            self.cell(0, 10, str(self.page_no()), align="C")

    pdf = _Report(format="letter")
    pdf.add_font("dejavu", "", _font("DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", _font("DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    if title:
        pdf.set_font("dejavu", "B", 16)
        pdf.multi_cell(0, 8, title)
        pdf.ln(4)
    pdf.set_font("dejavu", size=font_size)
    with pdf.text_columns(ncols=columns, gutter=12, text_align="LEFT") as cols:
        for paragraph in body:
            cols.write(paragraph)
            cols.ln()
            cols.ln()
    pdf.output(str(path))
    return path


def to_docx(text: str, path: Path) -> Path:
    """Write the report as a Word document: a title heading, then one paragraph each."""
    import docx

    title, body = split_report(text)
    document = docx.Document()
    if title:
        document.add_heading(title, level=1)
    for paragraph in body:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def to_html(text: str, path: Path) -> Path:
    """Write the report as a small news-like web page (title, navigation, article, footer)."""
    title, body = split_report(text)
    heading = f"<h1>{html.escape(title)}</h1>\n" if title else ""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in body)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article>{heading}{paragraphs}\n</article><footer>© Example News</footer></body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path


#: Characters Markdown would read as markup, and line starts it would read as a list or heading.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+#>|])", re.MULTILINE)


def to_markdown(text: str, path: Path, width: int = 80) -> Path:
    """Write the report as Markdown: a ``#`` title, then paragraphs hard-wrapped at ``width``,
    with markup characters escaped so that the text reads back as written."""
    title, body = split_report(text)

    def escaped(paragraph: str) -> str:
        wrapped = textwrap.fill(_MD_SPECIAL.sub(r"\\\1", paragraph), width, break_on_hyphens=False)
        return _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", wrapped)

    heading = [f"# {escaped(title)}"] if title else []
    path.write_text("\n\n".join(heading + [escaped(p) for p in body]) + "\n", encoding="utf-8")
    return path
