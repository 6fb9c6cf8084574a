"""Negative answers from structure: "No, we do not deliver to Canada. We deliver to: ..." when a question names a thing
(a destination, a way to pay) that the evidence lists others of its kind but not it."""

from __future__ import annotations

from collections.abc import Sequence

from generation.question import OTHERS, covers, entity_types, named_entities
from generation.rendering import Composition, Scored, cite, phrase
from generation.unit_context import labels_type, mentions_of
from generation.units import Unit


def not_offered(
    question: str, units: Sequence[Unit], relevant: Sequence[Scored], language: str
) -> Composition | None:
    """ "No, we do not deliver to Canada. We deliver to: ..." when the question names something the evidence lists
    the alternatives of but not it. Only the relevant units count, so an unrelated page's mentions cannot say no."""
    asked = named_entities(question)
    if not asked or not relevant:
        return None
    everything = [m for u in units for m in mentions_of(u)]
    for entity in asked:
        if covers(everything, entity):
            continue
        alternatives = [
            s.unit
            for s in relevant
            if any(m.type == entity.type and m.name != entity.name for m in mentions_of(s.unit))
        ]
        kinds = {m.name for u in alternatives for m in mentions_of(u) if m.type == entity.type} - {OTHERS}
        if len(kinds) < 2:
            continue
        # A table whose rows are labelled with this kind of thing enumerates it, whether or not its rows matched
        # the question's other words ("do you take bitcoin": the ways-to-pay table).
        rows = [u for u in alternatives if u.kind == "table_row" and labels_type(u, entity.type)]
        rows = rows or [
            u for u in units if u.kind == "table_row" and labels_type(u, entity.type) and u.retrieved
        ]
        # The table a relevant row belongs to is read whole: every way to pay it lists, not only those that matched.
        tables = {(u.index, u.heading) for u in rows}
        rows += [
            u
            for u in units
            if u.kind == "table_row"
            and (u.index, u.heading) in tables
            and u not in rows
            and labels_type(u, entity.type)
        ]
        thing = entity.surface if entity.surface[:1].isupper() else entity.name
        spec = entity_types().get(entity.type, {})
        if rows:  # the table enumerates this kind of thing: name the rows by their labels
            lead = spec.get("not_offered", {}).get(language) or spec["not_offered"]["en"]
            offered = spec.get("offered", {}).get(language) or spec["offered"]["en"]
            labels: dict[str, int] = {}
            for row in sorted(rows, key=lambda u: u.position):
                labels.setdefault(row.label, row.index)
            items = [f"{label} [{index}]" for label, index in labels.items()]
            text = f"{lead.format(thing=thing)} {offered} " + "; ".join(items) + "."
            return Composition(text, sorted(set(labels.values())), "not_offered", rows)
        best = [u for u in alternatives if u.kind == "table_row"][:2]
        if not best:  # prose that happens to name some places is no list of what is offered: answer normally
            continue
        lead = phrase(language, "not_offered").format(thing=thing)
        body = " ".join(cite(u.text, u.index) for u in best)
        return Composition(f"{lead} {body}", sorted({u.index for u in best}), "not_offered", list(best))
    return None
