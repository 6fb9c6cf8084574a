"""How a unit's place in its document bears on answering a question: its heading path, its list's lead, the
things it names, its language (helpers of `generation.composer`).

- `unit_terms` / `own_terms`: the words a unit is matched on (its text, heading, lead, and its page's headings).
- `structure_bonus`: a section the question names; a unit that only came along with its section; a list item that
  repeats the question while its list is about something else; a later sentence of an item.
- `lists_kind`: whether a unit enumerates things of a kind (ways to pay, destinations).
- `in_reply_language`: the units in the reply's language, else in the shop's default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from generation.question import Entity, covers, cue_phrases, named_entities, wanted_figure
from generation.terms import terms
from generation.units import Unit


def unit_terms(unit: Unit) -> frozenset[str]:
    # The whole heading path: the page's title ("Gift cards") is what every one of its sentences is about.
    return terms(unit.text) | terms(unit.heading) | terms(unit.lead) | terms(unit.path)


def mentions_of(unit: Unit) -> list[Entity]:
    """The things a unit names, with those its list item's lead names of a kind the unit itself names none of: "From
    other countries we deduct 6.95 EUR" after "In Austria the label is free" is about other countries only."""
    own = named_entities(unit.text, groups=True)
    if not unit.lead:
        return own
    kinds = {e.type for e in own}
    return own + [e for e in named_entities(unit.lead, groups=True) if e.type not in kinds and e not in own]


def named_on_its_page(asked: Sequence[Entity], unit: Unit, units: Sequence[Unit]) -> frozenset[Entity]:
    """The asked things some unit of `unit`'s own evidence item names by name or group: "other countries" there is
    every country but these."""
    return _named_by_item(asked, [v for v in units if v.index == unit.index]).get(unit.index, frozenset())


def _named_by_item(asked: Sequence[Entity], units: Sequence[Unit]) -> dict[int, frozenset[Entity]]:
    named: dict[int, set[Entity]] = {}
    for u in units:
        mentions = mentions_of(u)
        named.setdefault(u.index, set()).update(e for e in asked if covers(mentions, e))
    return {index: frozenset(things) for index, things in named.items()}


def stated_things(asked: Sequence[Entity], units: Sequence[Unit]) -> list[list[Entity]]:
    """Per unit, the asked things it states: by name, by a group it belongs to ("other EU countries" for Italy), or
    as one of "other countries" where its own page names it nowhere."""
    if not asked:
        return [[] for _ in units]
    by_item = _named_by_item(asked, units)
    return [
        [e for e in asked if covers(mentions_of(u), e, named_elsewhere=e in by_item[u.index])] for u in units
    ]


def carried_terms(unit: Unit) -> frozenset[str]:
    if unit.kind != "list_item" or not unit.lead.startswith(unit.heading) or unit.lead == unit.heading:
        return frozenset()
    return terms(unit.lead) - terms(unit.text) - terms(unit.heading)


def cue_terms(question: str) -> frozenset[str]:
    """The words of a two-word cue that says which figure is wanted ("how long", "wie lange"): they say what kind
    of answer, not what it is about, and few sentences of the answer have them (a FAQ's question may), so they
    weigh little."""
    figure = wanted_figure(question)
    if not figure:
        return frozenset()
    low = question.lower()
    phrases = [
        p
        for p in cue_phrases(figure)
        if len(p.split()) == 2 and re.search(rf"(?<!\w){re.escape(p)}(?!\w)", low)
    ]
    return frozenset(t for p in phrases for t in terms(p))


def lists_kind(unit: Unit, types: set[str]) -> bool:
    """Whether the unit enumerates things of these types: a table row labelled with one ("PayPal: ..."), or a
    sentence naming two or more ("Visa, Mastercard, PayPal")."""
    if unit.kind == "table_row" and any(labels_type(unit, t) for t in types):
        return True
    return any(len({m.name for m in mentions_of(unit) if m.type == t}) >= 2 for t in types)


def structure_bonus(unit: Unit, q_terms: frozenset[str], idf: dict[str, float], total: float) -> float:
    """What the unit's place in its document says about it answering: a section the question names (the headings
    below the page title: "Balance and lost cards" for "check my gift card balance"); a unit that came along with its
    section rather than being found; a list item that only repeats what the question names while its list's lead is
    about something else ("Gas canisters" in the list of items that cannot be returned, for sending them)."""
    bonus = 0.0
    page = unit.path.split(" > ")[0]
    named_section = (terms(unit.section_name) - terms(page)) & q_terms
    if named_section:
        # By count, not rarity: a word the whole page shares ("warranty" on the warranty page) still names the
        # section that has it in its own heading.
        bonus += 0.25 * len(named_section) / len(q_terms)
    if not unit.retrieved:
        bonus -= 0.05
    if carried_terms(unit):
        bonus -= 0.1  # a later sentence of a list item leans on its first one: it follows, it does not lead
    if unit.kind == "list_item" and terms(unit.text) <= q_terms and not terms(unit.lead) & q_terms:
        bonus -= 0.25
    return bonus


def labels_type(unit: Unit, type_name: str) -> bool:
    return any(m.type == type_name for m in named_entities(unit.label, groups=True))


def in_reply_language(units: list[Unit], evidence: Sequence[Any], language: str) -> list[Unit]:
    """The units of the evidence in the reply's language, else in the shop's default (English): the same page in
    two languages gives every fact twice, and a Spanish question is not answered in German."""

    def lang(unit: Unit) -> str:
        item = evidence[unit.index - 1]
        value = item.get("language") if isinstance(item, dict) else getattr(item, "language", "")
        return str(value or "en")

    present = {lang(u) for u in units}
    preferred = language if language in present else "en"
    kept = [u for u in units if lang(u) == preferred]
    return kept or units
