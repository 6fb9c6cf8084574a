"""A length the customer gives, held against the range or the limit a rule of the shop states in the same unit.

"my poles only extend to 110 cm, can I pitch the Wisp 1 with them?" and the rule "The Wisp 1 pitches with one
trekking pole of 115-125 cm": 110 cm is outside 115-125 cm, so the answer is no, with the rule cited. "I'm 1.91 m,
Regular or Long?" and "1250 g in Regular (for people up to 185 cm)": 191 cm is over 185 cm. The rule must name what
the question is about (it shares at least `MIN_SHARED` of the question's own words), so a tent's pole length never
answers a question about a jacket's sleeves; the size charts (tables) are `case_charts.size_answer`'s, not this rule's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from generation.case import Case, Measure, _to_cm
from generation.facts import _vocab_pattern
from generation.figures import parse_number
from generation.terms import terms

MIN_SHARED = 2  # words of the question a rule must share to be about the same thing
_NUM = r"\d+(?:[.,]\d+)?"
_UNITS = {"mm": "millimeter", "cm": "centimeter", "m": "meter"}


@dataclass(frozen=True)
class LengthRule:
    """A range ("115-125 cm") or a ceiling ("up to 185 cm") in centimetres, in the evidence unit that states it."""

    low: float | None
    high: float
    text: str  # as written
    unit: Any  # the evidence unit

    def admits(self, cm: float) -> bool:
        return (self.low is None or self.low <= cm) and cm <= self.high


@lru_cache(maxsize=1)
def _range_pattern() -> re.Pattern[str]:
    units = "|".join(sorted(_UNITS, key=len, reverse=True))
    return re.compile(
        rf"(?<![\w.,])(?P<a>{_NUM})\s*(?:(?P<u1>{units})\s*)?(?:-|–|to|bis|à|a)\s*(?P<b>{_NUM})\s*(?P<u>{units})\b",
        re.IGNORECASE,
    )


@lru_cache(maxsize=1)
def _ceiling_pattern() -> re.Pattern[str]:
    units = "|".join(sorted(_UNITS, key=len, reverse=True))
    ceiling = _vocab_pattern("ceiling").pattern
    return re.compile(rf"(?:{ceiling})\s*(?P<b>{_NUM})\s*(?P<u>{units})\b", re.IGNORECASE)


def _cm(number: str, unit: str) -> float | None:
    value = parse_number(number)
    return None if value is None else round(_to_cm(value, _UNITS[unit.lower()]), 1)


def length_rules(unit: Any) -> list[LengthRule]:
    """The length ranges and ceilings a sentence states (a table row's cells are the size charts' business)."""
    if getattr(unit, "fields", None):
        return []
    text = unit.text
    out = []
    for m in _range_pattern().finditer(text):
        low, high = _cm(m.group("a"), m.group("u1") or m.group("u")), _cm(m.group("b"), m.group("u"))
        if low is not None and high is not None and low < high:
            out.append(LengthRule(low, high, m.group(0).strip(), unit))
    for m in _ceiling_pattern().finditer(text):
        high = _cm(m.group("b"), m.group("u"))
        if high is not None:
            out.append(LengthRule(None, high, m.group(0).strip(), unit))
    return out


def length_answer(
    case: Case, question: str, units: Sequence[Any], yes_no: bool
) -> tuple[tuple[str, dict], LengthRule] | None:
    """(the line to say, the rule used) for the first length the customer gives that a rule about the same thing
    bounds; None when the question gives no length or no rule names what it asks about."""
    if not case.measures:
        return None
    asked = terms(question) - frozenset().union(*(terms(m.text) for m in case.measures))
    measure = _measure_for(case.measures)
    for unit in units:
        if len(asked & terms(f"{getattr(unit, 'heading', '')} {unit.text}")) < MIN_SHARED:
            continue
        rules = length_rules(unit)
        named = [r for r in rules if _clause_terms(r) & asked - _shared_terms(rules)]
        if len(rules) > 1 and len(named) != 1:
            # "Regular fits people up to 185 cm; Long fits people up to 200 cm": the option the length falls in
            fitting = sorted((r for r in rules if r.admits(measure.cm)), key=lambda r: r.high)
            if fitting:
                return (
                    "case_length_option",
                    {"value": measure.text, "option": _clause(fitting[0])},
                ), fitting[0]
        for rule in named or rules:
            fits = rule.admits(measure.cm)
            key = ("case_length_within" if fits else "case_length_outside") + ("_yes_no" if yes_no else "")
            return (key, {"value": measure.text, "range": rule.text}), rule
    return None


def _clause(rule: LengthRule) -> str:
    """The clause of its sentence that states `rule` ("Long fits people up to 200 cm")."""
    text = rule.unit.text.replace("**", "")
    at = text.find(rule.text)
    if at < 0:
        return rule.text
    start = max(text.rfind(c, 0, at) for c in ";,.:") + 1
    ends = [e for e in (text.find(c, at + len(rule.text)) for c in ";,.") if e >= 0]
    return text[start : min(ends, default=len(text))].strip()


def _clause_terms(rule: LengthRule) -> frozenset[str]:
    return terms(_clause(rule)) - terms(rule.text)


def _shared_terms(rules: Sequence[LengthRule]) -> frozenset[str]:
    """Words every option's clause has ("fits people"): they name none of them."""
    sets = [_clause_terms(r) for r in rules]
    return frozenset.intersection(*sets) if sets else frozenset()


def _measure_for(measures: list[Measure]) -> Measure:
    """The customer's length the rule is held against: the first one given (a question rarely gives two lengths of
    one thing; body measurements with a size word are the size charts')."""
    return measures[0]
