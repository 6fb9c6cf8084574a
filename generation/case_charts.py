"""Charts of ranges (size charts): the row whose range under the measured column holds the customer's measurement,
or "between sizes" / "above the chart", read from the tables of the evidence."""

from __future__ import annotations

from dataclasses import replace

from generation.case import Case, Measure
from generation.case_result import CaseAnswer
from generation.facts import FactRow, FactTable
from generation.facts import words as fact_words
from generation.question import tokens
from generation.units import render_row

CHART_MARGIN = 0.12  # how far past a size chart's ends a measurement is still read against that chart


def size_answer(case: Case, tables: list[FactTable]) -> CaseAnswer | None:
    """The size a measurement the customer gives falls in, on the chart the question names (asked back when two
    charts or two columns fit equally; None when no chart here measures what the customer gives)."""
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
    if not named and (near | case.words) & _measure_names():
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
    rule = rows_rule(rows)
    # far beyond every row (a 27 cm foot against a children's chart that ends at 22 cm): likely the wrong chart
    lowest, highest = min(s.low for _, s in spans), max(s.high for _, s in spans)
    sure = 1.0 if lowest * (1 - CHART_MARGIN) <= value <= highest * (1 + CHART_MARGIN) else 0.5
    return CaseAnswer((line,), rule, rows[0].evidence, sure, used={"measure": measure.text, "column": column})


def rows_rule(rows: list[FactRow]) -> str:
    """The rows an answer used, as the page's own facts (one per line when there are several)."""
    lines = [render_row(r.cells) for r in rows]
    return lines[0] if len(lines) == 1 else "".join(f"\n- {line}" for line in lines)


def _bare(column: str) -> str:
    return column.split("(")[0].strip()
