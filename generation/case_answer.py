"""The customer's case worked out against the shop's typed facts: a result, the rule it used, the row it cites.

General rules, each applied only when the evidence holds its kind of fact and the question gives a value of its
kind of case:

- a price table keyed by destination ("Austria, Germany" | "Other EU countries"): the row whose key names the
  customer's country (or a group it belongs to), its price for the customer's order value against the row's
  free-from threshold, and its delivery time;
- a dispatch cut-off ("before 14:00 on a business day"): the day an order placed on the customer's weekday and time
  leaves;
- a chart of ranges (a size chart): the row whose range under the measured column holds the customer's measurement,
  or "between sizes" / "above the chart";
- opening hours per place: the hours of the named place on the customer's weekday, or closed;
- tiers by amount ("Ridge | from 500 EUR"): the row the customer's amount reaches, with what it brings
  (`generation.case_tiers`);
- a window from an event ("within 30 days of delivery"): the last day for the customer's own dates
  (`generation.case_windows`).

A rule that needs a value the question does not give asks for it (`CaseAnswer.clarify`) instead of guessing; what
fits no rule returns None and the caller answers as before. The wording is the caller's (phrase keys with values);
the figures and names are the page's own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from generation.case import Case, read_case
from generation.case_bounds import carries_on, limit_answer, table_text, with_earlier
from generation.case_charts import rows_rule, size_answer
from generation.case_ranges import length_answer
from generation.case_result import CaseAnswer
from generation.case_tiers import tier_answer
from generation.case_windows import window_answer
from generation.facts import (
    CutOff,
    FactRow,
    FactTable,
    OpeningHours,
    Span,
    price_of,
    read_rules,
    read_tables,
    span_of,
    weekday_name,
)
from generation.question import named_entities, question_type, tokens, wanted_figure
from generation.terms import is_stopword, terms, topics
from generation.units import evidence_units, render_row

# Only the best-ranked evidence items may carry a case answer: a table further down was found for other words.
TOP_EVIDENCE = 3
ANSWER_CONFIDENCE = 0.75
NAMED_LENGTH = 0.8  # a length rule in a sentence that names what the question is about


def answer_case(
    question: str,
    evidence: Sequence[Any],
    language: str = "en",
    today: date | None = None,
    context: str = "",
) -> CaseAnswer | None:
    """The customer's own case answered from `evidence`, or asked for; None when no rule of the evidence fits it.

    `context`: the conversation's earlier question that a follow-up carries on ("how long does it take?" after "do
    you ship to Italy?"). Its case values (Italy) fill the ones the follow-up does not give, unless the follow-up
    asks about something else ("is it waterproof?" after a size question does not ask for the size again)."""
    case = read_case(question, language, today)
    every = evidence_units(evidence)
    units = [u for u in every if u.index <= TOP_EVIDENCE]
    tables = read_tables(units)
    about = question
    if context and carries_on(question, tables):
        case = with_earlier(case, read_case(context, language, today))
        about = f"{question} {context}"
    window = window_answer(question, case.story, every, language)
    if window is not None:
        return window
    if not case.given:
        return None
    case.asks = wanted_figure(question) or wanted_figure(about)
    tier = tier_answer(case, read_tables(every), question)  # a tier table names its subject (checked there)
    if tier is not None:  # the amount is what the customer spent: no order value for the other rules
        return tier
    # rules about days and times are read only for a case that gives a day or a time
    cutoffs, hours = read_rules(units) if case.weekday is not None or case.clock else ([], [])
    found = [
        _destination_price(case, tables, question),
        _dispatch(case, cutoffs, language),
        size_answer(case, tables),
        _opening_hours(case, hours, language, every),
        _order_limit(case, about, every),  # a limit names its own subject, wherever it ranked
        _length_limit(case, question, every),  # as a limit, a length rule names its own subject
    ]
    found = [f for f in found if f is not None and (f.clarify or f.confidence >= ANSWER_CONFIDENCE)]
    if not found:
        return None
    # an answer before a question back; then the rule found in the better-ranked evidence
    return min(found, key=lambda f: (f.clarify, f.evidence))


def _order_limit(case: Case, question: str, units: Sequence[Any]) -> CaseAnswer | None:
    found = limit_answer(case, question, units)
    if found is None:
        return None
    line, limit, confidence = found
    unit = limit.unit
    rule = render_row(unit.fields) if unit.fields else unit.text
    used = {"value": line[1]["value"], "limit": limit.money.text}
    return CaseAnswer((line,), rule, unit.index, confidence, used=used)


def _length_limit(case: Case, question: str, units: Sequence[Any]) -> CaseAnswer | None:
    found = length_answer(case, question, units, question_type(question) == "yesno")
    if found is None:
        return None
    line, rule = found
    return CaseAnswer(
        (line,), rule.unit.text, rule.unit.index, NAMED_LENGTH, used={"value": line[1]["value"]}
    )


# --- destination x price --------------------------------------------------------------------------------------------


def _destination_rows(case: Case, table: FactTable) -> tuple[list[FactRow], float]:
    """The rows whose key names the customer's country (1.0) or a group it belongs to (0.8), best first."""
    best: list[FactRow] = []
    score = 0.0
    for place in case.places:
        for row in table.rows:
            named = named_entities(row.key, groups=True)
            if any(e.name == place.name for e in named):
                s = 1.0
            elif any(e.name in place.groups for e in named):
                s = 0.8
            else:
                continue
            if s > score:
                best, score = [row], s
            elif s == score:
                best.append(row)
    return best, score


