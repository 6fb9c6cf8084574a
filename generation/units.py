"""Evidence in the shape of answers: each evidence item -> `Unit`s (sentences, list items, table rows, FAQ answers).

A table row keeps its cells by column name, so an answer can lead with the one cell the question asks for ("Cost")
and name the row by its label cells ("Austria, Germany — Standard"). A list item keeps the sentence that introduces
its list ("Items we cannot take back unless faulty:"), because that sentence carries its polarity. A FAQ question
("### Do I need an account to order?") is the heading of the answer under it.

Evidence may come as Markdown (tables with pipes, ``#`` headings, ``-`` lists) or as the structured chunks of the
knowledge base (``fields`` with ``row_fields`` for a table row, ``question``/``answer`` for a FAQ unit); both end up
as the same units.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from generation.guard import split_sentences

_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*)$")
_MIN_WORDS = 3


@dataclass(frozen=True)
class Unit:
    """One answer-sized piece of evidence item `index` (1-based)."""

    index: int
    text: str  # readable on its own: a sentence, or a table row rendered with its column names
    heading: str = ""  # the section it sits under (or the FAQ question it answers)
    kind: str = "prose"  # prose | list_item | table_row | faq
    fields: dict[str, str] = field(default_factory=dict)  # a table row's cells by column name
    lead: str = ""  # the sentence that introduces a list item's list
    position: int = 0  # reading order within all units
    retrieved: bool = True  # the search found this unit itself (False: it came along with its section)
    path: str = ""  # the whole heading path ("Gift cards > Balance and lost cards"): the page and its section

    @property
    def section_name(self) -> str:
        """The headings below the page's own title: what names this section among the page's others."""
        parts = self.path.split(" > ")
        return " ".join(parts[1:]) if len(parts) > 1 else ""

    @property
    def label(self) -> str:
        """A table row's first cell (what the row is about: "PayPal", "Austria, Germany")."""
        return next(iter(self.fields.values()), "") if self.fields else ""


def _field(item: Any, name: str, default: Any = "") -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def clean_inline(text: str) -> str:
    """Markdown emphasis and code marks out, whitespace folded."""
    text = re.sub(r"\*\*|__|`", "", text)
    return " ".join(text.split())


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [clean_inline(c) for c in line.split("|")]


def render_row(fields: dict[str, str]) -> str:
    """A table row as one readable line: "PayPal: charged when you place the order" for two columns,
    "Austria, Germany — Option: Standard; Cost: 4.95 EUR" for more."""
    items = [(k, v) for k, v in fields.items() if v]
    if not items:
        return ""
    (_, label), rest = items[0], items[1:]
    if not rest:
        return label
    if len(fields) == 2:
        return f"{label}: {with_unit(*rest[0])}"
    return f"{label} — " + "; ".join(f"{_bare(k)}: {with_unit(k, v)}" for k, v in rest)


# Searched for at the end and the label taken as what precedes it: "^(.*?)\s*\(" rescans a run of spaces from every
# position of the lazy label (quadratic in a long header).
_UNIT_IN_HEADER = re.compile(r"\((cm|mm|m|kg|g|l|ml|km|EUR|€|%|days|hours|years)\)\s*$", re.IGNORECASE)


def _header_unit(column: str) -> tuple[str, str] | None:
    """("Foot length", "cm") for "Foot length (cm)", else None."""
    m = _UNIT_IN_HEADER.search(column)
    return (column[: m.start()].rstrip(), m.group(1)) if m else None


def _bare(column: str) -> str:
    found = _header_unit(column)
    return found[0] if found else column


def with_unit(column: str, value: str) -> str:
    """A cell under "Foot length (cm)" reads "27.3 cm": the unit travels with the figure."""
    found = _header_unit(column)
    if found and re.fullmatch(r"[\d.,\s–-]+", value.strip()):
        return f"{value.strip()} {found[1]}"
    return value


