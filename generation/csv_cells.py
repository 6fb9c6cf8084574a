"""CSV cells that a spreadsheet reads as text, never as a formula (CSV injection, as OWASP describes it).

A customer's chat message, a feedback comment or an edited draft line can start with `=`, `+`, `-` or `@`; Excel,
LibreOffice and Google Sheets run such a cell as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). A cell that
starts with one of those, or with a tab or carriage return (which spreadsheets strip before reading the formula), or
whose first character after leading whitespace is one of them, is prefixed with a single quote: the spreadsheet shows
the text as written. A plain number ("-12.5", "+3") stays a number.

`csv_writer` and `CsvDictWriter` are `csv.writer` and `csv.DictWriter` that neutralise every cell: every CSV the product
writes goes through them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet reads it as text: a formula-like string prefixed with "'"; numbers and None unchanged."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    if not text or _NUMBER.fullmatch(text):
        return text
    if text[0] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


class _SafeWriter:
    """A csv writer whose rows are neutralised cell by cell."""

    def __init__(self, writer: Any):
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    @property
    def dialect(self) -> Any:
        return self._writer.dialect


def csv_writer(handle: Any, *args: Any, **kwargs: Any) -> _SafeWriter:
    """`csv.writer(handle, ...)` with every cell neutralised."""
    return _SafeWriter(csv.writer(handle, *args, **kwargs))


class CsvDictWriter(csv.DictWriter):
    """`csv.DictWriter` with every cell (the header too) neutralised."""

    def __init__(self, handle: Any, fieldnames: Any, *args: Any, **kwargs: Any):
        super().__init__(handle, fieldnames, *args, **kwargs)
        self.writer = _SafeWriter(self.writer)
