"""Formula injection (OWASP "CSV injection"): every CSV the product writes shows a cell that starts like a formula as
text. The writers are found from the code (no `csv.writer` or `csv.DictWriter` outside `generation/csv_cells.py`), and
each export that carries customer or marketer text is fed formulas."""

from __future__ import annotations

import ast
import csv
import io

import pytest

from assistant.settings import REPO_ROOT
from assistant.workspace.exports import FORMATS, channel_csv
from assistant.workspace.insights import insights_csv
from assistant.workspace.types import DraftLine, DraftRecord, InsightGroup, InsightReport
from generation import csv_writer, safe_cell

FORMULAS = [
    '=HYPERLINK("https://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\n=1+1",
]


@pytest.mark.parametrize("payload", FORMULAS)
def test_a_formula_is_shown_as_text(payload: str) -> None:
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["-12.5", "+3", "42", "1,299.00", "Waterproof boots", "", "a=b", "x-y"])
def test_ordinary_cells_are_unchanged(value: str) -> None:
    assert safe_cell(value) == value
    assert safe_cell(7) == 7 and safe_cell(None) is None


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _formula_like(cell: str) -> bool:
    first, first_shown = cell[:1], cell.lstrip()[:1]
    return (first != "" and first in "=+-@\t\r") or (first_shown != "" and first_shown in "=+-@")


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_insights_export_carries_no_formula(payload: str) -> None:
    group = InsightGroup(group_id=1, question=payload, asked=2, examples=[payload, "x"], comments=[payload])
    cells = _cells(insights_csv(InsightReport(groups=[group], questions=2)))
    assert not [c for c in cells if _formula_like(c)]


@pytest.mark.parametrize("channel", sorted(FORMATS))
@pytest.mark.parametrize("payload", FORMULAS[:3])
def test_draft_exports_carry_no_formula(channel: str, payload: str) -> None:
    lines = [
        DraftLine(field=f, position=1, text=payload, label=f)
        for f in (
            "headlines",
            "descriptions",
            "primary_text",
            "headline",
            "description",
            "subject",
            "preheader",
        )
        + ("body", "message", "post", "text")
    ]
    record = DraftRecord(
        draft_id=1, set_id=1, variant=1, channel=channel, status="approved", lines=lines, final_url=payload
    )
    cells = _cells(channel_csv([record], channel, campaign=payload))
    assert not [c for c in cells if _formula_like(c)], cells


def test_the_writer_neutralises_every_row() -> None:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["=1", "ok"])
    writer.writerows([["+2+cmd", 3]])
    assert _cells(buffer.getvalue()) == ["'=1", "ok", "'+2+cmd", "3"]


def test_no_csv_is_written_past_the_neutralising_writers() -> None:
    """Every `csv.writer(...)` / `csv.DictWriter(...)` in the product is the one in generation/csv_cells.py."""
    offenders = []
    for package in ("assistant", "generation", "retrieval", "ui"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            if path.name == "csv_cells.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "csv"
                    and node.attr in ("writer", "DictWriter")
                ):
                    offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert not offenders, offenders
