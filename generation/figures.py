"""Figures with their units: every price, discount, percentage, duration, stock level and measure in a text.

A figure is supported only by a figure of the same kind (see `supports`): a percentage by a percentage, a discount by
a discount, a price by a price, days by days (weeks and hours convert), stock by stock, grams by grams (kilograms
convert). A bare number in the evidence ("sizes 40, 41") supports only a bare number in the output, never "40% off".
A label gives a bare number its kind: "Return window (days): 30", "'price': 169.0", "stock: 3", "weight_g: 760".

    extract_facts("Half price: now 84.50 EUR, 48h delivery")
    -> [discount 50 %, price 84.5 EUR, duration 48 hour]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from generation.patterns import alternation

DATA = Path(__file__).parent / "figures.yaml"


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Fact:
    """One checkable figure: kind (price, discount, percent, duration, stock, measure, number), value, unit."""

    kind: str
    value: float
    unit: str
    text: str
    start: int = 0
    end: int = 0


def _alt(words: list[str] | dict[str, Any]) -> str:
    return alternation(str(w) for w in words)


@lru_cache(maxsize=1)
def _numbers() -> dict[str, int]:
    return {str(k): int(v) for k, v in _data()["number_words"].items()}


# Words in one spelled number: the bound that keeps the chain's backtracking linear in the text's length.
MAX_NUMBER_WORDS = 6
_DIGITS = r"\d{1,3}(?:[.,\u202f']\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    d = _data()
    words = _alt([w for w in _numbers() if len(w) > 2])
    # "one hundred and sixty-nine", "twenty-one", "thirty"; "and" only after hundred / thousand ("two and three").
    # The chain is bounded: an unbounded one, tried again by the range and unit around it, backtracks in cubic time
    # over "one-one-one-..." (2 KB took a minute). It reads up to MAX_NUMBER_WORDS parts ("nine hundred and
    # ninety-nine thousand" is five).
    spelled = rf"\b(?:{words})(?:(?:(?<=hundred)|(?<=thousand))\s++and\s++(?:{words})|[\s-]++(?:{words})){{0,{MAX_NUMBER_WORDS - 1}}}\b"
    # never inside a word, a decimal or a ranking ("#1 v-peg set" holds no volts)
    digits = rf"(?<![#\w.,]){_DIGITS}"
    num = rf"(?P<num>{digits}|{spelled})"
    num_or_a = rf"(?P<num>{digits}|{spelled}|\ban?\b)"
    symbols = [c for c in d["currencies"] if not c[0].isalpha()]
    names = [c for c in d["currencies"] if c[0].isalpha()]
    cur = rf"(?P<cur>{_alt(symbols)}|\b(?:{_alt(names)})\b)"
    dur = rf"(?P<unit>{_alt(d['durations'])})\b"
    qualifier = r"(?:(?:business|working|calendar|full|whole)\s+)?"
    pct = r"(?P<unit>%|\s?(?:percent|per\s?cent|prozent|pour\s?cent|por\s?ciento)\b)"
    stock_after = r"(?P<unit>left|in\s+stock|on\s+hand|auf\s+lager|units?|pieces?|pcs|stück|available)\b"
    measure = rf"(?P<unit>{_alt(d['measures'])})(?!\w|-\w)"
    rng = r"\s?(?:-|–|to|bis)\s?"
    return [
        ("half", re.compile(r"\b(?P<unit>half[\s-]price|half\s+off|halber\s+preis|moitié\s+prix)\b", re.I)),
        (
            "price",
            re.compile(
                rf"{cur}\s?{num}|{num}\s?{cur}".replace("(?P<cur>", "(?P<cur1>", 1).replace(
                    "(?P<num>", "(?P<num1>", 1
                ),
                re.I,
            ),
        ),
        ("percent", re.compile(rf"(?:{num}{rng})?{num}{pct}".replace("(?P<num>", "(?P<lo>", 1), re.I)),
        (
            "duration",
            re.compile(
                rf"(?:{num}{rng})?{num_or_a}(?:\s|-|\s-\s)?{qualifier}{dur}".replace(
                    "(?P<num>", "(?P<lo>", 1
                ),
                re.I,
            ),
        ),
        ("stock", re.compile(rf"{num}\s+{stock_after}|\bstock\b\W{{0,3}}(?P<num2>\d+)", re.I)),
        ("measure", re.compile(rf"(?:{num}{rng})?{num}\s?{measure}".replace("(?P<num>", "(?P<lo>", 1), re.I)),
        (
            "label",
            # A label and its value share a line: "Next, by price:" over a numbered list labels no price "2".
            re.compile(
                rf"(?P<label>[A-Za-z][\w ()/%-]{{0,40}}?)['\"]?[ \t]*[:=][ \t]*['\"]?(?P<num>{_DIGITS})"
            ),
        ),
        # Number words alone are no figure ("one of our best"); digits are.
        # "#1" and "No. 1" are rankings (generation/claims.py), not figures.
        ("number", re.compile(rf"(?<![\[\w.,#])(?<!no\.\s)(?<!no\.)(?P<num>{_DIGITS})(?![\]\w])", re.I)),
    ]


def parse_number(raw: str) -> float | None:
    """'1,299.00' -> 1299.0, '49,90' -> 49.9, '1.299,00' -> 1299.0, 'thirty' -> 30, 'one hundred and sixty-nine'
    -> 169."""
    token = raw.strip().lower()
    if not token:
        return None
    if not token[0].isdigit():
        return _parse_words(token)
    token = token.replace("\u202f", "").replace("'", "").replace(" ", "")
    if "," in token and "." in token:
        decimal = "," if token.rfind(",") > token.rfind(".") else "."
        token = token.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif "," in token or "." in token:
        sep = "," if "," in token else "."
        head, _, tail = token.rpartition(sep)
        if token.count(sep) > 1:
            token = token.replace(sep, "")
        elif sep == "," and len(tail) == 3 and head.isdigit() and len(head) <= 3:
            token = head + tail  # "1,299" is a thousand; "49,90" a decimal
        else:
            token = head + "." + tail
    try:
        return float(token)
    except ValueError:
        return None


def _parse_words(token: str) -> float | None:
    numbers = _numbers()
    parts = [p for p in re.split(r"[\s-]+", token) if p and p != "and"]
    if not parts or any(p not in numbers for p in parts):
        return None
    total, current, last = 0, 0, 10**9
    for p in parts:
        value = numbers[p]
        if value < 100 and value >= last:
            return None  # "one two", "ten twelve": a list of numbers, not one
        last = value if value < 100 else 10**9
        if value == 100:
            current = max(1, current) * 100
        elif value >= 1000:
            total += max(1, current) * value
            current = 0
        else:
            current += value
    return float(total + current)


def _label_kind(label: str) -> tuple[str, str]:
    """The kind a key names ("Return window (days)" -> duration day; "weight_g" -> measure g)."""
    d = _data()
    low = label.lower().replace("_", " ")
    words = set(re.findall(r"[a-zäöüé%]+", low))
    if words & set(d["label_words"]["price"]):
        found = [c for c in words if c in d["currencies"]]
        return "price", d["currencies"][found[0]] if found else ""
    if words & set(d["label_words"]["stock"]):
        return "stock", ""
    if words & set(d["label_words"]["percent"]) or "%" in low:
        return "percent", "%"
    for w in words:
        if w in d["durations"]:
            return "duration", w
        if w in d["measures"]:
            return "measure", w
    return "number", ""


def _unit(kind: str, groups: dict[str, str]) -> tuple[str, float]:
    """(canonical unit, factor to multiply the value by)."""
    d = _data()
    if kind == "price":
        cur = (groups.get("cur") or groups.get("cur1") or "").lower()
        return d["currencies"].get(cur, cur.upper()), 1.0
    if kind in ("percent", "discount"):
        return "%", 1.0
    if kind == "duration":
        unit, factor = d["durations"][re.sub(r"\s+", " ", groups["unit"].lower())]
        return unit, float(factor)
    if kind == "measure":
        # "in." is a key of its own ("in" alone is a word); "cm." is "cm" at the end of a sentence
        raw = groups["unit"].lower()
        unit, factor = d["measures"].get(raw) or d["measures"][raw.rstrip(".")]
        return unit, float(factor)
    return "", 1.0


def _is_discount(text: str, start: int, end: int) -> bool:
    d = _data()["discount_context"]
    before, after = text[max(0, start - 14) : start].lower(), text[end : end + 14].lower()
    return bool(re.search(rf"\b(?:{_alt(d['before'])})\W*$", before)) or bool(
        re.match(rf"(?:{_alt(d['after'])})\b", after.lstrip())
    )


def extract_facts(text: str) -> list[Fact]:
    """Every checkable figure in `text`, left to right; each character belongs to at most one fact. A range ("2-3
    days", "20-35 L") gives one fact per end."""
    return list(_extract_facts(text))


# Help pages and catalog rows come back turn after turn; their figures are read once (Fact is frozen).
@lru_cache(maxsize=8192)
def _extract_facts(text: str) -> tuple[Fact, ...]:
    # One flag per character: a list of taken spans made the overlap check quadratic ("1-1-1-..." holds a fact per
    # digit).
    taken = bytearray(len(text))
    facts: list[Fact] = []
    for kind, pattern in _patterns():
        for m in _matches(kind, pattern, text):
            start, end = m.span()
            if taken.find(1, start, end) != -1:
                continue
            found = _facts_of(kind, m, text)
            if found:
                taken[start:end] = b"\x01" * (end - start)
                facts += found
    facts.sort(key=lambda f: f.start)
    return tuple(facts)


# Anchored at a line's start: unanchored, every position of a long line without a label would scan to its end.
_LABELLED_LINE = re.compile(r"^[^\n]*[:=][ \t]*['\"]?\d[^\n]*", re.M)


def _matches(kind: str, pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    if kind != "label":
        yield from pattern.finditer(text)
        return
    # A label and its value share a line: the (costly) label pattern runs only on lines with ":" or "=" before a digit.
    for line in _LABELLED_LINE.finditer(text):
        yield from pattern.finditer(text, line.start(), line.end())


def _facts_of(kind: str, m: re.Match[str], text: str) -> list[Fact]:
    groups = {k: v for k, v in m.groupdict().items() if v}
    start, end = m.span()
    shown = m.group(0).strip()
    if kind == "half":
        return [Fact("discount", 50.0, "%", shown, start, end)]
    if kind == "label":
        kind, unit = _label_kind(groups["label"])
        if kind in ("duration", "measure"):
            unit, factor = _unit(kind, {"unit": unit})
        else:
            factor = 1.0
        value = parse_number(groups["num"])
        num_start = m.start("num")
        label_end = m.end("label")
        span_start = start if kind != "number" else num_start
        out = [Fact(kind, value * factor, unit, text[span_start:end].strip(), span_start, end)]
        return out if value is not None and label_end <= num_start else []
    raw = groups.get("num") or groups.get("num1") or groups.get("num2") or ""
    if raw.lower() in ("a", "an"):
        raw = "one"
    values = [parse_number(raw)]
    if groups.get("lo"):
        values.insert(0, parse_number(groups["lo"]))
    if any(v is None for v in values):
        return []
    unit, factor = _unit(kind, groups)
    if kind == "percent" and _is_discount(text, start, end):
        kind = "discount"
    return [Fact(kind, v * factor, unit, shown, start, end) for v in values if v is not None]


def supports(evidence: Fact, claim: Fact) -> bool:
    """Whether the evidence figure backs the claimed one: the same value and a compatible kind and unit."""
    if claim.kind == "number":
        # A bare number claims little ("sizes 40 to 47"): any figure of that value backs it, its value as the
        # evidence shows it included ("1 to 1.5 cm" is stored as 10-15 mm, and still backs "1.5").
        return _same(evidence.value, claim.value) or any(
            _same(v, claim.value) for v in _shown_values(evidence)
        )
    if not _same(evidence.value, claim.value):
        return False
    if evidence.kind not in _data()["backed_by"][claim.kind]:
        return False
    return not evidence.unit or not claim.unit or evidence.unit == claim.unit


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


_SHOWN_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _shown_values(fact: Fact) -> list[float]:
    """The numbers as written in a figure's text, before its unit was normalised ("1.5 cm" -> 1.5, not 15 mm)."""
    values = (parse_number(m.group(0)) for m in _SHOWN_NUMBER.finditer(fact.text))
    return [v for v in values if v is not None]


def unsupported(text: str, evidence: list[Fact], *, bare_numbers: bool = True) -> list[Fact]:
    """The figures of `text` that no evidence figure supports."""
    return [
        f
        for f in extract_facts(text)
        if (bare_numbers or f.kind != "number") and not any(supports(e, f) for e in evidence)
    ]