class _Reader:
    """Walks one evidence text line by line, keeping the heading, the open table and the open list's lead."""

    def __init__(self, index: int, title: str, heading: str):
        self.index = index
        self.heading = heading.split(" > ")[-1] if heading else title
        self.header: list[str] | None = None
        self.lead = ""
        self.units: list[Unit] = []
        self.paragraph: list[str] = []
        self.item: list[str] = []  # the open list item (its continuation lines join it)

    def flush(self) -> None:
        self.close_item()
        text = " ".join(self.paragraph).strip()
        self.paragraph = []
        if not text:
            return
        sentences = split_sentences(clean_inline(text))
        if self.heading.rstrip().endswith("?"):  # a FAQ answer is one unit: "Yes." belongs to what follows it
            self.add(clean_inline(text), "faq")
            self.lead = ""
            return
        for sentence in sentences:
            if len(sentence.split()) >= _MIN_WORDS:
                self.add(sentence, "prose")
        # A paragraph that ends with a colon introduces the list that follows it.
        self.lead = sentences[-1] if sentences and sentences[-1].endswith(":") else ""

    def add(self, text: str, kind: str, fields: dict[str, str] | None = None, lead: str = "") -> None:
        self.units.append(Unit(self.index, text, self.heading, kind, dict(fields or {}), lead))

    def line(self, raw: str) -> None:
        stripped = raw.strip()
        if stripped.startswith("|"):
            if self.paragraph or self.item:
                self.flush()
            self.table_line(stripped)
            return
        self.header = None
        heading = _HEADING.match(stripped)
        if not stripped or heading:
            self.flush()
            if heading:
                self.heading, self.lead = clean_inline(heading.group(2)), ""
            return
        if _LIST_ITEM.match(stripped):
            if self.paragraph:
                self.flush()
            self.close_item()
            self.item = [_LIST_ITEM.sub("", stripped)]
            return
        if self.item:
            self.item.append(stripped)
            return
        self.paragraph.append(stripped)

    def close_item(self) -> None:
        """One unit per sentence of the item; later sentences carry the item's first one as their lead."""
        text, self.item = clean_inline(" ".join(self.item)), []
        if not text:
            return
        sentences = split_sentences(text)
        lead = self.lead or self.heading
        for n, sentence in enumerate(sentences):
            if len(sentence.split()) >= 2:
                self.add(sentence, "list_item", lead=lead if n == 0 else f"{lead} {sentences[0]}")

    def table_line(self, line: str) -> None:
        if _TABLE_SEPARATOR.match(line):
            return
        cells = _cells(line)
        if self.header is None:
            self.header = [c or f"column {i + 1}" for i, c in enumerate(cells)]
            return
        fields = {name: cell for name, cell in zip(self.header, cells, strict=False) if cell}
        if fields:
            self.add(render_row(fields), "table_row", fields)


def _structured(
    index: int, kind: str, text: str, fields: dict[str, Any], lead: str, heading: str, title: str
) -> list[Unit] | None:
    """The units of one structured chunk of the knowledge base (a FAQ unit, a table row, a list item); None for
    anything else (prose and plain Markdown are read line by line)."""
    leaf = heading.split(" > ")[-1] if heading else title
    if fields.get("question") and fields.get("answer"):
        return [
            Unit(index, clean_inline(str(fields["answer"])), clean_inline(str(fields["question"])), "faq")
        ]
    cells = fields.get("row_fields") if isinstance(fields.get("row_fields"), dict) else fields
    if cells and all(isinstance(v, str) for v in cells.values()) and kind in ("", "table_row"):
        row = {str(k): clean_inline(str(v)) for k, v in cells.items() if v}
        return [Unit(index, render_row(row), leaf, "table_row", row)]
    if kind == "list_item" and text.strip():
        # The list's lead carries its polarity: "Items we cannot take back unless faulty" (the heading, when the
        # list has no lead-in sentence) makes "Gift cards" a no.
        item_lead = clean_inline(lead) or leaf
        own = clean_inline(text)
        if lead and own.startswith(clean_inline(lead)):
            own = own[len(clean_inline(lead)) :].strip()
        sentences = split_sentences(own)
        return [
            Unit(
                index,
                sentence,
                leaf,
                "list_item",
                lead=item_lead if n == 0 else f"{item_lead} {sentences[0]}",
            )
            for n, sentence in enumerate(sentences)
            if len(sentence.split()) >= 2 or n == 0
        ]
    return None


def _item_units(index: int, item: Any) -> list[Unit]:
    heading = str(_field(item, "heading") or "")
    root = heading or str(_field(item, "title") or "")
    leaf = root.split(" > ")[-1]
    return [
        replace(u, path=root if u.heading in ("", leaf) else f"{root} > {u.heading}")
        for u in _units_of(index, item)
    ]


def _units_of(index: int, item: Any) -> list[Unit]:
    fields = _field(item, "fields", None) or {}
    text = str(_field(item, "text") or "")
    heading = str(_field(item, "heading") or "")
    title = str(_field(item, "title") or "")
    parts = _field(item, "units", None) or ()
    if parts:  # a whole section (a table, a list): each of its units as the index stored it
        out: list[Unit] = []
        for part in parts:
            kind = str(_field(part, "kind") or "prose")
            own = str(_field(part, "text") or "")
            found = _structured(
                index, kind, own, _field(part, "fields", None) or {}, str(_field(part, "lead") or ""), heading,
                title,
            ) or _read(index, own, heading, title)  # fmt: skip
            retrieved = bool(_field(part, "retrieved", False))
            out += [replace(u, retrieved=retrieved) for u in found]
        return out
    kind = str(_field(item, "kind") or "")
    if heading and text.startswith(heading + ": "):
        text = text[len(heading) + 2 :]
    found = _structured(index, kind, text, fields, str(_field(item, "lead") or ""), heading, title)
    return found if found is not None else _read(index, text, heading, title)


def _read(index: int, text: str, heading: str, title: str) -> list[Unit]:
    reader = _Reader(index, title, heading)
    for line in text.splitlines():
        reader.line(line)
    reader.flush()
    return reader.units


def evidence_units(evidence: Sequence[Any]) -> list[Unit]:
    """Every answer-sized unit of every evidence item, in reading order."""
    units = [u for i, item in enumerate(evidence, start=1) for u in _item_units(i, item)]
    return [replace(u, position=pos) for pos, u in enumerate(units)]
