"""The customer's own case, read from the question: the values a shop's rules are applied to.

"shipping to italy for a 60 euro order" holds an order value (60 EUR) and a destination (Italy); "I ordered on
Friday at 3 pm" a weekday and a clock time; "my chest is 44 inches" a body measurement (111.8 cm). Spelled-out numbers
are read first (text2num: "sixty euros" -> "60 euros"), weekdays come from dateparser's locale data in every answered
language, lengths are converted with pint. A value the question does not give stays None: the rule that needs it asks
for it instead of guessing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import lru_cache

from generation.case_dates import Story, read_story
from generation.facts import LANGUAGES, Money, find_money, weekday_names, words
from generation.patterns import alternation
from generation.question import Entity, named_entities, tokens

log = logging.getLogger(__name__)
_NUM = r"\d+(?:[.,]\d+)?"
MIN_HEIGHT_CM = 130  # "I'm 188 cm" is a height; "I'm 112 cm" may be a chest: asked which
_NEAR = 30  # characters around a length in which the words that name it stand


@dataclass(frozen=True)
class Measure:
    """A length the customer gave, in centimetres, as written, and the words just around it ("my *bust is* 90 cm",
    "116 cm *tall*"): what it measures."""

    cm: float
    text: str
    near: frozenset[str] = frozenset()


@dataclass
class Case:
    """What the question says about the customer's own situation."""

    words: set[str] = field(
        default_factory=set
    )  # the question's words, lower-cased (to match column headers)
    order_value: Money | None = None
    places: list[Entity] = field(default_factory=list)
    weekday: int | None = None  # 0 = Monday
    clock: time | None = None
    measures: list[Measure] = field(default_factory=list)
    load: Money | None = None  # a weight the customer gives ("ich wiege 110 kg"), in kg
    story: Story | None = None  # dates: delivered on 2 December, asking about 10 January
    asks: str = (
        ""  # the kind of figure the question asks for ("price", "duration", "time"; see `wanted_figure`)
    )

    @property
    def given(self) -> bool:
        """Whether the question gives any value of its own case."""
        return bool(
            self.order_value
            or self.places
            or self.weekday is not None
            or self.clock
            or self.measures
            or self.load
            or self.story
        )


def read_case(question: str, language: str = "en", today: date | None = None) -> Case:
    """The case values `question` gives (see the module docs); those it does not give stay empty. "today",
    "yesterday", "tomorrow" are weekdays counted from `today` (default: the server's date)."""
    text = spelled_numbers(question, language)
    money = find_money(text)
    return Case(
        words=set(tokens(text)),
        order_value=money[0][1] if money else None,
        places=[e for e in named_entities(text) if e.type == "country"],
        weekday=_weekday(text, today or date.today()),
        clock=_clock(text),
        measures=_measures(text),
        load=next((w for _, w in find_weights(text)), None),
        story=read_story(text, today or date.today()),
    )


@lru_cache(maxsize=1)
def _weight_pattern() -> re.Pattern[str]:
    units = alternation(u.lower() for u in words().weights)
    return re.compile(rf"(?<![\w.,])(?P<num>{_NUM})\s*(?P<unit>{units})(?![\w])", re.IGNORECASE)


def find_weights(text: str) -> list[tuple[int, Money]]:
    """Every weight in `text` with its position, in kg ("110 kg", "220 lbs"; the units and their factors are data)."""
    from generation.figures import parse_number

    factors = {k.lower(): v for k, v in words().weights.items()}
    found = []
    for m in _weight_pattern().finditer(text):
        value = parse_number(m.group("num"))
        if value is not None:
            found.append(
                (m.start(), Money(round(value * factors[m.group("unit").lower()], 1), "kg", m.group(0)))
            )
    return found


def spelled_numbers(text: str, language: str) -> str:
    """Numbers written as words turned into digits ("sixty euros" -> "60 euros"), in the customer's language."""
    try:
        from text_to_num import alpha2digit

        return alpha2digit(text, language if language in ("en", "de", "fr", "es", "it") else "en")
    except (ImportError, ValueError) as exc:  # a language text2num lacks: the digits the customer wrote
        log.debug("text2num could not read %r: %s", text, exc)
        return text


def _weekday(text: str, today: date) -> int | None:
    m = _weekday_pattern().search(text.lower())
    if m:
        return weekday_names()[m.group(1)]
    for offset in (0, -1, 1):  # "today at 3 pm" before a "tomorrow" that may be a morning ("heute Morgen")
        if _relative_day_pattern(offset).search(text):
            return (today + timedelta(days=offset)).weekday()
    return None


