"""Order-value limits in a shop's rules, applied to the customer's order: "Klarna instalments: 3 interest-free
instalments on orders from 150 EUR" and "my basket is 120 euros, does that work?" -> no, it starts at 150 EUR. The
same for a weight limit of a product ("Snowshoes for users up to 100 kg") and the weight the customer gives ("ich
wiege 110 kg").

A limit is an amount of money right after a floor word ("from", "over", "ab", "dès") or a ceiling word ("up to",
"bis", "jusqu'à"); the words are data (`facts.yaml`: `threshold`, `ceiling`). A limit answers only where the question
is about the rule's own subject: a word of the question names the table row or list item that states it (its label
or lead), so that a free-shipping limit never answers a question about instalments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from generation.case import Case, find_weights
from generation.facts import Money, _vocab_pattern, find_money
from generation.question import named_entities
from generation.terms import terms
from generation.unit_context import cue_terms
from generation.units import Unit

# how far (characters) a floor or ceiling word may stand before its amount: "on orders from 150 EUR"
_REACH = 20
# words every order-value rule shares, and the words that ask for its figure ("how long does it take", "what does it
# cost"): they name no rule's subject
_GENERIC = frozenset(
    terms(
        "order orders basket cart value amount total purchase work works take takes cost costs price much long time"
    )
)
NAMED_CONFIDENCE = 0.8  # the row's label or the list item's lead names what the question asks about


@dataclass(frozen=True)
class MoneyLimit:
    """An order-value limit a unit states: the amount, whether it is the least (`floor`) or the most, the unit."""

    money: Money  # an amount of money, or a weight ("kg" as its currency)
    floor: bool
    unit: Unit

    @property
    def subject(self) -> str:
        """What the limit is about, in the page's words: the row's label or the list item's lead (a heading or a FAQ's
        question names a section, not the rule); a weight limit's, the product or section it is said of."""
        own = self.unit.label or self.unit.lead.rstrip(":")
        return own or (self.unit.heading if self.money.currency == "kg" else "")

    def admits(self, value: Money) -> bool:
        return value.amount >= self.money.amount if self.floor else value.amount <= self.money.amount


def read_limits(unit: Unit) -> list[MoneyLimit]:
    """The order-value and weight limits `unit` states (none where an amount has no floor or ceiling word before it)."""
    low = unit.text.lower()
    floors = [m.end() for m in _vocab_pattern("threshold").finditer(low)]
    ceilings = [m.end() for m in _vocab_pattern("ceiling").finditer(low)]
    found = []
    for pos, money in [*find_money(unit.text), *find_weights(unit.text)]:
        if any(0 <= pos - end <= _REACH for end in floors):
            found.append(MoneyLimit(money, True, unit))
        elif any(0 <= pos - end <= _REACH for end in ceilings):
            found.append(MoneyLimit(money, False, unit))
    return found


def limit_answer(
    case: Case, question: str, units: Sequence[Unit]
) -> tuple[tuple[str, dict], MoneyLimit, float] | None:
    """(the line to say, the limit used, confidence) for the order value or the weight `case` gives, from the limit
    whose subject the question names; None when the question gives neither or names no limit's subject."""
    for value, prefix in ((case.order_value, "case"), (case.load, "case_load")):
        if value is None:
            continue
        found = _named_limit(value, terms(question) - terms(value.text) - _GENERIC, units)
        if found is None:
            continue
        met = found.admits(value)
        if found.floor:
            key = f"{prefix}_meets_minimum" if met else f"{prefix}_below_minimum"
        else:
            key = f"{prefix}_within_maximum" if met else f"{prefix}_above_maximum"
        values = {"subject": found.subject, "bound": found.money.text, "value": value.text}
        return (key, values), found, NAMED_CONFIDENCE
    return None


def _named_limit(value: Money, asked: frozenset[str], units: Sequence[Unit]) -> MoneyLimit | None:
    """The limit in `value`'s unit whose subject shares the most words with the question (None: none shares one, or
    limits of different subjects share as many: "Klarna" names both Klarna rows, and guessing which one the customer
    meant is how a wrong "yes" is made)."""
    scored = [
        (len(asked & terms(limit.subject)), limit)
        for unit in units
        for limit in read_limits(unit)
        if limit.money.currency == value.currency and limit.subject
    ]
    top = max((n for n, _ in scored), default=0)
    best = [limit for n, limit in scored if n == top]
    if not top or len({limit.subject for limit in best}) > 1:
        return None
    return best[0]


def own_terms(question: str) -> frozenset[str]:
    """The words a follow-up asks about, beyond the kind of figure it wants, amounts of money and words every order
    rule shares."""
    money = frozenset().union(*(terms(m.text) for _, m in find_money(question)))
    return terms(question) - cue_terms(question) - money - _GENERIC


def carries_on(question: str, tables: Sequence[Any]) -> bool:
    """Whether a follow-up asks the earlier case's question again: it names nothing of its own ("how long does it
    take?", "does that work?"), or only what the evidence's tables hold ("what about express?")."""
    asked = own_terms(question) - frozenset().union(*(terms(e.surface) for e in named_entities(question)))
    if not asked:
        return True
    held = frozenset().union(*(terms(table_text(t)) for t in tables))
    return asked <= held


def table_text(table: Any) -> str:
    """A fact table's words: its page and heading path, its columns and every cell."""
    cells = (v for row in table.rows for v in row.cells.values())
    return " ".join([table.path, table.heading, *table.columns, *cells])


def with_earlier(case: Case, earlier: Case) -> Case:
    """`case` with the values it does not give taken from the conversation's earlier case."""
    return replace(
        case,
        words=case.words | earlier.words,
        order_value=case.order_value or earlier.order_value,
        places=case.places or earlier.places,
        weekday=case.weekday if case.weekday is not None else earlier.weekday,
        clock=case.clock or earlier.clock,
        measures=case.measures or earlier.measures,
        load=case.load or earlier.load,
        story=case.story or earlier.story,
    )
