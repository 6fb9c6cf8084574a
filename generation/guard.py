"""Output guard: every price, percentage, duration, stock figure and number-with-unit in a generated text must appear
in the evidence; offending sentences are reported and can be dropped (`repaired_text`).

Numbers are compared by value after normalisation, so "30 days" = "thirty days" = "30-day" = "30 Tage" and
"€49.90" = "49.90 EUR" = "49,90 €"; "2 weeks" counts as 14 days. Units must agree, except that a bare number in the
evidence ("Return window (days): 30") supports the same value with any unit.

    result = check("Returns within 60 days [1].", ["You can return items within 30 days."])
    result.ok -> False; result.violations[0].text -> "60 days"; result.repaired_text -> ""
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_WORD_NUMBERS = {
    # English
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a": 1,
    "an": 1,
    # German
    "ein": 1,
    "eine": 1,
    "einen": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "zwölf": 12,
    "vierzehn": 14,
    "zwanzig": 20,
    "dreißig": 30,
    "sechzig": 60,
    "neunzig": 90,
    # French
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "dix": 10,
    "douze": 12,
    "quinze": 15,
    "vingt": 20,
    "trente": 30,
    "soixante": 60,
    # Spanish
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "diez": 10,
    "doce": 12,
    "quince": 15,
    "veinte": 20,
    "treinta": 30,
    "sesenta": 60,
    "noventa": 90,
}
_TENS = {
    w: _WORD_NUMBERS[w]
    for w in ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
}
_ONES = {
    k: v
    for k, v in _WORD_NUMBERS.items()
    if k in {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
}

_DIGITS = r"\d{1,3}(?:[.,\u202f' ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
# Number words only count next to a unit ("thirty days"), never alone ("one of our best").
_WORDS = (
    r"(?:"
    + "|".join(sorted((re.escape(w) for w in _WORD_NUMBERS if len(w) > 2), key=len, reverse=True))
    + r")(?:-(?:"
    + "|".join(_ONES)
    + r"))?"
)
_NUM = rf"(?P<num>{_DIGITS})"
_NUM_OR_WORD = rf"(?P<num>{_DIGITS}|\b{_WORDS}|\ba\b|\ban\b)"

_CURRENCY = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "USD",
    "usd": "USD",
    "us$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "chf": "CHF",
    "fr.": "CHF",
}
_CUR = r"(?P<cur>€|\$|£|\b(?:EUR|USD|US\$|GBP|CHF|euros?|dollars?|pounds?)\b)"

_DURATION_UNITS = {
    "day": ("day", 1),
    "days": ("day", 1),
    "tag": ("day", 1),
    "tage": ("day", 1),
    "tagen": ("day", 1),
    "werktage": ("day", 1),
    "werktagen": ("day", 1),
    "jour": ("day", 1),
    "jours": ("day", 1),
    "día": ("day", 1),
    "días": ("day", 1),
    "dia": ("day", 1),
    "dias": ("day", 1),
    "week": ("day", 7),
    "weeks": ("day", 7),
    "woche": ("day", 7),
    "wochen": ("day", 7),
    "semaine": ("day", 7),
    "semaines": ("day", 7),
    "semana": ("day", 7),
    "semanas": ("day", 7),
    "month": ("month", 1),
    "months": ("month", 1),
    "monat": ("month", 1),
    "monate": ("month", 1),
    "monaten": ("month", 1),
    "mois": ("month", 1),
    "mes": ("month", 1),
    "meses": ("month", 1),
    "year": ("year", 1),
    "years": ("year", 1),
    "jahr": ("year", 1),
    "jahre": ("year", 1),
    "jahren": ("year", 1),
    "an": ("year", 1),
    "ans": ("year", 1),
    "année": ("year", 1),
    "années": ("year", 1),
    "año": ("year", 1),
    "años": ("year", 1),
    "hour": ("hour", 1),
    "hours": ("hour", 1),
    "hr": ("hour", 1),
    "hrs": ("hour", 1),
    "stunde": ("hour", 1),
    "stunden": ("hour", 1),
    "heure": ("hour", 1),
    "heures": ("hour", 1),
    "hora": ("hour", 1),
    "horas": ("hour", 1),
}
_DUR = r"(?P<unit>" + "|".join(sorted(_DURATION_UNITS, key=len, reverse=True)) + r")\b"
_DUR_QUALIFIER = r"(?:(?:business|working|calendar|full|whole)\s+)?"
_PERCENT = r"(?P<unit>%|\s?(?:percent|per\s?cent|prozent|pour\s?cent|por\s?ciento)\b)"
_STOCK_AFTER = r"(?P<unit>left|in\s+stock|on\s+hand|auf\s+lager|units?|items?|pieces?|pcs|stück|available)\b"
_MEASURE = r"(?P<unit>kg|mg|g|cm|mm|km|m|ml|cl|l|kwh|wh|kw|w|v|mah|gb|tb|mb|inch(?:es)?|in\.|oz|lbs?|°c|°f|″|\")(?![\w])"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "price",
        re.compile(
            rf"{_CUR}\s?{_NUM}|{_NUM}\s?{_CUR}".replace("(?P<cur>", "(?P<cur1>", 1).replace(
                "(?P<num>", "(?P<num1>", 1
            ),
            re.IGNORECASE,
        ),
    ),
    ("percent", re.compile(rf"{_NUM_OR_WORD}{_PERCENT}", re.IGNORECASE)),
    ("duration", re.compile(rf"{_NUM_OR_WORD}(?:\s|-|\s-\s)?{_DUR_QUALIFIER}{_DUR}", re.IGNORECASE)),
    ("stock", re.compile(rf"{_NUM}\s+{_STOCK_AFTER}|\bstock\b\W{{0,3}}(?P<num2>\d+)", re.IGNORECASE)),
    ("measure", re.compile(rf"{_NUM}\s?{_MEASURE}", re.IGNORECASE)),
    ("number", re.compile(rf"(?<![\[\w.,]){_NUM}(?![\]\w])")),
]


@dataclass(frozen=True)
class Fact:
    """One checkable figure: kind (price, percent, duration, stock, measure, number), value, canonical unit."""

    kind: str
    value: float
    unit: str
    text: str
    start: int = 0
    end: int = 0


@dataclass
class GuardResult:
    """`ok` when every figure is supported; `violations` lists the unsupported ones; `repaired_text` drops the
    sentences that hold them (may be empty: then the caller should fall back to something safe)."""

    ok: bool
    violations: list[Fact] = field(default_factory=list)
    repaired_text: str = ""


def parse_number(raw: str) -> float | None:
    """'1,299.00' -> 1299.0, '49,90' -> 49.9, '1.299,00' -> 1299.0, 'thirty' -> 30, 'twenty-one' -> 21."""
    token = raw.strip().lower()
    if token in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[token])
    if "-" in token:
        tens, _, ones = token.partition("-")
        if tens in _TENS and ones in _ONES:
            return float(_TENS[tens] + _ONES[ones])
    token = token.replace("\u202f", "").replace("'", "").replace(" ", "")
    if not token or not token[0].isdigit():
        return None
    if "," in token and "." in token:
        decimal = "," if token.rfind(",") > token.rfind(".") else "."
        token = token.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif "," in token or "." in token:
        sep = "," if "," in token else "."
        head, _, tail = token.rpartition(sep)
        # "1,299" / "1.299" with exactly three digits after one separator are thousands; "49,90" is a decimal
        if (
            len(tail) == 3
            and token.count(sep) >= 1
            and head.replace(sep, "").isdigit()
            and len(head) <= 3
            and sep == ","
        ):
            token = head + tail
        elif token.count(sep) > 1:
            token = token.replace(sep, "")
        else:
            token = head.replace(sep, "") + "." + tail
    try:
        return float(token)
    except ValueError:
        return None


def extract_facts(text: str) -> list[Fact]:
    """Every checkable figure in `text`, left to right; each character belongs to at most one fact."""
    taken: list[tuple[int, int]] = []
    facts: list[Fact] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            groups = {k: v for k, v in m.groupdict().items() if v}
            raw = groups.get("num") or groups.get("num1") or groups.get("num2") or ""
            value = parse_number(raw)
            if value is None:
                continue
            unit = ""
            if kind == "price":
                cur = (groups.get("cur") or groups.get("cur1") or "").lower()
                unit = _CURRENCY.get(cur, cur.upper())
            elif kind == "percent":
                unit = "%"
            elif kind == "duration":
                unit, factor = _DURATION_UNITS[groups["unit"].lower()]
                value *= factor
            elif kind == "measure":
                unit = groups["unit"].lower().rstrip(".")
            taken.append((start, end))
            facts.append(Fact(kind, value, unit, m.group(0).strip(), start, end))
    facts.sort(key=lambda f: f.start)
    return facts


def _supported(fact: Fact, evidence: Sequence[Fact]) -> bool:
    for e in evidence:
        if abs(e.value - fact.value) > 1e-6 * max(1.0, abs(fact.value)):
            continue
        if e.kind == "number" or fact.kind == "number":
            return True  # a bare figure in the evidence ("Return window (days): 30") or in the output
        if e.kind == fact.kind and (not e.unit or not fact.unit or e.unit == fact.unit):
            return True
        if {e.kind, fact.kind} == {"stock", "measure"}:
            continue
    return False


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` (split after . ! ? and at line breaks); keeps a citation such as " [1]." with its sentence."""
    return [s for s in (p.strip() for p in _SENTENCE.split(text)) if s]


def check(text: str, evidence: str | Iterable[str], *, bare_numbers: bool = True) -> GuardResult:
    """Check every figure of `text` against `evidence` (one text or several). `bare_numbers=False` ignores plain
    numbers without a unit (e.g. for short ad lines where "3 colours" would come from a list length)."""
    evidence_text = evidence if isinstance(evidence, str) else "\n".join(evidence)
    known = extract_facts(evidence_text)
    violations = [
        f for f in extract_facts(text) if (bare_numbers or f.kind != "number") and not _supported(f, known)
    ]
    if not violations:
        return GuardResult(ok=True, violations=[], repaired_text=text)
    kept = [
        s
        for s in split_sentences(text)
        if not any(
            (bare_numbers or f.kind != "number") and not _supported(f, known) for f in extract_facts(s)
        )
    ]
    return GuardResult(ok=False, violations=violations, repaired_text=" ".join(kept))


def find_terms(text: str, terms: Iterable[str]) -> list[str]:
    """The `terms` that occur in `text` as whole words or phrases, case-insensitive (banned terms, banned claims)."""
    found = []
    for term in terms:
        term = term.strip()
        if term and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE):
            found.append(term)
    return found