def _price_column(table: FactTable) -> str:
    return next(
        (c for c in table.columns[1:] if any(price_of(r.cells.get(c, ""))[0] for r in table.rows)), ""
    )


def _time_column(table: FactTable) -> str:
    return next(
        (
            c
            for c in table.columns[1:]
            if any((span_of(r.cells.get(c, "")) or Span(0, 0, "", "")).unit for r in table.rows)
        ),
        "",
    )


def _destination_price(case: Case, tables: list[FactTable], question: str) -> CaseAnswer | None:
    priced = [
        t for t in tables if _price_column(t) and any(named_entities(r.key, groups=True) for r in t.rows)
    ]
    # a price and delivery time answer a question about them, or one that gives its order value ("do you ship gas
    # canisters to Italy?" is not asking what it costs)
    if not priced or not (case.order_value or (case.places and case.asks in ("price", "duration"))):
        return None
    table = priced[0]
    if topics(question) - topics(table_text(table)):
        return None  # "returns from Italy?" is not asked of the shipping table
    if not case.places:
        return CaseAnswer((("case_ask_destination", {}),), "", table.rows[0].evidence, 1.0, clarify=True)
    rows, score = _destination_rows(case, table)
    if not rows:
        return None  # a destination the table does not list: the "not offered" answer says so
    # several rows for one destination (Standard, Express): the ones whose other cells the question names
    chosen = _rows_named(case, rows, table) or rows
    price_col, time_col = _price_column(table), _time_column(table)
    lines = []
    missing = _option_elsewhere(case, chosen, table)
    if missing:  # "express to Italy": the table has Express, but not for Italy; say so before what there is
        lines.append(
            (
                "case_option_not_offered",
                {"option": missing, "place": case.places[0].surface[:1].upper() + case.places[0].surface[1:]},
            )
        )
    for row in chosen[:3]:
        line = _price_line(case, row, price_col, time_col)
        if line is None:
            return None
        lines.append(line)
    rule = rows_rule(chosen[:3])
    used = {
        "destination": case.places[0].name,
        "order_value": case.order_value.text if case.order_value else "",
    }
    return CaseAnswer(tuple(lines), rule, chosen[0].evidence, score, used=used)


def _rows_named(case: Case, rows: list[FactRow], table: FactTable) -> list[FactRow]:
    """The rows among `rows` that the question picks by a word only they have in a label cell ("express")."""
    labels = [
        c
        for c in table.columns[1:]
        if not price_of(rows[0].cells.get(c, ""))[0] and not span_of(rows[0].cells.get(c, ""))
    ]

    def own_words(row: FactRow) -> set[str]:
        # a qualifier in brackets ("(order by 14:00)") is no name of the row
        return {w for c in labels for w in tokens(re.sub(r"\([^)]*\)", " ", row.cells.get(c, "")))}

    words = [own_words(r) for r in rows]
    shared = set.intersection(*words) if words else set()
    return [r for r, w in zip(rows, words, strict=True) if (w - shared) & case.words]


def _option_elsewhere(case: Case, chosen: list[FactRow], table: FactTable) -> str:
    """The option the question names ("express") that other destinations' rows have and `chosen` do not ("" if
    none): answering Standard alone would let the customer think Express was what they got."""
    picked = {id(r) for r in chosen}
    others = [r for r in table.rows if id(r) not in picked]
    mine = set().union(*(terms(" ".join(r.cells.values())) for r in chosen)) if chosen else set()
    asked = terms(" ".join(case.words))  # content words only: "and" names no "Click and collect"
    for row in others:
        for column, cell in list(row.cells.items())[1:]:
            named = terms(re.sub(r"\([^)]*\)", " ", cell)) & asked
            if named and not named & mine and not price_of(cell)[0] and not span_of(cell, column):
                return cell
    return ""


