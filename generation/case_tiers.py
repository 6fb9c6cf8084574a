"""Tiers by amount: a table whose rows start at an amount ("Trail | from 0 EUR", "Ridge | from 500 EUR", "Summit | from
1,500 EUR"), and the amount the customer gives ("I spent about 620 EUR last year"): the row they are in, with what it
brings (its other cells).

A column is a tier column when every row's cell is a lower bound in money: a threshold word of `facts.yaml`
("from", "ab", "à partir de") before an amount. The customer's row is the one with the highest bound at or below
their amount.
"""

from __future__ import annotations

from collections.abc import Sequence

from generation.case import Case
from generation.case_result import CaseAnswer
from generation.facts import FactRow, FactTable, Money, _vocab_pattern, find_money
from generation.terms import terms
from generation.units import render_row

TIER_CONFIDENCE = 0.85
MIN_TIERS = 2


def _lower_bound(cell: str) -> Money | None:
    """The amount a cell starts at ("from 1,500 EUR"), or None when it states no such bound."""
    money = find_money(cell)
    if len(money) != 1:
        return None
    position, amount = money[0]
    threshold = _vocab_pattern("threshold").search(cell.lower()[:position])
    return amount if threshold else None


def tier_column(table: FactTable) -> str:
    """The column whose every cell is a lower bound in money, or ""."""
    if len(table.rows) < MIN_TIERS:
        return ""
    for column in table.columns[1:]:
        if all(_lower_bound(row.cells.get(column, "")) for row in table.rows):
            return column
    return ""


def tier_answer(case: Case, tables: Sequence[FactTable], question: str) -> CaseAnswer | None:
    """The customer's tier in the first tier table of the evidence that the question speaks of (a word of its
    page, heading or columns: "club", "Stufe"), for the amount they give; None when the question gives no amount or
    the evidence holds no such table."""
    if case.order_value is None:
        return None
    asked = terms(question)
    for table in tables:
        column = tier_column(table)
        if not column or not asked & terms(" ".join((table.path, table.heading, *table.columns))):
            continue
        value = case.order_value
        bounds = [(row, _lower_bound(row.cells[column])) for row in table.rows]
        reached = [(row, bound) for row, bound in bounds if bound and bound.amount <= value.amount]
        if not reached:
            return None
        row, bound = max(reached, key=lambda pair: pair[1].amount)
        return CaseAnswer(
            (("case_tier", _values(row, column, bound, value)),),
            render_row(row.cells),
            row.evidence,
            TIER_CONFIDENCE,
            used={"value": value.text, "tier": row.key},
        )
    return None


def _values(row: FactRow, column: str, bound: Money, value: Money) -> dict[str, str]:
    rest = "; ".join(cell for name, cell in row.cells.items() if name not in (column,) and cell != row.key)
    return {"value": value.text, "row": row.key, "bound": row.cells[column], "rest": rest}
