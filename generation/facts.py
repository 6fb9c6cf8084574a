"""The shop's facts as typed data: tables and rule sentences of any shop's pages, read into values a case can use.

A table (Markdown or HTML, already read into rows with their cells by column name at ingestion) becomes a
`FactTable`: its first column is the row's key (a destination list, a size label, a store, an item kind), and each
cell is typed where it can be: money with its currency ("6.95 EUR"), a range with its unit ("3-6 business days",
"88-94" under "Chest (cm)"), a threshold ("free on orders over 75 EUR"). Rule sentences become typed rules: a dispatch
cut-off ("orders placed on a business day before 14:00 leave the same day") and opening hours ("Monday to Friday
10:00-19:00, Saturday 09:00-18:00") under the heading that names what they are about. Every fact keeps the evidence
item it came from, so that an answer built from it cites its row.

The words that carry the meaning ("free", "over", "business days", weekday names) are data (`facts.yaml`, and
dateparser's locale data for weekdays), in every language the shop answers in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from generation.figures import parse_number
from generation.patterns import alternation
from generation.units import Unit

DATA = Path(__file__).with_name("facts.yaml")
LANGUAGES = ("en", "de", "fr", "es", "it")
_NUM = r"\d+(?:[.,]\d+)?"
_CLOCK = r"(?P<h>[01]?\d|2[0-3])[:.h](?P<m>[0-5]\d)"
_CLOCK_RANGE = re.compile(r"\d[:.]\d\d\s*(?:-|–|to|bis)\s*\d")


class WindowWords(BaseModel):
    """The words of time windows (`facts.yaml` `windows`): their units, the events they run from, "ago", and how a
    date is written in each language."""

    units: dict[str, list[str]]
    events: dict[str, list[str]]
    ago_before: list[str]
    ago_after: list[str]
    unit_names: dict[str, dict[str, str]]
    date_formats: dict[str, str]
    month_formats: dict[str, str]


class FactWords(BaseModel):
    """The vocabulary of `facts.yaml`, checked when loaded."""

    currencies: dict[str, list[str]]
    free: list[str]
    threshold: list[str]
    ceiling: list[str]
    durations: dict[str, list[str]]
    cutoff: list[str]
    business_day: list[str]
    day_span: list[str]
    clock: dict[str, list[str]]
    lengths: dict[str, str]
    body_measures: list[str]
    height_openers: list[str]
    weights: dict[str, float]
    length_definitions: list[str]
    windows: WindowWords


@lru_cache(maxsize=1)
def words() -> FactWords:
    """The fact vocabulary (`facts.yaml`)."""
    return FactWords.model_validate(yaml.safe_load(DATA.read_text(encoding="utf-8")))


@lru_cache(maxsize=16)
def weekday_names(short: bool = False, language: str = "") -> dict[str, int]:
    """Weekday names (dateparser's locale data) -> 0 (Monday) .. 6, in `language` or in every answered language.
    Abbreviations of fewer than four letters ("Mo", "Sat") only with `short`: alone they are ordinary words too ("so",
    "do", "sat"), so they are read only where opening hours follow them, one language at a time ("Di" is Tuesday in
    German and Sunday in French)."""
    from dateparser.languages.loader import default_loader

    keys = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    out: dict[str, int] = {}
    for lang in [language] if language else LANGUAGES:
        info = default_loader.get_locale(lang).info
        for day, key in enumerate(keys):
            for name in info.get(key, []):
                if short or len(name) >= 4:
                    out[name.lower().rstrip(".")] = day
    return out


def weekday_name(day: int, language: str) -> str:
    """The full name of weekday `day` (0 = Monday) in `language`, as a sentence writes it."""
    from dateparser.languages.loader import default_loader

    keys = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    names = default_loader.get_locale(language if language in LANGUAGES else "en").info[keys[day]]
    name = max(names, key=len)
    return name.capitalize() if language in ("en", "de") else name


def _pattern(phrases: Sequence[str]) -> str:
    return rf"(?<![\w]){alternation(p.lower() for p in phrases)}(?![\w])"


def says_free(text: str) -> bool:
    """Whether `text` states a price of nothing ("the label is free", "ist kostenlos"); a price cell's bare "frei"
    and "free of/from" (without a thing: "PFC-free") say no price in a sentence."""
    low = text.lower()
    return any(
        m.group(0) != "frei" and not re.match(r"\s+(?:of|from|von|de)\b", low[m.end() :])
        for m in _vocab_pattern("free").finditer(low)
    )


@lru_cache(maxsize=32)
def _vocab_pattern(name: str, kind: str = "", after: str = "") -> re.Pattern[str]:
    """The words of one vocabulary list (`kind` picks one of a dict's lists), followed by `after`; compiled once."""
    listed = getattr(words(), name)
    return re.compile(_pattern(listed[kind] if kind else listed) + after)


@lru_cache(maxsize=1)
def _currency_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = {n.lower(): code for code, ns in words().currencies.items() for n in ns}
    cur = alternation(names)
    after = re.compile(rf"(?P<num>{_NUM})\s*(?P<cur>{cur})(?![a-z])", re.IGNORECASE)
    before = re.compile(rf"(?<![a-z])(?P<cur>{cur})\s*(?P<num>{_NUM})", re.IGNORECASE)
    return after, before


# --- typed values ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """An amount in a currency; `text` is how the page (or the customer) wrote it."""

    amount: float
    currency: str
    text: str


@dataclass(frozen=True)
class Span:
    """A range with its unit ("3-6 business days", "88-94" cm); a single figure is a range of width zero."""

    low: float
    high: float
    unit: str
    text: str

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+")


def find_money(text: str) -> list[tuple[int, Money]]:
    """Every amount of money in `text` with its position ("75 EUR", "€60", "4,95 EUR", "1.500 EUR": money has no
    third decimal, so three digits after a dot are thousands)."""
    names = {n.lower(): code for code, ns in words().currencies.items() for n in ns}
    found: dict[int, Money] = {}
    for pattern in _currency_patterns():
        for m in pattern.finditer(text):
            number = m.group("num")
            amount = parse_number(number.replace(".", "") if _THOUSANDS_DOT.fullmatch(number) else number)
            if amount is not None and m.start() not in found:
                found[m.start()] = Money(amount, names[m.group("cur").lower()], m.group(0).strip())
    return sorted(found.items())


@lru_cache(maxsize=4096)
def price_of(cell: str) -> tuple[Money | None, Money | None]:
    """(the price, the order value from which it is free) of a price cell: "4.95 EUR, free on orders over 75 EUR" ->
    (4.95 EUR, 75 EUR); "free" -> (0, None); a cell without money -> (None, None)."""
    low = cell.lower()
    vocab = words()
    threshold_at = [m.end() for m in _vocab_pattern("threshold").finditer(low)]
    is_free = _vocab_pattern("free").search(low) is not None
    price: Money | None = None
    threshold: Money | None = None
    for pos, money in find_money(cell):
        # an amount right after "over"/"ab"/"dès" (with a word or two between: "orders over") is the threshold
        if is_free and any(0 <= pos - end <= 20 for end in threshold_at):
            threshold = threshold or money
        elif price is None:
            price = money
    if price is None and is_free:
        currency = threshold.currency if threshold else ""
        price = Money(0.0, currency, next(w for w in vocab.free if w.lower() in low))
    return price, threshold


_UNIT_IN_HEADER = re.compile(r"\(([^)]+)\)\s*$")


@lru_cache(maxsize=4096)
def span_of(cell: str, column: str = "") -> Span | None:
    """A range in a cell: "3-6 business days" -> 3..6 business_days, "88-94" under "Chest (cm)" -> 88..94 cm,
    "26.0" under "Foot length (cm)" -> 26..26 cm. None for a cell that is not one figure or one range."""
    m = re.fullmatch(rf"\s*(?P<a>{_NUM})\s*(?:(?:-|–|to|bis|à|a)\s*(?P<b>{_NUM}))?\s*(?P<rest>.*?)\s*", cell)
    if not m:
        return None
    low, high = parse_number(m.group("a")), parse_number(m.group("b") or m.group("a"))
    if low is None or high is None:
        return None
    rest = m.group("rest").lower()
    unit = ""
    for kind in words().durations:
        if rest and _vocab_pattern("durations", kind).fullmatch(rest):
            unit = kind
            break
    if rest and not unit:
        return None  # "4.95 EUR, free..." is no range
    if not unit:
        header_unit = _UNIT_IN_HEADER.search(column)
        unit = header_unit.group(1).strip() if header_unit else ""
    return Span(min(low, high), max(low, high), unit, cell.strip())


# --- tables ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactRow:
    """One row of a table: its key (the first cell), its cells by column, where it came from."""

    key: str
    cells: dict[str, str]
    evidence: int  # the 1-based evidence item the row came from
    heading: str


@dataclass(frozen=True)
class FactTable:
    """A table's rows under one heading of one evidence item, with its columns in order."""

    heading: str
    path: str
    columns: tuple[str, ...]
    rows: tuple[FactRow, ...]

    @property
    def key_column(self) -> str:
        return self.columns[0] if self.columns else ""

    def spans(self, column: str) -> list[tuple[FactRow, Span]]:
        """The rows whose `column` holds a range or figure, with it."""
        out = []
        for row in self.rows:
            span = span_of(row.cells.get(column, ""), column)
            if span is not None:
                out.append((row, span))
        return out

    def range_columns(self) -> list[str]:
        """The columns every row of which holds a range or a figure (a size chart's measurements)."""
        return [c for c in self.columns[1:] if len(self.spans(c)) == len(self.rows)]


def read_tables(units: Sequence[Unit]) -> list[FactTable]:
    """The tables among evidence units (rows of one evidence item under one heading), in reading order."""
    groups: dict[tuple[int, str], list[Unit]] = {}
    for unit in units:
        if unit.kind == "table_row" and unit.fields:
            groups.setdefault((unit.index, unit.path or unit.heading), []).append(unit)
    tables = []
    for (_, path), rows in groups.items():
        columns = tuple(dict.fromkeys(c for r in rows for c in r.fields))
        fact_rows = tuple(
            FactRow(next(iter(r.fields.values()), ""), dict(r.fields), r.index, r.heading) for r in rows
        )
        tables.append(FactTable(rows[0].heading, path, columns, fact_rows))
    return tables


# --- rules ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CutOff:
    """Orders placed on a business day before `at` leave the same day; later ones, the next business day."""

    at: time
    text: str
    evidence: int


@dataclass(frozen=True)
class OpeningHours:
    """Opening hours of what `subject` (the heading above them) names: weekday -> (opens, closes)."""

    subject: str
    days: dict[int, tuple[time, time]]
    text: str
    evidence: int


def read_cutoff(unit: Unit) -> CutOff | None:
    """A dispatch cut-off in a rule sentence: a clock time after "before"/"vor"/"avant" in a sentence that names
    business days."""
    low = unit.text.lower()
    if not _vocab_pattern("business_day").search(low):
        return None
    m = _vocab_pattern("cutoff", after=rf"\s*{_CLOCK}").search(low)
    if not m:
        return None
    return CutOff(time(int(m.group("h")), int(m.group("m"))), unit.text, unit.index)


@lru_cache(maxsize=8)
def _hours_pattern(language: str) -> re.Pattern[str]:
    day = rf"(?<!\w)({alternation(weekday_names(True, language))})\.?(?!\w)"
    span = rf"{day}(?:\s*(?:{alternation(words().day_span)})\s*{day})?"
    hours = r"(\d{1,2})[:.](\d{2})\s*(?:-|–|to|bis)\s*(\d{1,2})[:.](\d{2})"
    return re.compile(rf"{span}\s*:?\s*{hours}", re.IGNORECASE)


def _hours_in(text: str, language: str) -> dict[int, tuple[time, time]]:
    names = weekday_names(True, language)
    days: dict[int, tuple[time, time]] = {}
    for m in _hours_pattern(language).finditer(text):
        first = names[m.group(1).lower()]
        last = names[m.group(2).lower()] if m.group(2) else first
        opens = time(int(m.group(3)), int(m.group(4)))
        closes = time(int(m.group(5)) % 24, int(m.group(6)))
        for d in range(first, last + 1):
            days[d] = (opens, closes)
    return days


def read_opening_hours(unit: Unit, subject: str = "") -> OpeningHours | None:
    """Opening hours in a sentence or cell: "Monday to Friday 10:00-19:00, Saturday 09:00-18:00", "Mo-Fr 10:00-19:00
    Uhr", of `subject` (default: the heading above them); read in the language whose weekday names cover most days."""
    if not _CLOCK_RANGE.search(unit.text):
        return None  # most sentences hold no hours: no need to try five languages' weekday names on them
    days = max((_hours_in(unit.text, lang) for lang in LANGUAGES), key=len)
    if not days:
        return None
    return OpeningHours(subject or unit.heading, days, unit.text, unit.index)


def read_rules(units: Sequence[Unit]) -> tuple[list[CutOff], list[OpeningHours]]:
    """The cut-offs and opening hours the evidence's sentences state."""
    cutoffs, hours = [], []
    for n, unit in enumerate(units):
        if unit.kind == "table_row":
            hours += _row_hours(unit)
            continue
        cutoff = read_cutoff(unit)
        if cutoff is not None:
            cutoffs.append(_with_next_day_rule(cutoff, unit, units[n + 1 : n + 2]))
        opening = read_opening_hours(unit)
        if opening is not None:
            hours.append(opening)
    return cutoffs, hours


def _with_next_day_rule(cutoff: CutOff, unit: Unit, following: Sequence[Unit]) -> CutOff:
    """The cut-off's text with the sentence after it when that one, under the same heading, is about business days
    too ("Orders placed later ... leave on the next business day"): the answer cites the whole rule it applied."""
    nxt = following[0] if following else None
    if nxt is None or nxt.index != unit.index or nxt.heading != unit.heading or nxt.kind == "table_row":
        return cutoff
    if not _vocab_pattern("business_day").search(nxt.text.lower()):
        return cutoff
    return CutOff(cutoff.at, f"{cutoff.text} {nxt.text}", cutoff.evidence)


def _row_hours(unit: Unit) -> list[OpeningHours]:
    """Opening hours in a table row's cells, of what the row's first cell names ("Innsbruck", "Phone")."""
    out = []
    for column, cell in list(unit.fields.items())[1:]:
        found = read_opening_hours(Unit(unit.index, cell, unit.heading), subject=unit.label)
        if found is not None:
            out.append(OpeningHours(found.subject, found.days, f"{unit.label}: {column}: {cell}", unit.index))
    return out
