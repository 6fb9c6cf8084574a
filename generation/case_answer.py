"""The customer's case worked out against the shop's typed facts: a result, the rule it used, the row it cites.

Four general rules, each applied only when the evidence holds its kind of fact and the question gives a value of its
kind of case:

- a price table keyed by destination ("Austria, Germany" | "Other EU countries"): the row whose key names the
  customer's country (or a group it belongs to), its price for the customer's order value against the row's
  free-from threshold, and its delivery time;
- a dispatch cut-off ("before 14:00 on a business day"): the day an order placed on the customer's weekday and time
  leaves;
- a chart of ranges (a size chart): the row whose range under the measured column holds the customer's measurement,
  or "between sizes" / "above the chart";
- opening hours per place: the hours of the named place on the customer's weekday, or closed.

A rule that needs a value the question does not give asks for it (`CaseAnswer.clarify`) instead of guessing; what
fits no rule returns None and the caller answers as before. The wording is the caller's (phrase keys with values);
the figures and names are the page's own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, ClassVar

from generation.case import Case, Measure, read_case
from generation.case_bounds import carries_on, limit_answer, table_text, with_earlier
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
from generation.facts import words as fact_words
from generation.question import named_entities, tokens, wanted_figure
from generation.terms import topics
from generation.units import evidence_units, render_row

# Only the best-ranked evidence items may carry a case answer: a table further down was found for other words.
TOP_EVIDENCE = 3
ANSWER_CONFIDENCE = 0.75
CHART_MARGIN = 0.12  # how far past a size chart's ends a measurement is still read against that chart


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
        {"row", "time", "place", "size", "range", "column", "options", "lower", "upper", "subject", "option"}
    )


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
    if not case.given:
        return None
    case.asks = wanted_figure(question) or wanted_figure(about)
    # rules about days and times are read only for a case that gives a day or a time
    cutoffs, hours = read_rules(units) if case.weekday is not None or case.clock else ([], [])
    found = [
        _destination_price(case, tables, question),
        _dispatch(case, cutoffs, language),
        _size(case, tables),
        _opening_hours(case, hours, language, every),
        _order_limit(case, about, every),  # a limit names its own subject, wherever it ranked
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
    rule = _rows_rule(chosen[:3])
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
    mine = set().union(*(set(tokens(" ".join(r.cells.values()))) for r in chosen)) if chosen else set()
    for row in others:
        for column, cell in list(row.cells.items())[1:]:
            named = set(tokens(re.sub(r"\([^)]*\)", " ", cell))) & case.words
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


# --- charts of ranges -----------------------------------------------------------------------------------------------


def _size(case: Case, tables: list[FactTable]) -> CaseAnswer | None:
    if not case.measures:
        return None
    charts = [
        (t, c)
        for t in _whole_tables(tables)
        for c in t.range_columns()
        if t.spans(c)[0][1].unit in ("cm", "mm", "m")
    ]
    if not charts:
        return None
    # the columns the question names with the most words ("hand width" over "hand length"), those named right beside
    # the length first ("my bust is 90 cm, waist 74": the bust column)
    near = case.measures[0].near
    beside = [len(set(tokens(_bare(c))) & near) for _, c in charts]
    named_by = beside if any(beside) else [len(set(tokens(_bare(c))) & case.words) for _, c in charts]
    named = [tc for tc, n in zip(charts, named_by, strict=True) if n and n == max(named_by)]
    if not named and (near if any(beside) else case.words) & _measure_names():
        return None  # "116 cm tall": a measurement no chart here has; the pages' own words answer it
    if not named and len(charts) > 1:
        options = ", ".join(dict.fromkeys(_bare(c) for _, c in charts))
        line = ("case_ask_measure", {"measure": case.measures[0].text, "options": options})
        return CaseAnswer((line,), "", charts[0][0].rows[0].evidence, 1.0, clarify=True)
    # the table whose heading the question names too ("women's", "jackets"); two charts that fit equally: ask which
    candidates = named or charts
    overlap = [len(set(tokens(t.path or t.heading)) & case.words) for t, _ in candidates]
    best = [tc for tc, n in zip(candidates, overlap, strict=True) if n == max(overlap)]
    if len(best) > 1:
        options = ", ".join(dict.fromkeys(t.heading for t, _ in best))
        line = ("case_ask_chart", {"measure": case.measures[0].text, "options": options})
        return CaseAnswer((line,), "", best[0][0].rows[0].evidence, 1.0, clarify=True)
    return _chart_line(case.measures[0], *best[0])


def _whole_tables(tables: list[FactTable]) -> list[FactTable]:
    """Tables cut into several evidence items (one chunk per few rows) joined again: one chart, one answer."""
    joined: dict[tuple[str, str, tuple[str, ...]], FactTable] = {}
    for table in tables:
        key = (table.path, table.heading, table.columns)
        if key in joined:
            joined[key] = replace(joined[key], rows=joined[key].rows + table.rows)
        else:
            joined[key] = table
    return list(joined.values())


def _measure_names() -> frozenset[str]:
    return frozenset(w.lower() for w in fact_words().body_measures)


def _chart_line(measure: Measure, table: FactTable, column: str) -> CaseAnswer:
    spans = table.spans(column)
    scale = {"cm": 1.0, "mm": 10.0, "m": 0.01}[spans[0][1].unit]
    value = measure.cm * scale
    shown = measure.text if measure.text.lower().endswith("cm") else f"{measure.text} ({measure.cm:g} cm)"
    values = {"measure": shown, "column": _bare(column)}
    holding = [(r, s) for r, s in spans if s.contains(value)]
    if holding:
        row, span = holding[0]
        line = ("case_size", {**values, "size": row.key, "range": span.text})
        rows = [row]
    else:
        below = [(r, s) for r, s in spans if s.high < value]
        above = [(r, s) for r, s in spans if s.low > value]
        if below and above:
            (lo, ls), (hi, hs) = max(below, key=lambda x: x[1].high), min(above, key=lambda x: x[1].low)
            line = (
                "case_size_between",
                {**values, "lower": lo.key, "upper": hi.key, "lower_range": ls.text, "upper_range": hs.text},
            )
            rows = [lo, hi]
        else:
            row, span = max(below, key=lambda x: x[1].high) if below else min(above, key=lambda x: x[1].low)
            line = (
                "case_size_above" if below else "case_size_below",
                {**values, "size": row.key, "range": span.text},
            )
            rows = [row]
    rule = _rows_rule(rows)
    # far beyond every row (a 27 cm foot against a children's chart that ends at 22 cm): likely the wrong chart
    lowest, highest = min(s.low for _, s in spans), max(s.high for _, s in spans)
    sure = 1.0 if lowest * (1 - CHART_MARGIN) <= value <= highest * (1 + CHART_MARGIN) else 0.5
    return CaseAnswer((line,), rule, rows[0].evidence, sure, used={"measure": measure.text, "column": column})


def _rows_rule(rows: list[FactRow]) -> str:
    """The rows an answer used, as the page's own facts (one per line when there are several)."""
    lines = [render_row(r.cells) for r in rows]
    return lines[0] if len(lines) == 1 else "".join(f"\n- {line}" for line in lines)


def _bare(column: str) -> str:
    return column.split("(")[0].strip()


# --- opening hours --------------------------------------------------------------------------------------------------


def _names(subject: list[str], words: set[str]) -> bool:
    """Whether the question's words name the subject: a word of it, or one derived from it ("telefonisch" names
    "Telefon", "Filialen" names "Filiale": a shared start of at least five letters)."""
    return any(
        w == s or (len(w) >= 5 and len(s) >= 5 and (w.startswith(s) or s.startswith(w)))
        for s in subject
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
