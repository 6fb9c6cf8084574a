"""PDF layout -> `Block`s: the text pieces pypdf reports with their position, font and size, read as a page is.

A PDF has no headings or tables, only text drawn at places. The reading here: pieces on one baseline form a line;
a wide gap inside a line separates cells; lines in a font clearly larger than the body text (or bold lines that ask
a question) are headings (or FAQ questions); two or more consecutive lines whose cells start at the same x positions
form a table whose first line is the header; lines starting with a bullet or a number are list items; the rest is
prose, joined line by line into paragraphs. The result goes through the same blocks as Markdown and HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.errors import LoaderError
from retrieval.structure import clean, is_question, table_row_block
from retrieval.types import Block

_BULLET = re.compile(r"^\s*(?:[•◦▪‣∙·\-–*]|\d{1,2}[.)]|[a-z][.)])\s+")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s*)?\d+(?:\s*(?:/|of)\s*\d+)?\s*$", re.IGNORECASE)


@dataclass
class _Piece:
    x: float
    y: float
    size: float
    bold: bool
    text: str


@dataclass
class _Line:
    y: float
    size: float
    bold: bool
    cells: list[tuple[float, str]] = field(default_factory=list)  # (x, text) per cell, left to right

    @property
    def text(self) -> str:
        return clean(" ".join(t for _, t in self.cells))


def _pieces(page) -> list[_Piece]:
    out: list[_Piece] = []

    def visit(text, cm, tm, font, size) -> None:
        if not text or not text.strip():
            return
        # the text matrix times the current transformation: position and scale on the page
        a, b, c, d = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                      tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])  # fmt: skip
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(a * d - b * c) ** 0.5 or 1.0
        name = str((font or {}).get("/BaseFont", "")) if hasattr(font, "get") else ""
        bold = bool(re.search(r"bold|black|heavy|semibold", name, re.IGNORECASE))
        for k, part in enumerate(text.split("\n")):
            if part.strip():
                out.append(_Piece(x, y - k * size * scale * 1.2, round(size * scale, 1), bold, part))

    page.extract_text(visitor_text=visit)
    return out


def _join_pieces(left: str, right: str, gap: float, size: float, plain: str) -> str:
    """Two pieces of one cell put together, with a space between them or not (a ligature such as "fi" is a piece
    of its own in many PDFs: "the fi" + "rst" is "the first"). pypdf's plain text of the page, which measures real
    glyph widths, decides where it can; the estimated gap otherwise."""
    if left[-1:].isspace() or right[:1].isspace():
        return left + right
    tail, head = clean(left)[-12:], clean(right)[:12]
    if tail + head in plain:
        return left + right
    if f"{tail} {head}" in plain:
        return f"{left} {right}"
    return left + right if gap < 0.25 * size else f"{left} {right}"


def _lines(pieces: list[_Piece], plain: str = "") -> list[_Line]:
    """Pieces grouped by baseline (top to bottom), split into cells where the horizontal gap is wide."""
    lines: list[_Line] = []
    for p in sorted(pieces, key=lambda p: (-p.y, p.x)):
        if lines and abs(lines[-1].y - p.y) <= 0.35 * max(p.size, lines[-1].size):
            line = lines[-1]
        else:
            line = _Line(p.y, p.size, p.bold)
            lines.append(line)
        line.size = max(line.size, p.size)
        line.bold = line.bold and p.bold
        line.cells.append((p.x, p.text))
    for line in lines:
        line.cells.sort()
        merged: list[tuple[float, str, float]] = []  # (x, text, estimated end)
        for x, text in line.cells:
            # the width of a piece is not reported; half an em per character is a fair estimate
            width = 0.5 * line.size * len(text)
            if merged and x - merged[-1][2] < 1.5 * line.size:
                px, ptext, end = merged[-1]
                merged[-1] = (px, _join_pieces(ptext, text, x - end, line.size, plain), x + width)
                continue
            merged.append((x, text, x + width))
        line.cells = [(x, clean(t)) for x, t, _ in merged if clean(t)]
    return [ln for ln in lines if ln.cells and not _PAGE_NUMBER.match(ln.text)]


def _aligned(row: _Line, columns: list[float], tol: float) -> bool:
    return all(any(abs(x - c) <= tol for c in columns) for x, _ in row.cells)


def _table_rows(lines: list[_Line], start: int) -> int:
    """Number of lines from `start` that form a table (0 when they do not): a header of 2+ cells and 1+ rows whose
    cells all start under header cells."""
    head = lines[start]
    if len(head.cells) < 2:
        return 0
    columns = [x for x, _ in head.cells]
    end = start + 1
    tol = head.size
    while end < len(lines):
        line = lines[end]
        # a row has 2+ cells under header cells; a line of one cell right of the first column continues a row
        continues = len(line.cells) == 1 and abs(line.cells[0][0] - columns[0]) > tol
        if (
            not (_aligned(line, columns, tol) and (len(line.cells) >= 2 or continues))
            or line.size > head.size * 1.1
        ):
            break
        end += 1
    rows = end - start
    # a single aligned pair of lines is a table only when both have several cells
    return rows if rows >= 2 and any(len(lines[i].cells) >= 2 for i in range(start + 1, end)) else 0


def _cells_by_column(line: _Line, columns: list[float]) -> list[str]:
    out = [""] * len(columns)
    for x, text in line.cells:
        j = min(range(len(columns)), key=lambda i: abs(columns[i] - x))
        out[j] = f"{out[j]} {text}".strip()
    return out


class _Reader:
    def __init__(self, body_size: float, heading_sizes: list[float]) -> None:
        self.body = body_size
        self.levels = {s: i + 1 for i, s in enumerate(heading_sizes)}
        self.path: list[tuple[int, str]] = []
        self.blocks: list[Block] = []
        self.para: list[str] = []
        self.para_kind = "prose"
        self.question = ""

    def heading_path(self) -> tuple[str, ...]:
        return tuple(h for _, h in self.path)

    def flush(self, page: int) -> None:
        text = _join_lines(self.para)
        self.para = []
        if not text:
            return
        if self.question:
            fields = {"question": self.question, "answer": text, "page": page}
            self.blocks.append(Block("faq", self.heading_path(), f"{self.question} {text}", fields))
            self.question = ""
        elif self.para_kind == "list_item":
            self.blocks.append(
                Block("list_item", self.heading_path(), _BULLET.sub("", text, count=1), {"page": page})
            )
        else:
            self.blocks.append(Block("prose", self.heading_path(), text, {"page": page}))

    def read_page(self, lines: list[_Line], page: int) -> None:
        i, prev = 0, None
        while i < len(lines):
            line = lines[i]
            n = _table_rows(lines, i)
            if n:
                self.flush(page)
                self.table(lines[i : i + n], page)
                i, prev = i + n, None
                continue
            level = self.levels.get(line.size)
            if level is None and self._bold_label(line, lines[i + 1] if i + 1 < len(lines) else None):
                level = len(self.levels) + 1  # a bold line in body size names a sub-section
            if level is not None and len(line.text) < 150:
                self.flush(page)
                self.question = ""
                while self.path and self.path[-1][0] >= level:
                    self.path.pop()
                self.path.append((level, line.text))
            elif line.bold and is_question(line.text):
                self.flush(page)
                self.question = line.text
            else:
                gap = prev is not None and (prev.y - line.y) > 1.7 * line.size
                if _BULLET.match(line.text) or gap or (prev is not None and prev.size != line.size):
                    self.flush(page)
                    self.para_kind = "list_item" if _BULLET.match(line.text) else "prose"
                self.para.append(line.text)
            prev = line
            i += 1
        self.flush(page)

    @staticmethod
    def _bold_label(line: _Line, nxt: _Line | None) -> bool:
        text = line.text
        return (
            line.bold
            and len(text) < 80
            and not is_question(text)
            and text[-1:] not in ".,;:"
            and nxt is not None
            and not nxt.bold
        )

    def table(self, rows: list[_Line], page: int) -> None:
        columns = [x for x, _ in rows[0].cells]
        header = [t for _, t in rows[0].cells]
        body: list[list[str]] = []
        for line in rows[1:]:
            cells = _cells_by_column(line, columns)
            if body and not cells[0]:  # a wrapped cell: the line continues the row above
                body[-1] = [f"{a} {b}".strip() for a, b in zip(body[-1], cells, strict=True)]
            else:
                body.append(cells)
        for cells in body:
            block = table_row_block(self.heading_path(), header, cells, page=page)
            if block is not None:
                self.blocks.append(block)


def _join_lines(lines: list[str]) -> str:
    """Lines of one paragraph joined; a word hyphenated at a line end is put back together."""
    out = ""
    for line in lines:
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return clean(out)


def pdf_blocks(path: Path, source: str) -> tuple[str, list[Block]]:
    """(title from the PDF's metadata, blocks) of a PDF; `LoaderError` when it cannot be read or has no text."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        pages = [_lines(_pieces(page), clean(page.extract_text() or "")) for page in reader.pages]
        meta_title = str((reader.metadata.title if reader.metadata else None) or "").strip()
    except (
        Exception
    ) as exc:  # pypdf raises assorted errors on damaged files; any of them means "skip this file"
        raise LoaderError(source, f"cannot read PDF ({type(exc).__name__}): {exc}") from exc
    chars: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            chars[ln.size] += len(ln.text)
    if not chars:
        raise LoaderError(source, "PDF has no extractable text (scanned images are not supported)")
    body = chars.most_common(1)[0][0]
    heading_sizes = sorted((s for s in chars if s >= body * 1.15), reverse=True)
    reader_ = _Reader(body, heading_sizes)
    for n, lines in enumerate(pages, start=1):
        if not heading_sizes:  # a PDF without headings: its pages are the only structure it has
            reader_.path = [(1, f"Page {n}")]
        reader_.read_page(lines, n)
    first_heading = next((h for b in reader_.blocks for h in b.heading_path[:1]), "")
    return meta_title or (first_heading if heading_sizes else ""), reader_.blocks
