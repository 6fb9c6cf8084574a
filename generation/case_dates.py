"""The dates of a customer's story: when it started (delivered on 2 December, bought 35 days ago) and the day asked
about ("today is 5 October", "around 10 January", or today), for the windows of `generation.case_windows`.

The start is the date the story ties to an event ("delivered", "gekauft", "kam am 20. November"; `facts.yaml`
`windows.events`), or "35 days ago" beside one; the day asked about is the date beside "today", another date the story
gives, or today. Dates without a year fall in the year that keeps the story in order: the start on or before the day
asked about (today, when that is all there is), the day asked about on or after the start. Month names and "today" come
from dateparser's locale data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from generation.facts import LANGUAGES, words
from generation.patterns import alternation

_MONTH_KEYS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)  # fmt: skip  (dateparser's locale keys)
_EVENT_NEAR = 40  # characters between a customer's date and the event word that makes it their start
_TODAY_NEAR = 16  # "today is 5 October", "heute (20. März)"


@dataclass(frozen=True)
class Mention:
    """A date as written: month and day (day None: "August 2027"), its year when given, where it stands."""

    month: int
    day: int | None
    year: int | None
    start: int
    end: int


@lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    from dateparser.languages.loader import default_loader

    out: dict[str, int] = {}
    for lang in LANGUAGES:
        info = default_loader.get_locale(lang).info
        for n, key in enumerate(_MONTH_KEYS, start=1):
            out.update({name.lower().rstrip("."): n for name in info.get(key, []) if len(name) >= 3})
    return out


def month_name(month: int, language: str) -> str:
    from dateparser.languages.loader import default_loader

    name = max(default_loader.get_locale(language).info[_MONTH_KEYS[month - 1]], key=len)
    return name.capitalize() if language in ("en", "de") else name


@lru_cache(maxsize=1)
def _date_patterns() -> tuple[re.Pattern[str], ...]:
    month = rf"(?P<month>{alternation(_months())})\.?"
    year = r"(?P<year>(?:19|20)\d\d)"
    return tuple(
        re.compile(p, re.IGNORECASE)
        for p in (
            rf"(?<![\d.,])(?P<day>[0-3]?\d)(?:\.|st|nd|rd|th|er)?\s+(?:de\s+|of\s+)?{month}(?:\s+(?:de\s+)?{year})?(?!\w)",
            rf"(?<!\w){month}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+{year})?(?![\d\w])",
            rf"(?<!\w){month}\s+(?:de\s+)?{year}(?!\d)",
        )
    )


def find_dates(text: str) -> list[Mention]:
    """Every calendar date in `text`, in reading order (a month without a day only with its year)."""
    found: list[Mention] = []
    taken: list[range] = []
    for pattern in _date_patterns():
        for m in pattern.finditer(text):
            if any(m.start() in r or m.end() - 1 in r for r in taken):
                continue
            groups = m.groupdict()
            day = int(groups["day"]) if groups.get("day") else None
            if day is not None and not 1 <= day <= 31:
                continue
            year = int(groups["year"]) if groups.get("year") else None
            found.append(
                Mention(_months()[m.group("month").lower().rstrip(".")], day, year, m.start(), m.end())
            )
            taken.append(range(m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


@lru_cache(maxsize=1)
def _ago_pattern() -> re.Pattern[str]:
    w = words().windows
    units = alternation(u.lower() for names in w.units.values() for u in names)
    before, after = alternation(w.ago_before), alternation(w.ago_after)
    return re.compile(
        rf"(?<!\w)(?:(?:{before})\s+(?P<n1>\d+)\s+(?P<u1>{units})|(?P<n2>\d+)\s+(?P<u2>{units})\s+(?:{after}))(?!\w)",
        re.IGNORECASE,
    )


def _ago(text: str, today: date) -> tuple[date, int] | None:
    """("35 days ago" as a date, where it stands)."""
    m = _ago_pattern().search(text)
    if not m:
        return None
    amount = int(m.group("n1") or m.group("n2"))
    return today - length_of(amount, unit_kind(m.group("u1") or m.group("u2"))), m.start()


def unit_kind(word: str) -> str:
    return window_words("units")[word.lower()]


@lru_cache(maxsize=2)
def window_words(section: str) -> dict[str, str]:
    """A word of `facts.yaml` `windows.units` or `windows.events` (lower case) -> its kind ("days", "delivery")."""
    names = getattr(words().windows, section)
    return {n.lower(): kind for kind, ns in names.items() for n in ns}


def length_of(amount: int, unit: str) -> relativedelta:
    return relativedelta(**{unit: amount})


@lru_cache(maxsize=1)
def event_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(window_words('events'))})(?!\w)", re.IGNORECASE)


def event_of(word: str) -> str:
    return window_words("events")[word.lower()]


@lru_cache(maxsize=1)
def _today_pattern() -> re.Pattern[str]:
    from dateparser.languages.loader import default_loader

    names = {
        n for lang in LANGUAGES for n in default_loader.get_locale(lang).info["relative-type"]["0 day ago"]
    }
    return re.compile(rf"(?<!\w)(?:{alternation(names - {'till date'})})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Story:
    """The customer's start date, the event it is ("delivery", "purchase"), the day they ask about and whether they
    named that day ("today is 5 October") or it is simply today."""

    start: date
    event: str
    asked: date
    asked_named: bool
    asked_month_only: bool = False


def read_story(text: str, today: date) -> Story | None:
    """The dates of `text` as a story (see the module docs); None when no date is tied to an event."""
    events = [(m.start(), event_of(m.group(0))) for m in event_pattern().finditer(text)]
    if not events:
        return None
    mentions = find_dates(text)
    todays = [m.end() for m in _today_pattern().finditer(text)]
    asked = next((d for d in mentions if any(0 <= d.start - t <= _TODAY_NEAR for t in todays)), None)
    ago = _ago(text, today)
    candidates = [d for d in mentions if d is not asked and (d.day is not None or d.year is not None)]
    start_mention = min(
        (d for d in candidates if _distance(d.start, d.end, events) <= _EVENT_NEAR),
        key=lambda d: _distance(d.start, d.end, events),
        default=None,
    )
    if start_mention is None and ago is None:
        return None
    if start_mention is None:
        assert ago is not None
        start, event = ago[0], _nearest_event(ago[1], events)
    else:
        event = _nearest_event(start_mention.start, events)
        start = on_or_before(start_mention, resolve(asked, today, None) if asked else today)
    if asked is None:
        asked = next((d for d in candidates if d is not start_mention), None)
    if asked is None:
        return Story(start, event, today, asked_named=False)
    return Story(start, event, resolve(asked, today, start), True, asked_month_only=asked.day is None)


def _distance(start: int, end: int, events: list[tuple[int, str]]) -> int:
    return min(min(abs(p - start), abs(p - end)) for p, _ in events)


def _nearest_event(position: int, events: list[tuple[int, str]]) -> str:
    return min(events, key=lambda e: abs(e[0] - position))[1]


def resolve(mention: Mention, today: date, after: date | None) -> date:
    """The mention as a date: its own year, else the first on or after `after`, else this year's."""
    day = mention.day or 1
    if mention.year:
        return _safe(mention.year, mention.month, day)
    if after is None:
        return _safe(today.year, mention.month, day)
    found = _safe(after.year, mention.month, day)
    return found if found >= after else _safe(after.year + 1, mention.month, day)


def on_or_before(mention: Mention, limit: date) -> date:
    """The mention as a date: its own year, else the last one on or before `limit`."""
    if mention.year:
        return _safe(mention.year, mention.month, mention.day or 1)
    found = _safe(limit.year, mention.month, mention.day or 1)
    return found if found <= limit else _safe(limit.year - 1, mention.month, mention.day or 1)


def _safe(year: int, month: int, day: int) -> date:
    """A date, with a day past the month's end moved to its last day ("31 June")."""
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def write_date(day: date, language: str, month_only: bool = False) -> str:
    """`day` as a sentence in `language` writes it ("15 January 2027", "15. Januar 2027")."""
    w = words().windows
    lang = language if language in w.date_formats else "en"
    form = w.month_formats[lang] if month_only else w.date_formats[lang]
    return form.format(day=day.day, month=month_name(day.month, lang), year=day.year)


def today_word(language: str) -> str:
    """ "today" in `language` (dateparser's locale data)."""
    from dateparser.languages.loader import default_loader

    return default_loader.get_locale(language if language in LANGUAGES else "en").info["relative-type"][
        "0 day ago"
    ][0]
