"""Document structure in the shape of answers: HTML (and Markdown, rendered to HTML first) -> `Block`s.

What a customer asks is usually answered by one unit of a page, so the units are kept:

- a table row becomes facts that name their columns, from the header row: the row ``| PayPal | charged when you place
  the order |`` under ``| Method | Notes |`` reads "Method: PayPal. Notes: charged when you place the order.";
  the cells stay in the block's fields (row spans and column spans are resolved first);
- a question with its answer becomes one FAQ unit: a heading that asks ("How long does delivery take?") with the text
  under it, a paragraph that opens with a bold question, "Q:"/"A:" paragraphs, ``<dt>``/``<dd>`` pairs and
  ``<details>``/``<summary>``;
- a list item becomes one unit, carrying the sentence that introduces the list when that ends with a colon
  ("Conditions:");
- everything else is prose; every block knows the headings it sits under.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from retrieval.types import Block

DROPPED_TAGS = ("script", "style", "noscript", "nav", "template", "svg", "head", "iframe", "button", "select")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
PARAGRAPHS = ("p", "pre", "blockquote", "address", "figcaption", "caption")
INLINE = (
    "a abbr b bdi bdo br cite code data dfn em i kbd label mark q s samp small span strong sub sup time u var wbr "
    "img input del ins"
).split()
_SPACE = re.compile(r"\s+")
# "Q: Can I pay later? A: Yes, ..." (the answer may follow in the next paragraph instead)
_QA_QUESTION = re.compile(
    r"^\s*(?:Q|Question|Frage|Pregunta|Domanda)\s*[:.]\s*(.+?\?)\s*(.*)$", re.IGNORECASE | re.DOTALL
)
_QA_ANSWER = re.compile(r"^\s*(?:A|Answer|Antwort|Respuesta|Réponse|Risposta)\s*[:.]\s*", re.IGNORECASE)


def clean(text: str) -> str:
    """Collapse whitespace (soft line breaks inside a paragraph or cell are spaces)."""
    return _SPACE.sub(" ", text).strip()


def is_question(text: str) -> bool:
    """A heading, bold lead or term that asks something: it ends with a question mark (or opens with "¿")."""
    t = text.strip().rstrip(":").strip()
    return len(t) > 3 and (t.endswith("?") or t.startswith("¿"))


def row_fact(header: list[str], cells: list[str]) -> str:
    """One table row as sentences that name their columns: "Method: PayPal. Notes: charged when you place the order."

    A column without a name contributes its value alone; empty cells are left out.
    """
    parts = []
    for name, cell in zip(header, cells, strict=False):
        if not cell:
            continue
        cell = cell.rstrip(" .;")
        parts.append(f"{name.rstrip(' :')}: {cell}" if name else cell)
    return ". ".join(parts) + "." if parts else ""


def table_row_block(path: tuple[str, ...], header: list[str], cells: list[str], **extra: Any) -> Block | None:
    """The `table_row` block of one row: its facts as text, its cells by column name as fields."""
    if any(header):
        text = row_fact(header, cells)
    elif len(cells) == 2:  # a two-column table without a header is a list of "key: value" pairs
        text = f"{cells[0]}: {cells[1]}." if cells[0] and cells[1] else (cells[0] or cells[1])
    else:
        text = "; ".join(c for c in cells if c)
    if not text:
        return None
    fields = {
        "row_fields": {
            h or f"column {i + 1}": c for i, (h, c) in enumerate(zip(header, cells, strict=False)) if c
        },
        "columns": list(header),
        "row_label": next((c for c in cells if c), ""),
        **extra,
    }
    return Block("table_row", path, text, fields)


def _text(el: Tag | NavigableString) -> str:
    return clean(el.get_text(" ") if isinstance(el, Tag) else str(el))


def _last_sentence(text: str) -> str:
    pieces = re.split(r"(?<=[.!?])\s+", text.strip())
    return pieces[-1] if pieces else ""


class _Walker:
    """Walks a parsed page in reading order and collects blocks under the current heading path."""

    def __init__(self) -> None:
        self.path: list[tuple[int, str]] = []
        self.blocks: list[Block] = []
        self.title = ""
        # an open question (from a heading or a bold lead) collects the prose and list text that follows it
        self.question: dict[str, Any] | None = None

    # --- headings and FAQ units -------------------------------------------------------------------------------
    def heading_path(self) -> tuple[str, ...]:
        return tuple(h for _, h in self.path)

    def heading(self, level: int, text: str) -> None:
        self.close_question()
        if not text:
            return
        if not self.title and level == 1:
            self.title = text
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        if is_question(text):
            # the question is the unit's, not a heading of the page: its answer sits under the headings above it
            self.question = {"question": text, "answer": [], "path": self.heading_path(), "level": level}
            self.question["anchor"] = text  # the question is a heading of the page: citations can link to it
        self.path.append((level, text))

    def open_question(self, text: str) -> None:
        self.close_question()
        self.question = {"question": text, "answer": [], "path": self.heading_path(), "level": None}

    def close_question(self) -> None:
        q, self.question = self.question, None
        if q is None or not q["answer"]:
            return
        answer = " ".join(q["answer"])
        fields = {"question": q["question"], "answer": answer}
        if q.get("anchor"):
            fields["anchor_heading"] = q["anchor"]
        self.blocks.append(Block("faq", q["path"], f"{q['question']} {answer}", fields))

    # --- emitting -------------------------------------------------------------------------------------------
    def prose(self, text: str) -> None:
        text = clean(text)
        if not text:
            return
        if self.question is not None:
            self.question["answer"].append(text)
            return
        self.blocks.append(Block("prose", self.heading_path(), text))

    def paragraph(self, el: Tag) -> None:
        if el.name == "pre":  # code and preformatted text keep their lines
            text = el.get_text().strip("\n")
            if text.strip():
                self.close_question()
                self.blocks.append(Block("prose", self.heading_path(), text))
            return
        first = next((c for c in el.children if not (isinstance(c, NavigableString) and not c.strip())), None)
        text = _text(el)
        lead = _text(first) if isinstance(first, Tag) and first.name in ("strong", "b") else ""
        qa = _QA_QUESTION.match(text)
        if lead and is_question(lead):
            self.ask(lead, text[len(lead) :])
        elif qa:
            self.ask(qa.group(1), qa.group(2))
        elif self.question is not None and self.question["level"] is None and _QA_ANSWER.match(text):
            self.prose(_QA_ANSWER.sub("", text, count=1))
        else:
            self.prose(text)

    def ask(self, question: str, rest: str) -> None:
        """A question that opens a paragraph: answered in the same paragraph, or by the paragraphs that follow."""
        self.open_question(clean(question))
        rest = _QA_ANSWER.sub("", clean(rest), count=1)
        if rest:
            self.prose(rest)
            self.close_question()

    def list_(self, el: Tag, lead: str = "") -> None:
        if self.question is not None:  # a list that answers a question belongs to the answer
            items = [_text(li) for li in el.find_all("li", recursive=False)]
            self.prose("; ".join(i for i in items if i))
            return
        if not lead and self.blocks and self.blocks[-1].heading_path == self.heading_path():
            prev = self.blocks[-1]
            if prev.kind == "prose" and prev.text.rstrip().endswith(":"):
                lead = _last_sentence(prev.text)
        position = 0
        for li in el.find_all("li", recursive=False):
            nested = [c for c in li.find_all(["ul", "ol"], recursive=False)]
            for n in nested:
                n.extract()
            own = _text(li)
            if own:
                position += 1
                fields = {"position": position, "ordered": el.name == "ol"}
                if lead:
                    fields["lead"] = lead
                text = f"{lead} {own}" if lead else own
                self.blocks.append(Block("list_item", self.heading_path(), text, fields))
            for n in nested:
                self.list_(n, lead=own or lead)

    def definitions(self, el: Tag) -> None:
        term = ""
        for child in el.find_all(["dt", "dd"]):
            if child.name == "dt":
                term = _text(child)
                self.close_question()
                if is_question(term):
                    self.open_question(term)
            elif self.question is not None and self.question["question"] == term:
                self.prose(_text(child))
            else:
                self.prose(f"{term}: {_text(child)}" if term else _text(child))
        self.close_question()

    def details(self, el: Tag) -> None:
        summary = el.find("summary")
        label = _text(summary) if summary else ""
        if summary:
            summary.extract()
        if label and is_question(label):
            self.open_question(label)
            self.walk(el)
            self.close_question()
        else:
            if label:
                self.prose(label if label.endswith(":") else f"{label}:")
            self.walk(el)

    # --- the walk -------------------------------------------------------------------------------------------
    def walk(self, el: Tag) -> None:
        inline: list[str] = []

        def flush() -> None:
            if inline:
                self.prose(" ".join(inline))
                inline.clear()

        for child in el.children:
            if isinstance(child, NavigableString):
                if child.strip() and type(child) is NavigableString:  # not comments, CDATA, doctype
                    inline.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in DROPPED_TAGS:
                continue
            if child.get("role") == "navigation" or child.get("aria-hidden") == "true":
                continue
            name = child.name
            if name in INLINE:
                inline.append(child.get_text(" "))
                continue
            flush()
            if name in HEADINGS:
                self.heading(int(name[1]), _text(child))
            elif name == "table":
                if self.question is not None and self.question["level"] is None:
                    self.close_question()  # a table ends the answer of a bold question
                table_blocks(child, self)
            elif name in ("ul", "ol", "menu"):
                self.list_(child)
            elif name == "dl":
                self.definitions(child)
            elif name == "details":
                self.details(child)
            elif name in PARAGRAPHS:
                self.paragraph(child)
            elif name == "hr":
                self.close_question()
            elif name in ("section", "article", "aside"):
                # headings inside a section scope to it: after it, the page's outline is what it was before
                depth = len(self.path)
                self.walk(child)
                self.close_question()
                del self.path[depth:]
            else:  # div, main, header, footer, figure, form, ...
                self.walk(child)
        flush()


# --- tables -------------------------------------------------------------------------------------------------------


def _fill_carried(row: list[str], ths: list[bool], carry: dict[int, tuple[str, bool, int]]) -> None:
    """Put the cells that row spans from rows above carry into the next free columns of `row`."""
    while len(row) in carry:
        col = len(row)
        text, th, left = carry[col]
        row.append(text)
        ths.append(th)
        if left <= 1:
            del carry[col]
        else:
            carry[col] = (text, th, left - 1)


def _grid(table: Tag) -> tuple[list[list[str]], list[list[bool]]]:
    """Cell texts row by row with row and column spans resolved, and which cells are header cells (<th>)."""
    rows: list[list[str]] = []
    is_th: list[list[bool]] = []
    carry: dict[int, tuple[str, bool, int]] = {}  # column -> (text, th, rows still to fill) from a rowspan
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue  # rows of a nested table belong to its cell
        row: list[str] = []
        ths: list[bool] = []
        for cell in tr.find_all(["td", "th"], recursive=False):
            _fill_carried(row, ths, carry)
            text = _text(cell)
            down = _span(cell.get("rowspan"))
            for j in range(_span(cell.get("colspan"))):
                col = len(row)
                # a spanning header names every column it covers; a spanning value is said once
                row.append(text if j == 0 or cell.name == "th" else "")
                ths.append(cell.name == "th")
                if down > 1:
                    carry[col] = (row[-1], cell.name == "th", down - 1)
        _fill_carried(row, ths, carry)
        if any(row):
            rows.append(row)
            is_th.append(ths)
    return rows, is_th


def _span(value: Any) -> int:
    try:
        return max(1, min(int(str(value)), 50))
    except (TypeError, ValueError):
        return 1


def table_blocks(table: Tag, walker: _Walker) -> None:
    """One `table_row` block per body row, its text the row's facts named by the header row."""
    if table.find(list(HEADINGS)) or table.find("table"):
        walker.walk(table)  # a layout table: its cells are the page
        return
    caption_el = table.find("caption")
    caption = _text(caption_el) if caption_el else ""
    rows, is_th = _grid(table)
    if not rows:
        return
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    has_thead = table.find("thead") is not None
    if has_thead or all(is_th[0]) and len(rows) > 1:
        header, body = rows[0], rows[1:]
    else:
        header, body = [""] * width, rows
    if not any(header):
        header = [""] * width
    path = walker.heading_path() + ((caption,) if caption else ())
    extra = {"caption": caption} if caption else {}
    for row in body:
        if row == header:
            continue  # a header repeated inside the body
        block = table_row_block(path, header, row, **extra)
        if block is not None:
            walker.blocks.append(block)


def html_to_blocks(html: str) -> tuple[str, str, str, list[Block]]:
    """(page <title>, first h1, <html lang>, blocks) of an HTML page; scripts, styles and navigation dropped."""
    soup = BeautifulSoup(html, "html.parser")
    page_title = clean(soup.title.get_text(" ")) if soup.title else ""
    html_el = soup.find("html")
    lang = str(html_el.get("lang") or "") if isinstance(html_el, Tag) else ""
    for tag in soup(list(DROPPED_TAGS)):
        tag.decompose()
    walker = _Walker()
    walker.walk(soup.body or soup)
    walker.close_question()
    return page_title, walker.title, lang, walker.blocks
