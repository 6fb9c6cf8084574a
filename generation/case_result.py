"""The result of a customer's case worked out against a rule of the shop (`generation.case_answer`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class CaseAnswer:
    """A worked-out case: lines to say (phrase key, values), the rule used and the evidence item (1-based) that holds
    it. `clarify`: a value the rule needs is missing and `lines` asks for it."""

    lines: tuple[tuple[str, dict[str, str]], ...]
    rule: str
    evidence: int
    confidence: float
    clarify: bool = False
    # the case values the answer used (for the turn's record)
    used: dict[str, Any] = field(default_factory=dict)

    # the values that are the page's own words (a row's label, a delivery time, a heading): quoted as they stand where
    # the page is in another language than the customer's
    PAGE_WORDS: ClassVar[frozenset[str]] = frozenset(
        {
            "row",
            "time",
            "place",
            "size",
            "range",
            "column",
            "options",
            "lower",
            "upper",
            "subject",
            "option",
            "rest",
            "bound",
        }
    )