def _price_line(case: Case, row: FactRow, price_col: str, time_col: str) -> tuple[str, dict[str, str]] | None:
    """The row's price for the customer's order value (free above the row's threshold) and its delivery time."""
    price, threshold = price_of(row.cells.get(price_col, ""))
    if price is None:
        return None
    label = ", ".join(v for c, v in row.cells.items() if c not in (price_col, time_col) and v)
    values = {"row": label, "price": price.text, "time": row.cells.get(time_col, "")}
    key = "case_price"
    if threshold is not None:
        values["threshold"] = threshold.text
        if case.order_value is None:
            key = "case_price_threshold"
        elif case.order_value.amount == threshold.amount or case.order_value.currency != threshold.currency:
            return None  # "over 75" or "from 75"? 75 CHF against 75 EUR? the page decides, not us
        else:
            values["value"] = case.order_value.text
            key = "case_price_free" if case.order_value.amount > threshold.amount else "case_price_below"
    if not values["time"]:
        key += "_no_time"
    return key, values


# --- dispatch cut-off -----------------------------------------------------------------------------------------------


def _dispatch(case: Case, cutoffs: list[CutOff], language: str) -> CaseAnswer | None:
    if not cutoffs or (case.weekday is None and case.clock is None):
        return None
    rule = cutoffs[0]
    ask = CaseAnswer((("case_ask_weekday", {}),), rule.text, rule.evidence, 1.0, clarify=True)
    if case.weekday is None:
        return ask
    day = weekday_name(case.weekday, language)
    business = case.weekday < 5
    if business and case.clock is None:
        return CaseAnswer((("case_ask_time", {"day": day}),), rule.text, rule.evidence, 1.0, clarify=True)
    at = case.clock.strftime("%H:%M") if case.clock else ""
    if business and case.clock < rule.at:
        lines = (("case_dispatch_same_day", {"day": day, "clock": at}),)
    else:
        leaves = weekday_name(_next_business_day(case.weekday), language)
        key = "case_dispatch_next_at" if at else "case_dispatch_next"
        lines = ((key, {"day": day, "clock": at, "leaves": leaves}),)
    return CaseAnswer(lines, rule.text, rule.evidence, 1.0, used={"weekday": day, "clock": at})


def _next_business_day(weekday: int) -> int:
    # public holidays are not known here: the rule sentence cited beside the answer names them
    return 0 if weekday >= 4 else weekday + 1


# --- opening hours --------------------------------------------------------------------------------------------------


def _names(subject: list[str], words: set[str]) -> bool:
    """Whether the question's words name the subject: a word of it, or one derived from it ("telefonisch" names
    "Telefon", "Filialen" names "Filiale": a shared start of at least five letters)."""
    # "Graz (flagship and repair workshop)" is not named by the "and" of "open and close"
    return any(
        w == s or (len(w) >= 5 and len(s) >= 5 and (w.startswith(s) or s.startswith(w)))
        for s in subject
        if not is_stopword(s)
        for w in words
    )


def _opening_hours(
    case: Case, hours: list[OpeningHours], language: str, every: Sequence[Any]
) -> CaseAnswer | None:
    if not hours or case.weekday is None:
        return None
    named = [h for h in hours if _names(tokens(h.subject), case.words)]
    if not named:  # the place asked for may rank lower than another place's row ("Innsbruck" under "Graz")
        named = [h for h in read_rules(every)[1] if _names(tokens(h.subject), case.words)]
    if not named and len({h.subject for h in hours}) > 1:
        options = ", ".join(dict.fromkeys(h.subject for h in hours))
        return CaseAnswer(
            (("case_ask_place", {"options": options}),), "", hours[0].evidence, 1.0, clarify=True
        )
    place = (named or hours)[0]
    day = weekday_name(case.weekday, language)
    if case.weekday in place.days:
        opens, closes = place.days[case.weekday]
        values = {
            "place": place.subject,
            "day": day,
            "opens": opens.strftime("%H:%M"),
            "closes": closes.strftime("%H:%M"),
        }
        line = ("case_hours", values)
    else:
        line = ("case_closed", {"place": place.subject, "day": day})
    return CaseAnswer((line,), place.text, place.evidence, 1.0, used={"place": place.subject, "weekday": day})