@lru_cache(maxsize=3)
def _relative_day_pattern(offset: int) -> re.Pattern[str]:
    """ "today" / "yesterday" / "tomorrow" in every answered language (dateparser's locale data). Words that are a
    part of the day too are left out: "mañana" (this morning), and German "Morgen" counts only written small."""
    from dateparser.languages.loader import default_loader

    key = {0: "0 day ago", -1: "1 day ago", 1: "in 1 day"}[offset]
    names = {
        n for lang in LANGUAGES for n in default_loader.get_locale(lang).info["relative-type"].get(key, [])
    }
    names -= {"till date", "mañana"}
    case_sensitive = {"morgen"} & names
    rest = alternation(n.lower() for n in names - case_sensitive)
    small = "|".join(case_sensitive)
    return re.compile(rf"(?<!\w)(?:(?i:{rest}){'|' + small if small else ''})(?!\w)")


@lru_cache(maxsize=1)
def _weekday_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)({alternation(weekday_names())})(?!\w)")


@lru_cache(maxsize=1)
def _clock_pattern() -> re.Pattern[str]:
    clock = words().clock
    pm, am, hour = (alternation(w.lower() for w in clock[k]) for k in ("pm", "am", "hour"))
    return re.compile(
        rf"(?<![\d.,])(?P<h>[01]?\d|2[0-3])(?:[:.h](?P<m>[0-5]\d))?\s*"
        rf"(?:(?P<pm>{pm})|(?P<am>{am})|(?P<hour>{hour}))?(?![\w])",
        re.IGNORECASE,
    )


def _clock(text: str) -> time | None:
    """A clock time: "3 pm", "15:00", "15 Uhr", "15h30"; a bare number is no time ("60 euro", "size 44")."""
    for m in _clock_pattern().finditer(text.lower()):
        if not (m.group("m") or m.group("pm") or m.group("am") or m.group("hour")):
            continue
        if m.group("m") and not (m.group("pm") or m.group("am") or m.group("hour")):
            if re.match(r"\s*(?:eur|€|cm|kg|%)", text.lower()[m.end() :]):
                continue  # "4.95 EUR" is money, not five to five
        hour = int(m.group("h"))
        if m.group("pm") and hour < 12:
            hour += 12
        if m.group("am") and hour == 12:
            hour = 0
        return time(hour, int(m.group("m") or 0))
    return None


@lru_cache(maxsize=1)
def _length_pattern() -> re.Pattern[str]:
    units = alternation(u.lower() for u in words().lengths)
    return re.compile(rf"(?<![\w.,])(?P<num>{_NUM})\s*(?P<unit>{units})(?![\w])", re.IGNORECASE)


def _measures(text: str) -> list[Measure]:
    """Lengths the customer gave, in centimetres (pint converts inches and feet)."""
    from generation.figures import parse_number

    names = {k.lower(): v for k, v in words().lengths.items()}
    out = []
    for m in _length_pattern().finditer(text):
        value = parse_number(m.group("num"))
        if value is None:
            continue
        cm = _to_cm(value, names[m.group("unit").lower()])
        before, after = (
            tokens(text[max(0, m.start() - _NEAR) : m.start()]),
            tokens(text[m.end() : m.end() + _NEAR]),
        )
        # "my bust is 90 cm, waist 74": the name before the length is its own; "116 cm tall": one after it
        named_before = {w.lower() for w in words().body_measures} & set(before[-3:])
        near = frozenset(before[-3:] if named_before else after[:1])
        if cm >= MIN_HEIGHT_CM and _says_height(text[: m.start()]):  # "I'm 188 cm": how tall
            near |= {"tall"}
        out.append(Measure(round(cm, 1), m.group(0), near))
    return out


@lru_cache(maxsize=1)
def _height_opener() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(w.lower() for w in words().height_openers)})\s*$")


def _says_height(before: str) -> bool:
    return _height_opener().search(before.lower().replace("’", "'")) is not None


def _to_cm(value: float, unit: str) -> float:
    return float(_registry().Quantity(value, unit).to("centimeter").magnitude)


@lru_cache(maxsize=1)
def _registry():  # once, and only when a length is asked about
    import pint

    registry = pint.UnitRegistry(
        None
    )  # only the lengths of `facts.yaml`: pint's full registry takes a second
    for definition in words().length_definitions:
        registry.define(definition)
    return registry
